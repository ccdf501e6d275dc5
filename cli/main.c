/* cli/main.c: the git-style dispatcher of the wenyuan command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"

#define X(name, summary) int cmd_##name(int argc, char **argv);
#include "commands.h"
#undef X

static const struct {
    const char *name, *summary;
    int (*run)(int argc, char **argv);
} commands[] = {
#define X(name, summary) {#name, summary, cmd_##name},
#include "commands.h"
#undef X
    {NULL, NULL, NULL},
};

#ifndef WY_VERSION
#define WY_VERSION "0.1.0"
#endif

static void usage(FILE *fp)
{
    fprintf(fp, "usage: wenyuan [-H HOME] COMMAND [ARGS...]\n\n"
                "Wenyuan (文渊) keeps a library's catalogue, harvests partner "
                "libraries,\narchives digitized collections and serves them "
                "to researchers.\n\nCommands:\n");
    for (size_t i = 0; commands[i].name; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\nRun 'wenyuan COMMAND --help' for a command's options.\n"
                "HOME is taken from -H or $WENYUAN_HOME.\n");
}

int main(int argc, char **argv)
{
    char *help_argv[3];
    int i = 1;
    /* -H HOME may come before the command; it is passed on through the
       environment so every command reads it the same way */
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "-H") && i + 1 < argc) {
            setenv("WENYUAN_HOME", argv[i + 1], 1);
            i += 2;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            printf("wenyuan %s\n", WY_VERSION);
            return 0;
        } else {
            fprintf(stderr, "wenyuan: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CMD_USAGE;
    }
    if (!strcmp(argv[i], "help")) {
        if (i + 1 < argc) {
            help_argv[0] = argv[i + 1];
            help_argv[1] = "--help";
            help_argv[2] = NULL;
            argv = help_argv;
            argc = 2;
            i = 0;
        } else {
            usage(stdout);
            return 0;
        }
    }
    for (size_t c = 0; commands[c].name; c++)
        if (!strcmp(commands[c].name, argv[i]))
            return commands[c].run(argc - i, argv + i);
    fprintf(stderr, "wenyuan: '%s' is not a wenyuan command; see 'wenyuan "
                    "--help'\n", argv[i]);
    return CMD_USAGE;
}
