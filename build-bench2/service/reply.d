build-bench2/service/reply.o: service/reply.c service/reply.h core/buf.h \
 core/err.h service/http.h core/log.h service/params.h core/alloc.h
service/reply.h:
core/buf.h:
core/err.h:
service/http.h:
core/log.h:
service/params.h:
core/alloc.h:
