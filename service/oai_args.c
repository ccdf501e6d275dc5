/* service/oai_args.c: OAI-PMH request arguments. */
#include "service/oai_args.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const verbs[] = {
    NULL,        "Identify",        "ListMetadataFormats", "ListSets",
    "GetRecord", "ListIdentifiers", "ListRecords",
};

static const char *const errors[] = {
    NULL,
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
};

const char *oai_verb_name(enum oai_verb v)
{
    return (unsigned)v < sizeof(verbs) / sizeof(verbs[0]) ? verbs[v] : NULL;
}

const char *oai_error_name(enum oai_error e)
{
    return (unsigned)e < sizeof(errors) / sizeof(errors[0]) ? errors[e]
                                                            : "badArgument";
}

/* Which arguments each verb takes (section 4): R required, O optional,
   X exclusive (resumptionToken: then nothing else but the verb). */
enum { A_IDENT, A_PREFIX, A_FROM, A_UNTIL, A_SET, A_TOKEN, A_N };
static const char *const argnames[A_N] = {
    "identifier", "metadataPrefix", "from", "until", "set", "resumptionToken",
};
static const char rules[][A_N + 1] = {
    /*               ident prefix from until set token */
    [OAI_IDENTIFY] = "------",         [OAI_LIST_METADATA_FORMATS] = "O-----",
    [OAI_LIST_SETS] = "-----X",        [OAI_GET_RECORD] = "RR----",
    [OAI_LIST_IDENTIFIERS] = "-ROOOX", [OAI_LIST_RECORDS] = "-ROOOX",
};

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int oai_parse_datestamp(const char *s, size_t n, int end_of_day, int64_t *t,
                        int *day)
{
    int Y, M, D, h = 0, m = 0, sec = 0;
    if (n != 10 && n != 20)
        return -1;
    if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) ||
        s[7] != '-' || digits(s + 8, 2, &D))
        return -1;
    if (n == 20) {
        if (s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
            digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec) ||
            s[19] != 'Z')
            return -1;
        if (h > 23 || m > 59 || sec > 59)
            return -1;
    } else if (end_of_day) {
        h = 23;
        m = 59;
        sec = 59;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (Y < 1 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1])
        return -1;
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap)
        return -1;
    /* days from the civil date (Howard Hinnant's algorithm): no time zone,
       no timegm, the same answer whatever TZ the server runs in */
    int y = Y - (M <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *t = days * 86400 + h * 3600 + m * 60 + sec;
    *day = n == 10;
    return 0;
}

void oai_format_datestamp(int64_t t, char out[21])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 ||
        tm.tm_year + 1900 < 1) {
        memcpy(out, "1970-01-01T00:00:00Z", 21);
        return;
    }
    /* the year is 1..9999 here, so the text is exactly 20 characters */
    if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        memcpy(out, "1970-01-01T00:00:00Z", 21);
}

static int prefix_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || strchr("-_.!~*'()", c);
}

int oai_valid_prefix(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!prefix_char(*s))
            return 0;
    return 1;
}

int oai_valid_setspec(const char *s)
{
    int part = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s == ':') {
            if (!part)
                return 0;
            part = 0;
        } else if (prefix_char(*s)) {
            part++;
        } else {
            return 0;
        }
    }
    return part > 0;
}

static enum oai_error bad(struct wy_buf *msg, enum oai_error e, const char *fmt,
                          const char *arg)
{
    wy_buf_addf(msg, fmt, arg);
    return e;
}

enum oai_error oai_parse_request(const struct svc_params *ps,
                                 struct oai_request *rq, struct wy_buf *msg)
{
    memset(rq, 0, sizeof(*rq));
    rq->from = rq->until = OAI_TIME_NONE;
    size_t nverb = svc_params_count(ps, "verb");
    if (nverb == 0)
        return bad(msg, OAI_BAD_VERB, "the verb argument is missing%s", "");
    if (nverb > 1)
        return bad(msg, OAI_BAD_VERB, "the verb argument is repeated%s", "");
    const char *v = svc_params_get(ps, "verb");
    for (size_t i = 1; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (!strcmp(v, verbs[i]))
            rq->verb = (enum oai_verb)i;
    if (!rq->verb)
        return bad(msg, OAI_BAD_VERB, "'%s' is not an OAI-PMH verb", v);

    const char *vals[A_N] = {NULL};
    for (size_t i = 0; i < ps->n; i++) {
        const char *k = ps->p[i].key;
        if (!strcmp(k, "verb"))
            continue;
        size_t a;
        for (a = 0; a < A_N; a++)
            if (!strcmp(k, argnames[a]))
                break;
        if (a == A_N || rules[rq->verb][a] == '-')
            return bad(msg, OAI_BAD_ARGUMENT,
                       "'%s' is not an argument of this verb", k);
        if (vals[a])
            return bad(msg, OAI_BAD_ARGUMENT, "the argument '%s' is repeated",
                       k);
        vals[a] = ps->p[i].val;
    }
    if (vals[A_TOKEN]) {
        for (size_t a = 0; a < A_TOKEN; a++)
            if (vals[a])
                return bad(msg, OAI_BAD_ARGUMENT,
                           "resumptionToken is exclusive: '%s' may not "
                           "come with it",
                           argnames[a]);
        rq->token = vals[A_TOKEN];
        return OAI_OK;
    }
    for (size_t a = 0; a < A_N; a++)
        if (rules[rq->verb][a] == 'R' && !vals[a])
            return bad(msg, OAI_BAD_ARGUMENT, "the argument '%s' is missing",
                       argnames[a]);
    rq->identifier = vals[A_IDENT];
    rq->prefix = vals[A_PREFIX];
    rq->set = vals[A_SET];
    rq->from_s = vals[A_FROM];
    rq->until_s = vals[A_UNTIL];
    if (rq->identifier && !*rq->identifier)
        return bad(msg, OAI_BAD_ARGUMENT, "the argument '%s' is empty",
                   "identifier");
    if (rq->prefix && !oai_valid_prefix(rq->prefix))
        return bad(msg, OAI_BAD_ARGUMENT,
                   "metadataPrefix '%s' is not a valid prefix", rq->prefix);
    if (rq->set && !oai_valid_setspec(rq->set))
        return bad(msg, OAI_BAD_ARGUMENT, "set '%s' is not a valid setSpec",
                   rq->set);
    int fday = -1, uday = -1;
    if (rq->from_s && oai_parse_datestamp(rq->from_s, strlen(rq->from_s), 0,
                                          &rq->from, &fday) != 0)
        return bad(msg, OAI_BAD_ARGUMENT,
                   "from '%s' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
                   rq->from_s);
    if (rq->until_s && oai_parse_datestamp(rq->until_s, strlen(rq->until_s), 1,
                                           &rq->until, &uday) != 0)
        return bad(msg, OAI_BAD_ARGUMENT,
                   "until '%s' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
                   rq->until_s);
    if (fday >= 0 && uday >= 0 && fday != uday)
        return bad(msg, OAI_BAD_ARGUMENT,
                   "from and until have different granularities%s", "");
    if (fday >= 0 && uday >= 0 && rq->from > rq->until)
        return bad(msg, OAI_BAD_ARGUMENT, "from is later than until%s", "");
    return OAI_OK;
}
