build-dev/cli/main.o: cli/main.c cli/cmd.h core/err.h \
 build-dev/gen/commands.h
cli/cmd.h:
core/err.h:
build-dev/gen/commands.h:
