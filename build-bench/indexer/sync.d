build-bench/indexer/sync.o: indexer/sync.c indexer/sync.h core/err.h \
 core/log.h indexer/idx.h core/buf.h formats/record.h core/arena.h \
 repository/catalog.h repository/store.h core/alloc.h core/path.h \
 repository/home.h
indexer/sync.h:
core/err.h:
core/log.h:
indexer/idx.h:
core/buf.h:
formats/record.h:
core/arena.h:
repository/catalog.h:
repository/store.h:
core/alloc.h:
core/path.h:
repository/home.h:
