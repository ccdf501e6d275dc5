build-bench2/core/err.o: core/err.c core/err.h core/alloc.h
core/err.h:
core/alloc.h:
