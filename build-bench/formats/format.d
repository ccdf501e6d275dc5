build-bench/formats/format.o: formats/format.c formats/format.h \
 core/buf.h core/err.h formats/record.h core/arena.h core/alloc.h \
 formats/crosswalk.h
formats/format.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
core/alloc.h:
formats/crosswalk.h:
