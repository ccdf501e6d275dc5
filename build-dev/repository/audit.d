build-dev/repository/audit.o: repository/audit.c repository/audit.h \
 core/err.h core/log.h core/alloc.h core/buf.h core/path.h \
 repository/store.h
repository/audit.h:
core/err.h:
core/log.h:
core/alloc.h:
core/buf.h:
core/path.h:
repository/store.h:
