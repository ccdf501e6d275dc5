/* tests/test_mets.c: METS descriptive metadata through the mets handler and
   the file/page structure for ingest (mets_parse_structure), on Princeton's
   figgy fixtures (two Chinese rare books among them), DSpace's METS inside
   OAI-PMH and Sweden's FGS-PUBL examples. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "xw_marc.h"

#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/xml.h"
#include "formats/format.h"
#include "formats/mets.h"

#define FIGGY "records/figgy-princeton/"

static struct mets_structure *parse_file(const char *path)
{
    size_t len;
    char *buf = wy_test_slurp(path, &len);
    struct wy_err err = WY_ERR_INIT;
    struct mets_structure *s = NULL;
    if (mets_parse_structure(buf, len, path, &s, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    free(buf);
    return s;
}

static const char *page_file(const struct mets_structure *s, size_t page)
{
    return s->files[s->pages[page].files[0]].id;
}

/* Gutenberg Bible: two volumes; ORDER restarts in each, so pages keep the
   volumes' document order; the Physical structMap wins over RelatedObjects. */
static void gutenberg_structure(void **state)
{
    (void)state;
    struct mets_structure *s =
        parse_file(wy_fixture(FIGGY "pudl0001-9946093213506421-s42.mets"));
    assert_string_equal(s->objid, "ark:/88435/7d278t10z");
    assert_string_equal(s->structmap, "Physical");
    assert_int_equal(s->nfiles, 7);
    assert_string_equal(s->files[0].id, "co69n");
    assert_string_equal(s->files[0].use, "thumbnail");
    assert_null(s->files[0].checksum);
    assert_string_equal(s->files[1].id, "gylme");
    assert_string_equal(s->files[1].use, "masters");
    assert_string_equal(s->files[1].mimetype, "image/tiff");
    assert_string_equal(s->files[1].checksum,
                        "33a5b539e3d1f9abbda59776149d57740d9e7788");
    assert_string_equal(s->files[1].checksumtype, "SHA-1");
    assert_string_equal(s->files[1].href,
                        "file:///users/escowles/downloads/tmp/00000001.tif");
    assert_int_equal(s->files[1].size, -1);
    static const char *const order[] = {"gylme", "l898s", "itc6o",
                                        "tp8n6", "l4e90", "ivg04"};
    static const char *const labels[] = {"cover",     "pastedown", "recto",
                                         "pastedown", "recto",     "verso"};
    assert_int_equal(s->npages, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(page_file(s, i), order[i]);
        assert_string_equal(s->pages[i].label, labels[i]);
    }
    assert_int_equal(s->pages[5].order, 4);
    mets_structure_free(s);
}

/* The Tangut Avatamsaka sutra (Gest Library): 59 files, pages in ORDER. */
static void tangut_sutra(void **state)
{
    (void)state;
    struct mets_structure *s =
        parse_file(wy_fixture(FIGGY "pudl0075-9969715263506421.mets"));
    assert_int_equal(s->nfiles, 59);
    assert_string_equal(s->structmap, "Physical");
    assert_true(s->npages > 0);
    assert_string_equal(page_file(s, 0), "tg5qx");
    assert_string_equal(page_file(s, 1), "thkb4");
    for (size_t i = 1; i < s->npages; i++)
        assert_true(s->pages[i].order > s->pages[i - 1].order);
    mets_structure_free(s);

    size_t n;
    struct wy_record **d = xw_read_all(
        NULL, wy_fixture(FIGGY "pudl0075-9969715263506421.mets"), &n);
    assert_int_equal(n, 1);
    assert_string_equal(d[0]->format, "mets");
    const struct wy_desc *a = &d[0]->desc;
    assert_string_equal(a->id, "ark:/88435/9306t0687");
    int vernacular = 0;
    for (size_t i = 0; i < a->ntitles; i++)
        vernacular |= !strcmp(a->titles[i], "西夏文大方廣佛華嚴經");
    assert_true(vernacular);
    assert_string_equal(a->edition, "Mu huo zi ben.");
    assert_string_equal(a->languages[0], "sit");
    assert_int_equal(a->year_from, 1100);
    assert_int_equal(a->year_to, 1399);
    assert_string_equal(a->holdings[0].callno, "BQ1623.T3 T35");
    xw_free_records(d, n);
}

/* 陶節庵傷寒全生集: only a RelatedObjects structMap; names in two scripts
   with Chinese role terms. */
static void tao_jiean(void **state)
{
    (void)state;
    struct mets_structure *s =
        parse_file(wy_fixture(FIGGY "pudl0003-tc85_2621.mets"));
    assert_string_equal(s->structmap, "RelatedObjects");
    assert_int_equal(s->nfiles, 4);
    mets_structure_free(s);
    size_t n;
    struct wy_record **d =
        xw_read_all("mets", wy_fixture(FIGGY "pudl0003-tc85_2621.mets"), &n);
    const struct wy_desc *a = &d[0]->desc;
    int found = 0;
    for (size_t i = 0; i < a->ncreators; i++)
        if (!strcmp(a->creators[i].name, "朱映璧")) {
            assert_string_equal(a->creators[i].role, "訂正");
            assert_int_equal(a->creators[i].secondary, 1);
            found = 1;
        }
    assert_true(found);
    assert_string_equal(a->creators[0].name, "Tao, Hua");
    assert_int_equal(a->creators[0].secondary, 0);
    assert_int_equal(a->year_from, 1601);
    assert_int_equal(a->year_to, 1644);
    xw_free_records(d, n);
}

/* The collection reference is bad (CONTENTIDS="bad"): that is the
   catalogue's business, the structure itself reads. */
static void bad_collection_reads(void **state)
{
    (void)state;
    struct mets_structure *s =
        parse_file(wy_fixture(FIGGY "bad-collection.mets"));
    /* its Physical structMap is one empty div: the pages come from the
       other one */
    assert_string_equal(s->structmap, "RelatedObjects");
    assert_int_equal(s->nfiles, 5);
    assert_int_equal(s->npages, 4);
    mets_structure_free(s);
    size_t n;
    struct wy_record **d =
        xw_read_all("mets", wy_fixture(FIGGY "bad-collection.mets"), &n);
    assert_string_equal(d[0]->desc.titles[0],
                        "De l'espirit des loix ou Du rapport que les loix "
                        "doivent avoir avec la constitution de chaque "
                        "gouvernemnent, les moeurs, le climat, la religion, le "
                        "commerce, & c., a quoi l'auteur a ajout e des "
                        "recherches nouvelles, sur les loix romaines touchant "
                        "le successions, sur les loix francoises, & sur les "
                        "loix feodales");
    assert_string_equal(d[0]->desc.creators[0].name,
                        "Montesquieu, Charles de Secondat, baron de");
    xw_free_records(d, n);
}

/* DSpace: METS inside an OAI-PMH GetRecord, MODS elements bare in xmlData,
   fileGrp USE inherited, SIZE read; an empty structMap div gives no page. */
static void dspace_in_oai(void **state)
{
    (void)state;
    const char *path = wy_fixture("records/debian-libhttp-oai-perl/mets.xml");
    struct mets_structure *s = parse_file(path);
    assert_string_equal(s->objid, "hdl:1721.1/8338");
    assert_int_equal(s->nfiles, 4);
    assert_string_equal(s->files[0].use, "ORIGINAL");
    assert_string_equal(s->files[2].use, "TEXT");
    assert_int_equal(s->files[0].size, 5942218);
    assert_string_equal(s->files[0].checksumtype, "MD5");
    assert_int_equal(s->npages, 0);
    mets_structure_free(s);
    size_t n;
    struct wy_record **d = xw_read_all(NULL, path, &n);
    assert_int_equal(n, 1);
    assert_string_equal(d[0]->format, "mets");
    assert_string_equal(d[0]->desc.id, "oai:dspace.mit.edu:1721.1/8338");
    assert_string_equal(d[0]->desc.titles[0],
                        "Geometry of cone-beam reconstruction");
    assert_string_equal(d[0]->desc.creators[1].name, "Yang, Xiaochun, 1971-");
    assert_int_equal(d[0]->desc.creators[1].secondary, 0); /* author */
    xw_free_records(d, n);
}

/* FGS-PUBL: xlink under another prefix (ns2:href), one div, two files; the
   file is smaller than the detection peek, read from a descriptor. */
static void fgs_publ(void **state)
{
    (void)state;
    const char *path = wy_fixture("records/eplicta-mets/"
                                  "MODS_enligt_FGS-PUBL_exempel_1.xml");
    struct mets_structure *s = parse_file(path);
    assert_int_equal(s->nfiles, 2);
    assert_string_equal(s->files[0].href,
                        "file:BCK-KSSLIPP11FEBC.dif-akamai352.mp4");
    assert_int_equal(s->files[0].size, 1145856);
    assert_int_equal(s->npages, 1);
    assert_int_equal(s->pages[0].nfiles, 2);
    mets_structure_free(s);

    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(fmt_reader_open_fd(&r, NULL, fd, path, &err), WY_OK);
    struct wy_record *rec;
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_OK);
    assert_string_equal(rec->desc.titles[0],
                        "Christer Björkman i Gomorron Sverige");
    assert_int_equal(fmt_reader_next(r, &rec, &err), WY_EOF);
    fmt_reader_free(r);
    close(fd);
}

static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    struct wy_buf b = WY_BUF_INIT(1u << 22);
    wy_buf_add(&b, s, (size_t)(p - s));
    wy_buf_adds(&b, to);
    wy_buf_adds(&b, p + strlen(from));
    return wy_buf_take(&b, NULL);
}

static void errors_name_the_place(void **state)
{
    (void)state;
    size_t len;
    char *buf = wy_test_slurp(
        wy_fixture(FIGGY "pudl0001-9946093213506421-s42.mets"), &len);
    struct wy_err err = WY_ERR_INIT;
    struct mets_structure *s = NULL;

    char *bad = replace(buf, "<mets:fptr FILEID=\"itc6o\"/>",
                        "<mets:fptr FILEID=\"nope\"/>");
    assert_int_equal(mets_parse_structure(bad, strlen(bad), "g.mets", &s, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "g.mets: line 151: structMap div 'gezxb': "
               "fptr FILEID 'nope' names no file");
    assert_null(s);
    wy_err_release(&err);
    free(bad);

    bad = replace(buf, "ID=\"l898s\"", "ID=\"gylme\"");
    assert_int_equal(mets_parse_structure(bad, strlen(bad), "g.mets", &s, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT,
               "g.mets: line 123: file ID 'gylme' is used "
               "twice");
    wy_err_release(&err);
    free(bad);

    bad = replace(buf, "<mets:mets ",
                  "<!DOCTYPE x SYSTEM \"x.dtd\">\n<mets:mets ");
    assert_int_equal(mets_parse_structure(bad, strlen(bad), "g.mets", &s, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "g.mets: a <!DOCTYPE> declaration is refused");
    wy_err_release(&err);
    free(bad);

    assert_int_equal(mets_parse_structure(buf, 300, "g.mets", &s, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "g.mets: line ");
    wy_err_release(&err);

    static const char nomets[] = "<mods xmlns=\"http://www.loc.gov/mods/v3\"/>";
    assert_int_equal(
        mets_parse_structure(nomets, sizeof(nomets) - 1, "m.xml", &s, &err),
        WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "m.xml: no <mets> element");
    wy_err_release(&err);
    free(buf);
}

static void sha512_hex(const char *path, char out[129])
{
    size_t len;
    char *buf = wy_test_slurp(path, &len);
    unsigned char md[64];
    unsigned int n = 0;
    assert_true(EVP_Digest(buf, len, md, &n, EVP_sha512(), NULL));
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    free(buf);
}

/* The generated sample items (samples/make-items.sh): METS valid against
   the METS and MODS schemas, SHA-512 checksums that match the images and
   their transcriptions, pages in order each with its master image then its
   transcription (plain text, or hOCR for the 縣志), and the embedded MODS
   read through the mets handler. */
static void sample_items(void **state)
{
    (void)state;
    static const struct {
        const char *dir, *title, *dynasty;
        size_t pages;
        int from, to;
        const char *text_mime, *text_ext, *first_text;
    } items[] = {
        {"samples/items/lunyu", "論語集注", "宋", 2, 1765, 1765, "text/plain",
         ".txt", "論語集注卷一學而第一子曰\n學而時習之"},
        {"samples/items/fangzhi", "嘉禾縣志", "清", 3, 1840, 1840,
         "text/vnd.hocr+html", ".hocr",
         "<span class=\"ocrx_word\" id=\"word_1\" title=\"bbox 407 40 447 "
         "86\">嘉</span>"},
        {"samples/items/qianziwen-bag/data", "千字文", "南朝梁", 2, 1573, 1620,
         "text/plain", ".txt", "千字文敕員外散騎侍郎周興\n"},
    };
    struct wy_err err = WY_ERR_INIT;
    for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
        struct wy_buf path = WY_BUF_INIT(4096);
        wy_buf_addf(&path, "%s/mets.xml", wy_srcpath(items[k].dir));
        size_t len;
        char *buf = wy_test_slurp(wy_buf_cstr(&path), &len);
        xmlDocPtr doc;
        assert_int_equal(wy_xml_doc_mem(&doc, buf, len, "mets.xml", &err),
                         WY_OK);
        if (wy_xml_validate(doc,
                            wy_fixture("schemas/mets-mods-bundle-local.xsd"),
                            &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        xmlFreeDoc(doc);
        free(buf);
        struct mets_structure *s = parse_file(wy_buf_cstr(&path));
        assert_int_equal(s->npages, items[k].pages);
        assert_int_equal(s->nfiles, 2 * items[k].pages);
        for (size_t i = 0; i < s->npages; i++) {
            assert_int_equal(s->pages[i].order, (long)i + 1);
            assert_int_equal(s->pages[i].nfiles, 2);
            for (size_t j = 0; j < 2; j++) {
                const struct mets_file *f = &s->files[s->pages[i].files[j]];
                assert_string_equal(f->checksumtype, "SHA-512");
                assert_string_equal(f->use, j ? "transcription" : "master");
                if (j) {
                    assert_string_equal(f->mimetype, items[k].text_mime);
                    const char *dot = strrchr(f->href, '.');
                    assert_non_null(dot);
                    assert_string_equal(dot, items[k].text_ext);
                }
                struct wy_buf file = WY_BUF_INIT(4096);
                wy_buf_addf(&file, "%s/%s", wy_srcpath(items[k].dir),
                            f->href);
                char hex[129];
                sha512_hex(wy_buf_cstr(&file), hex);
                assert_string_equal(f->checksum, hex);
                if (j && i == 0) {
                    size_t tl;
                    char *t = wy_test_slurp(wy_buf_cstr(&file), &tl);
                    if (!strstr(t, items[k].first_text))
                        fail_msg("%s: no '%s'", f->href, items[k].first_text);
                    free(t);
                }
                wy_buf_release(&file);
            }
        }
        mets_structure_free(s);
        size_t n;
        struct wy_record **d = xw_read_all(NULL, wy_buf_cstr(&path), &n);
        assert_int_equal(n, 1);
        assert_string_equal(d[0]->desc.titles[0], items[k].title);
        assert_string_equal(d[0]->desc.creators[0].dynasty, items[k].dynasty);
        assert_int_equal(d[0]->desc.year_from, items[k].from);
        assert_int_equal(d[0]->desc.year_to, items[k].to);
        xw_free_records(d, n);
        wy_buf_release(&path);
    }
}

/* Every allocation of reading and writing failing in turn: WY_ENOMEM,
   no leak, no crash. */
static void allocation_failures(void **state)
{
    (void)state;
    assert_int_equal(
        xw_alloc_failures(
            "mets",
            wy_fixture("records/figgy-princeton/pudl0003-tc85_2621.mets")),
        1);
}

static void structure_allocation_failures(void **state)
{
    (void)state;
    size_t len;
    char *buf = wy_test_slurp(
        wy_fixture(FIGGY "pudl0001-9946093213506421-s42.mets"), &len);
    for (long k = 0;; k++) {
        struct wy_err err = WY_ERR_INIT;
        struct mets_structure *s = NULL;
        wy_alloc_fail_after(k);
        wy_code rc = mets_parse_structure(buf, len, "g.mets", &s, &err);
        wy_alloc_fail_after(-1);
        if (rc == WY_OK) {
            assert_int_equal(s->npages, 6);
            mets_structure_free(s);
            break;
        }
        assert_null(s);
        assert_err(&err, WY_ENOMEM, "out of memory");
        wy_err_release(&err);
        assert_true(k < 10000);
    }
    free(buf);
}

WY_GROUP(mets, NULL, NULL, cmocka_unit_test(structure_allocation_failures),
         cmocka_unit_test(allocation_failures), cmocka_unit_test(sample_items),
         cmocka_unit_test(gutenberg_structure), cmocka_unit_test(tangut_sutra),
         cmocka_unit_test(tao_jiean), cmocka_unit_test(bad_collection_reads),
         cmocka_unit_test(dspace_in_oai), cmocka_unit_test(fgs_publ),
         cmocka_unit_test(errors_name_the_place))
