/* tests/svc_client.h: a libcurl client and a served temporary home for the
   service tests (MHD's src/testcurl style: the daemon runs in the test). */
#ifndef WY_TESTS_SVC_CLIENT_H
#define WY_TESTS_SVC_CLIENT_H

#include <stddef.h>

#include <pthread.h>

#include "core/log.h"

struct svc_app;
struct svc_server;

struct tc_resp {
    long status;
    char *body; /* NUL-terminated (decoded when gzip was asked) */
    size_t len;
    char *headers; /* all header lines, as received */
};

/* A running server over a home. */
struct tc_srv {
    char *home; /* owned when made by tc_srv_start(NULL) */
    int own_home;
    struct svc_app *app;
    struct svc_server *srv;
    struct wy_log log;
    char last_log[1024];  /* the last log line (access log) */
    pthread_mutex_t lock; /* guards last_log (written by workers) */
    unsigned port;
};

/* Starts a server over home (NULL: a fresh empty temporary home). */
void tc_srv_start(struct tc_srv *t, const char *home);
/* A fresh home served with a busy limit (requests in progress). */
void tc_srv_start_busy(struct tc_srv *t, unsigned busy_limit);
/* Waits up to 3 s for a log line holding needle (the access log is written
   when MHD completes the request, after the client has its reply). */
int tc_log_wait(struct tc_srv *t, const char *needle);
/* Stops it; the home is removed only if tc_srv_start made it. */
void tc_srv_stop(struct tc_srv *t);

/*
 * One request: method GET/POST/HEAD/anything; path is sent as is (no
 * normalization of ".."); body: POST form body or NULL; hdrs: NULL or a
 * NULL-terminated list of "Name: value". gzip: ask for gzip and decode it.
 */
void tc_request(const struct tc_srv *t, const char *method, const char *path,
                const char *body, const char *const *hdrs, int gzip,
                struct tc_resp *r);
#define tc_get(t, path, r) tc_request((t), "GET", (path), NULL, NULL, 0, (r))
void tc_resp_free(struct tc_resp *r);
/* borrowed: the value of a response header (case-insensitive), copied into
   a static buffer, or NULL. */
const char *tc_header(const struct tc_resp *r, const char *name);

/*
 * A home with real records and an object, for the API and web tests:
 * the 10 CNMARC records of derived/dp2-bnu-cnmarc-10.iso (collection guji)
 * and Boston University's MARC 21 records (catmandu-marc/bu_bibs.mrc; the
 * second one deleted), all indexed, and the official OCFL example
 * spec-ex-full rebuilt in three versions as object TC_OBJ of the first
 * CNMARC record. The home is DIR/h.
 */
#define TC_OBJ "wy:spec-ex-full"
struct tc_home {
    char path[4096];
    long long first_cn, first_bu, deleted;
};
void tc_home_build(const char *dir, struct tc_home *h);

#endif

/* Validates an XML reply against the OAI-PMH schema with the oai_dc,
   MARCXML, MODS and oai-identifier schemas of ../shared/fixtures/schemas
   (a driver schema importing them is written into dir). Fails the test
   with libxml2's message when the reply is not valid. */
void tc_assert_oai_valid(const char *dir, const char *body, size_t len);

/* new: the text between the first "<tag" ... ">" and "</tag>" after
 *from (advanced past it), or NULL. */
char *tc_between(const char *s, const char *open, const char *close);
/* Occurrences of needle in s. */
size_t tc_count(const char *s, const char *needle);
