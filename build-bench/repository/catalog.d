build-bench/repository/catalog.o: repository/catalog.c \
 repository/catalog.h core/err.h formats/record.h core/arena.h \
 core/alloc.h core/buf.h repository/recjson.h
repository/catalog.h:
core/err.h:
formats/record.h:
core/arena.h:
core/alloc.h:
core/buf.h:
repository/recjson.h:
