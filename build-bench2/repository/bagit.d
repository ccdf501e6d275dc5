build-bench2/repository/bagit.o: repository/bagit.c repository/bagit.h \
 core/buf.h core/err.h core/log.h core/alloc.h core/path.h \
 repository/walk.h
repository/bagit.h:
core/buf.h:
core/err.h:
core/log.h:
core/alloc.h:
core/path.h:
repository/walk.h:
