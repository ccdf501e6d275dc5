/* tests/test_profile.c: collection metadata profiles. Records: the
   ancient-book records of tests/fixtures/union/guji.xml (expected findings
   written from their fields, listed below) and the ten real BNU CNMARC
   records of ../shared/fixtures/records/derived (modern books: what the 古籍
   profile must find missing follows from their yaz-marcdump listing: no 卷,
   no 205, 701 $4 主编 in records 1, 3, 9, 10, no 905 in record 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "svc_client.h"

#include "core/buf.h"
#include "core/path.h"
#include "formats/format.h"
#include "repository/home.h"
#include "repository/import.h"
#include "repository/profile.h"
#include "repository/profile_report.h"

/* The findings of record `which` (1-based) of path, as "key:kind" lines,
   kind "missing"/"malformed"/"repeated". */
static char *findings(const char *prof, const char *path, size_t which)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    size_t len;
    char *data = wy_test_slurp(path, &len);
    assert_int_equal(fmt_reader_open_mem(&r, NULL, data, len, path, &err),
                     WY_OK);
    struct wy_record *rec = NULL;
    for (size_t i = 0; i < which; i++)
        assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    struct prof_result res = PROF_RESULT_INIT;
    assert_int_equal(prof_check(prof_find(prof), rec, &res, &err), WY_OK);
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (size_t i = 0; i < res.n; i++)
        wy_buf_addf(&b, "%s:%s:%s\n", res.issues[i].element->key,
                    res.issues[i].severity == PROF_ERROR ? "E" : "W",
                    !strncmp(res.issues[i].msg, "missing", 7)     ? "missing"
                    : !strncmp(res.issues[i].msg, "malformed", 9) ? "malformed"
                                                                  : "repeated");
    prof_result_release(&res);
    fmt_reader_free(r);
    free(data);
    return wy_buf_take(&b, NULL);
}

static void guji_records(void **state)
{
    (void)state;
    const char *path = wy_srcpath("tests/fixtures/union/guji.xml");
    char *s = findings("guji", path, 1);
    /* gj0001 has every census element: 245 $n 二百卷, (清)纪昀 撰, 250
       武英殿刻本, 清乾隆五十四年, 500 题跋, 563 线装, 852 $h $p */
    assert_string_equal(s, "");
    free(s);
    s = findings("guji", path, 2);
    /* gj0002: no 卷 anywhere, $e author, no 批校题跋/装帧, census 31-0001 */
    assert_string_equal(s, "juan:E:missing\nrole:E:malformed\n"
                           "pijiao:W:missing\nbinding:W:missing\n"
                           "census:E:malformed\n");
    free(s);
    s = findings("guji", path, 3);
    /* gj0003: 佚名 without dynasty or role, 年代不详, no 852 */
    assert_string_equal(s, "dynasty:E:missing\nrole:E:missing\n"
                           "edition_date:E:malformed\npijiao:W:missing\n"
                           "binding:W:missing\ncallno:E:missing\n"
                           "census:W:missing\n");
    free(s);
}

static void cnmarc_against_guji(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct prof_batch b;
    assert_int_equal(prof_batch_init(&b, prof_find("guji"), &err), WY_OK);
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    const char *path = wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso");
    assert_int_equal(prof_report_file(path, NULL, &b, &out, &err), WY_OK);
    assert_int_equal(b.records, 10);
    assert_int_equal(b.with_errors, 10);
    const struct prof_profile *p = b.profile;
    for (size_t i = 0; i < p->nelements; i++) {
        const char *k = p->elements[i].key;
        if (!strcmp(k, "juan") || !strcmp(k, "edition") ||
            !strcmp(k, "dynasty"))
            assert_int_equal(b.missing[i], 10);
        if (!strcmp(k, "role")) {
            assert_int_equal(b.missing[i], 0);   /* 200 $f ...编 */
            assert_int_equal(b.malformed[i], 4); /* 701 $4 主编 */
        }
        if (!strcmp(k, "callno"))
            assert_int_equal(b.missing[i], 1); /* the 电子资源 record */
        if (!strcmp(k, "title"))
            assert_int_equal(b.missing[i], 0);
    }
    assert_non_null(strstr(wy_buf_cstr(&out),
                           "record 4 (9910637057203961): error: 索书号 "
                           "(callno): missing (required element)"));
    assert_non_null(strstr(wy_buf_cstr(&out), "'主编'"));
    wy_buf_reset(&out);
    prof_batch_summary(&b, &out);
    assert_non_null(strstr(wy_buf_cstr(&out),
                           "10 records checked, 0 clean, 10 with errors"));
    prof_batch_release(&b);

    /* 地方文献: 210 $a and 606 $y 中国 everywhere but in record 4 */
    assert_int_equal(prof_batch_init(&b, prof_find("difangwenxian"), &err),
                     WY_OK);
    wy_buf_reset(&out);
    assert_int_equal(prof_report_file(path, NULL, &b, &out, &err), WY_OK);
    assert_int_equal(b.with_errors, 1);
    assert_non_null(strstr(wy_buf_cstr(&out), "record 4 (9910637057203961): "
                                              "error: 地点 (place)"));
    prof_batch_release(&b);
    wy_buf_release(&out);
}

static void errors_name_the_place(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct prof_batch b;
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(prof_batch_init(&b, prof_find("guji"), &err), WY_OK);
    assert_int_equal(
        prof_report_file("/nonexistent/x.mrc", NULL, &b, &out, &err), WY_EIO);
    assert_err(&err, WY_EIO, "/nonexistent/x.mrc");
    wy_err_release(&err);
    assert_int_equal(
        prof_report_file(wy_srcpath("tests/fixtures/union/guji.xml"), "nosuch",
                         &b, &out, &err),
        WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'nosuch'");
    wy_err_release(&err);
    prof_batch_release(&b);
    wy_buf_release(&out);
    assert_null(prof_find("nosuch"));
    assert_null(prof_find(NULL));
}

/* The per-batch report over what an import wrote to the catalog. */
static void report_over_a_batch(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    char *dir = wy_test_tmpdir();
    struct wy_buf home = WY_BUF_INIT(4096);
    wy_path_join(&home, dir, "home");
    assert_int_equal(home_init(wy_buf_cstr(&home), &err), WY_OK);
    struct wy_home *h = NULL;
    assert_int_equal(home_open(&h, wy_buf_cstr(&home), 0, &err), WY_OK);
    struct cat_import_opts o = {0};
    o.collection = "guji";
    struct cat_import_stats st = {0};
    assert_int_equal(
        cat_import_file(h->cat, wy_srcpath("tests/fixtures/union/guji.xml"), &o,
                        &st, &err),
        WY_OK);
    /* records of a collection without a profile are not checked */
    o.collection = NULL;
    assert_int_equal(
        cat_import_file(h->cat,
                        wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"), &o,
                        &st, &err),
        WY_OK);
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    size_t checked = 0, bad = 0;
    assert_int_equal(prof_report_changes(h->cat, 0, &out, &checked, &bad, &err),
                     WY_OK);
    assert_int_equal(checked, 3);
    assert_int_equal(bad, 2);
    assert_non_null(
        strstr(wy_buf_cstr(&out), "local:gj0002: error: 卷数 (juan)"));
    assert_non_null(strstr(
        wy_buf_cstr(&out),
        "profile guji (古籍): 3 records checked, 1 clean, 2 with errors"));
    /* an empty batch reports nothing */
    int64_t seq = 0;
    assert_int_equal(cat_last_seq(h->cat, &seq, &err), WY_OK);
    wy_buf_reset(&out);
    assert_int_equal(
        prof_report_changes(h->cat, seq, &out, &checked, &bad, &err), WY_OK);
    assert_int_equal(checked, 0);
    assert_string_equal(wy_buf_cstr(&out), "");
    wy_buf_release(&out);
    home_close(h);

    /* the command line: import prints the report, check fails on errors */
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&cmd, "%s -H '%s' import --collection guji '%s' 2>/dev/null",
                wy_test_bin(), wy_buf_cstr(&home),
                wy_srcpath("tests/fixtures/union/guji.xml"));
    char *txt = NULL;
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &txt), 0);
    assert_non_null(strstr(txt, "3 records: 0 added, 0 updated, 3 unchanged"));
    free(txt);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s profile check --collection guji '%s'", wy_test_bin(),
                wy_srcpath("tests/fixtures/union/guji.xml"));
    assert_int_not_equal(wy_test_run(wy_buf_cstr(&cmd), &txt), 0);
    assert_non_null(
        strstr(txt, "record 3 (gj0003): error: 索书号 (callno): missing"));
    free(txt);
    wy_buf_release(&cmd);
    wy_buf_release(&home);
    wy_test_rmdir(dir);
}

/* A harvest batch gets the same report (and clustering): a partner's
   OAI-PMH provider (our own service over a home holding guji.xml) is
   harvested into a source whose records go to collection guji. */
static void report_after_harvest(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    char *dir = wy_test_tmpdir();
    struct wy_buf a = WY_BUF_INIT(4096), b = WY_BUF_INIT(4096);
    wy_path_join(&a, dir, "partner");
    wy_path_join(&b, dir, "union");
    assert_int_equal(home_init(wy_buf_cstr(&a), &err), WY_OK);
    assert_int_equal(home_init(wy_buf_cstr(&b), &err), WY_OK);
    struct wy_home *h = NULL;
    assert_int_equal(home_open(&h, wy_buf_cstr(&a), 0, &err), WY_OK);
    struct cat_import_opts o = {0};
    o.collection = "guji";
    struct cat_import_stats st = {0};
    assert_int_equal(
        cat_import_file(h->cat, wy_srcpath("tests/fixtures/union/guji.xml"),
                        &o, &st, &err),
        WY_OK);
    home_close(h);
    struct tc_srv srv;
    tc_srv_start(&srv, wy_buf_cstr(&a));
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&cmd,
                "%s -H '%s' source add partner http://127.0.0.1:%u/oai "
                "--collection guji >/dev/null && %s -H '%s' harvest partner "
                "2>/dev/null",
                wy_test_bin(), wy_buf_cstr(&b), srv.port, wy_test_bin(),
                wy_buf_cstr(&b));
    char *out = NULL;
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    if (!strstr(out, "profile guji (古籍): 3 records checked, 1 clean, 2 "
                     "with errors"))
        fail_msg("harvest said: %s", out);
    /* records are named by source and OAI identifier */
    assert_non_null(strstr(out, "partner:oai:"));
    assert_non_null(
        strstr(out, ": error: 卷数 (juan): missing (required element)"));
    assert_non_null(strstr(out, "clusters: 3 changes clustered"));
    free(out);
    tc_srv_stop(&srv);
    wy_buf_release(&cmd);
    wy_buf_release(&a);
    wy_buf_release(&b);
    wy_test_rmdir(dir);
}

WY_GROUP(profile, NULL, NULL, cmocka_unit_test(guji_records),
         cmocka_unit_test(cnmarc_against_guji),
         cmocka_unit_test(errors_name_the_place),
         cmocka_unit_test(report_over_a_batch),
         cmocka_unit_test(report_after_harvest))
