build-bench2/formats/marc21.o: formats/marc21.c formats/format.h \
 core/buf.h core/err.h formats/record.h core/arena.h formats/iso2709.h
formats/format.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
formats/iso2709.h:
