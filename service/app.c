/* service/app.c: the served home and its token secret. */
#include "service/app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"
#include "indexer/idx.h"
#include "repository/home.h"
#include "repository/store.h"
#include "service/oai_cache.h"

/* What one worker thread keeps open; closed when the thread exits. */
struct tls {
    struct wy_home *home;
    struct store *store;
    struct idx *idx;
};

static void tls_free(void *p)
{
    struct tls *t = p;
    if (!t)
        return;
    struct wy_err err = WY_ERR_INIT;
    idx_close(t->idx, &err); /* a reader: nothing to lose */
    wy_err_release(&err);
    store_close(t->store);
    home_close(t->home);
    free(t);
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static wy_code load_secret(struct svc_app *a, struct wy_err *err)
{
    struct wy_buf path = WY_BUF_INIT(4096);
    wy_path_join(&path, a->home, "service.secret");
    wy_code rc = wy_buf_status(&path, err);
    if (rc != WY_OK)
        goto out;
    const char *p = wy_buf_cstr(&path);
    if (wy_is_file(p)) {
        /* wy_file_read reserves 64 KiB at a time: a smaller limit fails */
        struct wy_buf b = WY_BUF_INIT(1u << 20);
        rc = wy_file_read(p, &b, err);
        if (rc == WY_OK) {
            const char *s = wy_buf_cstr(&b);
            size_t n = b.len;
            while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
                n--;
            if (n != 2 * SVC_SECRET_LEN)
                rc = wy_err_set(err, WY_EFORMAT,
                                "'%s': expected %d hex digits, found %zu "
                                "bytes",
                                p, 2 * SVC_SECRET_LEN, n);
            for (size_t i = 0; rc == WY_OK && i < SVC_SECRET_LEN; i++) {
                int h = unhex(s[2 * i]), l = unhex(s[2 * i + 1]);
                if (h < 0 || l < 0)
                    rc = wy_err_set(err, WY_EFORMAT,
                                    "'%s': byte %zu is not a hex digit", p,
                                    2 * i + (h < 0 ? 0 : 1));
                else
                    a->secret[i] = (unsigned char)(h * 16 + l);
            }
        }
        wy_buf_release(&b);
        goto out;
    }
    if (RAND_bytes(a->secret, SVC_SECRET_LEN) != 1) {
        rc = wy_err_set(err, WY_EIO, "no random bytes for '%s'", p);
        goto out;
    }
    char hex[2 * SVC_SECRET_LEN + 2];
    for (size_t i = 0; i < SVC_SECRET_LEN; i++) {
        static const char d[] = "0123456789abcdef";
        hex[2 * i] = d[a->secret[i] >> 4];
        hex[2 * i + 1] = d[a->secret[i] & 15];
    }
    hex[2 * SVC_SECRET_LEN] = '\n';
    hex[2 * SVC_SECRET_LEN + 1] = '\0';
    mode_t old = umask(077); /* the secret is readable by its owner only */
    rc = wy_file_replace(p, hex, 2 * SVC_SECRET_LEN + 1, err);
    umask(old);
out:
    wy_buf_release(&path);
    return rc;
}

wy_code svc_app_open(struct svc_app **out, const char *home, struct wy_err *err)
{
    *out = NULL;
    if (!home || !wy_is_dir(home))
        return wy_err_set(err, WY_ENOTFOUND, "home '%s' is not a directory",
                          home ? home : "");
    struct svc_app *a = wy_calloc(1, sizeof(*a));
    if (!a || !(a->home = wy_strdup(home))) {
        free(a);
        return wy_err_set(err, WY_ENOMEM, "no memory to open '%s'", home);
    }
    a->page_size = 100;
    a->token_ttl_s = 24 * 3600;
    a->repo_name = wy_strdup("文渊 Wenyuan digital library");
    a->admin_email = wy_strdup("admin@localhost.localdomain");
    if (!a->repo_name || !a->admin_email) {
        free(a->repo_name);
        free(a->admin_email);
        free(a->home);
        free(a);
        return wy_err_set(err, WY_ENOMEM, "no memory to open '%s'", home);
    }
    if (pthread_key_create(&a->tls, tls_free) != 0) {
        free(a->repo_name);
        free(a->admin_email);
        free(a->home);
        free(a);
        return wy_err_set(err, WY_ENOMEM, "no thread key for '%s'", home);
    }
    wy_code rc = load_secret(a, err);
    if (rc == WY_OK)
        rc = oai_cache_new(&a->cache, 64u << 20, err);
    if (rc != WY_OK) {
        svc_app_close(a);
        return rc;
    }
    *out = a;
    return WY_OK;
}

void svc_app_close(struct svc_app *a)
{
    if (!a)
        return;
    /* this thread's handles (tests run requests' helpers here too) */
    tls_free(pthread_getspecific(a->tls));
    pthread_setspecific(a->tls, NULL);
    pthread_key_delete(a->tls);
    oai_cache_free(a->cache);
    OPENSSL_cleanse(a->secret, sizeof(a->secret));
    free(a->repo_name);
    free(a->admin_email);
    free(a->home);
    free(a->base_url);
    free(a);
}

static struct tls *tls_get(struct svc_app *a, struct wy_err *err)
{
    struct tls *t = pthread_getspecific(a->tls);
    if (t)
        return t;
    t = wy_calloc(1, sizeof(*t));
    if (!t || pthread_setspecific(a->tls, t) != 0) {
        free(t);
        wy_err_set(err, WY_ENOMEM, "no memory for a worker's handles");
        return NULL;
    }
    return t;
}

wy_code svc_app_home(struct svc_app *a, struct wy_home **out,
                     struct wy_err *err)
{
    struct tls *t = tls_get(a, err);
    if (!t)
        return err->code;
    if (!t->home) {
        wy_code rc = home_open(&t->home, a->home, HOME_READONLY, err);
        if (rc != WY_OK)
            return rc;
    }
    *out = t->home;
    return WY_OK;
}

wy_code svc_app_store(struct svc_app *a, struct store **out, struct wy_err *err)
{
    struct wy_home *h;
    wy_code rc = svc_app_home(a, &h, err);
    if (rc != WY_OK)
        return rc;
    struct tls *t = pthread_getspecific(a->tls);
    if (!t->store) {
        rc = store_open(&t->store, h->store_path, err);
        if (rc != WY_OK)
            return rc;
    }
    *out = t->store;
    return WY_OK;
}

wy_code svc_app_index(struct svc_app *a, struct idx **out, struct wy_err *err)
{
    struct wy_home *h;
    wy_code rc = svc_app_home(a, &h, err);
    if (rc != WY_OK)
        return rc;
    struct tls *t = pthread_getspecific(a->tls);
    if (!t->idx) {
        rc = idx_open(&t->idx, h->index_path, IDX_READ, err);
        if (rc != WY_OK)
            return rc;
    } else {
        /* see what the indexer committed since the last search */
        rc = idx_reopen(t->idx, err);
        if (rc != WY_OK)
            return rc;
    }
    *out = t->idx;
    return WY_OK;
}
