/* service/oai_cache.h: rendered metadata of records, shared by the worker
   threads and bounded in bytes (least recently used entries go first).
   Keys carry the record's content hash, so an entry can never be stale: a
   changed record has another key. Writing a record (JSON parse of the
   stored view, then the format writer) is most of the cost of a
   ListRecords page; harvesters and the web page ask for the same records
   again and again. */
#ifndef WY_SERVICE_OAI_CACHE_H
#define WY_SERVICE_OAI_CACHE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct oai_cache;

/* new: a cache holding at most max_bytes of keys and values. */
wy_code oai_cache_new(struct oai_cache **out, size_t max_bytes,
                      struct wy_err *err);
/* NULL is a no-op. */
void oai_cache_free(struct oai_cache *c);

/* On a hit, appends the value to out and returns 1; 0 on a miss (or when
   c is NULL). Thread-safe. */
int oai_cache_get(struct oai_cache *c, const char *key, struct wy_buf *out);

/* Stores a copy of p[0..n) under key (replacing an entry with that key);
   values larger than an eighth of the cache are not kept. A cache of
   16 MiB or more is split into 16 shards by key (fewer threads wait on a
   lock): the bound and the LRU order then apply per shard. Out of memory
   only means the value is not cached. Thread-safe. */
void oai_cache_put(struct oai_cache *c, const char *key, const char *p,
                   size_t n);

#endif
