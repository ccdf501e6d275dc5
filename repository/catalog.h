/* repository/catalog.h: the SQLite catalog of a Wenyuan home: records and
   their change log, sources and harvest checkpoints, collections (OAI sets),
   digital objects and their files, the ingest journal and audits.

   The schema is documented in docs/REPOSITORY.md. Conventions:
   - One `struct cat` per thread (SQLite connection rules). Two processes may
     share a catalog: WAL mode, a busy timeout, every write in a transaction.
   - Every write function is atomic on its own (a savepoint). Inside an
     explicit cat_begin() .. cat_commit() the caller groups several writes into
     one transaction (a harvester commits a page's records AND its checkpoint
     together); a failed write inside it rolls back only itself, and the caller
     decides whether to cat_rollback() the rest.
   - Times are UTC strings 'YYYY-MM-DDThh:mm:ssZ'.
   - Strings in results are owned by the result struct (freed with its _free
     function) unless said otherwise; strings passed in are borrowed for the
     duration of the call.
   - Errors: WY_EDB (SQLite failure, message names the statement's purpose and
     SQLite's message), WY_EINVAL (bad argument, named), WY_ENOTFOUND,
     WY_ESTATE (e.g. cat_commit without cat_begin), WY_ENOMEM. */
#ifndef WY_REPOSITORY_CATALOG_H
#define WY_REPOSITORY_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "formats/record.h"

struct cat;

/* The schema version this code writes (PRAGMA user_version). */
#define CAT_SCHEMA_VERSION 4

/* The source name of records that were imported or ingested locally. */
#define CAT_LOCAL_SOURCE "local"

/* ---- opening --------------------------------------------------------- */

enum cat_open_flags {
    CAT_CREATE = 1,  /* create the file if missing (wenyuan init) */
    CAT_READONLY = 2 /* open read-only (service, status) */
};

/*
 * Opens (and with CAT_CREATE creates) the catalog at path, in WAL mode with
 * foreign keys on and a busy timeout, and migrates an older schema to
 * CAT_SCHEMA_VERSION in one transaction. A catalog written by a newer
 * version is refused (WY_ESTATE). new: *out, close with cat_close().
 * Errors: WY_ENOTFOUND (no file and no CAT_CREATE), WY_EDB, WY_ESTATE.
 */
wy_code cat_open(struct cat **out, const char *path, int flags,
                 struct wy_err *err);
/* Finalizes cached statements and closes; an open transaction is rolled
   back. NULL is a no-op. */
void cat_close(struct cat *c);

/* Seeds the standard collections (guji 古籍, difangwenxian 地方文献, minguo
   民国文献) if missing; wenyuan init calls it. */
wy_code cat_seed(struct cat *c, struct wy_err *err);

/* For tests: a fixed "now" (UTC 'YYYY-MM-DDThh:mm:ssZ'), or NULL for the
   clock. Copied. */
wy_code cat_set_now(struct cat *c, const char *now, struct wy_err *err);
/* The current time as the catalog sees it, written into out[21]. */
void cat_now(const struct cat *c, char out[21]);

/* ---- transactions ---------------------------------------------------- */

/* BEGIN IMMEDIATE (takes the write lock now, waiting up to the busy
   timeout). WY_ESTATE if a transaction is already open. */
wy_code cat_begin(struct cat *c, struct wy_err *err);
/* COMMIT. WY_ESTATE if none is open. On failure the transaction is rolled
   back. */
wy_code cat_commit(struct cat *c, struct wy_err *err);
/* ROLLBACK; a no-op when none is open. */
void cat_rollback(struct cat *c);
/* Whether an explicit transaction is open. */
int cat_in_transaction(const struct cat *c);

/* ---- records --------------------------------------------------------- */

/* What a put or delete did. */
enum cat_action {
    CAT_UNCHANGED = 0, /* same content and deletion state: nothing written */
    CAT_ADDED,         /* a new record */
    CAT_UPDATED,       /* content changed, or a deleted record came back */
    CAT_DELETED        /* now a tombstone */
};

/* Input of cat_put_record; all borrowed for the call. */
struct cat_put {
    const char *source;        /* harvest source name; NULL: CAT_LOCAL_SOURCE */
    const char *local_id;      /* identifier within the source; required */
    const char *oai_id;        /* OAI identifier as received; may be NULL */
    const char *src_datestamp; /* the source's datestamp as received; may be
                                  NULL (kept for provenance only) */
    const char *collection;    /* collection code; NULL keeps the existing one
                                  (none for a new record) */
    const char *const *sets;   /* setSpecs (e.g. the source's sets); the list
                                  replaces the stored one */
    size_t nsets;
    /* The record: its MARC fields, kind, leader and normalized view (desc)
       are stored so every format can be produced again (cat_record_model).
       rec->orig/orig_len/format are stored as the original metadata unless
       orig is given below. Required. */
    const struct wy_record *rec;
    const char *orig; /* original bytes; NULL: rec->orig */
    size_t orig_len;
    const char *orig_format; /* format name of orig; NULL: rec->format */
};

/* Output of cat_put_record / cat_delete_record. */
struct cat_put_result {
    int64_t id; /* the record's catalog id */
    enum cat_action action;
    int64_t seq; /* change log sequence written, 0 if none */
};

/*
 * Inserts or updates the record with (source, local_id). A content hash
 * (SHA-256 of everything stored except times) decides whether anything
 * changed: only then are the row's datestamp and updated time set to now and
 * a 'put' appended to the change log. A deleted record that is put again
 * comes back (CAT_UPDATED). res may be NULL.
 * Errors: WY_EINVAL (no local_id or rec; collection unknown), WY_EDB,
 * WY_ENOMEM.
 */
wy_code cat_put_record(struct cat *c, const struct cat_put *in,
                       struct cat_put_result *res, struct wy_err *err);

/*
 * Marks the record (source NULL: local) deleted: a tombstone that keeps id,
 * identifiers, sets and collection, with the deleted flag, the datestamp set
 * to now and the metadata dropped (the OAI provider reports persistent
 * deletions). A record never seen before becomes a tombstone too (a
 * harvested deletion must be passed on). Deleting a tombstone is
 * CAT_UNCHANGED. oai_id and src_datestamp may be NULL. res may be NULL.
 */
wy_code cat_delete_record(struct cat *c, const char *source,
                          const char *local_id, const char *oai_id,
                          const char *src_datestamp, struct cat_put_result *res,
                          struct wy_err *err);

/*
 * Replaces the sets of the live record id (the library register uses it
 * when a holding library's set changes). When the sets differ from the
 * stored ones, the content hash is recomputed, the datestamp set to now
 * (a record's setSpecs are part of its OAI header) and a 'put' appended to
 * the change log; *changed (may be NULL) says whether that happened.
 * Errors: WY_ENOTFOUND, WY_ESTATE (a tombstone), WY_EINVAL (an empty
 * set), WY_EDB.
 */
wy_code cat_record_set_sets(struct cat *c, int64_t id,
                            const char *const *sets, size_t nsets,
                            int *changed, struct wy_err *err);
/* Appends a 'put' for record id to the change log without changing the
   record or its datestamp, so that the index and the clusters read it
   again (what they derive from it changed, e.g. a library's name).
   WY_ENOTFOUND, WY_EDB. */
wy_code cat_record_touch(struct cat *c, int64_t id, struct wy_err *err);

/* A stored record. Everything is owned by the struct: cat_record_free. */
struct cat_record {
    int64_t id;
    char *source, *local_id;
    char *oai_id;        /* NULL if none */
    char *datestamp;     /* last change in this catalog (UTC); the OAI
                            provider's datestamp */
    char *src_datestamp; /* as received from the source, or NULL */
    int deleted;
    char *collection; /* code, or NULL */
    char **sets;
    size_t nsets;      /* setSpecs stored with cat_put.sets */
    char *orig_format; /* NULL for tombstones */
    char *orig;
    size_t orig_len;  /* original metadata, NUL-terminated */
    char *model_json; /* MARC structure: {"kind","leader","fields"} */
    char *desc_json;  /* normalized view: see docs/REPOSITORY.md */
    char *hash;       /* content hash, hex */
    char *created, *updated;
};
void cat_record_free(struct cat_record *r);

/* Which parts of a record to load: headers are always loaded. */
enum cat_load {
    CAT_LOAD_HEADER = 0, /* ids, datestamps, deleted, collection, sets */
    CAT_LOAD_ALL = 1,    /* plus orig, model_json, desc_json */
    /* cat_list only (elsewhere it means CAT_LOAD_HEADER): id, datestamp,
       deleted, collection, hash and sets, read from the listing index
       without touching the records' rows; every other field is NULL. The
       strings and the sets array belong to the catalog and are valid only
       during the callback (an OAI page: cost independent of how large the
       records are) */
    CAT_LOAD_LIST = 2
};

/* Looks a record up. new: *out (cat_record_free). WY_ENOTFOUND (message
   names the key) when absent. source NULL: local. */
wy_code cat_get_record(struct cat *c, int64_t id, int what,
                       struct cat_record **out, struct wy_err *err);
wy_code cat_get_record_by_local(struct cat *c, const char *source,
                                const char *local_id, int what,
                                struct cat_record **out, struct wy_err *err);
wy_code cat_get_record_by_oai(struct cat *c, const char *oai_id, int what,
                              struct cat_record **out, struct wy_err *err);

/*
 * Rebuilds the record model from a record loaded with CAT_LOAD_ALL: kind,
 * leader, fields, desc, format and orig, so any writer in formats/ can
 * serve it. new: *out (wy_record_free). WY_ESTATE for a tombstone or a
 * header-only record; WY_EFORMAT if the stored JSON is damaged.
 */
wy_code cat_record_model(const struct cat_record *r, struct wy_record **out,
                         struct wy_err *err);

/* ---- change log (indexer) ------------------------------------------- */

struct cat_change {
    int64_t seq; /* strictly increasing, never reused */
    int64_t record_id;
    const char *op; /* "put" or "delete" */
    const char *time;
};

/* Called once per change; a return other than WY_OK stops the iteration
   and is returned by the iterator (WY_EOF stops quietly: the iterator then
   returns WY_OK). The change and its strings are borrowed for the call. */
typedef wy_code (*cat_change_fn)(void *ctx, const struct cat_change *ch,
                                 struct wy_err *err);

/* Calls fn for changes with seq > after_seq in seq order, at most limit
   (0: no limit). *last (may be NULL) gets the last seq passed to fn, or
   after_seq when none. */
wy_code cat_changes(struct cat *c, int64_t after_seq, size_t limit,
                    cat_change_fn fn, void *ctx, int64_t *last,
                    struct wy_err *err);
/* The highest seq in the change log (0 when empty). */
wy_code cat_last_seq(struct cat *c, int64_t *out, struct wy_err *err);

/* ---- listing (OAI provider) ----------------------------------------- */

/* A keyset query; all strings borrowed, NULL means "no condition". */
struct cat_list_query {
    const char *from, *until;    /* inclusive datestamp bounds; 'YYYY-MM-DD' is
                                    taken as the day's start (from) or end
                                    (until) */
    const char *set;             /* a collection code or setSpec; a record in
                                    set "a:b" is in "a" too */
    const char *source;          /* only this source */
    const char *after_datestamp; /* keyset: strictly after (datestamp, id) */
    int64_t after_id;
    size_t limit;        /* 0: no limit */
    int what;            /* CAT_LOAD_HEADER, _ALL or _LIST */
    int include_deleted; /* OAI: 1 (tombstones are listed) */
};

/* rec is borrowed for the call. Same stopping rules as cat_change_fn. */
typedef wy_code (*cat_record_fn)(void *ctx, const struct cat_record *rec,
                                 struct wy_err *err);

/* Calls fn for each matching record in (datestamp, id) order. *count (may
   be NULL) gets the number passed to fn. The statement of each shape of
   query is prepared once per connection; fn may call cat_list again. A page
   after a keyset position costs the same however deep it is (an index
   seek). */
wy_code cat_list(struct cat *c, const struct cat_list_query *q,
                 cat_record_fn fn, void *ctx, size_t *count,
                 struct wy_err *err);
/* How many records match q (ignoring limit and the keyset). */
wy_code cat_count(struct cat *c, const struct cat_list_query *q, int64_t *out,
                  struct wy_err *err);
/* The earliest datestamp in the catalog, into out[21] ("" when empty). */
wy_code cat_earliest_datestamp(struct cat *c, char out[21], struct wy_err *err);

/* ---- collections (OAI sets) ----------------------------------------- */

struct cat_collection {
    char *code;        /* ASCII setSpec: [A-Za-z0-9_.!~*'()-]+ */
    char *name;        /* e.g. 古籍 */
    char *description; /* may be NULL */
    int64_t records;   /* live records in it (filled by list/get) */
};
void cat_collection_release(struct cat_collection *col);

/* Inserts or updates. WY_EINVAL when code is not a valid setSpec or name is
   empty. */
wy_code cat_collection_put(struct cat *c, const char *code, const char *name,
                           const char *description, struct wy_err *err);
/* Fills *out (release with cat_collection_release). WY_ENOTFOUND. */
wy_code cat_collection_get(struct cat *c, const char *code,
                           struct cat_collection *out, struct wy_err *err);
/* new: an array of *n collections ordered by code; free with
   cat_collections_free. */
wy_code cat_collection_list(struct cat *c, struct cat_collection **out,
                            size_t *n, struct wy_err *err);
void cat_collections_free(struct cat_collection *cols, size_t n);
/* Removes an empty collection; WY_ESTATE if records still belong to it. */
wy_code cat_collection_remove(struct cat *c, const char *code,
                              struct wy_err *err);

/* ---- sources and harvest checkpoints (harvester) --------------------- */

struct cat_source {
    char *name;               /* short ASCII name, unique */
    char *url;                /* OAI-PMH base URL */
    char *prefix;             /* metadataPrefix, e.g. "marcxml" */
    char *sets;               /* space-separated setSpecs, or NULL for all */
    char *granularity;        /* "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" */
    char *collection;         /* collection code given to its records, or
                                 NULL */
    char *last_response_date; /* responseDate of the last complete harvest:
                                 the next incremental harvest's from */
    char *token;              /* resumptionToken to resume with, or NULL */
    int64_t cursor;           /* records seen so far in this harvest */
    int64_t pages;            /* pages done in this harvest */
    char *harvest_from;       /* the from of the interrupted harvest */
    char *harvest_until;      /* its frozen until */
    char *last_error;         /* NULL when the last harvest succeeded */
    char *last_harvest;       /* time the last harvest ended (either way) */
    int64_t last_added, last_updated, last_deleted, last_bad;
    char *created;
};
void cat_source_release(struct cat_source *s);

/* Inserts or updates the configuration part (name, url, prefix, sets,
   granularity, collection; NULL granularity/sets/collection store NULL);
   checkpoint fields are left as they are. WY_EINVAL when name or url is
   empty, WY_EINVAL when the collection does not exist. */
wy_code cat_source_put(struct cat *c, const struct cat_source *s,
                       struct wy_err *err);
/* Fills *out (release with cat_source_release). WY_ENOTFOUND. */
wy_code cat_source_get(struct cat *c, const char *name, struct cat_source *out,
                       struct wy_err *err);
/* new: all sources ordered by name; free with cat_sources_free. */
wy_code cat_source_list(struct cat *c, struct cat_source **out, size_t *n,
                        struct wy_err *err);
void cat_sources_free(struct cat_source *s, size_t n);
/* Removes a source (its records stay). WY_ENOTFOUND. */
wy_code cat_source_remove(struct cat *c, const char *name, struct wy_err *err);

/*
 * Records where a harvest stands after a page: the resumptionToken to go on
 * with (NULL: the list is complete), records seen, pages done, and the
 * harvest window (from/until may be NULL). Call it inside the same
 * cat_begin/cat_commit as the page's records, so a crash loses either both
 * or neither. WY_ENOTFOUND for an unknown source.
 */
wy_code cat_source_checkpoint(struct cat *c, const char *name,
                              const char *token, int64_t cursor, int64_t pages,
                              const char *harvest_from,
                              const char *harvest_until, struct wy_err *err);
/* Counts of one harvest, for cat_source_finish and the harvest log. */
struct cat_harvest_counts {
    int64_t added, updated, unchanged, deleted, bad, pages;
};
/*
 * Ends a harvest successfully: last_response_date = response_date, token,
 * cursor, pages and window cleared, last_error cleared, last_harvest = now,
 * counts kept, and a row added to the harvest log. counts may be NULL.
 */
wy_code cat_source_finish(struct cat *c, const char *name,
                          const char *response_date,
                          const struct cat_harvest_counts *counts,
                          struct wy_err *err);
/* Ends a harvest with an error: last_error = msg, last_harvest = now, the
   checkpoint (token) kept for a resume, a failed row in the harvest log. */
wy_code cat_source_fail(struct cat *c, const char *name, const char *msg,
                        const struct cat_harvest_counts *counts,
                        struct wy_err *err);

/* ---- digital objects (ingest, store, audit, service) ---------------- */

struct cat_object {
    char *ocfl_id;        /* the OCFL object id */
    int64_t record_id;    /* its catalog record, 0 if none */
    char *head;           /* head version, "v3" */
    int64_t files, bytes; /* in the head version */
    char *last_audit;     /* time of the last audit, or NULL */
    char *audit_status;   /* "ok", "failed", or NULL */
    char *created, *updated;
};
void cat_object_release(struct cat_object *o);

/* Inserts or updates by ocfl_id (audit fields untouched; record_id 0 stores
   NULL). WY_EINVAL when the record does not exist. */
wy_code cat_object_put(struct cat *c, const struct cat_object *o,
                       struct wy_err *err);
/* Fills *out; WY_ENOTFOUND. */
wy_code cat_object_get(struct cat *c, const char *ocfl_id,
                       struct cat_object *out, struct wy_err *err);
/* The object of a record; WY_ENOTFOUND when it has none. */
wy_code cat_object_get_by_record(struct cat *c, int64_t record_id,
                                 struct cat_object *out, struct wy_err *err);
/* Calls fn for each object in ocfl_id order (borrowed for the call). */
typedef wy_code (*cat_object_fn)(void *ctx, const struct cat_object *o,
                                 struct wy_err *err);
wy_code cat_object_list(struct cat *c, cat_object_fn fn, void *ctx,
                        struct wy_err *err);

/* A file of an object's head version, as identified at ingest. */
struct cat_file {
    char *path; /* logical path (UTF-8, NFC) */
    int64_t size;
    char *sha512;       /* hex */
    char *md5;          /* hex, or NULL */
    char *mime;         /* libmagic MIME type, or NULL */
    char *format_check; /* "ok", or what the magic check found */
};
void cat_file_release(struct cat_file *f);
/* Replaces the file list of an object (the head version's files). */
wy_code cat_object_set_files(struct cat *c, const char *ocfl_id,
                             const struct cat_file *files, size_t n,
                             struct wy_err *err);
/* new: the files of an object in path order; free with cat_files_free. */
wy_code cat_object_files(struct cat *c, const char *ocfl_id,
                         struct cat_file **out, size_t *n, struct wy_err *err);
void cat_files_free(struct cat_file *f, size_t n);

/* ---- audits --------------------------------------------------------- */

/* Starts an audit run; *id gets its id. */
wy_code cat_audit_begin(struct cat *c, const char *scope, int64_t *id,
                        struct wy_err *err);
/* Records one object's result ("ok" or "failed" with detail) in the run and
   on the object (last_audit, audit_status). */
wy_code cat_audit_object(struct cat *c, int64_t audit_id, const char *ocfl_id,
                         const char *status, const char *detail,
                         struct wy_err *err);
/* Whether the object was already checked in this run (for resume). */
wy_code cat_audit_done(struct cat *c, int64_t audit_id, const char *ocfl_id,
                       int *done, struct wy_err *err);
/* Ends the run with "ok", "failed" or "interrupted" and its counts. */
wy_code cat_audit_end(struct cat *c, int64_t audit_id, const char *status,
                      int64_t objects, int64_t failed, struct wy_err *err);
/* The latest unfinished audit run with this scope, or *id = 0. */
wy_code cat_audit_unfinished(struct cat *c, const char *scope, int64_t *id,
                             struct wy_err *err);

/* ---- ingest journal ------------------------------------------------- */

enum cat_item_state {
    CAT_ITEM_NONE = 0, /* not in the journal */
    CAT_ITEM_PENDING,
    CAT_ITEM_DONE,
    CAT_ITEM_FAILED
};

/*
 * Starts a batch identified by key (e.g. a digest of the command's inputs)
 * or, with resume, goes on with the latest batch with that key if it did
 * not finish (a new one otherwise). *id gets the batch id; *resumed is set
 * to 1 when an unfinished batch was found.
 */
wy_code cat_journal_begin(struct cat *c, const char *key, int resume,
                          int64_t *id, int *resumed, struct wy_err *err);
/* Sets an item's state (item: its path or sheet row identifier), with the
   object id and a message (both may be NULL). */
wy_code cat_journal_item(struct cat *c, int64_t batch, const char *item,
                         enum cat_item_state st, const char *ocfl_id,
                         const char *msg, struct wy_err *err);
/* An item's state in the batch (CAT_ITEM_NONE if not journaled). */
wy_code cat_journal_item_state(struct cat *c, int64_t batch, const char *item,
                               enum cat_item_state *st, struct wy_err *err);
/* Ends the batch: "done", "failed" or "interrupted". */
wy_code cat_journal_end(struct cat *c, int64_t batch, const char *status,
                        struct wy_err *err);

/*
 * Ingest intents: the catalog and the OCFL store cannot commit in one
 * transaction, so ingest writes (and commits) an intent naming the object,
 * the version it is about to commit and what the catalog must then record
 * (payload: JSON written and read by repository/ingest_intent.c; orig: the
 * original metadata bytes), commits the version, and deletes the intent in
 * the transaction that records it. An intent left by a crash is finished or
 * dropped by ingest_recover (repository/ingest.h). One intent per object.
 */
struct cat_intent {
    char *ocfl_id;
    char *version; /* "v3" */
    char *payload;
    char *orig; /* NULL if none; NUL-terminated for convenience */
    size_t orig_len;
    char *created;
};
/* Writes (replaces) the intent of ocfl_id; orig NULL stores none. */
wy_code cat_intent_put(struct cat *c, const char *ocfl_id, const char *version,
                       const char *payload, const void *orig, size_t orig_len,
                       struct wy_err *err);
/* Deletes the intent of ocfl_id (none: WY_OK). */
wy_code cat_intent_delete(struct cat *c, const char *ocfl_id,
                          struct wy_err *err);
/* new: every intent, by ocfl_id; free with cat_intents_free. */
wy_code cat_intent_list(struct cat *c, struct cat_intent **out, size_t *n,
                        struct wy_err *err);
/* new: the intent of ocfl_id, or *out NULL when there is none; free with
   cat_intents_free(*out, 1). */
wy_code cat_intent_get(struct cat *c, const char *ocfl_id,
                       struct cat_intent **out, struct wy_err *err);
void cat_intents_free(struct cat_intent *v, size_t n);

/* ---- indexer state and status --------------------------------------- */

/* A small key/value table for the other modules' bookkeeping (e.g. the
   indexer's "index.last_seq" and "index.time"). *out: new (free()) or NULL
   when the key is absent (not an error). */
wy_code cat_meta_get(struct cat *c, const char *key, char **out,
                     struct wy_err *err);
wy_code cat_meta_set(struct cat *c, const char *key, const char *value,
                     struct wy_err *err);

struct cat_count_row {
    char *key; /* source name or collection code ("" none) */
    int64_t live, deleted;
};

/* What `wenyuan status` shows. */
struct cat_status {
    int64_t records, deleted;
    struct cat_count_row *by_source;
    size_t nsources;
    struct cat_count_row *by_collection;
    size_t ncollections;
    int64_t objects, files, bytes;
    int64_t objects_failed_audit, objects_never_audited;
    int64_t last_seq;
    char *last_harvest;          /* latest last_harvest over sources, or NULL */
    int64_t sources_failing;     /* sources whose last harvest failed */
    int64_t sources_interrupted; /* sources with a token to resume */
    char *last_audit;            /* end of the latest audit run, or NULL */
    char *last_index;            /* meta "index.time", or NULL */
    int64_t index_seq;           /* meta "index.last_seq", 0 if none */
    int64_t batches_unfinished;  /* ingest batches to --resume */
    int64_t intents_pending;     /* ingest intents not settled: versions
                                    that may be stored but not catalogued
                                    (ingest_recover) */
};
/* Fills *out (release with cat_status_release). */
wy_code cat_status_get(struct cat *c, struct cat_status *out,
                       struct wy_err *err);
void cat_status_release(struct cat_status *s);

#endif
