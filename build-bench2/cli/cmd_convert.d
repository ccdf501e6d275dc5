build-bench2/cli/cmd_convert.o: cli/cmd_convert.c cli/cmd.h core/err.h \
 core/buf.h core/log.h core/path.h formats/convert.h formats/format.h \
 formats/record.h core/arena.h
cli/cmd.h:
core/err.h:
core/buf.h:
core/log.h:
core/path.h:
formats/convert.h:
formats/format.h:
formats/record.h:
core/arena.h:
