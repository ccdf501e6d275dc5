build-bench2/core/alloc.o: core/alloc.c core/alloc.h
core/alloc.h:
