build-bench2/service/cite.o: service/cite.c service/cite.h core/buf.h \
 core/err.h formats/record.h core/arena.h
service/cite.h:
core/buf.h:
core/err.h:
formats/record.h:
core/arena.h:
