/* tests/test_mods.c: MODS 3 reader (SRU, standalone records, the LoC
   sample) and writer (validated against mods-3-8.xsd), and bad input. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "xw_marc.h"

#include "core/buf.h"
#include "core/xml.h"
#include "formats/format.h"
#include "formats/mods.h"

#define HARVARD "records/harvard-spotlight/"

static int has_subject(const struct wy_record *r, const char *s)
{
    for (size_t i = 0; i < r->desc.nsubjects; i++)
        if (!strcmp(r->desc.subjects[i], s))
            return 1;
    return 0;
}

/* dp2 SRU MODS (Beijing Normal University), record 1 as the XML says. */
static void reads_sru_mods(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **d = xw_read_all(
        NULL, wy_fixture("records/dp2-sru-cnmarc/sample_mods.xml"), &n);
    assert_int_equal(n, 10);
    assert_string_equal(d[0]->format, "mods");
    const struct wy_desc *a = &d[0]->desc;
    assert_string_equal(a->id, "990002180740203961");
    assert_string_equal(a->titles[0], "'94中国发展报告");
    assert_int_equal(a->ncreators, 2);
    assert_string_equal(a->creators[0].name, "叶震");
    assert_string_equal(a->creators[0].role, "主编");
    assert_int_equal(a->creators[0].personal, 1);
    assert_string_equal(a->place, "北京");
    assert_string_equal(a->publisher, "中国统计出版社");
    assert_string_equal(a->date, "1994");
    assert_int_equal(a->year_from, 1994);
    assert_string_equal(a->extent, "320页 图 27cm");
    assert_string_equal(a->type, "Text");
    assert_string_equal(a->languages[0], "chi");
    assert_string_equal(wy_desc_ident(d[0], "isbn"), "7-5037-1744-0");
    assert_string_equal(a->notes[0], "国家统计局编");
    /* titleInfo title + subTitle */
    assert_string_equal(d[2]->desc.titles[0], "'96 中国发展报告 中国的“八五”");
    xw_free_records(d, n);
}

/* Harvard LibraryCloud MODS and its deliberately incomplete variants. */
static void reads_harvard_variants(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **d =
        xw_read_all("mods", wy_fixture(HARVARD "mods_sample.xml"), &n);
    assert_int_equal(n, 1);
    const struct wy_desc *a = &d[0]->desc;
    assert_string_equal(a->id, "007139874");
    assert_string_equal(a->titles[0],
                        "Mr. Webster's Dudleian lecture on Presbyterian "
                        "ordination lecture [delivered], Sept. 7, 1774");
    assert_string_equal(a->creators[0].name, "Webster, Samuel");
    assert_string_equal(a->creators[0].dates, "1718-1796");
    assert_string_equal(a->creators[0].role, "creator");
    assert_int_equal(a->year_from, 1774);
    assert_string_equal(a->type, "Collection"); /* mixed material */
    assert_string_equal(a->extent,
                        ".03 cubic feet (1 volume) ; p. 20 x 16 cm.");
    assert_true(has_subject(d[0], "Harvard College (1636-1780)--Sermons"));
    xw_free_records(d, n);

    d = xw_read_all("mods", wy_fixture(HARVARD "mods_sample_no_id.xml"), &n);
    assert_int_equal(n, 1);
    assert_null(d[0]->desc.id);
    assert_int_equal(d[0]->desc.ntitles, 1);
    xw_free_records(d, n);

    d = xw_read_all("mods", wy_fixture(HARVARD "mods_sample_no_title.xml"), &n);
    assert_int_equal(n, 1);
    assert_int_equal(d[0]->desc.ntitles, 0);
    assert_string_equal(d[0]->desc.id, "007139874");
    xw_free_records(d, n);
}

/* The Library of Congress MODS sample (mods99042030). */
static void reads_loc_sample(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **d = xw_read_all(
        "mods",
        wy_fixture("records/eplicta-mets/mods99042030_linkedDataAdded.xml"),
        &n);
    assert_int_equal(n, 1);
    const struct wy_desc *a = &d[0]->desc;
    assert_string_equal(a->titles[0],
                        "Sound and fury the making of the punditocracy");
    assert_string_equal(a->creators[0].name, "Alterman, Eric");
    assert_string_equal(a->place, "Ithaca, N.Y"); /* not the code "nyu" */
    assert_string_equal(a->publisher, "Cornell University Press");
    assert_string_equal(a->date, "c1999"); /* unencoded wins */
    assert_int_equal(a->year_from, 1999);
    assert_string_equal(a->languages[0], "eng");
    assert_string_equal(a->extent, "vii, 322 p. ; 23 cm.");
    assert_true(
        has_subject(d[0], "Journalism--Political aspects--United States"));
    assert_true(has_subject(d[0], "United States--Politics and government--"
                                  "20th century"));
    xw_free_records(d, n);
}

static void validate(const char *xml, size_t len)
{
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc;
    if (wy_xml_doc_mem(&doc, xml, len, "output", &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (wy_xml_validate(doc, wy_fixture("schemas/mods-3-8-local.xsd"), &err))
        fail_msg("%s\n%s", wy_err_msg(&err), xml);
    xmlFreeDoc(doc);
}

/* MODS -> view -> MODS 3.8 validates and reads back to the same view. */
static void writes_valid_mods(void **state)
{
    (void)state;
    static const char *const in[] = {
        "records/dp2-sru-cnmarc/sample_mods.xml",
        HARVARD "mods_sample.xml",
        HARVARD "mods_sample_item.xml",
        HARVARD "mods_sample_no_title.xml",
        "records/eplicta-mets/mods99042030_linkedDataAdded.xml",
        "records/dp2-sru-cnmarc/sample_dc.xml", /* DC -> MODS */
    };
    struct wy_err err = WY_ERR_INIT;
    char *tmp = wy_test_tmpdir();
    for (size_t k = 0; k < sizeof(in) / sizeof(in[0]); k++) {
        size_t n;
        struct wy_record **d = xw_read_all(NULL, wy_fixture(in[k]), &n);
        struct wy_buf all = WY_BUF_INIT(1u << 20);
        mods_handler.write_begin(&all);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(mods_write(d[i], &all, &err), WY_OK);
        mods_handler.write_end(&all);
        validate(all.p, all.len);

        struct wy_buf path = WY_BUF_INIT(4096);
        wy_buf_addf(&path, "%s/out%zu.xml", tmp, k);
        FILE *f = fopen(wy_buf_cstr(&path), "wb");
        fwrite(all.p, 1, all.len, f);
        fclose(f);
        size_t m;
        struct wy_record **e = xw_read_all("mods", wy_buf_cstr(&path), &m);
        assert_int_equal(m, n);
        for (size_t i = 0; i < n; i++) {
            const struct wy_desc *a = &d[i]->desc, *b = &e[i]->desc;
            if (a->id)
                assert_string_equal(a->id, b->id);
            assert_int_equal(a->ntitles, b->ntitles);
            for (size_t t = 0; t < a->ntitles; t++)
                assert_string_equal(a->titles[t], b->titles[t]);
            assert_int_equal(a->ncreators, b->ncreators);
            for (size_t c = 0; c < a->ncreators; c++) {
                assert_string_equal(a->creators[c].name, b->creators[c].name);
                assert_int_equal(a->creators[c].secondary,
                                 b->creators[c].secondary);
            }
            if (a->date)
                assert_string_equal(a->date, b->date);
            assert_int_equal(a->year_from, b->year_from);
            assert_int_equal(a->year_to, b->year_to);
            assert_int_equal(a->nsubjects, b->nsubjects);
            assert_int_equal(a->nidents, b->nidents);
            assert_int_equal(a->nholdings, b->nholdings);
        }
        xw_free_records(e, m);
        wy_buf_release(&path);
        wy_buf_release(&all);
        xw_free_records(d, n);
    }
    wy_test_rmdir(tmp);
}

/* A dynasty and a census number survive MODS (termsOfAddress,
   copyInformation/itemIdentifier). */
static void dynasty_and_census(void **state)
{
    (void)state;
    static const char doc[] =
        "<mods xmlns=\"http://www.loc.gov/mods/v3\"><titleInfo><title>论语注疏"
        "</title></titleInfo><name type=\"personal\"><namePart>何晏</namePart>"
        "<namePart type=\"termsOfAddress\">(魏)</namePart><role><roleTerm "
        "type=\"text\">集解</roleTerm></role></"
        "name><location><physicalLocation>"
        "某某图书馆</physicalLocation><shelfLocator>善 123</shelfLocator>"
        "<holdingSimple><copyInformation><itemIdentifier type=\"census\">"
        "110000-0101-0000001</itemIdentifier></copyInformation></holdingSimple>"
        "</location></mods>";
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r;
    assert_int_equal(
        fmt_reader_open_mem(&r, NULL, doc, sizeof(doc) - 1, "mem", &err),
        WY_OK);
    struct wy_record *rec;
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    const struct wy_desc *a = &rec->desc;
    assert_string_equal(a->creators[0].name, "何晏");
    assert_string_equal(a->creators[0].dynasty, "魏");
    assert_string_equal(a->holdings[0].census, "110000-0101-0000001");
    assert_string_equal(a->holdings[0].callno, "善 123");
    struct wy_buf b = WY_BUF_INIT(1u << 16);
    assert_int_equal(fmt_write_one(&mods_handler, rec, &b, &err), WY_OK);
    validate(b.p, b.len);
    assert_non_null(strstr(
        wy_buf_cstr(&b), "<namePart type=\"termsOfAddress\">(魏)</namePart>"));
    assert_non_null(strstr(wy_buf_cstr(&b), "<itemIdentifier type=\"census\">"
                                            "110000-0101-0000001"));
    wy_buf_release(&b);
    fmt_reader_free(r);
}

/* An empty view still makes valid MODS (the schema wants one element). */
static void empty_record_valid(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_buf b = WY_BUF_INIT(1u << 16);
    assert_int_equal(fmt_write_one(&mods_handler, r, &b, &err), WY_OK);
    validate(b.p, b.len);
    wy_buf_release(&b);
    wy_record_free(r);
}

/* LoC's MARC-to-MODS output declares the MARC 21 namespace: still MODS. */
static void detects_mods_over_marcxml(void **state)
{
    (void)state;
    static const char doc[] =
        "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n"
        "<mods xmlns=\"http://www.loc.gov/mods/v3\" "
        "xmlns:marc=\"http://www.loc.gov/MARC21/slim\"><titleInfo><title>t"
        "</title></titleInfo></mods>";
    assert_ptr_equal(fmt_detect((const unsigned char *)doc, sizeof(doc) - 1),
                     &mods_handler);
}

static void bad_input(void **state)
{
    (void)state;
    static const char dtd[] =
        "<?xml version=\"1.0\"?>\n\n<!DOCTYPE mods SYSTEM \"http://x/y.dtd\">\n"
        "<mods xmlns=\"http://www.loc.gov/mods/v3\"/>\n";
    static const char bad[] =
        "<modsCollection xmlns=\"http://www.loc.gov/mods/v3\">\n"
        "<mods><titleInfo><title>a</title></titleInfo></mods>\n"
        "<mods><titleInfo><title>b</titleInfo></mods>\n"
        "</modsCollection>\n";
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r;
    struct wy_record *rec;
    assert_int_equal(fmt_reader_open_mem(&r, &mods_handler, dtd,
                                         sizeof(dtd) - 1, "dtd.xml", &err),
                     WY_OK);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "dtd.xml: line 3: a <!DOCTYPE> declaration");
    wy_err_release(&err);
    fmt_reader_free(r);

    assert_int_equal(fmt_reader_open_mem(&r, &mods_handler, bad,
                                         sizeof(bad) - 1, "bad.xml", &err),
                     WY_OK);
    /* a document this small is parsed in one go: the error comes first */
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "bad.xml: line 3, column 38: Opening and "
               "ending tag mismatch");
    wy_err_release(&err);
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
}

/* Every allocation of reading and writing failing in turn: WY_ENOMEM,
   no leak, no crash. */
static void allocation_failures(void **state)
{
    (void)state;
    assert_int_equal(
        xw_alloc_failures("mods",
                          wy_fixture("records/dp2-sru-cnmarc/sample_mods.xml")),
        10);
}

WY_GROUP(mods, NULL, NULL, cmocka_unit_test(allocation_failures),
         cmocka_unit_test(reads_sru_mods),
         cmocka_unit_test(reads_harvard_variants),
         cmocka_unit_test(reads_loc_sample),
         cmocka_unit_test(writes_valid_mods),
         cmocka_unit_test(dynasty_and_census),
         cmocka_unit_test(detects_mods_over_marcxml),
         cmocka_unit_test(empty_record_valid), cmocka_unit_test(bad_input))
