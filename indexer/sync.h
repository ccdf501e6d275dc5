/* indexer/sync.h: brings the index up to date with the catalog's change
   log (new, changed and deleted records since the last indexed sequence
   number), in batches, each one Xapian transaction that also records the
   sequence number it reached. */
#ifndef WY_INDEXER_SYNC_H
#define WY_INDEXER_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "indexer/idx.h"
#include "repository/catalog.h"
#include "repository/store.h"

/* Changes per batch (one transaction) unless the caller says otherwise.
   Small batches index faster: Xapian keeps a batch's postings and
   positions in std::maps until the commit, and their cost grows with
   their size (100,000 records: 500 per batch take about 30% less CPU than
   10,000; see docs/PERFORMANCE.md). */
#define IDX_SYNC_BATCH 500
/* The largest full-text file of an object that is indexed. */
#define IDX_SYNC_MAX_TEXT (16u * 1024u * 1024u)

struct idx_sync_stats {
    uint64_t from_seq, to_seq; /* the index's sequence before and after */
    uint64_t changes;          /* change-log entries read */
    uint64_t indexed, deleted; /* documents written and removed */
    uint64_t texts;            /* full-text files indexed */
    uint64_t reclustered;      /* documents given another cluster id */
};

/*
 * Indexes the catalog changes after the index's sequence number. Records
 * are identified in the index by their catalog id (decimal); each carries
 * its union-catalogue cluster id from cl (may be NULL: none). store may be
 * NULL; otherwise the plain-text (.txt) and hOCR (.hocr, or HTML holding
 * 'ocr_page') files of each record's object are indexed as its full text.
 * batch 0 means IDX_SYNC_BATCH. Progress goes to log (may be NULL); stats
 * may be NULL. On error the current batch is cancelled; earlier batches
 * stay committed, so a rerun resumes where it stopped.
 * Errors: those of the catalog (WY_EDB), the store and the index, prefixed
 * with the record id and change sequence.
 */
struct cluster;
wy_code idx_sync(struct idx *x, struct cat *c, struct store *st,
                 struct cluster *cl, size_t batch, struct wy_log *log,
                 struct idx_sync_stats *stats, struct wy_err *err);

/*
 * Follows the union-catalogue clusters: every member row of cl changed
 * since the index's cluster mark (idx_get_cluster_mark; a join, a split,
 * a staff merge, none of which changes a record) sets its record's
 * cluster id in the index, in batches (0: IDX_SYNC_BATCH), each one
 * transaction that also moves the mark. stats->reclustered (stats may be
 * NULL) counts the documents whose cluster id changed. cl NULL: nothing.
 * Errors: the cluster tables' (WY_EDB, WY_ESTATE) and the index's.
 */
wy_code idx_follow_clusters(struct idx *x, struct cluster *cl, size_t batch,
                            struct idx_sync_stats *stats, struct wy_err *err);

/*
 * What `wenyuan index` does: opens HOME/index for writing (created when
 * missing) and syncs it with the home's catalog and store. rebuild: the
 * index is built afresh in HOME/index.new from the catalog's live records
 * (each read once, documents added without lookups), then the changes made
 * meanwhile, and put in place of the old one by rename, so searches keep
 * working on the old index meanwhile; stats then describe the rebuild. An
 * index built with another schema or variant table is refused (WY_ESTATE,
 * "run 'wenyuan index --rebuild'") unless rebuilding. The clusters are
 * brought up to date first (cluster_sync), so each record is indexed with
 * the cluster it is in, and cluster changes are followed last
 * (idx_follow_clusters).
 */
struct wy_home;
wy_code idx_update_home(struct wy_home *h, int rebuild, size_t batch,
                        struct wy_log *log, struct idx_sync_stats *stats,
                        struct wy_err *err);

#endif
