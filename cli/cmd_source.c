/* cli/cmd_source.c: wenyuan source add|list|remove */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "harvester/harvest_cat.h"
#include "repository/home.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan source add NAME URL [--prefix P] [--set S]... "
            "[--collection C]\n"
            "       wenyuan source list\n"
            "       wenyuan source remove NAME\n\n"
            "Keeps the OAI-PMH providers that 'wenyuan harvest' collects "
            "from.\n\n"
            "  -p, --prefix P       metadataPrefix to ask for (default: the "
            "richest\n"
            "                       offered: marc21/marcxml, mods, then "
            "oai_dc)\n"
            "  -s, --set S          harvest only set S (repeatable)\n"
            "  -c, --collection C   put the source's records in collection "
            "C\n"
            "  -H HOME              the Wenyuan home\n");
}

static const char *status_of(const struct cat_source *s, char *buf, size_t n)
{
    if (s->token)
        snprintf(buf, n, "interrupted after page %lld (resumes)",
                 (long long)s->pages);
    else if (s->last_error)
        snprintf(buf, n, "failed: %s", s->last_error);
    else if (s->last_harvest)
        snprintf(buf, n, "ok: +%lld ~%lld -%lld, %lld bad",
                 (long long)s->last_added, (long long)s->last_updated,
                 (long long)s->last_deleted, (long long)s->last_bad);
    else
        snprintf(buf, n, "never harvested");
    return buf;
}

static int list(struct wy_home *h)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_source *s = NULL;
    size_t n = 0;
    if (cat_source_list(h->cat, &s, &n, &err) != WY_OK)
        return cmd_fail("source", &err);
    for (size_t i = 0; i < n; i++) {
        char st[1200];
        printf("%s\t%s\n", s[i].name, s[i].url);
        printf("    prefix %s, sets %s, granularity %s%s%s\n",
               s[i].prefix && *s[i].prefix ? s[i].prefix : "(richest offered)",
               s[i].sets ? s[i].sets : "(all)",
               s[i].granularity ? s[i].granularity : "(not yet known)",
               s[i].collection ? ", collection " : "",
               s[i].collection ? s[i].collection : "");
        printf("    last harvest %s, next from %s\n",
               s[i].last_harvest ? s[i].last_harvest : "never",
               s[i].last_response_date ? s[i].last_response_date
                                       : "(the beginning)");
        printf("    %s\n", status_of(&s[i], st, sizeof(st)));
    }
    if (!n)
        printf("no sources; add one with 'wenyuan source add NAME URL'\n");
    cat_sources_free(s, n);
    return CMD_OK;
}

WY_COMMAND(source, "add, list or remove the OAI-PMH sources to harvest")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {
        {"prefix", required_argument, NULL, 'p'},
        {"set", required_argument, NULL, 's'},
        {"collection", required_argument, NULL, 'c'},
        {"home", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    const char *home = NULL, *prefix = NULL, *collection = NULL;
    struct wy_buf sets = WY_BUF_INIT(64 * 1024);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "p:s:c:H:", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            prefix = optarg;
            break;
        case 's':
            if (!*optarg || strchr(optarg, ' ')) {
                fprintf(stderr,
                        "wenyuan source: set '%s' is not a "
                        "setSpec\n",
                        optarg);
                wy_buf_release(&sets);
                return CMD_USAGE;
            }
            wy_buf_addf(&sets, "%s%s", sets.len ? " " : "", optarg);
            break;
        case 'c':
            collection = optarg;
            break;
        case 'H':
            home = optarg;
            break;
        default:
            usage(stderr);
            wy_buf_release(&sets);
            return CMD_USAGE;
        }
    }
    const char *verb = optind < argc ? argv[optind] : NULL;
    int nargs = argc - optind - 1;
    int ok = verb && ((!strcmp(verb, "add") && nargs == 2) ||
                      (!strcmp(verb, "list") && nargs == 0) ||
                      (!strcmp(verb, "remove") && nargs == 1));
    if (!ok || (strcmp(verb, "add") && (prefix || sets.len || collection))) {
        usage(stderr);
        wy_buf_release(&sets);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    if (home_open(&h, home, !strcmp(verb, "list") ? HOME_READONLY : 0, &err) !=
        WY_OK) {
        wy_buf_release(&sets);
        return cmd_fail("source", &err);
    }
    int status = CMD_OK;
    if (!strcmp(verb, "list")) {
        status = list(h);
    } else if (!strcmp(verb, "add")) {
        const char *name = argv[optind + 1], *url = argv[optind + 2];
        struct cat_source s = {0};
        s.name = (char *)name;
        s.url = (char *)url;
        s.prefix = (char *)(prefix ? prefix : ""); /* "": choose */
        s.sets = sets.len ? (char *)wy_buf_cstr(&sets) : NULL;
        s.collection = (char *)collection;
        if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
            wy_err_set(&err, WY_EINVAL, "'%s' is not an http or https URL",
                       url);
            status = cmd_fail("source", &err);
        } else if (cat_source_put(h->cat, &s, &err) != WY_OK ||
                   oai_source_forget_choice(h->cat, name, &err) != WY_OK) {
            status = cmd_fail("source", &err);
        } else {
            printf("source '%s' added: %s\n", name, url);
        }
    } else {
        if (cat_source_remove(h->cat, argv[optind + 1], &err) != WY_OK)
            status = cmd_fail("source", &err);
        else
            printf("source '%s' removed (its records stay)\n",
                   argv[optind + 1]);
    }
    home_close(h);
    wy_buf_release(&sets);
    return status;
}
