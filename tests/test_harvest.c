/* tests/test_harvest.c: the harvester against a local provider on
   127.0.0.1 (tests/oai_replay.c) that replays real captured responses
   (Sickle's chain with day granularity and deletions, Melinda's MARC 21
   pages, DSpace at Erasmus pages, the broken ones) and misbehaves on
   demand. Each case asserts on the catalog. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "oai_replay.h"
#include "svc_client.h"

#include "core/buf.h"
#include "core/log.h"
#include "formats/format.h"
#include "harvester/harvest_cat.h"
#include "repository/home.h"
#include "service/app.h"

struct fx {
    char *dir;
    struct wy_home *home;
    struct oai_replay *rp;
    struct wy_log log;
    struct wy_buf msgs;
    struct oai_harvest_opts o;
};

static void collect(void *ctx, enum wy_level lv, const char *msg)
{
    struct fx *f = ctx;
    (void)lv;
    wy_buf_adds(&f->msgs, msg);
    wy_buf_addc(&f->msgs, '\n');
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    char home[4200];
    snprintf(home, sizeof(home), "%s/home", f->dir);
    if (home_init(home, &err) != WY_OK || home_open(&f->home, home, 0, &err))
        fail_msg("%s", wy_err_msg(&err));
    f->rp = oai_replay_start();
    wy_buf_init(&f->msgs, WY_BUF_NOLIMIT);
    wy_log_init(&f->log, NULL, WY_LOG_DEBUG);
    f->log.hook = collect;
    f->log.hook_ctx = f;
    oai_harvest_opts_default(&f->o);
    f->o.log = &f->log;
    f->o.http.delay = 0;
    f->o.http.backoff = 0.05;
    f->o.http.backoff_max = 0.2;
    f->o.http.retry_after_max = 2;
    f->o.http.max_retries = 3;
    f->o.http.connect_timeout = 5;
    f->o.http.total_timeout = 20;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    oai_replay_stop(f->rp);
    home_close(f->home);
    wy_test_rmdir(f->dir);
    wy_buf_release(&f->msgs);
    free(f);
    return 0;
}

static void add_source(struct fx *f, const char *name, const char *prefix,
                       const char *sets)
{
    struct cat_source s = {0};
    s.name = (char *)name;
    s.url = (char *)oai_replay_url(f->rp);
    s.prefix = (char *)prefix;
    s.sets = (char *)sets;
    struct wy_err err = WY_ERR_INIT;
    if (cat_source_put(f->home->cat, &s, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
}

static void route(struct fx *f, const char *key, const char *rel)
{
    oai_replay_add(f->rp, key, rel[0] == '/' ? rel : wy_fixture(rel));
}

static void route_src(struct fx *f, const char *key, const char *rel)
{
    oai_replay_add(f->rp, key, wy_srcpath(rel));
}

static int64_t count(struct fx *f, const char *source, int deleted_too)
{
    struct cat_list_query q = {0};
    q.source = source;
    q.include_deleted = deleted_too;
    int64_t n = -1;
    struct wy_err err = WY_ERR_INIT;
    if (cat_count(f->home->cat, &q, &n, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    return n;
}

/* 1 deleted, 0 live, -1 absent */
static int state_of(struct fx *f, const char *source, const char *id)
{
    struct cat_record *r = NULL;
    struct wy_err err = WY_ERR_INIT;
    wy_code rc = cat_get_record_by_local(f->home->cat, source, id,
                                         CAT_LOAD_HEADER, &r, &err);
    wy_err_release(&err);
    if (rc == WY_ENOTFOUND)
        return -1;
    assert_int_equal(rc, WY_OK);
    int d = r->deleted;
    cat_record_free(r);
    return d;
}

static void get_source(struct fx *f, const char *name, struct cat_source *s)
{
    struct wy_err err = WY_ERR_INIT;
    if (cat_source_get(f->home->cat, name, s, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
}

static wy_code run(struct fx *f, const char *name, struct oai_counts *c,
                   struct wy_err *err)
{
    return oai_harvest_source(f->home->cat, name, &f->o, c, err);
}

/* The Erasmus pages: 81 records (2 deleted) in 9 pages p1..p9. */
static void erasmus_routes(struct fx *f)
{
    route(f, "verb:Identify", "records/pyoai/fake1/00001.xml");
    route(f, "verb:ListMetadataFormats", "records/pyoai/fake1/00002.xml");
    route_src(f, "verb:ListRecords", "tests/fixtures/oai/erasmus-p1.xml");
    for (int i = 2; i <= 9; i++) {
        char key[32], file[64];
        snprintf(key, sizeof(key), "token:p%d", i);
        snprintf(file, sizeof(file), "tests/fixtures/oai/erasmus-p%d.xml", i);
        route_src(f, key, file);
    }
}

static void sickle_routes(struct fx *f, const char *first)
{
    route(f, "verb:Identify", "records/sickle/Identify.xml");
    route(f, "verb:ListMetadataFormats",
          "records/sickle/ListMetadataFormats.xml");
    if (first[0] == 't')
        route_src(f, "verb:ListRecords", first);
    else
        route(f, "verb:ListRecords", first);
    route(f, "token:ListRecords2.xml", "records/sickle/ListRecords2.xml");
    route(f, "token:ListRecords3.xml", "records/sickle/ListRecords3.xml");
    route(f, "token:ListRecords4.xml", "records/sickle/ListRecords4.xml");
}

/* Sickle's 4-page chain: day granularity, a deletion on each of 3 pages,
   a record without identifier on the last; then an incremental harvest
   asks from the first page's responseDate, cut to the day. */
static void day_granularity_and_deletions(void **state)
{
    struct fx *f = *state;
    sickle_routes(f, "records/sickle/ListRecords.xml");
    add_source(f, "sickle", "oai_dc", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "sickle", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(c.pages, 4);
    assert_int_equal(c.items, 7);
    assert_int_equal(c.bad, 1);
    assert_int_equal(state_of(f, "sickle", "oai:test.example.com:1585322"), 0);
    assert_int_equal(state_of(f, "sickle", "oai:test.example.com:1585310"), 1);
    assert_int_equal(count(f, "sickle", 0), 1);
    assert_int_equal(count(f, "sickle", 1), 2);
    struct cat_source s;
    get_source(f, "sickle", &s);
    assert_string_equal(s.granularity, "YYYY-MM-DD");
    assert_string_equal(s.last_response_date, "2013-02-27T09:10:56Z");
    assert_null(s.token);
    assert_null(s.last_error);
    cat_source_release(&s);
    assert_non_null(strstr(wy_buf_cstr(&f->msgs), "'(no identifier)' skipped"));
    /* incremental: from = the day of the previous responseDate */
    if (run(f, "sickle", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    char *log = oai_replay_log(f->rp);
    assert_non_null(strstr(log, "verb=ListRecords&metadataPrefix=oai_dc&"
                                "from=2013-02-27\n"));
    free(log);
    /* the second harvest changed nothing */
    assert_int_equal(c.added + c.updated, 0);
}

/* Melinda: the richest prefix (marc21 over oai_dc) is chosen and kept;
   <request> before <responseDate>; tokens with expirationDate. */
static void melinda_marc21(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/melinda-oai-pmh/Identify.xml");
    route(f, "verb:ListMetadataFormats",
          "records/melinda-oai-pmh/ListMetadataFormats.xml");
    route(f, "verb:ListRecords",
          "records/melinda-oai-pmh/ListRecords-marc21-"
          "with-resumptionToken.xml");
    route(f, "token:foobar",
          "records/melinda-oai-pmh/ListRecords-marc21-final-page.xml");
    /* the completion pass lists oai_dc identifiers: Melinda's captured
       ListIdentifiers page (same items as the first ListRecords page), its
       token "foobar" then the final page's headers */
    route(f, "verb:ListIdentifiers",
          "records/melinda-oai-pmh/ListIdentifiers-marc21-with-"
          "resumptionToken.xml");
    add_source(f, "melinda", "", NULL); /* "": the richest offered */
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "melinda", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (c.items != 5)
        fail_msg("%lld items: %s", c.items, wy_buf_cstr(&f->msgs));
    /* every listed item came with marc21: nothing fetched again */
    assert_int_equal(c.completed, 0);
    assert_int_equal(oai_replay_hits(f->rp, "verb:ListIdentifiers"), 1);
    assert_int_equal(count(f, "melinda", 0), 5);
    static const char *const ids[] = {
        "oai:foo.bar/001234567", "oai:foo.bar/013141516",
        "oai:foo.bar/089101112", "oai:foo.bar/1234567", "oai:foo.bar/89101112"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(state_of(f, "melinda", ids[i]), 0);
    struct cat_source s;
    get_source(f, "melinda", &s);
    assert_string_equal(s.prefix, "marc21");
    assert_string_equal(s.granularity, "YYYY-MM-DDthh:mm:ssZ");
    cat_source_release(&s);
    char *log = oai_replay_log(f->rp);
    assert_non_null(strstr(log, "verb=ListRecords&metadataPrefix=marc21\n"));
    assert_non_null(
        strstr(log, "verb=ListIdentifiers&metadataPrefix=oai_dc\n"));
    assert_null(strstr(log, "GetRecord"));
    free(log);
    /* the original MARCXML is kept */
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->home->cat, "melinda", ids[0],
                                             CAT_LOAD_ALL, &r, &err),
                     WY_OK);
    assert_non_null(strstr(r->orig, "Foo Bar"));
    cat_record_free(r);
    /* seconds granularity: the next from drops Melinda's milliseconds */
    if (run(f, "melinda", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    log = oai_replay_log(f->rp);
    assert_non_null(strstr(log, "from=2000-01-01T00:00:00Z\n"));
    free(log);
}

/* The completion pass fails (its ListIdentifiers gets a 404): the error
   names it and the URL; the main pass is kept and the next harvest goes
   straight to the completion. */
static void completion_list_fails(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/melinda-oai-pmh/Identify.xml");
    route(f, "verb:ListMetadataFormats",
          "records/melinda-oai-pmh/ListMetadataFormats.xml");
    route(f, "verb:ListRecords",
          "records/melinda-oai-pmh/ListRecords-marc21-"
          "with-resumptionToken.xml");
    route(f, "token:foobar",
          "records/melinda-oai-pmh/ListRecords-marc21-final-page.xml");
    add_source(f, "melinda", "", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(run(f, "melinda", &c, &err), WY_EHTTP);
    assert_err(&err, WY_EHTTP, "completion in oai_dc");
    assert_non_null(strstr(wy_err_msg(&err), "completion page 1"));
    assert_non_null(
        strstr(wy_err_msg(&err), "verb=ListIdentifiers&metadataPrefix=oai_dc"));
    wy_err_release(&err);
    assert_int_equal(count(f, "melinda", 0), 5);
    struct cat_source s;
    get_source(f, "melinda", &s);
    assert_string_equal(s.token, "wy-complete:0:");
    cat_source_release(&s);
    route(f, "verb:ListIdentifiers",
          "records/melinda-oai-pmh/ListIdentifiers-marc21-with-"
          "resumptionToken.xml");
    if (run(f, "melinda", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(oai_replay_hits(f->rp, "verb:ListRecords"), 1);
    assert_int_equal(oai_replay_hits(f->rp, "verb:ListIdentifiers"), 1);
    assert_int_equal(c.completed, 0);
    get_source(f, "melinda", &s);
    assert_null(s.token);
    cat_source_release(&s);
}

static void retry_after_503(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur", "", NULL);
    oai_replay_fault(f->rp, "token:p3", REPLAY_503, 1, "1");
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    double t0 = wy_now();
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_true(wy_now() - t0 >= 0.9);
    assert_int_equal(oai_replay_hits(f->rp, "token:p3"), 2);
    assert_int_equal(c.pages, 9);
    assert_int_equal(count(f, "eur", 1), 81);
    assert_int_equal(count(f, "eur", 0), 79);
    assert_int_equal(state_of(f, "eur", "hdl:1765/1160"), 1);
    assert_non_null(strstr(wy_buf_cstr(&f->msgs), "HTTP status 503"));
}

static void dropped_connection(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur", "", NULL);
    oai_replay_fault(f->rp, "token:p5", REPLAY_DROP, 1, NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(oai_replay_hits(f->rp, "token:p5"), 2);
    assert_int_equal(count(f, "eur", 1), 81);
}

/* An expired token restarts the list once (the same window); the pages
   read again change nothing. Twice in a row is a failure that keeps the
   checkpoint. */
static void expired_token(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur", "", NULL);
    const char *expired = wy_fixture("records/melinda-oai-pmh/"
                                     "error-badResumptionToken.xml");
    oai_replay_fault(f->rp, "token:p4", REPLAY_BODY, 1, expired);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(oai_replay_hits(f->rp, "verb:ListRecords"), 2);
    assert_int_equal(count(f, "eur", 1), 81);
    assert_int_equal(c.unchanged, 27);
    assert_non_null(strstr(wy_buf_cstr(&f->msgs), "no longer knows"));
    /* now it expires every time */
    oai_replay_fault(f->rp, "token:p4", REPLAY_BODY, 100, expired);
    assert_int_equal(run(f, "eur", &c, &err), WY_EHTTP);
    assert_err(&err, WY_EHTTP, "'badResumptionToken'");
    assert_non_null(strstr(wy_err_msg(&err), "source 'eur'"));
    wy_err_release(&err);
    struct cat_source s;
    get_source(f, "eur", &s);
    assert_string_equal(s.token, "p4");
    assert_int_equal(s.pages, 6); /* 3 pages, restart, 3 pages again */
    assert_non_null(s.last_error);
    cat_source_release(&s);
}

static void illegal_characters(void **state)
{
    struct fx *f = *state;
    sickle_routes(f, "tests/fixtures/oai/illegal-chars.xml");
    add_source(f, "sickle", "oai_dc", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "sickle", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->home->cat, "sickle",
                                             "oai:test.example.com:1585322",
                                             CAT_LOAD_ALL, &r, &err),
                     WY_OK);
    assert_non_null(strstr(r->orig, "Sample Title"));
    assert_null(strchr(r->orig, '\x03'));
    cat_record_free(r);
    assert_non_null(
        strstr(wy_buf_cstr(&f->msgs), "3 characters that XML forbids removed"));
}

static void no_records_match(void **state)
{
    struct fx *f = *state;
    sickle_routes(f, "records/sickle/noRecordsMatch.xml");
    add_source(f, "sickle", "oai_dc", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "sickle", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(c.items, 0);
    struct cat_source s;
    get_source(f, "sickle", &s);
    assert_string_equal(s.last_response_date, "2002-02-08T14:27:19Z");
    assert_null(s.last_error);
    cat_source_release(&s);
}

static void oai_error_reported(void **state)
{
    struct fx *f = *state;
    sickle_routes(f, "records/sickle/cannotDisseminateFormat.xml");
    add_source(f, "sickle", "oai_dc", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(run(f, "sickle", &c, &err), WY_EHTTP);
    assert_err(&err, WY_EHTTP, "answered 'cannotDisseminateFormat'");
    assert_non_null(strstr(wy_err_msg(&err), "page 1"));
    assert_non_null(strstr(wy_err_msg(&err), "127.0.0.1"));
    wy_err_release(&err);
    struct cat_source s;
    get_source(f, "sickle", &s);
    assert_non_null(strstr(s.last_error, "cannotDisseminateFormat"));
    cat_source_release(&s);
}

static void server_errors_exhaust_retries(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur", "", NULL);
    oai_replay_fault(f->rp, "token:p2", REPLAY_500, 100, NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(run(f, "eur", &c, &err), WY_EHTTP);
    assert_err(&err, WY_EHTTP, "HTTP status 500");
    assert_non_null(strstr(wy_err_msg(&err), "after 4 tries"));
    wy_err_release(&err);
    assert_int_equal(oai_replay_hits(f->rp, "token:p2"), 4);
    assert_int_equal(count(f, "eur", 1), 9);
}

/* Melinda's resumed page hands back the token it was asked with. */
static void repeated_token_stops(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/melinda-oai-pmh/Identify.xml");
    route(f, "verb:ListRecords",
          "records/melinda-oai-pmh/ListRecords-marc21-"
          "with-resumptionToken.xml");
    route(f, "token:foobar",
          "records/melinda-oai-pmh/ListRecords-marc21-resumed-page.xml");
    add_source(f, "melinda", "marc21", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(run(f, "melinda", &c, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "'foobar' a second time");
    wy_err_release(&err);
    struct cat_source s;
    get_source(f, "melinda", &s);
    assert_int_equal(s.pages, 1);
    assert_string_equal(s.token, "foobar");
    cat_source_release(&s);
}

static void page_limit_and_list_size(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur", "", NULL);
    f->o.max_pages = 2;
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(run(f, "eur", &c, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "more than 2 pages");
    wy_err_release(&err);
    /* the provider skips a page: 72 arrive of the 81 announced (a
       warning, not a failure); the harvest resumes after page 2 */
    f->o.max_pages = 0;
    oai_replay_fault(f->rp, "token:p8", REPLAY_BODY, 1,
                     wy_srcpath("tests/fixtures/oai/erasmus-p9.xml"));
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(c.pages, 6);
    assert_non_null(strstr(wy_buf_cstr(&f->msgs),
                           "announced 81 records (completeListSize) but "
                           "sent 72"));
}

static void getrecord_mode(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/pyoai/fake1/00001.xml");
    route(f, "verb:ListIdentifiers", "records/pyoai/fake1/00003.xml");
    route(f, "id:hdl:1765/315", "records/pyoai/fake1/00004.xml");
    route(f, "id:*", "records/sickle/idDoesNotExist.xml");
    add_source(f, "eur", "oai_dc", NULL);
    f->o.mode = OAI_MODE_GETRECORD;
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(oai_replay_hits(f->rp, "id:hdl:1765/315"), 1);
    assert_int_equal(oai_replay_hits(f->rp, "id:*"), 15);
    assert_int_equal(state_of(f, "eur", "hdl:1765/315"), 0);
    assert_int_equal(count(f, "eur", 1), 1);
    assert_int_equal(c.bad, 15);
    assert_non_null(strstr(wy_buf_cstr(&f->msgs), "'idDoesNotExist'"));
}

/* One record by GetRecord: stored, a deletion, an unknown identifier. */
static void single_getrecord(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/pyoai/fake1/00001.xml");
    route(f, "id:hdl:1765/315", "records/pyoai/fake1/00004.xml");
    route(f, "id:hdl:1765/1160", "records/pyoai/fake2/00000.xml");
    route(f, "id:*", "records/melinda-oai-pmh/error-idDoesNotExist.xml");
    add_source(f, "eur", "oai_dc", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (oai_harvest_source_one(f->home->cat, "eur", "hdl:1765/315", &f->o, &c,
                               &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(state_of(f, "eur", "hdl:1765/315"), 0);
    if (oai_harvest_source_one(f->home->cat, "eur", "hdl:1765/1160", &f->o, &c,
                               &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(state_of(f, "eur", "hdl:1765/1160"), 1);
    assert_int_equal(
        oai_harvest_source_one(f->home->cat, "eur", "nosuch", &f->o, &c, &err),
        WY_EHTTP);
    assert_err(&err, WY_EHTTP, "GetRecord 'nosuch'");
    assert_non_null(strstr(wy_err_msg(&err), "'idDoesNotExist'"));
    wy_err_release(&err);
    /* the incremental state is untouched */
    struct cat_source s;
    get_source(f, "eur", &s);
    assert_null(s.last_response_date);
    assert_null(s.token);
    cat_source_release(&s);
    char *log = oai_replay_log(f->rp);
    assert_non_null(strstr(log, "verb=GetRecord&identifier=hdl:1765/315&"
                                "metadataPrefix=oai_dc\n"));
    free(log);
}

/* citebase (2005; day granularity, a stylesheet PI before the root) and
   DSpace@MIT (METS with MODS inside), one record each by GetRecord; the
   broken-bytes copy of the citebase record is stored repaired. */
static void citebase_and_dspace(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/debian-libhttp-oai-perl/identify.xml");
    route(f, "id:oai:arXiv.org:hep-th/0001001",
          "records/debian-libhttp-oai-perl/getrecord.xml");
    route(f, "id:oai:dspace.mit.edu:1721.1/8338",
          "records/debian-libhttp-oai-perl/mets.xml");
    add_source(f, "citebase", "oai_dc", NULL);
    add_source(f, "mit", "mets", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (oai_harvest_source_one(f->home->cat, "citebase",
                               "oai:arXiv.org:hep-th/0001001", &f->o, &c,
                               &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (oai_harvest_source_one(f->home->cat, "mit",
                               "oai:dspace.mit.edu:1721.1/8338", &f->o, &c,
                               &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->home->cat, "mit",
                                             "oai:dspace.mit.edu:1721.1/8338",
                                             CAT_LOAD_ALL, &r, &err),
                     WY_OK);
    assert_string_equal(r->orig_format, "mets");
    assert_non_null(strstr(r->orig, "mets"));
    /* both setSpecs of the DSpace header */
    assert_int_equal(r->nsets, 2);
    cat_record_free(r);
    assert_int_equal(cat_get_record_by_local(f->home->cat, "citebase",
                                             "oai:arXiv.org:hep-th/0001001",
                                             CAT_LOAD_ALL, &r, &err),
                     WY_OK);
    assert_string_equal(r->orig_format, "dc");
    assert_non_null(
        strstr(r->desc_json, "Compactification, Geometry and Duality"));
    cat_record_free(r);
    /* the same record with invalid UTF-8 and a U+0006: repaired, stored */
    oai_replay_fault(f->rp, "id:oai:arXiv.org:hep-th/0001001", REPLAY_BODY, 1,
                     wy_fixture("records/debian-libhttp-oai-perl/"
                                "badbytes.xml"));
    if (oai_harvest_source_one(f->home->cat, "citebase",
                               "oai:arXiv.org:hep-th/0001001", &f->o, &c,
                               &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_non_null(strstr(wy_buf_cstr(&f->msgs),
                           "bytes that are not UTF-8 replaced by U+FFFD"));
    assert_int_equal(cat_get_record_by_local(f->home->cat, "citebase",
                                             "oai:arXiv.org:hep-th/0001001",
                                             CAT_LOAD_ALL, &r, &err),
                     WY_OK);
    assert_non_null(strstr(r->orig, "\xEF\xBF\xBD"));
    cat_record_free(r);
}

/* The provider no longer lists a record the catalog holds: reconcile marks
   it deleted and leaves the others. */
static void reconcile_marks_missing(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/pyoai/fake1/00001.xml");
    route(f, "verb:ListRecords", "records/pyoai/fake1/00005.xml");
    route(f, "verb:ListIdentifiers", "records/pyoai/fake1/00003.xml");
    add_source(f, "eur", "oai_dc", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(count(f, "eur", 0), 16);
    /* a record harvested earlier that the provider dropped silently */
    struct wy_record *rec = wy_record_new();
    rec->format = "dc";
    struct cat_put in = {0};
    in.source = "eur";
    in.local_id = "hdl:1765/1";
    in.rec = rec;
    in.orig = "<x/>";
    in.orig_len = 4;
    in.orig_format = "dc";
    assert_int_equal(cat_put_record(f->home->cat, &in, NULL, &err), WY_OK);
    wy_record_free(rec);
    f->o.reconcile = 1;
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(c.reconciled, 1);
    assert_int_equal(state_of(f, "eur", "hdl:1765/1"), 1);
    assert_int_equal(state_of(f, "eur", "hdl:1765/308"), 0);
    assert_int_equal(count(f, "eur", 0), 16);
    char *log = oai_replay_log(f->rp);
    assert_non_null(strstr(log, "verb=ListIdentifiers&metadataPrefix=oai_dc"
                                "\n"));
    free(log);
}

/* Two sources at once, two threads, one connection each. */
static void parallel_sources(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur1", "", NULL);
    add_source(f, "eur2", "", NULL);
    const char *names[] = {"eur1", "eur2"};
    struct oai_result res[2];
    struct wy_err err = WY_ERR_INIT;
    if (oai_harvest_sources(f->home->catalog_path, names, 2, 2, &f->o, res,
                            &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(res[0].code, WY_OK);
    assert_int_equal(res[1].code, WY_OK);
    assert_int_equal(res[0].counts.items, 81);
    assert_int_equal(res[1].counts.items, 81);
    oai_results_release(res, 2);
    assert_int_equal(count(f, "eur1", 1), 81);
    assert_int_equal(count(f, "eur2", 1), 81);
}

/* ---- the kill test ----------------------------------------------------- */

struct killer {
    struct oai_sink inner;
    int page, records;
    int kill_page, kill_after;
};

static wy_code k_begin(void *ctx, struct wy_err *err)
{
    struct killer *k = ctx;
    k->page++;
    k->records = 0;
    return k->inner.begin_page(k->inner.ctx, err);
}

static wy_code k_record(void *ctx, const struct oai_item *it,
                        struct oai_counts *c, struct wy_err *err)
{
    struct killer *k = ctx;
    wy_code rc = k->inner.record(k->inner.ctx, it, c, err);
    if (k->page == k->kill_page && ++k->records == k->kill_after)
        raise(SIGKILL); /* in the middle of the page's transaction */
    return rc;
}

static wy_code k_commit(void *ctx, const struct oai_checkpoint *cp,
                        struct wy_err *err)
{
    struct killer *k = ctx;
    return k->inner.commit_page(k->inner.ctx, cp, err);
}

static wy_code k_finish(void *ctx, const char *date, const struct oai_counts *c,
                        struct wy_err *err)
{
    struct killer *k = ctx;
    return k->inner.finish(k->inner.ctx, date, c, err);
}

static void k_abort(void *ctx)
{
    struct killer *k = ctx;
    k->inner.abort_page(k->inner.ctx);
}

/* In a child: harvest "eur" from the catalog at path with a sink that dies
   after `after` records of page `page` (page 0: never). */
static void child_harvest(struct fx *f, int page, int after)
{
    struct cat *c = NULL;
    struct wy_err err = WY_ERR_INIT;
    if (cat_open(&c, f->home->catalog_path, 0, &err) != WY_OK)
        _exit(3);
    struct oai_source_state st;
    if (oai_source_load(c, "eur", &st, &err) != WY_OK)
        _exit(3);
    struct oai_catsink cs;
    struct killer k = {0};
    oai_catsink_init(&cs, c, "eur", NULL, &k.inner);
    k.kill_page = page;
    k.kill_after = after;
    struct oai_sink sink = k.inner;
    sink.ctx = &k;
    sink.begin_page = k_begin;
    sink.record = k_record;
    sink.commit_page = k_commit;
    sink.abort_page = k_abort;
    sink.learned = NULL;
    sink.fail = NULL;
    sink.finish = k_finish;
    sink.reconcile = NULL;
    struct oai_harvest_opts o = f->o;
    o.log = NULL;
    wy_code rc = oai_harvest(&st.cfg, &sink, &o, NULL, &err);
    _exit(rc == WY_OK ? 0 : 4);
}

static wy_code count_change(void *ctx, const struct cat_change *ch,
                            struct wy_err *err)
{
    int64_t *per = ctx;
    (void)err;
    if (ch->record_id > 0 && ch->record_id < 1000)
        per[ch->record_id]++;
    per[0]++;
    return WY_OK;
}

static void check_exact(struct fx *f)
{
    assert_int_equal(count(f, "eur", 1), 81);
    assert_int_equal(count(f, "eur", 0), 79);
    /* the change log holds each record once: no page was stored twice */
    static int64_t per[1000];
    memset(per, 0, sizeof(per));
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(
        cat_changes(f->home->cat, 0, 0, count_change, per, NULL, &err), WY_OK);
    assert_int_equal(per[0], 81);
    for (int i = 1; i < 1000; i++)
        if (per[i] > 1)
            fail_msg("record %d is in the change log %lld times", i,
                     (long long)per[i]);
}

static void kill_and_resume(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    add_source(f, "eur", "", NULL);
    /* 1: killed inside page 4's transaction, after 5 of its 9 records */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_harvest(f, 4, 5);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    struct cat_source s;
    get_source(f, "eur", &s);
    assert_int_equal(s.pages, 3);
    assert_string_equal(s.token, "p4");
    cat_source_release(&s);
    assert_int_equal(count(f, "eur", 1), 27);
    /* 2: killed between pages, while waiting for page 7 */
    oai_replay_fault(f->rp, "token:p7", REPLAY_STALL, 1, "10");
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_harvest(f, 0, 0);
    /* a sanitized child on a loaded machine may take a while to get there
       (5 s was not always enough: killed early, at page 3) */
    for (int i = 0; i < 6000 && !oai_replay_hits(f->rp, "token:p7"); i++)
        usleep(10000);
    int reached = oai_replay_hits(f->rp, "token:p7") > 0;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st));
    if (!reached)
        fail_msg("the harvest did not ask for page 7 within 60 s");
    get_source(f, "eur", &s);
    assert_int_equal(s.pages, 6);
    assert_string_equal(s.token, "p7");
    cat_source_release(&s);
    assert_int_equal(count(f, "eur", 1), 54);
    /* resume: pages 7..9 only */
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "eur", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(c.pages, 3);
    assert_int_equal(oai_replay_hits(f->rp, "verb:ListRecords"), 1);
    check_exact(f);
    get_source(f, "eur", &s);
    assert_null(s.token);
    assert_string_equal(s.last_response_date, "2004-02-17T13:44:55Z");
    cat_source_release(&s);
}

/* ---- the command line -------------------------------------------------- */

static void cli_source_and_harvest(void **state)
{
    struct fx *f = *state;
    sickle_routes(f, "records/sickle/ListRecords.xml");
    route(f, "id:oai:test.example.com:1996652",
          "records/sickle/GetRecord_utf8test.xml");
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home source add sickle %s --prefix oai_dc 2>&1",
             wy_test_bin(), f->dir, oai_replay_url(f->rp));
    if (wy_test_run(cmd, &out) != 0)
        fail_msg("%s: %s", cmd, out);
    assert_non_null(strstr(out, "source 'sickle' added"));
    free(out);
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home source add broken http://127.0.0.1:1/oai 2>&1",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    snprintf(cmd, sizeof(cmd), "%s -H %s/home harvest sickle --delay 0 2>&1",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "sickle: ok, 4 pages, 7 records"));
    free(out);
    /* one source fails: status 1, the other is still harvested */
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home harvest --all --delay 0 --retries 0 2>&1",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 1);
    assert_non_null(strstr(out, "broken: FAILED"));
    assert_non_null(strstr(out, "127.0.0.1:1/oai?verb=Identify"));
    assert_non_null(strstr(out, "sickle: ok"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s -H %s/home source list", wy_test_bin(),
             f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "granularity YYYY-MM-DD"));
    assert_non_null(strstr(out, "failed: source 'broken'"));
    free(out);
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home harvest --from 2013-13 sickle 2>/dev/null",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, NULL), 2);
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home harvest sickle --id oai:test.example.com:1996652 "
             "--delay 0 2>&1",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "record 'oai:test.example.com:1996652' "
                                "stored"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s -H %s/home source remove broken",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    snprintf(cmd, sizeof(cmd), "%s -H %s/home harvest nosuch 2>&1",
             wy_test_bin(), f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 1);
    assert_non_null(strstr(out, "nosuch"));
    free(out);
}

/* ---- Wenyuan's own provider ------------------------------------------- */

struct rec_row {
    int64_t id;
    int deleted;
    char sets[256];
};

static wy_code keep_row(void *ctx, const struct cat_record *r,
                        struct wy_err *err)
{
    struct rec_row *rows = ctx;
    (void)err;
    for (size_t i = 0; i < 200; i++) {
        if (rows[i].id)
            continue;
        rows[i].id = r->id;
        rows[i].deleted = r->deleted;
        size_t k = 0;
        for (size_t j = 0; j < r->nsets && k + 1 < sizeof(rows[i].sets); j++)
            k += (size_t)snprintf(rows[i].sets + k, sizeof(rows[i].sets) - k,
                                  "%s ", r->sets[j]);
        break;
    }
    return WY_OK;
}

/* Our provider freezes its window one second in the past (changes made in
   the current second go to the next harvest): let the clock move on. */
static void let_a_second_pass(void)
{
    time_t t = time(NULL);
    while (time(NULL) < t + 2)
        usleep(20000);
}

/* The Erasmus pages harvested into a partner home, served by Wenyuan's own
   /oai, harvested into a second home: every record, deletion and set
   membership arrives; a later deletion at the partner arrives
   incrementally. */
static void own_provider_round_trip(void **state)
{
    struct fx *f = *state;
    erasmus_routes(f);
    struct wy_err err = WY_ERR_INIT;
    char ph[4200];
    snprintf(ph, sizeof(ph), "%s/partner", f->dir);
    struct wy_home *partner = NULL;
    if (home_init(ph, &err) != WY_OK ||
        home_open(&partner, ph, 0, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct cat_source s = {0};
    s.name = "eur";
    s.url = (char *)oai_replay_url(f->rp);
    s.prefix = "";
    assert_int_equal(cat_source_put(partner->cat, &s, &err), WY_OK);
    struct oai_counts c;
    if (oai_harvest_source(partner->cat, "eur", &f->o, &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));

    struct tc_srv srv;
    tc_srv_start(&srv, ph);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/oai", srv.port);
    struct cat_source p = {0};
    p.name = "partner";
    p.url = url;
    p.prefix = "oai_dc";
    assert_int_equal(cat_source_put(f->home->cat, &p, &err), WY_OK);
    let_a_second_pass();
    if (run(f, "partner", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (count(f, "partner", 1) != 81)
        fail_msg("%lld pages, %lld items, %lld bad: %s", c.pages, c.items,
                 c.bad, wy_buf_cstr(&f->msgs));
    assert_int_equal(count(f, "partner", 0), 79);

    /* record by record: deleted flag and setSpecs as the partner has them */
    static struct rec_row rows[200];
    memset(rows, 0, sizeof(rows));
    struct cat_list_query q = {0};
    q.source = "eur";
    q.include_deleted = 1;
    assert_int_equal(cat_list(partner->cat, &q, keep_row, rows, NULL, &err),
                     WY_OK);
    size_t n = 0;
    for (; n < 200 && rows[n].id; n++) {
        char id[64];
        snprintf(id, sizeof(id), "oai:wenyuan:%lld", (long long)rows[n].id);
        struct cat_record *r = NULL;
        if (cat_get_record_by_local(f->home->cat, "partner", id,
                                    CAT_LOAD_HEADER, &r, &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        assert_int_equal(r->deleted, rows[n].deleted);
        char sets[256];
        size_t k = 0;
        sets[0] = 0;
        for (size_t j = 0; j < r->nsets && k + 1 < sizeof(sets); j++)
            k +=
                (size_t)snprintf(sets + k, sizeof(sets) - k, "%s ", r->sets[j]);
        assert_string_equal(sets, rows[n].sets);
        cat_record_free(r);
    }
    assert_int_equal(n, 81);

    /* the partner deletes a record; the next (incremental) harvest says so */
    assert_int_equal(cat_delete_record(partner->cat, "eur", "hdl:1765/9", NULL,
                                       NULL, NULL, &err),
                     WY_OK);
    struct cat_record *gone = NULL;
    assert_int_equal(cat_get_record_by_local(partner->cat, "eur", "hdl:1765/9",
                                             CAT_LOAD_HEADER, &gone, &err),
                     WY_OK);
    char id[64];
    snprintf(id, sizeof(id), "oai:wenyuan:%lld", (long long)gone->id);
    cat_record_free(gone);
    struct cat_source before;
    get_source(f, "partner", &before);
    let_a_second_pass();
    if (run(f, "partner", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (c.deleted != 1) {
        struct cat_record *g = NULL;
        cat_get_record_by_local(partner->cat, "eur", "hdl:1765/9",
                                CAT_LOAD_HEADER, &g, &err);
        fail_msg("from %s: %lld pages %lld items; the deletion is dated %s",
                 before.last_response_date, c.pages, c.items,
                 g ? g->datestamp : "?");
    }
    cat_source_release(&before);
    assert_int_equal(state_of(f, "partner", id), 1);
    assert_int_equal(count(f, "partner", 0), 78);
    tc_srv_stop(&srv);
    home_close(partner);
}

/* ---- completion in other formats --------------------------------------- */

/* Puts every record of a fixture file into the partner; ids[] gets their
   catalog ids. Returns how many. */
static size_t put_file(struct cat *c, const char *handler, const char *path,
                       const char *prefix, int64_t *ids, size_t max)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    if (fmt_reader_open_fd(&r, fmt_find(handler), fd, path, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct wy_record *rec;
    size_t n = 0;
    wy_code rc;
    while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
        if (rc != WY_OK)
            fail_msg("%s: %s", path, wy_err_msg(&err));
        assert_true(n < max);
        char id[64];
        snprintf(id, sizeof(id), "%s-%02zu", prefix, n + 1);
        struct cat_put p = {.local_id = id, .rec = rec};
        struct cat_put_result res;
        if (cat_put_record(c, &p, &res, &err) != WY_OK)
            fail_msg("%s: %s", id, wy_err_msg(&err));
        ids[n++] = res.id;
    }
    fmt_reader_free(r);
    close(fd);
    return n;
}

/* The $a of every field `tag` in a committed yaz-marcdump line dump, in
   order (new: free each and the array). */
static size_t yaz_titles(const char *rel, const char *tag, char ***out)
{
    size_t len;
    char *text = wy_test_slurp(wy_srcpath(rel), &len);
    char **v = calloc(64, sizeof(*v));
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, tag, 3) || line[3] != ' ')
            continue;
        char *a = strstr(line, "$a ");
        assert_non_null(a);
        a += 3;
        char *e = strstr(a, " $");
        assert_true(n < 64);
        v[n++] = e ? strndup(a, (size_t)(e - a)) : strdup(a);
    }
    free(text);
    *out = v;
    return n;
}

struct partner {
    char dir[4200];
    struct wy_home *home;
    struct tc_srv srv;
    char url[128];
    int64_t cn[16], us[16], mods[4];
    size_t ncn, nus, nmods;
};

/* A partner home holding the 10 CNMARC records of BNU, the 10 MARC 21
   records of pymarc's test.dat and one MODS record (Harvard), served by
   Wenyuan's own /oai with pages of `page` records; a source "partner"
   with the prefix chosen automatically. */
static void partner_start(struct fx *f, struct partner *p, unsigned page,
                          int marc21_only)
{
    memset(p, 0, sizeof(*p));
    struct wy_err err = WY_ERR_INIT;
    snprintf(p->dir, sizeof(p->dir), "%s/partner", f->dir);
    if (home_init(p->dir, &err) != WY_OK ||
        home_open(&p->home, p->dir, 0, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(cat_begin(p->home->cat, &err), WY_OK);
    if (!marc21_only)
        p->ncn = put_file(p->home->cat, "unimarc",
                          wy_fixture("records/derived/dp2-bnu-cnmarc-10.iso"),
                          "bnu", p->cn, 16);
    p->nus = put_file(p->home->cat, "marc21",
                      wy_fixture("records/pymarc/test.dat"), "us", p->us, 16);
    if (!marc21_only)
        p->nmods =
            put_file(p->home->cat, "mods",
                     wy_fixture("records/harvard-spotlight/mods_sample.xml"),
                     "mods", p->mods, 4);
    assert_int_equal(cat_commit(p->home->cat, &err), WY_OK);
    assert_int_equal(p->ncn, marc21_only ? 0 : 10);
    assert_int_equal(p->nus, 10);
    assert_int_equal(p->nmods, marc21_only ? 0 : 1);
    tc_srv_start(&p->srv, p->dir);
    p->srv.app->page_size = page;
    snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%u/oai", p->srv.port);
    struct cat_source s = {0};
    s.name = "partner";
    s.url = p->url;
    s.prefix = ""; /* the richest offered */
    assert_int_equal(cat_source_put(f->home->cat, &s, &err), WY_OK);
    let_a_second_pass();
}

static void partner_stop(struct partner *p)
{
    tc_srv_stop(&p->srv);
    home_close(p->home);
}

/* The harvested copy of partner record `id`. new: cat_record_free. */
static struct cat_record *copy_of(struct fx *f, int64_t id)
{
    char oai[64];
    snprintf(oai, sizeof(oai), "oai:wenyuan:%lld", (long long)id);
    struct cat_record *r = NULL;
    struct wy_err err = WY_ERR_INIT;
    if (cat_get_record_by_local(f->home->cat, "partner", oai, CAT_LOAD_ALL, &r,
                                &err) != WY_OK)
        fail_msg("%s: %s", oai, wy_err_msg(&err));
    return r;
}

/* Every partner record arrived: CNMARC as UNIMARC (kind, 200$a as yaz
   reads the fixture) through unimarc, MARC 21 through marcxml, the MODS
   record through mods. */
static void check_partner_copy(struct fx *f, const struct partner *p)
{
    assert_int_equal(count(f, "partner", 1), 21);
    assert_int_equal(count(f, "partner", 0), 21);
    char **t200, **t245;
    assert_int_equal(yaz_titles("tests/fixtures/yaz/dp2-bnu-cnmarc-10.iso.line",
                                "200", &t200),
                     10);
    assert_int_equal(
        yaz_titles("tests/fixtures/yaz/test.dat.line", "245", &t245), 10);
    struct wy_err err = WY_ERR_INIT;
    for (size_t i = 0; i < 20; i++) {
        int cn = i < 10;
        struct cat_record *r = copy_of(f, cn ? p->cn[i] : p->us[i - 10]);
        assert_false(r->deleted);
        assert_string_equal(r->orig_format, "marcxml");
        assert_non_null(strstr(r->orig, cn ? "info:srw/schema/8/unimarcxml-v0.1"
                                           : "http://www.loc.gov/MARC21/slim"));
        struct wy_record *rec = NULL;
        if (cat_record_model(r, &rec, &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        assert_int_equal(rec->kind, cn ? WY_UNIMARC : WY_MARC21);
        const char *a = wy_record_subfield(rec, cn ? "200" : "245", 'a');
        assert_non_null(a);
        assert_string_equal(a, cn ? t200[i] : t245[i - 10]);
        wy_record_free(rec);
        cat_record_free(r);
    }
    for (size_t i = 0; i < 10; i++) {
        free(t200[i]);
        free(t245[i]);
    }
    free(t200);
    free(t245);
    struct cat_record *r = copy_of(f, p->mods[0]);
    assert_string_equal(r->orig_format, "mods");
    assert_non_null(strstr(r->orig, "http://www.loc.gov/mods/v3"));
    /* the title as the MODS fixture has it */
    assert_non_null(strstr(r->desc_json, "Mr. Webster's Dudleian lecture on "
                                         "Presbyterian ordination"));
    cat_record_free(r);
}

/* CNMARC, MARC 21 and MODS-only records at a Wenyuan partner: the main
   pass in marcxml brings the MARC 21 ones, the completion pass the rest
   in unimarc and mods; a second harvest has nothing to complete. */
static void own_provider_completes_formats(void **state)
{
    struct fx *f = *state;
    struct partner p;
    partner_start(f, &p, 100, 0);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    /* by the command: the summary says what was completed */
    char cmd[8192], *out = NULL;
    snprintf(cmd, sizeof(cmd), "%s -H %s/home harvest partner --delay 0 2>&1",
             wy_test_bin(), f->dir);
    if (wy_test_run(cmd, &out) != 0)
        fail_msg("%s: %s", cmd, out);
    assert_non_null(strstr(out, "partner: ok, 2 pages, 21 records (21 added"));
    assert_non_null(
        strstr(out, "partner: 11 records completed in other formats"));
    free(out);
    struct cat_source s;
    get_source(f, "partner", &s);
    assert_string_equal(s.prefix, "marcxml");
    assert_null(s.token); /* the harvest is done */
    cat_source_release(&s);
    check_partner_copy(f, &p);

    /* an explicit --prefix is asked for alone: the MARC 21 records only */
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home source add only %s --prefix marcxml 2>&1 && "
             "%s -H %s/home harvest only --delay 0 2>&1",
             wy_test_bin(), f->dir, p.url, wy_test_bin(), f->dir);
    if (wy_test_run(cmd, &out) != 0)
        fail_msg("%s: %s", cmd, out);
    assert_non_null(strstr(out, "only: ok, 1 pages, 10 records"));
    assert_null(strstr(out, "completed"));
    free(out);
    assert_int_equal(count(f, "only", 1), 10);
    /* one record by identifier: a CNMARC one is not in marcxml, so the
       chosen prefix falls back to unimarc */
    snprintf(cmd, sizeof(cmd),
             "%s -H %s/home harvest partner --id oai:wenyuan:%lld --delay 0 "
             "2>&1",
             wy_test_bin(), f->dir, (long long)p.cn[3]);
    if (wy_test_run(cmd, &out) != 0)
        fail_msg("%s: %s", cmd, out);
    assert_non_null(strstr(out, "stored"));
    free(out);

    /* nothing changed: the oai_dc list finds everything held */
    let_a_second_pass();
    if (run(f, "partner", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(c.completed, 0);
    assert_int_equal(c.added, 0);
    /* a full harvest: 10 items in marcxml, 21 listed in oai_dc, so the
       completion pass runs again and finds every item held */
    f->o.full = 1;
    if (run(f, "partner", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    f->o.full = 0;
    assert_int_equal(c.completed, 0);
    assert_int_equal(c.added, 0);
    check_partner_copy(f, &p);
    partner_stop(&p);
}

/* A partner holding MARC 21 records only: the main pass brought as many
   items as the oai_dc list's completeListSize, so the completion pass stops
   after its first page. */
static void completion_skipped_when_complete(void **state)
{
    struct fx *f = *state;
    struct partner p;
    partner_start(f, &p, 4, 1);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    if (run(f, "partner", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(count(f, "partner", 0), 10);
    assert_int_equal(c.completed, 0);
    /* 3 pages of marcxml, 1 of oai_dc identifiers (not 3) */
    assert_int_equal(c.pages, 4);
    assert_non_null(strstr(wy_buf_cstr(&f->msgs), "no completion needed"));
    partner_stop(&p);
}

/* A sink that fails the second commit of the completion pass. */
struct kill_sink {
    struct oai_sink inner;
    int seen;
};

static wy_code ks_commit(void *ctx, const struct oai_checkpoint *cp,
                         struct wy_err *err)
{
    struct kill_sink *k = ctx;
    if (cp->token && !strncmp(cp->token, "wy-complete:0:", 14) &&
        cp->token[14] && ++k->seen == 2) {
        k->inner.abort_page(k->inner.ctx);
        return wy_err_set(err, WY_EIO, "killed at '%s'", cp->token);
    }
    return k->inner.commit_page(k->inner.ctx, cp, err);
}

#define KS_FWD(name, ...)                                                      \
    struct kill_sink *k = ctx;                                                 \
    return k->inner.name(k->inner.ctx, __VA_ARGS__)
static wy_code ks_begin(void *ctx, struct wy_err *err)
{
    KS_FWD(begin_page, err);
}
static wy_code ks_record(void *ctx, const struct oai_item *it,
                         struct oai_counts *c, struct wy_err *err)
{
    KS_FWD(record, it, c, err);
}
static void ks_abort(void *ctx)
{
    struct kill_sink *k = ctx;
    k->inner.abort_page(k->inner.ctx);
}
static wy_code ks_learned(void *ctx, const char *g, const char *p,
                          struct wy_err *err)
{
    KS_FWD(learned, g, p, err);
}
static wy_code ks_finish(void *ctx, const char *d, const struct oai_counts *c,
                         struct wy_err *err)
{
    KS_FWD(finish, d, c, err);
}
static wy_code ks_fail(void *ctx, const char *m, const struct oai_counts *c,
                       struct wy_err *err)
{
    struct kill_sink *k = ctx;
    return (k->inner.fail)(k->inner.ctx, m, c, err);
}
static int ks_held(void *ctx, const char *id, const char *ds, int del,
                   struct wy_err *err)
{
    KS_FWD(held, id, ds, del, err);
}

/* The completion pass is committed page by page: killed in its middle,
   the next harvest resumes inside it (no second main pass) and brings the
   rest. */
static void completion_resumes(void **state)
{
    struct fx *f = *state;
    struct partner p;
    partner_start(f, &p, 4, 0);
    struct wy_err err = WY_ERR_INIT;
    struct oai_source_state st;
    assert_int_equal(oai_source_load(f->home->cat, "partner", &st, &err),
                     WY_OK);
    struct oai_catsink cs;
    struct kill_sink k = {0};
    oai_catsink_init(&cs, f->home->cat, st.src.name, f->o.log, &k.inner);
    struct oai_sink sink = k.inner;
    sink.ctx = &k;
    sink.begin_page = ks_begin;
    sink.record = ks_record;
    sink.commit_page = ks_commit;
    sink.abort_page = ks_abort;
    sink.learned = ks_learned;
    sink.finish = ks_finish;
    sink.fail = ks_fail;
    sink.held = ks_held;
    sink.commit = NULL;
    sink.reconcile = NULL;
    struct oai_counts c;
    assert_int_equal(oai_harvest(&st.cfg, &sink, &f->o, &c, &err), WY_EIO);
    assert_err(&err, WY_EIO, "completion in oai_dc");
    assert_non_null(strstr(wy_err_msg(&err), "completion page 2"));
    wy_err_release(&err);
    oai_catsink_release(&cs);
    oai_source_state_release(&st);
    /* the MARC 21 records and the first completion page are kept */
    int64_t kept = count(f, "partner", 1);
    assert_true(kept >= 10 && kept < 21);
    struct cat_source s;
    get_source(f, "partner", &s);
    assert_non_null(s.token);
    assert_true(!strncmp(s.token, "wy-complete:0:", 14));
    cat_source_release(&s);

    wy_buf_reset(&f->msgs);
    if (run(f, "partner", &c, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_non_null(
        strstr(wy_buf_cstr(&f->msgs), "resuming the completion pass"));
    assert_int_equal(c.added, 21 - kept);
    assert_int_equal(c.completed, 21 - kept);
    check_partner_copy(f, &p);
    get_source(f, "partner", &s);
    assert_null(s.token);
    cat_source_release(&s);
    partner_stop(&p);
}

/* ---- the pure helpers -------------------------------------------------- */

static void retry_after_values(void **state)
{
    (void)state;
    assert_true(oai_retry_after("120", 0, 600) == 120);
    assert_true(oai_retry_after("3600", 0, 600) == 600); /* capped */
    /* RFC 9110's example date, 30 s after "now" */
    long long t = 784111777LL; /* Sun, 06 Nov 1994 08:49:37 GMT */
    assert_true(oai_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 30, 600) ==
                30);
    assert_true(oai_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t + 30, 600) ==
                0);
    assert_true(oai_retry_after("soon", 0, 600) < 0);
    assert_true(oai_retry_after("12x", 0, 600) < 0);
    assert_true(oai_retry_after("", 0, 600) < 0);
}

static void from_at_granularity(void **state)
{
    (void)state;
    char *s = oai_from_for("2013-02-27T09:10:56Z", "YYYY-MM-DD");
    assert_string_equal(s, "2013-02-27");
    free(s);
    s = oai_from_for("2013-02-27T09:10:56Z", "YYYY-MM-DDThh:mm:ssZ");
    assert_string_equal(s, "2013-02-27T09:10:56Z");
    free(s);
    s = oai_from_for("2000-01-01T00:00:00.000Z", "YYYY-MM-DDthh:mm:ssZ");
    assert_string_equal(s, "2000-01-01T00:00:00Z");
    free(s);
    assert_null(oai_from_for(NULL, "YYYY-MM-DD"));
}

static void richest_prefix(void **state)
{
    (void)state;
    const char *melinda[] = {"oai_dc", "marc21", "melinda_marc"};
    assert_string_equal(oai_pick_prefix(melinda, 3), "marc21");
    const char *sickle[] = {"epicur", "xMetaDissPlus", "oai_dc", "mods",
                            "swepub_mods"};
    assert_string_equal(oai_pick_prefix(sickle, 5), "mods");
    const char *dc[] = {"oai_dc"};
    assert_string_equal(oai_pick_prefix(dc, 1), "oai_dc");
    const char *none[] = {"epicur"};
    assert_null(oai_pick_prefix(none, 1));
}

/* A provider offering nothing we read: the error lists what it offers. */
static void no_known_prefix(void **state)
{
    struct fx *f = *state;
    route(f, "verb:Identify", "records/sickle/Identify.xml");
    route_src(f, "verb:ListMetadataFormats",
              "tests/fixtures/oai/formats-epicur.xml");
    add_source(f, "s", "", NULL);
    struct oai_counts c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(run(f, "s", &c, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "it offers 'epicur'");
    assert_non_null(strstr(wy_err_msg(&err), "ListMetadataFormats"));
    wy_err_release(&err);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
WY_GROUP(harvest, NULL, NULL, T(day_granularity_and_deletions),
         T(melinda_marc21), T(retry_after_503), T(dropped_connection),
         T(expired_token), T(illegal_characters), T(no_records_match),
         T(oai_error_reported), T(server_errors_exhaust_retries),
         T(repeated_token_stops), T(page_limit_and_list_size),
         T(getrecord_mode), T(reconcile_marks_missing), T(parallel_sources),
         T(kill_and_resume), T(cli_source_and_harvest), T(no_known_prefix),
         T(single_getrecord), T(own_provider_round_trip),
         T(own_provider_completes_formats), T(completion_resumes),
         T(completion_skipped_when_complete), T(completion_list_fails),
         T(citebase_and_dspace), cmocka_unit_test(retry_after_values),
         cmocka_unit_test(from_at_granularity),
         cmocka_unit_test(richest_prefix))
