/* cli/cmd_search.c: wenyuan search QUERY: searches the index of a home. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "indexer/idx.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan search [-H HOME] [options] QUERY...\n\n"
            "Searches the catalogue (see docs/SEARCH.md for the syntax):\n"
            "  title:红楼梦 creator:曹雪芹, \"phrases\", AND OR NOT, -word.\n"
            "Simplified, traditional and old variant forms find each other.\n\n"
            "  -H, --home HOME      the Wenyuan home (default $WENYUAN_HOME)\n"
            "      --index DIR      search this index instead of HOME/index\n"
            "      --collection C   only records of collection C\n"
            "      --facet NAME:VAL only records with this facet value; "
            "repeatable\n"
            "                       (collection, library, type, language,\n"
            "                       creator, century, dynasty, source,\n"
            "                       edition_type, place, region)\n"
            "      --from-year Y    records dated in or after year Y\n"
            "      --to-year Y      records dated in or before year Y\n"
            "      --sort S         relevance (default), date, -date, title\n"
            "      --page N         page N of the results (from 1)\n"
            "      --page-size N    results per page (default 20)\n"
            "      --by-work        one hit per union-catalogue cluster\n"
            "      --json           print the result as JSON\n");
}

static int parse_long(const char *name, const char *s, long lo, long hi,
                      long *out, struct wy_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return wy_err_set(err, WY_EINVAL,
                          "%s '%s' is not a number from %ld "
                          "to %ld",
                          name, s, lo, hi);
    *out = v;
    return WY_OK;
}

/* Terminal output: the snippet's <b> marks become bold on a tty and are
   dropped otherwise; HTML entities of the snippet are decoded. */
static void print_snippet(const char *s, int tty)
{
    static const struct {
        const char *from, *to_tty, *to_plain;
    } map[] = {{"<b>", "\033[1m", ""}, {"</b>", "\033[0m", ""},
               {"&amp;", "&", "&"},    {"&lt;", "<", "<"},
               {"&gt;", ">", ">"},     {"&quot;", "\"", "\""}};
    fputs("    ", stdout);
    while (*s) {
        size_t k;
        for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
            if (!strncmp(s, map[k].from, strlen(map[k].from)))
                break;
        if (k < sizeof(map) / sizeof(map[0])) {
            fputs(tty ? map[k].to_tty : map[k].to_plain, stdout);
            s += strlen(map[k].from);
        } else {
            putchar(*s == '\n' ? ' ' : *s);
            s++;
        }
    }
    putchar('\n');
}

static void print_text(const struct idx_result *r, const struct idx_query *q)
{
    int tty = isatty(STDOUT_FILENO);
    size_t page = q->page ? q->page : 1, size = q->page_size;
    if (q->collapse)
        printf("%llu work%s (%llu records)", (unsigned long long)r->total,
               r->total == 1 ? "" : "s",
               (unsigned long long)r->total_records);
    else
        printf("%llu result%s (estimated)", (unsigned long long)r->total,
               r->total == 1 ? "" : "s");
    if (r->nhits)
        printf(", showing %zu-%zu", (page - 1) * size + 1,
               (page - 1) * size + r->nhits);
    printf("\n\n");
    for (size_t i = 0; i < r->nhits; i++) {
        const struct idx_hit *h = &r->hits[i];
        printf("%s  %s", h->id, h->title);
        if (*h->creator)
            printf(" / %s", h->creator);
        if (*h->date)
            printf(" (%s)", h->date);
        if (q->collapse && h->collapsed)
            printf("  [+%llu more of cluster %lld]",
                   (unsigned long long)h->collapsed, (long long)h->cluster);
        putchar('\n');
        if (h->snippet && *h->snippet)
            print_snippet(h->snippet, tty);
    }
    for (size_t f = 0; f < IDX_NFACETS; f++) {
        const struct idx_facet *fc = &r->facets[f];
        if (!fc->nvalues)
            continue;
        printf("\n%s:", fc->name);
        for (size_t k = 0; k < fc->nvalues && k < 10; k++)
            printf(" %s (%llu)%s", fc->values[k].value,
                   (unsigned long long)fc->values[k].count,
                   k + 1 < fc->nvalues && k < 9 ? "," : "");
        if (fc->nvalues > 10)
            printf(" ... %zu more", fc->nvalues - 10);
    }
    putchar('\n');
}

WY_COMMAND(search, "search the catalogue (fields, facets, dates, Chinese)")
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"index", required_argument, NULL, 'i'},
        {"collection", required_argument, NULL, 'c'},
        {"facet", required_argument, NULL, 'f'},
        {"from-year", required_argument, NULL, 'F'},
        {"to-year", required_argument, NULL, 'T'},
        {"sort", required_argument, NULL, 's'},
        {"page", required_argument, NULL, 'p'},
        {"page-size", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"by-work", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct wy_err err = WY_ERR_INIT;
    struct idx_query q = IDX_QUERY_INIT;
    const char *home = getenv("WENYUAN_HOME"), *index = NULL;
    const char **facets = calloc((size_t)argc + 1, sizeof(*facets));
    struct wy_buf text = WY_BUF_INIT(1u << 16), path = WY_BUF_INIT(1u << 16);
    struct wy_buf json = WY_BUF_INIT((size_t)1 << 28);
    struct idx *x = NULL;
    struct idx_result *res = NULL;
    int json_out = 0, status = CMD_OK, c;
    long v;

    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        free(facets);
        return CMD_OK;
    }
    if (!facets) {
        fprintf(stderr, "wenyuan search: out of memory\n");
        return CMD_FAIL;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "H:", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            home = optarg;
            break;
        case 'i':
            index = optarg;
            break;
        case 'c':
            q.collection = optarg;
            break;
        case 'f':
            facets[q.nfacets++] = optarg;
            break;
        case 'F':
        case 'T':
            if (parse_long(c == 'F' ? "--from-year" : "--to-year", optarg,
                           -5000, 9999, &v, &err) != WY_OK)
                goto fail;
            *(c == 'F' ? &q.from_year : &q.to_year) = (int)v;
            break;
        case 's':
            if (idx_sort_parse(optarg, &q.sort, &err) != WY_OK)
                goto fail;
            break;
        case 'p':
            if (parse_long("--page", optarg, 1, 1000000, &v, &err) != WY_OK)
                goto fail;
            q.page = (size_t)v;
            break;
        case 'n':
            if (parse_long("--page-size", optarg, 1, 1000, &v, &err) != WY_OK)
                goto fail;
            q.page_size = (size_t)v;
            break;
        case 'j':
            json_out = 1;
            break;
        case 'w':
            q.collapse = 1;
            break;
        default:
            usage(stderr);
            status = CMD_USAGE;
            goto out;
        }
    }
    q.facets = facets;
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            wy_buf_addc(&text, ' ');
        wy_buf_adds(&text, argv[i]);
    }
    if (wy_buf_status(&text, &err) != WY_OK)
        goto fail;
    q.q = wy_buf_cstr(&text);
    if (!index) {
        if (!home || !*home) {
            wy_err_set(&err, WY_EINVAL,
                       "no home: give -H HOME or set WENYUAN_HOME");
            goto fail;
        }
        idx_home_path(home, &path);
        index = wy_buf_cstr(&path);
    }
    if (idx_open(&x, index, IDX_READ, &err) != WY_OK)
        goto fail;
    if (idx_stale(x))
        fprintf(stderr,
                "wenyuan search: warning: %s; run 'wenyuan index "
                "--rebuild'\n",
                idx_stale(x));
    if (idx_search(x, &q, &res, &err) != WY_OK)
        goto fail;
    if (json_out) {
        idx_result_json(res, &q, &json);
        wy_buf_addc(&json, '\n');
        if (wy_buf_status(&json, &err) != WY_OK)
            goto fail;
        fwrite(wy_buf_cstr(&json), 1, json.len, stdout);
    } else {
        print_text(res, &q);
    }
    goto out;
fail:
    status = cmd_fail("search", &err);
out:
    idx_result_free(res);
    idx_close(x, &err);
    wy_err_release(&err);
    wy_buf_release(&text);
    wy_buf_release(&path);
    wy_buf_release(&json);
    free(facets);
    return status;
}
