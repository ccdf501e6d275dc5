/* repository/cluster_changes.c: change times: listing and counting
   clusters by datestamp (keyset walks), heads, changed members, read
   snapshots. */
#include "repository/cluster_int.h"

static wy_code need_schema2(struct cluster *cl, struct wy_err *err)
{
    if (cl->schema >= 2)
        return WY_OK;
    return wy_err_set(err, WY_ESTATE,
                      "the cluster tables are schema %d, without change "
                      "times: run 'wenyuan cluster sync' to upgrade them",
                      cl->schema);
}

static void head_of(sqlite3_stmt *s, struct cluster_head *h)
{
    h->id = sqlite3_column_int64(s, 0);
    const unsigned char *t = sqlite3_column_text(s, 1);
    snprintf(h->datestamp, sizeof(h->datestamp), "%s",
             t ? (const char *)t : "");
    h->gone = sqlite3_column_int(s, 2) != 0;
}

/* One step of a keyset walk: ?1 the position's datestamp, ?2 its id,
   ?3 from, ?4 until, ?5 include gone, ?6 limit. Each is an index seek
   (a row value (datestamp, id) > (?1, ?2) is not: SQLite 3.40 seeks on
   its first column and scans the rest, and a rebuild gives every cluster
   the same datestamp). */
static const char list_same_ds[] =
    "SELECT cluster_id, datestamp, gone FROM cluster_stamp"
    " WHERE datestamp = ?1 AND cluster_id > ?2 AND datestamp >= ?3"
    " AND datestamp <= ?4 AND (?5 OR NOT gone) ORDER BY cluster_id LIMIT ?6";
static const char list_later_ds[] =
    "SELECT cluster_id, datestamp, gone FROM cluster_stamp"
    " WHERE datestamp > ?1 AND datestamp >= ?3 AND datestamp <= ?4"
    " AND (?5 OR NOT gone) ORDER BY datestamp, cluster_id LIMIT ?6";

static wy_code list_step(struct cluster *cl, const char *sql,
                         const struct cluster_query *q, const char *pos_ds,
                         int64_t pos_id, int64_t limit, cluster_head_cb cb,
                         void *ctx, size_t *n, int *stopped, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db, sql, -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "list clusters");
    sqlite3_bind_text(s, 1, pos_ds, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, pos_id);
    sqlite3_bind_text(s, 3, q->from ? q->from : "", -1, SQLITE_STATIC);
    /* '~' sorts after every datestamp */
    sqlite3_bind_text(s, 4, q->until ? q->until : "~", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, q->include_gone != 0);
    sqlite3_bind_int64(s, 6, limit);
    int r;
    wy_code rc = WY_OK;
    struct cluster_head h;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        head_of(s, &h);
        (*n)++;
        rc = cb(ctx, &h, err);
        if (rc)
            break;
    }
    if (rc == WY_OK && r != SQLITE_DONE)
        rc = clui_db_fail(cl, err, "list clusters");
    sqlite3_finalize(s);
    if (rc == WY_EOF) {
        *stopped = 1;
        rc = WY_OK;
    }
    return rc;
}

wy_code cluster_list(struct cluster *cl, const struct cluster_query *q,
                     cluster_head_cb cb, void *ctx, size_t *n,
                     struct wy_err *err)
{
    size_t got = 0;
    int stopped = 0;
    wy_code rc = need_schema2(cl, err);
    int64_t limit = q->limit ? (int64_t)q->limit : -1;
    /* the rest of the position's second, then the later ones */
    if (rc == WY_OK && q->after_ds)
        rc = list_step(cl, list_same_ds, q, q->after_ds, q->after_id, limit, cb,
                       ctx, &got, &stopped, err);
    if (rc == WY_OK && !stopped && (limit < 0 || (int64_t)got < limit))
        rc = list_step(cl, list_later_ds, q, q->after_ds ? q->after_ds : "", 0,
                       limit < 0 ? -1 : limit - (int64_t)got, cb, ctx, &got,
                       &stopped, err);
    if (n)
        *n = got;
    return rc;
}

wy_code cluster_count(struct cluster *cl, const struct cluster_query *q,
                      int64_t *out, struct wy_err *err)
{
    *out = 0;
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT count(*) FROM cluster_stamp"
                           " WHERE datestamp >= ?1 AND datestamp <= ?2"
                           " AND (?3 OR NOT gone)",
                           -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "count clusters");
    /* an index range: "" and "~" bound every datestamp */
    sqlite3_bind_text(s, 1, q->from ? q->from : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, q->until ? q->until : "~", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, q->include_gone != 0);
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        rc = clui_db_fail(cl, err, "count clusters");
    sqlite3_finalize(s);
    return rc;
}

wy_code cluster_head(struct cluster *cl, int64_t id, struct cluster_head *out,
                     struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT cluster_id, datestamp, gone FROM"
                           " cluster_stamp WHERE cluster_id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "read a cluster");
    sqlite3_bind_int64(s, 1, id);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        head_of(s, out);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no cluster has id %lld",
                        (long long)id);
    else
        rc = clui_db_fail(cl, err, "read a cluster");
    sqlite3_finalize(s);
    return rc;
}

wy_code cluster_earliest(struct cluster *cl, char out[21], struct wy_err *err)
{
    out[0] = '\0';
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db, "SELECT min(datestamp) FROM cluster_stamp",
                           -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "read the earliest datestamp");
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        if (t)
            snprintf(out, 21, "%s", (const char *)t);
    } else {
        rc = clui_db_fail(cl, err, "read the earliest datestamp");
    }
    sqlite3_finalize(s);
    return rc;
}

wy_code cluster_changed_members(struct cluster *cl, const char *since,
                                int64_t after_record, size_t limit,
                                cluster_member_cb cb, void *ctx,
                                struct wy_err *err)
{
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    /* two index seeks on (changed, record_id), as cluster_list: the rest
       of the position's second, then the later ones */
    static const char *const sql[2] = {
        "SELECT record_id, cluster_id, changed FROM cluster_member"
        " WHERE changed = ?1 AND record_id > ?2 ORDER BY record_id LIMIT ?3",
        "SELECT record_id, cluster_id, changed FROM cluster_member"
        " WHERE changed > ?1 ORDER BY changed, record_id LIMIT ?3"};
    int64_t left = limit ? (int64_t)limit : -1;
    for (int step = 0; rc == WY_OK && step < 2 && left != 0; step++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(cl->db, sql[step], -1, &s, NULL) != SQLITE_OK)
            return clui_db_fail(cl, err, "list changed members");
        sqlite3_bind_text(s, 1, since ? since : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, after_record);
        sqlite3_bind_int64(s, 3, left);
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(s, 2);
            if (left > 0)
                left--;
            rc = cb(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                    t ? (const char *)t : "", err);
            if (rc)
                break;
        }
        if (rc == WY_OK && r != SQLITE_DONE)
            rc = clui_db_fail(cl, err, "list changed members");
        sqlite3_finalize(s);
    }
    return rc == WY_EOF ? WY_OK : rc;
}

wy_code cluster_read_begin(struct cluster *cl, struct wy_err *err)
{
    if (cl->in_tx || cl->in_read)
        return wy_err_set(err, WY_ESTATE, "clusters: a transaction is open");
    clui_reset_all(cl);
    wy_code rc = clui_exec(cl, "BEGIN", "begin a read transaction", err);
    if (rc == WY_OK)
        cl->in_read = 1;
    return rc;
}

void cluster_read_end(struct cluster *cl)
{
    if (!cl || !cl->in_read)
        return;
    clui_reset_all(cl);
    sqlite3_exec(cl->db, "COMMIT", NULL, NULL, NULL);
    cl->in_read = 0;
}
