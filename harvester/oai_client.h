/* harvester/oai_client.h: the HTTP side of harvesting: one libcurl handle
 * per source, configured for hostile providers in one place (protocols
 * http/https only, size ceiling, connect and total timeouts, a low-speed
 * limit, gzip/deflate), polite (a delay between requests, a clear
 * User-Agent) and patient (retries with exponential backoff on network
 * errors and 5xx, Retry-After honoured on 503, capped).
 */
#ifndef WY_HARVESTER_OAI_CLIENT_H
#define WY_HARVESTER_OAI_CLIENT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"

#define OAI_USER_AGENT                                                         \
    "Wenyuan/0.1 (OAI-PMH harvester; +https://github.com/wenyuan)"

struct oai_client_opts {
    long connect_timeout;   /* seconds to connect (default 20) */
    long total_timeout;     /* seconds for one whole response (600) */
    long low_speed_bytes;   /* abort below this many bytes/s ... (64) */
    long low_speed_time;    /* ... for this many seconds (60) */
    size_t max_bytes;       /* ceiling of one response (256 MiB) */
    double delay;           /* seconds between two requests (1.0) */
    int max_retries;        /* further tries after a failure (5) */
    double backoff;         /* first wait after a failure, doubled each
                               time (2.0 s) ... */
    double backoff_max;     /* ... up to this (120 s) */
    double retry_after_max; /* cap on a provider's Retry-After (600 s) */
    int post;               /* 1: send requests as POST */
    const char *user_agent; /* NULL: OAI_USER_AGENT */
};

/* Fills o with the defaults above. */
void oai_client_opts_default(struct oai_client_opts *o);

struct oai_client;

/*
 * new: a client for the provider at base_url (copied); free with
 * oai_client_free(). opts NULL: defaults. log (borrowed, may be NULL) gets
 * a warning for each retry. WY_EINVAL when the URL is not http(s).
 */
wy_code oai_client_new(struct oai_client **out, const char *base_url,
                       const struct oai_client_opts *opts, struct wy_log *log,
                       struct wy_err *err);
void oai_client_free(struct oai_client *c);

/*
 * Sends one OAI-PMH request whose arguments are the n key/value pairs in kv
 * (kv[2i] = key, kv[2i+1] = value; NULL values are left out), URL-escaped,
 * values byte for byte. The body goes into out (reset first; its limit is
 * raised to max_bytes). Waits for the per-source delay first, and retries
 * as described above. A 4xx answer whose body is an OAI-PMH document is
 * returned as a success (some providers send protocol errors that way).
 * Errors: WY_EHTTP (the message names the URL and the HTTP status or
 * curl's reason, after the last retry), WY_ETOOBIG (past max_bytes),
 * WY_ENOMEM.
 */
wy_code oai_client_request(struct oai_client *c, const char *const *kv,
                           size_t n, struct wy_buf *out, struct wy_err *err);

/* borrowed: the URL of the last request (for messages), "" before any. */
const char *oai_client_last_url(const struct oai_client *c);

/* Counters since the client was made. */
struct oai_client_stats {
    unsigned long requests, retries;
    unsigned long long bytes; /* body bytes received (decoded) */
    double waited;            /* seconds slept for delay/backoff */
};
void oai_client_stats(const struct oai_client *c, struct oai_client_stats *s);

/*
 * Seconds a Retry-After value asks for: delta-seconds or an HTTP-date
 * (relative to now, a time(NULL) value), capped at cap; -1 when it cannot
 * be read. Exposed for tests.
 */
double oai_retry_after(const char *value, long long now, double cap);

#endif
