/* tests/test_iso2709.c: the ISO 2709 reader and writer (MARC 21, UNIMARC)
   on real fixtures, bad records, truncation, recovery and allocation
   failures. Expected counts and places come from the fixtures' SOURCE.txt
   (record counts confirmed there with yaz-marcdump) and from the bytes
   themselves (offsets of record terminators). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "formats/format.h"
#include "formats/iso2709.h"
#include "formats/line.h"
#include "harness.h"

struct tally {
    size_t good, bad;
    char *first_bad; /* message of the first bad record (malloc) */
    int fatal;       /* a non-format error */
};

static void tally_release(struct tally *t)
{
    free(t->first_bad);
}

/* Reads every record of buf with handler h; optionally checks that each
   record writes back to its exact original bytes. */
static void read_mem(const struct fmt_handler *h, const char *buf, size_t n,
                     int check_roundtrip, struct tally *t)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    memset(t, 0, sizeof(*t));
    assert_int_equal(fmt_reader_open_mem(&r, h, buf, n, "test.mrc", &err),
                     WY_OK);
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (;;) {
        struct wy_record *rec;
        wy_code rc = fmt_reader_next(r, &rec, &err);
        if (rc == WY_EOF)
            break;
        if (rc == WY_EFORMAT) {
            if (!t->first_bad)
                t->first_bad = strdup(wy_err_msg(&err));
            wy_err_release(&err);
            t->bad++;
            continue;
        }
        if (rc != WY_OK) {
            t->fatal = 1;
            wy_err_release(&err);
            break;
        }
        t->good++;
        if (check_roundtrip) {
            wy_buf_reset(&out);
            assert_int_equal(h->write(rec, &out, &err), WY_OK);
            assert_int_equal(out.len, rec->orig_len);
            assert_memory_equal(out.p, rec->orig, out.len);
        }
    }
    wy_buf_release(&out);
    fmt_reader_free(r);
}

static void read_file(const struct fmt_handler *h, const char *rel,
                      int check_roundtrip, struct tally *t)
{
    size_t n;
    char *buf = wy_test_slurp(wy_fixture(rel), &n);
    read_mem(h, buf, n, check_roundtrip, t);
    free(buf);
}

static void counts_match_sources(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int unimarc;
        size_t n;
    } c[] = {
        {"records/pymarc/test.dat", 0, 10},
        {"records/pymarc/marc.dat", 0, 20},
        {"records/pymarc/one.dat", 0, 1},
        {"records/xbib-marc/IRMARC8.bin", 0, 10},
        {"records/pymarc/testunimarc.dat", 1, 1},
        {"records/derived/dp2-bnu-cnmarc-10.iso", 1, 10},
        {"records/xbib-marc/periouni.mrc", 1, 3064},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct tally t;
        read_file(c[i].unimarc ? &unimarc_handler : &marc21_handler, c[i].file,
                  0, &t);
        if (t.bad || t.good != c[i].n)
            fail_msg("%s: %zu good, %zu bad (%s)", c[i].file, t.good, t.bad,
                     t.first_bad ? t.first_bad : "");
        tally_release(&t);
    }
}

/* UTF-8 records: reading and writing gives back every record byte for
   byte (leader lengths, base address and directory recomputed). */
static void utf8_records_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int unimarc;
    } c[] = {
        {"records/pymarc/diacritic.dat", 0},
        {"records/pymarc/utf8_with_leader_flag.dat", 0},
        {"records/pymarc/utf8_errors.dat", 0},
        {"records/pymarc/testunimarc.dat", 1},
        {"records/derived/dp2-bnu-cnmarc-10.iso", 1},
        {"records/xbib-marc/periouni.mrc", 1},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct tally t;
        read_file(c[i].unimarc ? &unimarc_handler : &marc21_handler, c[i].file,
                  1, &t);
        assert_true(t.good > 0);
        assert_int_equal(t.bad, 0);
        tally_release(&t);
    }
}

/* pymarc's permissive-reader test lists what is wrong with each record;
   offsets are those of the record terminators in the file. */
static void bad_records_each_named(void **state)
{
    (void)state;
    static const char *const want[] = {
        NULL,
        "record 2 at byte 127: base address 99937 is outside the record",
        "record 3 at byte 254: base address 0 is outside the record",
        "record 4 at byte 381: the directory is 13 bytes, not a multiple",
        "record 5 at byte 509: the directory is 13 bytes",
        "record 6 at byte 637: base address 'f0037' in the leader is not a "
        "number",
        "record 7 at byte 764: the record has no fields",
        NULL,
    };
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/bad_records.mrc"), &n);
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    assert_int_equal(fmt_reader_open_mem(&r, &marc21_handler, buf, n,
                                         "bad_records.mrc", &err),
                     WY_OK);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct wy_record *rec;
        wy_code rc = fmt_reader_next(r, &rec, &err);
        if (!want[i]) {
            assert_int_equal(rc, WY_OK);
            assert_string_equal(wy_record_subfield(rec, "245", 'a'),
                                "The pragmatic programmer : ");
        } else {
            assert_err(&err, WY_EFORMAT, want[i]);
            assert_err(&err, WY_EFORMAT, "bad_records.mrc: ");
            wy_err_release(&err);
        }
    }
    struct wy_record *rec;
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    assert_int_equal(fmt_reader_count(r), 8);
    fmt_reader_free(r);
    free(buf);
}

static void expect_one_bad(const char *rel, const char *needle)
{
    struct tally t;
    read_file(&marc21_handler, rel, 0, &t);
    assert_int_equal(t.bad, 1);
    assert_int_equal(t.good, 0);
    assert_false(t.fatal);
    if (!strstr(t.first_bad, needle))
        fail_msg("%s: '%s' lacks '%s'", rel, t.first_bad, needle);
    tally_release(&t);
}

static void broken_fixtures_rejected(void **state)
{
    (void)state;
    /* the directory's second tag is "0 2" (a shifted directory) */
    expect_one_bad("records/pymarc/bad_indicator.dat",
                   "record 1 at byte 0: directory entry 1: tag '0 2' is "
                   "not three letters or digits");
    /* the 245 $a code became the two-byte "á": the record is one byte
       longer than its leader says */
    expect_one_bad("records/pymarc/bad_subfield_code.dat",
                   "record 1 at byte 0: the leader gives record length 755 "
                   "but the record terminator ends it after 756 bytes");
    /* a U+FFFD replacement character stands where 260's $b code was */
    expect_one_bad("records/pymarc/utf8_invalid.mrc",
                   "record 1 at byte 0: field 260: subfield code '\\xef' at "
                   "byte 497 of the record is not a printable ASCII");
}

static void regression45_752_garbage(void **state)
{
    (void)state;
    struct tally t;
    /* 11 of the 12 records carry a 752 field with a stray byte between the
       indicators and the first subfield (pymarc bug #45) */
    read_file(&marc21_handler, "records/pymarc/regression45.dat", 0, &t);
    assert_int_equal(t.good, 1);
    assert_int_equal(t.bad, 11);
    assert_non_null(strstr(t.first_bad, "record 1 at byte 0: field 752: no "
                                        "subfield delimiter after the "
                                        "indicators (byte 3316"));
    tally_release(&t);
}

/* Boston University's Alma export: 16 records were re-encoded (double
   UTF-8) without fixing their lengths; each is named, the other 84 read. */
static void bu_bibs_lengths(void **state)
{
    (void)state;
    struct tally t;
    read_file(&marc21_handler, "records/catmandu-marc/bu_bibs.mrc", 0, &t);
    assert_int_equal(t.good, 84);
    assert_int_equal(t.bad, 16);
    assert_non_null(strstr(t.first_bad,
                           "record 3 at byte 4435: the leader gives record "
                           "length 1914 but the record terminator ends it "
                           "after 1918 bytes"));
    tally_release(&t);
}

static void alphanumeric_tags(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/alphatag.dat"), &n);
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(fmt_reader_open_mem(&r, NULL, buf, n, "a", &err), WY_OK);
    assert_string_equal(fmt_reader_handler(r)->name, "marc21");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    const struct wy_field *f = wy_record_field(rec, "CAT", NULL);
    assert_non_null(f);
    /* compared with yaz-marcdump's dump of the same file */
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    line_write_marc(rec, &out);
    wy_buf_addc(&out, '\n');
    char *want =
        wy_test_slurp(wy_srcpath("tests/fixtures/yaz/alphatag.dat.line"), &n);
    assert_int_equal(out.len, n);
    want[9] = 'a'; /* leader/09: ours is UTF-8 once read */
    assert_memory_equal(out.p, want, n);
    free(want);
    wy_buf_release(&out);
    fmt_reader_free(r);
    free(buf);
}

static void cnmarc_matches_yaz(void **state)
{
    (void)state;
    size_t n, wn;
    char *buf =
        wy_test_slurp(wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"), &n);
    char *want = wy_test_slurp(
        wy_srcpath("tests/fixtures/yaz/dp2-bnu-cnmarc-10.iso.line"), &wn);
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(fmt_reader_open_mem(&r, NULL, buf, n, "cn", &err), WY_OK);
    assert_string_equal(fmt_reader_handler(r)->name, "unimarc");
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    while (fmt_reader_next(r, &rec, &err) == WY_OK) {
        assert_int_equal(rec->kind, WY_UNIMARC);
        line_write_marc(rec, &out);
        wy_buf_addc(&out, '\n');
    }
    assert_int_equal(fmt_reader_count(r), 10);
    assert_int_equal(out.len, wn);
    assert_memory_equal(out.p, want, wn);
    /* a known Chinese title: 200 $a of the first record */
    wy_buf_release(&out);
    fmt_reader_free(r);
    free(buf);
    free(want);
}

static void detection(void **state)
{
    (void)state;
    static const struct {
        const char *file, *want;
    } c[] = {
        {"records/pymarc/test.dat", "marc21"},
        {"records/pymarc/marc8.dat", "marc21"},
        {"records/catmandu-marc/bu_bibs.mrc", "marc21"},
        {"records/xbib-marc/periouni.mrc", "unimarc"},
        {"records/pymarc/testunimarc.dat", "unimarc"},
        {"records/derived/dp2-bnu-cnmarc-10.iso", "unimarc"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        size_t n;
        char *buf = wy_test_slurp(wy_fixture(c[i].file), &n);
        const struct fmt_handler *h =
            fmt_detect((const unsigned char *)buf, n < 4096 ? n : 4096);
        assert_non_null(h);
        if (strcmp(h->name, c[i].want))
            fail_msg("%s detected as %s", c[i].file, h->name);
        free(buf);
    }
    assert_int_equal(marc21_handler.detect((const unsigned char *)"<x/>", 4),
                     0);

    /* neither 245/008 nor 200: the reader asks instead of guessing */
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    r->kind = WY_UNIMARC;
    assert_non_null(wy_record_add_control(r, "001", "x1", 2));
    struct wy_field *f = wy_record_add_field(r, "500", ' ', ' ');
    assert_true(wy_field_add_sub(r, f, 'a', "note", 4));
    assert_int_equal(unimarc_handler.write(r, &out, &err), WY_OK);
    struct fmt_reader *rd = NULL;
    assert_int_equal(
        fmt_reader_open_mem(&rd, NULL, out.p, out.len, "amb.mrc", &err),
        WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "amb.mrc: the records could be 'marc21' or "
               "'unimarc'; name the format with --from");
    wy_err_release(&err);
    assert_int_equal(fmt_reader_open_mem(&rd, &unimarc_handler, out.p, out.len,
                                         "amb.mrc", &err),
                     WY_OK);
    fmt_reader_free(rd);
    wy_buf_release(&out);
    wy_record_free(r);
}

/* Truncated input: real records cut short. */
static void truncated_records(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/test.dat"), &n);
    /* the first record ends at its terminator; offsets from the leader */
    size_t len1 = 755;
    assert_int_equal(buf[len1 - 1], ISO2709_RS);
    struct tally t;
    /* cut in the middle of record 1 */
    read_mem(&marc21_handler, buf, 500, 0, &t);
    assert_int_equal(t.good, 0);
    assert_int_equal(t.bad, 1);
    assert_non_null(strstr(t.first_bad, "record 1 at byte 0: truncated: the "
                                        "input ends after 500 bytes"));
    tally_release(&t);
    /* cut inside the leader */
    read_mem(&marc21_handler, buf, 10, 0, &t);
    assert_int_equal(t.bad, 1);
    assert_non_null(strstr(t.first_bad, "record 1 at byte 0: truncated"));
    tally_release(&t);
    /* the whole of record 1, then half of record 2 */
    read_mem(&marc21_handler, buf, len1 + 300, 0, &t);
    assert_int_equal(t.good, 1);
    assert_int_equal(t.bad, 1);
    assert_non_null(strstr(t.first_bad, "record 2 at byte 755: truncated"));
    tally_release(&t);
    free(buf);
}

/* Record 2 loses 100 bytes from its middle: it is reported with its
   offset and the 8 records after it still read. */
static void recovery_after_bad_record(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/test.dat"), &n);
    size_t cut_at = 755 + 400;
    memmove(buf + cut_at, buf + cut_at + 100, n - cut_at - 100);
    struct tally t;
    read_mem(&marc21_handler, buf, n - 100, 0, &t);
    assert_int_equal(t.good, 9);
    assert_int_equal(t.bad, 1);
    assert_non_null(strstr(t.first_bad, "record 2 at byte 755: the leader "
                                        "gives record length"));
    tally_release(&t);

    /* 150,000 bytes without a terminator before a real record: the reader
       gives up after 99999 bytes and resynchronizes at the terminator */
    size_t junk = 150000;
    char *big = malloc(junk + n);
    assert_non_null(big);
    memset(big, 'x', junk);
    memcpy(big + junk, buf, n - 100);
    read_mem(&marc21_handler, big, junk + n - 100, 0, &t);
    assert_non_null(strstr(t.first_bad, "record 1 at byte 0: no record "
                                        "terminator within 99999 bytes"));
    /* the junk swallows record 1 up to its terminator; 9 good records
       remain minus the one cut above */
    assert_int_equal(t.good, 8);
    tally_release(&t);
    free(big);
    free(buf);
}

/* Directory damage made by hand in a real record, each with its message. */
static void directory_damage(void **state)
{
    (void)state;
    size_t n;
    char *orig = wy_test_slurp(wy_fixture("records/pymarc/one.dat"), &n);
    static const struct {
        size_t at;
        const char *bytes, *needle;
    } c[] = {
        {0, "0x755", "record length '0x755' in the leader is not a number"},
        {0, "00754", "the leader gives record length 754"},
        {24 + 3, "00a3",
         "directory entry 1 (tag 001): length '00a3' is not "
         "a number"},
        {24 + 12 + 7, "99999",
         "directory entry 2 (tag 003): 6 bytes at "
         "99999 do not fit"},
        {24 + 12 + 3, "0007", "field 003 (directory entry 2, byte"},
        {9, "\xc3", "leader byte 9 is '\\xc3'"},
        {10, "3", "indicator count '3'"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        char *buf = malloc(n);
        memcpy(buf, orig, n);
        memcpy(buf + c[i].at, c[i].bytes, strlen(c[i].bytes));
        struct tally t;
        read_mem(&marc21_handler, buf, n, 0, &t);
        assert_int_equal(t.bad, 1);
        if (!strstr(t.first_bad, c[i].needle) ||
            !strstr(t.first_bad, "test.mrc: record 1 at byte 0: "))
            fail_msg("case %zu: '%s' lacks '%s'", i, t.first_bad, c[i].needle);
        tally_release(&t);
        free(buf);
    }
    free(orig);
}

/* A record flagged UTF-8 (leader/09 'a') with a broken sequence in 245. */
static void invalid_utf8_named(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/one.dat"), &n);
    buf[9] = 'a';
    char *at = NULL;
    for (size_t i = 0; i + 10 <= n && !at; i++)
        if (!memcmp(buf + i, "ActivePerl", 10))
            at = buf + i;
    assert_non_null(at);
    at[1] = (char)0xC3; /* a lead byte followed by 't' */
    struct tally t;
    read_mem(&marc21_handler, buf, n, 0, &t);
    assert_int_equal(t.bad, 1);
    char want[128];
    snprintf(want, sizeof(want),
             "record 1 at byte 0: field 245 $a: invalid UTF-8 at byte %zu of "
             "the record",
             (size_t)(at + 1 - buf));
    if (!strstr(t.first_bad, want))
        fail_msg("'%s' lacks '%s'", t.first_bad, want);
    tally_release(&t);
    free(buf);
}

static void writer_limits(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    r->kind = WY_MARC21;
    /* no fields */
    assert_int_equal(marc21_handler.write(r, &out, &err), WY_EFORMAT);
    wy_err_release(&err);
    assert_non_null(wy_record_add_control(r, "001", "x1", 2));
    struct wy_field *f = wy_record_add_field(r, "245", '1', '0');
    char *big = malloc(10000);
    memset(big, 'a', 10000);
    assert_true(wy_field_add_sub(r, f, 'a', big, 10000));
    assert_int_equal(marc21_handler.write(r, &out, &err), WY_ETOOBIG);
    assert_err(&err, WY_ETOOBIG, "field 245 is 10005 bytes");
    wy_err_release(&err);
    assert_int_equal(out.len, 0); /* nothing half-written */
    wy_record_clear(r);
    r->kind = WY_MARC21;
    f = wy_record_add_field(r, "245", '1', '0');
    assert_true(wy_field_add_sub(r, f, 'a',
                                 "a\x1e"
                                 "b",
                                 3));
    assert_int_equal(marc21_handler.write(r, &out, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "field 245 holds a delimiter byte");
    wy_err_release(&err);
    /* the record passes 99999 bytes: 12 fields of 9000 */
    wy_record_clear(r);
    r->kind = WY_MARC21;
    for (int i = 0; i < 12; i++) {
        f = wy_record_add_field(r, "500", ' ', ' ');
        assert_true(wy_field_add_sub(r, f, 'a', big, 9000));
    }
    assert_int_equal(marc21_handler.write(r, &out, &err), WY_ETOOBIG);
    assert_err(&err, WY_ETOOBIG, "more than ISO 2709's 99999");
    wy_err_release(&err);
    /* a UNIMARC record goes through the MARC 21 crosswalk (its 500s become
       130s) and is still too big */
    r->kind = WY_UNIMARC;
    assert_int_equal(marc21_handler.write(r, &out, &err), WY_ETOOBIG);
    wy_err_release(&err);
    assert_int_equal(out.len, 0);
    free(big);
    wy_buf_release(&out);
    wy_record_free(r);
}

/* Every allocation in turn fails: WY_ENOMEM (or a clean stop), never a
   crash or a leak (ASan checks the leaks). */
static void allocation_failures(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/marc8.dat"), &n);
    for (long k = 0;; k++) {
        struct wy_err err = WY_ERR_INIT;
        struct fmt_reader *r = NULL;
        wy_alloc_fail_after(k);
        wy_code rc =
            fmt_reader_open_mem(&r, &marc21_handler, buf, n, "m", &err);
        size_t good = 0;
        while (rc == WY_OK) {
            struct wy_record *rec;
            rc = fmt_reader_next(r, &rec, &err);
            if (rc == WY_OK)
                good++;
        }
        fmt_reader_free(r);
        long used = wy_alloc_fail_after(-1);
        (void)used;
        if (rc == WY_EOF) {
            assert_int_equal(good, 1);
            wy_err_release(&err);
            break;
        }
        /* the MARC-8 converter failing to open is reported as a record
           error; anything else must be ENOMEM */
        if (rc != WY_ENOMEM && rc != WY_EFORMAT)
            fail_msg("k=%ld: %s", k, wy_err_msg(&err));
        wy_err_release(&err);
        assert_true(k < 10000);
    }
    free(buf);
}

WY_GROUP(iso2709, NULL, NULL, cmocka_unit_test(counts_match_sources),
         cmocka_unit_test(utf8_records_round_trip),
         cmocka_unit_test(bad_records_each_named),
         cmocka_unit_test(broken_fixtures_rejected),
         cmocka_unit_test(regression45_752_garbage),
         cmocka_unit_test(bu_bibs_lengths), cmocka_unit_test(alphanumeric_tags),
         cmocka_unit_test(cnmarc_matches_yaz), cmocka_unit_test(detection),
         cmocka_unit_test(truncated_records),
         cmocka_unit_test(recovery_after_bad_record),
         cmocka_unit_test(directory_damage),
         cmocka_unit_test(invalid_utf8_named), cmocka_unit_test(writer_limits),
         cmocka_unit_test(allocation_failures))
