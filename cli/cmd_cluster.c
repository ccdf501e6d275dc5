/* cli/cmd_cluster.c: wenyuan cluster sync | stats | show ID |
   split RECORD... | merge A B */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "repository/cluster.h"
#include "repository/home.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan cluster [-H HOME] sync\n"
            "       wenyuan cluster [-H HOME] stats\n"
            "       wenyuan cluster [-H HOME] rebuild\n"
            "       wenyuan cluster [-H HOME] show ID\n"
            "       wenyuan cluster [-H HOME] split [--note TEXT] RECORD...\n"
            "       wenyuan cluster [-H HOME] merge [--note TEXT] ID ID\n\n"
            "Clusters gather the records of one work from several "
            "libraries (same ISBN,\nISSN or union-catalogue number; without "
            "them the same normalized title,\ncreator, year, edition and "
            "卷数). import/harvest keep them up to date;\n'sync' catches up "
            "by hand. 'show' takes a cluster id or any member's record\nid "
            "and says which keys tie the members together, the record "
            "displayed and\nthe holdings. 'split' takes the named records "
            "out of their cluster and\n'merge' joins two clusters: both "
            "are staff decisions kept across\nre-harvests.\n");
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) {
        fprintf(stderr, "wenyuan cluster: '%s' is not a record id\n", s);
        return 0;
    }
    *out = v;
    return 1;
}

static void print_info(const struct cluster_info *ci)
{
    printf("cluster %lld: %zu record%s, held by %zu librar%s\n",
           (long long)ci->id, ci->nmembers, ci->nmembers == 1 ? "" : "s",
           ci->nlibraries, ci->nlibraries == 1 ? "y" : "ies");
    printf("display record: %lld (highest completeness score)\n",
           (long long)ci->display);
    printf("members:\n");
    for (size_t i = 0; i < ci->nmembers; i++) {
        const struct cluster_member_info *m = &ci->members[i];
        printf("  record %lld  score %d%s  %s\n", (long long)m->record_id,
               m->score, m->part ? "  (split off by staff)" : "",
               m->title ? m->title : "");
        const char *k = m->keys ? m->keys : "";
        for (const char *nl; (nl = strchr(k, '\n')) != NULL; k = nl + 1)
            printf("    key  %.*s\n", (int)(nl - k), k);
        if (m->why && *m->why)
            printf("    tied %s\n", m->why);
    }
    printf("holdings:\n");
    for (size_t i = 0; i < ci->nholdings; i++)
        printf("  %s\t%s\trecord %lld\n", ci->holdings[i].library,
               ci->holdings[i].callno ? ci->holdings[i].callno : "-",
               (long long)ci->holdings[i].record_id);
}

WY_COMMAND(cluster, "union-catalogue clusters: sync, stats, show, split, merge")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {{"home", required_argument, NULL, 'H'},
                                         {"note", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *home = NULL, *note = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "H:n:", opts, NULL)) != -1) {
        switch (ch) {
        case 'H':
            home = optarg;
            break;
        case 'n':
            note = optarg;
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
    const char *verb = argv[optind++];
    int nargs = argc - optind;
    char **args = argv + optind;
    int ok = (!strcmp(verb, "sync") && nargs == 0) ||
             (!strcmp(verb, "rebuild") && nargs == 0) ||
             (!strcmp(verb, "stats") && nargs == 0) ||
             (!strcmp(verb, "show") && nargs == 1) ||
             (!strcmp(verb, "split") && nargs >= 1) ||
             (!strcmp(verb, "merge") && nargs == 2);
    if (!ok) {
        usage(stderr);
        return CMD_USAGE;
    }
    int64_t *ids = calloc((size_t)nargs + 1, sizeof(*ids));
    if (!ids)
        return CMD_FAIL;
    for (int i = 0; i < nargs; i++)
        if (!parse_id(args[i], &ids[i])) {
            free(ids);
            return CMD_USAGE;
        }
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    struct cluster *cl = NULL;
    int status = CMD_OK;
    wy_code rc = home_open(&h, home, 0, &err);
    if (rc == WY_OK)
        rc = cluster_open(&cl, h->catalog_path, &err);
    /* every verb first catches up with the catalog, so what it shows or
       changes is current */
    size_t done = 0;
    int rebuild = !strcmp(verb, "rebuild");
    if (rc == WY_OK)
        rc = rebuild ? cluster_rebuild(cl, h->cat, &done, &err)
                     : cluster_sync(cl, h->cat, &done, &err);
    if (rc == WY_OK && (rebuild || !strcmp(verb, "sync")))
        printf("%zu changes clustered\n", done);
    if (rc == WY_OK &&
        (!strcmp(verb, "stats") || !strcmp(verb, "sync") || rebuild)) {
        int64_t c = 0, r = 0, s = 0;
        rc = cluster_stats(cl, &c, &r, &s, &err);
        if (rc == WY_OK)
            printf("%lld records in %lld clusters; %lld clusters hold more "
                   "than one record\n",
                   (long long)r, (long long)c, (long long)s);
    } else if (rc == WY_OK && !strcmp(verb, "show")) {
        struct cluster_info ci;
        rc = cluster_show(cl, ids[0], &ci, &err);
        if (rc == WY_OK) {
            print_info(&ci);
            cluster_info_release(&ci);
        }
    } else if (rc == WY_OK && !strcmp(verb, "split")) {
        rc = cluster_split(cl, ids, (size_t)nargs, note, &err);
        int64_t a = 0, b = 0;
        if (rc == WY_OK && (rc = cluster_of(cl, ids[0], &a, &err)) == WY_OK)
            printf("records split off into cluster %lld\n", (long long)a);
        (void)b;
    } else if (rc == WY_OK && !strcmp(verb, "merge")) {
        rc = cluster_merge(cl, ids[0], ids[1], note, &err);
        int64_t a = 0;
        if (rc == WY_OK && (rc = cluster_of(cl, ids[0], &a, &err)) == WY_OK)
            printf("merged into cluster %lld\n", (long long)a);
    }
    if (rc)
        status = cmd_fail("cluster", &err);
    cluster_close(cl);
    home_close(h);
    free(ids);
    return status;
}
