build-bench2/service/web.o: service/web.c service/web.h service/http.h \
 core/buf.h core/err.h core/log.h service/params.h service/reply.h \
 build-bench2/gen/assets.h
service/web.h:
service/http.h:
core/buf.h:
core/err.h:
core/log.h:
service/params.h:
service/reply.h:
build-bench2/gen/assets.h:
