build-bench2/indexer/variants_table.o: indexer/variants_table.c \
 indexer/cjk.h core/buf.h core/err.h
indexer/cjk.h:
core/buf.h:
core/err.h:
