build-bench/formats/line.o: formats/line.c formats/line.h core/buf.h \
 core/err.h formats/record.h core/arena.h
formats/line.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
