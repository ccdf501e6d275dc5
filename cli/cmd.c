/* cli/cmd.c: what every subcommand shares. */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

int cmd_fail(const char *name, struct wy_err *err)
{
    fprintf(stderr, "wenyuan %s: %s\n", name, wy_err_msg(err));
    int status = err->code == WY_EINVAL ? CMD_USAGE : CMD_FAIL;
    wy_err_release(err);
    return status;
}

int cmd_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return 0;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    }
    return 0;
}
