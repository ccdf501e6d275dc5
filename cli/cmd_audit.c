/* cli/cmd_audit.c: wenyuan audit, the fixity audit of the OCFL store. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/path.h"
#include "repository/audit.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/ingest.h"
#include "repository/reconcile.h"
#include "repository/store.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan audit [-H HOME | --root DIR] [--sample N%%] "
            "[--resume]\n                     [--state FILE] [-q]\n\n"
            "Re-hashes the content of every OCFL object in the store "
            "(HOME/store, or\nDIR) against its inventory and reports files "
            "that are missing, changed or\nunexpected, one line each: 'KIND "
            "OBJECT-ID PATH: detail'.\nWith a HOME, versions an "
            "interrupted ingest committed to the store but not\nto the "
            "catalog are recorded in the catalog first, and every object on "
            "which\nthe store and the catalog disagree is reported: "
            "'uncatalogued', 'head',\n'not-stored' or 'unreadable' "
            "OBJECT-ID: detail.\n\n"
            "  -H HOME         the Wenyuan home (default $WENYUAN_HOME)\n"
            "  --root DIR      an OCFL storage root anywhere\n"
            "  --sample N%%     audit a random N%% of the objects\n"
            "  --resume        continue an interrupted audit (state in "
            "HOME/audit.state)\n"
            "  --state FILE    where the resume state is kept (default "
            "HOME/audit.state)\n"
            "  -q, --quiet     no progress, no summary\n\n"
            "Exit status: 0 all intact, 1 problems found or the audit "
            "failed, 2 usage.\n");
}

static void print_problem(void *ctx, const struct audit_problem *p)
{
    (void)ctx;
    printf("%s %s %s: %s\n", audit_kind_name(p->kind),
           *p->object_id ? p->object_id : p->object_path, p->path,
           p->detail);
    fflush(stdout);
}

/* Each object's result goes into the home's catalog, so `wenyuan status`
   and the service show when it was last proven intact. */
struct record_ctx {
    struct cat *cat;
    int64_t audit_id;
    uint64_t failed;
};

static wy_code record_object(void *ctx, const struct audit_object *o,
                             struct wy_err *err)
{
    struct record_ctx *rc = ctx;
    char detail[64];
    snprintf(detail, sizeof(detail), "%u problem(s)", o->problems);
    if (o->problems)
        rc->failed++;
    return cat_audit_object(rc->cat, rc->audit_id,
                            *o->object_id ? o->object_id : o->object_path,
                            o->problems ? "failed" : "ok",
                            o->problems ? detail : NULL, err);
}

static void print_disagreement(void *ctx, const struct reconcile_problem *p)
{
    (void)ctx;
    const char *k = reconcile_kind_name(p->kind);
    switch (p->kind) {
    case RECONCILE_UNCATALOGUED:
        printf("%s %s: the store holds %s; the catalog does not list the "
               "object (ingest the item again)\n",
               k, p->object_id, p->store_head);
        break;
    case RECONCILE_HEAD:
        printf("%s %s: the store's head is %s, the catalog lists %s (ingest "
               "the item again)\n",
               k, p->object_id, p->store_head, p->cat_head);
        break;
    case RECONCILE_NOT_STORED:
        printf("%s %s: the catalog lists %s; the store does not hold the "
               "object\n",
               k, p->object_id, p->cat_head);
        break;
    case RECONCILE_UNREADABLE:
        printf("%s %s: the object's inventory has no id or head\n", k,
               p->object_id);
        break;
    }
    fflush(stdout);
}

/* The store against the catalog, before the content: versions an
   interrupted ingest committed to the store but not to the catalog are
   recorded first, then whatever still disagrees is reported. */
static wy_code settle(struct wy_home *h, const char *root, struct wy_log *log,
                      uint64_t *disagree, struct wy_err *err)
{
    struct store *s = NULL;
    struct ingest_recovery rv;
    wy_code rc = store_open(&s, root, err);
    if (rc == WY_OK)
        rc = ingest_recover(h->cat, s, log, &rv, err);
    if (rc == WY_OK)
        rc = reconcile_run(h->cat, s, print_disagreement, NULL, disagree, err);
    store_close(s);
    return rc;
}

/* "5%", "5", "0.5%" -> fraction */
static int parse_sample(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || (*end && strcmp(end, "%") != 0) || !(v > 0) || v > 100)
        return -1;
    *out = v / 100.0;
    return 0;
}

