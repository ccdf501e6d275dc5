/* cli/cmd.h: a subcommand is one file cli/cmd_NAME.c that starts its entry
   point with WY_COMMAND(NAME, "one-line summary") on one line; the Makefile
   collects them into the command table, so no list is kept by hand. */
#ifndef WY_CLI_CMD_H
#define WY_CLI_CMD_H

#include "core/err.h"

#define WY_COMMAND(name, summary) int cmd_##name(int argc, char **argv)

/* Exit statuses: 0 success, 1 failure, 2 usage error (git's convention). */
enum { CMD_OK = 0, CMD_FAIL = 1, CMD_USAGE = 2 };

/* Prints "wenyuan NAME: message" on stderr and returns the exit status that
   fits the error (2 for WY_EINVAL, else 1). Releases err. */
int cmd_fail(const char *name, struct wy_err *err);

/* Whether argv holds -h or --help before any "--". */
int cmd_wants_help(int argc, char **argv);

#endif
