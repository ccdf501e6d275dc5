/* cli/cmd_library.c: wenyuan library list | add | alias | show | unmapped |
   import | export | apply: the register of member libraries. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/libraries.h"
#include "repository/libsets.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: wenyuan library [-H HOME] list\n"
            "       wenyuan library [-H HOME] add CODE NAME [--en NAME] "
            "[--alias NAME]...\n"
            "       wenyuan library [-H HOME] alias CODE NAME...\n"
            "       wenyuan library [-H HOME] unalias CODE NAME...\n"
            "       wenyuan library [-H HOME] show CODE|NAME\n"
            "       wenyuan library [-H HOME] unmapped\n"
            "       wenyuan library [-H HOME] import FILE\n"
            "       wenyuan library [-H HOME] export\n"
            "       wenyuan library [-H HOME] apply [--all]\n\n"
            "The register of member libraries: one code per library (ISIL "
            "style, or a local\ncode) with its preferred name, English name "
            "and the other ways holdings\nwrite it, so that 'held by N "
            "libraries', the library facet and the library\nOAI sets count "
            "libraries, not spellings. Names resolve after folding\n"
            "traditional/simplified, case, spaces, punctuation and a "
            "trailing 图书馆.\n\n"
            "  add        registers a library (the code and names are "
            "aliases)\n"
            "  alias      adds names or codes a library is also written as\n"
            "  unalias    removes such names (not the code)\n"
            "  show       the library, its aliases and the holding names "
            "that resolve\n"
            "             to it, with their records\n"
            "  unmapped   holding (and source) names that resolve to no "
            "library\n"
            "  import     loads a register file: code<TAB>name<TAB>English "
            "name<TAB>alias|...\n"
            "  export     writes the register in that format\n"
            "  apply      brings records up to date with the register "
            "(add, alias and\n"
            "             import do it themselves); --all also backfills "
            "every record\n\n"
            "  -e, --en NAME      the English name\n"
            "  -a, --alias NAME   another name or code (repeatable)\n"
            "  -H HOME            the Wenyuan home\n");
}

/* After a change of the register: records, then the clusters. */
static wy_code follow(struct wy_home *h, int full, struct wy_err *err)
{
    struct libset_apply_stats st = {0};
    wy_code rc = libset_apply(h->cat, full, &st, err);
    if (rc)
        return wy_err_prefix(err, "applying the register to the records");
    printf("records: %zu looked at, %zu with new library sets, %zu marked "
           "changed (%zu name%s resolve%s differently)\n",
           st.records, st.sets_changed, st.touched, st.names,
           st.names == 1 ? "" : "s", st.names == 1 ? "s" : "");
    struct cluster *cl = NULL;
    size_t done = 0;
    rc = cluster_open(&cl, h->catalog_path, err);
    if (rc == WY_OK)
        rc = cluster_sync(cl, h->cat, &done, err);
    cluster_close(cl);
    if (rc)
        return wy_err_prefix(err, "updating the clusters");
    if (st.sets_changed || st.touched)
        printf("clusters: %zu changes clustered; run 'wenyuan index' for "
               "the search facet\n",
               done);
    return WY_OK;
}

static void print_library(const struct lib_library *l)
{
    printf("%s\t%s\t%s\n", l->code, l->name, l->name_en ? l->name_en : "");
}

static wy_code show(struct wy_home *h, const char *what, struct wy_err *err)
{
    struct lib_library l;
    wy_code rc = lib_get(h->cat, what, &l, err);
    if (rc)
        return rc;
    print_library(&l);
    printf("aliases:\n");
    for (size_t i = 0; i < l.naliases; i++)
        printf("  %s\n", l.aliases[i]);
    struct lib_name_count *v = NULL;
    size_t n = 0;
    rc = lib_names(h->cat, 0, &v, &n, err);
    printf("holding names:\n");
    for (size_t i = 0; rc == WY_OK && i < n; i++)
        if (v[i].code && !strcmp(v[i].code, l.code))
            printf("  %s\t%lld record%s%s\n", v[i].name,
                   (long long)v[i].records, v[i].records == 1 ? "" : "s",
                   v[i].source ? " (source, no holdings)" : "");
    lib_name_counts_free(v, n);
    lib_library_release(&l);
    return rc;
}

static wy_code unmapped(struct wy_home *h, struct wy_err *err)
{
    struct lib_name_count *v = NULL;
    size_t n = 0;
    wy_code rc = lib_names(h->cat, 1, &v, &n, err);
    for (size_t i = 0; rc == WY_OK && i < n; i++)
        printf("%s\t%lld record%s%s\n", v[i].name, (long long)v[i].records,
               v[i].records == 1 ? "" : "s",
               v[i].source ? " (source, no holdings)" : "");
    if (rc == WY_OK && n)
        printf("map them with 'wenyuan library alias CODE NAME' (or 'add' "
               "a library)\n");
    lib_name_counts_free(v, n);
    return rc;
}

WY_COMMAND(library, "the register of member libraries: codes, names, aliases")
{
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"en", required_argument, NULL, 'e'},
        {"alias", required_argument, NULL, 'a'},
        {"all", no_argument, NULL, 'A'},
        {NULL, 0, NULL, 0}};
    const char *home = NULL, *en = NULL;
    const char **aliases = calloc((size_t)argc + 1, sizeof(*aliases));
    size_t naliases = 0;
    int all = 0;
    if (!aliases)
        return CMD_FAIL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "H:e:a:", opts, NULL)) != -1) {
        switch (ch) {
        case 'H':
            home = optarg;
            break;
        case 'e':
            en = optarg;
            break;
        case 'a':
            aliases[naliases++] = optarg;
            break;
        case 'A':
            all = 1;
            break;
        default:
            usage(stderr);
            free(aliases);
            return CMD_USAGE;
        }
    }
    const char *verb = optind < argc ? argv[optind++] : "";
    int nargs = argc - optind;
    char **args = argv + optind;
    int ok = (!strcmp(verb, "list") && nargs == 0) ||
             (!strcmp(verb, "add") && nargs == 2) ||
             (!strcmp(verb, "alias") && nargs >= 2) ||
             (!strcmp(verb, "unalias") && nargs >= 2) ||
             (!strcmp(verb, "show") && nargs == 1) ||
             (!strcmp(verb, "unmapped") && nargs == 0) ||
             (!strcmp(verb, "import") && nargs == 1) ||
             (!strcmp(verb, "export") && nargs == 0) ||
             (!strcmp(verb, "apply") && nargs == 0);
    if (ok && (en || naliases) && strcmp(verb, "add"))
        ok = 0;
    if (ok && all && strcmp(verb, "apply"))
        ok = 0;
    if (!ok) {
        if (*verb && strcmp(verb, "list") && strcmp(verb, "add") &&
            strcmp(verb, "alias") && strcmp(verb, "unalias") &&
            strcmp(verb, "show") && strcmp(verb, "unmapped") &&
            strcmp(verb, "import") && strcmp(verb, "export") &&
            strcmp(verb, "apply"))
            fprintf(stderr, "wenyuan library: unknown action '%s'\n", verb);
        usage(stderr);
        free(aliases);
        return CMD_USAGE;
    }
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    wy_code rc = home_open(&h, home, 0, &err);
    int changed = 0;
    if (rc == WY_OK && !strcmp(verb, "list")) {
        struct lib_library *v = NULL;
        size_t n = 0;
        rc = lib_list(h->cat, &v, &n, &err);
        for (size_t i = 0; rc == WY_OK && i < n; i++)
            print_library(&v[i]);
        lib_libraries_free(v, n);
    } else if (rc == WY_OK && !strcmp(verb, "add")) {
        rc = cat_begin(h->cat, &err);
        if (rc == WY_OK)
            rc = lib_add(h->cat, args[0], args[1], en, &err);
        for (size_t i = 0; rc == WY_OK && i < naliases; i++)
            rc = lib_alias(h->cat, args[0], aliases[i], NULL, &err);
        if (rc == WY_OK)
            rc = cat_commit(h->cat, &err);
        else
            cat_rollback(h->cat);
        if (rc == WY_OK) {
            printf("library '%s' added\n", args[0]);
            changed = 1;
        }
    } else if (rc == WY_OK && !strcmp(verb, "alias")) {
        size_t added = 0;
        rc = cat_begin(h->cat, &err);
        for (int i = 1; rc == WY_OK && i < nargs; i++) {
            int a = 0;
            rc = lib_alias(h->cat, args[0], args[i], &a, &err);
            added += (size_t)a;
        }
        if (rc == WY_OK)
            rc = cat_commit(h->cat, &err);
        else
            cat_rollback(h->cat);
        if (rc == WY_OK) {
            printf("%zu alias%s added\n", added, added == 1 ? "" : "es");
            changed = added > 0;
        }
    } else if (rc == WY_OK && !strcmp(verb, "unalias")) {
        rc = cat_begin(h->cat, &err);
        for (int i = 1; rc == WY_OK && i < nargs; i++)
            rc = lib_unalias(h->cat, args[0], args[i], &err);
        if (rc == WY_OK)
            rc = cat_commit(h->cat, &err);
        else
            cat_rollback(h->cat);
        if (rc == WY_OK) {
            printf("%d alias%s removed\n", nargs - 1, nargs == 2 ? "" : "es");
            changed = 1;
        }
    } else if (rc == WY_OK && !strcmp(verb, "show")) {
        rc = show(h, args[0], &err);
    } else if (rc == WY_OK && !strcmp(verb, "unmapped")) {
        rc = unmapped(h, &err);
    } else if (rc == WY_OK && !strcmp(verb, "import")) {
        size_t nl = 0, na = 0;
        rc = lib_import_tsv(h->cat, args[0], &nl, &na, &err);
        if (rc == WY_OK) {
            printf("%zu librar%s, %zu new alias%s\n", nl, nl == 1 ? "y" : "ies",
                   na, na == 1 ? "" : "es");
            changed = 1;
        }
    } else if (rc == WY_OK && !strcmp(verb, "export")) {
        struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
        rc = lib_export_tsv(h->cat, &out, &err);
        if (rc == WY_OK)
            fwrite(wy_buf_cstr(&out), 1, out.len, stdout);
        wy_buf_release(&out);
    } else if (rc == WY_OK && !strcmp(verb, "apply")) {
        rc = follow(h, all, &err);
    }
    if (rc == WY_OK && changed)
        rc = follow(h, 0, &err);
    int status = rc ? cmd_fail("library", &err) : CMD_OK;
    home_close(h);
    free(aliases);
    return status;
}
