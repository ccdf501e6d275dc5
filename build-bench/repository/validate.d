build-bench/repository/validate.o: repository/validate.c \
 repository/validate.h core/err.h core/alloc.h core/buf.h core/path.h
repository/validate.h:
core/err.h:
core/alloc.h:
core/buf.h:
core/path.h:
