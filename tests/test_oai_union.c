/* tests/test_oai_union.c: /oai/union, the clusters of
   tests/fixtures/union/libraries.xml over OAI-PMH (queried over HTTP as
   tests/test_oai.c does; every reply validated against the OAI-PMH XSD
   with the oai_dc, MARCXML and MODS schemas). The fixture's nine records
   make five clusters (tests/test_cluster.c): u001+u002 (红楼梦, ISBN-10 vs
   13, held by 国家图书馆 I242.47/1 and 上海图书馆 I242.4/12), u003+u004
   (四库全书总目 1789, 南京图书馆 GJ/100 and 上海图书馆 线善 812345-444),
   u005 alone (the 1868 edition), u006+u007 (ISSN), u008+u009 (OCLC). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "svc_client.h"

#include "repository/catalog.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/import.h"
#include "service/app.h"

#define PAGE 2
#define NCLUSTERS 5
#define T1 "2026-01-01T00:00:00Z" /* the clusters are built */
#define T2 "2026-02-01T00:00:00Z" /* a staff split */
#define T3 "2026-03-01T00:00:00Z" /* a staff merge */

struct fx {
    char *dir;
    char path[4096];
    struct tc_srv t;
    int64_t u[10]; /* catalog ids of u001..u009 */
};

static int64_t rid(struct wy_home *h, const char *local)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    if (cat_get_record_by_local(h->cat, NULL, local, CAT_LOAD_HEADER, &r, &err))
        fail_msg("%s", wy_err_msg(&err));
    int64_t id = r->id;
    cat_record_free(r);
    return id;
}

static int setup(void **state)
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
                        &st, &err) ||
        cluster_open(&cl, h->catalog_path, &err) ||
        cluster_set_now(cl, T1, &err) || cluster_sync(cl, h->cat, NULL, &err))
        fail_msg("%s", wy_err_msg(&err));
    for (int i = 1; i <= 9; i++) {
        char local[16];
        snprintf(local, sizeof(local), "u%03d", i);
        f->u[i] = rid(h, local);
    }
    cluster_close(cl);
    home_close(h);
    tc_srv_start(&f->t, f->path);
    f->t.app->page_size = PAGE;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tc_srv_stop(&f->t);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

static void oai(struct fx *f, const char *query, struct tc_resp *r)
{
    char path[8192];
    snprintf(path, sizeof(path), "/oai/union?%s", query);
    tc_get(&f->t, path, r);
    assert_int_equal(r->status, 200);
    assert_string_equal(tc_header(r, "Content-Type"),
                        "text/xml; charset=utf-8");
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

/* needle in the body with the writers' indentation (a newline and the
   blanks after it) taken out. */
static void has(const struct tc_resp *r, const char *needle)
{
    char *flat = malloc(r->len + 1);
    size_t o = 0;
    for (size_t i = 0; i < r->len; i++) {
        if (r->body[i] == '\n') {
            while (i + 1 < r->len && r->body[i + 1] == ' ')
                i++;
            continue;
        }
        flat[o++] = r->body[i];
    }
    flat[o] = '\0';
    if (!strstr(flat, needle))
        fail_msg("'%s' missing in\n%s", needle, flat);
    free(flat);
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
    assert_null(strstr(r.body, "<metadataPrefix>unimarc"));
    tc_resp_free(&r);
    char q[256];
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:cluster:%lld",
             (long long)f->u[1]);
    oai(f, q, &r);
    has(&r, "<metadataPrefix>marcxml</metadataPrefix>");
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
static char *harvest(struct fx *f, const char *verb, const char *args,
                     size_t *n, size_t *pages)
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
        assert_int_equal(strtoul(size, NULL, 10), NCLUSTERS);
        free(size);
        snprintf(q, sizeof(q), "verb=%s&resumptionToken=%s", verb, tok);
        free(tok);
        tc_resp_free(&r);
        assert_true(*pages < 20);
    }
    return wy_buf_take(&ids, NULL);
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
    expect_error(f, "verb=ListRecords&metadataPrefix=unimarc",
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
         cmocka_unit_test(never_clustered),
         cmocka_unit_test(schema1_says_what_to_run))
