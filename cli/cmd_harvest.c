/* cli/cmd_harvest.c: wenyuan harvest [NAME...|--all] [options] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch_report.h"
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/log.h"
#include "harvester/harvest_cat.h"
#include "repository/home.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan harvest [NAME...|--all] [--from D] [--until D] "
            "[--full]\n"
            "                       [--reconcile] [--mode listrecords|"
            "getrecord] [--jobs N]\n\n"
            "Harvests OAI-PMH sources (see 'wenyuan source') into the "
            "catalog. Each page\nis committed with its resumptionToken, so "
            "an interrupted harvest resumes\nwhere it stopped. Without "
            "--from/--full, a source is harvested from the\nresponseDate of "
            "its last complete harvest.\n\n"
            "  -a, --all            every source\n"
            "  -f, --from D         from this datestamp (YYYY-MM-DD or "
            "YYYY-MM-DDThh:mm:ssZ)\n"
            "  -u, --until D        until this datestamp\n"
            "      --full           everything, whatever was harvested "
            "before\n"
            "  -r, --reconcile      list all identifiers and mark the "
            "records the provider\n"
            "                       no longer has as deleted\n"
            "  -m, --mode M         listrecords (default) or getrecord "
            "(ListIdentifiers +\n"
            "                       GetRecord, for a broken ListRecords)\n"
            "  -j, --jobs N         sources harvested at once (default 4)\n"
            "      --delay S        seconds between two requests to a "
            "source (default 1)\n"
            "      --retries N      tries again after a failure (default "
            "5)\n"
            "      --max-pages N    stop a source after N pages (default "
            "1000000)\n"
            "      --id ID          fetch only the record ID of one source "
            "(GetRecord)\n"
            "  -q, --quiet          no progress, warnings only\n"
            "  -v, --verbose        say more\n"
            "  -H HOME              the Wenyuan home\n\n"
            "Exit status: 0 when every source succeeded, 1 when any "
            "failed, 2 on\nusage errors.\n");
}

static int valid_date(const char *s)
{
    static const char day[] = "dddd-dd-dd", sec[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t n = strlen(s);
    const char *f = n == 10 ? day : n == 20 ? sec : NULL;
    if (!f)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (f[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != f[i])
            return 0;
    return 1;
}

struct show {
    struct wy_log *log;
    double last;
};

static void show_progress(void *ctx, const struct oai_progress *p)
{
    struct show *sh = ctx;
    if (!sh->log->tty)
        return;
    double now = wy_now();
    if (now - sh->last < 0.25)
        return;
    sh->last = now;
    const struct oai_counts *c = p->counts;
    double el = now - p->started;
    fprintf(sh->log->fp,
            "\r\033[K%s: page %lld, %lld records, %lld "
            "deleted, %.0f/s",
            p->source, c->pages, c->items, c->deleted,
            el > 0 ? (double)c->items / el : 0.0);
    if (c->complete_list_size >= 0)
        fprintf(sh->log->fp, ", of %lld", c->complete_list_size);
    fflush(sh->log->fp);
    sh->log->progress_shown = 1;
}

static long number(const char *s, const char *opt, int *bad)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || v < 0) {
        fprintf(stderr, "wenyuan harvest: %s '%s' is not a number\n", opt, s);
        *bad = 1;
    }
    return v;
}

WY_COMMAND(harvest, "harvest OAI-PMH sources into the catalog")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    enum { O_FULL = 1000, O_DELAY, O_RETRIES, O_MAXPAGES, O_ID };
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"from", required_argument, NULL, 'f'},
        {"until", required_argument, NULL, 'u'},
        {"full", no_argument, NULL, O_FULL},
        {"reconcile", no_argument, NULL, 'r'},
        {"mode", required_argument, NULL, 'm'},
        {"jobs", required_argument, NULL, 'j'},
        {"delay", required_argument, NULL, O_DELAY},
        {"retries", required_argument, NULL, O_RETRIES},
        {"max-pages", required_argument, NULL, O_MAXPAGES},
        {"id", required_argument, NULL, O_ID},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"home", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    struct oai_harvest_opts ho;
    oai_harvest_opts_default(&ho);
    const char *home = NULL, *id = NULL;
    int all = 0, jobs = 4, bad = 0;
    enum wy_level level = WY_LOG_WARN;
    int quiet = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "af:u:rm:j:qvH:", opts, NULL)) != -1) {
        switch (ch) {
        case 'a':
            all = 1;
            break;
        case 'f':
        case 'u':
            if (!valid_date(optarg)) {
                fprintf(stderr,
                        "wenyuan harvest: '%s' is not a datestamp "
                        "(YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)\n",
                        optarg);
                return CMD_USAGE;
            }
            if (ch == 'f')
                ho.from = optarg;
            else
                ho.until = optarg;
            break;
        case O_FULL:
            ho.full = 1;
            break;
        case 'r':
            ho.reconcile = 1;
            break;
        case 'm':
            if (!strcmp(optarg, "listrecords"))
                ho.mode = OAI_MODE_LISTRECORDS;
            else if (!strcmp(optarg, "getrecord"))
                ho.mode = OAI_MODE_GETRECORD;
            else {
                fprintf(stderr,
                        "wenyuan harvest: mode '%s' is neither "
                        "'listrecords' nor 'getrecord'\n",
                        optarg);
                return CMD_USAGE;
            }
            break;
        case 'j':
            jobs = (int)number(optarg, "--jobs", &bad);
            break;
        case O_DELAY: {
            char *end;
            ho.http.delay = strtod(optarg, &end);
            if (*end || ho.http.delay < 0) {
                fprintf(stderr,
                        "wenyuan harvest: --delay '%s' is not a "
                        "number of seconds\n",
                        optarg);
                return CMD_USAGE;
            }
            break;
        }
        case O_RETRIES:
            ho.http.max_retries = (int)number(optarg, "--retries", &bad);
            break;
        case O_MAXPAGES:
            ho.max_pages = number(optarg, "--max-pages", &bad);
            break;
        case O_ID:
            id = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'v':
            level = WY_LOG_INFO;
            break;
        case 'H':
            home = optarg;
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (bad || (all && optind < argc) || (!all && optind >= argc) ||
        (id && (all || argc - optind != 1))) {
        usage(stderr);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    if (home_open(&h, home, 0, &err) != WY_OK)
        return cmd_fail("harvest", &err);
    if (id) {
        struct wy_log l1;
        wy_log_init(&l1, stderr, level);
        ho.log = &l1;
        struct oai_counts c;
        wy_code rc =
            oai_harvest_source_one(h->cat, argv[optind], id, &ho, &c, &err);
        home_close(h);
        if (rc != WY_OK)
            return cmd_fail("harvest", &err);
        printf("%s: record '%s' stored\n", argv[optind], id);
        return CMD_OK;
    }
    struct cat_source *srcs = NULL;
    size_t nsrcs = 0, n = 0;
    const char **names = NULL;
    if (all) {
        if (cat_source_list(h->cat, &srcs, &nsrcs, &err) != WY_OK) {
            home_close(h);
            return cmd_fail("harvest", &err);
        }
        n = nsrcs;
        names = calloc(n ? n : 1, sizeof(*names));
        for (size_t i = 0; names && i < n; i++)
            names[i] = srcs[i].name;
    } else {
        n = (size_t)(argc - optind);
        names = calloc(n, sizeof(*names));
        for (size_t i = 0; names && i < n; i++) {
            names[i] = argv[optind + (int)i];
            struct cat_source s;
            if (cat_source_get(h->cat, names[i], &s, &err) != WY_OK) {
                free(names);
                home_close(h);
                return cmd_fail("harvest", &err);
            }
            cat_source_release(&s);
        }
    }
    struct oai_result *res = calloc(n ? n : 1, sizeof(*res));
    if (!names || !res) {
        free(names);
        free(res);
        cat_sources_free(srcs, nsrcs);
        home_close(h);
        wy_err_set(&err, WY_ENOMEM, "out of memory");
        return cmd_fail("harvest", &err);
    }
    if (!n)
        printf("no sources to harvest; add one with 'wenyuan source add'\n");
    struct wy_log log;
    wy_log_init(&log, stderr, level);
    struct show sh = {&log, 0};
    ho.log = &log;
    if (!quiet) {
        ho.progress = show_progress;
        ho.progress_ctx = &sh;
    }
    /* the catalog is opened again per thread; this handle is not needed */
    char *path = wy_strdup(h->catalog_path);
    int64_t mark = cmd_batch_mark(h->cat);
    home_close(h);
    h = NULL;
    wy_code rc = path
                     ? oai_harvest_sources(path, names, n, jobs, &ho, res, &err)
                     : wy_err_set(&err, WY_ENOMEM, "out of memory");
    if (log.progress_shown)
        fputs("\r\033[K", stderr);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct oai_counts *c = &res[i].counts;
        if (res[i].code != WY_OK) {
            failed++;
            fprintf(stderr, "wenyuan harvest: %s\n", res[i].msg);
            printf("%s: FAILED after %lld pages (%lld records kept; "
                   "'wenyuan harvest %s' resumes)\n",
                   res[i].name, c->pages, c->items, res[i].name);
        } else if (ho.reconcile) {
            printf("%s: reconciled, %lld identifiers listed, %lld records "
                   "marked deleted, %.1f s\n",
                   res[i].name, c->items, c->reconciled, res[i].seconds);
        } else {
            printf("%s: ok, %lld pages, %lld records (%lld added, %lld "
                   "updated, %lld unchanged, %lld deleted), %lld bad, "
                   "%.1f s, %.0f records/s\n",
                   res[i].name, c->pages, c->items, c->added, c->updated,
                   c->unchanged, c->deleted, c->bad, res[i].seconds,
                   res[i].seconds > 0 ? (double)c->items / res[i].seconds
                                      : 0.0);
            if (c->completed)
                printf("%s: %lld records completed in other formats\n",
                       res[i].name, c->completed);
        }
    }
    if (rc != WY_OK && !failed) {
        fprintf(stderr, "wenyuan harvest: %s\n", wy_err_msg(&err));
        failed = 1;
    }
    /* the profile report and the clusters of what the harvest wrote */
    if (!ho.reconcile && home_open(&h, home, 0, &err) == WY_OK) {
        if (cmd_batch_report(h, mark, "harvest") != CMD_OK)
            failed = 1;
        home_close(h);
    }
    wy_err_release(&err);
    oai_results_release(res, n);
    free(res);
    free(names);
    free(path);
    cat_sources_free(srcs, nsrcs);
    return failed ? CMD_FAIL : CMD_OK;
}
