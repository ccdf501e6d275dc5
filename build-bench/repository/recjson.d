build-bench/repository/recjson.o: repository/recjson.c \
 repository/recjson.h core/buf.h core/err.h formats/record.h core/arena.h \
 core/alloc.h
repository/recjson.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
core/alloc.h:
