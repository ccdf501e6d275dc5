build-bench2/service/http.o: service/http.c service/http.h core/buf.h \
 core/err.h core/log.h service/params.h core/alloc.h service/reply.h \
 service/routes.h
service/http.h:
core/buf.h:
core/err.h:
core/log.h:
service/params.h:
core/alloc.h:
service/reply.h:
service/routes.h:
