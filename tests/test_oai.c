/* tests/test_oai.c: the OAI-PMH data provider, queried over HTTP with
   libcurl on a home filled with real records: 10 CNMARC records of Beijing
   Normal University (derived/dp2-bnu-cnmarc-10.iso, collection guji) and
   100 MARC 21 records of Boston University (catmandu-marc/bu_bibs.mrc), one
   of which is deleted. Every reply is validated against the OAI-PMH XSD and
   the metadata schemas. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "svc_client.h"

#include "core/xml.h"
#include "formats/format.h"
#include "formats/record.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/import.h"
#include "repository/libsets.h"
#include "service/app.h"

#define NCN 10 /* records in dp2-bnu-cnmarc-10.iso (yaz-marcdump) */
#define PAGE 7
/* bu_bibs.mrc holds 100 records (yaz-marcdump -np); our reader refuses the
   few whose leader length disagrees with their terminator, so the harvest
   is checked against what the catalog holds */
#define NALL (f->nall)

struct fx {
    char *home;
    struct tc_srv t;
    int64_t deleted_id; /* the tombstone */
    int64_t first_cn;   /* the first CNMARC record */
    size_t nall;        /* records in the catalog, deleted one included */
    char last_bu[32];   /* local id of the last MARC 21 record */
    size_t nbnu;        /* CNMARC records whose holdings name BNU (905$a) */
};

/* Puts every record of a fixture file into the catalog; returns how many. */
/* The records are written the way import, harvest and ingest write them
   (with their holding libraries as sets); *held (may be NULL) counts the
   records whose holdings name the institution "BNU". */
static size_t load(struct cat *c, const char *handler, const char *rel,
                   const char *prefix, const char *collection, int64_t *first,
                   size_t *held)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    int fd = open(wy_fixture(rel), O_RDONLY);
    assert_true(fd >= 0);
    const struct fmt_handler *h = fmt_find(handler);
    assert_non_null(h);
    if (fmt_reader_open_fd(&r, h, fd, rel, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct wy_record *rec;
    size_t n = 0;
    wy_code rc;
    while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
        if (rc == WY_EFORMAT) { /* a bad record: skipped (rule 10) */
            wy_err_release(&err);
            continue;
        }
        if (rc != WY_OK)
            fail_msg("%s: %s", rel, wy_err_msg(&err));
        char id[64];
        snprintf(id, sizeof(id), "%s-%03zu", prefix, n + 1);
        struct cat_put p = {
            .local_id = id, .collection = collection, .rec = rec};
        struct cat_put_result res;
        if (libset_put_record(c, &p, &res, &err) != WY_OK)
            fail_msg("%s: %s", id, wy_err_msg(&err));
        for (size_t i = 0; held && i < rec->desc.nholdings; i++)
            if (rec->desc.holdings[i].institution &&
                !strcmp(rec->desc.holdings[i].institution, "BNU")) {
                (*held)++;
                break;
            }
        if (n == 0 && first)
            *first = res.id;
        n++;
    }
    fmt_reader_free(r);
    close(fd);
    return n;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->home = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/h", f->home);
    if (home_init(path, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct wy_home *h;
    assert_int_equal(home_open(&h, path, 0, &err), WY_OK);
    assert_int_equal(cat_set_now(h->cat, "2020-01-01T08:00:00Z", &err), WY_OK);
    assert_int_equal(cat_begin(h->cat, &err), WY_OK); /* one fsync */
    assert_int_equal(load(h->cat, "unimarc",
                          "records/derived/dp2-bnu-cnmarc-10.iso", "bnu",
                          "guji", &f->first_cn, &f->nbnu),
                     NCN);
    size_t nbu = load(h->cat, "marc21", "records/catmandu-marc/bu_bibs.mrc",
                      "bu", NULL, NULL, NULL);
    if (nbu < 50 || nbu > 100)
        fail_msg("%zu records of bu_bibs.mrc read", nbu);
    f->nall = NCN + nbu;
    snprintf(f->last_bu, sizeof(f->last_bu), "bu-%03zu", nbu);
    int64_t count = 0;
    struct cat_list_query all = {.include_deleted = 1};
    assert_int_equal(cat_count(h->cat, &all, &count, &err), WY_OK);
    assert_int_equal(count, f->nall);
    assert_int_equal(cat_commit(h->cat, &err), WY_OK);
    assert_int_equal(cat_set_now(h->cat, "2021-07-01T00:00:00Z", &err), WY_OK);
    struct cat_put_result res;
    assert_int_equal(
        cat_delete_record(h->cat, NULL, "bu-050", NULL, NULL, &res, &err),
        WY_OK);
    f->deleted_id = res.id;
    home_close(h);
    tc_srv_start(&f->t, path);
    f->t.app->page_size = PAGE;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tc_srv_stop(&f->t);
    wy_test_rmdir(f->home);
    free(f);
    return 0;
}

static void oai(struct fx *f, const char *query, struct tc_resp *r)
{
    char path[8192];
    snprintf(path, sizeof(path), "/oai?%s", query);
    tc_get(&f->t, path, r);
    assert_int_equal(r->status, 200);
    assert_string_equal(tc_header(r, "Content-Type"),
                        "text/xml; charset=utf-8");
    tc_assert_oai_valid(f->home, r->body, r->len);
}

static void expect_error(struct fx *f, const char *query, const char *code)
{
    struct tc_resp r;
    oai(f, query, &r);
    char want[64];
    snprintf(want, sizeof(want), "<error code=\"%s\">", code);
    if (!strstr(r.body, want))
        fail_msg("%s: expected %s in\n%s", query, code, r.body);
    /* badVerb and badArgument: the request element has no attributes */
    if (!strcmp(code, "badVerb") || !strcmp(code, "badArgument"))
        assert_non_null(strstr(r.body, "<request>http://"));
    tc_resp_free(&r);
}

static void identify(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    oai(f, "verb=Identify", &r);
    assert_non_null(strstr(r.body, "<earliestDatestamp>2020-01-01T08:00:00Z"
                                   "</earliestDatestamp>"));
    assert_non_null(
        strstr(r.body, "<deletedRecord>persistent</deletedRecord>"));
    assert_non_null(strstr(r.body, "<granularity>YYYY-MM-DDThh:mm:ssZ"));
    assert_non_null(
        strstr(r.body, "<request verb=\"Identify\">http://127.0.0.1:"));
    tc_resp_free(&r);
}

static void errors_of_every_kind(void **state)
{
    struct fx *f = *state;
    expect_error(f, "", "badVerb");
    expect_error(f, "verb=Frobnicate", "badVerb");
    expect_error(f, "verb=Identify&verb=Identify", "badVerb");
    expect_error(f, "verb=Identify&extra=1", "badArgument");
    expect_error(f,
                 "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
                 "badArgument");
    expect_error(f, "verb=ListRecords", "badArgument");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&from=2020-13-01",
                 "badArgument");
    expect_error(f,
                 "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&"
                 "until=2021-01-01T00:00:00Z",
                 "badArgument");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&q=%FF",
                 "badArgument");
    expect_error(f, "verb=ListRecords&resumptionToken=bogus",
                 "badResumptionToken");
    expect_error(f, "verb=ListSets&resumptionToken=bogus",
                 "badResumptionToken");
    expect_error(f, "verb=ListRecords&metadataPrefix=dcterms",
                 "cannotDisseminateFormat");
    expect_error(f, "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:1",
                 "idDoesNotExist");
    expect_error(f,
                 "verb=GetRecord&metadataPrefix=oai_dc&"
                 "identifier=oai:wenyuan:999999",
                 "idDoesNotExist");
    expect_error(f, "verb=ListMetadataFormats&identifier=oai:wenyuan:0",
                 "idDoesNotExist");
    expect_error(f, "verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01",
                 "noRecordsMatch");
    expect_error(f, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=nosuchset",
                 "noRecordsMatch");
    char q[256];
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:%lld",
             (long long)f->deleted_id);
    expect_error(f, q, "noMetadataFormats");
}

static void no_set_hierarchy(void **state)
{
    (void)state;
    /* a home whose collections were removed has no sets at all */
    struct wy_err err = WY_ERR_INIT;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/h", dir);
    assert_int_equal(home_init(path, &err), WY_OK);
    struct wy_home *h;
    assert_int_equal(home_open(&h, path, 0, &err), WY_OK);
    struct cat_collection *cols;
    size_t n;
    assert_int_equal(cat_collection_list(h->cat, &cols, &n, &err), WY_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cat_collection_remove(h->cat, cols[i].code, &err),
                         WY_OK);
    cat_collections_free(cols, n);
    home_close(h);
    struct fx f = {.home = dir};
    tc_srv_start(&f.t, path);
    expect_error(&f, "verb=ListSets", "noSetHierarchy");
    expect_error(&f, "verb=ListRecords&metadataPrefix=oai_dc&set=guji",
                 "noSetHierarchy");
    tc_srv_stop(&f.t);
    wy_test_rmdir(dir);
}

static void formats_and_sets(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    oai(f, "verb=ListMetadataFormats", &r);
    assert_non_null(strstr(r.body, "<metadataPrefix>oai_dc</metadataPrefix>"));
    assert_non_null(strstr(r.body, "<metadataPrefix>marcxml</metadataPrefix>"));
    assert_non_null(strstr(r.body, "<metadataPrefix>mods</metadataPrefix>"));
    tc_resp_free(&r);
    oai(f, "verb=ListSets", &r);
    /* the seeded collection: ASCII setSpec, Chinese setName */
    assert_non_null(
        strstr(r.body, "<setSpec>guji</setSpec><setName>古籍</setName>"));
    tc_resp_free(&r);
}

static char *harvest(struct fx *f, const char *verb, const char *args,
                     size_t *n, size_t *pages, char **first_response_date);

/* The holding libraries are sets: "library" and "library:<code>". */
static void library_sets(void **state)
{
    struct fx *f = *state;
    /* yaz-marcdump of dp2-bnu-cnmarc-10.iso: 9 of the 10 records have a
       905 $a BNU */
    assert_int_equal(f->nbnu, 9);
    struct tc_resp r;
    oai(f, "verb=ListSets", &r);
    assert_non_null(strstr(r.body, "<setSpec>library</setSpec><setName>"
                                   "收藏馆 Holding libraries</setName>"));
    /* an ASCII institution code is its own setSpec and name */
    assert_non_null(strstr(
        r.body, "<setSpec>library:BNU</setSpec><setName>BNU</setName>"));
    tc_resp_free(&r);
    size_t n, pages;
    char *ids = harvest(f, "ListIdentifiers",
                        "metadataPrefix=oai_dc&set=library:BNU", &n, &pages,
                        NULL);
    assert_int_equal(n, f->nbnu);
    free(ids);
    ids = harvest(f, "ListRecords", "metadataPrefix=oai_dc&set=library:BNU",
                  &n, &pages, NULL);
    assert_int_equal(n, f->nbnu);
    free(ids);
    /* the parent holds every child */
    ids = harvest(f, "ListIdentifiers", "metadataPrefix=oai_dc&set=library",
                  &n, &pages, NULL);
    assert_true(n >= f->nbnu);
    assert_true(n <= NALL);
    free(ids);
    char q[256];
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:wenyuan:%lld",
             (long long)f->first_cn);
    oai(f, q, &r);
    assert_non_null(strstr(r.body, "<setSpec>library:BNU</setSpec>"));
    tc_resp_free(&r);
    expect_error(f, "verb=ListIdentifiers&metadataPrefix=oai_dc&"
                    "set=library:NOSUCH",
                 "noRecordsMatch");
}

/* A library named in Chinese gets a hex code; its name is the setName. */
static void library_set_chinese_name(void **state)
{
    (void)state;
    char spec[LIBSET_SPEC_MAX];
    /* sha256sum of the UTF-8 name, first 12 hex digits */
    assert_int_equal(libset_spec("北京师范大学图书馆", spec), 0);
    assert_string_equal(spec, "library:5ce961216b4d");
    /* NFD and NFC of the same name: one code (printf 'Biblioth\xc3\xa8que'
       | sha256sum) */
    assert_int_equal(libset_spec("Bibliothe\xcc\x80que", spec), 0);
    assert_string_equal(spec, "library:709acc9ef56e");
    assert_int_equal(libset_spec("Biblioth\xc3\xa8que", spec), 0);
    assert_string_equal(spec, "library:709acc9ef56e");
    assert_int_equal(libset_spec(" CN-BJ-NLC ", spec), 0);
    assert_string_equal(spec, "library:CN-BJ-NLC");
    assert_int_equal(libset_spec("86BNU", spec), 0);
    assert_string_equal(spec, "library:86BNU");
    /* a colon or a space is not a token character */
    assert_int_equal(libset_spec("BNU:1", spec), 0);
    assert_int_equal(strlen(spec), 8 + 12);
    assert_int_equal(libset_spec("  ", spec), -1);
    assert_int_equal(libset_spec(NULL, spec), -1);

    struct wy_err err = WY_ERR_INIT;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/h", dir);
    assert_int_equal(home_init(path, &err), WY_OK);
    struct wy_home *h;
    assert_int_equal(home_open(&h, path, 0, &err), WY_OK);
    /* in the past: a harvest's until excludes the current second */
    assert_int_equal(cat_set_now(h->cat, "2020-01-01T08:00:00Z", &err), WY_OK);
    const char *insts[] = {"北京师范大学图书馆", "北京师范大学图书馆", "BNU"};
    for (int i = 0; i < 3; i++) {
        struct wy_record *rec = wy_record_new();
        assert_non_null(rec);
        assert_true(wy_desc_add_title(rec, "红楼梦", strlen("红楼梦")));
        struct wy_holding hd = {insts[i], "I242/1", NULL, NULL};
        assert_true(wy_desc_add_holding(rec, &hd));
        if (i == 1) /* twice in one record: one set */
            assert_true(wy_desc_add_holding(rec, &hd));
        char id[16];
        snprintf(id, sizeof(id), "r%d", i);
        const char *given[] = {"guji"};
        struct cat_put p = {.local_id = id, .rec = rec, .sets = given,
                            .nsets = 1};
        if (libset_put_record(h->cat, &p, NULL, &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        wy_record_free(rec);
    }
    struct cat_record *cr = NULL;
    assert_int_equal(cat_get_record_by_local(h->cat, NULL, "r1",
                                             CAT_LOAD_HEADER, &cr, &err),
                     WY_OK);
    assert_int_equal(cr->nsets, 2);
    assert_string_equal(cr->sets[0], "guji");
    assert_string_equal(cr->sets[1], "library:5ce961216b4d");
    cat_record_free(cr);
    /* errors of the put pass through */
    struct cat_put bad = {.rec = NULL, .local_id = "r9"};
    assert_int_equal(libset_put_record(h->cat, &bad, NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'r9'");
    wy_err_release(&err);
    /* import writes through it: the BNU records are in library:BNU */
    struct cat_import_opts io = {.source = "imp", .format = "unimarc"};
    struct cat_import_stats ist = {0};
    if (cat_import_file(h->cat,
                        wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"),
                        &io, &ist, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct cat_list_query q = {.set = "library:BNU", .source = "imp"};
    int64_t cnt = 0;
    assert_int_equal(cat_count(h->cat, &q, &cnt, &err), WY_OK);
    assert_int_equal(cnt, 9); /* yaz-marcdump: 9 records with 905 $a BNU */
    char *name = NULL;
    assert_int_equal(cat_meta_get(h->cat, "set.library:5ce961216b4d", &name,
                                  &err),
                     WY_OK);
    assert_string_equal(name, "北京师范大学图书馆");
    free(name);
    home_close(h);
    struct fx f = {.home = dir};
    tc_srv_start(&f.t, path);
    struct tc_resp r;
    oai(&f, "verb=ListSets", &r);
    assert_non_null(strstr(r.body, "<setSpec>library:5ce961216b4d</setSpec>"
                                   "<setName>北京师范大学图书馆</setName>"));
    assert_non_null(strstr(
        r.body, "<setSpec>library:BNU</setSpec><setName>BNU</setName>"));
    tc_resp_free(&r);
    size_t n, pages;
    char *ids = harvest(&f, "ListIdentifiers",
                        "metadataPrefix=oai_dc&set=library:5ce961216b4d", &n,
                        &pages, NULL);
    assert_int_equal(n, 2);
    free(ids);
    ids = harvest(&f, "ListIdentifiers", "metadataPrefix=oai_dc&set=library",
                  &n, &pages, NULL);
    assert_int_equal(n, 3 + 9);
    free(ids);
    tc_srv_stop(&f.t);
    wy_test_rmdir(dir);
}

static void get_record_in_each_format(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    char q[256];
    static const char *const prefixes[] = {"oai_dc", "mods"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(q, sizeof(q),
                 "verb=GetRecord&metadataPrefix=%s&"
                 "identifier=oai:wenyuan:%lld",
                 prefixes[i], (long long)f->first_cn);
        oai(f, q, &r);
        /* 200$a of the first record (yaz-marcdump of the fixture) */
        if (!strstr(r.body, "&apos;94中国发展报告") &&
            !strstr(r.body, "'94中国发展报告"))
            fail_msg("%s: title missing:\n%s", prefixes[i], r.body);
        assert_non_null(strstr(r.body, "<setSpec>guji</setSpec>"));
        tc_resp_free(&r);
    }
    /* CNMARC is not MARC 21 slim (its leader has '-' fill characters) */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=marcxml&"
             "identifier=oai:wenyuan:%lld",
             (long long)f->first_cn);
    oai(f, q, &r);
    assert_non_null(strstr(r.body, "<error code=\"cannotDisseminateFormat\">"));
    tc_resp_free(&r);
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&"
             "identifier=oai:wenyuan:%lld",
             (long long)f->first_cn);
    oai(f, q, &r);
    assert_null(strstr(r.body, "<metadataPrefix>marcxml"));
    assert_non_null(strstr(r.body, "<metadataPrefix>mods"));
    tc_resp_free(&r);
    /* a MARC 21 record in MARCXML: 245$a of the first bu_bibs record */
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=marcxml&"
             "identifier=oai:wenyuan:%lld",
             (long long)f->first_cn + NCN);
    oai(f, q, &r);
    assert_non_null(strstr(r.body, "America without the death penalty"));
    assert_non_null(
        strstr(r.body, "<record xmlns=\"http://www.loc.gov/MARC21/slim\">"));
    tc_resp_free(&r);
    snprintf(q, sizeof(q),
             "verb=GetRecord&metadataPrefix=oai_dc&"
             "identifier=oai:wenyuan:%lld",
             (long long)f->deleted_id);
    oai(f, q, &r);
    assert_non_null(strstr(r.body, "<header status=\"deleted\">"));
    assert_null(strstr(r.body, "<metadata>"));
    assert_non_null(
        strstr(r.body, "<datestamp>2021-07-01T00:00:00Z</datestamp>"));
    tc_resp_free(&r);
}

/* Walks a whole list; returns the identifiers seen (new, '\n'-separated)
   and checks cursor and completeListSize on the way. */
static char *harvest(struct fx *f, const char *verb, const char *args,
                     size_t *n, size_t *pages, char **first_response_date)
{
    struct wy_buf ids = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char q[8192];
    snprintf(q, sizeof(q), "verb=%s&%s", verb, args);
    *n = 0;
    *pages = 0;
    for (;;) {
        struct tc_resp r;
        oai(f, q, &r);
        if (first_response_date && *pages == 0)
            *first_response_date =
                tc_between(r.body, "<responseDate>", "</responseDate>");
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
        char *tok = tc_between(r.body, "\">", "</resumptionToken>");
        const char *rt = strstr(r.body, "<resumptionToken");
        if (!rt || !tok) {
            /* the last page of a paged list: an empty token */
            if (*pages > 1)
                assert_non_null(strstr(r.body, "<resumptionToken "));
            free(tok);
            tc_resp_free(&r);
            break;
        }
        assert_int_equal(on_page, PAGE);
        assert_non_null(strstr(rt, "expirationDate=\""));
        char *tk = tc_between(rt, ">", "</resumptionToken>");
        snprintf(q, sizeof(q), "verb=%s&resumptionToken=%s", verb, tk);
        free(tk);
        free(tok);
        tc_resp_free(&r);
        assert_true(*pages < 100);
    }
    return wy_buf_take(&ids, NULL);
}

static int has_dup(char *ids)
{
    size_t n = tc_count(ids, "\n");
    char **v = calloc(n, sizeof(*v));
    size_t k = 0;
    for (char *s = strtok(ids, "\n"); s; s = strtok(NULL, "\n"))
        v[k++] = s;
    int dup = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            dup |= !strcmp(v[i], v[j]);
    free(v);
    return dup;
}

static void full_harvest_pages_with_tokens(void **state)
{
    struct fx *f = *state;
    size_t n, pages;
    char *ids =
        harvest(f, "ListRecords", "metadataPrefix=oai_dc", &n, &pages, NULL);
    assert_int_equal(n, NALL);
    assert_int_equal(pages, (NALL + PAGE - 1) / PAGE);
    assert_false(has_dup(ids));
    free(ids);
    /* ListIdentifiers lists what ListRecords sends: in marcxml, the MARC 21
       records and the deletion, not the CNMARC ones */
    size_t nrec;
    ids = harvest(f, "ListRecords", "metadataPrefix=marcxml", &nrec, &pages,
                  NULL);
    free(ids);
    ids = harvest(f, "ListIdentifiers", "metadataPrefix=marcxml", &n, &pages,
                  NULL);
    assert_int_equal(n, nrec);
    assert_int_equal(n, NALL - NCN);
    free(ids);
    struct tc_resp r;
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    char *size = tc_between(r.body, "completeListSize=\"", "\"");
    assert_int_equal(strtoul(size, NULL, 10), NALL);
    free(size);
    tc_resp_free(&r);
}

/* A page larger than the whole-reply bound streams (chunked, no
   Content-Length) and says the same as one sent whole. */
static void large_pages_stream(void **state)
{
    struct fx *f = *state;
    size_t n, pages;
    struct tc_resp r;
    oai(f, "verb=ListRecords&metadataPrefix=marcxml", &r);
    assert_non_null(tc_header(&r, "Content-Length"));
    char *whole_page = strdup(r.body);
    tc_resp_free(&r);
    char *whole =
        harvest(f, "ListRecords", "metadataPrefix=marcxml", &n, &pages, NULL);
    f->t.app->oai_whole_max = 1; /* every page streams after its head */
    oai(f, "verb=ListRecords&metadataPrefix=marcxml", &r);
    assert_null(tc_header(&r, "Content-Length"));
    /* the same bytes but for the times and the token's signature */
    const char *a = strstr(whole_page, "<ListRecords>");
    const char *b = strstr(r.body, "<ListRecords>");
    assert_non_null(a);
    assert_non_null(b);
    const char *ae = strstr(a, "<resumptionToken"),
               *be = strstr(b, "<resumptionToken");
    assert_int_equal(ae - a, be - b);
    assert_memory_equal(a, b, (size_t)(ae - a));
    tc_resp_free(&r);
    size_t n2, pages2;
    char *streamed =
        harvest(f, "ListRecords", "metadataPrefix=marcxml", &n2, &pages2, NULL);
    f->t.app->oai_whole_max = 0;
    assert_int_equal(n2, n);
    assert_int_equal(pages2, pages);
    assert_string_equal(streamed, whole);
    free(whole_page);
    free(whole);
    free(streamed);
}

static void selective_harvests(void **state)
{
    struct fx *f = *state;
    size_t n, pages;
    char *ids = harvest(f, "ListIdentifiers", "metadataPrefix=oai_dc&set=guji",
                        &n, &pages, NULL);
    assert_int_equal(n, NCN);
    free(ids);
    /* the deletion happened 2021-07-01: it is the only change since */
    ids = harvest(f, "ListIdentifiers", "metadataPrefix=oai_dc&from=2021-01-01",
                  &n, &pages, NULL);
    assert_int_equal(n, 1);
    free(ids);
    /* day granularity until includes the whole day of 2020-01-01 */
    ids = harvest(f, "ListIdentifiers",
                  "metadataPrefix=oai_dc&until=2020-01-01", &n, &pages, NULL);
    assert_int_equal(n, NALL - 1);
    free(ids);
    ids = harvest(f, "ListIdentifiers",
                  "metadataPrefix=oai_dc&from=2020-01-01T08:00:00Z&"
                  "until=2020-01-01T08:00:00Z",
                  &n, &pages, NULL);
    assert_int_equal(n, NALL - 1);
    free(ids);
    ids = harvest(f, "ListRecords",
                  "metadataPrefix=oai_dc&until=2020-01-01T07:59:59Z", &n,
                  &pages, NULL);
    free(ids);
}

static void post_equals_get(void **state)
{
    struct fx *f = *state;
    const char *q = "verb=ListRecords&metadataPrefix=mods&set=guji";
    char path[256];
    snprintf(path, sizeof(path), "/oai?%s", q);
    static const char *const ct[] = {
        "Content-Type: application/x-www-form-urlencoded", NULL};
    /* equal but for the responseDate and the token's expiry; the token's
       bytes carry its issue second, so a pair that straddles a second
       boundary is asked again (at most three times) */
    for (int attempt = 0;; attempt++) {
        struct tc_resp g, p;
        tc_get(&f->t, path, &g);
        tc_request(&f->t, "POST", "/oai", q, ct, 0, &p);
        assert_int_equal(p.status, 200);
        tc_assert_oai_valid(f->home, p.body, p.len);
        char *a = strstr(g.body, "</responseDate>"),
             *b = strstr(p.body, "</responseDate>");
        char *ta = strstr(a, "expirationDate="),
             *tb = strstr(b, "expirationDate=");
        int same;
        if (ta && tb) {
            assert_memory_equal(a, b, (size_t)(ta - a));
            same = !strcmp(strchr(ta, '>'), strchr(tb, '>'));
        } else {
            same = !strcmp(a, b);
        }
        if (!same && attempt >= 2) {
            fail_msg("GET and POST differ: %s", a);
        }
        tc_resp_free(&g);
        tc_resp_free(&p);
        if (same)
            break;
    }
}

static void echo_is_escaped(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    oai(f,
        "verb=GetRecord&metadataPrefix=oai_dc&"
        "identifier=oai:x:%3Cscript%3E%26%22",
        &r);
    assert_non_null(
        strstr(r.body, "identifier=\"oai:x:&lt;script&gt;&amp;&quot;\""));
    assert_null(strstr(r.body, "<script>"));
    tc_resp_free(&r);
    /* a hostile argument name is not echoed at all (badArgument) */
    oai(f, "verb=Identify&%3Cx%3E=1", &r);
    assert_null(strstr(r.body, "<x>"));
    tc_resp_free(&r);
    /* an entity in an argument is text, never expanded */
    oai(f, "verb=GetRecord&metadataPrefix=oai_dc&identifier=%26xxe%3B", &r);
    assert_non_null(strstr(r.body, "identifier=\"&amp;xxe;\""));
    tc_resp_free(&r);
}

static void gzip_when_asked(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    tc_request(&f->t, "GET", "/oai?verb=ListRecords&metadataPrefix=marcxml",
               NULL, NULL, 1, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Encoding"), "gzip");
    tc_assert_oai_valid(f->home, r.body, r.len);
    /* the first page: CNMARC records are left out of MARCXML */
    assert_non_null(strstr(r.body, "<ListRecords>"));
    tc_resp_free(&r);
}

static void token_survives_restart(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    const char *rt = strstr(r.body, "<resumptionToken");
    char *tok = tc_between(rt, ">", "</resumptionToken>");
    tc_resp_free(&r);
    char q[4096];
    snprintf(q, sizeof(q), "verb=ListIdentifiers&resumptionToken=%s", tok);
    oai(f, q, &r);
    char *before = strdup(strstr(r.body, "<ListIdentifiers>"));
    tc_resp_free(&r);
    char *home = strdup(f->t.home);
    tc_srv_stop(&f->t);
    tc_srv_start(&f->t, home);
    f->t.app->page_size = PAGE;
    free(home);
    oai(f, q, &r);
    char *after = strstr(r.body, "<ListIdentifiers>");
    /* same page; only the next token's expiry (and so the token's bytes,
       which carry it) may differ when a second boundary falls between */
    char *eb = strstr(before, "expirationDate="),
         *ea = strstr(after, "expirationDate=");
    assert_memory_equal(before, after, (size_t)(eb - before));
    const char *cb = strchr(eb + 16, '"'), *ca = strchr(ea + 16, '"');
    const char *gb = strchr(cb, '>'), *ga = strchr(ca, '>');
    assert_int_equal(gb - cb, ga - ca);   /* cursor, completeListSize */
    assert_memory_equal(cb, ca, (size_t)(gb - cb));
    free(before);
    free(tok);
    tc_resp_free(&r);
}

/* Runs last: it changes records of the shared home. */
static void changes_during_harvest(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct tc_resp r;
    oai(f, "verb=ListIdentifiers&metadataPrefix=oai_dc", &r);
    char *rdate = tc_between(r.body, "<responseDate>", "</responseDate>");
    char *first = tc_between(r.body, "<identifier>", "</identifier>");
    const char *rt = strstr(r.body, "<resumptionToken");
    char *tok = tc_between(rt, ">", "</resumptionToken>");
    struct wy_buf ids = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (const char *p = r.body; (p = strstr(p, "<identifier>"));) {
        p += 12;
        wy_buf_add(&ids, p, (size_t)(strstr(p, "<") - p));
        wy_buf_addc(&ids, '\n');
    }
    tc_resp_free(&r);
    /* the repository changes now: one record already sent (page 1) and the
       last record of the list, not yet sent */
    sleep(1); /* past the frozen until, whatever the clock's second */
    struct wy_home *h;
    assert_int_equal(home_open(&h, f->t.home, 0, &err), WY_OK);
    static const char *const sets[] = {"changed"};
    const char *changed[] = {"bnu-001", f->last_bu};
    for (size_t i = 0; i < 2; i++) {
        struct cat_record *cr;
        struct wy_record *rec;
        assert_int_equal(cat_get_record_by_local(h->cat, NULL, changed[i],
                                                 CAT_LOAD_ALL, &cr, &err),
                         WY_OK);
        assert_int_equal(cat_record_model(cr, &rec, &err), WY_OK);
        struct cat_put p = {
            .local_id = changed[i], .rec = rec, .sets = sets, .nsets = 1};
        struct cat_put_result res;
        assert_int_equal(cat_put_record(h->cat, &p, &res, &err), WY_OK);
        assert_int_equal(res.action, CAT_UPDATED);
        wy_record_free(rec);
        cat_record_free(cr);
    }
    home_close(h);
    /* the rest of the harvest: nothing repeated, the changed one left out */
    char q[4096];
    snprintf(q, sizeof(q), "verb=ListIdentifiers&resumptionToken=%s", tok);
    size_t total = tc_count(wy_buf_cstr(&ids), "\n");
    for (;;) {
        oai(f, q, &r);
        for (const char *p = r.body; (p = strstr(p, "<identifier>"));) {
            p += 12;
            wy_buf_add(&ids, p, (size_t)(strstr(p, "<") - p));
            wy_buf_addc(&ids, '\n');
            total++;
        }
        rt = strstr(r.body, "<resumptionToken");
        char *t2 = rt ? tc_between(rt, ">", "</resumptionToken>") : NULL;
        tc_resp_free(&r);
        if (!t2 || !*t2) {
            free(t2);
            break;
        }
        snprintf(q, sizeof(q), "verb=ListIdentifiers&resumptionToken=%s", t2);
        free(t2);
    }
    assert_int_equal(total, NALL - 1);
    char *all = wy_buf_take(&ids, NULL);
    assert_false(has_dup(all));
    free(all);
    /* the next incremental harvest from the first responseDate gets both
       (once their second is over: until is frozen a second in the past) */
    sleep(1);
    size_t n, pages;
    snprintf(q, sizeof(q), "metadataPrefix=oai_dc&from=%s", rdate);
    char *inc = harvest(f, "ListIdentifiers", q, &n, &pages, NULL);
    assert_int_equal(n, 2);
    assert_non_null(strstr(inc, first));
    free(inc);
    free(first);
    free(rdate);
    free(tok);
    wy_buf_release(&ids);
}

/* ---- unimarc: UNIMARC/CNMARC as MARCXML syntax in Alma's namespace ----- */

#define UNI_NS "info:srw/schema/8/unimarcxml-v0.1"

/* A reply with unimarc metadata: OAI-PMH.xsd wants a schema for every
   metadata namespace (processContents strict); there is no official one,
   so tests/fixtures/schemas/unimarcxml-local.xsd stands in. */
static void oai_uni(struct fx *f, const char *query, struct tc_resp *r)
{
    char path[8192];
    snprintf(path, sizeof(path), "/oai?%s", query);
    tc_get(&f->t, path, r);
    assert_int_equal(r->status, 200);
    char xsd[4096];
    snprintf(xsd, sizeof(xsd), "%s/oai-unimarc-bundle.xsd", f->home);
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
    if (wy_xml_doc_mem(&doc, r->body, r->len, "reply", &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (wy_xml_validate(doc, xsd, &err) != WY_OK)
        fail_msg("reply is not valid: %s\n%.3000s", wy_err_msg(&err), r->body);
    xmlFreeDoc(doc);
}

static void unimarc_format(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    char q[256];
    oai(f, "verb=ListMetadataFormats", &r);
    assert_non_null(strstr(r.body, "<metadataPrefix>unimarc</metadataPrefix>"
                                   "<schema>" UNI_NS "</schema>"
                                   "<metadataNamespace>" UNI_NS
                                   "</metadataNamespace>"));
    tc_resp_free(&r);
    /* per item: a CNMARC record has unimarc and not marcxml, a MARC 21
       record the other way round */
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:%lld",
             (long long)f->first_cn);
    oai(f, q, &r);
    assert_non_null(strstr(r.body, "<metadataPrefix>unimarc<"));
    assert_null(strstr(r.body, "<metadataPrefix>marcxml<"));
    tc_resp_free(&r);
    snprintf(q, sizeof(q),
             "verb=ListMetadataFormats&identifier=oai:wenyuan:%lld",
             (long long)f->first_cn + NCN);
    oai(f, q, &r);
    assert_null(strstr(r.body, "<metadataPrefix>unimarc<"));
    assert_non_null(strstr(r.body, "<metadataPrefix>marcxml<"));
    tc_resp_free(&r);

    /* GetRecord: leader, 001 and 200$a as yaz-marcdump prints the first
       record of the fixture (tests/fixtures/yaz/dp2-bnu-cnmarc-10.iso.line) */
    snprintf(
        q, sizeof(q),
        "verb=GetRecord&metadataPrefix=unimarc&identifier=oai:wenyuan:%lld",
        (long long)f->first_cn);
    oai_uni(f, q, &r);
    assert_non_null(strstr(r.body, "<record xmlns=\"" UNI_NS "\">"));
    assert_non_null(strstr(r.body, "nam0-22"));
    assert_non_null(strstr(r.body, "<controlfield tag=\"001\">"
                                   "990002180740203961</controlfield>"));
    assert_non_null(strstr(r.body, "<subfield code=\"a\">&apos;94中国发展报告"
                                   "</subfield>") ||
                    strstr(r.body, "<subfield code=\"a\">'94中国发展报告"
                                   "</subfield>"));
    /* the MARCXML reader takes the namespace as UNIMARC */
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *rd = NULL;
    struct wy_record *rec = NULL;
    assert_int_equal(fmt_reader_open_mem(&rd, fmt_find("marcxml"), r.body,
                                         r.len, "reply", &err),
                     WY_OK);
    if (fmt_reader_next(rd, &rec, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(rec->kind, WY_UNIMARC);
    const char *a = wy_record_subfield(rec, "200", 'a');
    assert_non_null(a);
    assert_string_equal(a, "'94中国发展报告");
    fmt_reader_free(rd);
    tc_resp_free(&r);

    /* cannotDisseminateFormat both ways */
    snprintf(
        q, sizeof(q),
        "verb=GetRecord&metadataPrefix=unimarc&identifier=oai:wenyuan:%lld",
        (long long)f->first_cn + NCN);
    expect_error(f, q, "cannotDisseminateFormat");
    snprintf(
        q, sizeof(q),
        "verb=GetRecord&metadataPrefix=marcxml&identifier=oai:wenyuan:%lld",
        (long long)f->first_cn);
    expect_error(f, q, "cannotDisseminateFormat");

    /* the lists hold the CNMARC records and the deletion, nothing else */
    struct wy_buf all = WY_BUF_INIT(WY_BUF_NOLIMIT);
    snprintf(q, sizeof(q), "verb=ListRecords&metadataPrefix=unimarc");
    for (int page = 0; page < 10; page++) {
        oai_uni(f, q, &r);
        wy_buf_adds(&all, r.body);
        char *rt = tc_between(r.body, "<resumptionToken", "</resumptionToken>");
        char *tok = rt && strchr(rt, '>') ? strdup(strchr(rt, '>') + 1) : NULL;
        free(rt);
        tc_resp_free(&r);
        if (!tok || !*tok) {
            free(tok);
            break;
        }
        snprintf(q, sizeof(q), "verb=ListRecords&resumptionToken=%s", tok);
        free(tok);
    }
    const char *ids = wy_buf_cstr(&all);
    assert_int_equal(tc_count(ids, "<record xmlns=\"" UNI_NS "\">"), NCN);
    assert_int_equal(tc_count(ids, "<header status=\"deleted\">"), 1);
    size_t n, pages;
    char *lids = harvest(f, "ListIdentifiers", "metadataPrefix=unimarc", &n,
                         &pages, NULL);
    assert_int_equal(n, NCN + 1);
    for (char *s = strtok(lids, "\n"); s; s = strtok(NULL, "\n")) {
        char want[128];
        snprintf(want, sizeof(want), "<identifier>%s</identifier>", s);
        assert_non_null(strstr(ids, want));
    }
    free(lids);
    wy_buf_release(&all);
}

WY_GROUP(oai, setup, teardown, cmocka_unit_test(identify),
         cmocka_unit_test(errors_of_every_kind),
         cmocka_unit_test(no_set_hierarchy), cmocka_unit_test(formats_and_sets),
         cmocka_unit_test(library_sets),
         cmocka_unit_test(library_set_chinese_name),
         cmocka_unit_test(get_record_in_each_format),
         cmocka_unit_test(full_harvest_pages_with_tokens),
         cmocka_unit_test(large_pages_stream),
         cmocka_unit_test(selective_harvests),
         cmocka_unit_test(post_equals_get), cmocka_unit_test(echo_is_escaped),
         cmocka_unit_test(gzip_when_asked),
         cmocka_unit_test(token_survives_restart),
         cmocka_unit_test(changes_during_harvest),
         cmocka_unit_test(unimarc_format))
