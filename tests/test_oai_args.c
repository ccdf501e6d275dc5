/* tests/test_oai_args.c: OAI-PMH argument rules, datestamps and signed
   resumption tokens. Expected values come from the protocol text
   (http://www.openarchives.org/OAI/openarchivesprotocol.html, 3.3, 3.6, 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "service/oai_args.h"
#include "service/oai_cache.h"
#include "service/oai_token.h"
#include "service/params.h"

static enum oai_error parse(const char *q, struct oai_request *rq,
                            struct svc_params *ps, char **msg)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf m = WY_BUF_INIT(4096);
    assert_int_equal(svc_params_parse(ps, q, strlen(q), &err), WY_OK);
    enum oai_error e = oai_parse_request(ps, rq, &m);
    *msg = wy_buf_take(&m, NULL);
    if (!*msg)
        *msg = strdup("");
    wy_buf_release(&m);
    return e;
}

#define EXPECT(q, code, needle)                                                \
    do {                                                                       \
        struct svc_params ps_ = SVC_PARAMS_INIT;                               \
        struct oai_request rq_;                                                \
        char *m_;                                                              \
        assert_int_equal(parse((q), &rq_, &ps_, &m_), (code));                 \
        if (!strstr(m_, (needle)))                                             \
            fail_msg("'%s': message '%s' lacks '%s'", (q), m_, (needle));      \
        free(m_);                                                              \
        svc_params_release(&ps_);                                              \
    } while (0)

static void verbs_and_arguments(void **state)
{
    (void)state;
    EXPECT("", OAI_BAD_VERB, "missing");
    EXPECT("verb=Identify&verb=Identify", OAI_BAD_VERB, "repeated");
    EXPECT("verb=identify", OAI_BAD_VERB, "'identify'");
    EXPECT("verb=Identify", OAI_OK, "");
    EXPECT("verb=Identify&set=a", OAI_BAD_ARGUMENT, "'set'");
    EXPECT("verb=ListRecords", OAI_BAD_ARGUMENT, "'metadataPrefix' is missing");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=mods",
           OAI_BAD_ARGUMENT, "'metadataPrefix' is repeated");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&bogus=1", OAI_BAD_ARGUMENT,
           "'bogus'");
    EXPECT("verb=ListRecords&resumptionToken=x&set=a", OAI_BAD_ARGUMENT,
           "exclusive");
    EXPECT("verb=ListRecords&resumptionToken=x", OAI_OK, "");
    EXPECT("verb=GetRecord&identifier=oai:x:1", OAI_BAD_ARGUMENT,
           "'metadataPrefix' is missing");
    EXPECT("verb=GetRecord&metadataPrefix=oai_dc", OAI_BAD_ARGUMENT,
           "'identifier' is missing");
    EXPECT("verb=GetRecord&metadataPrefix=oai_dc&identifier=", OAI_BAD_ARGUMENT,
           "'identifier' is empty");
    EXPECT("verb=ListIdentifiers&metadataPrefix=oai%20dc", OAI_BAD_ARGUMENT,
           "metadataPrefix 'oai dc'");
    EXPECT("verb=ListSets&resumptionToken=abc", OAI_OK, "");
    EXPECT("verb=ListSets&from=2020-01-01", OAI_BAD_ARGUMENT, "'from'");
    EXPECT("verb=ListMetadataFormats&identifier=oai:a:b", OAI_OK, "");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&set=%E5%8F%A4%E7%B1%8D",
           OAI_BAD_ARGUMENT, "setSpec");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&set=a::b", OAI_BAD_ARGUMENT,
           "setSpec");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&set=library:bnu", OAI_OK,
           "");
}

static void dates_and_granularity(void **state)
{
    (void)state;
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&from=2002-02-30",
           OAI_BAD_ARGUMENT, "from '2002-02-30'");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&until=2002-1-01",
           OAI_BAD_ARGUMENT, "until '2002-1-01'");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&from=2002-01-01T00:00:00",
           OAI_BAD_ARGUMENT, "from");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&from=2002-01-01&"
           "until=2002-01-02T00:00:00Z",
           OAI_BAD_ARGUMENT, "granularities");
    EXPECT("verb=ListRecords&metadataPrefix=oai_dc&from=2002-01-02&"
           "until=2002-01-01",
           OAI_BAD_ARGUMENT, "later");

    struct svc_params ps = SVC_PARAMS_INIT;
    struct oai_request rq;
    char *m;
    assert_int_equal(parse("verb=ListRecords&metadataPrefix=oai_dc&"
                           "from=2002-05-01&until=2002-05-01",
                           &rq, &ps, &m),
                     OAI_OK);
    /* 2002-05-01T00:00:00Z is 1020211200 (date -u -d 2002-05-01 +%s) */
    assert_int_equal(rq.from, 1020211200);
    /* day granularity until covers the whole day */
    assert_int_equal(rq.until, 1020211200 + 86399);
    free(m);
    svc_params_release(&ps);

    int64_t t;
    int day;
    assert_int_equal(
        oai_parse_datestamp("2000-02-29T23:59:59Z", 20, 0, &t, &day), 0);
    assert_int_equal(t, 951868799); /* date -u -d 2000-02-29T23:59:59 +%s */
    assert_int_equal(day, 0);
    assert_int_equal(oai_parse_datestamp("1900-02-29", 10, 0, &t, &day), -1);
    assert_int_equal(
        oai_parse_datestamp("2024-12-31T24:00:00Z", 20, 0, &t, &day), -1);
    char out[21];
    oai_format_datestamp(951868799, out);
    assert_string_equal(out, "2000-02-29T23:59:59Z");
}

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static void token_round_trip_and_tamper(void **state)
{
    (void)state;
    struct oai_token t = {
        .verb = OAI_LIST_RECORDS,
        .prefix = "oai_dc",
        .set = "guji",
        .from = OAI_TIME_NONE,
        .until = 1700000000,
        .last_ds = 1600000000,
        .last_id = "42\n%x",
        .cursor = 100,
        .total = 1234,
        .issued = 1700000000,
    };
    struct wy_buf b = WY_BUF_INIT(OAI_TOKEN_MAX);
    oai_token_encode(&t, key, sizeof(key), &b);
    assert_int_equal(b.error, WY_OK);
    for (size_t i = 0; i < b.len; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
                               "uvwxyz0123456789-_.",
                               b.p[i]));
    struct oai_token d;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(oai_token_decode(b.p, b.len, key, sizeof(key), 1700000100,
                                      86400, &d, &err),
                     WY_OK);
    assert_int_equal(d.verb, OAI_LIST_RECORDS);
    assert_string_equal(d.prefix, "oai_dc");
    assert_string_equal(d.set, "guji");
    assert_true(d.from == OAI_TIME_NONE);
    assert_int_equal(d.until, 1700000000);
    assert_int_equal(d.last_ds, 1600000000);
    assert_string_equal(d.last_id, "42\n%x");
    assert_int_equal(d.cursor, 100);
    assert_int_equal(d.total, 1234);
    oai_token_release(&d);

    /* expired */
    assert_int_equal(oai_token_decode(b.p, b.len, key, sizeof(key),
                                      1700000000 + 86401, 86400, &d, &err),
                     WY_ESTATE);
    assert_err(&err, WY_ESTATE, "expired");
    wy_err_release(&err);
    /* another key */
    unsigned char other[32];
    memcpy(other, key, 32);
    other[0] ^= 1;
    assert_int_equal(oai_token_decode(b.p, b.len, other, sizeof(other),
                                      1700000100, 86400, &d, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "signature");
    wy_err_release(&err);
    /* one character changed in the payload */
    b.p[3] = b.p[3] == 'A' ? 'B' : 'A';
    assert_int_equal(oai_token_decode(b.p, b.len, key, sizeof(key), 1700000100,
                                      86400, &d, &err),
                     WY_EFORMAT);
    wy_err_release(&err);
    /* garbage */
    static const char *const bad[] = {
        "", "abc", ".", "abc.", "!!!.!!!", "AAAA.AAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(oai_token_decode(bad[i], strlen(bad[i]), key,
                                          sizeof(key), 1700000100, 86400, &d,
                                          &err),
                         WY_EFORMAT);
        assert_err(&err, WY_EFORMAT, "resumptionToken");
        wy_err_release(&err);
    }
    wy_buf_release(&b);
}

static void cache_is_bounded_lru(void **state)
{
    (void)state;
    struct oai_cache *c;
    struct wy_err err = WY_ERR_INIT;
    /* room for about three 1000-byte values (entry overhead included) */
    assert_int_equal(oai_cache_new(&c, 8 * 1000 + 64, &err), WY_OK);
    char v[1000];
    memset(v, 'x', sizeof(v));
    for (int i = 0; i < 8; i++) {
        char k[32];
        snprintf(k, sizeof(k), "oai_dc:%d", i);
        v[0] = (char)('0' + i);
        oai_cache_put(c, k, v, sizeof(v) / 8); /* 125 bytes each */
    }
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    assert_int_equal(oai_cache_get(c, "oai_dc:7", &b), 1);
    assert_int_equal(b.len, 125);
    assert_int_equal(b.p[0], '7');
    /* a value over an eighth of the cache is not kept */
    char *big = calloc(1, 2000);
    oai_cache_put(c, "big", big, 2000);
    free(big);
    wy_buf_reset(&b);
    assert_int_equal(oai_cache_get(c, "big", &b), 0);
    /* filling it evicts the least recently used first: 7 was just read */
    for (int i = 8; i < 200; i++) {
        char k[32];
        snprintf(k, sizeof(k), "oai_dc:%d", i);
        oai_cache_put(c, k, v, 125);
        if (i % 10 == 0) {
            wy_buf_reset(&b);
            oai_cache_get(c, "oai_dc:7", &b); /* keeps 7 recent */
        }
    }
    wy_buf_reset(&b);
    assert_int_equal(oai_cache_get(c, "oai_dc:0", &b), 0);
    assert_int_equal(oai_cache_get(c, "oai_dc:7", &b), 1);
    /* an empty value is a hit: "not available in this format" */
    oai_cache_put(c, "marcxml:abc", "", 0);
    wy_buf_reset(&b);
    assert_int_equal(oai_cache_get(c, "marcxml:abc", &b), 1);
    assert_int_equal(b.len, 0);
    assert_int_equal(oai_cache_get(NULL, "x", &b), 0);
    wy_buf_release(&b);
    oai_cache_free(c);
    oai_cache_free(NULL);
}

/* 16 MiB and more: 16 shards of 1 MiB, each bounded on its own. */
static void large_cache_is_sharded(void **state)
{
    (void)state;
    struct oai_cache *c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(oai_cache_new(&c, 16u << 20, &err), WY_OK);
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "oai_dc:%d", i);
        oai_cache_put(c, k, k, strlen(k));
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "oai_dc:%d", i);
        wy_buf_reset(&b);
        assert_int_equal(oai_cache_get(c, k, &b), 1);
        assert_int_equal(b.len, strlen(k));
        assert_memory_equal(b.p, k, b.len);
    }
    /* over an eighth of a shard (128 KiB): not kept */
    char *v = calloc(1, 200 * 1024);
    oai_cache_put(c, "big", v, 200 * 1024);
    wy_buf_reset(&b);
    assert_int_equal(oai_cache_get(c, "big", &b), 0);
    /* 25 MiB of 64 KiB values through a 16 MiB cache: the first ones go,
       the last one stays */
    for (int i = 0; i < 400; i++) {
        snprintf(k, sizeof(k), "mods:%d", i);
        oai_cache_put(c, k, v, 64 * 1024);
    }
    int kept = 0;
    for (int i = 0; i < 400; i++) {
        snprintf(k, sizeof(k), "mods:%d", i);
        wy_buf_reset(&b);
        kept += oai_cache_get(c, k, &b);
    }
    assert_true(kept > 100 && kept <= 256);
    wy_buf_reset(&b);
    assert_int_equal(oai_cache_get(c, "mods:0", &b), 0);
    assert_int_equal(oai_cache_get(c, "mods:399", &b), 1);
    free(v);
    wy_buf_release(&b);
    oai_cache_free(c);
}

WY_GROUP(oai_args, NULL, NULL, cmocka_unit_test(verbs_and_arguments),
         cmocka_unit_test(dates_and_granularity),
         cmocka_unit_test(large_cache_is_sharded),
         cmocka_unit_test(token_round_trip_and_tamper),
         cmocka_unit_test(cache_is_bounded_lru))
