/* tests/test_libraries.c: the register of member libraries on the real
   Beijing Normal University records (../shared/fixtures/records: the dp2
   captures of BNU's Alma SRU service). They spell one library three ways:
   CNMARC 905 $a "BNU" (dp2-bnu-cnmarc-10.iso, 9 of its 10 records), Alma's
   AVA $a "86BNU_INST" (sample_marcxml.xml records 2, 8 and 10), and, for
   the records without holdings, the source they came from ("bnu" here).
   Two pairs are one work each: '92中国备忘 (sample_marcxml.xml records 9
   and 10, ISBN 7-221-02968-7, the online copy without holdings) and
   '97中国发展报告 (dp2-bnu-cnmarc-10.iso records 4 and 5, ISBN
   7-5037-2623-7, the online copy without 905). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "home_fx.h"
#include "svc_client.h"

#include "core/buf.h"
#include "core/path.h"
#include "formats/format.h"
#include "indexer/idx.h"
#include "indexer/sync.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/import.h"
#include "repository/libraries.h"
#include "repository/libsets.h"

#define MARCXML "records/dp2-sru-cnmarc/sample_marcxml.xml"
#define CNMARC "records/derived/dp2-bnu-cnmarc-10.iso"
#define BNU_NAME "北京师范大学图书馆"

static void import(struct home_fx *f, const char *path)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_import_opts o = {0};
    o.source = "bnu";
    struct cat_import_stats st = {0};
    if (cat_import_file(f->h->cat, path, &o, &st, &err) ||
        cluster_sync(f->cl, f->h->cat, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
}

/* After a change of the register: the records, then the clusters. */
static struct libset_apply_stats apply(struct home_fx *f)
{
    struct wy_err err = WY_ERR_INIT;
    struct libset_apply_stats st = {0};
    if (libset_apply(f->h->cat, 0, &st, &err) ||
        cluster_sync(f->cl, f->h->cat, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
    return st;
}

static void add_bnu(struct home_fx *f)
{
    struct wy_err err = WY_ERR_INIT;
    if (lib_add(f->h->cat, "BNU", BNU_NAME, "Beijing Normal University Library",
                &err))
        fail_msg("%s", wy_err_msg(&err));
}

static int64_t rid(struct home_fx *f, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    if (cat_get_record_by_local(f->h->cat, "bnu", local, CAT_LOAD_HEADER, &r,
                                &err))
        fail_msg("%s", wy_err_msg(&err));
    int64_t id = r->id;
    cat_record_free(r);
    return id;
}

static size_t held_by(struct home_fx *f, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    struct cluster_info ci;
    if (cluster_show(f->cl, rid(f, local), &ci, &err))
        fail_msg("%s", wy_err_msg(&err));
    size_t n = ci.nlibraries;
    cluster_info_release(&ci);
    return n;
}

static void assert_same_key(struct home_fx *f, const char *a, const char *b)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf x = WY_BUF_INIT(4096), y = WY_BUF_INIT(4096);
    if (lib_key(f->h->cat, a, &x, &err) || lib_key(f->h->cat, b, &y, &err))
        fail_msg("%s", wy_err_msg(&err));
    if (strcmp(wy_buf_cstr(&x), wy_buf_cstr(&y)))
        fail_msg("'%s' -> '%s' but '%s' -> '%s'", a, wy_buf_cstr(&x), b,
                 wy_buf_cstr(&y));
    wy_buf_release(&x);
    wy_buf_release(&y);
}

static void keys_fold_spellings(void **state)
{
    struct home_fx *f = *state;
    assert_same_key(f, "北京師範大學圖書館", BNU_NAME);
    assert_same_key(f, "北京师范大学", BNU_NAME);
    assert_same_key(f, " 北京师范大学图书馆。", BNU_NAME);
    assert_same_key(f, "BNU", "bnu");
    assert_same_key(f, "86BNU_INST", "86bnu inst");
    assert_same_key(f, "Beijing Normal University Library",
                    "BEIJING NORMAL UNIVERSITY");
    assert_same_key(f, "ＢＮＵ", "BNU"); /* full-width: NFKC */
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf a = WY_BUF_INIT(4096), b = WY_BUF_INIT(4096);
    assert_int_equal(lib_key(f->h->cat, "国家图书馆", &a, &err), WY_OK);
    assert_int_equal(lib_key(f->h->cat, "上海图书馆", &b, &err), WY_OK);
    assert_string_not_equal(wy_buf_cstr(&a), wy_buf_cstr(&b));
    wy_buf_reset(&a);
    /* "图书馆" alone is not cut to nothing; punctuation alone is nothing */
    assert_int_equal(lib_key(f->h->cat, "图书馆", &a, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&a), "图书馆");
    wy_buf_reset(&a);
    assert_int_equal(lib_key(f->h->cat, "——", &a, &err), WY_OK);
    assert_int_equal(a.len, 0);
    wy_buf_release(&a);
    wy_buf_release(&b);
}

static void resolve(struct home_fx *f, const char *name, const char *code,
                    const char *display)
{
    struct wy_err err = WY_ERR_INIT;
    char *c = NULL, *d = NULL;
    if (lib_resolve(f->h->cat, name, &c, &d, &err))
        fail_msg("%s", wy_err_msg(&err));
    if (code)
        assert_non_null(c), assert_string_equal(c, code);
    else
        assert_null(c);
    if (display)
        assert_non_null(d), assert_string_equal(d, display);
    else
        assert_null(d);
    free(c);
    free(d);
}

static void register_resolves_real_spellings(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    /* an empty register resolves nothing: names stay themselves */
    resolve(f, " BNU ", NULL, "BNU");
    resolve(f, "", NULL, NULL);
    add_bnu(f);
    int added = -1;
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", &added, &err),
                     WY_OK);
    assert_int_equal(added, 1);
    /* the spellings of the fixtures, and trivial variants of the name */
    resolve(f, "BNU", "BNU", BNU_NAME);        /* 905 $a, 801 $b */
    resolve(f, "86BNU_INST", "BNU", BNU_NAME); /* Alma AVA $a */
    resolve(f, "bnu", "BNU", BNU_NAME);        /* the source */
    resolve(f, "北京師範大學圖書館", "BNU", BNU_NAME);
    resolve(f, "北京师范大学", "BNU", BNU_NAME);
    resolve(f, "beijing normal university library", "BNU", BNU_NAME);
    resolve(f, " 国家图书馆 ", NULL, "国家图书馆");
    /* the same alias again: nothing added; looked up by any name */
    assert_int_equal(
        lib_alias(f->h->cat, "北京師範大學", "86bnu_inst", &added, &err),
        WY_OK);
    assert_int_equal(added, 0);
    struct lib_library l;
    assert_int_equal(lib_get(f->h->cat, "86BNU_INST", &l, &err), WY_OK);
    assert_string_equal(l.code, "BNU");
    assert_string_equal(l.name_en, "Beijing Normal University Library");
    assert_int_equal(l.naliases, 4); /* code, two names, 86BNU_INST */
    lib_library_release(&l);

    /* errors name the argument */
    assert_int_equal(lib_add(f->h->cat, "CN BNU", "x", NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "library code 'CN BNU'");
    wy_err_release(&err);
    assert_int_equal(lib_add(f->h->cat, "BNU", "x", NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "library 'BNU' is already registered");
    wy_err_release(&err);
    assert_int_equal(lib_add(f->h->cat, "NLC", " ", NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "library name is empty");
    wy_err_release(&err);
    assert_int_equal(lib_add(f->h->cat, "NLC", "国家图书馆", "a\tb", &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "English name 'a\tb' holds a control");
    wy_err_release(&err);
    assert_int_equal(lib_add(f->h->cat, "NLC", "国家图书馆", NULL, &err),
                     WY_OK);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "國家圖書館", NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL,
               "'國家圖書館' already stands for library 'NLC' (国家图书馆)");
    wy_err_release(&err);
    assert_int_equal(lib_alias(f->h->cat, "XYZ", "x", NULL, &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "no library 'XYZ'");
    wy_err_release(&err);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "——", NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "alias '——' has no letter");
    wy_err_release(&err);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "a\x01", NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "control character");
    wy_err_release(&err);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "\xff\xfe", NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "not UTF-8");
    wy_err_release(&err);
    /* the OAI set of a registered library is named by the register */
    char *name = NULL;
    assert_int_equal(libset_name(f->h->cat, "library:BNU", &name, &err), WY_OK);
    assert_string_equal(name, BNU_NAME);
    free(name);
}

/* Another process (here: another connection) changes the register: the
   resolutions this connection cached are not used any more. */
static void other_connections_are_seen(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    add_bnu(f);
    resolve(f, "86BNU_INST", NULL, "86BNU_INST"); /* cached */
    struct cat *other = NULL;
    assert_int_equal(cat_open(&other, f->h->catalog_path, 0, &err), WY_OK);
    assert_int_equal(lib_alias(other, "BNU", "86BNU_INST", NULL, &err), WY_OK);
    resolve(f, "86BNU_INST", "BNU", BNU_NAME);
    assert_int_equal(lib_unalias(other, "BNU", "86BNU_INST", &err), WY_OK);
    cat_close(other);
    resolve(f, "86BNU_INST", NULL, "86BNU_INST");
    /* and this connection's own writes, even undone */
    assert_int_equal(cat_begin(f->h->cat, &err), WY_OK);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    resolve(f, "86BNU_INST", "BNU", BNU_NAME);
    cat_rollback(f->h->cat);
    resolve(f, "86BNU_INST", NULL, "86BNU_INST");
}

/* '92中国备忘: the print copy held by "86BNU_INST", the online copy
   without holdings held by its source "bnu". */
static void cluster_counts_libraries_not_spellings(void **state)
{
    struct home_fx *f = *state;
    import(f, wy_fixture(MARCXML));
    const char *print = "990002072570203961", *online = "9910694470203961";
    struct wy_err err = WY_ERR_INIT;
    int64_t a, b;
    assert_int_equal(cluster_of(f->cl, rid(f, print), &a, &err), WY_OK);
    assert_int_equal(cluster_of(f->cl, rid(f, online), &b, &err), WY_OK);
    assert_int_equal(a, b);
    assert_int_equal(held_by(f, print), 2); /* 86BNU_INST, bnu */
    add_bnu(f);                             /* "bnu" is its code's case */
    struct libset_apply_stats st = apply(f);
    assert_int_equal(st.names, 1); /* bnu */
    assert_int_equal(held_by(f, print), 2);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    st = apply(f);
    assert_int_equal(st.names, 1);
    assert_int_equal(st.sets_changed, 3); /* records 2, 8 and 10 */
    assert_int_equal(held_by(f, print), 1);
    /* and back: the alias removed, two libraries again */
    assert_int_equal(lib_unalias(f->h->cat, "BNU", "86bnu-inst", &err), WY_OK);
    st = apply(f);
    assert_int_equal(st.sets_changed, 3);
    assert_int_equal(held_by(f, print), 2);
    assert_int_equal(lib_unalias(f->h->cat, "BNU", "86BNU_INST", &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND,
               "'86BNU_INST' is not an alias of library 'BNU'");
    wy_err_release(&err);
    assert_int_equal(lib_unalias(f->h->cat, "BNU", "bnu", &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'bnu' is the code of library 'BNU'");
    wy_err_release(&err);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    apply(f);
    assert_int_equal(held_by(f, print), 1);
    struct cluster_info ci;
    assert_int_equal(cluster_show(f->cl, a, &ci, &err), WY_OK);
    assert_int_equal(ci.nholdings, 2);
    for (size_t i = 0; i < ci.nholdings; i++) {
        assert_string_equal(ci.holdings[i].library, BNU_NAME);
        assert_string_equal(ci.holdings[i].code, "BNU");
    }
    assert_string_equal(ci.holdings[1].callno, "I25 955");
    cluster_info_release(&ci);

    /* '97中国发展报告: 905 $a "BNU" and the source "bnu": one library as
       soon as BNU is registered */
    import(f, wy_fixture(CNMARC));
    assert_int_equal(held_by(f, "990001379280203961"), 1);
    assert_int_equal(cluster_of(f->cl, rid(f, "9910637057203961"), &b, &err),
                     WY_OK);
    assert_int_equal(cluster_of(f->cl, rid(f, "990001379280203961"), &a, &err),
                     WY_OK);
    assert_int_equal(a, b);
}

static void names_list_the_unmapped(void **state)
{
    struct home_fx *f = *state;
    import(f, wy_fixture(MARCXML));
    import(f, wy_fixture(CNMARC));
    struct wy_err err = WY_ERR_INIT;
    struct lib_name_count *v = NULL;
    size_t n = 0;
    assert_int_equal(lib_names(f->h->cat, 1, &v, &n, &err), WY_OK);
    /* by record count: 905 BNU 9, source bnu 7 + 1, AVA 3 */
    assert_int_equal(n, 3);
    assert_string_equal(v[0].name, "BNU");
    assert_int_equal(v[0].records, 9);
    assert_string_equal(v[1].name, "bnu");
    assert_int_equal(v[1].records, 8);
    assert_true(v[1].source);
    assert_string_equal(v[2].name, "86BNU_INST");
    assert_int_equal(v[2].records, 3);
    lib_name_counts_free(v, n);
    add_bnu(f);
    assert_int_equal(lib_names(f->h->cat, 1, &v, &n, &err), WY_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "86BNU_INST");
    lib_name_counts_free(v, n);
    assert_int_equal(lib_names(f->h->cat, 0, &v, &n, &err), WY_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].code, "BNU");
    assert_null(v[2].code);
    lib_name_counts_free(v, n);
}

static int64_t count_set(struct home_fx *f, const char *set)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_list_query q = {0};
    q.set = set;
    int64_t n = -1;
    if (cat_count(f->h->cat, &q, &n, &err))
        fail_msg("%s", wy_err_msg(&err));
    return n;
}

static char *datestamp(struct home_fx *f, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    if (cat_get_record_by_local(f->h->cat, "bnu", local, CAT_LOAD_HEADER, &r,
                                &err))
        fail_msg("%s", wy_err_msg(&err));
    char *d = r->datestamp;
    r->datestamp = NULL;
    cat_record_free(r);
    return d;
}

static void sets_follow_an_alias(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(cat_set_now(f->h->cat, "2026-01-01T00:00:00Z", &err),
                     WY_OK);
    import(f, wy_fixture(MARCXML));
    assert_int_equal(count_set(f, "library:86BNU_INST"), 3);
    assert_int_equal(count_set(f, "library:BNU"), 0);
    assert_int_equal(cat_set_now(f->h->cat, "2026-02-01T00:00:00Z", &err),
                     WY_OK);
    add_bnu(f);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    apply(f);
    assert_int_equal(count_set(f, "library:86BNU_INST"), 0);
    assert_int_equal(count_set(f, "library:BNU"), 3);
    assert_int_equal(count_set(f, "library"), 3);
    /* a new setSpec is a new OAI header: the datestamp moved; a record
       without holdings kept its own */
    char *d = datestamp(f, "990002072570203961");
    assert_string_equal(d, "2026-02-01T00:00:00Z");
    free(d);
    d = datestamp(f, "9910694470203961");
    assert_string_equal(d, "2026-01-01T00:00:00Z");
    free(d);
    /* nothing left to do; and the recomputed content hashes are the ones
       a put computes: importing the same file changes nothing */
    struct libset_apply_stats st = apply(f);
    assert_int_equal(st.names, 0);
    assert_int_equal(st.records, 0);
    struct cat_import_opts o = {0};
    o.source = "bnu";
    struct cat_import_stats is = {0};
    assert_int_equal(
        cat_import_file(f->h->cat, wy_fixture(MARCXML), &o, &is, &err), WY_OK);
    assert_int_equal(is.unchanged, 10);
}

/* Records written before holding libraries were sets (cat_put_record
   alone) get their sets from the first apply. */
static void apply_backfills_sets(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    size_t len = 0;
    char *data = wy_test_slurp(wy_fixture(MARCXML), &len);
    struct fmt_reader *r = NULL;
    assert_int_equal(fmt_reader_open_mem(&r, NULL, data, len, "m", &err),
                     WY_OK);
    struct wy_record *rec;
    size_t n = 0;
    while (fmt_reader_next(r, &rec, &err) == WY_OK) {
        struct cat_put p = {0};
        p.source = "bnu";
        p.local_id = cat_record_identifier(rec);
        p.rec = rec;
        assert_int_equal(cat_put_record(f->h->cat, &p, NULL, &err), WY_OK);
        n++;
    }
    fmt_reader_free(r);
    free(data);
    assert_int_equal(n, 10);
    assert_int_equal(count_set(f, "library"), 0);
    add_bnu(f);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    struct libset_apply_stats st = apply(f);
    assert_int_equal(st.sets_changed, 3);
    assert_int_equal(count_set(f, "library:BNU"), 3);
    /* the holding names are known now */
    struct lib_name_count *v = NULL;
    assert_int_equal(lib_names(f->h->cat, 0, &v, &n, &err), WY_OK);
    assert_int_equal(n, 2); /* 86BNU_INST (3), bnu (7) */
    assert_string_equal(v[0].name, "bnu");
    assert_int_equal(v[0].records, 7);
    assert_string_equal(v[1].name, "86BNU_INST");
    lib_name_counts_free(v, n);
    /* and --all again finds nothing to change */
    assert_int_equal(libset_apply(f->h->cat, 1, &st, &err), WY_OK);
    assert_int_equal(st.records, 10);
    assert_int_equal(st.sets_changed, 0);
}

static uint64_t facet_count(struct home_fx *f, const char *value)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx *x = NULL;
    struct idx_result *res = NULL;
    struct idx_query q = IDX_QUERY_INIT;
    if (idx_open(&x, f->h->index_path, IDX_READ, &err) ||
        idx_search(x, &q, &res, &err))
        fail_msg("%s", wy_err_msg(&err));
    uint64_t n = 0;
    const struct idx_facet *fc = &res->facets[IDX_FACET_LIBRARY];
    for (size_t i = 0; i < fc->nvalues; i++)
        if (!strcmp(fc->values[i].value, value))
            n = fc->values[i].count;
    idx_result_free(res);
    idx_close(x, &err);
    return n;
}

static void facet_follows_after_index(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    import(f, wy_fixture(MARCXML));
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, NULL, &err), WY_OK);
    assert_int_equal(facet_count(f, "86BNU_INST"), 3);
    add_bnu(f);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    apply(f);
    struct idx_sync_stats st = {0};
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, &st, &err), WY_OK);
    /* the records it concerns: 3 with new sets, and the 7 held by their
       source "bnu", which resolves now */
    assert_int_equal(st.indexed, 10);
    assert_int_equal(facet_count(f, "86BNU_INST"), 0);
    assert_int_equal(facet_count(f, BNU_NAME), 3);
    /* a rebuild gives the same */
    assert_int_equal(idx_update_home(f->h, 1, 0, NULL, NULL, &err), WY_OK);
    assert_int_equal(facet_count(f, BNU_NAME), 3);
}

/* What the service shows: the OAI set of the library and its name, the
   cluster's holdings with the code, the facet. */
static void served(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    /* the provider lists a record once its datestamp's second is past */
    assert_int_equal(cat_set_now(f->h->cat, "2026-01-01T00:00:00Z", &err),
                     WY_OK);
    import(f, wy_fixture(MARCXML));
    add_bnu(f);
    assert_int_equal(lib_alias(f->h->cat, "BNU", "86BNU_INST", NULL, &err),
                     WY_OK);
    apply(f);
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, NULL, &err), WY_OK);
    struct tc_srv srv;
    tc_srv_start(&srv, wy_buf_cstr(&f->home));
    struct tc_resp r;
    tc_get(&srv, "/oai?verb=ListSets", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body,
                           "<setSpec>library:BNU</setSpec><setName>" BNU_NAME
                           "</setName>"));
    assert_null(strstr(r.body, "86BNU_INST"));
    tc_resp_free(&r);
    tc_get(&srv,
           "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=library:BNU",
           &r);
    assert_int_equal(tc_count(r.body, "<identifier>"), 3);
    tc_resp_free(&r);
    char path[64];
    snprintf(path, sizeof(path), "/api/clusters/%lld",
             (long long)rid(f, "990002072570203961"));
    tc_get(&srv, path, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"held_by\":1"));
    assert_non_null(strstr(r.body, "\"library\":\"" BNU_NAME
                                   "\",\"library_code\":\"BNU\""));
    tc_resp_free(&r);
    tc_get(&srv, "/api/search?q=", &r);
    assert_non_null(strstr(r.body, "\"value\":\"" BNU_NAME "\",\"count\":3"));
    tc_resp_free(&r);
    tc_srv_stop(&srv);
}

static char *write_file(struct home_fx *f, const char *name, const char *text)
{
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, f->dir, name);
    FILE *fp = fopen(wy_buf_cstr(&p), "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return wy_buf_take(&p, NULL);
}

static void import_bad(struct home_fx *f, const char *text, const char *needle)
{
    struct wy_err err = WY_ERR_INIT;
    char *path = write_file(f, "bad.tsv", text);
    assert_int_equal(lib_import_tsv(f->h->cat, path, NULL, NULL, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, needle);
    assert_non_null(strstr(wy_err_msg(&err), "bad.tsv: line "));
    wy_err_release(&err);
    free(path);
}

static void register_files(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    size_t nl = 0, na = 0;
    assert_int_equal(lib_import_tsv(f->h->cat,
                                    wy_srcpath("samples/libraries.tsv"), &nl,
                                    &na, &err),
                     WY_OK);
    assert_int_equal(nl, 4);
    assert_int_equal(na, 4 * 3 + 2 - 0); /* code, name, English; 2 more */
    resolve(f, "中国国家图书馆", "NLC", "国家图书馆");
    resolve(f, "86BNU_INST", "BNU", BNU_NAME);
    /* a bad line anywhere: nothing of the file is kept */
    import_bad(f,
               "# members\n"
               "ZJL\t浙江图书馆\tZhejiang Library\n"
               "CN BNU\t北京师范大学图书馆\n",
               "line 3: library code 'CN BNU'");
    resolve(f, "浙江图书馆", NULL, "浙江图书馆");
    import_bad(f, "ZJL\n", "line 1: no name");
    import_bad(f, "\nZJL\t浙江图书馆\ta\tb\tc\n",
               "line 2: more than 4 tab-separated columns");
    import_bad(f, "ZJL\t浙江图书馆\t\t國家圖書館\n",
               "line 1: '國家圖書館' already stands for library 'NLC'");
    import_bad(f, "ZJL\t\xe6\xb5\x99\xff\n", "line 1: not UTF-8");
    import_bad(f, "ZJL\t \t\n", "line 1: library name is empty");
    assert_int_equal(lib_import_tsv_mem(f->h->cat, "nul.tsv", "A\tb\0c\n", 7,
                                        NULL, NULL, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "nul.tsv: holds a NUL byte");
    wy_err_release(&err);
    struct lib_library *v = NULL;
    size_t n = 0;
    assert_int_equal(lib_list(f->h->cat, &v, &n, &err), WY_OK);
    assert_int_equal(n, 4);
    lib_libraries_free(v, n);
    assert_int_equal(
        lib_import_tsv(f->h->cat, "/nonexistent/x.tsv", NULL, NULL, &err),
        WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "/nonexistent/x.tsv");
    wy_err_release(&err);
    /* export and import again: the same register (and a file importing
       a code again updates its names) */
    struct wy_buf a = WY_BUF_INIT(1u << 20), b = WY_BUF_INIT(1u << 20);
    assert_int_equal(lib_export_tsv(f->h->cat, &a, &err), WY_OK);
    assert_non_null(strstr(
        wy_buf_cstr(&a),
        "BNU\t" BNU_NAME "\tBeijing Normal University Library\t86BNU_INST\n"));
    char *path = write_file(f, "export.tsv", wy_buf_cstr(&a));
    assert_int_equal(lib_import_tsv(f->h->cat, path, &nl, &na, &err), WY_OK);
    assert_int_equal(nl, 4);
    assert_int_equal(na, 0);
    assert_int_equal(lib_export_tsv(f->h->cat, &b, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&a), wy_buf_cstr(&b));
    free(path);
    path = write_file(f, "rename.tsv",
                      "NJL\t南京图书馆 \tNanjing Library (renamed)\n");
    assert_int_equal(lib_import_tsv(f->h->cat, path, &nl, &na, &err), WY_OK);
    struct lib_library l;
    assert_int_equal(lib_get(f->h->cat, "NJL", &l, &err), WY_OK);
    assert_string_equal(l.name_en, "Nanjing Library (renamed)");
    lib_library_release(&l);
    free(path);
    wy_buf_release(&a);
    wy_buf_release(&b);
}

static void command_line(void **state)
{
    struct home_fx *f = *state;
    const char *home = wy_buf_cstr(&f->home);
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char *out = NULL;
    wy_buf_addf(&cmd, "%s -H '%s' import --source bnu '%s' 2>&1", wy_test_bin(),
                home, wy_fixture(MARCXML));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s -H '%s' library unmapped", wy_test_bin(), home);
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    assert_non_null(strstr(out, "bnu\t7 records (source, no holdings)\n"));
    assert_non_null(strstr(out, "86BNU_INST\t3 records\n"));
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd,
                "%s -H '%s' library add BNU '" BNU_NAME "' --en 'Beijing "
                "Normal University Library' --alias 86BNU_INST && "
                "%s -H '%s' cluster show %lld",
                wy_test_bin(), home, wy_test_bin(), home,
                (long long)rid(f, "990002072570203961"));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    assert_non_null(strstr(out, "library 'BNU' added\n"));
    assert_non_null(strstr(out, "2 records, held by 1 library\n"));
    assert_non_null(strstr(out, "  " BNU_NAME "\tI25 955\trecord"));
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd,
                "%s -H '%s' library show 北京師範大學 && %s -H '%s' "
                "library list && %s -H '%s' library unmapped",
                wy_test_bin(), home, wy_test_bin(), home, wy_test_bin(), home);
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    assert_non_null(strstr(out, "  86BNU_INST\t3 records\n"));
    assert_non_null(strstr(out, "  bnu\t7 records (source, no holdings)\n"));
    assert_non_null(
        strstr(out, "BNU\t" BNU_NAME "\tBeijing Normal University Library\n"));
    assert_null(strstr(out, "map them"));
    free(out);
    /* errors: usage (2) naming what is wrong, failures (1) */
    static const struct {
        const char *args;
        int status;
        const char *needle;
    } bad[] = {
        {"library frobnicate", 2, "unknown action 'frobnicate'"},
        {"library add BNU", 2, "usage: wenyuan library"},
        {"library add 'CN BNU' x", 2, "library code 'CN BNU'"},
        {"library alias XYZ x", 1, "no library 'XYZ' in the register"},
        {"library show XYZ", 1, "no library 'XYZ'"},
        {"library import /nonexistent.tsv", 1, "/nonexistent.tsv"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wy_buf_reset(&cmd);
        wy_buf_addf(&cmd, "%s -H '%s' %s 2>&1", wy_test_bin(), home,
                    bad[i].args);
        int st = wy_test_run(wy_buf_cstr(&cmd), &out);
        if (st != bad[i].status || !strstr(out, bad[i].needle))
            fail_msg("'%s': status %d, output '%s'", bad[i].args, st, out);
        free(out);
    }
    wy_buf_release(&cmd);
}

WY_GROUP(libraries, NULL, NULL,
         cmocka_unit_test_setup_teardown(keys_fold_spellings, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(register_resolves_real_spellings,
                                         home_fx_setup, home_fx_teardown),
         cmocka_unit_test_setup_teardown(other_connections_are_seen,
                                         home_fx_setup, home_fx_teardown),
         cmocka_unit_test_setup_teardown(cluster_counts_libraries_not_spellings,
                                         home_fx_setup, home_fx_teardown),
         cmocka_unit_test_setup_teardown(names_list_the_unmapped, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(sets_follow_an_alias, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(apply_backfills_sets, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(facet_follows_after_index,
                                         home_fx_setup, home_fx_teardown),
         cmocka_unit_test_setup_teardown(served, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(register_files, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(command_line, home_fx_setup,
                                         home_fx_teardown))
