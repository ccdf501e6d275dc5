/* cli/cmd_ingest.c: wenyuan ingest [--id ID] [--collection C]
   [--filename-charset CS] [--dry-run] [--resume] PATH... */
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/batch_report.h"
#include "cli/cmd.h"
#include "core/log.h"
#include "repository/home.h"
#include "repository/ingest.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan ingest [--id ID] [--collection C] "
            "[--filename-charset CS]\n"
            "                      [--sheet-charset CS] [--dry-run] "
            "[--resume] PATH...\n\n"
            "Archives digitized items in the OCFL store and the catalog. "
            "PATH is a folder,\na zip or tar(.gz/.zst) archive, a BagIt bag, "
            "or a CSV batch sheet (columns\nidentifier, collection, title, "
            "creator, date, path; one row per item).\nMetadata comes from "
            "mets.xml, mods.xml, marc.xml, dc.xml or a .mrc file in\nthe "
            "item, or from the sheet. Ingesting a changed item again makes "
            "a new\nversion; unchanged files are not stored twice.\n\n"
            "  -i, --id ID                the item's identifier (one PATH "
            "only)\n"
            "  -c, --collection C         collection code (e.g. guji)\n"
            "  -F, --filename-charset CS  charset of non-UTF-8 names in "
            "archives (CP936)\n"
            "  -S, --sheet-charset CS     charset of CSV sheets (default: "
            "detect)\n"
            "  -n, --dry-run              check everything, write nothing\n"
            "  -r, --resume               go on with an interrupted batch\n"
            "  -H HOME                    the Wenyuan home\n");
}

static volatile sig_atomic_t cancel;

static void on_signal(int sig)
{
    (void)sig;
    cancel = 1;
}

WY_COMMAND(ingest, "archive digitized items (folders, zip/tar, bags, sheets)")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {
        {"id", required_argument, NULL, 'i'},
        {"collection", required_argument, NULL, 'c'},
        {"filename-charset", required_argument, NULL, 'F'},
        {"sheet-charset", required_argument, NULL, 'S'},
        {"dry-run", no_argument, NULL, 'n'},
        {"resume", no_argument, NULL, 'r'},
        {"home", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    struct ingest_opts o = {0};
    const char *home = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "i:c:F:S:nrH:", opts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            o.id = optarg;
            break;
        case 'c':
            o.collection = optarg;
            break;
        case 'F':
            o.filename_charset = optarg;
            break;
        case 'S':
            o.sheet_charset = optarg;
            break;
        case 'n':
            o.dry_run = 1;
            break;
        case 'r':
            o.resume = 1;
            break;
        case 'H':
            home = optarg;
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CMD_USAGE;
    }
    struct wy_log log;
    wy_log_init(&log, stderr, WY_LOG_INFO);
    o.log = &log;
    o.user = getenv("USER");
    if (!o.user || !*o.user) {
        struct passwd *pw = getpwuid(getuid());
        o.user = pw ? pw->pw_name : NULL;
    }
    o.cancel = &cancel;
    /* OCFL wants the user's address as a URI (W008): $EMAIL when set,
       else the user's mailbox on this machine */
    char *mailto = NULL;
    const char *email = getenv("EMAIL");
    char host[256] = "";
    if (!email || !*email || !strchr(email, '@')) {
        email = NULL;
        if (gethostname(host, sizeof(host) - 1) != 0 || !*host)
            strcpy(host, "localhost");
    }
    if (o.user) {
        size_t n = 8 + (email ? strlen(email)
                              : strlen(o.user) + 1 + strlen(host));
        mailto = malloc(n);
        if (mailto) {
            if (email)
                snprintf(mailto, n, "mailto:%s", email);
            else
                snprintf(mailto, n, "mailto:%s@%s", o.user, host);
            o.user_address = mailto;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    if (home_open(&h, home, 0, &err) != WY_OK) {
        free(mailto);
        return cmd_fail("ingest", &err);
    }
    struct ingest_stats st;
    int64_t mark = cmd_batch_mark(h->cat);
    wy_code rc = ingest_run(h, (const char *const *)argv + optind,
                            (size_t)(argc - optind), &o, &st, &err);
    int report = o.dry_run ? CMD_OK : cmd_batch_report(h, mark, "ingest");
    home_close(h);
    free(mailto);
    double mb = (double)st.bytes / 1e6;
    if (rc == WY_OK || st.batch)
        printf("%s%llu items: %llu new, %llu new versions, %llu unchanged, "
               "%llu skipped (done before); %llu files, %.1f MB read, %.1f MB "
               "stored, %.1f MB/s\n",
               o.dry_run ? "dry run: " : "", (unsigned long long)st.items,
               (unsigned long long)st.added, (unsigned long long)st.versioned,
               (unsigned long long)st.unchanged, (unsigned long long)st.skipped,
               (unsigned long long)st.files, mb, (double)st.bytes_stored / 1e6,
               st.seconds > 0 ? mb / st.seconds : 0.0);
    if (rc != WY_OK) {
        if (cancel)
            fprintf(stderr, "wenyuan ingest: interrupted; run the same "
                            "command with --resume to go on\n");
        else if (st.batch)
            fprintf(stderr, "wenyuan ingest: the failed item left nothing "
                            "behind; fix it and run the same command with "
                            "--resume\n");
        return cmd_fail("ingest", &err);
    }
    return report;
}
