build-bench2/core/path.o: core/path.c core/path.h core/buf.h core/err.h
core/path.h:
core/buf.h:
core/err.h:
