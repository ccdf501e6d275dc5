build-bench2/repository/store.o: repository/store.c repository/store.h \
 core/buf.h core/err.h core/alloc.h core/path.h
repository/store.h:
core/buf.h:
core/err.h:
core/alloc.h:
core/path.h:
