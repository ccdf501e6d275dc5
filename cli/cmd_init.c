/* cli/cmd_init.c: wenyuan init HOME */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "repository/home.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: wenyuan init HOME\n\n"
                "Creates a Wenyuan home: HOME/catalog.db (the catalog), "
                "HOME/store/ (the\nOCFL storage root) and HOME/index/ (the "
                "search index). The standard\ncollections guji (古籍), "
                "difangwenxian (地方文献) and minguo (民国文献)\nare "
                "created.\n");
}

WY_COMMAND(init, "create a Wenyuan home (catalog, store, index)")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        usage(stderr);
        return CMD_USAGE;
    }
    const char *home = optind < argc ? argv[optind] : getenv(WY_HOME_ENV);
    if (!home || !*home || argc - optind > 1) {
        usage(stderr);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    if (home_init(home, &err) != WY_OK)
        return cmd_fail("init", &err);
    printf("initialized Wenyuan home in %s\n", home);
    return CMD_OK;
}
