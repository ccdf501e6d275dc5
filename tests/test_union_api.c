/* tests/test_union_api.c: the union catalogue's search over HTTP, one hit
   per cluster as the index collapses them (service/union_api.c on
   indexer/idx.c), the index following cluster changes that change no
   record (a staff split and merge), the collection facets (版本类别, 地点,
   主题地域) and snippets in the script the records are catalogued in.
   Records: tests/fixtures/union/libraries.xml (no collection; 红楼梦 u001
   simplified and u002 traditional share an ISBN), guji.xml and
   editions.xml (collection guji), local.xml (difangwenxian). Expected
   counts are read off those files (see each test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "svc_client.h"

#include "core/buf.h"
#include "core/path.h"
#include "indexer/sync.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/import.h"

struct fx {
    char *dir;
    struct wy_buf home;
    struct tc_srv srv;
};

static void import(struct wy_home *h, const char *file, const char *coll)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_import_opts o = {0};
    struct cat_import_stats st = {0};
    o.collection = coll;
    if (cat_import_file(h->cat, wy_srcpath(file), &o, &st, &err))
        fail_msg("%s: %s", file, wy_err_msg(&err));
}

/* `wenyuan index`: clusters, records, cluster changes. */
static struct idx_sync_stats reindex(struct fx *f)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    struct idx_sync_stats s = {0};
    if (home_open(&h, wy_buf_cstr(&f->home), 0, &err) ||
        idx_update_home(h, 0, 0, NULL, &s, &err))
        fail_msg("%s", wy_err_msg(&err));
    home_close(h);
    return s;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    wy_buf_init(&f->home, 4096);
    wy_path_join(&f->home, f->dir, "home");
    struct wy_home *h = NULL;
    if (home_init(wy_buf_cstr(&f->home), &err) ||
        home_open(&h, wy_buf_cstr(&f->home), 0, &err))
        fail_msg("%s", wy_err_msg(&err));
    import(h, "tests/fixtures/union/libraries.xml", NULL);        /* 1-9 */
    import(h, "tests/fixtures/union/guji.xml", "guji");           /* 10-12 */
    import(h, "tests/fixtures/union/editions.xml", "guji");       /* 13-19 */
    import(h, "tests/fixtures/union/local.xml", "difangwenxian"); /* 20-22 */
    home_close(h);
    reindex(f);
    tc_srv_start(&f->srv, wy_buf_cstr(&f->home));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tc_srv_stop(&f->srv);
    wy_buf_release(&f->home);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

static json_t *get_json(struct fx *f, const char *path)
{
    struct tc_resp r;
    tc_get(&f->srv, path, &r);
    if (r.status != 200)
        fail_msg("%s: status %ld: %s", path, r.status, r.body);
    json_error_t je;
    json_t *j = json_loads(r.body, 0, &je);
    if (!j)
        fail_msg("%s: not JSON: %s", path, r.body);
    tc_resp_free(&r);
    return j;
}

static json_int_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("no integer '%s'", k);
    return json_integer_value(v);
}

static struct cluster *clusters(struct fx *f)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, wy_buf_cstr(&f->home), "catalog.db");
    struct cluster *cl = NULL;
    if (cluster_open(&cl, wy_buf_cstr(&p), &err))
        fail_msg("%s", wy_err_msg(&err));
    wy_buf_release(&p);
    return cl;
}

#define NRECORDS 22 /* 9 + 3 + 7 + 3 records in the four files */

/* path with every byte outside [A-Za-z0-9=&?/._:-] percent-encoded. */
static const char *url(const char *path)
{
    static char b[2048];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)path;
         *p && k + 4 < sizeof(b); p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("=&?/._:-", *p))
            b[k++] = (char)*p;
        else
            k += (size_t)snprintf(b + k, 4, "%%%02X", *p);
    }
    b[k] = '\0';
    return b;
}

/* The count of facet value `value` of facet `name` (0 when absent); *n
   (may be NULL) gets how many values the facet has. */
static json_int_t facet(json_t *j, const char *name, const char *value,
                        size_t *n)
{
    json_t *fs = json_object_get(j, "facets");
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *fc = json_array_get(fs, i);
        if (strcmp(json_string_value(json_object_get(fc, "name")), name))
            continue;
        json_t *vs = json_object_get(fc, "values");
        if (n)
            *n = json_array_size(vs);
        for (size_t k = 0; k < json_array_size(vs); k++) {
            json_t *v = json_array_get(vs, k);
            if (!strcmp(json_string_value(json_object_get(v, "value")), value))
                return jint(v, "count");
        }
        return 0;
    }
    fail_msg("no facet '%s'", name);
    return -1;
}

/* The clusters of the catalog, counted from the cluster tables: every
   record in one cluster, an unclustered record a group of its own. */
static size_t groups_in_catalog(struct cluster *cl)
{
    int64_t seen[NRECORDS];
    size_t n = 0;
    for (int64_t id = 1; id <= NRECORDS; id++) {
        struct wy_err err = WY_ERR_INIT;
        int64_t c = 0;
        if (cluster_of(cl, id, &c, &err) != WY_OK) {
            wy_err_release(&err);
            c = -id;
        }
        size_t k = 0;
        while (k < n && seen[k] != c)
            k++;
        if (k == n)
            seen[n++] = c;
    }
    return n;
}

static void union_search_pages_over_clusters(void **state)
{
    struct fx *f = *state;
    struct cluster *cl = clusters(f);
    size_t want = groups_in_catalog(cl);
    assert_true(want < NRECORDS); /* libraries.xml shares works */
    json_t *j = get_json(f, "/api/union/search?size=100");
    assert_int_equal(jint(j, "total_records"), NRECORDS);
    assert_int_equal(jint(j, "clusters"), want);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), want);
    json_decref(j);
    /* pages of 4: every cluster once, in all */
    int64_t seen[NRECORDS];
    size_t n = 0;
    for (int page = 1; page <= 8; page++) {
        char path[128];
        snprintf(path, sizeof(path), "/api/union/search?size=4&page=%d", page);
        j = get_json(f, path);
        json_t *hits = json_object_get(j, "hits");
        size_t expect =
            want > (size_t)(page - 1) * 4 ? want - (size_t)(page - 1) * 4 : 0;
        assert_int_equal(json_array_size(hits), expect > 4 ? 4 : expect);
        for (size_t i = 0; i < json_array_size(hits); i++) {
            json_t *h = json_array_get(hits, i);
            json_t *c = json_object_get(h, "cluster");
            int64_t key =
                json_is_integer(c)
                    ? json_integer_value(c)
                    : -atoll(json_string_value(json_object_get(h, "id")));
            for (size_t k = 0; k < n; k++)
                if (seen[k] == key)
                    fail_msg("cluster %lld on two pages", (long long)key);
            assert_true(n < NRECORDS);
            seen[n++] = key;
            /* held by N libraries: the cluster's, from the cluster tables;
               with no query every member matches */
            if (key > 0) {
                struct wy_err err = WY_ERR_INIT;
                struct cluster_info ci;
                assert_int_equal(cluster_show(cl, key, &ci, &err), WY_OK);
                assert_int_equal(jint(h, "held_by"), ci.nlibraries);
                assert_int_equal(jint(h, "records"), ci.nmembers);
                assert_int_equal(jint(h, "matching"), ci.nmembers);
                cluster_info_release(&ci);
            } else {
                assert_int_equal(jint(h, "held_by"), 1);
            }
        }
        json_decref(j);
    }
    assert_int_equal(n, want);
    cluster_close(cl);
}

/* 红楼梦: u001 (record 1) and u002 (record 2) share ISBN 7-02-000220-X,
   held by 国家图书馆 and 上海图书馆. A staff split and merge change no
   record; `wenyuan index` follows them. */
static void index_follows_split_and_merge(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    const char *q = url("/api/union/search?q=红楼梦");
    json_t *j = get_json(f, q);
    assert_int_equal(jint(j, "total_records"), 2);
    assert_int_equal(jint(j, "clusters"), 1);
    json_t *h = json_array_get(json_object_get(j, "hits"), 0);
    assert_int_equal(jint(h, "held_by"), 2);
    assert_int_equal(jint(h, "matching"), 2);
    json_decref(j);
    assert_int_equal(reindex(f).reclustered, 0); /* nothing changed */

    struct cluster *cl = clusters(f);
    int64_t two[] = {2};
    if (cluster_split(cl, two, 1, "test: another printing", &err))
        fail_msg("%s", wy_err_msg(&err));
    cluster_close(cl);
    assert_int_equal(reindex(f).reclustered, 1); /* record 2: cluster 2 */
    j = get_json(f, url("/api/union/search?q=红楼梦"));
    assert_int_equal(jint(j, "total_records"), 2);
    assert_int_equal(jint(j, "clusters"), 2);
    json_t *hits = json_object_get(j, "hits");
    assert_int_equal(json_array_size(hits), 2);
    for (size_t i = 0; i < 2; i++) {
        h = json_array_get(hits, i);
        assert_int_equal(jint(h, "held_by"), 1);
        assert_int_equal(jint(h, "records"), 1);
        assert_int_equal(jint(h, "matching"), 1);
    }
    json_decref(j);
    assert_int_equal(reindex(f).reclustered, 0);

    cl = clusters(f);
    if (cluster_merge(cl, 1, 2, "test: the same printing", &err))
        fail_msg("%s", wy_err_msg(&err));
    cluster_close(cl);
    assert_int_equal(reindex(f).reclustered, 1);
    j = get_json(f, url("/api/union/search?q=紅樓夢"));
    assert_int_equal(jint(j, "clusters"), 1);
    h = json_array_get(json_object_get(j, "hits"), 0);
    assert_int_equal(jint(h, "cluster"), 1);
    assert_int_equal(jint(h, "held_by"), 2);
    assert_int_equal(jint(h, "matching"), 2);
    json_decref(j);
}

