build-bench/formats/iso2709.o: formats/iso2709.c formats/iso2709.h \
 core/buf.h core/err.h formats/format.h formats/record.h core/arena.h \
 core/alloc.h
formats/iso2709.h:
core/buf.h:
core/err.h:
formats/format.h:
formats/record.h:
core/arena.h:
core/alloc.h:
