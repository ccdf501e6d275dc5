/* tests/test_oai_parse.c: the OAI-PMH response parser on every captured
   response in ../shared/fixtures/records (Melinda, Sickle, HTTP::OAI's
   citebase and DSpace@MIT captures, pyoai's DSpace at Erasmus captures)
   and on the pages derived from them in tests/fixtures/oai (see its
   README). Expected values are read off the fixture files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/xml.h"
#include "harvester/oai_parse.h"

/* What the callbacks saw. */
struct seen {
    char ids[128][128];
    int deleted[128];
    size_t nsets[128];
    char firstset[128][32];
    size_t n;
    char *md[128];
    int has_rec[128];
    char f245a[128][64];   /* MARC 245 $a of the record read */
    char creator[128][64]; /* desc.creators[0] */
    char prefixes[16][32];
    size_t nprefixes;
    size_t nsetspecs;
    struct wy_buf log;
    wy_code fail_with;
};

static wy_code on_item(void *ctx, const struct oai_item *it, struct wy_err *err)
{
    struct seen *s = ctx;
    if (s->fail_with)
        return wy_err_set(err, s->fail_with, "the sink refused '%s'",
                          it->identifier);
    if (s->n < 128) {
        snprintf(s->ids[s->n], 128, "%s", it->identifier);
        s->deleted[s->n] = it->deleted;
        s->nsets[s->n] = it->nsets;
        snprintf(s->firstset[s->n], 32, "%s", it->nsets ? it->sets[0] : "");
        s->md[s->n] =
            it->metadata ? strndup(it->metadata, it->metadata_len) : NULL;
        s->has_rec[s->n] = it->rec != NULL;
        const char *t =
            it->rec ? wy_record_subfield(it->rec, "245", 'a') : NULL;
        snprintf(s->f245a[s->n], 64, "%s", t ? t : "");
        snprintf(s->creator[s->n], 64, "%s",
                 it->rec && it->rec->desc.ncreators
                     ? it->rec->desc.creators[0].name
                     : "");
        s->n++;
    }
    return WY_OK;
}

static wy_code on_format(void *ctx, const struct oai_format *f,
                         struct wy_err *err)
{
    struct seen *s = ctx;
    (void)err;
    if (s->nprefixes < 16)
        snprintf(s->prefixes[s->nprefixes++], 32, "%s", f->prefix);
    return WY_OK;
}

static wy_code on_set(void *ctx, const struct oai_set *st, struct wy_err *err)
{
    struct seen *s = ctx;
    (void)err, (void)st;
    s->nsetspecs++;
    return WY_OK;
}

static void collect(void *ctx, enum wy_level lv, const char *msg)
{
    struct seen *s = ctx;
    (void)lv;
    wy_buf_adds(&s->log, msg);
    wy_buf_addc(&s->log, '\n');
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->md[i]);
    wy_buf_release(&s->log);
}

/* Parses a file; everything seen goes into s. */
static wy_code parse_file(const char *path, const char *prefix, struct seen *s,
                          struct oai_response *resp, struct wy_err *err)
{
    size_t n;
    char *p = wy_test_slurp(path, &n);
    struct wy_log log;
    wy_log_init(&log, NULL, WY_LOG_DEBUG);
    log.hook = collect;
    log.hook_ctx = s;
    wy_buf_init(&s->log, WY_BUF_NOLIMIT);
    struct oai_parse_opts o = {0};
    o.prefix = prefix;
    o.ctx = s;
    o.item = on_item;
    o.format = on_format;
    o.set = on_set;
    o.log = &log;
    wy_code rc = oai_parse((const unsigned char *)p, n, path, &o, resp, err);
    free(p);
    return rc;
}

/* How many times needle occurs in a fixture file (an independent count). */
static size_t count_in(const char *path, const char *needle)
{
    size_t n, k = 0;
    char *p = wy_test_slurp(path, &n);
    for (char *q = p; (q = strstr(q, needle)); q += strlen(needle))
        k++;
    free(p);
    return k;
}

static const struct expect {
    const char *file;
    wy_code rc;
    const char *verb;
    size_t items, deleted, bad;
    const char *error; /* OAI error code, or NULL */
    const char *token; /* NULL: no resumptionToken element */
    long long cursor, size;
} cases[] = {
    {"records/melinda-oai-pmh/Identify.xml", WY_OK, "Identify", 0, 0, 0, NULL,
     NULL, -1, -1},
    {"records/melinda-oai-pmh/ListMetadataFormats.xml", WY_OK,
     "ListMetadataFormats", 0, 0, 0, NULL, NULL, -1, -1},
    {"records/melinda-oai-pmh/ListSets.xml", WY_OK, "ListSets", 0, 0, 0, NULL,
     NULL, -1, -1},
    {"records/melinda-oai-pmh/ListRecords-marc21-with-resumptionToken.xml",
     WY_OK, "ListRecords", 3, 0, 0, NULL, "foobar", 0, -1},
    {"records/melinda-oai-pmh/ListRecords-marc21-resumed-page.xml", WY_OK,
     "ListRecords", 3, 0, 0, NULL, "foobar", 3, -1},
    {"records/melinda-oai-pmh/ListRecords-marc21-from-with-resumptionToken.xml",
     WY_OK, "ListRecords", 4, 0, 0, NULL, "foobar", 0, -1},
    {"records/melinda-oai-pmh/ListRecords-marc21-final-page.xml", WY_OK,
     "ListRecords", 2, 0, 0, NULL, NULL, -1, -1},
    {"records/melinda-oai-pmh/ListIdentifiers-marc21-with-resumptionToken.xml",
     WY_OK, "ListIdentifiers", 3, 0, 0, NULL, "foobar", 0, -1},
    {"records/melinda-oai-pmh/GetRecord-marc21.xml", WY_OK, "GetRecord", 1, 0,
     0, NULL, NULL, -1, -1},
    {"records/melinda-oai-pmh/GetRecord-melinda_marc.xml", WY_OK, "GetRecord",
     1, 0, 0, NULL, NULL, -1, -1},
    {"records/melinda-oai-pmh/error-badArgument.xml", WY_OK, NULL, 0, 0, 0,
     "badArgument", NULL, -1, -1},
    {"records/melinda-oai-pmh/error-badResumptionToken.xml", WY_OK, NULL, 0, 0,
     0, "badResumptionToken", NULL, -1, -1},
    {"records/melinda-oai-pmh/error-badVerb.xml", WY_OK, NULL, 0, 0, 0,
     "badVerb", NULL, -1, -1},
    {"records/melinda-oai-pmh/error-cannotDisseminateFormat.xml", WY_OK, NULL,
     0, 0, 0, "cannotDisseminateFormat", NULL, -1, -1},
    {"records/melinda-oai-pmh/error-idDoesNotExist.xml", WY_OK, NULL, 0, 0, 0,
     "idDoesNotExist", NULL, -1, -1},
    {"records/sickle/Identify.xml", WY_OK, "Identify", 0, 0, 0, NULL, NULL, -1,
     -1},
    {"records/sickle/ListMetadataFormats.xml", WY_OK, "ListMetadataFormats", 0,
     0, 0, NULL, NULL, -1, -1},
    {"records/sickle/ListSets.xml", WY_OK, "ListSets", 0, 0, 0, NULL, NULL, -1,
     -1},
    {"records/sickle/ListIdentifiers.xml", WY_OK, "ListIdentifiers", 2, 1, 0,
     NULL, "ListIdentifiers2.xml", 0, 4},
    {"records/sickle/ListIdentifiers2.xml", WY_OK, "ListIdentifiers", 2, 1, 0,
     NULL, NULL, -1, -1},
    {"records/sickle/ListRecords.xml", WY_OK, "ListRecords", 2, 1, 0, NULL,
     "ListRecords2.xml", 0, 8},
    {"records/sickle/ListRecords2.xml", WY_OK, "ListRecords", 2, 1, 0, NULL,
     "ListRecords3.xml", 0, 8},
    {"records/sickle/ListRecords3.xml", WY_OK, "ListRecords", 2, 1, 0, NULL,
     "ListRecords4.xml", 0, 8},
    /* its first record's header has no identifier: skipped */
    {"records/sickle/ListRecords4.xml", WY_OK, "ListRecords", 1, 0, 1, NULL,
     NULL, -1, -1},
    {"records/sickle/GetRecord.xml", WY_OK, "GetRecord", 1, 0, 0, NULL, NULL,
     -1, -1},
    {"records/sickle/GetRecord_utf8test.xml", WY_OK, "GetRecord", 1, 0, 0, NULL,
     NULL, -1, -1},
    {"records/sickle/ListRecordsBroken.xml", WY_EFORMAT, NULL, 0, 0, 0, NULL,
     NULL, -1, -1},
    {"records/sickle/badArgument.xml", WY_OK, NULL, 0, 0, 0, "badArgument",
     NULL, -1, -1},
    {"records/sickle/badResumptionToken.xml", WY_OK, NULL, 0, 0, 0,
     "badResumptionToken", NULL, -1, -1},
    {"records/sickle/cannotDisseminateFormat.xml", WY_OK, NULL, 0, 0, 0,
     "cannotDisseminateFormat", NULL, -1, -1},
    {"records/sickle/idDoesNotExist.xml", WY_OK, NULL, 0, 0, 0,
     "idDoesNotExist", NULL, -1, -1},
    {"records/sickle/noRecordsMatch.xml", WY_OK, NULL, 0, 0, 0,
     "noRecordsMatch", NULL, -1, -1},
    {"records/sickle/noSetHierarchy.xml", WY_OK, NULL, 0, 0, 0,
     "noSetHierarchy", NULL, -1, -1},
    {"records/sickle/undefinedError.xml", WY_OK, NULL, 0, 0, 0,
     "undefinedError", NULL, -1, -1},
    {"records/debian-libhttp-oai-perl/identify.xml", WY_OK, "Identify", 0, 0, 0,
     NULL, NULL, -1, -1},
    {"records/debian-libhttp-oai-perl/getrecord.xml", WY_OK, "GetRecord", 1, 0,
     0, NULL, NULL, -1, -1},
    {"records/debian-libhttp-oai-perl/badbytes.xml", WY_OK, "GetRecord", 1, 0,
     0, NULL, NULL, -1, -1},
    {"records/debian-libhttp-oai-perl/mets.xml", WY_OK, "GetRecord", 1, 0, 0,
     NULL, NULL, -1, -1},
    /* an OAI static repository is not a protocol response */
    {"records/debian-libhttp-oai-perl/repository.xml", WY_EFORMAT, NULL, 0, 0,
     0, NULL, NULL, -1, -1},
    {"records/pyoai/fake1/00000.xml", WY_OK, "ListSets", 0, 0, 0, NULL, NULL,
     -1, -1},
    {"records/pyoai/fake1/00001.xml", WY_OK, "Identify", 0, 0, 0, NULL, NULL,
     -1, -1},
    {"records/pyoai/fake1/00002.xml", WY_OK, "ListMetadataFormats", 0, 0, 0,
     NULL, NULL, -1, -1},
    {"records/pyoai/fake1/00003.xml", WY_OK, "ListIdentifiers", 16, 0, 0, NULL,
     NULL, -1, -1},
    {"records/pyoai/fake1/00004.xml", WY_OK, "GetRecord", 1, 0, 0, NULL, NULL,
     -1, -1},
    {"records/pyoai/fake1/00005.xml", WY_OK, "ListRecords", 16, 0, 0, NULL,
     NULL, -1, -1},
    /* a bare oai_dc record, not a response */
    {"records/pyoai/fake1/00006.xml", WY_EFORMAT, NULL, 0, 0, 0, NULL, NULL, -1,
     -1},
    {"records/pyoai/fake2/00000.xml", WY_OK, "GetRecord", 1, 1, 0, NULL, NULL,
     -1, -1},
    {"records/pyoai/fake2/00001.xml", WY_OK, "GetRecord", 1, 0, 0, NULL, NULL,
     -1, -1},
    {"records/pyoai/fake2/00002.xml", WY_OK, "ListRecords", 81, 2, 0, NULL,
     NULL, -1, -1},
    /* <bogus> wrapper: a tag mismatch; an undefined entity */
    {"records/pyoai/fake3/00001.xml", WY_EFORMAT, NULL, 0, 0, 0, NULL, NULL, -1,
     -1},
    {"records/pyoai/fake4/00001.xml", WY_EFORMAT, NULL, 0, 0, 0, NULL, NULL, -1,
     -1},
    {"records/pyoai/fake5/00001.xml", WY_OK, "Identify", 0, 0, 0, NULL, NULL,
     -1, -1},
};

static void every_fixture(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct expect *e = &cases[i];
        struct seen s;
        memset(&s, 0, sizeof(s));
        struct oai_response r;
        struct wy_err err = WY_ERR_INIT;
        wy_code rc = parse_file(wy_fixture(e->file), NULL, &s, &r, &err);
        if (rc != e->rc)
            fail_msg("%s: rc %d (%s), expected %d", e->file, rc,
                     wy_err_msg(&err), e->rc);
        if (rc != WY_OK) {
            /* the message names the file */
            assert_non_null(strstr(wy_err_msg(&err), e->file));
        } else {
            if (e->verb)
                assert_string_equal(r.verb, e->verb);
            else
                assert_null(r.verb);
            if (r.nitems != e->items || r.ndeleted != e->deleted ||
                r.nbad != e->bad)
                fail_msg("%s: %zu items, %zu deleted, %zu bad: %s", e->file,
                         r.nitems, r.ndeleted, r.nbad, wy_buf_cstr(&s.log));
            assert_int_equal(s.n, e->items);
            if (e->error) {
                assert_int_equal(r.nerrors, 1);
                assert_string_equal(r.errors[0].code, e->error);
                assert_non_null(oai_response_error(&r, e->error));
            } else {
                assert_int_equal(r.nerrors, 0);
            }
            assert_int_equal(r.token.present, e->token != NULL);
            if (e->token) {
                assert_string_equal(r.token.value, e->token);
                assert_int_equal(r.token.cursor, e->cursor);
                assert_int_equal(r.token.complete_list_size, e->size);
            }
            assert_non_null(r.response_date);
        }
        oai_response_release(&r);
        wy_err_release(&err);
        seen_free(&s);
    }
}

static void identify_fields(void **state)
{
    (void)state;
    struct seen s;
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    /* Melinda: misspelt <procotolVersion>, <earliestTimestamp>, lower-case
       't' in the granularity, <request> before <responseDate> */
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/melinda-oai-pmh/"
                                           "Identify.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_string_equal(r.identify.protocol_version, "2.0");
    assert_string_equal(r.identify.earliest_datestamp,
                        "2000-01-02T05:00:00.000Z");
    assert_string_equal(r.identify.deleted_record, "transient");
    assert_string_equal(r.identify.granularity, "YYYY-MM-DDthh:mm:ssZ");
    assert_string_equal(r.response_date, "2000-01-01T00:00:00.000Z");
    assert_string_equal(r.req_verb, "Identify");
    assert_string_equal(r.request_url, "http://localhost:1337");
    oai_response_release(&r);
    seen_free(&s);
    /* citebase (2005), with an <?xml-stylesheet?> before the root */
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/debian-libhttp-oai-perl/"
                                           "identify.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_string_equal(r.identify.repository_name, "citebase.eprints.org");
    assert_string_equal(r.identify.granularity, "YYYY-MM-DD");
    oai_response_release(&r);
    seen_free(&s);
    /* DSpace at Erasmus: three compression schemes */
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/pyoai/fake1/00001.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_int_equal(r.identify.ncompression, 3);
    assert_string_equal(r.identify.compression[0], "gzip");
    assert_string_equal(r.identify.compression[2], "deflate");
    assert_string_equal(r.identify.deleted_record, "no");
    assert_string_equal(r.identify.earliest_datestamp, "2001-01-01T00:00:00Z");
    assert_int_equal(r.identify.nadmin_email, 1);
    oai_response_release(&r);
    seen_free(&s);
}

static void formats_and_sets(void **state)
{
    (void)state;
    struct seen s;
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/melinda-oai-pmh/"
                                           "ListMetadataFormats.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_int_equal(s.nprefixes, 3);
    assert_string_equal(s.prefixes[0], "oai_dc");
    assert_string_equal(s.prefixes[1], "marc21");
    assert_string_equal(s.prefixes[2], "melinda_marc");
    oai_response_release(&r);
    seen_free(&s);
    const char *sets = wy_fixture("records/sickle/ListSets.xml");
    size_t want = count_in(sets, "<setSpec>");
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(sets, NULL, &s, &r, &err), WY_OK);
    assert_int_equal(s.nsetspecs, want);
    assert_int_equal(r.nsets, want);
    oai_response_release(&r);
    seen_free(&s);
}

static void headers_and_deletions(void **state)
{
    (void)state;
    struct seen s;
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/sickle/ListRecords.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_string_equal(s.ids[0], "oai:test.example.com:1585310");
    assert_int_equal(s.deleted[0], 1);
    assert_null(s.md[0]);
    assert_string_equal(s.ids[1], "oai:test.example.com:1585322");
    assert_int_equal(s.deleted[1], 0);
    /* the metadata is a standalone document: namespaces declared on
       ancestors travel with it */
    assert_non_null(s.md[1]);
    xmlDocPtr doc = NULL;
    assert_int_equal(wy_xml_doc_mem(&doc, s.md[1], strlen(s.md[1]), "md", &err),
                     WY_OK);
    assert_string_equal((const char *)xmlDocGetRootElement(doc)->name, "dc");
    xmlFreeDoc(doc);
    assert_non_null(strstr(s.md[1], "Sample Title"));
    oai_response_release(&r);
    seen_free(&s);
    /* setSpecs (DSpace at Erasmus), one deletion with a doubled setSpec */
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/pyoai/fake1/00003.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_string_equal(s.ids[0], "hdl:1765/308");
    assert_int_equal(s.nsets[0], 1);
    assert_string_equal(s.firstset[0], "1:2");
    assert_string_equal(s.ids[15], "hdl:1765/325");
    oai_response_release(&r);
    seen_free(&s);
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/pyoai/fake2/00000.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_string_equal(s.ids[0], "hdl:1765/1160");
    assert_int_equal(s.deleted[0], 1);
    assert_int_equal(s.nsets[0], 2);
    oai_response_release(&r);
    seen_free(&s);
    /* Melinda wraps ListIdentifiers headers in <record> */
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/melinda-oai-pmh/ListIdent"
                                           "ifiers-marc21-with-"
                                           "resumptionToken.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_string_equal(s.ids[2], "oai:foo.bar/089101112");
    assert_string_equal(r.token.expiration_date, "2000-01-01T00:00:00.000Z");
    oai_response_release(&r);
    seen_free(&s);
}

static void marc21_metadata_to_record(void **state)
{
    (void)state;
    struct seen s;
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/melinda-oai-pmh/ListRec"
                                           "ords-marc21-with-resumptionToken"
                                           ".xml"),
                                "marc21", &s, &r, &err),
                     WY_OK);
    assert_int_equal(s.n, 3);
    assert_non_null(strstr(s.md[0], "http://www.loc.gov/MARC21/slim"));
    assert_non_null(strstr(s.md[0], "Foo Bar"));
    assert_non_null(strstr(s.md[1], "Fubar"));
    /* the metadata became a record: 245 $a as the fixture has it */
    assert_int_equal(s.has_rec[0], 1);
    assert_string_equal(s.f245a[0], "Foo Bar");
    assert_string_equal(s.f245a[1], "Fubar");
    assert_string_equal(s.f245a[2], "Bar Foo");
    oai_response_release(&r);
    seen_free(&s);
    /* oai_dc: the creator of Sickle's UTF-8 test record */
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/sickle/"
                                           "GetRecord_utf8test.xml"),
                                "oai_dc", &s, &r, &err),
                     WY_OK);
    assert_int_equal(s.has_rec[0], 1);
    assert_string_equal(s.creator[0], "某人");
    oai_response_release(&r);
    seen_free(&s);
}

static void illegal_characters_stripped(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(parse_file(wy_srcpath("tests/fixtures/oai/"
                                           "illegal-chars.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_int_equal(r.stripped, 3);
    assert_int_equal(r.nitems, 2);
    assert_non_null(strstr(s.md[1], "Sample Title"));
    assert_non_null(strstr(wy_buf_cstr(&s.log), "3 characters"));
    oai_response_release(&r);
    seen_free(&s);
}

static void bad_utf8_replaced(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    const char *f = wy_fixture("records/debian-libhttp-oai-perl/badbytes.xml");
    assert_int_equal(parse_file(f, NULL, &s, &r, &err), WY_OK);
    /* 0xC2 bytes followed by no continuation byte, and one U+0006 */
    size_t n;
    unsigned char *p = (unsigned char *)wy_test_slurp(f, &n);
    size_t c2 = 0;
    for (size_t i = 0; i < n; i++)
        c2 += p[i] == 0xC2;
    free(p);
    assert_int_equal(r.replaced, c2);
    assert_int_equal(r.stripped, 1);
    assert_null(r.recoded_from);
    assert_string_equal(s.ids[0], "oai:arXiv.org:hep-th/0001001");
    assert_non_null(strstr(wy_buf_cstr(&s.log), "not UTF-8"));
    oai_response_release(&r);
    seen_free(&s);
}

static void gb18030_labelled_utf8(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(parse_file(wy_srcpath("tests/fixtures/oai/"
                                           "gb18030-labelled-utf8.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_non_null(r.recoded_from);
    assert_string_equal(r.recoded_from, "GB18030");
    assert_int_equal(r.replaced, 0);
    assert_non_null(strstr(s.md[0], "某人"));
    assert_non_null(strstr(s.md[0], "'94中国发展报告"));
    assert_non_null(strstr(wy_buf_cstr(&s.log), "GB18030"));
    oai_response_release(&r);
    seen_free(&s);
}

static void broken_record_skipped(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(parse_file(wy_srcpath("tests/fixtures/oai/"
                                           "broken-record.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_int_equal(r.nitems, 15);
    assert_int_equal(r.nbad, 1);
    /* the other 15 in page order, 313 (the 5th) left out */
    assert_string_equal(s.ids[3], "hdl:1765/312");
    assert_string_equal(s.ids[4], "hdl:1765/315");
    assert_string_equal(s.ids[14], "hdl:1765/325");
    const char *log = wy_buf_cstr(&s.log);
    assert_non_null(strstr(log, "record 5 'hdl:1765/313' skipped"));
    assert_non_null(strstr(log, "titel"));
    oai_response_release(&r);
    seen_free(&s);
}

static void missing_identifier_skipped(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(parse_file(wy_fixture("records/sickle/ListRecords4.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_int_equal(r.nbad, 1);
    assert_string_equal(s.ids[0], "oai:test.example.com:1585322");
    assert_non_null(strstr(wy_buf_cstr(&s.log),
                           "record 1 '(no identifier)' skipped: the header "
                           "has no identifier"));
    oai_response_release(&r);
    seen_free(&s);
}

static void not_xml_names_place(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    const char *f = wy_fixture("records/sickle/ListRecordsBroken.xml");
    assert_int_equal(parse_file(f, NULL, &s, &r, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "ListRecordsBroken.xml: line 1");
    wy_err_release(&err);
    oai_response_release(&r);
    seen_free(&s);
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/pyoai/fake4/00001.xml"),
                                NULL, &s, &r, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "Entity 'bogus' not defined");
    assert_non_null(strstr(wy_err_msg(&err), "line 1, column"));
    wy_err_release(&err);
    oai_response_release(&r);
    seen_free(&s);
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_file(wy_fixture("records/debian-libhttp-oai-perl/"
                                           "repository.xml"),
                                NULL, &s, &r, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "the root element is 'Repository'");
    wy_err_release(&err);
    oai_response_release(&r);
    seen_free(&s);
}

static void empty_last_token(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(parse_file(wy_srcpath("tests/fixtures/oai/"
                                           "erasmus-p9.xml"),
                                NULL, &s, &r, &err),
                     WY_OK);
    assert_int_equal(r.token.present, 1);
    assert_string_equal(r.token.value, "");
    assert_int_equal(r.token.cursor, 72);
    assert_int_equal(r.token.complete_list_size, 81);
    oai_response_release(&r);
    seen_free(&s);
}

static void callback_error_stops(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof(s));
    s.fail_with = WY_EDB;
    struct oai_response r;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(parse_file(wy_fixture("records/pyoai/fake1/00005.xml"),
                                NULL, &s, &r, &err),
                     WY_EDB);
    assert_err(&err, WY_EDB, "the sink refused 'hdl:1765/308'");
    wy_err_release(&err);
    oai_response_release(&r);
    seen_free(&s);
}

static void repair_leaves_clean_input(void **state)
{
    (void)state;
    struct wy_buf out = WY_BUF_INIT(1 << 20);
    struct wy_err err = WY_ERR_INIT;
    size_t st, rp;
    const char *from;
    const char ok[] = "<a>\xe6\x9f\x90\xe4\xba\xba &#x41; &#65;</a>";
    assert_int_equal(oai_repair((const unsigned char *)ok, sizeof(ok) - 1, &out,
                                &st, &rp, &from, &err),
                     WY_OK);
    assert_int_equal(out.len, 0);
    const char bad[] = "<a>x\x01y&#1;z&#xfffe;\xef\xbf\xbf</a>";
    assert_int_equal(oai_repair((const unsigned char *)bad, sizeof(bad) - 1,
                                &out, &st, &rp, &from, &err),
                     WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "<a>xyz</a>");
    assert_int_equal(st, 4);
    /* a page that names another encoding is left to libxml2 */
    wy_buf_reset(&out);
    const char latin[] =
        "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>";
    assert_int_equal(oai_repair((const unsigned char *)latin, sizeof(latin) - 1,
                                &out, &st, &rp, &from, &err),
                     WY_OK);
    assert_int_equal(out.len, 0);
    wy_buf_release(&out);
}

static void prefix_handlers(void **state)
{
    (void)state;
    assert_non_null(oai_handler_for("oai_dc"));
    assert_ptr_equal(oai_handler_for("oai_dc"), fmt_find("dc"));
    assert_ptr_equal(oai_handler_for("marc21"), fmt_find("marcxml"));
    assert_ptr_equal(oai_handler_for("MARC21"), fmt_find("marcxml"));
    assert_ptr_equal(oai_handler_for("mods"), fmt_find("mods"));
    assert_ptr_equal(oai_handler_for("mets"), fmt_find("mets"));
    assert_null(oai_handler_for("epicur"));
    assert_ptr_equal(oai_handler_for("unimarc"), fmt_find("marcxml"));
    assert_null(oai_handler_for(NULL));
}

/* Every allocation of ours failing in turn: WY_ENOMEM or success, never a
   leak or a crash. */
static void allocation_failures(void **state)
{
    (void)state;
    size_t n;
    char *p =
        wy_test_slurp(wy_srcpath("tests/fixtures/oai/broken-record.xml"), &n);
    for (long k = 0; k < 100000; k++) {
        struct seen s;
        memset(&s, 0, sizeof(s));
        struct oai_parse_opts o = {0};
        o.ctx = &s;
        o.item = on_item;
        struct oai_response r;
        struct wy_err err = WY_ERR_INIT;
        wy_alloc_fail_after(k);
        wy_code rc =
            oai_parse((const unsigned char *)p, n, "page", &o, &r, &err);
        wy_alloc_fail_after(-1);
        oai_response_release(&r);
        wy_err_release(&err);
        seen_free(&s);
        if (rc == WY_OK)
            break;
        if (rc != WY_ENOMEM) {
            free(p);
            fail_msg("allocation %ld: code %d", k, rc);
        }
    }
    free(p);
}

WY_GROUP(oai_parse, NULL, NULL, cmocka_unit_test(every_fixture),
         cmocka_unit_test(identify_fields), cmocka_unit_test(formats_and_sets),
         cmocka_unit_test(headers_and_deletions),
         cmocka_unit_test(marc21_metadata_to_record),
         cmocka_unit_test(illegal_characters_stripped),
         cmocka_unit_test(bad_utf8_replaced),
         cmocka_unit_test(gb18030_labelled_utf8),
         cmocka_unit_test(broken_record_skipped),
         cmocka_unit_test(missing_identifier_skipped),
         cmocka_unit_test(not_xml_names_place),
         cmocka_unit_test(empty_last_token),
         cmocka_unit_test(callback_error_stops),
         cmocka_unit_test(repair_leaves_clean_input),
         cmocka_unit_test(prefix_handlers),
         cmocka_unit_test(allocation_failures))
