build-bench/service/oai_token.o: service/oai_token.c service/oai_token.h \
 core/buf.h core/err.h core/alloc.h
service/oai_token.h:
core/buf.h:
core/err.h:
core/alloc.h:
