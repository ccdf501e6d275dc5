build-bench2/formats/convert.o: formats/convert.c formats/convert.h \
 core/err.h core/log.h formats/format.h core/buf.h formats/record.h \
 core/arena.h
formats/convert.h:
core/err.h:
core/log.h:
formats/format.h:
core/buf.h:
formats/record.h:
core/arena.h:
