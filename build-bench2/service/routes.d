build-bench2/service/routes.o: service/routes.c service/routes.h \
 service/http.h core/buf.h core/err.h core/log.h service/params.h \
 service/reply.h service/web.h
service/routes.h:
service/http.h:
core/buf.h:
core/err.h:
core/log.h:
service/params.h:
service/reply.h:
service/web.h:
