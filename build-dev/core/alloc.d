build-dev/core/alloc.o: core/alloc.c core/alloc.h
core/alloc.h:
