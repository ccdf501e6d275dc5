build-bench2/indexer/idx.o: indexer/idx.c indexer/idx.h core/buf.h \
 core/err.h formats/record.h core/arena.h core/alloc.h core/path.h \
 formats/dates.h indexer/cjk.h indexer/xapian_c.h
indexer/idx.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
core/alloc.h:
core/path.h:
formats/dates.h:
indexer/cjk.h:
indexer/xapian_c.h:
