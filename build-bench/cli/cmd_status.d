build-bench/cli/cmd_status.o: cli/cmd_status.c cli/cmd.h core/err.h \
 core/buf.h repository/home.h repository/catalog.h formats/record.h \
 core/arena.h
cli/cmd.h:
core/err.h:
core/buf.h:
repository/home.h:
repository/catalog.h:
formats/record.h:
core/arena.h:
