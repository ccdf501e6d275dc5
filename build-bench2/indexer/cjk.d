build-bench2/indexer/cjk.o: indexer/cjk.c indexer/cjk.h core/buf.h \
 core/err.h core/alloc.h
indexer/cjk.h:
core/buf.h:
core/err.h:
core/alloc.h:
