/* tests/test_oai_union.c: /oai/union, the clusters of
   tests/fixtures/union/libraries.xml over OAI-PMH (queried over HTTP as
   tests/test_oai.c does; every reply validated against the OAI-PMH XSD
   with the oai_dc, MARCXML and MODS schemas, unimarc replies with
   tests/fixtures/schemas/unimarcxml-local.xsd). setup_cn adds the real BNU
   CNMARC records (clusters shown by a CNMARC record). The fixture's nine
   records make five clusters (tests/test_cluster.c): u001+u002 (红楼梦, ISBN-10
   vs 13, held by 国家图书馆 I242.47/1 and 上海图书馆 I242.4/12), u003+u004
   (四库全书总目 1789, 南京图书馆 GJ/100 and 上海图书馆 线善 812345-444),
   u005 alone (the 1868 edition), u006+u007 (ISSN), u008+u009 (OCLC). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "svc_client.h"

#include "core/xml.h"
#include "formats/format.h"
#include "formats/record.h"

#include "repository/catalog.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/import.h"
#include "service/app.h"

#define PAGE 2
#define NCLUSTERS 5
/* the real BNU CNMARC records: 10 (yaz-marcdump), two of them sharing
   ISBN 7-5037-2623-7 (tests/test_cluster.c): 9 clusters */
#define CNMARC "records/derived/dp2-bnu-cnmarc-10.iso"
#define NCN_CLUSTERS 9
#define UNI_NS "info:srw/schema/8/unimarcxml-v0.1"
#define T1 "2026-01-01T00:00:00Z" /* the clusters are built */
#define T2 "2026-02-01T00:00:00Z" /* a staff split */
#define T3 "2026-03-01T00:00:00Z" /* a staff merge */

struct fx {
    char *dir;
    char path[4096];
    struct tc_srv t;
    int64_t u[10]; /* catalog ids of u001..u009 */
    int64_t cn1; /* the first CNMARC record (setup_cn), '94中国发展报告 */
    size_t nclusters;
};

static int64_t rid_in(struct wy_home *h, const char *source, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    if (cat_get_record_by_local(h->cat, source, local, CAT_LOAD_HEADER, &r,
                                &err))
        fail_msg("%s", wy_err_msg(&err));
    int64_t id = r->id;
    cat_record_free(r);
    return id;
}

static int64_t rid(struct wy_home *h, const char *local)
{
    return rid_in(h, NULL, local);
}

/* The home: libraries.xml, and with cn the BNU CNMARC records too. */
static int setup_with(void **state, int cn)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    snprintf(f->path, sizeof(f->path), "%s/h", f->dir);
    struct wy_home *h;
    struct cluster *cl;
    if (home_init(f->path, &err) || home_open(&h, f->path, 0, &err))
        fail_msg("%s", wy_err_msg(&err));
    /* the records in the past: /oai lists up to the second before now */
    if (cat_set_now(h->cat, "2025-12-01T00:00:00Z", &err))
        fail_msg("%s", wy_err_msg(&err));
    struct cat_import_opts o = {0};
    struct cat_import_stats st = {0};
    if (cat_import_file(h->cat,
                        wy_srcpath("tests/fixtures/union/libraries.xml"), &o,
                        &st, &err))
        fail_msg("%s", wy_err_msg(&err));
    struct cat_import_opts co = {.source = "bnu", .format = "unimarc"};
    if (cn && cat_import_file(h->cat, wy_fixture(CNMARC), &co, &st, &err))
        fail_msg("%s", wy_err_msg(&err));
    if (cluster_open(&cl, h->catalog_path, &err) ||
        cluster_set_now(cl, T1, &err) || cluster_sync(cl, h->cat, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
    for (int i = 1; i <= 9; i++) {
        char local[16];
        snprintf(local, sizeof(local), "u%03d", i);
        f->u[i] = rid(h, local);
    }
    f->nclusters = NCLUSTERS;
    if (cn) {
        f->cn1 = rid_in(h, "bnu", "990002180740203961"); /* 001 of record 1 */
        f->nclusters += NCN_CLUSTERS;
    }
    cluster_close(cl);
    home_close(h);
    tc_srv_start(&f->t, f->path);
    f->t.app->page_size = PAGE;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int setup_cn(void **state)
{
    return setup_with(state, 1);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tc_srv_stop(&f->t);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

/* A reply with unimarc metadata: OAI-PMH.xsd wants a schema for every
   metadata namespace; there is no official one for UNIMARC slim, so
   tests/fixtures/schemas/unimarcxml-local.xsd stands in (as in
   tests/test_oai.c). */
static void assert_uni_valid(const char *dir, const char *body, size_t len)
{
    char xsd[4096];
    snprintf(xsd, sizeof(xsd), "%s/oai-unimarc-bundle.xsd", dir);
    FILE *fp = fopen(xsd, "wx");
    if (fp) {
        char oaixsd[4096], unixsd[4096];
        snprintf(oaixsd, sizeof(oaixsd), "%s",
                 wy_fixture("schemas/OAI-PMH.xsd"));
        snprintf(unixsd, sizeof(unixsd), "%s",
                 wy_srcpath("tests/fixtures/schemas/unimarcxml-local.xsd"));
        fprintf(fp,
                "<?xml version=\"1.0\"?>\n<xs:schema "
                "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                "<xs:import namespace=\"http://www.openarchives.org/OAI/2.0/\""
                " schemaLocation=\"%s\"/>\n"
                "<xs:import namespace=\"" UNI_NS "\" schemaLocation=\"%s\"/>\n"
                "</xs:schema>\n",
                oaixsd, unixsd);
        fclose(fp);
    }
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc = NULL;
    if (wy_xml_doc_mem(&doc, body, len, "reply", &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (wy_xml_validate(doc, xsd, &err) != WY_OK)
        fail_msg("reply is not valid: %s\n%.3000s", wy_err_msg(&err), body);
    xmlFreeDoc(doc);
}

static void oai(struct fx *f, const char *query, struct tc_resp *r)
{
    char path[8192];
    snprintf(path, sizeof(path), "/oai/union?%s", query);
    tc_get(&f->t, path, r);
    assert_int_equal(r->status, 200);
    assert_string_equal(tc_header(r, "Content-Type"),
                        "text/xml; charset=utf-8");
    if (strstr(r->body, "<record xmlns=\"" UNI_NS "\">"))
        assert_uni_valid(f->dir, r->body, r->len);
    else
        tc_assert_oai_valid(f->dir, r->body, r->len);
}

static void expect_error(struct fx *f, const char *query, const char *code)
{
    struct tc_resp r;
    oai(f, query, &r);
    char want[64];
    snprintf(want, sizeof(want), "<error code=\"%s\">", code);
    if (!strstr(r.body, want))
        fail_msg("%s: expected %s in\n%s", query, code, r.body);
    tc_resp_free(&r);
}

/* needle in body with the writers' indentation (a newline and the
   blanks after it) taken out. */
static void has_s(const char *body, size_t len, const char *needle)
{
    char *flat = malloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (body[i] == '\n') {
            while (i + 1 < len && body[i + 1] == ' ')
                i++;
            continue;
        }
        flat[o++] = body[i];
    }
    flat[o] = '\0';
    if (!strstr(flat, needle))
        fail_msg("'%s' missing in\n%s", needle, flat);
    free(flat);
}

static void has(const struct tc_resp *r, const char *needle)
{
    has_s(r->body, r->len, needle);
}

static void identify(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    oai(f, "verb=Identify", &r);
    has(&r, "/oai/union</baseURL>");
    has(&r, "union catalogue");
    has(&r, "<request verb=\"Identify\">http://127.0.0.1:");
    has(&r, "<earliestDatestamp>" T1 "</earliestDatestamp>");
    has(&r, "<deletedRecord>persistent</deletedRecord>");
    has(&r, "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>");
    tc_resp_free(&r);
    /* /oai stays the library records' repository */
    tc_get(&f->t, "/oai?verb=Identify", &r);
    assert_non_null(strstr(r.body, "/oai</baseURL>"));
    assert_null(strstr(r.body, "union catalogue"));
    tc_resp_free(&r);
}

static void formats(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    oai(f, "verb=ListMetadataFormats", &r);
    has(&r, "<metadataPrefix>oai_dc</metadataPrefix>");
    has(&r, "<metadataPrefix>marcxml</metadataPrefix>");
    has(&r, "<metadataPrefix>mods</metadataPrefix>");
    has(&r, "<metadataPrefix>unimarc</metadataPrefix><schema>" UNI_NS
            "</schema><metadataNamespace>" UNI_NS "</metadataNamespace>");
    tc_resp_free(&r);
    char q[256];
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[1]);
    oai(f, q, &r);
    has(&r, "<metadataPrefix>marcxml</metadataPrefix>");
    has(&r, "<metadataPrefix>unimarc</metadataPrefix>");
    tc_resp_free(&r);
    expect_error(f, "verb=ListSets", "noSetHierarchy");
}

/* The holdings of a cluster held by two libraries, in each format: the
   libraries and call numbers are the fixture's 852s (u001: 国家图书馆
   I242.47/1; u002: 上海图书馆 I242.4/12), the display record u001 (it has
   the publisher and place u002 lacks). */
static void holdings_in_each_format(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    char q[256], want[512];
    long long c = (long long)f->u[1];
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=marcxml&"
             "identifier=oai:wenyuan:cluster:%lld",
             c);
    oai(f, q, &r);
    snprintf(want, sizeof(want),
             "<identifier>oai:wenyuan:cluster:%lld</identifier>"
             "<datestamp>" T1 "</datestamp>",
             c);
    has(&r, want);
    has(&r, "<record xmlns=\"http://www.loc.gov/MARC21/slim\">");
    has(&r, ">u001</controlfield>");
    has(&r, "人民文学出版社");
    assert_int_equal(tc_count(r.body, "tag=\"852\""), 2);
    has(&r, "<datafield tag=\"852\" ind1=\"8\" ind2=\" \">"
            "<subfield code=\"a\">国家图书馆</subfield>"
            "<subfield code=\"h\">I242.47</subfield>"
            "<subfield code=\"i\">1</subfield>"
            "<subfield code=\"u\">http://127.0.0.1:");
    has(&r, "<subfield code=\"a\">上海图书馆</subfield>"
            "<subfield code=\"h\">I242.4</subfield>"
            "<subfield code=\"i\">12</subfield>");
    snprintf(want, sizeof(want), "/#/record/%lld</subfield>",
             (long long)f->u[2]);
    has(&r, want);
    tc_resp_free(&r);

    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=mods&"
             "identifier=oai:wenyuan:cluster:%lld",
             c);
    oai(f, q, &r);
    assert_int_equal(tc_count(r.body, "<location>"), 2);
    has(&r, "<location><physicalLocation>国家图书馆</physicalLocation>"
            "<shelfLocator>I242.47/1</shelfLocator>"
            "<url access=\"object in context\">http://127.0.0.1:");
    has(&r, "<physicalLocation>上海图书馆</physicalLocation>"
            "<shelfLocator>I242.4/12</shelfLocator>");
    tc_resp_free(&r);

    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=oai_dc&"
             "identifier=oai:wenyuan:cluster:%lld",
             c);
    oai(f, q, &r);
    has(&r, "<dc:title>红楼梦");
    has(&r, "<dc:description>Held by: 国家图书馆; call number: I242.47/1"
            "</dc:description>");
    has(&r, "<dc:description>Held by: 上海图书馆; call number: I242.4/12"
            "</dc:description>");
    assert_int_equal(tc_count(r.body, "<dc:relation>http://127.0.0.1:"), 2);
    tc_resp_free(&r);

    /* shelving numbers that are no class mark go in $j: u003 南京图书馆
       GJ/100, u004 上海图书馆 线善 812345-444 */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=marcxml&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[3]);
    oai(f, q, &r);
    has(&r, "<datafield tag=\"852\" ind1=\"4\" ind2=\" \">"
            "<subfield code=\"a\">南京图书馆</subfield>"
            "<subfield code=\"j\">GJ/100</subfield>");
    has(&r, "<subfield code=\"a\">上海图书馆</subfield>"
            "<subfield code=\"j\">线善 812345-444</subfield>");
    /* in tag order: after 300, before nothing later than 852 */
    assert_true(strstr(r.body, "tag=\"852\"") > strstr(r.body, "tag=\"300\""));
    tc_resp_free(&r);
}

/* Walks a whole list; returns the identifiers (new, one per line), with
   cursor and completeListSize checked on the way. */
static char *harvest_all(struct fx *f, const char *verb, const char *args,
                         size_t *n, size_t *pages, struct wy_buf *bodies)
{
    struct wy_buf ids = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char q[8192];
    snprintf(q, sizeof(q), "verb=%s&%s", verb, args);
    *n = 0;
    *pages = 0;
    for (;;) {
        struct tc_resp r;
        oai(f, q, &r);
        (*pages)++;
        if (bodies)
            wy_buf_add(bodies, r.body, r.len);
        size_t on_page = 0;
        for (const char *p = r.body; (p = strstr(p, "<identifier>"));) {
            p += strlen("<identifier>");
            const char *e = strstr(p, "</identifier>");
            wy_buf_add(&ids, p, (size_t)(e - p));
            wy_buf_addc(&ids, '\n');
            on_page++;
        }
        char *cursor = tc_between(r.body, "cursor=\"", "\"");
        if (cursor)
            assert_int_equal(strtoul(cursor, NULL, 10), *n);
        free(cursor);
        *n += on_page;
        const char *rt = strstr(r.body, "<resumptionToken");
        char *tok = rt ? tc_between(rt, ">", "</resumptionToken>") : NULL;
        if (!tok) {
            if (*pages > 1)
                assert_non_null(rt); /* the empty token ends a paged list */
            tc_resp_free(&r);
            break;
        }
        assert_int_equal(on_page, PAGE);
        char *size = tc_between(rt, "completeListSize=\"", "\"");
        assert_int_equal(strtoul(size, NULL, 10), f->nclusters);
        free(size);
        snprintf(q, sizeof(q), "verb=%s&resumptionToken=%s", verb, tok);
        free(tok);
        tc_resp_free(&r);
        assert_true(*pages < 20);
    }
    return wy_buf_take(&ids, NULL);
}

static char *harvest(struct fx *f, const char *verb, const char *args,
                     size_t *n, size_t *pages)
{
    return harvest_all(f, verb, args, n, pages, NULL);
}

static void harvest_with_tokens(void **state)
{
    struct fx *f = *state;
    size_t n, pages;
    char *ids = harvest(f, "ListRecords", "metadataPrefix=marcxml", &n, &pages);
    assert_int_equal(n, NCLUSTERS);
    assert_int_equal(pages, (NCLUSTERS + PAGE - 1) / PAGE);
    /* each cluster once, named by its smallest record id */
    static const int first[] = {1, 3, 5, 6, 8};
    for (size_t i = 0; i < 5; i++) {
        char want[64];
        snprintf(want, sizeof(want), "oai:wenyuan:cluster:%lld\n",
                 (long long)f->u[first[i]]);
        assert_int_equal(tc_count(ids, want), 1);
    }
    free(ids);
    ids = harvest(f, "ListIdentifiers", "metadataPrefix=mods", &n, &pages);
    assert_int_equal(n, NCLUSTERS);
    free(ids);
    ids =
        harvest(f, "ListRecords", "metadataPrefix=oai_dc&from=" T1, &n, &pages);
    assert_int_equal(n, NCLUSTERS);
    free(ids);
}

static struct cluster *writer(struct fx *f, const char *now)
{
    struct wy_err err = WY_ERR_INIT;
    struct cluster *cl = NULL;
    char db[4200];
    snprintf(db, sizeof(db), "%s/catalog.db", f->path);
    if (cluster_open(&cl, db, &err) || cluster_set_now(cl, now, &err))
        fail_msg("%s", wy_err_msg(&err));
    return cl;
}

/* A staff split at T2, then a staff merge at T3: selective harvests
   from those times see exactly the clusters that changed, and the id the
   merge made vanish as a deletion. */
static void split_and_merge_seen_by_from(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct cluster *cl = writer(f, T2);
    int64_t u3 = f->u[3], u4 = f->u[4];
    assert_int_equal(cluster_split(cl, &u4, 1, "another impression", &err),
                     WY_OK);
    cluster_close(cl);
    struct tc_resp r;
    char want[128];
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=" T2, &r);
    assert_int_equal(tc_count(r.body, "<header>"), 2);
    snprintf(want, sizeof(want),
             "<identifier>oai:wenyuan:cluster:%lld</identifier>"
             "<datestamp>" T2 "</datestamp>",
             (long long)u3);
    has(&r, want);
    snprintf(want, sizeof(want),
             "<identifier>oai:wenyuan:cluster:%lld</identifier>"
             "<datestamp>" T2 "</datestamp>",
             (long long)u4);
    has(&r, want);
    tc_resp_free(&r);
    /* until the day before: the four clusters the split left alone */
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2026-01-31", &r);
    assert_int_equal(tc_count(r.body, "<header>"), 2); /* a page */
    char *size = tc_between(r.body, "completeListSize=\"", "\"");
    assert_int_equal(strtoul(size, NULL, 10), 4);
    free(size);
    tc_resp_free(&r);
    /* the new cluster holds only u004's holding */
    snprintf(want, sizeof(want),
             "verb=GetRecord&metadataPrefix=mods&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)u4);
    oai(f, want, &r);
    assert_int_equal(tc_count(r.body, "<location>"), 1);
    has(&r, "<shelfLocator>线善 812345-444</shelfLocator>");
    tc_resp_free(&r);

    cl = writer(f, T3);
    assert_int_equal(cluster_merge(cl, u3, u4, NULL, &err), WY_OK);
    cluster_close(cl);
    oai(f, "verb=ListRecords&metadataPrefix=marcxml&from=" T3, &r);
    assert_int_equal(tc_count(r.body, "<header>"), 1);
    assert_int_equal(tc_count(r.body, "<header status=\"deleted\">"), 1);
    snprintf(want, sizeof(want),
             "<header status=\"deleted\"><identifier>oai:wenyuan:cluster:"
             "%lld</identifier><datestamp>" T3 "</datestamp></header>",
             (long long)u4);
    has(&r, want);
    assert_int_equal(tc_count(r.body, "<metadata>"), 1);
    assert_int_equal(tc_count(r.body, "tag=\"852\""), 2);
    tc_resp_free(&r);
    /* the vanished id: a deleted record, no formats */
    snprintf(want, sizeof(want),
             "verb=GetRecord&metadataPrefix=oai_dc&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)u4);
    oai(f, want, &r);
    has(&r, "<header status=\"deleted\">");
    assert_null(strstr(r.body, "<metadata>"));
    tc_resp_free(&r);
    snprintf(want, sizeof(want),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:cluster:%lld",
             (long long)u4);
    expect_error(f, want, "noMetadataFormats");
    /* the JSON API lists the same changes */
    tc_get(&f->t, "/api/clusters?since=" T3, &r);
    assert_int_equal(r.status, 200);
    snprintf(want, sizeof(want),
             "{\"id\":%lld,\"datestamp\":\"" T3 "\",\"deleted\":false,"
             "\"href\":\"/api/clusters/%lld\"}",
             (long long)u3, (long long)u3);
    has(&r, want);
    snprintf(want, sizeof(want),
             "{\"id\":%lld,\"datestamp\":\"" T3 "\",\"deleted\":true,"
             "\"href\":null}",
             (long long)u4);
    has(&r, want);
    has(&r, "\"next\":null");
    tc_resp_free(&r);
    tc_get(&f->t, "/api/clusters?since=2026-03-01&size=1", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(tc_count(r.body, "\"id\":"), 1);
    char *next = tc_between(r.body, "\"next\":\"", "\"");
    assert_non_null(next);
    tc_resp_free(&r);
    tc_get(&f->t, next, &r);
    free(next);
    assert_int_equal(r.status, 200);
    snprintf(want, sizeof(want), "{\"id\":%lld,", (long long)u4);
    has(&r, want);
    tc_resp_free(&r);
    tc_get(&f->t, "/api/clusters?until=2026-01-31", &r);
    assert_int_equal(tc_count(r.body, "\"id\":"), 4);
    tc_resp_free(&r);
    static const char *const bad[] = {"since=yesterday", "until=2026-02-30x",
                                      "after=2026-03-01T00:00:00Z", "after=x/1",
                                      "size=0"};
    static const char *const named[] = {"'since'", "'until'", "'after'",
                                        "'after'", "'size'"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(want, sizeof(want), "/api/clusters?%s", bad[i]);
        tc_get(&f->t, want, &r);
        assert_int_equal(r.status, 400);
        has(&r, named[i]);
        tc_resp_free(&r);
    }

    /* a harvest of everything now: the five clusters and one deletion */
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    size = tc_between(r.body, "completeListSize=\"", "\"");
    assert_int_equal(strtoul(size, NULL, 10), NCLUSTERS + 1);
    free(size);
    tc_resp_free(&r);
}

static void errors(void **state)
{
    struct fx *f = *state;
    expect_error(f, "", "badVerb");
    expect_error(f, "verb=Frobnicate", "badVerb");
    expect_error(f, "verb=ListRecords", "badArgument");
    expect_error(f, "verb=GetRecord&identifier=oai:wenyuan:cluster:1",
                 "badArgument");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&from=2026-13-01",
                 "badArgument");
    expect_error(f, "verb=ListRecords&metadataPrefix=unimarc21",
                 "cannotDisseminateFormat");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&set=guji",
                 "noSetHierarchy");
    expect_error(f, "verb=ListSets&resumptionToken=x", "badResumptionToken");
    expect_error(f, "verb=ListRecords&resumptionToken=bogus",
                 "badResumptionToken");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01",
                 "noRecordsMatch");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&until=2020-01-01",
                 "noRecordsMatch");
    char q[256];
    /* a library record's identifier is not a cluster's */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:wenyuan:%lld",
             (long long)f->u[1]);
    expect_error(f, q, "idDoesNotExist");
    /* a member that is not its cluster's id */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=oai_dc&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[2]);
    expect_error(f, q, "idDoesNotExist");
    expect_error(f,
                 "verb=GetRecord&metadataPrefix=oai_dc&"
                 "identifier=oai:wenyuan:cluster:0",
                 "idDoesNotExist");
    expect_error(f,
                 "verb=ListMetadataFormats&"
                 "identifier=oai:wenyuan:cluster:99999999999999999999",
                 "idDoesNotExist");
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=dcterms&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[1]);
    expect_error(f, q, "cannotDisseminateFormat");

    /* a token of /oai is refused here (signed under another key) */
    struct tc_resp r;
    f->t.app->page_size = 1;
    tc_get(&f->t, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    const char *rt = strstr(r.body, "<resumptionToken");
    assert_non_null(rt);
    char *tok = tc_between(rt, ">", "</resumptionToken>");
    tc_resp_free(&r);
    snprintf(q, sizeof(q), "verb=ListIdentifiers&resumptionToken=%s", tok);
    expect_error(f, q, "badResumptionToken");
    free(tok);
    /* and one of ours for another verb */
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    rt = strstr(r.body, "<resumptionToken");
    tok = tc_between(rt, ">", "</resumptionToken>");
    tc_resp_free(&r);
    snprintf(q, sizeof(q), "verb=ListRecords&resumptionToken=%s", tok);
    oai(f, q, &r);
    has(&r, "<error code=\"badResumptionToken\">");
    has(&r, "another verb");
    tc_resp_free(&r);
    free(tok);
    f->t.app->page_size = PAGE;
}

/* The first datafield tagged tag in body (new), for checks inside it. */
static char *datafield(const char *body, const char *tag)
{
    char open[64];
    snprintf(open, sizeof(open), "<datafield tag=\"%s\"", tag);
    char *d = tc_between(body, open, "</datafield>");
    if (!d)
        fail_msg("no %s in\n%s", tag, body);
    return d;
}

/* Reads the one record of a reply's metadata back: the record is the
   reader's (*rd: new, free with fmt_reader_free). */
static struct wy_record *read_back(const struct tc_resp *r,
                                   struct fmt_reader **rd)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *rec = NULL;
    *rd = NULL;
    if (fmt_reader_open_mem(rd, fmt_find("marcxml"), r->body, r->len, "reply",
                            &err) != WY_OK ||
        fmt_reader_next(*rd, &rec, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    return rec;
}

/* A cluster shown by a CNMARC record (BNU record 1, yaz-marcdump: 200 $a
   '94中国发展报告, 905 $a BNU $d F124 $e 26 $s F124/26, three 906 items) is
   in marcxml, converted to MARC 21, with its holding in 852; every cluster
   is in the marcxml harvest. */
static void cnmarc_display_in_marcxml(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    char q[256], want[256];
    long long c = (long long)f->cn1;
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:cluster:%lld", c);
    oai(f, q, &r);
    has(&r, "<metadataPrefix>marcxml</metadataPrefix>");
    has(&r, "<metadataPrefix>unimarc</metadataPrefix>");
    tc_resp_free(&r);

    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=marcxml&"
             "identifier=oai:wenyuan:cluster:%lld",
             c);
    oai(f, q, &r); /* valid against MARC21slim.xsd */
    has(&r, "<record xmlns=\"http://www.loc.gov/MARC21/slim\">");
    has(&r, ">990002180740203961</controlfield>");
    char *t = datafield(r.body, "245");
    if (!strstr(t, "94中国发展报告"))
        fail_msg("245: %s", t);
    free(t);
    struct fmt_reader *rd;
    struct wy_record *rec = read_back(&r, &rd);
    assert_int_equal(rec->kind, WY_MARC21);
    const char *a = wy_record_subfield(rec, "245", 'a');
    assert_non_null(a);
    assert_non_null(strstr(a, "'94中国发展报告"));
    fmt_reader_free(rd);
    assert_int_equal(tc_count(r.body, "tag=\"852\""), 1);
    has(&r, "<datafield tag=\"852\" ind1=\"8\" ind2=\" \">"
            "<subfield code=\"a\">BNU</subfield>"
            "<subfield code=\"h\">F124</subfield>"
            "<subfield code=\"i\">26</subfield>"
            "<subfield code=\"u\">http://127.0.0.1:");
    snprintf(want, sizeof(want), "/#/record/%lld</subfield>", c);
    has(&r, want);
    /* the CNMARC holdings fields are replaced, not carried as local */
    assert_int_equal(tc_count(r.body, "tag=\"905\""), 0);
    assert_int_equal(tc_count(r.body, "tag=\"906\""), 0);
    tc_resp_free(&r);

    /* the whole harvest: every cluster once, each a MARC 21 record */
    size_t n, pages;
    struct wy_buf bodies = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char *ids = harvest_all(f, "ListRecords", "metadataPrefix=marcxml", &n,
                            &pages, &bodies);
    assert_int_equal(n, f->nclusters);
    snprintf(want, sizeof(want), "oai:wenyuan:cluster:%lld\n", c);
    assert_int_equal(tc_count(ids, want), 1);
    const char *all = wy_buf_cstr(&bodies);
    assert_int_equal(
        tc_count(all, "<record xmlns=\"http://www.loc.gov/MARC21/slim\">"),
        f->nclusters);
    has_s(all, strlen(all),
          "<subfield code=\"a\">BNU</subfield>"
          "<subfield code=\"h\">D668</subfield>"
          "<subfield code=\"i\">4</subfield>");
    free(ids);
    wy_buf_release(&bodies);
    ids = harvest(f, "ListIdentifiers", "metadataPrefix=marcxml", &n, &pages);
    assert_int_equal(n, f->nclusters);
    free(ids);

    /* unimarc: the CNMARC record as it is, the holdings in 905 */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=unimarc&"
             "identifier=oai:wenyuan:cluster:%lld",
             c);
    oai(f, q, &r);
    has(&r, "<record xmlns=\"" UNI_NS "\">");
    rec = read_back(&r, &rd);
    assert_int_equal(rec->kind, WY_UNIMARC);
    assert_string_equal(wy_record_subfield(rec, "200", 'a'), "'94中国发展报告");
    assert_non_null(wy_record_field(rec, "905", NULL));
    assert_null(wy_record_field(rec, "906", NULL));
    assert_string_equal(wy_record_subfield(rec, "905", 'a'), "BNU");
    assert_string_equal(wy_record_subfield(rec, "905", 'd'), "F124");
    assert_string_equal(wy_record_subfield(rec, "905", 'e'), "26");
    assert_string_equal(wy_record_subfield(rec, "905", 's'), "F124/26");
    assert_non_null(strstr(wy_record_subfield(rec, "905", 'u'), "/#/record/"));
    fmt_reader_free(rd);
    tc_resp_free(&r);
    ids = harvest(f, "ListRecords", "metadataPrefix=unimarc", &n, &pages);
    assert_int_equal(n, f->nclusters);
    free(ids);
}

/* unimarc of a cluster shown by a MARC 21 record (u001: 245 $a "红楼梦 /"
   $c 曹雪芹著), converted with the holdings in 905 (国家图书馆 I242.47/1,
   上海图书馆 I242.4/12: tests/fixtures/union/libraries.xml). */
static void unimarc_of_marc21(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    char q[256];
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=unimarc&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[1]);
    oai(f, q, &r);
    has(&r, "<record xmlns=\"" UNI_NS "\">");
    char *t = datafield(r.body, "200");
    if (!strstr(t, "<subfield code=\"a\">红楼梦"))
        fail_msg("200: %s", t);
    free(t);
    has(&r, "<datafield tag=\"905\" ind1=\" \" ind2=\" \">"
            "<subfield code=\"a\">国家图书馆</subfield>"
            "<subfield code=\"d\">I242.47</subfield>"
            "<subfield code=\"e\">1</subfield>"
            "<subfield code=\"s\">I242.47/1</subfield>"
            "<subfield code=\"u\">http://127.0.0.1:");
    has(&r, "<subfield code=\"a\">上海图书馆</subfield>"
            "<subfield code=\"d\">I242.4</subfield>"
            "<subfield code=\"e\">12</subfield>"
            "<subfield code=\"s\">I242.4/12</subfield>");
    assert_int_equal(tc_count(r.body, "tag=\"905\""), 2);
    /* the source's 852 is not carried (in 886) next to them */
    assert_null(strstr(r.body, "tag=\"852\""));
    assert_null(strstr(r.body, "tag=\"886\""));
    struct fmt_reader *rd;
    struct wy_record *rec = read_back(&r, &rd);
    assert_int_equal(rec->kind, WY_UNIMARC);
    assert_non_null(strstr(wy_record_subfield(rec, "200", 'a'), "红楼梦"));
    const struct wy_field *c001 = wy_record_field(rec, "001", NULL);
    assert_non_null(c001);
    assert_int_equal(c001->len, 4);
    assert_memory_equal(c001->data, "u001", 4);
    fmt_reader_free(rd);
    tc_resp_free(&r);
    /* shelving numbers that are no class mark: $s alone (u003 GJ/100) */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=unimarc&"
             "identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[3]);
    oai(f, q, &r);
    has(&r, "<subfield code=\"a\">南京图书馆</subfield>"
            "<subfield code=\"s\">GJ/100</subfield><subfield code=\"u\">");
    tc_resp_free(&r);
    size_t n, pages;
    struct wy_buf bodies = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char *ids = harvest_all(f, "ListRecords", "metadataPrefix=unimarc", &n,
                            &pages, &bodies);
    assert_int_equal(n, NCLUSTERS);
    assert_int_equal(
        tc_count(wy_buf_cstr(&bodies), "<record xmlns=\"" UNI_NS "\">"),
        NCLUSTERS);
    free(ids);
    wy_buf_release(&bodies);
}

/* Clusters shown by a record with no MARC at all (the BNU records as DC,
   dp2-sru-cnmarc/sample_dc.xml, 10 records): no conversion exists, so
   they stay out of marcxml and unimarc as before: cannotDisseminateFormat
   naming the cluster and record, left out of the lists, not offered by
   ListMetadataFormats. */
static void no_marc_display_record(void **state)
{
    (void)state;
    struct fx f = {0};
    f.dir = wy_test_tmpdir();
    snprintf(f.path, sizeof(f.path), "%s/h", f.dir);
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h;
    struct cluster *cl;
    struct cat_import_opts o = {.source = "dc", .format = "dc"};
    struct cat_import_stats st = {0};
    if (home_init(f.path, &err) || home_open(&h, f.path, 0, &err) ||
        cat_set_now(h->cat, "2025-12-01T00:00:00Z", &err) ||
        cat_import_file(h->cat,
                        wy_fixture("records/dp2-sru-cnmarc/sample_dc.xml"), &o,
                        &st, &err) ||
        cluster_open(&cl, h->catalog_path, &err) ||
        cluster_set_now(cl, T1, &err) || cluster_sync(cl, h->cat, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
    cluster_close(cl);
    home_close(h);
    tc_srv_start(&f.t, f.path);
    struct tc_resp r;
    oai(&f, "verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    char *id = tc_between(r.body, "<identifier>", "</identifier>");
    assert_non_null(id);
    assert_true(tc_count(r.body, "<header>") > 0);
    tc_resp_free(&r);
    expect_error(&f, "verb=ListRecords&metadataPrefix=marcxml",
                 "noRecordsMatch");
    expect_error(&f, "verb=ListIdentifiers&metadataPrefix=unimarc",
                 "noRecordsMatch");
    char q[512], want[256];
    static const char *const pre[] = {"marcxml", "unimarc"};
    for (int i = 0; i < 2; i++) {
        snprintf(q, sizeof(q), "verb=GetRecord&metadataPrefix=%s&identifier=%s",
                 pre[i], id);
        oai(&f, q, &r);
        has(&r, "<error code=\"cannotDisseminateFormat\">");
        snprintf(want, sizeof(want), "cluster %s: display record ",
                 id + strlen("oai:wenyuan:cluster:"));
        has(&r, want);
        has(&r, "has no MARC 21 or UNIMARC fields");
        tc_resp_free(&r);
    }
    snprintf(q, sizeof(q), "verb=ListMetadataFormats&identifier=%s", id);
    oai(&f, q, &r);
    has(&r, "<metadataPrefix>oai_dc</metadataPrefix>");
    has(&r, "<metadataPrefix>mods</metadataPrefix>");
    assert_null(strstr(r.body, "<metadataPrefix>marcxml<"));
    assert_null(strstr(r.body, "<metadataPrefix>unimarc<"));
    tc_resp_free(&r);
    free(id);
    tc_srv_stop(&f.t);
    wy_test_rmdir(f.dir);
}

/* A home never clustered: an empty repository, not an error. */
static void never_clustered(void **state)
{
    (void)state;
    struct fx f = {0};
    f.dir = wy_test_tmpdir();
    snprintf(f.path, sizeof(f.path), "%s/h", f.dir);
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(home_init(f.path, &err), WY_OK);
    tc_srv_start(&f.t, f.path);
    struct tc_resp r;
    oai(&f, "verb=Identify", &r);
    has(&r, "<earliestDatestamp>1970-01-01T00:00:00Z</earliestDatestamp>");
    tc_resp_free(&r);
    expect_error(&f, "verb=ListRecords&metadataPrefix=oai_dc",
                 "noRecordsMatch");
    expect_error(&f,
                 "verb=GetRecord&metadataPrefix=oai_dc&"
                 "identifier=oai:wenyuan:cluster:1",
                 "idDoesNotExist");
    tc_srv_stop(&f.t);
    wy_test_rmdir(f.dir);
}

/* Cluster tables of schema 1 (written by a build before change times; the
   service opens them read-only and cannot migrate): a 500 that says what
   to run, on /oai/union and /api/clusters alike. */
static void schema1_says_what_to_run(void **state)
{
    (void)state;
    struct fx f = {0};
    f.dir = wy_test_tmpdir();
    snprintf(f.path, sizeof(f.path), "%s/h", f.dir);
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(home_init(f.path, &err), WY_OK);
    char db[4200];
    snprintf(db, sizeof(db), "%s/catalog.db", f.path);
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            s,
            "CREATE TABLE cluster_member (record_id INTEGER PRIMARY KEY,"
            " cluster_id INTEGER NOT NULL, part INTEGER NOT NULL DEFAULT 0,"
            " score INTEGER NOT NULL, title TEXT);"
            "CREATE TABLE cluster_key (key TEXT NOT NULL, record_id INTEGER"
            " NOT NULL, PRIMARY KEY (key, record_id)) WITHOUT ROWID;"
            "CREATE TABLE cluster_holding (record_id INTEGER NOT NULL,"
            " library TEXT NOT NULL, callno TEXT);"
            "CREATE TABLE cluster_link (a INTEGER NOT NULL, b INTEGER NOT"
            " NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;"
            "CREATE TABLE cluster_part (record_id INTEGER PRIMARY KEY,"
            " part INTEGER NOT NULL);"
            "CREATE TABLE cluster_decision (id INTEGER PRIMARY KEY, time TEXT"
            " NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
            "CREATE TABLE cluster_state (key TEXT PRIMARY KEY, value TEXT);"
            "INSERT INTO cluster_state VALUES ('schema', '1');",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    tc_srv_start(&f.t, f.path);
    struct tc_resp r;
    tc_get(&f.t, "/oai/union?verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    assert_int_equal(r.status, 500);
    has(&r, "schema 1");
    has(&r, "wenyuan cluster sync");
    tc_resp_free(&r);
    tc_get(&f.t, "/api/clusters", &r);
    assert_int_equal(r.status, 500);
    has(&r, "wenyuan cluster sync");
    tc_resp_free(&r);
    tc_srv_stop(&f.t);
    wy_test_rmdir(f.dir);
}

WY_GROUP(oai_union, NULL, NULL,
         cmocka_unit_test_setup_teardown(identify, setup, teardown),
         cmocka_unit_test_setup_teardown(formats, setup, teardown),
         cmocka_unit_test_setup_teardown(holdings_in_each_format, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(harvest_with_tokens, setup, teardown),
         cmocka_unit_test_setup_teardown(split_and_merge_seen_by_from, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(errors, setup, teardown),
         cmocka_unit_test_setup_teardown(cnmarc_display_in_marcxml, setup_cn,
                                         teardown),
         cmocka_unit_test_setup_teardown(unimarc_of_marc21, setup, teardown),
         cmocka_unit_test(no_marc_display_record),
         cmocka_unit_test(never_clustered),
         cmocka_unit_test(schema1_says_what_to_run))
