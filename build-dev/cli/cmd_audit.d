build-dev/cli/cmd_audit.o: cli/cmd_audit.c cli/cmd.h core/err.h \
 core/buf.h core/log.h core/path.h repository/audit.h
cli/cmd.h:
core/err.h:
core/buf.h:
core/log.h:
core/path.h:
repository/audit.h:
