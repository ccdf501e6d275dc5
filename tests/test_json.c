/* tests/test_json.c: the JSON Lines writer and reader: fields as
   yaz-marcdump -o json gives them (its output committed once), round trips
   back to ISO 2709, bad lines named. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "formats/format.h"
#include "harness.h"

/* Our JSON Lines for every record of an ISO 2709 fixture. */
static void to_json(const struct fmt_handler *h, const char *rel,
                    struct wy_buf *out)
{
    size_t n;
    char *buf = wy_test_slurp(wy_fixture(rel), &n);
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(fmt_reader_open_mem(&r, h, buf, n, rel, &err), WY_OK);
    while (fmt_reader_next(r, &rec, &err) == WY_OK)
        assert_int_equal(json_handler.write(rec, out, &err), WY_OK);
    assert_int_equal(err.code, WY_OK);
    fmt_reader_free(r);
    free(buf);
}

/* "leader" and "fields" of each record equal YAZ's MARC-in-JSON (leader/09
   aside for MARC-8 input, which YAZ prints as read). */
static void same_as_yaz(const struct fmt_handler *h, const char *rel,
                        const char *yaz, size_t nrec)
{
    struct wy_buf ours = WY_BUF_INIT(WY_BUF_NOLIMIT);
    to_json(h, rel, &ours);
    size_t yn;
    char *y = wy_test_slurp(wy_srcpath(yaz), &yn);
    size_t yo = 0, oo = 0, count = 0;
    for (;;) {
        while (yo < yn && strchr(" \r\n\t", y[yo]))
            yo++;
        if (yo >= yn)
            break;
        json_error_t je;
        json_t *a = json_loadb(y + yo, yn - yo, JSON_DISABLE_EOF_CHECK, &je);
        assert_non_null(a);
        yo += je.position;
        const char *nl = memchr(ours.p + oo, '\n', ours.len - oo);
        assert_non_null(nl);
        json_t *b = json_loadb(ours.p + oo, (size_t)(nl - ours.p) - oo, 0, &je);
        assert_non_null(b);
        oo = (size_t)(nl - ours.p) + 1;
        if (!json_equal(json_object_get(a, "fields"),
                        json_object_get(b, "fields")))
            fail_msg("%s: record %zu: fields differ from YAZ's", rel,
                     count + 1);
        const char *la = json_string_value(json_object_get(a, "leader"));
        const char *lb = json_string_value(json_object_get(b, "leader"));
        assert_non_null(la);
        assert_non_null(lb);
        assert_memory_equal(la, lb, 9);
        assert_memory_equal(la + 10, lb + 10, 14);
        assert_non_null(json_object_get(b, "desc"));
        json_decref(a);
        json_decref(b);
        count++;
    }
    assert_int_equal(count, nrec);
    assert_int_equal(oo, ours.len);
    free(y);
    wy_buf_release(&ours);
}

static void fields_match_yaz(void **state)
{
    (void)state;
    same_as_yaz(&unimarc_handler, "records/derived/dp2-bnu-cnmarc-10.iso",
                "tests/fixtures/yaz/dp2-bnu-cnmarc-10.iso.json", 10);
    same_as_yaz(&marc21_handler, "records/xbib-marc/IRMARC8.bin",
                "tests/fixtures/yaz/IRMARC8.bin.json", 10);
}

/* ISO 2709 -> JSON -> ISO 2709 gives the bytes back. */
static void round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const struct fmt_handler *h;
    } c[] = {
        {"records/pymarc/diacritic.dat", &marc21_handler},
        {"records/derived/dp2-bnu-cnmarc-10.iso", &unimarc_handler},
        {"records/xbib-marc/periouni.mrc", &unimarc_handler},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct wy_buf js = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_buf iso = WY_BUF_INIT(WY_BUF_NOLIMIT);
        to_json(c[i].h, c[i].file, &js);
        struct wy_err err = WY_ERR_INIT;
        struct fmt_reader *r = NULL;
        struct wy_record *rec;
        assert_int_equal(fmt_reader_open_mem(&r, NULL, js.p, js.len, "j", &err),
                         WY_OK);
        assert_string_equal(fmt_reader_handler(r)->name, "json");
        wy_code rc;
        while ((rc = fmt_reader_next(r, &rec, &err)) == WY_OK)
            assert_int_equal(c[i].h->write(rec, &iso, &err), WY_OK);
        assert_int_equal(rc, WY_EOF);
        fmt_reader_free(r);
        size_t n;
        char *want = wy_test_slurp(wy_fixture(c[i].file), &n);
        while (n && want[n - 1] == '\n')
            n--;
        assert_int_equal(iso.len, n);
        assert_memory_equal(iso.p, want, n);
        free(want);
        wy_buf_release(&js);
        wy_buf_release(&iso);
    }
}

static void bad_lines_named(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"leader\":\"00000nam a2200000   "
        "4500\",\"fields\":[{\"001\":\"a\"}]}\n"
        "\n"
        "{\"leader\":\"short\",\"fields\":[]}\n"
        "{\"leader\":\"00000nam a2200000   "
        "4500\",\"fields\":[{\"24\":\"x\"}]}\n"
        "{\"fields\":[{\"245\":{\"subfields\":[{\"ab\":\"x\"}]}}]}\n"
        "{\"fields\":[{\"245\":{\"subfields\":[{\"a\":\"x\\u0007\"}]}}]}\n"
        "{\"fields\":[{\"245\":{\"ind1\":\"12\",\"subfields\":[]}}]}\n"
        "{\"fields\": [\n"
        "{\"fields\":[{\"001\":\"b\"}]}\n";
    static const char *const want[] = {
        NULL,
        "j: record 2 (line 3): \"leader\" is not a string of 24 characters",
        "j: record 3 (line 4): field 1: tag is not three letters or digits",
        "j: record 4 (line 5): field 245: subfield 1 is not",
        "j: record 5 (line 6): field 245: subfield 1 is not",
        "j: record 6 (line 7): field 245: needs \"subfields\" and "
        "one-character",
        "j: record 7 (line 8): column ",
        NULL,
    };
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(
        fmt_reader_open_mem(&r, &json_handler, doc, sizeof(doc) - 1, "j", &err),
        WY_OK);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        wy_code rc = fmt_reader_next(r, &rec, &err);
        if (!want[i]) {
            assert_int_equal(rc, WY_OK);
        } else {
            assert_err(&err, WY_EFORMAT, want[i]);
            wy_err_release(&err);
        }
    }
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
}

WY_GROUP(json, NULL, NULL, cmocka_unit_test(fields_match_yaz),
         cmocka_unit_test(round_trip), cmocka_unit_test(bad_lines_named))
