/* repository/reconcile.h: whether the catalog lists exactly what the OCFL
 * store holds.
 *
 * Ingest keeps the two in step (an intent before each OCFL commit, see
 * ingest.h), but a home written before catalog schema 3, a damaged intent
 * or a hand edit of either side can leave them apart. reconcile_run reads
 * every object's root inventory (its id and head) and the catalog's objects
 * table and reports each object on which they disagree. Nothing is
 * changed: ingesting the item again writes its catalog rows. */
#ifndef WY_REPOSITORY_RECONCILE_H
#define WY_REPOSITORY_RECONCILE_H

#include <stdint.h>

#include "core/err.h"
#include "repository/catalog.h"

struct store;

enum reconcile_kind {
    RECONCILE_UNCATALOGUED, /* in the store, not in the catalog */
    RECONCILE_HEAD,         /* both, with another head version */
    RECONCILE_NOT_STORED,   /* in the catalog, not in the store */
    RECONCILE_UNREADABLE    /* an object root whose inventory has no id */
};

/* borrowed: valid during the callback */
struct reconcile_problem {
    enum reconcile_kind kind;
    const char *object_id;  /* the path relative to the storage root for
                               RECONCILE_UNREADABLE */
    const char *store_head; /* "v3", or NULL when not stored */
    const char *cat_head;   /* "v2", or NULL when not catalogued */
};

/* Compares store s with catalog c, calling fn (may be NULL) for each
 * problem, store objects in path order first, then catalogued objects the
 * store lacks in id order; *problems gets their number.
 * Errors: WY_EIO (the store cannot be walked), WY_EDB, WY_ENOMEM. */
wy_code reconcile_run(struct cat *c, struct store *s,
                      void (*fn)(void *ctx, const struct reconcile_problem *p),
                      void *ctx, uint64_t *problems, struct wy_err *err);

/* "uncatalogued", "head", "not-stored", "unreadable" */
const char *reconcile_kind_name(enum reconcile_kind k);

#endif
