build-bench2/harvester/harvest.o: harvester/harvest.c harvester/harvest.h \
 core/err.h core/log.h harvester/oai_client.h core/buf.h \
 harvester/oai_parse.h core/arena.h formats/format.h formats/record.h \
 core/alloc.h
harvester/harvest.h:
core/err.h:
core/log.h:
harvester/oai_client.h:
core/buf.h:
harvester/oai_parse.h:
core/arena.h:
formats/format.h:
formats/record.h:
core/alloc.h:
