/* repository/cluster.h: the union catalogue's clusters: records of the
   same work from different libraries, found by match keys, kept up to date
   as records arrive or change, explainable and correctable by staff.

   Match keys (docs/UNION-CATALOGUE.md):
   - "isbn:" + ISBN-13 (an ISBN-10 is converted, check digit recomputed);
   - "issn:" + the eight characters of an ISSN;
   - "ctl:" + prefix + ":" + number, from union-catalogue control numbers
     written "(OCoLC)123" / "(CALIS)..." (MARC 035 $a);
   - only when a record has none of these: "t:" + normalized title (NFKC,
     OpenCC t2s and the variant table of indexer/cjk.h, lowercased,
     punctuation and spacing removed, cut at the first ':' '/' '=') + "|"
     + the first creator normalized alike + "|" + the first year + "|" +
     the edition (the census category such as 刻本, or the edition number)
     + "|" + the 卷数 as a number.
   Two records sharing a key are in one cluster (transitively). Staff
   decisions override the keys and survive re-harvests (they are stored
   by catalog record id, which a re-harvest keeps):
   - split: the records named get a partition of their own; keys link only
     records of the same partition;
   - merge: a staff link joins two records whatever their keys.
   A cluster's id is the smallest catalog record id among its members.

   The tables (cluster_member, cluster_key, cluster_holding, cluster_link,
   cluster_decision, cluster_stamp, cluster_state) live in the catalog database,
   created by cluster_open itself; they are derived data except for the staff
   decisions, and cluster_rebuild recreates the rest from the records. */
#ifndef WY_REPOSITORY_CLUSTER_H
#define WY_REPOSITORY_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"
#include "repository/catalog.h"

struct cluster;

/*
 * Opens the cluster tables in the catalog database at path (HOME/catalog.db,
 * its own SQLite connection, WAL, busy timeout), creating them when
 * missing. new: *out, close with cluster_close(). The OpenCC tables are
 * loaded when keys are first computed (cluster_keys, cluster_put: WY_EINDEX
 * there when they cannot be).
 * Errors: WY_EDB (named statement and SQLite's message), WY_ENOMEM.
 */
wy_code cluster_open(struct cluster **out, const char *path,
                     struct wy_err *err);
/* Read-only (the service): only cluster_of, cluster_show, cluster_stats
   and the change-time readers (cluster_list ...) may be called. WY_ENOTFOUND
   when the catalog has no cluster tables yet. */
wy_code cluster_open_readonly(struct cluster **out, const char *path,
                              struct wy_err *err);
void cluster_close(struct cluster *cl);

/* Transactions around many puts (cluster_sync uses them itself). */
wy_code cluster_begin(struct cluster *cl, struct wy_err *err);
wy_code cluster_commit(struct cluster *cl, struct wy_err *err);
void cluster_rollback(struct cluster *cl);

/*
 * The match keys of rec, appended to out one per line ("isbn:978...\n").
 * Errors: WY_ENOMEM, WY_ETOOBIG, WY_EINDEX (normalization).
 */
wy_code cluster_keys(struct cluster *cl, const struct wy_record *rec,
                     struct wy_buf *out, struct wy_err *err);

/* An ISBN as written ("7-02-000220-X (精装)", "9787020002207") to its
   ISBN-13 digits in out[14]; 0 when it is not 10 or 13 digits with a
   valid check digit. */
int cluster_isbn13(const char *s, char out[14]);

/* The completeness score of a record (which member is displayed):
   documented in docs/UNION-CATALOGUE.md. */
int cluster_score(const struct wy_record *rec);

/*
 * Files record_id (a catalog record of source, borrowed) in its cluster:
 * a new record joins (and may join together) the clusters of the records
 * it shares keys with; a changed record whose keys changed has its old
 * cluster recomputed. Staff partitions and links are kept. Call it
 * inside cluster_begin/cluster_commit (cluster_sync does), so that one
 * record's several writes are undone together by cluster_rollback.
 * Errors: WY_EDB, WY_ENOMEM, WY_EINDEX.
 */
wy_code cluster_put(struct cluster *cl, int64_t record_id, const char *source,
                    const struct wy_record *rec, struct wy_err *err);
/* Takes a deleted record out; its old cluster is recomputed. */
wy_code cluster_remove(struct cluster *cl, int64_t record_id,
                       struct wy_err *err);

/*
 * Brings the clusters up to date with the catalog: every change after the
 * last one processed (kept in cluster_state), in transactions of 2,000
 * records. Holding libraries are resolved through the catalog's library
 * register and stored by code (cluster_put without a sync stores them as
 * written). *done (may be NULL) gets the number of changes processed.
 */
wy_code cluster_sync(struct cluster *cl, struct cat *c, size_t *done,
                     struct wy_err *err);

/*
 * Recomputes every cluster from the records: the derived tables are
 * emptied and the whole change log replayed (cluster_sync from 0). Staff
 * decisions (partitions, links, the decision log) are kept and applied.
 */
wy_code cluster_rebuild(struct cluster *cl, struct cat *c, size_t *done,
                        struct wy_err *err);

/* The cluster of a record (its id), or WY_ENOTFOUND when the record is not
   clustered. */
wy_code cluster_of(struct cluster *cl, int64_t record_id, int64_t *out,
                   struct wy_err *err);

/*
 * Staff split: the records named (all members of one cluster) leave it
 * together and get a partition of their own; links between them and the
 * others are dropped; both sides are recomputed. The decision is logged
 * with note. Errors: WY_EINVAL (a record not clustered, records of
 * different clusters, all the members named), WY_EDB.
 */
wy_code cluster_split(struct cluster *cl, const int64_t *records, size_t n,
                      const char *note, struct wy_err *err);
/* Staff merge: clusters a and b (ids, or ids of member records) become
   one through a staff link between their first members. WY_EINVAL when
   they are already one cluster or not clustered. */
wy_code cluster_merge(struct cluster *cl, int64_t a, int64_t b,
                      const char *note, struct wy_err *err);

struct cluster_member_info {
    int64_t record_id;
    int score;
    int64_t part; /* staff partition, 0 none */
    char *title;  /* may be NULL */
    char *keys;   /* its keys, one per line */
    char *why;    /* how it is tied to the others: "isbn:...
                     shared with 3, 7; staff link to 9" */
};
struct cluster_holding_info {
    int64_t record_id;
    char *library, *callno; /* callno may be NULL */
    char *code; /* the registered library's code (library is then its
                   preferred name), or NULL: library is as written */
};
struct cluster_info {
    int64_t id;
    int64_t display; /* the member shown: highest score */
    struct cluster_member_info *members;
    size_t nmembers;
    struct cluster_holding_info *holdings;
    size_t nholdings;
    size_t nlibraries; /* distinct libraries among the holdings: one per
                          registered library however its holdings spell
                          it (repository/libraries.h), else per name */
};
/* Fills *out for the cluster id (or the cluster of a record id); release
   with cluster_info_release. WY_ENOTFOUND. */
wy_code cluster_show(struct cluster *cl, int64_t id, struct cluster_info *out,
                     struct wy_err *err);
void cluster_info_release(struct cluster_info *ci);
/* cluster_show without the members' keys and why (NULL): what a display
   needs (display record, members, holdings), without the per-member key
   queries. */
wy_code cluster_show_brief(struct cluster *cl, int64_t id,
                           struct cluster_info *out, struct wy_err *err);

/* Counts: clusters, records clustered, clusters with more than one member. */
wy_code cluster_stats(struct cluster *cl, int64_t *clusters, int64_t *records,
                      int64_t *shared, struct wy_err *err);

/* ---- change times (schema 2) -------------------------------------------
   Every write of a member row (cluster_put, cluster_remove, the recompute
   after a split, a merge or changed keys, the rows moved when clusters
   join) sets its `changed` to now. Every cluster an operation wrote (a
   member joined, left or changed) gets a datestamp of now in
   cluster_stamp, so a cluster's datestamp is at least the max of its
   members' `changed`. A cluster id left without members (joined into a
   smaller id, split, its records deleted) stays there, gone, with the
   time it vanished: /oai/union's persistent deletedRecord. An id that
   comes back (a split undone) is live again. Datestamps are UTC
   'YYYY-MM-DDThh:mm:ssZ', which sort as text. The functions below need
   schema 2: a read-only handle on older tables gives WY_ESTATE ("run
   'wenyuan cluster sync'"); cluster_open migrates. */

/* For tests: a fixed "now" ('YYYY-MM-DDThh:mm:ssZ'), or NULL for the clock.
   Copied. WY_EINVAL for another form. */
wy_code cluster_set_now(struct cluster *cl, const char *now,
                        struct wy_err *err);

struct cluster_head {
    int64_t id;
    char datestamp[21];
    int gone; /* the id no longer names a cluster (a tombstone) */
};

struct cluster_query {
    const char *from, *until; /* inclusive datestamps; NULL: open */
    const char *after_ds;     /* keyset position: strictly after     */
    int64_t after_id;         /* (after_ds, after_id); NULL: start   */
    size_t limit;             /* 0: all */
    int include_gone;         /* list tombstones too */
};

/* Return WY_EOF to stop early (not an error); another code is returned. */
typedef wy_code (*cluster_head_cb)(void *ctx, const struct cluster_head *h,
                                   struct wy_err *err);

/*
 * The clusters in keyset order (datestamp, id) within q's window; *n (may
 * be NULL) gets how many were passed to cb. cluster_list(from = T) is how
 * a follower (the indexer) learns which clusters changed since T.
 */
wy_code cluster_list(struct cluster *cl, const struct cluster_query *q,
                     cluster_head_cb cb, void *ctx, size_t *n,
                     struct wy_err *err);
/* How many clusters q's window holds (position and limit ignored). */
wy_code cluster_count(struct cluster *cl, const struct cluster_query *q,
                      int64_t *out, struct wy_err *err);
/* The stamp of one cluster id, live or gone. WY_ENOTFOUND when the id
   never named a cluster. */
wy_code cluster_head(struct cluster *cl, int64_t id, struct cluster_head *out,
                     struct wy_err *err);
/* The earliest datestamp into out[21] ("" when there are no clusters). */
wy_code cluster_earliest(struct cluster *cl, char out[21], struct wy_err *err);

/* A read transaction: what is read until cluster_read_end sees one
   snapshot (an OAI page), and the statements take no lock each. WY_ESTATE
   when a transaction is open. cluster_read_end(NULL) is a no-op. */
wy_code cluster_read_begin(struct cluster *cl, struct wy_err *err);
void cluster_read_end(struct cluster *cl);

typedef wy_code (*cluster_member_cb)(void *ctx, int64_t record_id,
                                     int64_t cluster_id, const char *changed,
                                     struct wy_err *err);
/*
 * The member rows written after the position (since, after_record) in
 * order (changed, record_id): since T with after_record 0 gives every row
 * changed at T or later. For an indexer keeping a cluster id per record:
 * each row gives the record's current cluster. Records that left every
 * cluster (deleted) are not listed: the catalog's change log has them.
 * limit 0: all; cb may return WY_EOF to stop.
 */
wy_code cluster_changed_members(struct cluster *cl, const char *since,
                                int64_t after_record, size_t limit,
                                cluster_member_cb cb, void *ctx,
                                struct wy_err *err);

#endif
