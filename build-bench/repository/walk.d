build-bench/repository/walk.o: repository/walk.c repository/walk.h \
 core/err.h core/alloc.h core/buf.h core/path.h
repository/walk.h:
core/err.h:
core/alloc.h:
core/buf.h:
core/path.h:
