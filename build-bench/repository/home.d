build-bench/repository/home.o: repository/home.c repository/home.h \
 core/err.h repository/catalog.h formats/record.h core/arena.h \
 core/alloc.h core/buf.h core/path.h
repository/home.h:
core/err.h:
repository/catalog.h:
formats/record.h:
core/arena.h:
core/alloc.h:
core/buf.h:
core/path.h:
