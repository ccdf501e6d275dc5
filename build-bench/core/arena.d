build-bench/core/arena.o: core/arena.c core/arena.h core/alloc.h
core/arena.h:
core/alloc.h:
