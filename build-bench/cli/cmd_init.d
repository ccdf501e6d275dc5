build-bench/cli/cmd_init.o: cli/cmd_init.c cli/cmd.h core/err.h \
 repository/home.h repository/catalog.h formats/record.h core/arena.h
cli/cmd.h:
core/err.h:
repository/home.h:
repository/catalog.h:
formats/record.h:
core/arena.h:
