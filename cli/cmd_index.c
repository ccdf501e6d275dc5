/* cli/cmd_index.c: wenyuan index: brings the search index up to date. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "indexer/sync.h"
#include "repository/home.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan index [-H HOME] [--rebuild] [--batch N]\n\n"
            "Indexes the catalogue's new, changed and deleted records since "
            "the last run\n(the index keeps the change-log sequence it "
            "reached), with the full text of\ndigitized objects. Safe while "
            "searches run; one indexer at a time.\n\n"
            "  -H, --home HOME  the Wenyuan home (default $WENYUAN_HOME)\n"
            "      --rebuild    build a new index from the whole catalogue, "
            "then swap it in\n"
            "      --batch N    changes per commit (default %d)\n",
            IDX_SYNC_BATCH);
}

WY_COMMAND(index, "bring the search index up to date with the catalogue")
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"rebuild", no_argument, NULL, 'r'},
        {"batch", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct wy_err err = WY_ERR_INIT;
    const char *home = NULL;
    int rebuild = 0, c;
    size_t batch = 0;
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "H:", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            home = optarg;
            break;
        case 'r':
            rebuild = 1;
            break;
        case 'b': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 1000000) {
                wy_err_set(&err, WY_EINVAL,
                           "--batch '%s' is not a number from 1 to 1000000",
                           optarg);
                return cmd_fail("index", &err);
            }
            batch = (size_t)v;
            break;
        }
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (optind < argc) {
        wy_err_set(&err, WY_EINVAL, "unexpected argument '%s'", argv[optind]);
        return cmd_fail("index", &err);
    }
    struct wy_home *h = NULL;
    struct wy_log log;
    struct idx_sync_stats s;
    wy_log_init(&log, stderr, WY_LOG_INFO);
    double t0 = wy_now();
    if (home_open(&h, home, 0, &err) != WY_OK ||
        idx_update_home(h, rebuild, batch, &log, &s, &err) != WY_OK) {
        home_close(h);
        return cmd_fail("index", &err);
    }
    double dt = wy_now() - t0;
    printf("indexed %llu records, removed %llu, %llu full-text files, "
           "%llu moved to another cluster; changes %llu..%llu (%.1f s)\n",
           (unsigned long long)s.indexed, (unsigned long long)s.deleted,
           (unsigned long long)s.texts, (unsigned long long)s.reclustered,
           (unsigned long long)s.from_seq, (unsigned long long)s.to_seq, dt);
    home_close(h);
    return CMD_OK;
}