/* 版本类别 as the 250 $a of guji.xml and editions.xml name it: 刻本 3
   (gj0001 清乾隆五十四年武英殿刻本, gj0002 明嘉靖元年刻本, ed06 清康熙刻本),
   抄本 2 (gj0003 旧抄本, ed05 舊鈔本), one each of 石印本 (ed01), 活字本
   (ed02 武英殿聚珍版), 套印本 (ed03 朱墨套印本), 稿本 (ed04), 铅印本 (ed07
   鉛印本). Places (260 $a): 北京 2 (gj0001, ed02 "[北京]"), 上海 2 (ed01
   "上海 :", ed07), 杭州 2 (ed05, ed06), 吴兴 1 (ed03 吳興). local.xml: places
   杭州 2, 上海 1; regions (651 $a, 650 $z) 杭州市 2, 西湖 1, 上海县 1, and
   not the area code a-cc--- of 043. */
static void profile_facets_match_the_records(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    json_t *j = get_json(f, "/api/search?collection=guji&size=1");
    assert_int_equal(jint(j, "total"), 10);
    static const struct {
        const char *v;
        int count;
    } types[] = {{"刻本", 3},   {"抄本", 2}, {"石印本", 1}, {"活字本", 1},
                 {"套印本", 1}, {"稿本", 1}, {"铅印本", 1}},
      places[] = {{"北京", 2}, {"上海", 2}, {"杭州", 2}, {"吴兴", 1}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (facet(j, "edition_type", types[i].v, &n) != types[i].count)
            fail_msg("edition_type '%s': %lld, want %d", types[i].v,
                     (long long)facet(j, "edition_type", types[i].v, NULL),
                     types[i].count);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
        assert_int_equal(facet(j, "place", places[i].v, &n), places[i].count);
    assert_int_equal(n, 4);
    json_decref(j);
    /* selecting values; a traditional value selects its simplified one */
    j = get_json(f, url("/api/search?collection=guji&facet=edition_type:刻本"));
    assert_int_equal(jint(j, "total"), 3);
    json_decref(j);
    j = get_json(f, url("/api/search?collection=guji&facet=edition_type:刻本"
                        "&facet=place:杭州"));
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);
    j = get_json(f, url("/api/search?facet=place:吳興"));
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);
    j = get_json(f, url("/api/search?q=版本类别:稿本"));
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);

    j = get_json(f, "/api/search?collection=difangwenxian");
    assert_int_equal(jint(j, "total"), 3);
    assert_int_equal(facet(j, "place", "杭州", &n), 2);
    assert_int_equal(facet(j, "place", "上海", NULL), 1);
    assert_int_equal(n, 2);
    assert_int_equal(facet(j, "region", "杭州市", &n), 2);
    assert_int_equal(facet(j, "region", "西湖", NULL), 1);
    assert_int_equal(facet(j, "region", "上海县", NULL), 1);
    assert_int_equal(n, 3);
    json_decref(j);

    /* the collection pages browse by them */
    j = get_json(f, "/api/collections");
    json_t *a = json_object_get(j, "collections");
    int found = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *c = json_array_get(a, i);
        const char *code = json_string_value(json_object_get(c, "code"));
        json_t *b = json_object_get(c, "browse");
        char got[256] = "";
        for (size_t k = 0; k < json_array_size(b); k++) {
            json_t *e = json_array_get(b, k);
            size_t l = strlen(got);
            snprintf(got + l, sizeof(got) - l, "%s%s=%s", k ? " " : "",
                     json_string_value(json_object_get(e, "facet")),
                     json_string_value(json_object_get(e, "label")));
        }
        if (!strcmp(code, "guji")) {
            assert_string_equal(got, "creator=著者 dynasty=著者朝代 "
                                     "century=版本年代 edition_type=版本类别 "
                                     "library=索书号");
            found++;
        } else if (!strcmp(code, "difangwenxian")) {
            assert_string_equal(got, "creator=责任者 place=地点 century=时期 "
                                     "region=主题地域 library=索书号");
            found++;
        }
    }
    assert_int_equal(found, 2);
    json_decref(j);
}

/* u002 is catalogued 紅樓夢 (traditional), u001 红楼梦: searched either
   way, each snippet shows the record's own characters. */
static void snippets_in_the_catalogued_script(void **state)
{
    struct fx *f = *state;
    static const char *const qs[] = {"/api/search?q=红楼梦",
                                     "/api/search?q=紅樓夢"};
    for (size_t k = 0; k < 2; k++) {
        json_t *j = get_json(f, url(qs[k]));
        json_t *hits = json_object_get(j, "hits");
        int seen = 0;
        for (size_t i = 0; i < json_array_size(hits); i++) {
            json_t *h = json_array_get(hits, i);
            const char *id = json_string_value(json_object_get(h, "id"));
            const char *sn = json_string_value(json_object_get(h, "snippet"));
            const char *want = !strcmp(id, "1")   ? "<b>红楼梦</b>"
                               : !strcmp(id, "2") ? "<b>紅樓夢</b>"
                                                  : NULL;
            if (!want)
                continue;
            seen++;
            if (!strstr(sn, want))
                fail_msg("record %s: snippet '%s', want '%s'", id, sn, want);
        }
        assert_int_equal(seen, 2);
        json_decref(j);
    }
}

/* Following cluster changes into an index that cannot take them names
   what it was doing and since when. */
static void following_errors_name_their_place(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf p = WY_BUF_INIT(4096);
    idx_home_path(wy_buf_cstr(&f->home), &p);
    struct idx *x = NULL;
    assert_int_equal(idx_open(&x, wy_buf_cstr(&p), IDX_READ, &err), WY_OK);
    struct cluster *cl = clusters(f);
    char *mark = NULL;
    assert_int_equal(idx_get_cluster_mark(x, &mark, &err), WY_OK);
    assert_true(strlen(mark) == 20); /* YYYY-MM-DDThh:mm:ssZ */
    /* a split to follow, into a reader */
    int64_t two[] = {2};
    if (cluster_split(cl, two, 1, "test: follow into a reader", &err))
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(idx_follow_clusters(x, cl, 0, NULL, &err), WY_ESTATE);
    char want[64];
    snprintf(want, sizeof(want), "following cluster changes since '%s'", mark);
    assert_err(&err, WY_ESTATE, want);
    assert_err(&err, WY_ESTATE, "read-only");
    wy_err_release(&err);
    free(mark);
    /* as it was: merged, and followed by a writer */
    if (cluster_merge(cl, 1, 2, "test: undo", &err))
        fail_msg("%s", wy_err_msg(&err));
    cluster_close(cl);
    idx_close(x, &err);
    wy_buf_release(&p);
    reindex(f);
    json_t *j = get_json(f, url("/api/union/search?q=红楼梦"));
    assert_int_equal(jint(j, "clusters"), 1);
    json_decref(j);
}

/* `wenyuan search --by-work` and `wenyuan index` on the command line. */
static void commands(void **state)
{
    struct fx *f = *state;
    struct wy_buf cmd = WY_BUF_INIT(8192);
    char *out = NULL;
    wy_buf_addf(&cmd, "%s index -H '%s' 2>&1", wy_test_bin(),
                wy_buf_cstr(&f->home));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    if (!strstr(out, "0 moved to another cluster"))
        fail_msg("%s", out);
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s search -H '%s' --by-work 红楼梦 2>&1", wy_test_bin(),
                wy_buf_cstr(&f->home));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    if (!strstr(out, "1 work (2 records)") ||
        !strstr(out, "[+1 more of cluster 1]") || !strstr(out, "place:"))
        fail_msg("%s", out);
    free(out);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s search -H '%s' --by-work --json 红楼梦 2>&1",
                wy_test_bin(), wy_buf_cstr(&f->home));
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    if (!strstr(out, "\"total\":1,") || !strstr(out, "\"total_records\":2,") ||
        !strstr(out, "\"collapsed\":1"))
        fail_msg("%s", out);
    free(out);
    wy_buf_release(&cmd);
}

WY_GROUP(union_api, setup, teardown,
         cmocka_unit_test(union_search_pages_over_clusters),
         cmocka_unit_test(index_follows_split_and_merge),
         cmocka_unit_test(profile_facets_match_the_records),
         cmocka_unit_test(snippets_in_the_catalogued_script),
         cmocka_unit_test(following_errors_name_their_place),
         cmocka_unit_test(commands));
