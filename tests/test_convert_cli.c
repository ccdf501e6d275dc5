/* tests/test_convert_cli.c: `wenyuan convert` and `wenyuan show` as a user
   runs them: exit statuses, messages on stderr naming file, record and
   offset, whole-or-nothing output, stdin/stdout, detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "harness.h"

static char *tmp;

static int setup(void **state)
{
    (void)state;
    tmp = wy_test_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wy_test_rmdir(tmp);
    tmp = NULL;
    return 0;
}

/* Runs "wenyuan ARGS" in the shell; stdout into *out, stderr into *errout. */
static int run(const char *args, char **out, char **errout)
{
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&cmd, "%s %s 2>%s/stderr", wy_test_bin(), args, tmp);
    int st = wy_test_run(wy_buf_cstr(&cmd), out);
    wy_buf_release(&cmd);
    if (errout) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/stderr", tmp);
        *errout = wy_test_slurp(path, NULL);
    }
    return st;
}

static int exists(const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    return stat(path, &st) == 0;
}

static void bad_records_reported_and_skipped(void **state)
{
    (void)state;
    char args[8192], *out, *err;
    snprintf(args, sizeof(args),
             "convert --from marc21 --to marcxml %s %s/o.xml",
             wy_fixture("records/pymarc/bad_records.mrc"), tmp);
    assert_int_equal(run(args, &out, &err), 1);
    /* each bad record on its own line with file, record and offset */
    assert_non_null(strstr(err, "bad_records.mrc: record 2 at byte 127: base "
                                "address 99937 is outside the record"));
    assert_non_null(strstr(err, "bad_records.mrc: record 7 at byte 764: the "
                                "record has no fields"));
    assert_non_null(strstr(err, "2 records converted, 6 bad records skipped"));
    free(out);
    free(err);
    /* the good records were written, whole */
    snprintf(args, sizeof(args), "%s/o.xml", tmp);
    char *xml = wy_test_slurp(args, NULL);
    size_t n = 0;
    for (const char *p = xml; (p = strstr(p, "<record>")); p++)
        n++;
    assert_int_equal(n, 2);
    assert_non_null(strstr(xml, "</collection>\n"));
    free(xml);
    assert_false(exists("o.xml.tmp"));
}

static void failure_leaves_nothing(void **state)
{
    (void)state;
    char args[8192], *out, *err;
    /* an unreadable input: no OUT, no OUT.tmp */
    snprintf(args, sizeof(args), "convert --to marcxml %s/missing.mrc %s/n.xml",
             tmp, tmp);
    assert_int_equal(run(args, &out, &err), 1);
    assert_non_null(strstr(err, "wenyuan convert: cannot open '"));
    assert_false(exists("n.xml"));
    assert_false(exists("n.xml.tmp"));
    free(out);
    free(err);
    /* a format that cannot be written into an existing OUT: left as it was */
    snprintf(args, sizeof(args), "printf keep > %s/k.xml", tmp);
    assert_int_equal(wy_test_run(args, NULL), 0);
    snprintf(args, sizeof(args), "convert --to mets %s %s/k.xml",
             wy_fixture("records/pymarc/one.dat"), tmp);
    assert_int_equal(run(args, &out, &err), 2);
    assert_non_null(strstr(err, "the 'mets' format cannot be written"));
    free(out);
    free(err);
    snprintf(args, sizeof(args), "%s/k.xml", tmp);
    char *kept = wy_test_slurp(args, NULL);
    assert_string_equal(kept, "keep");
    free(kept);
    assert_false(exists("k.xml.tmp"));
}

/* A stale OUT.tmp left by a crash, even a symlink, is replaced and never
   written through. */
static void stale_tmp_not_followed(void **state)
{
    (void)state;
    char args[8192], *out, *err;
    snprintf(args, sizeof(args), "ln -s %s/victim %s/s.xml.tmp", tmp, tmp);
    assert_int_equal(wy_test_run(args, NULL), 0);
    snprintf(args, sizeof(args), "convert %s %s/s.xml",
             wy_fixture("records/pymarc/one.dat"), tmp);
    assert_int_equal(run(args, &out, &err), 0);
    free(out);
    free(err);
    assert_true(exists("s.xml"));
    assert_false(exists("victim"));
    assert_false(exists("s.xml.tmp"));
}

static void usage_errors(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("convert --to nosuch", &out, &err), 2);
    assert_non_null(strstr(err, "unknown format 'nosuch'"));
    free(out);
    free(err);
    assert_int_equal(run("convert --help", &out, NULL), 0);
    assert_non_null(strstr(out, "marc21"));
    assert_non_null(strstr(out, "unimarc"));
    free(out);
    assert_int_equal(run("show --help", &out, NULL), 0);
    free(out);
}

/* stdin to stdout, format detected; MARC 21 -> MARCXML -> MARC 21 through
   pipes gives the UTF-8 record's bytes back. */
static void pipes_and_detection(void **state)
{
    (void)state;
    const char *in = wy_fixture("records/pymarc/diacritic.dat");
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&cmd, "%s convert < %s | %s convert --to marc21", wy_test_bin(),
                in, wy_test_bin());
    char *out;
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), &out), 0);
    size_t n;
    char *want = wy_test_slurp(in, &n);
    assert_int_equal(strlen(out), n);
    assert_memory_equal(out, want, n);
    free(out);
    free(want);
    wy_buf_release(&cmd);

    /* JSON Lines: one object per record, MARC-in-JSON fields */
    char args[4096];
    snprintf(args, sizeof(args), "convert --to json %s",
             wy_fixture("records/pymarc/test.dat"));
    assert_int_equal(run(args, &out, NULL), 0);
    size_t lines = 0;
    for (const char *p = out; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 10);
    assert_non_null(strstr(out, "{\"leader\":\"00755cam a22002414a 4500\","
                                "\"fields\":[{\"001\":\"fol05731351 \"}"));
    assert_non_null(strstr(out, "\"desc\":{\"id\":\"fol05731351 \""));
    free(out);
}

/* show prints yaz-marcdump's line format (compared with YAZ's dump of the
   same file, leader/09 aside), then the description. */
static void show_like_yaz(void **state)
{
    (void)state;
    char args[4096], *out;
    snprintf(args, sizeof(args), "show --marc-only %s",
             wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"));
    assert_int_equal(run(args, &out, NULL), 0);
    size_t n;
    char *want = wy_test_slurp(
        wy_srcpath("tests/fixtures/yaz/dp2-bnu-cnmarc-10.iso.line"), &n);
    assert_string_equal(out, want);
    free(out);
    free(want);

    snprintf(args, sizeof(args), "show %s",
             wy_fixture("records/pymarc/one.dat"));
    assert_int_equal(run(args, &out, NULL), 0);
    assert_non_null(
        strstr(out, "00755cam a22002414a 4500\n001 fol05731351 \n"));
    assert_non_null(strstr(out, "245 10 $a ActivePerl with ASP and ADO / $c "
                                "Tobias Martinsson.\n"));
    assert_non_null(strstr(out, "-- description\n"));
    assert_non_null(strstr(out, "ActivePerl with ASP and ADO"));
    free(out);

    char *err;
    snprintf(args, sizeof(args), "show %s",
             wy_fixture("records/pymarc/regression45.dat"));
    assert_int_equal(run(args, &out, &err), 1);
    assert_non_null(strstr(err, "regression45.dat: record 11 at byte 41613: "
                                "field 752"));
    free(out);
    free(err);
}

WY_GROUP(convert_cli, setup, teardown,
         cmocka_unit_test(bad_records_reported_and_skipped),
         cmocka_unit_test(failure_leaves_nothing),
         cmocka_unit_test(stale_tmp_not_followed),
         cmocka_unit_test(usage_errors), cmocka_unit_test(pipes_and_detection),
         cmocka_unit_test(show_like_yaz))