WY_COMMAND(audit, "re-hash the OCFL store's content and report missing, changed or unexpected files")
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"home", required_argument, NULL, 'H'},
        {"sample", required_argument, NULL, 's'},
        {"resume", no_argument, NULL, 'R'},
        {"state", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct wy_err err = WY_ERR_INIT;
    const char *root = NULL, *home = getenv("WENYUAN_HOME"), *state = NULL;
    struct audit_opts o;
    memset(&o, 0, sizeof(o));
    int quiet = 0;
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "H:r:s:RS:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': root = optarg; break;
        case 'H': home = optarg; break;
        case 's':
            if (parse_sample(optarg, &o.sample) != 0) {
                fprintf(stderr, "wenyuan audit: --sample '%s' is not a "
                                "percentage in (0, 100]\n", optarg);
                return CMD_USAGE;
            }
            break;
        case 'R': o.resume = 1; break;
        case 'S': state = optarg; break;
        case 'q': quiet = 1; break;
        default: usage(stderr); return CMD_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return CMD_USAGE;
    }
    struct wy_buf rb = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf sb = WY_BUF_INIT(WY_BUF_NOLIMIT);
    if (!root && home) {
        wy_path_join(&rb, home, "store");
        root = wy_buf_cstr(&rb);
    }
    if (!state && home) {
        wy_path_join(&sb, home, "audit.state");
        state = wy_buf_cstr(&sb);
    }
    if (!root || (o.resume && !state)) {
        wy_buf_release(&rb);
        wy_buf_release(&sb);
        fprintf(stderr, "wenyuan audit: %s\n",
                !root ? "no store: give -H HOME or --root DIR"
                      : "--resume needs -H HOME or --state FILE");
        return CMD_USAGE;
    }
    struct wy_log log;
    wy_log_init(&log, stderr, WY_LOG_INFO);
    if (quiet)
        log.tty = 0;
    o.state_path = state;
    o.log = &log;
    o.problem = print_problem;
    struct audit_result res;
    struct wy_home *h = NULL;
    struct record_ctx rctx = {NULL, 0, 0};
    wy_code rc = WY_OK;
    uint64_t disagree = 0; /* objects the store and the catalog disagree on */
    struct wy_buf cb = WY_BUF_INIT(WY_BUF_NOLIMIT);
    if (home)
        wy_path_join(&cb, home, "catalog.db");
    /* a bare storage root under HOME (no catalog) is audited all the same */
    if (home && root == wy_buf_cstr(&rb) && wy_is_file(wy_buf_cstr(&cb))) {
        rc = home_open(&h, home, 0, &err);
        if (rc == WY_OK)
            rc = settle(h, root, &log, &disagree, &err);
        if (rc == WY_OK && o.resume)
            rc = cat_audit_unfinished(h->cat, "store", &rctx.audit_id, &err);
        if (rc == WY_OK && !rctx.audit_id)
            rc = cat_audit_begin(h->cat, "store", &rctx.audit_id, &err);
        rctx.cat = h ? h->cat : NULL;
        o.object_done = record_object;
        o.ctx = &rctx;
    }
    if (rc == WY_OK)
        rc = audit_run(root, &o, &res, &err);
    if (h && rctx.audit_id) {
        struct wy_err e2 = WY_ERR_INIT;
        const char *st = rc != WY_OK ? "interrupted"
                         : audit_failed(&res) ? "failed" : "ok";
        if (cat_audit_end(h->cat, rctx.audit_id, st,
                          rc == WY_OK ? (int64_t)res.objects : 0,
                          (int64_t)rctx.failed, &e2) != WY_OK && rc == WY_OK)
            wy_err_move(&err, &e2), rc = err.code;
        wy_err_release(&e2);
    }
    home_close(h);
    wy_buf_release(&cb);
    wy_buf_release(&rb);
    wy_buf_release(&sb);
    if (rc != WY_OK)
        return cmd_fail("audit", &err);
    if (!quiet)
        fprintf(stderr,
                "%s%" PRIu64 " of %" PRIu64 " objects, %" PRIu64
                " files, %.1f MB checked in %.1f s (%.1f MB/s): %" PRIu64
                " missing, %" PRIu64 " changed, %" PRIu64 " unexpected, %" PRIu64
                " broken\n",
                res.resumed ? "(resumed) " : "", res.objects,
                res.objects_total, res.files, (double)res.bytes / 1e6,
                res.seconds,
                res.seconds > 0 ? (double)res.bytes_this_run / 1e6 / res.seconds
                                : 0.0,
                res.missing, res.changed, res.unexpected, res.broken);
    if (!quiet && disagree)
        fprintf(stderr,
                "%" PRIu64 " objects on which the store and the "
                "catalog disagree\n",
                disagree);
    return audit_failed(&res) || disagree ? CMD_FAIL : CMD_OK;
}
