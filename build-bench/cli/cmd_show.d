build-bench/cli/cmd_show.o: cli/cmd_show.c cli/cmd.h core/err.h \
 core/buf.h formats/format.h formats/record.h core/arena.h formats/line.h
cli/cmd.h:
core/err.h:
core/buf.h:
formats/format.h:
formats/record.h:
core/arena.h:
formats/line.h:
