build-bench2/cli/cmd_validate.o: cli/cmd_validate.c cli/cmd.h core/err.h \
 core/buf.h core/path.h repository/store.h repository/validate.h
cli/cmd.h:
core/err.h:
core/buf.h:
core/path.h:
repository/store.h:
repository/validate.h:
