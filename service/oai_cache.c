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

/* A shard: its own lock, hash slots and LRU list. The worker threads all
   read the cache about a hundred times per page: behind one lock they
   would queue. */
struct shard {
    pthread_mutex_t lock;
    struct entry **slots;
    size_t nslots, bytes, max_bytes;
    struct entry *newest, *oldest;
};

struct oai_cache {
    size_t n;
    struct shard sh[];
};

#define NSLOTS 65536
/* A cache this large is split in SHARDS by key hash, each with 1/SHARDS of
   the bytes (the LRU order is then kept per shard); a smaller one is one
   exact LRU. */
#define SHARDS 16
#define SHARD_FROM (16u << 20)

/* Keys are "prefix:sha256-hex": eight bytes at a time, then a final mix
   so every bit depends on every byte. */
static uint64_t khash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

wy_code oai_cache_new(struct oai_cache **out, size_t max_bytes,
                      struct wy_err *err)
{
    size_t n = max_bytes >= SHARD_FROM ? SHARDS : 1;
    struct oai_cache *c = wy_calloc(1, sizeof(*c) + n * sizeof(c->sh[0]));
    if (!c)
        return wy_err_set(err, WY_ENOMEM, "no memory for the record cache");
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        struct shard *s = &c->sh[i];
        if (!(s->slots = wy_calloc(NSLOTS / n, sizeof(*s->slots)))) {
            c->n = i;
            oai_cache_free(c);
            return wy_err_set(err, WY_ENOMEM, "no memory for the record cache");
        }
        s->nslots = NSLOTS / n;
        s->max_bytes = max_bytes / n;
        pthread_mutex_init(&s->lock, NULL);
    }
    *out = c;
    return WY_OK;
}

static struct shard *shard_of(struct oai_cache *c, uint64_t h)
{
    return &c->sh[c->n == 1 ? 0 : (h >> 56) % c->n];
}

static void unlink_lru(struct shard *c, struct entry *e)
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

static void push_newest(struct shard *c, struct entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static void drop(struct shard *c, struct entry *e)
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
    for (size_t i = 0; i < c->n; i++) {
        struct shard *s = &c->sh[i];
        while (s->oldest)
            drop(s, s->oldest);
        free(s->slots);
        pthread_mutex_destroy(&s->lock);
    }
    free(c);
}

static struct entry *find(struct shard *c, const char *key, size_t kl,
                          uint64_t h)
{
    for (struct entry *e = c->slots[h % c->nslots]; e; e = e->next)
        if (e->h == h && e->klen == kl && !memcmp(e->key, key, kl))
            return e;
    return NULL;
}

int oai_cache_get(struct oai_cache *cache, const char *key, struct wy_buf *out)
{
    if (!cache)
        return 0;
    size_t kl = strlen(key);
    uint64_t h = khash(key, kl);
    struct shard *c = shard_of(cache, h);
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

void oai_cache_put(struct oai_cache *cache, const char *key, const char *p,
                   size_t n)
{
    if (!cache)
        return;
    size_t kl = strlen(key);
    uint64_t h = khash(key, kl);
    struct shard *c = shard_of(cache, h);
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
    e->h = h;
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
