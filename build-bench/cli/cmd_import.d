build-bench/cli/cmd_import.o: cli/cmd_import.c cli/cmd.h core/err.h \
 core/log.h formats/format.h core/buf.h formats/record.h core/arena.h \
 repository/home.h repository/catalog.h repository/import.h
cli/cmd.h:
core/err.h:
core/log.h:
formats/format.h:
core/buf.h:
formats/record.h:
core/arena.h:
repository/home.h:
repository/catalog.h:
repository/import.h:
