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
   cluster_decision, cluster_state) live in the catalog database, created
   by cluster_open itself; they are derived data except for the staff
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
   may be called. WY_ENOTFOUND when the catalog has no cluster tables yet. */
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

/* Counts: clusters, records clustered, clusters with more than one member. */
wy_code cluster_stats(struct cluster *cl, int64_t *clusters, int64_t *records,
                      int64_t *shared, struct wy_err *err);

#endif
