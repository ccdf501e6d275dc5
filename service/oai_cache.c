/* service/oai_cache.c: a bounded LRU map from string keys to bytes. */
#include "service/oai_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

struct entry {
    struct entry *next;          /* hash chain */
    struct entry *newer, *older; /* LRU list */
    uint64_t h;
    size_t klen, vlen;
    char *key; /* key, NUL, value: one allocation */
};

struct oai_cache {
    pthread_mutex_t lock;
    struct entry **slots;
    size_t nslots, bytes, max_bytes;
    struct entry *newest, *oldest;
};

#define NSLOTS 65536

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

wy_code oai_cache_new(struct oai_cache **out, size_t max_bytes,
                      struct wy_err *err)
{
    struct oai_cache *c = wy_calloc(1, sizeof(*c));
    if (!c || !(c->slots = wy_calloc(NSLOTS, sizeof(*c->slots)))) {
        free(c);
        return wy_err_set(err, WY_ENOMEM, "no memory for the record cache");
    }
    c->nslots = NSLOTS;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return WY_OK;
}

static void unlink_lru(struct oai_cache *c, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct oai_cache *c, struct entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static void drop(struct oai_cache *c, struct entry *e)
{
    struct entry **pp = &c->slots[e->h % c->nslots];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    unlink_lru(c, e);
    c->bytes -= e->klen + e->vlen + sizeof(*e);
    free(e->key);
    free(e);
}

void oai_cache_free(struct oai_cache *c)
{
    if (!c)
        return;
    while (c->oldest)
        drop(c, c->oldest);
    free(c->slots);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static struct entry *find(struct oai_cache *c, const char *key, size_t kl,
                          uint64_t h)
{
    for (struct entry *e = c->slots[h % c->nslots]; e; e = e->next)
        if (e->h == h && e->klen == kl && !memcmp(e->key, key, kl))
            return e;
    return NULL;
}

int oai_cache_get(struct oai_cache *c, const char *key, struct wy_buf *out)
{
    if (!c)
        return 0;
    size_t kl = strlen(key);
    uint64_t h = fnv(key, kl);
    pthread_mutex_lock(&c->lock);
    struct entry *e = find(c, key, kl, h);
    if (e) {
        unlink_lru(c, e);
        push_newest(c, e);
        wy_buf_add(out, e->key + kl + 1, e->vlen);
    }
    pthread_mutex_unlock(&c->lock);
    return e != NULL;
}

void oai_cache_put(struct oai_cache *c, const char *key, const char *p,
                   size_t n)
{
    if (!c)
        return;
    size_t kl = strlen(key);
    size_t cost = kl + n + sizeof(struct entry);
    if (cost > c->max_bytes / 8)
        return;
    struct entry *e = wy_calloc(1, sizeof(*e));
    char *kv = wy_malloc(kl + 1 + n);
    if (!e || !kv) {
        free(e);
        free(kv);
        return;
    }
    memcpy(kv, key, kl + 1);
    memcpy(kv + kl + 1, p, n);
    e->key = kv;
    e->klen = kl;
    e->vlen = n;
    e->h = fnv(key, kl);
    pthread_mutex_lock(&c->lock);
    struct entry *old = find(c, key, kl, e->h);
    if (old)
        drop(c, old);
    while (c->oldest && c->bytes + cost > c->max_bytes)
        drop(c, c->oldest);
    e->next = c->slots[e->h % c->nslots];
    c->slots[e->h % c->nslots] = e;
    push_newest(c, e);
    c->bytes += cost;
    pthread_mutex_unlock(&c->lock);
}
