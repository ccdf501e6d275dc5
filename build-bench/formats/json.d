build-bench/formats/json.o: formats/json.c formats/format.h core/buf.h \
 core/err.h formats/record.h core/arena.h
formats/format.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
