build-bench/formats/crosswalk.o: formats/crosswalk.c formats/crosswalk.h \
 core/err.h formats/record.h core/arena.h core/buf.h
formats/crosswalk.h:
core/err.h:
formats/record.h:
core/arena.h:
core/buf.h:
