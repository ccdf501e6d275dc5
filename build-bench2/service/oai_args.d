build-bench2/service/oai_args.o: service/oai_args.c service/oai_args.h \
 core/err.h core/buf.h service/params.h
service/oai_args.h:
core/err.h:
core/buf.h:
service/params.h:
