/* harvester/oai_client.c: libcurl, configured once for hostile providers. */
#include "harvester/oai_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc.h"

struct oai_client {
    CURL *curl;
    char *base;
    struct oai_client_opts o;
    struct wy_log *log;
    struct wy_buf url;   /* the last request's URL */
    struct wy_buf query; /* the last request's arguments */
    char errbuf[CURL_ERROR_SIZE];
    char retry_after[64]; /* the last response's Retry-After */
    double last_end;      /* wy_now() when the last request ended */
    struct oai_client_stats st;
};

void oai_client_opts_default(struct oai_client_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout = 20;
    o->total_timeout = 600;
    o->low_speed_bytes = 64;
    o->low_speed_time = 60;
    o->max_bytes = 256u << 20;
    o->delay = 1.0;
    o->max_retries = 5;
    o->backoff = 2.0;
    o->backoff_max = 120;
    o->retry_after_max = 600;
}

static void sleep_for(struct oai_client *c, double s)
{
    if (s <= 0)
        return;
    c->st.waited += s;
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

wy_code oai_client_new(struct oai_client **out, const char *base_url,
                       const struct oai_client_opts *opts, struct wy_log *log,
                       struct wy_err *err)
{
    *out = NULL;
    if (strncasecmp(base_url, "http://", 7) &&
        strncasecmp(base_url, "https://", 8))
        return wy_err_set(err, WY_EINVAL, "'%s' is not an http or https URL",
                          base_url);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return wy_err_set(err, WY_ENOMEM, "cannot initialise libcurl");
    struct oai_client *c = wy_calloc(1, sizeof(*c));
    if (!c) {
        curl_global_cleanup();
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    if (opts)
        c->o = *opts;
    else
        oai_client_opts_default(&c->o);
    c->log = log;
    wy_buf_init(&c->url, 64 * 1024);
    wy_buf_init(&c->query, 64 * 1024);
    c->base = wy_strdup(base_url);
    c->curl = curl_easy_init();
    if (!c->base || !c->curl) {
        oai_client_free(c);
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    *out = c;
    return WY_OK;
}

void oai_client_free(struct oai_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->base);
    wy_buf_release(&c->url);
    wy_buf_release(&c->query);
    free(c);
    curl_global_cleanup();
}

const char *oai_client_last_url(const struct oai_client *c)
{
    return wy_buf_cstr(&c->url);
}

void oai_client_stats(const struct oai_client *c, struct oai_client_stats *s)
{
    *s = c->st;
}

struct sink {
    struct wy_buf *out;
    struct oai_client *c;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    wy_buf_add(s->out, p, size * n);
    if (s->out->error != WY_OK)
        return 0; /* past the ceiling: curl stops with a write error */
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct oai_client *c = ud;
    size_t len = size * n;
    static const char key[] = "retry-after:";
    if (len > sizeof(key) - 1 && !strncasecmp(p, key, sizeof(key) - 1)) {
        size_t i = sizeof(key) - 1;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        size_t k = 0;
        while (i < len && p[i] != '\r' && p[i] != '\n' &&
               k + 1 < sizeof(c->retry_after))
            c->retry_after[k++] = p[i++];
        c->retry_after[k] = 0;
    }
    return len;
}

double oai_retry_after(const char *value, long long now, double cap)
{
    if (!value || !*value)
        return -1;
    double s;
    if (value[0] >= '0' && value[0] <= '9') {
        long long v = 0;
        for (const char *p = value; *p; p++) {
            if (*p < '0' || *p > '9')
                return -1;
            if (v < 100000000LL)
                v = v * 10 + (*p - '0');
        }
        s = (double)v;
    } else {
        time_t t = curl_getdate(value, NULL);
        if (t == (time_t)-1)
            return -1;
        s = (double)((long long)t - now);
        if (s < 0)
            s = 0;
    }
    return s > cap ? cap : s;
}

/* Builds "k=v&k=v" with every value escaped byte for byte. */
static wy_code build_query(struct oai_client *c, const char *const *kv,
                           size_t n, struct wy_err *err)
{
    wy_buf_reset(&c->query);
    int first = 1;
    for (size_t i = 0; i + 1 < 2 * n; i += 2) {
        if (!kv[i + 1])
            continue;
        char *e = curl_easy_escape(c->curl, kv[i + 1], (int)strlen(kv[i + 1]));
        if (!e)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        wy_buf_addf(&c->query, "%s%s=%s", first ? "" : "&", kv[i], e);
        curl_free(e);
        first = 0;
    }
    wy_buf_reset(&c->url);
    wy_buf_adds(&c->url, c->base);
    if (!c->o.post && c->query.len) {
        wy_buf_addc(&c->url, strchr(c->base, '?') ? '&' : '?');
        wy_buf_add(&c->url, c->query.p, c->query.len);
    }
    wy_code rc = wy_buf_status(&c->query, err);
    return rc ? rc : wy_buf_status(&c->url, err);
}

static void setup(struct oai_client *c, struct sink *s)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, wy_buf_cstr(&c->url));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_bytes);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, c->o.total_timeout);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, c->o.low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_time);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
    curl_easy_setopt(h, CURLOPT_USERAGENT,
                     c->o.user_agent ? c->o.user_agent : OAI_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    if (c->o.post) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, wy_buf_cstr(&c->query));
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)c->query.len);
    }
}

/* Whether a failed transfer is worth another try. */
static int transient(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

static int looks_like_oai(const struct wy_buf *b)
{
    size_t n = b->len < 4096 ? b->len : 4096;
    for (size_t i = 0; i + 8 <= n; i++)
        if (!memcmp(b->p + i, "OAI-PMH", 7))
            return 1;
    return 0;
}

wy_code oai_client_request(struct oai_client *c, const char *const *kv,
                           size_t n, struct wy_buf *out, struct wy_err *err)
{
    wy_code rc = build_query(c, kv, n, err);
    if (rc != WY_OK)
        return rc;
    double wait = c->o.backoff;
    for (int attempt = 0;; attempt++) {
        if (c->last_end > 0) {
            double since = wy_now() - c->last_end;
            if (since < c->o.delay)
                sleep_for(c, c->o.delay - since);
        }
        wy_buf_reset(out);
        out->limit = c->o.max_bytes;
        c->errbuf[0] = 0;
        c->retry_after[0] = 0;
        struct sink s = {out, c};
        setup(c, &s);
        c->st.requests++;
        CURLcode cc = curl_easy_perform(c->curl);
        c->last_end = wy_now();
        long status = 0;
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        const char *url = wy_buf_cstr(&c->url);
        struct wy_err why = WY_ERR_INIT;
        double pause = -1;
        int retry = 0;
        if (cc == CURLE_WRITE_ERROR && out->error != WY_OK) {
            return wy_err_set(err, out->error,
                              "%s: the response is larger than %zu bytes", url,
                              c->o.max_bytes);
        } else if (cc == CURLE_FILESIZE_EXCEEDED) {
            return wy_err_set(err, WY_ETOOBIG,
                              "%s: the response is larger than %zu bytes", url,
                              c->o.max_bytes);
        } else if (cc != CURLE_OK) {
            wy_err_set(&why, WY_EHTTP, "%s: %s", url,
                       c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
            retry = transient(cc);
        } else if (status >= 200 && status < 300) {
            c->st.bytes += out->len;
            return WY_OK;
        } else if (status >= 400 && status < 500 && looks_like_oai(out)) {
            c->st.bytes += out->len;
            return WY_OK;
        } else {
            wy_err_set(&why, WY_EHTTP, "%s: HTTP status %ld", url, status);
            retry = status >= 500 || status == 429 || status == 408;
            if (status == 503 || status == 429)
                pause = oai_retry_after(c->retry_after, (long long)time(NULL),
                                        c->o.retry_after_max);
        }
        if (!retry || attempt >= c->o.max_retries) {
            if (attempt > 0)
                wy_err_prefix(&why, "after %d tries", attempt + 1);
            wy_err_move(err, &why);
            return err->code;
        }
        if (pause < 0) {
            pause = wait;
            wait = wait * 2 > c->o.backoff_max ? c->o.backoff_max : wait * 2;
        }
        wy_warn(c->log, "%s; trying again in %.0f s", wy_err_msg(&why), pause);
        wy_err_release(&why);
        c->st.retries++;
        sleep_for(c, pause);
    }
}
