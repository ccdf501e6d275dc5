/* indexer/idx.h: the search index of the catalogue: Xapian documents built
   from records (their normalized view, MARC 880 fields and full text), and
   searches with fields, filters, facets, date ranges and snippets. */
#ifndef WY_INDEXER_IDX_H
#define WY_INDEXER_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

struct idx;

enum idx_mode {
    IDX_READ = 0, /* searching; the index must exist */
    IDX_WRITE,    /* indexing; created when missing */
    IDX_REBUILD,  /* indexing from scratch: existing content dropped;
                     synced to disk once, by idx_close */
    IDX_MEMORY    /* an in-memory index (tests, fuzzing); path ignored */
};

/*
 * new: opens the index at path (a directory); close with idx_close().
 * Only one writer at a time: a second gets WY_EINDEX. A new index records
 * the normalization version (cjk_version()); see idx_stale().
 * Errors: WY_EINDEX naming the path (missing index, lock, corruption),
 * WY_ENOMEM.
 */
wy_code idx_open(struct idx **out, const char *path, enum idx_mode mode,
                 struct wy_err *err);
/* Commits pending changes (a writer) and frees the handle, which is gone
   even on error. NULL is a no-op. */
wy_code idx_close(struct idx *x, struct wy_err *err);

/* NULL when the index was built with this program's schema and Chinese
   normalization tables; otherwise borrowed text saying what differs (the
   index should be rebuilt with `wenyuan index --rebuild`). */
const char *idx_stale(const struct idx *x);

/* Promises that every record put from now on is new to the index and put
   once (a rebuild from scratch): documents are then added without looking
   for an older version, several times faster in large batches. */
void idx_set_fresh(struct idx *x, int fresh);

/* With 2, a fresh index (idx_set_fresh) is written by a second thread
   while idx_put builds the next record's document: an error of the writer
   then comes back from a later idx_put or from idx_commit, naming the
   record's id term ('Q<id>'). 1 (the default): everything in the caller's
   thread. Two threads finish sooner only with a processor to spare: on a
   busy machine they took about 18% more CPU time and longer (glibc's
   malloc across threads; docs/PERFORMANCE.md). */
void idx_set_threads(struct idx *x, int threads);

/* Makes a reader see the latest commit of the writer. */
wy_code idx_reopen(struct idx *x, struct wy_err *err);

/* A batch of changes, visible to readers all at once at commit. */
wy_code idx_begin(struct idx *x, struct wy_err *err);
wy_code idx_commit(struct idx *x, struct wy_err *err);
wy_code idx_cancel(struct idx *x, struct wy_err *err);

/* The catalog's view of a record: what the record itself does not say. */
struct idx_meta {
    const char *id;          /* the catalog's record id (required) */
    const char *source;      /* harvest source or "local"; may be NULL */
    const char *collection;  /* may be NULL */
    const char *const *sets; /* OAI sets; nsets of them */
    size_t nsets;
    int deleted; /* 1: remove the record from the index */
    int64_t cluster; /* its union-catalogue cluster id; 0: not clustered */
};

/* Text that came with an ingested object: OCR or transcription. */
enum idx_text_kind { IDX_TEXT_PLAIN = 0, IDX_TEXT_HOCR };
struct idx_text {
    const char *object; /* object id, for messages; may be NULL */
    const char *data;   /* UTF-8 (plain) or hOCR (XHTML) */
    size_t len;
    enum idx_text_kind kind;
};

/*
 * Adds or replaces the document of record m->id, built from r's normalized
 * view (r->desc), its MARC 880 fields (indexed with the field each pairs
 * with) and the texts (full text of its objects). m->deleted deletes it
 * instead (r may then be NULL). Errors name the record id.
 */
wy_code idx_put(struct idx *x, const struct wy_record *r,
                const struct idx_meta *m, const struct idx_text *texts,
                size_t ntexts, struct wy_err *err);
/*
 * The holding-library facet's value for an institution as a holding
 * writes it: fn(ctx, institution, &name, err) gives a new string (free())
 * or NULL to leave the institution out; without a resolver (fn NULL, the
 * default) the institution is the value. indexer/sync.c sets the library
 * register's preferred names (repository/libraries.h), so spellings of one
 * library are one facet value. ctx is borrowed while set.
 */
typedef wy_code (*idx_library_fn)(void *ctx, const char *institution,
                                  char **name, struct wy_err *err);
void idx_set_library_resolver(struct idx *x, idx_library_fn fn, void *ctx);

/* Sets the union-catalogue cluster of the indexed record id (0: not
   clustered) in place, without rebuilding its document; *changed (may be
   NULL) gets 1 when it differed. A record not in the index is skipped
   (*changed 0): it gets its cluster when it is indexed. */
wy_code idx_set_cluster(struct idx *x, const char *id, int64_t cluster,
                        int *changed, struct wy_err *err);
/* Removes record id from the index; a missing record is not an error. */
wy_code idx_delete(struct idx *x, const char *id, struct wy_err *err);

/* The number of records in the index. */
wy_code idx_count(struct idx *x, uint64_t *out, struct wy_err *err);

/* The catalog change-log sequence number the index is up to date with
   (0 for a new index); set it inside the batch that indexed the changes. */
wy_code idx_get_seq(struct idx *x, uint64_t *out, struct wy_err *err);
wy_code idx_set_seq(struct idx *x, uint64_t seq, struct wy_err *err);
/* The cluster-change time (as the cluster tables write it) the index has
   followed up to: *out is new (free()), "" for a new index. Set it inside
   the batch that re-indexed the members of the clusters changed until
   then. */
wy_code idx_get_cluster_mark(struct idx *x, char **out, struct wy_err *err);
wy_code idx_set_cluster_mark(struct idx *x, const char *mark,
                             struct wy_err *err);

/* ---- searching --------------------------------------------------------- */

enum idx_sort {
    IDX_SORT_RELEVANCE = 0,
    IDX_SORT_DATE,      /* oldest first */
    IDX_SORT_DATE_DESC, /* newest first */
    IDX_SORT_TITLE
};

/* Parses "relevance", "date", "-date" (or "date-desc"), "title". */
wy_code idx_sort_parse(const char *s, enum idx_sort *out, struct wy_err *err);

/* The facets, in the order their counts are returned. */
enum idx_facet_kind {
    IDX_FACET_COLLECTION = 0,
    IDX_FACET_LIBRARY, /* holding library: multi-valued */
    IDX_FACET_TYPE,
    IDX_FACET_LANGUAGE,
    IDX_FACET_CREATOR,
    IDX_FACET_CENTURY,
    IDX_FACET_DYNASTY,
    IDX_FACET_SOURCE,
    IDX_FACET_EDITION_TYPE, /* 版本类别: 刻本, 抄本, 稿本, 活字本 ... */
    IDX_FACET_PLACE,        /* 地点: place of publication */
    IDX_FACET_REGION,       /* 主题地域: region the record is about */
    IDX_NFACETS
};
/* borrowed, static: the facet's name ("collection", "library", ...). */
const char *idx_facet_name(enum idx_facet_kind f);

struct idx_query {
    const char *q;             /* the user's query; "" or NULL: all */
    const char *collection;    /* NULL: any */
    const char *const *facets; /* "NAME:VALUE" selections; values */
    size_t nfacets;            /*   of one facet are ORed */
    int from_year, to_year;    /* WY_YEAR_NONE: open */
    enum idx_sort sort;
    size_t page;      /* 1-based; 0 means 1 */
    size_t page_size; /* 0 means 20; at most 1000 */
    int collapse;     /* 1: one hit per union-catalogue cluster (the best
                         ranked member); total then counts clusters */
    int no_facets;    /* 1: no facet counts (faster; the total stays exact) */
};
#define IDX_QUERY_INIT                                                         \
    {                                                                          \
        NULL, NULL, NULL, 0, WY_YEAR_NONE, WY_YEAR_NONE, IDX_SORT_RELEVANCE,   \
            1, 20, 0, 0                                                        \
    }

struct idx_hit {
    const char *id, *title, *date, *creator; /* original text */
    const char *snippet;    /* HTML: escaped text with <b>..</b> marks,
                               in the original script where the folding
                               kept the length (docs/SEARCH.md) */
    int year_from, year_to; /* WY_YEAR_NONE when unknown */
    double weight;
    int64_t cluster;    /* as indexed; 0: not clustered */
    uint64_t collapsed; /* collapsing: other matches of its cluster */
};

struct idx_facet_value {
    const char *value;
    uint64_t count;
};

struct idx_facet {
    const char *name;
    struct idx_facet_value *values; /* by descending count */
    size_t nvalues;
};

struct idx_result {
    uint64_t total;         /* estimated number of matches (collapsing:
                               clusters and unclustered records) */
    uint64_t total_records; /* matching records before collapsing */
    uint64_t total_lower, total_upper;
    struct idx_hit *hits;
    size_t nhits;
    struct idx_facet facets[IDX_NFACETS]; /* exact counts over all matches */
    const char *parsed;                   /* the Xapian query, for debugging */
    struct wy_arena *arena;               /* owns every string above */
};

/*
 * new: runs a search; free with idx_result_free(). The query text and every
 * filter value go through the same Chinese normalization as the indexed
 * text. Errors: WY_EINVAL for a malformed query or facet selection (named),
 * WY_EINDEX, WY_ENOMEM.
 */
wy_code idx_search(struct idx *x, const struct idx_query *q,
                   struct idx_result **out, struct wy_err *err);
void idx_result_free(struct idx_result *r);

/* Appends the result as one JSON object: {"total", "page", "page_size",
   "hits": [{"id", "title", "creator", "date", "year_from", "year_to",
   "snippet", "cluster"}], "facets": {"library": [{"value", "count"}],
   ...}}; "cluster" only for a clustered record; collapsing adds
   "total_records" and each hit's "collapsed". Errors through out's sticky
   error. */
void idx_result_json(const struct idx_result *r, const struct idx_query *q,
                     struct wy_buf *out);

/* The path of the index of a Wenyuan home: HOME/index (appended to out). */
void idx_home_path(const char *home, struct wy_buf *out);

#endif
