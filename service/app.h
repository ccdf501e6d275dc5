/* service/app.h: what the service serves: one home (catalog, store, index)
   and the secret that signs resumption tokens. Opened once by `wenyuan
   serve` (or a test) and shared, read-only, by the worker threads. */
#ifndef WY_SERVICE_APP_H
#define WY_SERVICE_APP_H

#include <pthread.h>
#include <stddef.h>

#include "core/err.h"

struct wy_home;
struct oai_cache;
struct store;
struct idx;

#define SVC_SECRET_LEN 32

struct svc_app {
    char *home;     /* owned */
    char *base_url; /* owned; NULL: from the Host header */
    unsigned char secret[SVC_SECRET_LEN];
    unsigned page_size;      /* OAI records per page; 100 */
    unsigned token_ttl_s;    /* resumption token lifetime; 1 day */
    size_t oai_whole_max;    /* a list page up to this many bytes is sent
                                as one buffer, a larger one streams; 0:
                                1 MiB (tests lower it) */
    char *repo_name;         /* Identify repositoryName */
    char *admin_email;       /* Identify adminEmail */
    struct oai_cache *cache; /* rendered OAI metadata */
    pthread_key_t tls;       /* per-thread handles (SQLite and
                                Xapian want one per thread) */
};

/*
 * new: opens the home for serving. The token secret lives in
 * HOME/service.secret (created on first use, mode 0600, written whole), so
 * tokens survive restarts. WY_ENOTFOUND when HOME is not a directory;
 * WY_EFORMAT when the secret file is damaged (the message names it).
 */
wy_code svc_app_open(struct svc_app **out, const char *home,
                     struct wy_err *err);

/* NULL is a no-op. Call after the server has stopped (its threads have
   closed their handles). */
void svc_app_close(struct svc_app *a);

/*
 * borrowed: this thread's open home (catalog read-only), opened on first use
 * and closed when the thread ends. Errors from home_open (WY_ENOTFOUND when
 * HOME holds no catalog, WY_EDB).
 */
wy_code svc_app_home(struct svc_app *a, struct wy_home **out,
                     struct wy_err *err);

/* borrowed: this thread's OCFL store (HOME/store), opened on first use. */
wy_code svc_app_store(struct svc_app *a, struct store **out,
                      struct wy_err *err);

/* borrowed: this thread's index reader (HOME/index), opened on first use
   and reopened on each call so it sees the latest commit. WY_EINDEX when
   the home has not been indexed. */
wy_code svc_app_index(struct svc_app *a, struct idx **out, struct wy_err *err);

#endif
