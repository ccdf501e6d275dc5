build-bench2/harvester/oai_client.o: harvester/oai_client.c \
 harvester/oai_client.h core/buf.h core/err.h core/log.h core/alloc.h
harvester/oai_client.h:
core/buf.h:
core/err.h:
core/log.h:
core/alloc.h:
