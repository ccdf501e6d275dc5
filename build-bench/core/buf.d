build-bench/core/buf.o: core/buf.c core/buf.h core/err.h core/alloc.h
core/buf.h:
core/err.h:
core/alloc.h:
