build-bench2/cli/main.o: cli/main.c cli/cmd.h core/err.h \
 build-bench2/gen/commands.h
cli/cmd.h:
core/err.h:
build-bench2/gen/commands.h:
