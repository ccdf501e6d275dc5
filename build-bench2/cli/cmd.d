build-bench2/cli/cmd.o: cli/cmd.c cli/cmd.h core/err.h
cli/cmd.h:
core/err.h:
