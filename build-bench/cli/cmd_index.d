build-bench/cli/cmd_index.o: cli/cmd_index.c cli/cmd.h core/err.h \
 core/log.h indexer/sync.h indexer/idx.h core/buf.h formats/record.h \
 core/arena.h repository/catalog.h repository/store.h repository/home.h
cli/cmd.h:
core/err.h:
core/log.h:
indexer/sync.h:
indexer/idx.h:
core/buf.h:
formats/record.h:
core/arena.h:
repository/catalog.h:
repository/store.h:
repository/home.h:
