build-bench/cli/main.o: cli/main.c cli/cmd.h core/err.h \
 build-bench/gen/commands.h
cli/cmd.h:
core/err.h:
build-bench/gen/commands.h:
