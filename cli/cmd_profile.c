/* cli/cmd_profile.c: wenyuan profile list | show CODE |
   check --collection C [--from FORMAT] FILE... */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "formats/format.h"
#include "repository/profile.h"
#include "repository/profile_report.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan profile list\n"
            "       wenyuan profile show COLLECTION\n"
            "       wenyuan profile check --collection C [--from FORMAT] "
            "FILE...\n\n"
            "A collection's metadata profile says which elements its "
            "records must have\n(required), should have (recommended) and "
            "which may repeat. 'check' reads\nthe files and reports, per "
            "record, what is missing or malformed, then a\nsummary; the "
            "exit status is 1 when a record has errors.\n"
            "Built-in profiles: guji (古籍, the national ancient-book census "
            "elements),\ndifangwenxian (地方文献).\n");
}

static const char *level_name(enum prof_level l)
{
    return l == PROF_REQUIRED      ? "required"
           : l == PROF_RECOMMENDED ? "recommended"
                                   : "optional";
}

static int show(const char *code)
{
    const struct prof_profile *p = prof_find(code);
    if (!p) {
        fprintf(stderr, "wenyuan profile: no profile for collection '%s'\n",
                code);
        return CMD_FAIL;
    }
    printf("%s (%s): %s\n", p->code, p->name, p->description);
    for (size_t i = 0; i < p->nelements; i++)
        printf("  %-14s %-8s %-11s %s\n", p->elements[i].key,
               p->elements[i].label, level_name(p->elements[i].level),
               p->elements[i].repeatable ? "repeatable" : "once");
    return CMD_OK;
}

static int check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0}};
    const char *coll = NULL, *from = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:f:", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            coll = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (!coll || optind >= argc) {
        usage(stderr);
        return CMD_USAGE;
    }
    const struct prof_profile *p = prof_find(coll);
    if (!p) {
        fprintf(stderr, "wenyuan profile: no profile for collection '%s'\n",
                coll);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    struct prof_batch b;
    if (prof_batch_init(&b, p, &err))
        return cmd_fail("profile", &err);
    int status = CMD_OK;
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (int i = optind; i < argc && status == CMD_OK; i++) {
        wy_code rc = prof_report_file(argv[i], from, &b, &out, &err);
        fputs(wy_buf_cstr(&out), stdout);
        wy_buf_reset(&out);
        if (rc)
            status = cmd_fail("profile", &err);
    }
    prof_batch_summary(&b, &out);
    fputs(wy_buf_cstr(&out), stdout);
    if (status == CMD_OK && b.with_errors)
        status = CMD_FAIL;
    wy_buf_release(&out);
    prof_batch_release(&b);
    return status;
}

WY_COMMAND(profile, "collection metadata profiles: list, show, check records")
{
    if (cmd_wants_help(argc, argv) || argc < 2) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CMD_USAGE : CMD_OK;
    }
    if (!strcmp(argv[1], "list")) {
        for (const struct prof_profile *const *p = prof_all(); *p; p++)
            printf("%-14s %s  %s\n", (*p)->code, (*p)->name, (*p)->description);
        return CMD_OK;
    }
    if (!strcmp(argv[1], "show") && argc == 3)
        return show(argv[2]);
    if (!strcmp(argv[1], "check"))
        return check(argc - 1, argv + 1);
    usage(stderr);
    return CMD_USAGE;
}
