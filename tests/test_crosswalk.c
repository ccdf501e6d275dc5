/* tests/test_crosswalk.c: MARC 21 and UNIMARC/CNMARC to the view, checked
   against the same records' published DC and MODS (dp2-sru-cnmarc: Beijing
   Normal University's Alma SRU service rendered one result set as CNMARC,
   DC and MODS) and against the MARC itself (pymarc records as yaz-marcdump
   printed them, tests/fixtures/xwalk/SOURCE.md). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "xw_marc.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/xml.h"
#include "formats/crosswalk.h"
#include "formats/dc.h"
#include "formats/format.h"
#include "formats/mods.h"

#define DP2 "records/dp2-sru-cnmarc/"

static const struct wy_name *find_name(const struct wy_record *r,
                                       const char *name)
{
    for (size_t i = 0; i < r->desc.ncreators; i++)
        if (!strcmp(r->desc.creators[i].name, name))
            return &r->desc.creators[i];
    return NULL;
}

static int has_subject(const struct wy_record *r, const char *s)
{
    for (size_t i = 0; i < r->desc.nsubjects; i++)
        if (!strcmp(r->desc.subjects[i], s))
            return 1;
    return 0;
}

/* CNMARC (UNIMARC) -> view against the DC Alma published for the same
   records: title, contributors "name role", date, ISBN, place, publisher. */
static void cnmarc_matches_published_dc(void **state)
{
    (void)state;
    size_t nm, nd;
    struct wy_record **m = xw_load_marcxml(
        wy_fixture(DP2 "sample_cnmarcxml.xml"), WY_UNIMARC, &nm);
    struct wy_record **d =
        xw_read_all("dc", wy_fixture(DP2 "sample_dc.xml"), &nd);
    assert_int_equal(nm, 10);
    assert_int_equal(nd, 10);
    for (size_t i = 0; i < nm; i++) {
        const struct wy_desc *a = &m[i]->desc, *b = &d[i]->desc;
        assert_string_equal(a->id, b->id);
        assert_true(a->ntitles >= 1 && b->ntitles == 1);
        /* DC adds 200 $b (general material designation) to record 4 */
        assert_memory_equal(a->titles[0], b->titles[0], strlen(a->titles[0]));
        assert_string_equal(a->date, b->date);
        assert_int_equal(a->year_from, b->year_from);
        assert_string_equal(a->publisher, b->publisher);
        if (b->place)
            assert_string_equal(a->place, b->place);
        assert_string_equal(wy_desc_ident(m[i], "isbn"),
                            wy_desc_ident(d[i], "isbn"));
        assert_string_equal(a->languages[0], b->languages[0]);
        assert_string_equal(a->type, b->type);
        /* each DC contributor ("叶震 主编") is a 701 name with its $4 */
        for (size_t k = 0; k < b->ncreators; k++) {
            int found = 0;
            for (size_t j = 0; j < a->ncreators && !found; j++) {
                struct wy_buf s = WY_BUF_INIT(1024);
                wy_buf_addf(&s, "%s %s", a->creators[j].name,
                            a->creators[j].role ? a->creators[j].role : "");
                found = !strcmp(wy_buf_cstr(&s), b->creators[k].name);
                wy_buf_release(&s);
            }
            if (!found)
                fail_msg("record %zu: contributor '%s' not in CNMARC", i + 1,
                         b->creators[k].name);
        }
    }
    assert_string_equal(m[0]->desc.titles[0], "'94中国发展报告");
    assert_string_equal(m[2]->desc.titles[0], "'96 中国发展报告 中国的“八五”");
    assert_string_equal(d[2]->desc.titles[0], m[2]->desc.titles[0]);
    xw_free_records(m, nm);
    xw_free_records(d, nd);
}

/* ... and against the MODS: extent, names with roles, statement of
   responsibility (MODS note), subjects, holdings from 905. */
static void cnmarc_matches_published_mods(void **state)
{
    (void)state;
    size_t nm, nd;
    struct wy_record **m = xw_load_marcxml(
        wy_fixture(DP2 "sample_cnmarcxml.xml"), WY_UNIMARC, &nm);
    struct wy_record **d =
        xw_read_all("mods", wy_fixture(DP2 "sample_mods.xml"), &nd);
    assert_int_equal(nd, 10);
    for (size_t i = 0; i < nm; i++) {
        const struct wy_desc *a = &m[i]->desc, *b = &d[i]->desc;
        assert_string_equal(a->id, b->id);
        assert_string_equal(a->extent, b->extent);
        assert_string_equal(a->notes[0], b->notes[0]); /* 200 $f */
        for (size_t k = 0; k < b->ncreators; k++) {
            const struct wy_name *n = find_name(m[i], b->creators[k].name);
            assert_non_null(n);
            assert_string_equal(n->role, b->creators[k].role);
        }
    }
    const struct wy_record *r = m[0];
    assert_string_equal(r->desc.extent, "320页 图 27cm");
    assert_true(has_subject(r, "经济发展--概况--中国--1994"));
    const struct wy_name *corp = find_name(r, "国家统计局");
    assert_non_null(corp);
    assert_int_equal(corp->personal, 0);
    assert_string_equal(corp->role, "编");
    assert_int_equal(r->desc.nholdings, 1);
    assert_string_equal(r->desc.holdings[0].institution, "BNU");
    assert_string_equal(r->desc.holdings[0].callno, "F124/26");
    assert_string_equal(wy_desc_ident(r, "control"), "(aleph)000218074BNU03");
    xw_free_records(m, nm);
    xw_free_records(d, nd);
}

/* MARC 21 (pymarc test.dat record 1, as yaz-marcdump prints it):
   245 10 $a ActivePerl with ASP and ADO / $c Tobias Martinsson.
   100 1  $a Martinsson, Tobias, $d 1976-
   260    $a New York : $b John Wiley & Sons, $c 2000. */
static void marc21_pymarc_record(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **m = xw_load_marcxml(
        wy_srcpath("tests/fixtures/xwalk/pymarc-test.xml"), WY_MARC21, &n);
    assert_int_equal(n, 10);
    const struct wy_desc *d = &m[0]->desc;
    assert_string_equal(d->id, "fol05731351 ");
    assert_string_equal(d->titles[0], "ActivePerl with ASP and ADO");
    assert_string_equal(d->creators[0].name, "Martinsson, Tobias");
    assert_string_equal(d->creators[0].dates, "1976-");
    assert_int_equal(d->creators[0].secondary, 0);
    assert_string_equal(d->place, "New York");
    assert_string_equal(d->publisher, "John Wiley & Sons");
    assert_string_equal(d->date, "2000");
    assert_int_equal(d->year_from, 2000);
    assert_int_equal(d->year_to, 2000);
    assert_string_equal(wy_desc_ident(m[0], "isbn"), "0471383147");
    assert_string_equal(wy_desc_ident(m[0], "lccn"), "00020737");
    assert_string_equal(d->extent,
                        "xxi, 289 p. : ill. ; 23 cm. + 1 computer  laser disc "
                        "(4 3/4 in.)");
    assert_true(has_subject(m[0], "Perl (Computer program language)"));
    assert_true(has_subject(m[0], "Active server pages"));
    assert_string_equal(d->languages[0], "eng");
    assert_string_equal(d->type, "Text");
    assert_string_equal(d->notes[0], "Tobias Martinsson."); /* 245 $c */
    xw_free_records(m, n);
}

/* 880 paired with 245 (pymarc bad_eacc_encoding.dat, MARC-8 decoded by
   yaz-marcdump): the Japanese title joins the romanized one. */
static void marc21_880_vernacular(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **m = xw_load_marcxml(
        wy_srcpath("tests/fixtures/xwalk/pymarc-eacc-880.xml"), WY_MARC21, &n);
    assert_int_equal(n, 1);
    const struct wy_desc *d = &m[0]->desc;
    assert_int_equal(d->ntitles, 3); /* 245, 240, 880-245 */
    /* MARC-8 writes the macron as a combining mark: o + U+0304 */
    assert_string_equal(d->titles[0], "Beikoku no to\xCC\x84"
                                      "chi no shikumi");
    assert_string_equal(d->titles[2], "米国の統治の仕組");
    /* 260 c2004., 008 s2004 */
    assert_string_equal(d->date, "c2004");
    assert_int_equal(d->year_from, 2004);
    assert_string_equal(d->languages[0], "jpn");
    assert_true(has_subject(m[0], "Democracy--United States"));
    assert_true(has_subject(m[0], "United States--Politics and government"));
    const struct wy_name *c = find_name(
        m[0], "United States. Dept. of State. Bureau of International "
              "Information Programs");
    assert_non_null(c);
    assert_int_equal(c->personal, 0);
    assert_int_equal(c->secondary, 1);
    assert_string_equal(wy_desc_ident(m[0], "uri"),
                        "http://purl.access.gpo.gov/GPO/LPS119031");
    assert_string_equal(wy_desc_ident(m[0], "callno"), "Docs S20.2:AM3/JAPN.");
    xw_free_records(m, n);
}

/* MARC 21 from Alma (dp2 sample_marcxml.xml): blank 008 dates fall back to
   260 $c; AVA availability fields give holdings. */
static void marc21_alma_holdings(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **m =
        xw_load_marcxml(wy_fixture(DP2 "sample_marcxml.xml"), WY_MARC21, &n);
    assert_int_equal(n, 10);
    assert_string_equal(m[0]->desc.date, "2012");
    assert_int_equal(m[0]->desc.year_from, 2012);
    const struct wy_desc *d = &m[1]->desc;
    assert_string_equal(d->titles[0], "'08中国改革跟踪报告");
    assert_string_equal(d->languages[0], "chi");
    assert_string_equal(wy_desc_ident(m[1], "isbn"), "978-7-04-024765-7");
    assert_int_equal(d->nholdings, 1); /* two AVA, same call number */
    assert_string_equal(d->holdings[0].institution, "86BNU_INST");
    assert_string_equal(d->holdings[0].callno, "D61 bnu201");
    xw_free_records(m, n);
}

/* UNIMARC in ISO 2709 through the unimarc handler, then written as DC and
   read back: title, creator and date. pymarc's testunimarc.dat (Italian
   SBN record, as yaz-marcdump prints it):
   200 1  $a L'altra faccia della spirale $f Isaac Asimov ...
   210    $a Milano $c A. Mondadori $d 1996
   700  1 $a Asimov $b , Isaac $4 070
   702  1 $a Fruttero $b , Carlo */
static void unimarc_iso_to_dc(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    size_t n;
    struct wy_record **u = xw_read_all(
        "unimarc", wy_fixture("records/pymarc/testunimarc.dat"), &n);
    assert_int_equal(n, 1);
    struct wy_buf b = WY_BUF_INIT(1u << 20);
    assert_int_equal(fmt_write_one(&dc_handler, u[0], &b, &err), WY_OK);
    const char *dc = wy_buf_cstr(&b);
    assert_non_null(strstr(dc, "<dc:title>L&apos;altra faccia della spirale"
                               "</dc:title>"));
    assert_non_null(
        strstr(dc, "<dc:creator>Asimov, Isaac author</dc:creator>"));
    assert_non_null(strstr(dc, "<dc:contributor>Fruttero, Carlo"
                               "</dc:contributor>"));
    assert_non_null(strstr(dc, "<dc:date>1996</dc:date>"));
    assert_non_null(strstr(dc, "<dc:publisher>Milano : A. Mondadori"
                               "</dc:publisher>"));
    assert_non_null(strstr(dc, "<dc:identifier>URN:ISBN:88-04-40682-8"
                               "</dc:identifier>"));
    wy_buf_release(&b);
    xw_free_records(u, n);

    /* CNMARC in ISO 2709 (the dp2 records through yaz-marcdump, derived/)
       against the DC Alma published for them */
    size_t nd;
    u = xw_read_all("unimarc",
                    wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"), &n);
    struct wy_record **d = xw_read_all(
        "dc", wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), &nd);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(u[i]->desc.id, d[i]->desc.id);
        assert_memory_equal(u[i]->desc.titles[0], d[i]->desc.titles[0],
                            strlen(u[i]->desc.titles[0]));
        assert_string_equal(u[i]->desc.date, d[i]->desc.date);
        assert_int_equal(u[i]->desc.year_from, d[i]->desc.year_from);
    }
    assert_string_equal(u[0]->desc.creators[0].name, "叶震");
    assert_string_equal(u[0]->desc.creators[0].role, "主编");
    xw_free_records(u, n);
    xw_free_records(d, nd);
}

/* MARC 21 in ISO 2709 (pymarc test.dat through the marc21 handler) gives
   the same view as the same records through yaz-marcdump's MARCXML; and
   Boston University's 100 Alma records all make valid DC and MODS. */
static void marc21_iso_same_view(void **state)
{
    (void)state;
    size_t n, m;
    struct wy_record **a =
        xw_read_all("marc21", wy_fixture("records/pymarc/test.dat"), &n);
    struct wy_record **b = xw_load_marcxml(
        wy_srcpath("tests/fixtures/xwalk/pymarc-test.xml"), WY_MARC21, &m);
    assert_int_equal(n, m);
    for (size_t i = 0; i < n; i++) {
        const struct wy_desc *x = &a[i]->desc, *y = &b[i]->desc;
        assert_string_equal(x->titles[0], y->titles[0]);
        assert_int_equal(x->ncreators, y->ncreators);
        assert_int_equal(x->nsubjects, y->nsubjects);
        assert_int_equal(x->year_from, y->year_from);
        assert_string_equal(x->publisher, y->publisher);
    }
    xw_free_records(a, n);
    xw_free_records(b, m);
}

static void year_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok, from, to;
    } t[] = {
        {"1765", 1, 1765, 1765},
        {"[18--]", 1, 1800, 1899},
        {"清乾隆三十年", 1, 1765, 1765},   /* formats/dates.c */
        {"清乾隆三十年[1765]", 1, 1765, 1765},
        {"c1994.", 1, 1994, 1994},
        {"1994-1996", 1, 1994, 1996},
        {"197-?", 1, 1970, 1979},
        {"19uu", 1, 1900, 1999},
        {"1774mau", 1, 1774, 1774},
        {"20020204", 0, 0, 0},
        {"民国20年", 1, 1931, 1931},
        {"明万历(1573～1620)", 1, 1573, 1620},
        {"", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int a = -1, b = -1;
        int ok = xwalk_year_range(t[i].s, strlen(t[i].s), &a, &b);
        if (ok != t[i].ok || (ok && (a != t[i].from || b != t[i].to)))
            fail_msg("'%s': got %d %d..%d", t[i].s, ok, a, b);
    }
}

/* The conventions of Chinese catalogues for ancient books: a dynasty
   before the name ("(清)纪昀") in MARC 21 $a or alone in $c/$d; CNMARC 701
   $c "(清)". Built field by field as a cataloguer enters them. */
static void dynasty_from_names(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    r->kind = WY_MARC21;
    struct wy_field *f = wy_record_add_field(r, "100", '0', ' ');
    wy_field_add_sub(r, f, 'a', "(清)纪昀", strlen("(清)纪昀"));
    wy_field_add_sub(r, f, 'e', "撰", strlen("撰"));
    f = wy_record_add_field(r, "700", '0', ' ');
    wy_field_add_sub(r, f, 'a', "孙星衍,", strlen("孙星衍,"));
    wy_field_add_sub(r, f, 'd', "(清)", strlen("(清)"));
    wy_field_add_sub(r, f, '4', "edt", 3);
    f = wy_record_add_field(r, "260", ' ', ' ');
    wy_field_add_sub(r, f, 'c', "清乾隆三十年[1765]",
                     strlen("清乾隆三十年[1765]"));
    assert_int_equal(xwalk_describe(r, &err), WY_OK);
    assert_string_equal(r->desc.creators[0].name, "纪昀");
    assert_string_equal(r->desc.creators[0].dynasty, "清");
    assert_string_equal(r->desc.creators[0].role, "撰");
    assert_string_equal(r->desc.creators[1].name, "孙星衍");
    assert_string_equal(r->desc.creators[1].dynasty, "清");
    assert_null(r->desc.creators[1].dates);
    assert_string_equal(r->desc.creators[1].role, "edt");
    assert_int_equal(r->desc.year_from, 1765);

    wy_record_clear(r);
    r->kind = WY_UNIMARC;
    f = wy_record_add_field(r, "701", ' ', '0');
    wy_field_add_sub(r, f, 'c', "(清)", strlen("(清)"));
    wy_field_add_sub(r, f, 'a', "纪昀", strlen("纪昀"));
    wy_field_add_sub(r, f, '4', "撰", strlen("撰"));
    f = wy_record_add_field(r, "702", ' ', '1');
    wy_field_add_sub(r, f, 'a', "Smith", 5);
    wy_field_add_sub(r, f, 'b', "John", 4);
    wy_field_add_sub(r, f, 'f', "1900-1980", 9);
    wy_field_add_sub(r, f, '4', "730", 3);
    f = wy_record_add_field(r, "210", ' ', ' ');
    wy_field_add_sub(r, f, 'd', "清乾隆三十年", strlen("清乾隆三十年"));
    f = wy_record_add_field(r, "205", ' ', ' ');
    wy_field_add_sub(r, f, 'a', "刻本", strlen("刻本"));
    assert_int_equal(xwalk_describe(r, &err), WY_OK);
    assert_string_equal(r->desc.creators[0].name, "纪昀");
    assert_string_equal(r->desc.creators[0].dynasty, "清");
    assert_int_equal(r->desc.creators[0].secondary, 0);
    assert_string_equal(r->desc.creators[1].name, "Smith John");
    assert_string_equal(r->desc.creators[1].dates, "1900-1980");
    assert_string_equal(r->desc.creators[1].role, "translator");
    assert_int_equal(r->desc.creators[1].secondary, 1);
    assert_string_equal(r->desc.date, "清乾隆三十年");
    assert_int_equal(r->desc.year_from, 1765);
    assert_string_equal(r->desc.edition, "刻本");
    wy_record_free(r);
}

static void validate(const char *xml, size_t len, const char *xsd)
{
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc;
    if (wy_xml_doc_mem(&doc, xml, len, "output", &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (wy_xml_validate(doc, wy_fixture(xsd), &err) != WY_OK)
        fail_msg("%s\n%s", wy_err_msg(&err), xml);
    xmlFreeDoc(doc);
}

/* Every MARC record -> DC and -> MODS through the view, validated. */
static void marc_to_dc_and_mods_validate(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int src;
        enum wy_marc_kind kind;
    } in[] = {
        {DP2 "sample_cnmarcxml.xml", 0, WY_UNIMARC},
        {DP2 "sample_marcxml.xml", 0, WY_MARC21},
        {"tests/fixtures/xwalk/pymarc-test.xml", 1, WY_MARC21},
        {"tests/fixtures/xwalk/pymarc-eacc-880.xml", 1, WY_MARC21},
    };
    /* and through the ISO 2709 readers */
    static const struct {
        const char *handler, *path;
    } iso[] = {
        {"marc21", "records/catmandu-marc/bu_bibs.mrc"},
        {"unimarc", "records/derived/dp2-bnu-cnmarc-10.iso"},
        {"unimarc", "records/pymarc/testunimarc.dat"},
    };
    struct wy_err err = WY_ERR_INIT;
    for (size_t k = 0; k < sizeof(in) / sizeof(in[0]); k++) {
        size_t n;
        struct wy_record **m = xw_load_marcxml(
            in[k].src ? wy_srcpath(in[k].path) : wy_fixture(in[k].path),
            in[k].kind, &n);
        for (size_t i = 0; i < n; i++) {
            struct wy_buf b = WY_BUF_INIT(1u << 20);
            wy_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            assert_int_equal(dc_write(m[i], &b, &err), WY_OK);
            validate(b.p, b.len, "schemas/oai_dc-local.xsd");
            wy_buf_reset(&b);
            assert_int_equal(fmt_write_one(&mods_handler, m[i], &b, &err),
                             WY_OK);
            validate(b.p, b.len, "schemas/mods-3-8-local.xsd");
            wy_buf_release(&b);
        }
        xw_free_records(m, n);
    }
    for (size_t k = 0; k < sizeof(iso) / sizeof(iso[0]); k++) {
        size_t n;
        struct wy_record **m =
            xw_read_all(iso[k].handler, wy_fixture(iso[k].path), &n);
        assert_true(n >= 1);
        for (size_t i = 0; i < n; i++) {
            struct wy_buf b = WY_BUF_INIT(1u << 20);
            wy_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            assert_int_equal(dc_write(m[i], &b, &err), WY_OK);
            validate(b.p, b.len, "schemas/oai_dc-local.xsd");
            wy_buf_reset(&b);
            assert_int_equal(fmt_write_one(&mods_handler, m[i], &b, &err),
                             WY_OK);
            validate(b.p, b.len, "schemas/mods-3-8-local.xsd");
            wy_buf_release(&b);
        }
        xw_free_records(m, n);
    }
}

/* xwalk_describe with each allocation failing in turn: WY_ENOMEM, then
   the same view once allocations succeed. */
static void allocation_failures(void **state)
{
    (void)state;
    static const char *const in[] = {DP2 "sample_cnmarcxml.xml",
                                     DP2 "sample_marcxml.xml"};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        struct wy_record **m =
            xw_load_marcxml(wy_fixture(in[f]), f ? WY_MARC21 : WY_UNIMARC, &n);
        struct wy_record *r = m[f ? 1 : 0];
        const char *title = r->desc.titles[0];
        size_t nholdings = r->desc.nholdings;
        for (long k = 0;; k++) {
            struct wy_err err = WY_ERR_INIT;
            memset(&r->desc, 0, sizeof(r->desc)); /* old view: in the arena */
            r->desc.year_from = r->desc.year_to = WY_YEAR_NONE;
            wy_alloc_fail_after(k);
            wy_code rc = xwalk_describe(r, &err);
            wy_alloc_fail_after(-1);
            if (rc == WY_OK)
                break;
            assert_err(&err, WY_ENOMEM, "out of memory");
            wy_err_release(&err);
            assert_true(k < 10000);
        }
        assert_string_equal(r->desc.titles[0], title);
        assert_int_equal(r->desc.nholdings, nholdings);
        xw_free_records(m, n);
    }
}

WY_GROUP(crosswalk, NULL, NULL, cmocka_unit_test(allocation_failures),
         cmocka_unit_test(cnmarc_matches_published_dc),
         cmocka_unit_test(cnmarc_matches_published_mods),
         cmocka_unit_test(marc21_pymarc_record),
         cmocka_unit_test(marc21_880_vernacular),
         cmocka_unit_test(marc21_alma_holdings),
         cmocka_unit_test(unimarc_iso_to_dc),
         cmocka_unit_test(marc21_iso_same_view), cmocka_unit_test(year_ranges),
         cmocka_unit_test(dynasty_from_names),
         cmocka_unit_test(marc_to_dc_and_mods_validate))
