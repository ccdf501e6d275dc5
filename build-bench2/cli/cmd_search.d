build-bench2/cli/cmd_search.o: cli/cmd_search.c cli/cmd.h core/err.h \
 core/buf.h indexer/idx.h formats/record.h core/arena.h
cli/cmd.h:
core/err.h:
core/buf.h:
indexer/idx.h:
formats/record.h:
core/arena.h:
