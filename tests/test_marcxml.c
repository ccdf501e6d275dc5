/* tests/test_marcxml.c: the MARCXML reader and writer: providers' MARCXML,
   ISO 2709 -> MARCXML -> ISO 2709 byte for byte, schema validation of what
   we write, malformed and hostile XML. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/xml.h"
#include "formats/format.h"
#include "formats/line.h"
#include "formats/marcxml.h"
#include "harness.h"

/* Reads all records of buf with h; the records' line dumps go to dump
   (leader lengths zeroed, as they differ between serializations). */
static size_t read_all(const struct fmt_handler *h, const char *buf, size_t n,
                       struct wy_buf *dump, size_t *bad, char **first_bad)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    size_t good = 0;
    *bad = 0;
    assert_int_equal(fmt_reader_open_mem(&r, h, buf, n, "in.xml", &err), WY_OK);
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
            (*bad)++;
            continue;
        }
        good++;
        if (dump) {
            memset(rec->leader, '0', 5);
            memset(rec->leader + 12, '0', 5);
            line_write_marc(rec, dump);
        }
    }
    fmt_reader_free(r);
    return good;
}

/* Writes every record of an ISO 2709 buffer as a MARCXML collection. */
static void iso_to_xml(const struct fmt_handler *h, const char *buf, size_t n,
                       struct wy_buf *xml)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(fmt_reader_open_mem(&r, h, buf, n, "in.mrc", &err), WY_OK);
    marcxml_handler.write_begin(xml);
    while (fmt_reader_next(r, &rec, &err) == WY_OK)
        assert_int_equal(marcxml_handler.write(rec, xml, &err), WY_OK);
    assert_int_equal(err.code, WY_OK);
    marcxml_handler.write_end(xml);
    fmt_reader_free(r);
}

static void xml_to_iso(const struct fmt_handler *h, const char *xml, size_t n,
                       struct wy_buf *iso)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(
        fmt_reader_open_mem(&r, &marcxml_handler, xml, n, "x", &err), WY_OK);
    wy_code rc;
    while ((rc = fmt_reader_next(r, &rec, &err)) == WY_OK)
        assert_int_equal(h->write(rec, iso, &err), WY_OK);
    if (rc != WY_EOF)
        fail_msg("%s", wy_err_msg(&err));
    fmt_reader_free(r);
}

/* The record bytes of a file, without the newline some files end with. */
static char *records_of(const char *rel, size_t *n)
{
    char *buf = wy_test_slurp(wy_fixture(rel), n);
    while (*n && (buf[*n - 1] == '\n' || buf[*n - 1] == '\r'))
        (*n)--;
    return buf;
}

static void round_trip_byte_identical(void **state)
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
        const struct fmt_handler *h =
            c[i].unimarc ? &unimarc_handler : &marc21_handler;
        size_t n;
        char *buf = records_of(c[i].file, &n);
        struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_buf iso = WY_BUF_INIT(WY_BUF_NOLIMIT);
        iso_to_xml(h, buf, n, &xml);
        xml_to_iso(h, xml.p, xml.len, &iso);
        if (iso.len != n || memcmp(iso.p, buf, n))
            fail_msg("%s: round trip differs (%zu vs %zu bytes)", c[i].file,
                     iso.len, n);
        wy_buf_release(&xml);
        wy_buf_release(&iso);
        free(buf);
    }
}

/* MARC-8 records: once converted to UTF-8 ISO 2709, the round trip through
   MARCXML is byte-identical too. */
static void round_trip_after_marc8(void **state)
{
    (void)state;
    static const char *const files[] = {"records/xbib-marc/IRMARC8.bin",
                                        "records/pymarc/marc.dat",
                                        "records/pymarc/marc8.dat"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t n;
        char *buf = records_of(files[i], &n);
        struct wy_buf utf8 = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_buf iso = WY_BUF_INIT(WY_BUF_NOLIMIT);
        iso_to_xml(&marc21_handler, buf, n, &xml);
        xml_to_iso(&marc21_handler, xml.p, xml.len, &utf8);
        wy_buf_reset(&xml);
        iso_to_xml(&marc21_handler, utf8.p, utf8.len, &xml);
        xml_to_iso(&marc21_handler, xml.p, xml.len, &iso);
        assert_int_equal(iso.len, utf8.len);
        assert_memory_equal(iso.p, utf8.p, iso.len);
        wy_buf_release(&utf8);
        wy_buf_release(&xml);
        wy_buf_release(&iso);
        free(buf);
    }
}

static void output_validates_against_schema(void **state)
{
    (void)state;
    static const char *const files[] = {
        "records/pymarc/test.dat", "records/pymarc/marc.dat",
        "records/xbib-marc/IRMARC8.bin", "records/pymarc/diacritic.dat",
        "records/pymarc/regression45.dat"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t n;
        char *buf = wy_test_slurp(wy_fixture(files[i]), &n);
        struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_err err = WY_ERR_INIT;
        /* regression45 has bad records: write the good ones */
        struct fmt_reader *r = NULL;
        struct wy_record *rec;
        wy_code rc;
        assert_int_equal(
            fmt_reader_open_mem(&r, &marc21_handler, buf, n, "m", &err), WY_OK);
        marcxml_handler.write_begin(&xml);
        while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
            if (rc == WY_OK)
                assert_int_equal(marcxml_handler.write(rec, &xml, &err), WY_OK);
            wy_err_release(&err);
        }
        marcxml_handler.write_end(&xml);
        fmt_reader_free(r);
        xmlDocPtr doc = NULL;
        assert_int_equal(wy_xml_doc_mem(&doc, xml.p, xml.len, "out", &err),
                         WY_OK);
        rc = wy_xml_validate(doc, wy_fixture("schemas/MARC21slim.xsd"), &err);
        if (rc != WY_OK)
            fail_msg("%s: %s", files[i], wy_err_msg(&err));
        xmlFreeDoc(doc);
        wy_buf_release(&xml);
        free(buf);
    }
}

/* And the validator does catch a bad record (an indicator the schema's
   [0-9a-z ] pattern refuses), so the test above means something. */
static void schema_catches_bad_output(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
    r->kind = WY_MARC21;
    memcpy(r->leader, "00000nam a2200000   4500", 24);
    struct wy_field *f = wy_record_add_field(r, "245", '#', '0');
    assert_true(wy_field_add_sub(r, f, 'a', "T", 1));
    assert_int_equal(fmt_write_one(&marcxml_handler, r, &xml, &err), WY_OK);
    xmlDocPtr doc = NULL;
    assert_int_equal(wy_xml_doc_mem(&doc, xml.p, xml.len, "out", &err), WY_OK);
    assert_int_equal(
        wy_xml_validate(doc, wy_fixture("schemas/MARC21slim.xsd"), &err),
        WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "ind1");
    wy_err_release(&err);
    xmlFreeDoc(doc);
    wy_buf_release(&xml);
    wy_record_free(r);
}

static void providers_marcxml(void **state)
{
    (void)state;
    size_t n, bad;
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    /* Library of Congress sample: two records, prefixed namespace */
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/batch.xml"), &n);
    assert_int_equal(fmt_reader_open_mem(&r, NULL, buf, n, "batch.xml", &err),
                     WY_OK);
    assert_string_equal(fmt_reader_handler(r)->name, "marcxml");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_string_equal(wy_record_subfield(rec, "245", 'a'),
                        "The Great Ray Charles");
    assert_int_equal(rec->kind, WY_MARC21);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_string_equal(wy_record_subfield(rec, "245", 'a'), "The White House");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
    free(buf);

    /* inside an OAI-PMH response: the OAI <record> is a wrapper */
    buf = wy_test_slurp(
        wy_fixture("records/melinda-oai-pmh/GetRecord-marc21.xml"), &n);
    assert_int_equal(
        fmt_reader_open_mem(&r, &marcxml_handler, buf, n, "g", &err), WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_string_equal(rec->leader, "03106cam a2200721 i 4500");
    assert_string_equal(wy_record_field(rec, "001", NULL)->data, "1234567");
    assert_string_equal(wy_record_subfield(rec, "245", 'a'), "Foo Bar");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
    free(buf);

    buf =
        wy_test_slurp(wy_fixture("records/melinda-oai-pmh/"
                                 "ListRecords-marc21-with-resumptionToken.xml"),
                      &n);
    /* three <record xmlns="...MARC21/slim"> inside OAI records */
    assert_int_equal(read_all(&marcxml_handler, buf, n, NULL, &bad, NULL), 3);
    assert_int_equal(bad, 0);
    free(buf);
}

/* dp2's CNMARC-XML (namespace http://www.nlc.cn/, inside an SRU response)
   holds the same ten records as the ISO 2709 file YAZ made from it. */
static void cnmarc_xml_equals_iso(void **state)
{
    (void)state;
    size_t n, m, bad;
    char *xml = wy_test_slurp(
        wy_fixture("records/dp2-sru-cnmarc/sample_cnmarcxml.xml"), &n);
    char *iso =
        wy_test_slurp(wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"), &m);
    struct wy_buf a = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(read_all(&marcxml_handler, xml, n, &a, &bad, NULL), 10);
    assert_int_equal(bad, 0);
    assert_int_equal(read_all(&unimarc_handler, iso, m, &b, &bad, NULL), 10);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_non_null(strstr(a.p, "200 1  $a '94中国发展报告"));
    wy_buf_release(&a);
    wy_buf_release(&b);
    free(xml);
    free(iso);
}

static void bad_tag_named(void **state)
{
    (void)state;
    size_t n, bad;
    char *msg = NULL;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/bad_tag.xml"), &n);
    assert_int_equal(read_all(&marcxml_handler, buf, n, NULL, &bad, &msg), 0);
    assert_int_equal(bad, 1);
    /* the leader "      Z   22 4500" is checked first */
    assert_non_null(strstr(msg, "in.xml: record 1: line 3: the leader is 17 "
                                "bytes, not 24"));
    free(msg);
    free(buf);
}

#define NS "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n"
#define LEADER "<leader>00000nam a2200000   4500</leader>"
#define GOOD                                                                   \
    "<record>" LEADER "<controlfield tag=\"001\">ok</controlfield>"            \
    "<datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield code=\"a\">T"      \
    "</subfield></datafield></record>\n"

/* A bad record inside a good collection: named, skipped, the next read. */
static void bad_records_recover(void **state)
{
    (void)state;
    static const struct {
        const char *bad, *needle;
    } c[] = {
        {"<record><leader>short</leader></record>\n",
         "record 2: line 3: the leader is 5 bytes, not 24"},
        {"<record><controlfield tag=\"245\">x</controlfield></record>\n",
         "record 2: line 3: controlfield tag '245'"},
        {"<record><datafield tag=\"001\" ind1=\" \" ind2=\" \"/></record>\n",
         "record 2: line 3: datafield tag '001'"},
        {"<record><datafield tag=\"245\" ind1=\"10\" ind2=\" \"/></record>\n",
         "record 2: line 3: datafield ind1 '10'"},
        {"<record><datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield "
         "code=\"\">x</subfield></datafield></record>\n",
         "record 2: line 3: subfield code ''"},
        {"<record><datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield "
         "code=\"ab\">x</subfield></datafield></record>\n",
         "record 2: line 3: subfield code 'ab'"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct wy_buf doc = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_buf_adds(&doc, NS GOOD);
        wy_buf_adds(&doc, c[i].bad);
        wy_buf_adds(&doc, GOOD "</collection>\n");
        size_t bad;
        char *msg = NULL;
        assert_int_equal(
            read_all(&marcxml_handler, doc.p, doc.len, NULL, &bad, &msg), 2);
        assert_int_equal(bad, 1);
        if (!strstr(msg, c[i].needle))
            fail_msg("case %zu: '%s' lacks '%s'", i, msg, c[i].needle);
        free(msg);
        wy_buf_release(&doc);
    }
}

static void bare_record_without_namespace(void **state)
{
    (void)state;
    static const char doc[] = "<?xml version=\"1.0\"?>\n" GOOD;
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    struct wy_record *rec;
    assert_int_equal(
        fmt_reader_open_mem(&r, NULL, doc, sizeof(doc) - 1, "b", &err), WY_OK);
    assert_string_equal(fmt_reader_handler(r)->name, "marcxml");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_string_equal(wy_record_subfield(rec, "245", 'a'), "T");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
}

/* Malformed XML ends the reading with line, column and record number. */
static void malformed_xml(void **state)
{
    (void)state;
    size_t n, bad;
    char *msg = NULL;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/batch.xml"), &n);
    /* cut inside the second record */
    char *second = strstr(strstr(buf, "<marc:record>") + 1, "<marc:record>");
    assert_non_null(second);
    size_t cut = (size_t)(second - buf) + 300;
    size_t good = read_all(&marcxml_handler, buf, cut, NULL, &bad, &msg);
    /* libxml2 stops at the chunk holding the error: record 1 may or may
       not come first, and the message says which */
    assert_int_equal(bad, 1);
    if (!strstr(msg, good ? "in.xml: after record 1: "
                          : "in.xml: before the first record: ") ||
        !strstr(msg, "line ") || !strstr(msg, "column "))
        fail_msg("'%s'", msg);
    free(msg);
    free(buf);

    static const char mismatched[] = NS GOOD "<record><leader>x</record>";
    msg = NULL;
    read_all(&marcxml_handler, mismatched, sizeof(mismatched) - 1, NULL, &bad,
             &msg);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(msg, "line 3, column 27: Opening and ending tag "
                                "mismatch"));
    free(msg);
}

/* XXE and billion laughs: a DOCTYPE is refused before any entity is
   used; nothing from /etc/passwd ever appears. */
static void hostile_xml_refused(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "<?xml version=\"1.0\"?>\n<!DOCTYPE record [\n"
        "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<record xmlns=\"http://www.loc.gov/MARC21/slim\">" LEADER
        "<controlfield tag=\"001\">&x;</controlfield></record>\n",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
        "<!ENTITY lol \"lol\">\n"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n<record>" LEADER
        "<controlfield tag=\"001\">&lol9;</controlfield></record>\n",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        size_t bad;
        char *msg = NULL;
        struct wy_buf dump = WY_BUF_INIT(WY_BUF_NOLIMIT);
        assert_int_equal(read_all(&marcxml_handler, docs[i], strlen(docs[i]),
                                  &dump, &bad, &msg),
                         0);
        assert_int_equal(bad, 1);
        /* libxml2 itself stops the laughs while reading the DTD */
        if (!(strstr(msg, "in.xml: record 1: line ") &&
              strstr(msg, "DOCTYPE declarations are refused")) &&
            !(i == 1 && strstr(msg, "in.xml: before the first record: XML: "
                                    "line 1, column 7: Detected an entity "
                                    "reference loop")))
            fail_msg("'%s'", msg);
        assert_null(strstr(wy_buf_cstr(&dump), "root:"));
        free(msg);
        wy_buf_release(&dump);
    }
}

/* Characters XML must escape, and CR (which XML parsers turn into LF),
   survive MARCXML. */
static void escaping_round_trip(void **state)
{
    (void)state;
    static const char text[] = "a<b>&c\"d'e\rf\ng\th 中";
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
    r->kind = WY_MARC21;
    assert_non_null(wy_record_add_control(r, "001", "x&y", 3));
    struct wy_field *f = wy_record_add_field(r, "245", '1', '0');
    assert_true(wy_field_add_sub(r, f, 'a', text, sizeof(text) - 1));
    f = wy_record_add_field(r, "246", ' ', '"');
    assert_true(wy_field_add_sub(r, f, '<', "x", 1));
    assert_int_equal(fmt_write_one(&marcxml_handler, r, &xml, &err), WY_OK);
    struct fmt_reader *rd = NULL;
    struct wy_record *back;
    assert_int_equal(fmt_reader_open_mem(&rd, NULL, xml.p, xml.len, "e", &err),
                     WY_OK);
    assert_int_equal(fmt_reader_next(rd, &back, &err), WY_OK);
    assert_string_equal(wy_record_subfield(back, "245", 'a'), text);
    assert_string_equal(wy_record_field(back, "001", NULL)->data, "x&y");
    assert_int_equal(wy_record_field(back, "246", NULL)->ind2, '"');
    assert_string_equal(wy_record_subfield(back, "246", '<'), "x");
    fmt_reader_free(rd);
    wy_buf_release(&xml);
    wy_record_free(r);
}

static xmlNodePtr find_record(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (marcxml_is_record(n))
            return n;
        xmlNodePtr f = find_record(n->children);
        if (f)
            return f;
    }
    return NULL;
}

/* The DOM entry point a harvester uses on an OAI-PMH <metadata> element. */
static void parse_node_api(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(
        wy_fixture("records/melinda-oai-pmh/GetRecord-marc21.xml"), &n);
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc = NULL;
    assert_int_equal(wy_xml_doc_mem(&doc, buf, n, "g", &err), WY_OK);
    /* OAI-PMH/GetRecord/record/metadata/record */
    xmlNodePtr found = find_record(xmlDocGetRootElement(doc));
    assert_non_null(found);
    struct wy_record *rec = wy_record_new();
    assert_int_equal(marcxml_parse_node(found, rec, &err), WY_OK);
    assert_string_equal(wy_record_subfield(rec, "035", 'a'),
                        "(FI-MELINDA)000012345");
    wy_record_free(rec);
    xmlFreeDoc(doc);
    free(buf);
}

/* Our allocations fail one after the other (libxml2's own are not
   hooked): WY_ENOMEM, never a crash or a leak. */
static void allocation_failures(void **state)
{
    (void)state;
    size_t n;
    char *buf = wy_test_slurp(wy_fixture("records/pymarc/batch.xml"), &n);
    for (long k = 0;; k++) {
        struct wy_err err = WY_ERR_INIT;
        struct fmt_reader *r = NULL;
        struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_alloc_fail_after(k);
        wy_code rc =
            fmt_reader_open_mem(&r, &marcxml_handler, buf, n, "b", &err);
        size_t good = 0;
        while (rc == WY_OK) {
            struct wy_record *rec;
            rc = fmt_reader_next(r, &rec, &err);
            if (rc == WY_OK) {
                good++;
                rc = marcxml_handler.write(rec, &out, &err);
            }
        }
        fmt_reader_free(r);
        wy_buf_release(&out);
        wy_alloc_fail_after(-1);
        if (rc == WY_EOF) {
            assert_int_equal(good, 2);
            break;
        }
        if (rc != WY_ENOMEM)
            fail_msg("k=%ld: %s", k, wy_err_msg(&err));
        wy_err_release(&err);
        assert_true(k < 10000);
    }
    free(buf);
}

WY_GROUP(marcxml, NULL, NULL, cmocka_unit_test(round_trip_byte_identical),
         cmocka_unit_test(round_trip_after_marc8),
         cmocka_unit_test(output_validates_against_schema),
         cmocka_unit_test(schema_catches_bad_output),
         cmocka_unit_test(providers_marcxml),
         cmocka_unit_test(cnmarc_xml_equals_iso),
         cmocka_unit_test(bad_tag_named), cmocka_unit_test(bad_records_recover),
         cmocka_unit_test(bare_record_without_namespace),
         cmocka_unit_test(malformed_xml), cmocka_unit_test(hostile_xml_refused),
         cmocka_unit_test(escaping_round_trip),
         cmocka_unit_test(parse_node_api),
         cmocka_unit_test(allocation_failures))
