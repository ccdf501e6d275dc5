build-bench/indexer/xapian_c.o: indexer/xapian_c.cc core/err.h \
 indexer/cjk.h core/buf.h indexer/xapian_c.h
core/err.h:
indexer/cjk.h:
core/buf.h:
indexer/xapian_c.h:
