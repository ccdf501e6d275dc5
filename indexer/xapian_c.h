/* indexer/xapian_c.h: a small C API over Xapian 1.4, in the manner of
   notmuch. Plain C: opaque handles, wy_code returns, messages in wy_err.
   Only indexer/xapian_c.cc sees C++; no exception ever crosses this API
   (Xapian errors become WY_EINDEX, std::bad_alloc WY_ENOMEM). */
#ifndef WY_INDEXER_XAPIAN_C_H
#define WY_INDEXER_XAPIAN_C_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Xapian rejects terms longer than this many bytes (245, minus room for a
   prefix); longer exact-match values are cut at a UTF-8 boundary. */
#define IDX_X_MAX_TERM 240

/* ---- databases --------------------------------------------------------- */

struct idx_xdb;

enum idx_xdb_mode {
    IDX_XDB_READ = 0,  /* read-only; fails if the database is missing */
    IDX_XDB_WRITE,     /* writable; created when missing */
    IDX_XDB_OVERWRITE, /* writable; any existing content is dropped */
    IDX_XDB_MEMORY     /* writable, in memory (path ignored): tests, fuzz */
};

/* new: opens the database at path; close with idx_xdb_close(). A second
   writer gets WY_EINDEX (DatabaseLockError). Errors name the path. */
wy_code idx_xdb_open(struct idx_xdb **out, const char *path,
                     enum idx_xdb_mode mode, struct wy_err *err);
/* Commits pending changes of a writable database (unless a transaction is
   open: then it is cancelled) and frees the handle, which is gone even on
   error. NULL is a no-op returning WY_OK. */
wy_code idx_xdb_close(struct idx_xdb *db, struct wy_err *err);

/* Makes a reader see the latest commit; *changed (may be NULL) is set to 1
   when there was a newer revision. */
wy_code idx_xdb_reopen(struct idx_xdb *db, int *changed, struct wy_err *err);

/* Transactions of a writable database: changes between begin and commit
   become visible together; cancel drops them. */
wy_code idx_xdb_begin(struct idx_xdb *db, struct wy_err *err);
wy_code idx_xdb_commit(struct idx_xdb *db, struct wy_err *err);
wy_code idx_xdb_cancel(struct idx_xdb *db, struct wy_err *err);
/* Commits pending changes outside a transaction (Xapian's commit()). */
wy_code idx_xdb_flush(struct idx_xdb *db, struct wy_err *err);

/* *out: the number of documents. */
wy_code idx_xdb_doccount(struct idx_xdb *db, uint64_t *out, struct wy_err *err);

/* Metadata: *out is new (free()), NULL-terminated, "" when the key is not
   set. set: writable databases only; part of the current transaction. */
wy_code idx_xdb_get_meta(struct idx_xdb *db, const char *key, char **out,
                         struct wy_err *err);
wy_code idx_xdb_set_meta(struct idx_xdb *db, const char *key, const char *value,
                         struct wy_err *err);

/* The facet value dictionary: *id is the number of `facet`'s value v[0..n)
   (n bytes, any content), a new one (from 1, never reused) when the value
   is new. Writable databases only; a new entry is stored in the index's
   metadata (key "wenyuan.fid.<id>", value "<facet>:<value>") with the
   next document added, commit or close, and forgotten on cancel. Readers
   name the ids they count (idx_xquery.facets_packed == 2). */
wy_code idx_xdb_facet_id(struct idx_xdb *db, unsigned facet, const char *v,
                         size_t n, uint32_t *id, struct wy_err *err);

/* ---- documents --------------------------------------------------------- */

struct idx_xdoc;

/* new: an empty document with a term generator (English stemming, CJK
   n-grams); free with idx_xdoc_free(). */
wy_code idx_xdoc_new(struct idx_xdoc **out, struct wy_err *err);
void idx_xdoc_free(struct idx_xdoc *d);
/* Empties the document for reuse. */
wy_code idx_xdoc_clear(struct idx_xdoc *d, struct wy_err *err);

/* Indexes free text (already normalized by cjk_normalize) under prefix
   ("" for none) with word positions, for phrase searches; each occurrence
   counts wdf_inc (1 normally; more to weigh a field up). */
wy_code idx_xdoc_text(struct idx_xdoc *d, const char *prefix, const char *s,
                      size_t n, unsigned wdf_inc, struct wy_err *err);
/* Leaves a gap in word positions so a phrase cannot span two fields. */
void idx_xdoc_gap(struct idx_xdoc *d);
/* Adds the boolean term prefix+value (no positions, no weight); values that
   would exceed IDX_X_MAX_TERM bytes are cut at a UTF-8 boundary. */
wy_code idx_xdoc_term(struct idx_xdoc *d, const char *prefix, const char *value,
                      size_t n, struct wy_err *err);
/* Sets value slot `slot` (bytes, may hold NULs). */
wy_code idx_xdoc_value(struct idx_xdoc *d, unsigned slot, const char *v,
                       size_t n, struct wy_err *err);
/* Sets the document's data (returned with each hit). */
wy_code idx_xdoc_data(struct idx_xdoc *d, const char *p, size_t n,
                      struct wy_err *err);

/* Adds or replaces the document whose unique id term is `idterm` (the term
   is added to the document). The document stays the caller's. */
wy_code idx_xdb_replace(struct idx_xdb *db, const char *idterm,
                        struct idx_xdoc *d, struct wy_err *err);
/* Adds the document with unique id term idterm without looking for an
   older one (much faster in a large batch): only when none can exist, as
   in a rebuild from scratch. */
wy_code idx_xdb_add(struct idx_xdb *db, const char *idterm, struct idx_xdoc *d,
                    struct wy_err *err);
/* Like idx_xdb_add, but the document is added by a second thread while
   the caller builds the next one; d is left empty, ready for reuse. The
   adder's errors come back from the next call on db (idx_xdb_commit,
   idx_xdb_add_async...), naming the document's id term; the documents
   queued after a failure are dropped. Every other call on db first waits
   until the queued documents are added. */
wy_code idx_xdb_add_async(struct idx_xdb *db, const char *idterm,
                          struct idx_xdoc *d, struct wy_err *err);
/* Deletes the documents with term idterm; none is not an error. */
wy_code idx_xdb_delete(struct idx_xdb *db, const char *idterm,
                       struct wy_err *err);
/* Sets value slot `slot` of the document with unique id term idterm to
   v[0..n) (n 0: removes the value) when it differs, rewriting only that
   document as it is stored; *changed (may be NULL) gets 1 when it was
   rewritten, 0 when it already held v or there is no such document
   (not an error). */
wy_code idx_xdb_set_value(struct idx_xdb *db, const char *idterm,
                          unsigned slot, const char *v, size_t n,
                          int *changed, struct wy_err *err);
/* *out: whether a document has term idterm. */
wy_code idx_xdb_has_term(struct idx_xdb *db, const char *idterm, int *out,
                         struct wy_err *err);

/* Xapian's sortable_serialise: bytes that sort like the numbers; out needs
   18 bytes; returns the length. Never fails. */
size_t idx_x_sortable(double v, char out[18]);

/* ---- queries ----------------------------------------------------------- */

/* Query parser flags (same values as Xapian's). */
enum {
    IDX_QP_BOOLEAN = 1,
    IDX_QP_PHRASE = 2,
    IDX_QP_LOVEHATE = 4,
    IDX_QP_BOOLEAN_ANY_CASE = 8,
    IDX_QP_WILDCARD = 16,
    IDX_QP_PURE_NOT = 32,
    IDX_QP_CJK_NGRAM = 2048,
    IDX_QP_DEFAULT = 1 | 2 | 4 | 2048
};

/* A field name usable in queries ("title:") and the term prefix behind
   it. boolean: the value is taken as one exact term (a filter). One name
   may appear several times to search several prefixes; the name "" lists
   the prefixes searched by words without a field. */
struct idx_xfield {
    const char *name, *prefix;
    int boolean;
};

/* A filter on value slot `slot`: lo <= value <= hi (sortable bytes, from
   idx_x_sortable or plain strings); NULL means open on that side. */
struct idx_xrange {
    unsigned slot;
    const char *lo, *hi;
    size_t lolen, hilen;
};

/* A boolean filter: the term prefix+value (value cut like idx_xdoc_term). */
struct idx_xfilter {
    const char *prefix, *value;
};

/* A facet to count over every match: slot holds one value, or several
   separated by IDX_X_MULTI_SEP (each counted once per document, so counts
   stay exact for multi-valued facets such as holding libraries). */
#define IDX_X_MULTI_SEP '\x1f'
/* Several facets packed in one slot are separated by this byte, in order
   (faster: one value read per match). */
#define IDX_X_FACET_SEP '\x1e'

struct idx_xquery {
    const char *text; /* normalized query text; "" matches all */
    unsigned flags;   /* IDX_QP_* */
    int default_and;  /* 1: terms are ANDed (else ORed) */
    const struct idx_xfield *fields;
    size_t nfields;
    const struct idx_xfilter *filters; /* same prefix ORed, */
    size_t nfilters;                   /*   different prefixes ANDed */
    const struct idx_xrange *ranges;
    size_t nranges;
    int sort_slot;               /* -1: relevance */
    int sort_reverse;            /* 1: descending */
    size_t offset, pagesize;     /* the page of hits wanted */
    const unsigned *facet_slots; /* counted over all matches */
    size_t nfacets;
    int exact_total;   /* 1: visit every match for an exact total even
                          without facets (with facets it always is) */
    int facets_packed; /* 1: the nfacets facets are all in slot
                          facet_slots[0], separated by
                          IDX_X_FACET_SEP; 2: that slot holds the
                          document's distinct values as dictionary ids
                          (idx_xdb_facet_id), each an unsigned LEB128
                          varint, counted in a flat array by id and
                          named at the end */
    /* Snippets are cut from this value slot of each hit (-1: none), with
       CJK n-gram highlighting of the query's terms between hi_start and
       hi_end (e.g. "<b>" "</b>"), about snippet_len bytes long. */
    int snippet_slot;
    size_t snippet_len;
    const char *hi_start, *hi_end;
    /* collapse != 0: one hit per distinct value of slot collapse_slot
       (Xapian's Enquire::set_collapse_key), the best-ranked one; documents
       without a value there are never collapsed. The totals then count
       hits after collapsing (idx_xresults_uncollapsed: before); facets
       still count every matching document. */
    int collapse;
    unsigned collapse_slot;
};

struct idx_xresults;

/* new: runs the query (reopening and retrying once on
   DatabaseModifiedError); free with idx_xresults_free(). A query the
   parser rejects is WY_EINVAL with the parser's message; when the text
   trips Xapian 1.4.22's CJK parsing bug the query is retried with each CJK
   run quoted, then as plain words. */
wy_code idx_xquery_run(struct idx_xdb *db, const struct idx_xquery *q,
                       struct idx_xresults **out, struct wy_err *err);
void idx_xresults_free(struct idx_xresults *r);

/* Xapian's estimate of the number of matches, and its bounds. */
uint64_t idx_xresults_estimate(const struct idx_xresults *r);
uint64_t idx_xresults_lower(const struct idx_xresults *r);
uint64_t idx_xresults_upper(const struct idx_xresults *r);
/* With collapsing: the estimated number of matching documents before
   collapsing (exact when facets were counted); else the estimate. */
uint64_t idx_xresults_uncollapsed(const struct idx_xresults *r);
/* Hits on the requested page. */
size_t idx_xresults_count(const struct idx_xresults *r);
/* borrowed (until the results are freed): hit i's document data, its
   value in slot, its snippet (NULL when no snippet slot was given). */
const char *idx_xresults_data(const struct idx_xresults *r, size_t i,
                              size_t *len);
const char *idx_xresults_value(const struct idx_xresults *r, size_t i,
                               unsigned slot, size_t *len);
const char *idx_xresults_snippet(const struct idx_xresults *r, size_t i);
double idx_xresults_weight(const struct idx_xresults *r, size_t i);
/* With collapsing: how many other matching documents share hit i's
   collapse value (a lower bound unless every match was visited, as when
   facets are counted); 0 otherwise. */
uint64_t idx_xresults_collapsed(const struct idx_xresults *r, size_t i);
/* The parsed query, for debugging (borrowed). */
const char *idx_xresults_query(const struct idx_xresults *r);
/* Facet counts of facet f (index into facet_slots): n values; value k is
   borrowed, with its count. Sorted by descending count, then value. */
size_t idx_xresults_nvalues(const struct idx_xresults *r, size_t f);
const char *idx_xresults_facet(const struct idx_xresults *r, size_t f, size_t k,
                               size_t *len, uint64_t *count);

#ifdef __cplusplus
}
#endif

#endif
