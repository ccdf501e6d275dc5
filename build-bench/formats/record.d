build-bench/formats/record.o: formats/record.c formats/record.h \
 core/arena.h core/err.h core/alloc.h
formats/record.h:
core/arena.h:
core/err.h:
core/alloc.h:
