/* tests/test_cluster.c: union-catalogue clusters on
   tests/fixtures/union/libraries.xml (the same works as several libraries
   catalogue them; the expected clusters follow from the records: ISBN-10
   7-02-000220-X = ISBN-13 978-7-02-000220-7, ISSN 1000-4254 written two
   ways, OCLC 12345 written two ways, the 1789 武英殿 edition of 四库全书总目
   in simplified and traditional headings, the 1868 edition apart) and on
   the real BNU CNMARC records (records 4 and 5 carry the same ISBN
   7-5037-2623-7: the online and the printed '97中国发展报告). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "home_fx.h"

#include "core/buf.h"
#include "core/path.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/import.h"

static void import(struct home_fx *f, const char *path, const char *source)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_import_opts o = {0};
    o.source = source;
    struct cat_import_stats st = {0};
    if (cat_import_file(f->h->cat, path, &o, &st, &err) ||
        cluster_sync(f->cl, f->h->cat, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
}

static int64_t rid(struct home_fx *f, const char *source, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    if (cat_get_record_by_local(f->h->cat, source, local, CAT_LOAD_HEADER, &r,
                                &err))
        fail_msg("%s", wy_err_msg(&err));
    int64_t id = r->id;
    cat_record_free(r);
    return id;
}

static int64_t cof(struct home_fx *f, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    int64_t c = 0;
    if (cluster_of(f->cl, rid(f, NULL, local), &c, &err))
        fail_msg("%s", wy_err_msg(&err));
    return c;
}

static void isbn_conversion(void **state)
{
    (void)state;
    char b[14];
    assert_true(cluster_isbn13("7-02-000220-X", b));
    assert_string_equal(b, "9787020002207");
    assert_true(cluster_isbn13("978-7-02-000220-7 (精装)", b));
    assert_string_equal(b, "9787020002207");
    /* the example of ISBN's own documentation (and Wikipedia's) */
    assert_true(cluster_isbn13("0-306-40615-2", b));
    assert_string_equal(b, "9780306406157");
    assert_false(cluster_isbn13("0-306-40615-3", b)); /* check digit */
    assert_false(cluster_isbn13("978-0-306-40615-8", b));
    assert_false(cluster_isbn13("12345", b));
    assert_false(cluster_isbn13("", b));
}

static void same_works_cluster(void **state)
{
    struct home_fx *f = *state;
    import(f, wy_srcpath("tests/fixtures/union/libraries.xml"), NULL);
    assert_int_equal(cof(f, "u001"), cof(f, "u002"));     /* ISBN-10 vs 13 */
    assert_int_equal(cof(f, "u003"), cof(f, "u004"));     /* 简/繁, ':' */
    assert_int_not_equal(cof(f, "u003"), cof(f, "u005")); /* 1868 */
    assert_int_equal(cof(f, "u006"), cof(f, "u007"));     /* ISSN */
    assert_int_equal(cof(f, "u008"), cof(f, "u009"));     /* OCLC */
    assert_int_not_equal(cof(f, "u001"), cof(f, "u003"));
    struct wy_err err = WY_ERR_INIT;
    int64_t nc, nr, ns;
    assert_int_equal(cluster_stats(f->cl, &nc, &nr, &ns, &err), WY_OK);
    assert_int_equal(nr, 9);
    assert_int_equal(nc, 5);
    assert_int_equal(ns, 4);

    /* explainable: the key, the members it ties, the holdings */
    struct cluster_info ci;
    assert_int_equal(cluster_show(f->cl, rid(f, NULL, "u002"), &ci, &err),
                     WY_OK);
    assert_int_equal(ci.id, rid(f, NULL, "u001"));
    assert_int_equal(ci.nmembers, 2);
    assert_int_equal(ci.nholdings, 2);
    assert_int_equal(ci.nlibraries, 2);
    assert_string_equal(ci.members[0].keys, "isbn:9787020002207\n");
    assert_non_null(
        strstr(ci.members[0].why, "isbn:9787020002207 shared with"));
    int have_nlc = 0;
    for (size_t i = 0; i < ci.nholdings; i++)
        if (!strcmp(ci.holdings[i].library, "国家图书馆")) {
            have_nlc = 1;
            assert_string_equal(ci.holdings[i].callno, "I242.47/1");
            assert_int_equal(ci.holdings[i].record_id, rid(f, NULL, "u001"));
        }
    assert_true(have_nlc);
    /* the display record: u001 has publisher and place, u002 does not */
    assert_int_equal(ci.display, rid(f, NULL, "u001"));
    cluster_info_release(&ci);

    assert_int_equal(cluster_show(f->cl, rid(f, NULL, "u003"), &ci, &err),
                     WY_OK);
    assert_string_equal(ci.members[0].keys,
                        "t:四库全书总目|纪昀|1789|刻本|200\n");
    cluster_info_release(&ci);
}

static void split_survives_reimport(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    import(f, wy_srcpath("tests/fixtures/union/libraries.xml"), NULL);
    int64_t u4 = rid(f, NULL, "u004");
    assert_int_equal(cluster_split(f->cl, &u4, 1, "another impression", &err),
                     WY_OK);
    assert_int_not_equal(cof(f, "u003"), cof(f, "u004"));
    /* v2: u004 changed (a note), u005 re-dated to 1789: it joins u003, and
       u004 stays apart by the staff decision */
    import(f, wy_srcpath("tests/fixtures/union/libraries-v2.xml"), NULL);
    assert_int_equal(cof(f, "u003"), cof(f, "u005"));
    assert_int_not_equal(cof(f, "u003"), cof(f, "u004"));
    assert_int_equal(cof(f, "u004"), u4);
    /* and the same file once more: nothing changes */
    import(f, wy_srcpath("tests/fixtures/union/libraries-v2.xml"), NULL);
    assert_int_not_equal(cof(f, "u003"), cof(f, "u004"));

    /* a staff merge joins them again, explained as a staff link */
    assert_int_equal(cluster_merge(f->cl, u4, rid(f, NULL, "u005"), NULL, &err),
                     WY_OK);
    assert_int_equal(cof(f, "u004"), cof(f, "u003"));
    struct cluster_info ci;
    assert_int_equal(cluster_show(f->cl, u4, &ci, &err), WY_OK);
    assert_int_equal(ci.nmembers, 3);
    assert_int_equal(ci.nlibraries, 3);
    int linked = 0;
    for (size_t i = 0; i < ci.nmembers; i++)
        linked += strstr(ci.members[i].why, "staff link to") != NULL;
    assert_int_equal(linked, 2);
    cluster_info_release(&ci);

    /* a deleted record leaves its cluster */
    assert_int_equal(
        cat_delete_record(f->h->cat, NULL, "u002", NULL, NULL, NULL, &err),
        WY_OK);
    assert_int_equal(cluster_sync(f->cl, f->h->cat, NULL, &err), WY_OK);
    int64_t c;
    assert_int_equal(cluster_of(f->cl, rid(f, NULL, "u002"), &c, &err),
                     WY_ENOTFOUND);
    wy_err_release(&err);
    assert_int_equal(cluster_show(f->cl, rid(f, NULL, "u001"), &ci, &err),
                     WY_OK);
    assert_int_equal(ci.nmembers, 1);
    assert_int_equal(ci.nlibraries, 1);
    cluster_info_release(&ci);
}

static void errors_name_records(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    import(f, wy_srcpath("tests/fixtures/union/libraries.xml"), NULL);
    int64_t ids[2] = {rid(f, NULL, "u001"), rid(f, NULL, "u003")};
    assert_int_equal(cluster_split(f->cl, ids, 2, NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "different clusters");
    wy_err_release(&err);
    int64_t lone = rid(f, NULL, "u005");
    assert_int_equal(cluster_split(f->cl, &lone, 1, NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "must leave some behind");
    wy_err_release(&err);
    int64_t none = 999;
    assert_int_equal(cluster_split(f->cl, &none, 1, NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "record 999 is not clustered");
    wy_err_release(&err);
    assert_int_equal(
        cluster_merge(f->cl, ids[0], rid(f, NULL, "u002"), NULL, &err),
        WY_EINVAL);
    assert_err(&err, WY_EINVAL, "already cluster");
    wy_err_release(&err);
    struct cluster_info ci;
    assert_int_equal(cluster_show(f->cl, 999, &ci, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "record 999");
    wy_err_release(&err);
    struct cluster *bad = NULL;
    assert_int_equal(cluster_open(&bad, "/nonexistent/catalog.db", &err),
                     WY_EDB);
    assert_err(&err, WY_EDB, "/nonexistent/catalog.db");
    wy_err_release(&err);
}

static void real_cnmarc_records(void **state)
{
    struct home_fx *f = *state;
    import(f, wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"), "bnu");
    struct wy_err err = WY_ERR_INIT;
    int64_t a, b;
    assert_int_equal(
        cluster_of(f->cl, rid(f, "bnu", "9910637057203961"), &a, &err), WY_OK);
    assert_int_equal(
        cluster_of(f->cl, rid(f, "bnu", "990001379280203961"), &b, &err),
        WY_OK);
    assert_int_equal(a, b);
    int64_t nc, nr, ns;
    assert_int_equal(cluster_stats(f->cl, &nc, &nr, &ns, &err), WY_OK);
    assert_int_equal(nr, 10);
    assert_int_equal(nc, 9);
    struct cluster_info ci;
    assert_int_equal(cluster_show(f->cl, a, &ci, &err), WY_OK);
    /* the online copy has no 905: its library is its source; the print
       copy is BNU's (905 $a) */
    assert_int_equal(ci.nholdings, 2);
    assert_int_equal(ci.nlibraries, 2);
    cluster_info_release(&ci);
}

/* A serial: every issue catalogued with the same ISSN. Adding, removing
   and splitting stay linear in the cluster's size. */
static void one_key_many_records(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    enum { N = 400 };
    assert_int_equal(cluster_begin(f->cl, &err), WY_OK);
    for (int i = 1; i <= N; i++) {
        struct wy_record *r = wy_record_new();
        char lib[16];
        snprintf(lib, sizeof(lib), "L%d", i % 7);
        wy_desc_add_title(r, "图书馆杂志", strlen("图书馆杂志"));
        wy_desc_add_ident(r, "issn", "1000-4254", 9);
        struct wy_holding h = {lib, "Z/1", NULL, NULL};
        wy_desc_add_holding(r, &h);
        assert_int_equal(cluster_put(f->cl, i, "s", r, &err), WY_OK);
        wy_record_free(r);
    }
    assert_int_equal(cluster_commit(f->cl, &err), WY_OK);
    struct cluster_info ci;
    assert_int_equal(cluster_show(f->cl, N, &ci, &err), WY_OK);
    assert_int_equal(ci.id, 1);
    assert_int_equal(ci.nmembers, N);
    assert_int_equal(ci.nlibraries, 7);
    assert_non_null(strstr(ci.members[0].why, "more"));
    cluster_info_release(&ci);
    assert_int_equal(cluster_begin(f->cl, &err), WY_OK);
    assert_int_equal(cluster_remove(f->cl, 1, &err), WY_OK);
    assert_int_equal(cluster_commit(f->cl, &err), WY_OK);
    int64_t c;
    assert_int_equal(cluster_of(f->cl, N, &c, &err), WY_OK);
    assert_int_equal(c, 2);
    int64_t two[2] = {5, 6};
    assert_int_equal(cluster_split(f->cl, two, 2, NULL, &err), WY_OK);
    assert_int_equal(cluster_of(f->cl, 6, &c, &err), WY_OK);
    assert_int_equal(c, 5);
    assert_int_equal(cluster_of(f->cl, 7, &c, &err), WY_OK);
    assert_int_equal(c, 2);
    int64_t nc, nr, ns;
    assert_int_equal(cluster_stats(f->cl, &nc, &nr, &ns, &err), WY_OK);
    assert_int_equal(nc, 2);
    assert_int_equal(nr, N - 1);
}

static void command_line(void **state)
{
    struct home_fx *f = *state;
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&cmd, "%s -H '%s' import '%s' 2>&1", wy_test_bin(),
                wy_buf_cstr(&f->home),
                wy_srcpath("tests/fixtures/union/libraries.xml"));
    char *out = NULL;
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    assert_non_null(strstr(out, "9 records in 5 clusters"));
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s -H '%s' cluster show 2", wy_test_bin(),
                wy_buf_cstr(&f->home));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    assert_non_null(strstr(out, "cluster 1: 2 records, held by 2 libraries"));
    assert_non_null(strstr(out, "key  isbn:9787020002207"));
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd,
                "%s -H '%s' cluster split 4 --note x && "
                "%s -H '%s' cluster show 4",
                wy_test_bin(), wy_buf_cstr(&f->home), wy_test_bin(),
                wy_buf_cstr(&f->home));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    assert_non_null(strstr(out, "split off by staff"));
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s -H '%s' cluster show abc 2>&1", wy_test_bin(),
                wy_buf_cstr(&f->home));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 2);
    assert_non_null(strstr(out, "'abc' is not a record id"));
    free(out);
    wy_buf_release(&cmd);
}

/* ---- change times ---- */

struct heads {
    struct cluster_head v[32];
    size_t n;
};

static wy_code take_head(void *ctx, const struct cluster_head *h,
                         struct wy_err *err)
{
    (void)err;
    struct heads *hs = ctx;
    if (hs->n < 32)
        hs->v[hs->n++] = *h;
    return WY_OK;
}

static void list_heads(struct cluster *cl, const struct cluster_query *q,
                       struct heads *hs)
{
    struct wy_err err = WY_ERR_INIT;
    hs->n = 0;
    if (cluster_list(cl, q, take_head, hs, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
}

/* The head of cluster id in hs, or NULL. */
static const struct cluster_head *find_head(const struct heads *hs, int64_t id)
{
    for (size_t i = 0; i < hs->n; i++)
        if (hs->v[i].id == id)
            return &hs->v[i];
    return NULL;
}

struct moved {
    int64_t rec[32], cid[32];
    size_t n;
};

static wy_code take_member(void *ctx, int64_t rec, int64_t cid,
                           const char *changed, struct wy_err *err)
{
    (void)err;
    (void)changed;
    struct moved *m = ctx;
    if (m->n < 32) {
        m->rec[m->n] = rec;
        m->cid[m->n++] = cid;
    }
    return WY_OK;
}

static void change_times(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(cluster_set_now(f->cl, "2026-01-01T00:00:00Z", &err),
                     WY_OK);
    import(f, wy_srcpath("tests/fixtures/union/libraries.xml"), NULL);
    struct heads hs;
    struct cluster_query all = {.include_gone = 1};
    list_heads(f->cl, &all, &hs);
    assert_int_equal(hs.n, 5); /* the five works of same_works_cluster */
    for (size_t i = 0; i < hs.n; i++) {
        assert_string_equal(hs.v[i].datestamp, "2026-01-01T00:00:00Z");
        assert_false(hs.v[i].gone);
        assert_true(i == 0 || hs.v[i].id > hs.v[i - 1].id); /* keyset */
    }
    char earliest[21];
    assert_int_equal(cluster_earliest(f->cl, earliest, &err), WY_OK);
    assert_string_equal(earliest, "2026-01-01T00:00:00Z");

    /* a staff split: the side without the cluster id is a new cluster;
       the cluster it left is stamped too */
    int64_t u3 = rid(f, NULL, "u003"), u4 = rid(f, NULL, "u004");
    int64_t c34 = cof(f, "u003");
    assert_int_equal(c34, u3);
    assert_int_equal(cluster_set_now(f->cl, "2026-02-01T00:00:00Z", &err),
                     WY_OK);
    assert_int_equal(cluster_split(f->cl, &u4, 1, NULL, &err), WY_OK);
    struct cluster_query since = {.from = "2026-02-01T00:00:00Z",
                                  .include_gone = 1};
    list_heads(f->cl, &since, &hs);
    assert_int_equal(hs.n, 2);
    assert_non_null(find_head(&hs, u3));
    assert_non_null(find_head(&hs, u4));
    assert_false(find_head(&hs, u4)->gone);
    /* until before the split: the five as they were */
    struct cluster_query before = {.until = "2026-01-31T23:59:59Z",
                                   .include_gone = 1};
    list_heads(f->cl, &before, &hs);
    assert_int_equal(hs.n, 4);
    int64_t n;
    assert_int_equal(cluster_count(f->cl, &before, &n, &err), WY_OK);
    assert_int_equal(n, 4);
    /* the indexer's view: the record whose cluster id changed */
    struct moved mv = {.n = 0};
    assert_int_equal(cluster_changed_members(f->cl, "2026-02-01T00:00:00Z", 0,
                                             0, take_member, &mv, &err),
                     WY_OK);
    assert_int_equal(mv.n, 1);
    assert_int_equal(mv.rec[0], u4);
    assert_int_equal(mv.cid[0], u4);

    /* a staff merge: the larger id vanishes and is listed as gone */
    assert_int_equal(cluster_set_now(f->cl, "2026-03-01T00:00:00Z", &err),
                     WY_OK);
    assert_int_equal(cluster_merge(f->cl, u3, u4, NULL, &err), WY_OK);
    struct cluster_query m = {.from = "2026-03-01T00:00:00Z",
                              .include_gone = 1};
    list_heads(f->cl, &m, &hs);
    assert_int_equal(hs.n, 2);
    assert_int_equal(hs.v[0].id, u3); /* (datestamp, id) order */
    assert_false(hs.v[0].gone);
    assert_int_equal(hs.v[1].id, u4);
    assert_true(hs.v[1].gone);
    m.include_gone = 0;
    list_heads(f->cl, &m, &hs);
    assert_int_equal(hs.n, 1);
    struct cluster_head h;
    assert_int_equal(cluster_head(f->cl, u4, &h, &err), WY_OK);
    assert_true(h.gone);
    assert_string_equal(h.datestamp, "2026-03-01T00:00:00Z");
    /* keyset position: after (u3's stamp, u3) comes u4 only */
    struct cluster_query after = {
        .after_ds = "2026-03-01T00:00:00Z", .after_id = u3, .include_gone = 1};
    list_heads(f->cl, &after, &hs);
    assert_int_equal(hs.n, 1);
    assert_int_equal(hs.v[0].id, u4);
    struct cluster_query lim = {.limit = 2, .include_gone = 1};
    list_heads(f->cl, &lim, &hs);
    assert_int_equal(hs.n, 2);
    /* a walk one at a time from positions gives the whole list in order,
       through seconds shared by several clusters and into later ones */
    struct heads whole, one;
    list_heads(f->cl, &all, &whole);
    assert_int_equal(whole.n, 6); /* five works, one of them vanished */
    struct cluster_query step = {.limit = 1, .include_gone = 1};
    for (size_t i = 0; i < whole.n; i++) {
        list_heads(f->cl, &step, &one);
        assert_int_equal(one.n, 1);
        assert_int_equal(one.v[0].id, whole.v[i].id);
        step.after_ds = whole.v[i].datestamp;
        step.after_id = whole.v[i].id;
    }
    list_heads(f->cl, &step, &one);
    assert_int_equal(one.n, 0);

    /* a record deleted from the catalog: its cluster of one vanishes */
    int64_t u5 = rid(f, NULL, "u005");
    assert_int_equal(cluster_set_now(f->cl, "2026-04-01T00:00:00Z", &err),
                     WY_OK);
    assert_int_equal(
        cat_delete_record(f->h->cat, NULL, "u005", NULL, NULL, NULL, &err),
        WY_OK);
    assert_int_equal(cluster_sync(f->cl, f->h->cat, NULL, &err), WY_OK);
    assert_int_equal(cluster_head(f->cl, u5, &h, &err), WY_OK);
    assert_true(h.gone);
    assert_string_equal(h.datestamp, "2026-04-01T00:00:00Z");
    /* a cluster that loses a member is stamped though no row moved */
    assert_int_equal(cluster_set_now(f->cl, "2026-05-01T00:00:00Z", &err),
                     WY_OK);
    int64_t c12 = cof(f, "u001");
    assert_int_equal(
        cat_delete_record(f->h->cat, NULL, "u002", NULL, NULL, NULL, &err),
        WY_OK);
    assert_int_equal(cluster_sync(f->cl, f->h->cat, NULL, &err), WY_OK);
    assert_int_equal(cluster_head(f->cl, c12, &h, &err), WY_OK);
    assert_false(h.gone);
    assert_string_equal(h.datestamp, "2026-05-01T00:00:00Z");

    /* a rebuild rewrites every member row: the four live clusters are
       stamped, the vanished ids stay gone with their time */
    assert_int_equal(cluster_set_now(f->cl, "2026-06-01T00:00:00Z", &err),
                     WY_OK);
    assert_int_equal(cluster_rebuild(f->cl, f->h->cat, NULL, &err), WY_OK);
    struct cluster_query r6 = {.from = "2026-06-01T00:00:00Z",
                               .include_gone = 1};
    list_heads(f->cl, &r6, &hs);
    assert_int_equal(hs.n, 4);
    for (size_t i = 0; i < hs.n; i++)
        assert_false(hs.v[i].gone);
    assert_int_equal(cluster_head(f->cl, u4, &h, &err), WY_OK);
    assert_true(h.gone);
    assert_string_equal(h.datestamp, "2026-03-01T00:00:00Z");

    /* a read transaction: one snapshot, no write inside */
    assert_int_equal(cluster_read_begin(f->cl, &err), WY_OK);
    list_heads(f->cl, &r6, &hs);
    assert_int_equal(hs.n, 4);
    assert_int_equal(cluster_read_begin(f->cl, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "transaction is open");
    wy_err_release(&err);
    assert_int_equal(cluster_begin(f->cl, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "transaction is open");
    wy_err_release(&err);
    cluster_read_end(f->cl);
    cluster_read_end(NULL);

    assert_int_equal(cluster_head(f->cl, 999, &h, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "999");
    wy_err_release(&err);
    assert_int_equal(cluster_set_now(f->cl, "2026-05-01", &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'2026-05-01'");
    wy_err_release(&err);
}

/* A catalog whose cluster tables were written by schema 1 (the DDL as
   it shipped before change times): a read-only handle still shows
   clusters and refuses the change-time readers with what to do; the
   writable open migrates, every cluster stamped with the migration time. */
static void schema1_migrates(void **state)
{
    struct home_fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    cluster_close(f->cl);
    f->cl = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->h->catalog_path, &db), SQLITE_OK);
    /* setup's cluster_open made schema 2 tables: start again from 1 */
    const char *v1 =
        "DROP TABLE cluster_member; DROP TABLE cluster_key;"
        "DROP TABLE cluster_holding; DROP TABLE cluster_link;"
        "DROP TABLE cluster_part; DROP TABLE cluster_decision;"
        "DROP TABLE cluster_state; DROP TABLE cluster_stamp;"
        "CREATE TABLE cluster_member (record_id INTEGER PRIMARY KEY,"
        " cluster_id INTEGER NOT NULL, part INTEGER NOT NULL DEFAULT 0,"
        " score INTEGER NOT NULL, title TEXT);"
        "CREATE INDEX cluster_member_cluster ON cluster_member(cluster_id);"
        "CREATE TABLE cluster_key (key TEXT NOT NULL, record_id INTEGER NOT"
        " NULL, PRIMARY KEY (key, record_id)) WITHOUT ROWID;"
        "CREATE INDEX cluster_key_record ON cluster_key(record_id);"
        "CREATE TABLE cluster_holding (record_id INTEGER NOT NULL,"
        " library TEXT NOT NULL, callno TEXT);"
        "CREATE INDEX cluster_holding_record ON cluster_holding(record_id);"
        "CREATE TABLE cluster_link (a INTEGER NOT NULL, b INTEGER NOT NULL,"
        " PRIMARY KEY (a, b)) WITHOUT ROWID;"
        "CREATE TABLE cluster_part (record_id INTEGER PRIMARY KEY,"
        " part INTEGER NOT NULL);"
        "CREATE TABLE cluster_decision (id INTEGER PRIMARY KEY, time TEXT NOT"
        " NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
        "CREATE TABLE cluster_state (key TEXT PRIMARY KEY, value TEXT);"
        "INSERT INTO cluster_state VALUES ('schema', '1');"
        "INSERT INTO cluster_member VALUES (1, 1, 0, 20, 'a'), (2, 1, 0, 10,"
        " 'a'), (3, 3, 0, 5, 'b');"
        "INSERT INTO cluster_key VALUES ('isbn:9787020002207', 1),"
        " ('isbn:9787020002207', 2), ('issn:10004254', 3);"
        "INSERT INTO cluster_holding VALUES (1, 'L1', 'A/1'), (2, 'L2', NULL),"
        " (3, 'L1', 'Z');";
    assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct cluster *ro = NULL;
    assert_int_equal(cluster_open_readonly(&ro, f->h->catalog_path, &err),
                     WY_OK);
    struct cluster_info ci;
    assert_int_equal(cluster_show(ro, 2, &ci, &err), WY_OK);
    assert_int_equal(ci.id, 1);
    cluster_info_release(&ci);
    struct heads hs;
    struct cluster_query all = {.include_gone = 1};
    assert_int_equal(cluster_list(ro, &all, take_head, &hs, NULL, &err),
                     WY_ESTATE);
    assert_err(&err, WY_ESTATE, "wenyuan cluster sync");
    wy_err_release(&err);
    cluster_close(ro);

    assert_int_equal(cluster_open(&f->cl, f->h->catalog_path, &err), WY_OK);
    list_heads(f->cl, &all, &hs);
    assert_int_equal(hs.n, 2);
    assert_int_equal(hs.v[0].id, 1);
    assert_int_equal(hs.v[1].id, 3);
    assert_string_equal(hs.v[0].datestamp, hs.v[1].datestamp);
    assert_int_equal(strlen(hs.v[0].datestamp), 20);
    struct moved mv = {.n = 0};
    assert_int_equal(
        cluster_changed_members(f->cl, "", 0, 0, take_member, &mv, &err),
        WY_OK);
    assert_int_equal(mv.n, 3);
    /* by positions: two, then the one after the second */
    struct moved m2 = {.n = 0};
    assert_int_equal(
        cluster_changed_members(f->cl, "", 0, 2, take_member, &m2, &err),
        WY_OK);
    assert_int_equal(m2.n, 2);
    assert_int_equal(m2.rec[0], 1);
    assert_int_equal(m2.rec[1], 2);
    m2.n = 0;
    assert_int_equal(cluster_changed_members(f->cl, hs.v[0].datestamp, 2, 2,
                                             take_member, &m2, &err),
                     WY_OK);
    assert_int_equal(m2.n, 1);
    assert_int_equal(m2.rec[0], 3);
    assert_int_equal(m2.cid[0], 3);
    assert_int_equal(cluster_show(f->cl, 2, &ci, &err), WY_OK);
    assert_int_equal(ci.nmembers, 2);
    cluster_info_release(&ci);
    /* and it stays schema 2: opening again changes nothing */
    cluster_close(f->cl);
    assert_int_equal(cluster_open(&f->cl, f->h->catalog_path, &err), WY_OK);
    struct heads again;
    list_heads(f->cl, &all, &again);
    assert_int_equal(again.n, 2);
    assert_string_equal(again.v[0].datestamp, hs.v[0].datestamp);
    /* a schema newer than the program is refused */
    cluster_close(f->cl);
    f->cl = NULL;
    assert_int_equal(sqlite3_open(f->h->catalog_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE cluster_state SET value = '9'"
                                  " WHERE key = 'schema'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(cluster_open(&f->cl, f->h->catalog_path, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "schema 9");
    wy_err_release(&err);
}

WY_GROUP(cluster, NULL, NULL, cmocka_unit_test(isbn_conversion),
         cmocka_unit_test_setup_teardown(same_works_cluster, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(split_survives_reimport, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(errors_name_records, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(real_cnmarc_records, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(one_key_many_records, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(command_line, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(change_times, home_fx_setup,
                                         home_fx_teardown),
         cmocka_unit_test_setup_teardown(schema1_migrates, home_fx_setup,
                                         home_fx_teardown))
