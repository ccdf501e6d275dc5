build-bench2/repository/import.o: repository/import.c repository/import.h \
 core/err.h core/log.h repository/catalog.h formats/record.h core/arena.h \
 core/buf.h formats/format.h
repository/import.h:
core/err.h:
core/log.h:
repository/catalog.h:
formats/record.h:
core/arena.h:
core/buf.h:
formats/format.h:
