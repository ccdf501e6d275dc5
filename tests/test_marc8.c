/* tests/test_marc8.c: MARC-8 records (leader/09 blank) come out as UTF-8
   through YAZ's converter, checked against YAZ's own dumps committed once
   in tests/fixtures/yaz/ and against strings the fixtures' sources state. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "formats/format.h"
#include "formats/line.h"
#include "harness.h"

/* Reads a fixture and dumps every good record in the line format; returns
   the number of bad records and the first message. */
static size_t dump(const char *rel, struct wy_buf *out, char **first_bad)
{
    size_t n, bad = 0;
    char *buf = wy_test_slurp(wy_fixture(rel), &n);
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    assert_int_equal(
        fmt_reader_open_mem(&r, &marc21_handler, buf, n, rel, &err), WY_OK);
    for (;;) {
        struct wy_record *rec;
        wy_code rc = fmt_reader_next(r, &rec, &err);
        if (rc == WY_EOF)
            break;
        if (rc != WY_OK) {
            assert_int_equal(rc, WY_EFORMAT);
            if (first_bad && !*first_bad)
                *first_bad = strdup(wy_err_msg(&err));
            wy_err_release(&err);
            bad++;
            continue;
        }
        assert_int_equal(rec->leader[9], 'a');
        line_write_marc(rec, out);
        wy_buf_addc(out, '\n');
    }
    fmt_reader_free(r);
    free(buf);
    return bad;
}

/* Our dump equals YAZ's, except leader/09 (YAZ prints it as read). */
static void same_as_yaz(const char *rel, const char *expected)
{
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(dump(rel, &out, NULL), 0);
    size_t wn;
    char *want = wy_test_slurp(wy_srcpath(expected), &wn);
    /* leader lines: the first line and every line after an empty one */
    for (size_t i = 0; i < wn; i++)
        if ((i == 0 || (i >= 1 && want[i - 1] == '\n' && i >= 2 &&
                        want[i - 2] == '\n')) &&
            i + 9 < wn && want[i + 9] == ' ')
            want[i + 9] = 'a';
    if (out.len != wn || memcmp(out.p, want, wn)) {
        size_t k = 0;
        while (k < wn && k < out.len && out.p[k] == want[k])
            k++;
        fail_msg("%s differs from %s at byte %zu: ours '%.60s' yaz '%.60s'",
                 rel, expected, k, out.p + k, want + k);
    }
    free(want);
    wy_buf_release(&out);
}

static void marc8_matches_yaz(void **state)
{
    (void)state;
    same_as_yaz("records/pymarc/marc8.dat",
                "tests/fixtures/yaz/marc8.dat.line");
    same_as_yaz("records/pymarc/test.dat", "tests/fixtures/yaz/test.dat.line");
}

/* EACC (CJK) through YAZ: the ten OCLC/RLIN records with Japanese 880s. */
static void eacc_cjk_matches_yaz(void **state)
{
    (void)state;
    same_as_yaz("records/xbib-marc/IRMARC8.bin",
                "tests/fixtures/yaz/IRMARC8.bin.line");
    /* pymarc expects an error for this record; YAZ decodes it, as we do */
    same_as_yaz("records/pymarc/bad_eacc_encoding.dat",
                "tests/fixtures/yaz/bad_eacc_encoding.dat.line");
}

/* Strings the fixtures' SOURCE.txt states. */
static void known_strings(void **state)
{
    (void)state;
    size_t n;
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/marc8.dat"), &n);
    assert_int_equal(
        fmt_reader_open_mem(&r, &marc21_handler, buf, n, "m", &err), WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    /* "communauté" with the ANSEL combining marks moved after their base
       letters: U+0300 and U+0301 */
    assert_string_equal(wy_record_subfield(rec, "240", 'a'),
                        "De la solitude a\xcc\x80 la communaute\xcc\x81.");
    fmt_reader_free(r);
    free(buf);

    buf = wy_test_slurp(wy_fixture("records/xbib-marc/IRMARC8.bin"), &n);
    assert_int_equal(
        fmt_reader_open_mem(&r, &marc21_handler, buf, n, "i", &err), WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    const struct wy_field *f = wy_record_field(rec, "880", NULL);
    assert_non_null(f);
    assert_string_equal(wy_field_sub(f, 'a'),
                        "アーツ・アンド・クラフツと日本 =");
    fmt_reader_free(r);
    free(buf);

    buf = wy_test_slurp(wy_fixture("records/pymarc/bad_eacc_encoding.dat"), &n);
    assert_int_equal(
        fmt_reader_open_mem(&r, &marc21_handler, buf, n, "b", &err), WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    f = wy_record_field(rec, "880", NULL);
    assert_non_null(f);
    assert_string_equal(wy_field_sub(f, 'a'), "米国の統治の仕組");
    fmt_reader_free(r);
    free(buf);
}

static void bad_escape_is_an_error(void **state)
{
    (void)state;
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char *msg = NULL;
    assert_int_equal(dump("records/pymarc/bad_marc8_escape.dat", &out, &msg),
                     1);
    /* the first bad escape: "Soci\x1bt\xe2e" at byte 647 */
    assert_non_null(strstr(msg, "bad_marc8_escape.dat: record 1 at byte 0: "
                                "field 222 $a: invalid MARC-8 at byte 647 of "
                                "the record"));
    free(msg);
    msg = NULL;
    /* Windows-1251 text with leader/09 blank is neither MARC-8 nor UTF-8 */
    assert_int_equal(dump("records/pymarc/1251.dat", &out, &msg), 6);
    assert_non_null(strstr(msg, "record 1 at byte 0: field 245 $a: invalid "
                                "MARC-8 at byte"));
    free(msg);
    wy_buf_release(&out);
}

/* The same record with and without leader/09 'a': a record whose bytes
   are all well-formed UTF-8 and hold no escape is read as UTF-8. */
static void unflagged_utf8(void **state)
{
    (void)state;
    struct wy_buf a = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(dump("records/pymarc/utf8_with_leader_flag.dat", &a, NULL),
                     0);
    assert_int_equal(
        dump("records/pymarc/utf8_without_leader_flag.dat", &b, NULL), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_non_null(strstr(a.p, "communaute\xcc\x81"));
    wy_buf_release(&a);
    wy_buf_release(&b);
}

/* MARC-8 in, UTF-8 ISO 2709 out: leader/09 'a', and reading that output
   gives the same fields again. */
static void converted_output_is_utf8(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/xbib-marc/IRMARC8.bin"), &n);
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    struct wy_buf iso = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf d1 = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf d2 = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(
        fmt_reader_open_mem(&r, &marc21_handler, buf, n, "i", &err), WY_OK);
    while (fmt_reader_next(r, &rec, &err) == WY_OK) {
        assert_int_equal(marc21_handler.write(rec, &iso, &err), WY_OK);
        memset(rec->leader, '0', 5); /* lengths change with UTF-8 */
        memset(rec->leader + 12, '0', 5);
        line_write_marc(rec, &d1);
    }
    fmt_reader_free(r);
    assert_int_equal(iso.p[9], 'a');
    assert_int_equal(
        fmt_reader_open_mem(&r, &marc21_handler, iso.p, iso.len, "o", &err),
        WY_OK);
    while (fmt_reader_next(r, &rec, &err) == WY_OK) {
        memset(rec->leader, '0', 5);
        memset(rec->leader + 12, '0', 5);
        line_write_marc(rec, &d2);
    }
    assert_int_equal(fmt_reader_count(r), 10);
    fmt_reader_free(r);
    assert_int_equal(d1.len, d2.len);
    assert_memory_equal(d1.p, d2.p, d1.len);
    wy_buf_release(&iso);
    wy_buf_release(&d1);
    wy_buf_release(&d2);
    free(buf);
}

WY_GROUP(marc8, NULL, NULL, cmocka_unit_test(marc8_matches_yaz),
         cmocka_unit_test(eacc_cjk_matches_yaz),
         cmocka_unit_test(known_strings),
         cmocka_unit_test(bad_escape_is_an_error),
         cmocka_unit_test(unflagged_utf8),
         cmocka_unit_test(converted_output_is_utf8))
