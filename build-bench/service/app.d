build-bench/service/app.o: service/app.c service/app.h core/err.h \
 core/alloc.h core/buf.h core/path.h
service/app.h:
core/err.h:
core/alloc.h:
core/buf.h:
core/path.h:
