/* indexer/idx_int.h: what idx.c (the handle), idx_doc.c (records to
   documents) and idx_search.c (queries and results) share: the schema
   (prefixes, value slots), the field tables and the handle. Private to
   indexer/. */
#ifndef WY_INDEXER_IDX_INT_H
#define WY_INDEXER_IDX_INT_H

#include "indexer/idx.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/path.h"
#include "formats/dates.h"
#include "indexer/cjk.h"
#include "indexer/xapian_c.h"
#include "repository/profile.h"

/* Bump when prefixes, slots or what goes into a document change. */
#define IDX_SCHEMA "wenyuan-index 7"
#define META_SCHEMA "wenyuan.schema"
#define META_CJK "wenyuan.cjk"
#define META_SEQ "wenyuan.seq"
#define META_CLUSTER "wenyuan.cluster_changed"

/* Value slots. */
enum {
    SLOT_YEAR_FROM = 0, /* sortable_serialise(year) */
    SLOT_YEAR_TO = 1,
    SLOT_TITLE_SORT = 2,
    SLOT_FACETS = 3,       /* the facets' values as dictionary ids
                              (idx_xdb_facet_id, facet = idx_facet_kind),
                              each a varint */
    SLOT_CLUSTER = 4,      /* union-catalogue cluster id (decimal): the
                              collapse key; none when not clustered */
    SLOT_SNIPPET = 20,     /* normalized text snippets are cut from */
    SLOT_DATE_SORT = 21,   /* year_from, or after every year when unknown */
    SLOT_SNIPPET_ORIG = 22 /* the snippet text in the original script, as
                              many code points as SLOT_SNIPPET; only when
                              it differs */
};

/* Term prefixes of free-text fields (also indexed without prefix). */
#define P_TITLE "S"
#define P_CREATOR "A"
#define P_SUBJECT "K"
#define P_PUBLISHER "XPUB"
#define P_PLACE "XPLACE"
#define P_EDITION "XED"
#define P_NOTE "XN"
#define P_TEXT "XF"
#define P_DATE "XDATE"
/* Boolean (exact) prefixes. */
#define P_ID "Q"
#define P_IDENT "XID"
#define P_SET "XSET"

struct idx {
    struct idx_xdb *db;
    struct cjk *cjk;
    struct idx_xdoc *doc; /* reused for every record */
    enum idx_mode mode;
    int fresh;                    /* see idx_set_fresh() */
    int threads;                  /* see idx_set_threads() */
    char *stale;                  /* why the index needs a rebuild, or NULL */
    struct wy_buf tmp, val, snip; /* scratch, reused */
    struct wy_buf snipo;          /* snip in the original script */
    struct wy_buf facet[IDX_NFACETS];
    idx_library_fn library_fn; /* see idx_set_library_resolver() */
    void *library_ctx;
};

struct idxi_facet_def {
    const char *name, *prefix;
};
extern const struct idxi_facet_def idxi_facet_defs[IDX_NFACETS];
/* Field names of the query language (English and Chinese). */
extern const struct idx_xfield idxi_query_fields[];
extern const size_t idxi_nquery_fields;

/* Normalizes s into x->tmp (replacing its content) (idx_doc.c). */
wy_code idxi_norm(struct idx *x, const char *s, size_t n, struct wy_err *err);
/* A value for an exact term: normalized, ASCII lowercased, spaces
   collapsed and trimmed, appended to out (idx_doc.c; idx_search.c treats
   query values the same way). */
wy_code idxi_exact_value(struct idx *x, const char *s, size_t n,
                         struct wy_buf *out, struct wy_err *err);

#endif
