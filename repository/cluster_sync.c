/* repository/cluster_sync.c: following the catalog: incremental sync
   from its change log, and a full rebuild. */
#include "repository/cluster_int.h"

struct change {
    int64_t seq, id;
    int del;
};
struct changes {
    struct change *v;
    size_t n, cap;
};

static wy_code take_change(void *ctx, const struct cat_change *ch,
                           struct wy_err *err)
{
    struct changes *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        struct change *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM, "clusters: change %lld",
                              (long long)ch->seq);
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].seq = ch->seq;
    c->v[c->n].id = ch->record_id;
    c->v[c->n].del = strcmp(ch->op, "put") != 0;
    c->n++;
    return WY_OK;
}

static wy_code state_get(struct cluster *cl, const char *key, int64_t *out,
                         struct wy_err *err)
{
    sqlite3_stmt *s = clui_stmt(cl, S_STATE_GET);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    *out = 0;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else if (r != SQLITE_DONE)
        return clui_db_fail(cl, err, "read the state");
    return WY_OK;
}

static wy_code state_set(struct cluster *cl, const char *key, int64_t v,
                         struct wy_err *err)
{
    sqlite3_stmt *s = clui_stmt(cl, S_STATE_SET);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, v);
    return sqlite3_step(s) == SQLITE_DONE
               ? WY_OK
               : clui_db_fail(cl, err, "save the state");
}

#define SYNC_CHUNK 2000

wy_code cluster_sync(struct cluster *cl, struct cat *c, size_t *done,
                     struct wy_err *err)
{
    struct changes ch = {NULL, 0, 0};
    int64_t last;
    size_t total = 0;
    wy_code rc = state_get(cl, "last_seq", &last, err);
    cl->cat = c;
    while (rc == WY_OK) {
        ch.n = 0;
        rc = cat_changes(c, last, SYNC_CHUNK, take_change, &ch, NULL, err);
        if (rc || !ch.n)
            break;
        if ((rc = cluster_begin(cl, err)))
            break;
        for (size_t i = 0; rc == WY_OK && i < ch.n; i++) {
            struct cat_record *cr = NULL;
            if (ch.v[i].del) {
                rc = cluster_remove(cl, ch.v[i].id, err);
                continue;
            }
            rc = cat_get_record(c, ch.v[i].id, CAT_LOAD_ALL, &cr, err);
            if (rc == WY_ENOTFOUND) {
                wy_err_release(err);
                rc = cluster_remove(cl, ch.v[i].id, err);
            } else if (rc == WY_OK && cr->deleted) {
                rc = cluster_remove(cl, ch.v[i].id, err);
            } else if (rc == WY_OK) {
                struct wy_record *rec = NULL;
                rc = cat_record_model(cr, &rec, err);
                if (rc == WY_OK)
                    rc = cluster_put(cl, cr->id, cr->source, rec, err);
                wy_record_free(rec);
            }
            cat_record_free(cr);
        }
        last = ch.v[ch.n - 1].seq;
        if (rc == WY_OK)
            rc = state_set(cl, "last_seq", last, err);
        if (rc == WY_OK)
            rc = cluster_commit(cl, err);
        else
            cluster_rollback(cl);
        total += ch.n;
    }
    free(ch.v);
    cl->cat = NULL;
    if (done)
        *done = total;
    return rc;
}

wy_code cluster_rebuild(struct cluster *cl, struct cat *c, size_t *done,
                        struct wy_err *err)
{
    wy_code rc = cluster_begin(cl, err);
    if (rc)
        return rc;
    rc = clui_exec(cl,
                   "DELETE FROM cluster_member; DELETE FROM cluster_key;"
                   " DELETE FROM cluster_holding;"
                   " DELETE FROM cluster_state WHERE key = 'last_seq';",
                   "empty the cluster tables", err);
    /* every cluster is gone until the replay puts it back */
    char now[21];
    clui_clock_now(cl, now);
    sqlite3_stmt *s = NULL;
    if (rc == WY_OK &&
        (sqlite3_prepare_v2(cl->db,
                            "UPDATE cluster_stamp SET gone = 1, datestamp ="
                            " max(datestamp, ?1) WHERE gone = 0",
                            -1, &s, NULL) != SQLITE_OK ||
         (sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC),
          sqlite3_step(s) != SQLITE_DONE)))
        rc = clui_db_fail(cl, err, "empty the cluster tables");
    sqlite3_finalize(s);
    if (rc == WY_OK)
        rc = cluster_commit(cl, err);
    else
        cluster_rollback(cl);
    return rc ? rc : cluster_sync(cl, c, done, err);
}
