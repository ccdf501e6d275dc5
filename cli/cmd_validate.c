/* cli/cmd_validate.c: wenyuan validate, the OCFL validator. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "core/path.h"
#include "repository/store.h"
#include "repository/validate.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan validate [-H HOME | --root DIR] [--no-digests] "
            "[-q] [OBJECT...]\n\n"
            "Checks an OCFL storage root (HOME/store, or DIR) and every object "
            "in it\nagainst the OCFL 1.1 validation rules (1.0 objects by "
            "theirs). OBJECT is an\nobject root directory or an object id in "
            "the store; with OBJECTs only those\nare checked. Each problem is "
            "printed as 'CODE PATH: message' with the\nspecification's code "
            "(E0xx errors, W0xx warnings).\n\n"
            "  -H HOME        the Wenyuan home (default $WENYUAN_HOME)\n"
            "  --root DIR     an OCFL storage root anywhere\n"
            "  --no-digests   skip re-hashing content (structure only)\n"
            "  -q, --quiet    print errors only, no warnings\n\n"
            "Exit status: 0 valid (warnings allowed), 1 errors found, 2 "
            "usage.\n");
}

struct out {
    int quiet;
};

static void print_issue(void *ctx, const char *code, const char *where,
                        const char *msg)
{
    struct out *o = ctx;
    if (o->quiet && code[0] == 'W')
        return;
    printf("%s %s: %s\n", code, where, msg);
}

WY_COMMAND(validate, "check the OCFL store and objects against the OCFL 1.1 rules")
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"home", required_argument, NULL, 'H'},
        {"no-digests", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct wy_err err = WY_ERR_INIT;
    const char *root = NULL, *home = getenv("WENYUAN_HOME");
    struct out o = {0};
    struct validate_sink sink;
    memset(&sink, 0, sizeof(sink));
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "H:r:nqh", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': root = optarg; break;
        case 'H': home = optarg; break;
        case 'n': sink.no_digests = 1; break;
        case 'q': o.quiet = 1; break;
        default: usage(stderr); return CMD_USAGE;
        }
    }
    struct wy_buf rb = WY_BUF_INIT(WY_BUF_NOLIMIT);
    if (!root && home) {
        wy_path_join(&rb, home, "store");
        root = wy_buf_cstr(&rb);
    }
    sink.fn = print_issue;
    sink.ctx = &o;
    wy_code rc = WY_OK;
    if (optind == argc) {
        if (!root) {
            wy_buf_release(&rb);
            fprintf(stderr, "wenyuan validate: no store: give -H HOME, "
                            "--root DIR or an object directory\n");
            return CMD_USAGE;
        }
        rc = validate_root(root, &sink, &err);
    }
    for (int i = optind; rc == WY_OK && i < argc; i++) {
        if (wy_is_dir(argv[i])) {
            rc = validate_object(argv[i], &sink, &err);
            continue;
        }
        /* an object id in the store */
        struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct store *s = NULL;
        if (!root)
            rc = wy_err_set(&err, WY_EINVAL,
                            "'%s' is not a directory and no store was given",
                            argv[i]);
        else
            rc = store_open(&s, root, &err);
        if (rc == WY_OK) {
            wy_buf_addf(&p, "%s/", root);
            rc = store_object_relpath(s, argv[i], &p, &err);
        }
        if (rc == WY_OK && !wy_is_dir(wy_buf_cstr(&p)))
            rc = wy_err_set(&err, WY_ENOTFOUND, "no object '%s' in '%s'",
                            argv[i], root);
        if (rc == WY_OK)
            rc = validate_object(wy_buf_cstr(&p), &sink, &err);
        store_close(s);
        wy_buf_release(&p);
    }
    wy_buf_release(&rb);
    if (rc != WY_OK)
        return cmd_fail("validate", &err);
    fprintf(stderr, "%u object%s checked: %u error%s, %u warning%s\n",
            sink.objects, sink.objects == 1 ? "" : "s", sink.errors,
            sink.errors == 1 ? "" : "s", sink.warnings,
            sink.warnings == 1 ? "" : "s");
    return sink.errors ? CMD_FAIL : CMD_OK;
}
