/* cli/cmd_import.c: wenyuan import [--source S] [--collection C]
   [--from FORMAT] FILE... */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch_report.h"
#include "cli/cmd.h"
#include "core/log.h"
#include "formats/format.h"
#include "repository/home.h"
#include "repository/import.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: wenyuan import [--source S] [--collection C] "
                "[--from FORMAT] FILE...\n\n"
                "Loads catalogue records into the catalog (no digital "
                "objects). A record\nis filed under (source, its "
                "identifier): importing it again updates it\nwhen it "
                "changed. Bad records are reported and skipped.\n\n"
                "  -s, --source S       source name (default: local)\n"
                "  -c, --collection C   collection code (e.g. guji)\n"
                "  -f, --from FORMAT    input format (default: detect):");
    for (const struct fmt_handler *const *h = fmt_handlers(); *h; h++)
        if ((*h)->open)
            fprintf(fp, " %s", (*h)->name);
    fprintf(fp, "\n  -b, --batch N        records per transaction "
                "(default 1000)\n  -H HOME              the Wenyuan home\n");
}

WY_COMMAND(import, "load catalogue records (MARC, MARCXML, MODS, DC)")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {
        {"source", required_argument, NULL, 's'},
        {"collection", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {"batch", required_argument, NULL, 'b'},
        {"home", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    struct cat_import_opts o = {0};
    const char *home = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "s:c:f:b:H:", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            o.source = optarg;
            break;
        case 'c':
            o.collection = optarg;
            break;
        case 'f':
            o.format = optarg;
            break;
        case 'H':
            home = optarg;
            break;
        case 'b': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || !v || v > 1000000) {
                fprintf(stderr,
                        "wenyuan import: --batch '%s' is not a "
                        "number from 1 to 1000000\n",
                        optarg);
                return CMD_USAGE;
            }
            o.batch = v;
            break;
        }
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    struct wy_log log;
    wy_log_init(&log, stderr, WY_LOG_INFO);
    o.log = &log;
    struct wy_home *h = NULL;
    if (home_open(&h, home, 0, &err) != WY_OK)
        return cmd_fail("import", &err);
    struct cat_import_stats st = {0};
    int status = CMD_OK;
    int64_t mark = cmd_batch_mark(h->cat);
    for (int i = optind; i < argc; i++) {
        wy_code rc = cat_import_file(h->cat, argv[i], &o, &st, &err);
        if (rc == WY_OK)
            continue;
        /* a file that cannot be read is reported and the others go on;
           a catalog failure stops everything */
        int stop = rc == WY_EDB || rc == WY_ENOMEM || rc == WY_EINVAL;
        status = cmd_fail("import", &err);
        if (stop)
            break;
    }
    if (status == CMD_OK)
        status = cmd_batch_report(h, mark, "import");
    home_close(h);
    printf("%llu records: %llu added, %llu updated, %llu unchanged, "
           "%llu deleted, %llu bad\n",
           (unsigned long long)st.records, (unsigned long long)st.added,
           (unsigned long long)st.updated, (unsigned long long)st.unchanged,
           (unsigned long long)st.deleted, (unsigned long long)st.bad);
    if (status == CMD_OK && st.bad)
        status = CMD_FAIL;
    return status;
}
