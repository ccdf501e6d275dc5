build-bench/core/alloc.o: core/alloc.c core/alloc.h
core/alloc.h:
