/* repository/cluster_int.h: PRIVATE to the cluster files
   (repository/cluster*.c); nothing else includes it. The body of struct
   cluster, its statement cache and the helpers the pieces share. The
   public API is repository/cluster.h. */
#ifndef WY_REPOSITORY_CLUSTER_INT_H
#define WY_REPOSITORY_CLUSTER_INT_H

#include "repository/cluster.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "indexer/cjk.h"
#include "repository/libraries.h"

enum {
    S_MEMBER_GET,
    S_MEMBER_PUT,
    S_MEMBER_DEL,
    S_MEMBER_SETC,
    S_KEYS_OF,
    S_KEY_DEL,
    S_KEY_ADD,
    S_NEIGH_KEY,
    S_NEIGH_LINK,
    S_MEMBERS_OF,
    S_RECLUSTER,
    S_HOLD_DEL,
    S_HOLD_ADD,
    S_PART_OF,
    S_STATE_GET,
    S_STATE_SET,
    S_KEY_CLUSTER,
    S_KEY_RECS,
    S_STAMP,
    S_STAMP_GONE,
    N_STMT
};

/* A set of ids (open addressing). */
struct idset {
    int64_t *slot; /* 0: empty (record ids are >= 1) */
    size_t cap, n;
};

struct cluster {
    sqlite3 *db;
    sqlite3_stmt *st[N_STMT];
    struct cjk *cjk;
    int in_tx, ro, schema;
    int in_read;          /* cluster_read_begin */
    char *now;            /* fixed clock for tests, or NULL */
    struct idset touched; /* clusters written since the last stamp() */
    struct wy_buf norm, keys, old;
    struct cat *cat; /* during cluster_sync: resolves holding libraries */
};

struct idlist {
    int64_t *v;
    size_t n, cap;
};

int clui_idset_add(struct idset *s, int64_t id);
wy_code clui_db_fail(struct cluster *cl, struct wy_err *err, const char *what);
sqlite3_stmt *clui_stmt(struct cluster *cl, int which);
wy_code clui_exec(struct cluster *cl, const char *sql, const char *what,
                  struct wy_err *err);
void clui_clock_now(const struct cluster *cl, char out[21]);
void clui_reset_all(struct cluster *cl);
wy_code clui_touch(struct cluster *cl, int64_t cid, struct wy_err *err);
wy_code clui_maybe_stamp(struct cluster *cl, struct wy_err *err);
int clui_idlist_push(struct idlist *l, int64_t id);
wy_code clui_members_of(struct cluster *cl, int64_t cid, struct idlist *l,
                        struct wy_err *err);
wy_code clui_recluster(struct cluster *cl, const struct idlist *seeds,
                       struct wy_err *err);
wy_code clui_member_get(struct cluster *cl, int64_t id, int64_t *cid,
                        int64_t *part, struct wy_err *err);
wy_code clui_keys_of(struct cluster *cl, int64_t id, struct wy_buf *out,
                     struct wy_err *err);

#endif
