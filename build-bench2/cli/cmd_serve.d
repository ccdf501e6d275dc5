build-bench2/cli/cmd_serve.o: cli/cmd_serve.c cli/cmd.h core/err.h \
 core/log.h service/app.h service/http.h core/buf.h service/params.h
cli/cmd.h:
core/err.h:
core/log.h:
service/app.h:
service/http.h:
core/buf.h:
service/params.h:
