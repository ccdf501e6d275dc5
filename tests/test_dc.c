/* tests/test_dc.c: Dublin Core reader (oai_dc, SRU srw_dc, inside OAI-PMH)
   and writer (validated against oai_dc.xsd), and bad input. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "xw_marc.h"

#include "core/buf.h"
#include "core/xml.h"
#include "formats/dc.h"
#include "formats/format.h"

/* Reads the first record of an in-memory document; returns the code. */
static wy_code read_first_mem(const char *buf, size_t len, const char *name,
                              struct wy_err *err)
{
    struct fmt_reader *r;
    wy_code rc = fmt_reader_open_mem(&r, &dc_handler, buf, len, name, err);
    if (rc != WY_OK)
        return rc;
    struct wy_record *rec;
    rc = fmt_reader_next(r, &rec, err);
    fmt_reader_free(r);
    return rc;
}

/* dp2's SRU DC (Beijing Normal University): what the XML says. */
static void reads_sru_dc(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **d = xw_read_all(
        NULL, wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), &n);
    assert_int_equal(n, 10);
    assert_string_equal(d[0]->format, "dc");
    const struct wy_desc *a = &d[0]->desc;
    assert_string_equal(a->id, "990002180740203961");
    assert_string_equal(a->titles[0], "'94中国发展报告");
    assert_int_equal(a->ncreators, 2);
    assert_string_equal(a->creators[0].name, "叶震 主编");
    assert_int_equal(a->creators[0].secondary, 1); /* dc:contributor */
    assert_string_equal(a->place, "北京");
    assert_string_equal(a->publisher, "中国统计出版社");
    assert_string_equal(a->date, "1994");
    assert_int_equal(a->year_from, 1994);
    assert_string_equal(a->type, "Text");
    assert_string_equal(a->languages[0], "chi");
    assert_string_equal(wy_desc_ident(d[0], "isbn"), "7-5037-1744-0");
    assert_string_equal(wy_desc_ident(d[0], "control"),
                        "(aleph)000218074BNU03");
    /* record 4: one publisher, no place; the second date is "####" */
    assert_null(d[3]->desc.place);
    assert_string_equal(d[3]->desc.publisher, "中国统计出版社");
    assert_string_equal(d[3]->desc.titles[0], "'97中国发展报告 电子资源");
    xw_free_records(d, n);
}

/* OAI-PMH: the header identifier is the record's id; deleted records (no
   metadata) give no record; DCMI type preferred over other vocabularies. */
static void reads_oai_pmh(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **d =
        xw_read_all("dc", wy_fixture("records/sickle/GetRecord.xml"), &n);
    assert_int_equal(n, 1);
    assert_string_equal(d[0]->desc.id, "oai:test.example.com:1996652");
    assert_string_equal(d[0]->desc.titles[0], "Sample Title");
    assert_string_equal(d[0]->desc.creators[0].name, "John Doe");
    assert_int_equal(d[0]->desc.creators[0].secondary, 0);
    assert_string_equal(d[0]->desc.type, "Text");
    assert_string_equal(wy_desc_ident(d[0], "uri"),
                        "http://test.example.com/publication/1996652");
    xw_free_records(d, n);

    d = xw_read_all("dc", wy_fixture("records/sickle/ListRecords.xml"), &n);
    assert_int_equal(n, 1); /* the other record is deleted */
    assert_string_equal(d[0]->desc.id, "oai:test.example.com:1585322");
    xw_free_records(d, n);
}

static void detects_dc(void **state)
{
    (void)state;
    size_t len;
    char *buf =
        wy_test_slurp(wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), &len);
    assert_ptr_equal(fmt_detect((unsigned char *)buf, len), &dc_handler);
    free(buf);
    buf = wy_test_slurp(wy_fixture("records/sickle/GetRecord.xml"), &len);
    assert_ptr_equal(fmt_detect((unsigned char *)buf, len), &dc_handler);
    free(buf);
}

static void validate(const char *xml, size_t len)
{
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc;
    if (wy_xml_doc_mem(&doc, xml, len, "output", &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (wy_xml_validate(doc, wy_fixture("schemas/oai_dc-local.xsd"), &err))
        fail_msg("%s\n%s", wy_err_msg(&err), xml);
    xmlFreeDoc(doc);
}

/* DC -> view -> oai_dc validates, and reads back to the same view. */
static void writes_valid_oai_dc(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    size_t n;
    struct wy_record **d = xw_read_all(
        "dc", wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), &n);
    struct wy_buf all = WY_BUF_INIT(1u << 20);
    dc_handler.write_begin(&all);
    for (size_t i = 0; i < n; i++) {
        struct wy_buf b = WY_BUF_INIT(1u << 20);
        wy_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        assert_int_equal(dc_write(d[i], &b, &err), WY_OK);
        validate(b.p, b.len);
        wy_buf_release(&b);
        assert_int_equal(dc_write(d[i], &all, &err), WY_OK);
    }
    dc_handler.write_end(&all);
    /* the collection reads back record for record */
    char *tmp = wy_test_tmpdir();
    struct wy_buf path = WY_BUF_INIT(4096);
    wy_buf_addf(&path, "%s/out.xml", tmp);
    FILE *f = fopen(wy_buf_cstr(&path), "wb");
    fwrite(all.p, 1, all.len, f);
    fclose(f);
    size_t m;
    struct wy_record **e = xw_read_all(NULL, wy_buf_cstr(&path), &m);
    assert_int_equal(m, n);
    for (size_t i = 0; i < n; i++) {
        const struct wy_desc *a = &d[i]->desc, *b = &e[i]->desc;
        assert_string_equal(a->id, b->id);
        assert_string_equal(a->titles[0], b->titles[0]);
        assert_int_equal(a->ncreators, b->ncreators);
        for (size_t k = 0; k < a->ncreators; k++) {
            assert_string_equal(a->creators[k].name, b->creators[k].name);
            assert_int_equal(a->creators[k].secondary,
                             b->creators[k].secondary);
        }
        assert_string_equal(a->publisher, b->publisher);
        if (a->place)
            assert_string_equal(a->place, b->place);
        assert_string_equal(a->date, b->date);
        assert_int_equal(a->nidents, b->nidents);
        for (size_t k = 0; k < a->nidents; k++) {
            assert_string_equal(a->idents[k].type, b->idents[k].type);
            assert_string_equal(a->idents[k].value, b->idents[k].value);
        }
    }
    xw_free_records(e, m);
    wy_buf_release(&path);
    wy_test_rmdir(tmp);
    wy_buf_release(&all);
    xw_free_records(d, n);
}

static void empty_record_valid(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_buf b = WY_BUF_INIT(1u << 16);
    assert_int_equal(dc_write(r, &b, &err), WY_OK);
    validate(b.p, b.len);
    wy_buf_release(&b);
    wy_record_free(r);
}

/* A dynasty before a DC name is read into the view and written back. */
static void dynasty_round_trip(void **state)
{
    (void)state;
    static const char doc[] =
        "<oai_dc:dc "
        "xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:title>四库全书总目</dc:title><dc:creator>(清)纪昀</dc:creator>"
        "<dc:date>清乾隆[1782]</dc:date></oai_dc:dc>";
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r;
    assert_int_equal(
        fmt_reader_open_mem(&r, NULL, doc, sizeof(doc) - 1, "mem", &err),
        WY_OK);
    struct wy_record *rec;
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_string_equal(rec->desc.creators[0].name, "纪昀");
    assert_string_equal(rec->desc.creators[0].dynasty, "清");
    assert_int_equal(rec->desc.year_from, 1782);
    struct wy_buf b = WY_BUF_INIT(1u << 16);
    assert_int_equal(dc_write(rec, &b, &err), WY_OK);
    assert_non_null(
        strstr(wy_buf_cstr(&b), "<dc:creator>(清)纪昀</dc:creator>"));
    wy_buf_release(&b);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
}

/* Malformed XML: the error names the record and the line; the stream ends. */
static void malformed_names_record_and_line(void **state)
{
    (void)state;
    size_t len;
    char *buf =
        wy_test_slurp(wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), &len);
    /* cut inside record 3 (its recordData starts after the second one) */
    const char *third = strstr(buf, "<srw_dc:dc");
    third = strstr(third + 1, "<srw_dc:dc");
    third = strstr(third + 1, "<srw_dc:dc");
    third = strstr(third, "<dc:title>");
    size_t cut = (size_t)(third - buf) + 12;
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r;
    assert_int_equal(
        fmt_reader_open_mem(&r, &dc_handler, buf, cut, "cut.xml", &err), WY_OK);
    struct wy_record *rec;
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "cut.xml: line 55, column ");
    assert_err(&err, WY_EFORMAT, "(malformed after record 2)");
    wy_err_release(&err);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
    free(buf);

    /* invalid UTF-8 (libhttp-oai-perl badbytes.xml) */
    buf = wy_test_slurp(
        wy_fixture("records/debian-libhttp-oai-perl/badbytes.xml"), &len);
    assert_int_equal(read_first_mem(buf, len, "badbytes.xml", &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "badbytes.xml: line 4, column 1: Input is "
               "not proper UTF-8");
    assert_null(strchr(wy_err_msg(&err), '\n'));
    wy_err_release(&err);
    free(buf);
}

/* XXE and billion laughs: any DOCTYPE is refused before an entity is
   read; the message says so and names the line. */
static void doctype_refused(void **state)
{
    (void)state;
    static const char xxe[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE x [ <!ENTITY e SYSTEM \"file:///etc/passwd\"> ]>\n"
        "<oai_dc:dc "
        "xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>&e;</"
        "dc:title>"
        "</oai_dc:dc>\n";
    static const char lol[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol2 "
        "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        "]>\n<oai_dc:dc "
        "xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>&lol3;</"
        "dc:title>"
        "</oai_dc:dc>\n";
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(read_first_mem(xxe, sizeof(xxe) - 1, "xxe.xml", &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "xxe.xml: line 2: a <!DOCTYPE> declaration "
               "is refused");
    wy_err_release(&err);
    assert_int_equal(read_first_mem(lol, sizeof(lol) - 1, "lol.xml", &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "lol.xml: line 2: a <!DOCTYPE> declaration "
               "is refused");
    wy_err_release(&err);
}

static void ident_types(void **state)
{
    (void)state;
    size_t skip;
    assert_string_equal(dc_ident_type("URN:ISBN:7-5037-1744-0", &skip), "isbn");
    assert_int_equal(skip, 9);
    assert_string_equal(dc_ident_type("7-5037-1744-0", &skip), "isbn");
    assert_string_equal(dc_ident_type("978-7-04-024765-7", &skip), "isbn");
    assert_string_equal(dc_ident_type("7-5037-1744-1", &skip), "local");
    assert_string_equal(dc_ident_type("990002180740203961", &skip), "local");
    assert_string_equal(dc_ident_type("(OCoLC)12345", &skip), "control");
    assert_string_equal(dc_ident_type("info:lccn/00020737", &skip), "lccn");
    assert_string_equal(dc_ident_type("oai:x:1", &skip), "oai");
}

/* Every allocation of reading and writing failing in turn: WY_ENOMEM,
   no leak, no crash. */
static void allocation_failures(void **state)
{
    (void)state;
    assert_int_equal(
        xw_alloc_failures("dc",
                          wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml")),
        10);
}

WY_GROUP(dc, NULL, NULL, cmocka_unit_test(allocation_failures),
         cmocka_unit_test(reads_sru_dc), cmocka_unit_test(reads_oai_pmh),
         cmocka_unit_test(detects_dc), cmocka_unit_test(writes_valid_oai_dc),
         cmocka_unit_test(empty_record_valid),
         cmocka_unit_test(dynasty_round_trip),
         cmocka_unit_test(malformed_names_record_and_line),
         cmocka_unit_test(doctype_refused), cmocka_unit_test(ident_types))
