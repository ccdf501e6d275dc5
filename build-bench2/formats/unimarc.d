build-bench2/formats/unimarc.o: formats/unimarc.c formats/format.h \
 core/buf.h core/err.h formats/record.h core/arena.h formats/iso2709.h
formats/format.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
formats/iso2709.h:
