build-bench2/service/params.o: service/params.c service/params.h \
 core/err.h core/alloc.h
service/params.h:
core/err.h:
core/alloc.h:
