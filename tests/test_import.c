/* tests/test_import.c: importing real catalogue records (MARC 21, UNIMARC,
   MARCXML, MODS, DC fixtures from ../shared/fixtures) into the catalog.
   Expected identifiers and titles come from YAZ's dumps committed in
   tests/fixtures/yaz (the independent reference), changed records are made
   with yaz-marcdump, never with our own writers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/path.h"
#include "repository/catalog.h"
#include "repository/import.h"

struct fx {
    char *dir;
    struct cat *cat;
    struct wy_log log;
    struct wy_buf lines;     /* what the log said */
};

static void hook(void *ctx, enum wy_level lv, const char *msg)
{
    (void)lv;
    struct wy_buf *b = ctx;
    wy_buf_adds(b, msg);
    wy_buf_addc(b, '\n');
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    char p[4096];
    snprintf(p, sizeof(p), "%s/catalog.db", f->dir);
    if (cat_open(&f->cat, p, CAT_CREATE, &err) || cat_seed(f->cat, &err))
        fail_msg("%s", wy_err_msg(&err));
    wy_log_init(&f->log, NULL, WY_LOG_DEBUG);
    wy_buf_init(&f->lines, 1u << 20);
    f->log.hook = hook;
    f->log.hook_ctx = &f->lines;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cat_close(f->cat);
    wy_buf_release(&f->lines);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

static struct cat_import_stats import(struct fx *f, const char *path,
                                      const char *source,
                                      const char *collection,
                                      const char *format)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_import_opts o = {source, collection, format, 3, &f->log};
    struct cat_import_stats st = {0};
    if (cat_import_file(f->cat, path, &o, &st, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    return st;
}

/* The value of the first line "TAG ..." of record n (1-based) in a YAZ
   line dump, after the tag and indicators. */
static char *yaz_value(const char *dump, int n, const char *tag)
{
    char *text = wy_test_slurp(wy_srcpath(dump), NULL);
    char *p = text, *res = NULL;
    int rec = 0;
    while (p && *p) {
        char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len >= 24 && p[3] != ' ' && rec >= 0 &&
            (p == text || p[-1] == '\n') && strspn(p, "0123456789") >= 5 &&
            len == 24)
            rec++;
        if (rec == n && len > 4 && !strncmp(p, tag, 3) && p[3] == ' ') {
            res = strndup(p + 4, len - 4);
            break;
        }
        p = eol ? eol + 1 : NULL;
    }
    free(text);
    if (!res)
        fail_msg("no %s in record %d of %s", tag, n, dump);
    return res;
}

static void marc21_import_is_idempotent(void **state)
{
    struct fx *f = *state;
    const char *path = wy_fixture("records/pymarc/test.dat");
    struct cat_import_stats st = import(f, path, NULL, NULL, NULL);
    assert_int_equal(st.records, 10);
    assert_int_equal(st.added, 10);
    assert_int_equal(st.bad, 0);
    st = import(f, path, NULL, NULL, NULL);
    assert_int_equal(st.unchanged, 10);
    assert_int_equal(st.added + st.updated, 0);
    /* record 2 as YAZ reads it: 001 "fol05754809 " (trailing blank) */
    char *id = yaz_value("tests/fixtures/yaz/test.dat.line", 2, "001");
    assert_string_equal(id, "fol05754809 ");
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->cat, NULL, "fol05754809",
                                             CAT_LOAD_ALL, &r, &err), WY_OK);
    free(id);
    assert_string_equal(r->orig_format, "marc21");
    struct wy_record *m = NULL;
    assert_int_equal(cat_record_model(r, &m, &err), WY_OK);
    char *t = yaz_value("tests/fixtures/yaz/test.dat.line", 2, "245");
    /* "10 $a Programming the Perl DBI / $c ..." */
    assert_non_null(strstr(t, wy_record_subfield(m, "245", 'a')));
    free(t);
    wy_record_free(m);
    cat_record_free(r);
    int64_t seq;
    assert_int_equal(cat_last_seq(f->cat, &seq, &err), WY_OK);
    assert_int_equal(seq, 10);
}

static void changed_and_deleted_records(void **state)
{
    struct fx *f = *state;
    /* base: test.dat through yaz-marcdump; changed: one title edited and
       one record's status (leader/05) set to 'd' */
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && yaz-marcdump -o marcxml '%s' > a.xml && "
             "yaz-marcdump -i marcxml -o marc a.xml > base.mrc && "
             "sed -e 's/Programming the Perl DBI/Programming the Perl DBI, "
             "2nd ed./' -e '0,/<leader>00755cam/s//<leader>00755dam/' a.xml "
             "> b.xml && yaz-marcdump -i marcxml -o marc b.xml > changed.mrc",
             f->dir, wy_fixture("records/pymarc/test.dat"));
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    char base[4200], changed[4200];
    snprintf(base, sizeof(base), "%s/base.mrc", f->dir);
    snprintf(changed, sizeof(changed), "%s/changed.mrc", f->dir);
    struct cat_import_stats st = import(f, base, "lib1", NULL, NULL);
    assert_int_equal(st.added, 10);
    st = import(f, changed, "lib1", NULL, NULL);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.deleted, 1);
    assert_int_equal(st.unchanged, 8);
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->cat, "lib1", "fol05731351", 0,
                                             &r, &err), WY_OK);
    assert_true(r->deleted);
    cat_record_free(r);
    assert_int_equal(cat_get_record_by_local(f->cat, "lib1", "fol05754809",
                                             CAT_LOAD_ALL, &r, &err), WY_OK);
    assert_non_null(strstr(r->model_json, "2nd ed."));
    cat_record_free(r);
    /* the same file through MARCXML, forced with --from */
    char xml[4200];
    snprintf(xml, sizeof(xml), "%s/b.xml", f->dir);
    st = import(f, xml, "lib2", NULL, "marcxml");
    assert_int_equal(st.added, 9);
    assert_int_equal(st.deleted, 1);
}

static void unimarc_into_a_collection(void **state)
{
    struct fx *f = *state;
    struct cat_import_stats st =
        import(f, wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"), "bnu",
               "guji", NULL);
    assert_int_equal(st.added, 10);
    char *id = yaz_value("tests/fixtures/yaz/dp2-bnu-cnmarc-10.iso.line", 1,
                         "001");
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->cat, "bnu", id, CAT_LOAD_ALL,
                                             &r, &err), WY_OK);
    free(id);
    assert_string_equal(r->collection, "guji");
    assert_string_equal(r->orig_format, "unimarc");
    /* 200 $a '94中国发展报告 (YAZ) is the main title of the view */
    assert_non_null(strstr(r->desc_json, "\"titles\":[\"'94中国发展报告"));
    cat_record_free(r);
    struct cat_list_query q = {.set = "guji"};
    int64_t n;
    assert_int_equal(cat_count(f->cat, &q, &n, &err), WY_OK);
    assert_int_equal(n, 10);
}

static void xml_formats_detected(void **state)
{
    struct fx *f = *state;
    struct cat_import_stats st =
        import(f, wy_fixture("records/pymarc/batch.xml"), NULL, NULL, NULL);
    assert_int_equal(st.added, 2);
    st = import(f, wy_fixture("records/harvard-spotlight/mods_sample.xml"),
                "harvard", NULL, NULL);
    assert_int_equal(st.added, 1);
    st = import(f, wy_fixture("records/harvard-spotlight/mods_sample_no_id.xml"),
                "harvard", NULL, NULL);
    assert_int_equal(st.bad, 1);
    assert_non_null(strstr(wy_buf_cstr(&f->lines),
                           "mods_sample_no_id.xml: record 1"));
    assert_non_null(strstr(wy_buf_cstr(&f->lines), "no identifier"));
    st = import(f, wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), "bnu-dc",
                NULL, NULL);
    assert_true(st.added > 0);
    assert_int_equal(st.bad, 0);
}

static void bad_records_are_reported_and_skipped(void **state)
{
    struct fx *f = *state;
    struct cat_import_stats st =
        import(f, wy_fixture("records/pymarc/bad_records.mrc"), NULL, NULL,
               NULL);
    assert_int_equal(st.records, st.bad + st.added);
    assert_true(st.bad >= 6);
    /* every bad record is named with file, number and byte offset */
    const char *log = wy_buf_cstr(&f->lines);
    assert_non_null(strstr(log, "bad_records.mrc: record 2 at byte 127"));
    assert_non_null(strstr(log, "bad_records.mrc: record 6 at byte 637"));
    struct wy_err err = WY_ERR_INIT;
    struct cat_import_opts o = {NULL, "nosuch", NULL, 0, &f->log};
    assert_int_equal(cat_import_file(f->cat, wy_fixture("records/pymarc/"
                                                        "test.dat"),
                                     &o, &st, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "unknown collection 'nosuch'");
    wy_err_release(&err);
    o.collection = NULL;
    o.format = "nosuch";
    assert_int_equal(cat_import_file(f->cat, "x", &o, &st, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "unknown format 'nosuch'");
    wy_err_release(&err);
    o.format = NULL;
    assert_int_equal(cat_import_file(f->cat, "/nonexistent.mrc", &o, &st,
                                     &err), WY_EIO);
    assert_err(&err, WY_EIO, "cannot open '/nonexistent.mrc'");
    wy_err_release(&err);
}

static void cli_import_and_status(void **state)
{
    struct fx *f = *state;
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd),
             "%s init '%s/h' >/dev/null && %s -H '%s/h' import --source bnu "
             "--collection guji '%s' && %s -H '%s/h' status --json",
             wy_test_bin(), f->dir, wy_test_bin(), f->dir,
             wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"),
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "10 records: 10 added, 0 updated, 0 unchanged, "
                                "0 deleted, 0 bad"));
    assert_non_null(strstr(out, "\"by_source\":{\"bnu\":{\"records\":10,"));
    assert_non_null(strstr(out, "\"guji\":{\"records\":10,"));
    free(out);
    /* a bad file is reported, the others are still imported, exit 1 */
    snprintf(cmd, sizeof(cmd),
             "%s -H '%s/h' import /nonexistent.mrc '%s' 2>&1",
             wy_test_bin(), f->dir, wy_fixture("records/pymarc/test.dat"));
    assert_int_equal(wy_test_run(cmd, &out), 1);
    assert_non_null(strstr(out, "cannot open '/nonexistent.mrc'"));
    assert_non_null(strstr(out, "10 records: 10 added"));
    free(out);
}

WY_GROUP(import, NULL, NULL,
         cmocka_unit_test_setup_teardown(marc21_import_is_idempotent, setup, teardown),
         cmocka_unit_test_setup_teardown(changed_and_deleted_records, setup, teardown),
         cmocka_unit_test_setup_teardown(unimarc_into_a_collection, setup, teardown),
         cmocka_unit_test_setup_teardown(xml_formats_detected, setup, teardown),
         cmocka_unit_test_setup_teardown(bad_records_are_reported_and_skipped, setup, teardown),
         cmocka_unit_test_setup_teardown(cli_import_and_status, setup, teardown))
