/* tests/test_sru.c: SRU at /sru, answered for curl and for YAZ's own
   client (yaz-client in SRU mode) against the server started on 127.0.0.1
   here. Records: tests/fixtures/union/libraries.xml and guji.xml, indexed
   with the indexer. Expected hits follow from those records (two 红楼梦
   records, one simplified, one traditional; three 四库全书总目). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "svc_client.h"

#include "core/buf.h"
#include "core/path.h"
#include "indexer/idx.h"
#include "indexer/sync.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/import.h"
#include "service/sru.h"

struct fx {
    char *dir;
    struct wy_buf home;
    struct tc_srv srv;
};

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
    struct cat_import_opts o = {0};
    struct cat_import_stats st = {0};
    if (cat_import_file(h->cat,
                        wy_srcpath("tests/fixtures/union/libraries.xml"), &o,
                        &st, &err))
        fail_msg("%s", wy_err_msg(&err));
    o.collection = "guji";
    if (cat_import_file(h->cat, wy_srcpath("tests/fixtures/union/guji.xml"), &o,
                        &st, &err))
        fail_msg("%s", wy_err_msg(&err));
    /* clusters, then the index with each record's cluster (as `wenyuan
       index` does) */
    if (idx_update_home(h, 0, 0, NULL, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
    home_close(h);
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

static char *get(struct fx *f, const char *path)
{
    struct tc_resp r;
    tc_get(&f->srv, path, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(tc_header(&r, "Content-Type"), "xml"));
    char *body = r.body;
    r.body = NULL;
    tc_resp_free(&r);
    return body;
}

static void search_retrieve(void **state)
{
    struct fx *f = *state;
    /* dc.title="紅樓夢" (traditional) finds both 红楼梦 records */
    char *b = get(f, "/sru?operation=searchRetrieve&version=2.0&query="
                     "dc.title%3D%22%E7%B4%85%E6%A8%93%E5%A4%A2%22"
                     "&recordSchema=marcxml");
    assert_non_null(strstr(b, "<sru:numberOfRecords>2</sru:numberOfRecords>"));
    assert_non_null(
        strstr(b, "<record xmlns=\"http://www.loc.gov/MARC21/slim\">"));
    assert_non_null(strstr(b, "<sru:recordPosition>2</sru:recordPosition>"));
    free(b);
    /* a window: one record from the second, in DC */
    b = get(f, "/sru?query=title%3D%E5%9B%9B%E5%BA%93%E5%85%A8%E4%B9%A6"
               "&startRecord=2&maximumRecords=1&recordSchema=dc");
    assert_non_null(strstr(b, "<sru:numberOfRecords>4</sru:numberOfRecords>"));
    assert_non_null(strstr(b, "<sru:recordPosition>2</sru:recordPosition>"));
    assert_null(strstr(b, "<sru:recordPosition>3</sru:recordPosition>"));
    assert_non_null(
        strstr(b, "<sru:nextRecordPosition>3</sru:nextRecordPosition>"));
    assert_non_null(strstr(b, "oai_dc:dc"));
    free(b);
    /* dc.date as a year range, ANDed: 四库全书总目 of 1789 only */
    b = get(f, "/sru?query=title%3D%E5%9B%9B%E5%BA%93%E5%85%A8%E4%B9%A6"
               "%20and%20dc.date%3E%3D1780%20and%20dc.date%3C1800"
               "&maximumRecords=0");
    assert_non_null(strstr(b, "<sru:numberOfRecords>3</sru:numberOfRecords>"));
    assert_null(strstr(b, "<sru:records>"));
    free(b);
    /* creator, or, SRU 1.2 names, MODS */
    b = get(f, "/sru?version=1.2&operation=searchRetrieve&query="
               "dc.creator%3D%E7%BA%AA%E6%98%80%20or%20bath.name%3D"
               "%E6%9B%B9%E9%9B%AA%E8%8A%B9&recordSchema=mods");
    assert_non_null(strstr(b, "xmlns:zs=\"http://www.loc.gov/zing/srw/\""));
    assert_non_null(strstr(b, "<zs:numberOfRecords>"));
    assert_non_null(strstr(b, "<mods xmlns"));
    free(b);
}

static void diagnostics(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *path, *uri, *details;
    } t[] = {
        {"/sru?query=title%3D", "info:srw/diagnostic/1/10", NULL},
        {"/sru?query=dc.nosuch%3Dx", "info:srw/diagnostic/1/16", "dc.nosuch"},
        {"/sru?query=title%3C%3Ex", "info:srw/diagnostic/1/19", "&lt;&gt;"},
        {"/sru?query=a%20prox%20b", "info:srw/diagnostic/1/37", "prox"},
        {"/sru?query=a%20or%20dc.date%3D1789", "info:srw/diagnostic/1/48",
         "dc.date"},
        {"/sru?query=a&recordSchema=foo", "info:srw/diagnostic/1/66", "foo"},
        {"/sru?query=a&maximumRecords=x", "info:srw/diagnostic/1/6",
         "maximumRecords"},
        {"/sru?operation=searchRetrieve", "info:srw/diagnostic/1/7", "query"},
        {"/sru?query=a&version=3.0", "info:srw/diagnostic/1/5", "3.0"},
        {"/sru?operation=scan", "info:srw/diagnostic/1/4", "scan"},
        {"/sru?query=title%3D%E5%9B%9B%E5%BA%93&startRecord=50",
         "info:srw/diagnostic/1/61", NULL},
        {"/sru?query=a%20sortby%20dc.creator", "info:srw/diagnostic/1/80",
         "dc.creator"},
        {"/sru?query=title%3D%2Fx%20x", "info:srw/diagnostic/1/20", NULL},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *b = get(f, t[i].path);
        if (!strstr(b, t[i].uri))
            fail_msg("%s: no %s in %s", t[i].path, t[i].uri, b);
        if (t[i].details) {
            char want[256];
            snprintf(want, sizeof(want), "<diag:details>%s", t[i].details);
            if (!strstr(b, want))
                fail_msg("%s: no '%s' in %s", t[i].path, want, b);
        }
        free(b);
    }
}

static void explain(void **state)
{
    struct fx *f = *state;
    char *b = get(f, "/sru");
    assert_non_null(strstr(b, "<sru:explainResponse"));
    assert_non_null(strstr(b, "<name set=\"dc\">title</name>"));
    assert_non_null(strstr(b, "info:srw/schema/1/marcxml-v1.1"));
    free(b);
}

/* The union catalogue over JSON: one hit per cluster, cluster pages. */
static void union_api(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    /* 红楼梦: two records (simplified u001, traditional u002) of one
       cluster, held by 国家图书馆 and 上海图书馆 */
    tc_get(&f->srv, "/api/union/search?q=%E7%BA%A2%E6%A5%BC%E6%A2%A6", &r);
    assert_int_equal(r.status, 200);
    if (!strstr(r.body, "\"total_records\":2"))
        fail_msg("%s", r.body);
    assert_non_null(strstr(r.body, "\"clusters\":1"));
    assert_non_null(strstr(r.body, "\"held_by\":2"));
    /* the hit leads to the display record: u001 (record 1), which has a
       publisher and place */
    assert_non_null(strstr(r.body, "\"display\":1"));
    assert_non_null(strstr(r.body, "\"display_title\":\"红楼梦\""));
    tc_resp_free(&r);
    /* the filters of /api/search: years (1982) and facets */
    tc_get(&f->srv, "/api/union/search?q=%E7%BA%A2%E6%A5%BC%E6%A2%A6&from=1990",
           &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"clusters\":0"));
    tc_resp_free(&r);
    tc_get(&f->srv,
           "/api/union/search?q=%E7%BA%A2%E6%A5%BC%E6%A2%A6&from=1980&to=1985"
           "&facet=library:%E4%B8%8A%E6%B5%B7%E5%9B%BE%E4%B9%A6%E9%A6%86",
           &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"total_records\":1"));
    assert_non_null(strstr(r.body, "\"clusters\":1"));
    assert_non_null(strstr(r.body, "\"held_by\":2"));
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/union/search?q=a&from=19x", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "'from'"));
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/union/search?q=a&to=99999", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "'to'"));
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/union/search?q=a&facet=library", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "'facet'"));
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/clusters/2", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":1"));
    assert_non_null(strstr(r.body, "\"href\":\"/api/records/1\""));
    assert_non_null(strstr(r.body, "isbn:9787020002207"));
    /* no library register in this home: libraries as written */
    assert_non_null(strstr(r.body, "\"library_code\":null"));
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/clusters/999", &r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "record 999"));
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/clusters/x1", &r);
    assert_int_equal(r.status, 400);
    tc_resp_free(&r);
    tc_get(&f->srv, "/api/union/search?q=a&size=0", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "size"));
    tc_resp_free(&r);
}

/* YAZ's own SRU client, as a librarian would use it. */
static void yaz_client(void **state)
{
    struct fx *f = *state;
    char *dir = wy_test_tmpdir();
    struct wy_buf cmds = WY_BUF_INIT(4096), cmd = WY_BUF_INIT(4096);
    wy_path_join(&cmds, dir, "cmds");
    FILE *fp = fopen(wy_buf_cstr(&cmds), "w");
    assert_non_null(fp);
    fprintf(fp,
            "sru get 1.2\nopen http://127.0.0.1:%u/sru\n"
            "querytype cql\nfind dc.title=\"红楼梦\"\nshow 1\n"
            "find dc.nosuch=x\nquit\n",
            f->srv.port);
    fclose(fp);
    wy_buf_addf(&cmd, "yaz-client -f '%s' </dev/null 2>&1", wy_buf_cstr(&cmds));
    char *out = NULL;
    wy_test_run(wy_buf_cstr(&cmd), &out);
    if (!strstr(out, "Number of hits: 2"))
        fail_msg("yaz-client said: %s", out);
    assert_non_null(strstr(out, "曹雪芹"));
    assert_non_null(strstr(out, "Unsupported index"));
    free(out);
    wy_buf_release(&cmds);
    wy_buf_release(&cmd);
    wy_test_rmdir(dir);
}

static void cql_mapping(void **state)
{
    (void)state;
    struct idx_query q = IDX_QUERY_INIT;
    struct sru_diag d = {0, NULL};
    char *text = NULL;
    assert_int_equal(sru_cql_to_query("dc.title all \"AND 红楼梦\" and "
                                      "dc.date>=1700 and dc.date<=1800 "
                                      "sortby dc.date/sort.descending",
                                      &q, &text, &d),
                     0);
    assert_string_equal(text, "(title:and AND title:红楼梦)");
    assert_int_equal(q.from_year, 1700);
    assert_int_equal(q.to_year, 1800);
    assert_int_equal(q.sort, IDX_SORT_DATE_DESC);
    free(text);
    assert_int_equal(sru_cql_to_query("bath.isbn=7-02-000220-X or "
                                      "cql.anywhere adj \"a b\"",
                                      &q, &text, &d),
                     0);
    assert_string_equal(text, "((isbn:7-02-000220-x) OR (\"a b\"))");
    free(text);
    assert_int_equal(sru_cql_to_query("x not y", &q, &text, &d), 0);
    assert_string_equal(text, "((x) AND NOT (y))");
    free(text);
    assert_int_equal(sru_cql_to_query("(", &q, &text, &d), 10);
    free(d.details);
}

WY_GROUP(sru, NULL, NULL, cmocka_unit_test(cql_mapping),
         cmocka_unit_test_setup_teardown(search_retrieve, setup, teardown),
         cmocka_unit_test_setup_teardown(diagnostics, setup, teardown),
         cmocka_unit_test_setup_teardown(explain, setup, teardown),
         cmocka_unit_test_setup_teardown(union_api, setup, teardown),
         cmocka_unit_test_setup_teardown(yaz_client, setup, teardown))
