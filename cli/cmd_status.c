/* cli/cmd_status.c: wenyuan status [--json] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "repository/home.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: wenyuan status [--json]\n\n"
                "Shows what the home holds: records per source and "
                "collection, deleted\nrecords, objects, files and bytes, the "
                "last harvest, index and audit,\nand anything needing "
                "care.\n\n"
                "  -j, --json   machine-readable output\n"
                "  -H HOME      the Wenyuan home\n");
}

static void jstr(struct wy_buf *b, const char *s)
{
    if (s)
        wy_buf_add_json(b, s, strlen(s));
    else
        wy_buf_adds(b, "null");
}

static void rows_json(struct wy_buf *b, const struct cat_count_row *r, size_t n)
{
    wy_buf_addc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            wy_buf_addc(b, ',');
        jstr(b, r[i].key);
        wy_buf_addf(b, ":{\"records\":%lld,\"deleted\":%lld}",
                    (long long)r[i].live, (long long)r[i].deleted);
    }
    wy_buf_addc(b, '}');
}

/* What needs care, one line each (newline-terminated) into out. */
static void care_lines(const struct cat_status *s, const struct cat_source *src,
                       size_t nsrc, struct wy_buf *out)
{
    for (size_t i = 0; i < nsrc; i++) {
        if (src[i].last_error)
            wy_buf_addf(out, "source '%s': last harvest failed: %s\n",
                        src[i].name, src[i].last_error);
        if (src[i].token)
            wy_buf_addf(out,
                        "source '%s': harvest interrupted after %lld "
                        "records; run the harvest again to resume\n",
                        src[i].name, (long long)src[i].cursor);
    }
    if (s->objects_failed_audit)
        wy_buf_addf(out, "%lld objects failed their last audit\n",
                    (long long)s->objects_failed_audit);
    if (s->objects_never_audited)
        wy_buf_addf(out, "%lld objects were never audited (wenyuan audit)\n",
                    (long long)s->objects_never_audited);
    if (s->index_seq < s->last_seq)
        wy_buf_addf(out, "%lld changes not yet indexed (wenyuan index)\n",
                    (long long)(s->last_seq - s->index_seq));
    if (s->batches_unfinished)
        wy_buf_addf(out,
                    "%lld ingest batches unfinished (wenyuan ingest "
                    "--resume)\n",
                    (long long)s->batches_unfinished);
    if (s->intents_pending)
        wy_buf_addf(out,
                    "%lld ingest intents not settled: versions an interrupted "
                    "ingest may have stored but not catalogued (wenyuan "
                    "audit, or the next ingest, records them)\n",
                    (long long)s->intents_pending);
}

static int print_json(const struct cat_status *s, const struct cat_source *src,
                      size_t nsrc, struct wy_err *err)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&b, "{\"records\":%lld,\"deleted\":%lld,\"by_source\":",
                (long long)s->records, (long long)s->deleted);
    rows_json(&b, s->by_source, s->nsources);
    wy_buf_adds(&b, ",\"by_collection\":");
    rows_json(&b, s->by_collection, s->ncollections);
    wy_buf_addf(&b,
                ",\"objects\":%lld,\"files\":%lld,\"bytes\":%lld,"
                "\"objects_failed_audit\":%lld,"
                "\"objects_never_audited\":%lld,\"last_seq\":%lld,"
                "\"index_seq\":%lld,\"last_index\":",
                (long long)s->objects, (long long)s->files, (long long)s->bytes,
                (long long)s->objects_failed_audit,
                (long long)s->objects_never_audited, (long long)s->last_seq,
                (long long)s->index_seq);
    jstr(&b, s->last_index);
    wy_buf_adds(&b, ",\"last_harvest\":");
    jstr(&b, s->last_harvest);
    wy_buf_adds(&b, ",\"last_audit\":");
    jstr(&b, s->last_audit);
    wy_buf_addf(&b,
                ",\"batches_unfinished\":%lld,\"intents_pending\":%lld,"
                "\"sources\":[",
                (long long)s->batches_unfinished,
                (long long)s->intents_pending);
    for (size_t i = 0; i < nsrc; i++) {
        wy_buf_adds(&b, i ? ",{\"name\":" : "{\"name\":");
        jstr(&b, src[i].name);
        wy_buf_adds(&b, ",\"url\":");
        jstr(&b, src[i].url);
        wy_buf_adds(&b, ",\"last_harvest\":");
        jstr(&b, src[i].last_harvest);
        wy_buf_adds(&b, ",\"last_response_date\":");
        jstr(&b, src[i].last_response_date);
        wy_buf_adds(&b, ",\"last_error\":");
        jstr(&b, src[i].last_error);
        wy_buf_addf(&b, ",\"resumable\":%s}", src[i].token ? "true" : "false");
    }
    wy_buf_adds(&b, "],\"care\":[");
    struct wy_buf care = WY_BUF_INIT(WY_BUF_NOLIMIT);
    care_lines(s, src, nsrc, &care);
    const char *p = wy_buf_cstr(&care);
    for (int first = 1; *p; first = 0) {
        const char *nl = strchr(p, '\n');
        if (!first)
            wy_buf_addc(&b, ',');
        wy_buf_add_json(&b, p, (size_t)(nl - p));
        p = nl + 1;
    }
    wy_buf_release(&care);
    wy_buf_adds(&b, "]}\n");
    if (wy_buf_status(&b, err)) {
        wy_buf_release(&b);
        return cmd_fail("status", err);
    }
    fwrite(b.p, 1, b.len, stdout);
    wy_buf_release(&b);
    return CMD_OK;
}

static void print_text(const struct cat_status *s, const struct cat_source *src,
                       size_t nsrc)
{
    printf("records:  %lld (%lld deleted)\n", (long long)s->records,
           (long long)s->deleted);
    for (size_t i = 0; i < s->nsources; i++)
        printf("  source %-20s %lld (%lld deleted)\n", s->by_source[i].key,
               (long long)s->by_source[i].live,
               (long long)s->by_source[i].deleted);
    for (size_t i = 0; i < s->ncollections; i++)
        printf("  collection %-16s %lld (%lld deleted)\n",
               *s->by_collection[i].key ? s->by_collection[i].key : "(none)",
               (long long)s->by_collection[i].live,
               (long long)s->by_collection[i].deleted);
    printf("objects:  %lld, %lld files, %.1f MB\n", (long long)s->objects,
           (long long)s->files, (double)s->bytes / 1e6);
    printf("changes:  %lld (indexed up to %lld%s%s)\n", (long long)s->last_seq,
           (long long)s->index_seq, s->last_index ? " at " : "",
           s->last_index ? s->last_index : "");
    printf("harvest:  %s\n", s->last_harvest ? s->last_harvest : "never");
    printf("audit:    %s\n", s->last_audit ? s->last_audit : "never");
    struct wy_buf care = WY_BUF_INIT(WY_BUF_NOLIMIT);
    care_lines(s, src, nsrc, &care);
    const char *p = wy_buf_cstr(&care);
    if (!*p)
        printf("care:     nothing\n");
    for (int first = 1; *p; first = 0) {
        const char *nl = strchr(p, '\n');
        printf("%s %.*s\n", first ? "care:    " : "         ", (int)(nl - p),
               p);
        p = nl + 1;
    }
    wy_buf_release(&care);
}

WY_COMMAND(status, "show what the home holds and what needs care")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"home", required_argument, NULL, 'H'},
                                         {NULL, 0, NULL, 0}};
    int json = 0;
    const char *home = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "jH:", opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            json = 1;
            break;
        case 'H':
            home = optarg;
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    if (home_open(&h, home, HOME_READONLY, &err) != WY_OK)
        return cmd_fail("status", &err);
    struct cat_status s;
    struct cat_source *src = NULL;
    size_t nsrc = 0;
    if (cat_status_get(h->cat, &s, &err) != WY_OK) {
        home_close(h);
        return cmd_fail("status", &err);
    }
    if (cat_source_list(h->cat, &src, &nsrc, &err) != WY_OK) {
        cat_status_release(&s);
        home_close(h);
        return cmd_fail("status", &err);
    }
    int rc = CMD_OK;
    if (json)
        rc = print_json(&s, src, nsrc, &err);
    else
        print_text(&s, src, nsrc);
    cat_sources_free(src, nsrc);
    cat_status_release(&s);
    home_close(h);
    return rc;
}
