/* repository/cluster_staff.c: staff decisions: splitting records out of
   a cluster and merging two clusters, logged. */
#include "repository/cluster_int.h"

static wy_code log_decision(struct cluster *cl, const char *action,
                            const char *detail, struct wy_err *err)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "INSERT INTO cluster_decision (time, action, detail)"
                           " VALUES (?1, ?2, ?3)",
                           -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "log a decision");
    sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, detail, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    return r == SQLITE_DONE ? WY_OK : clui_db_fail(cl, err, "log a decision");
}

/* Runs a one-off statement with up to three integer parameters. */
static wy_code run3(struct cluster *cl, const char *sql, int64_t a, int64_t b,
                    int64_t c, const char *what, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db, sql, -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, what);
    int np = sqlite3_bind_parameter_count(s);
    if (np >= 1)
        sqlite3_bind_int64(s, 1, a);
    if (np >= 2)
        sqlite3_bind_int64(s, 2, b);
    if (np >= 3)
        sqlite3_bind_int64(s, 3, c);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    return r == SQLITE_DONE || r == SQLITE_ROW ? WY_OK
                                               : clui_db_fail(cl, err, what);
}

static wy_code split_tx(struct cluster *cl, const int64_t *rec, size_t n,
                        const char *note, struct wy_err *err)
{
    int64_t cid = 0, c1;
    for (size_t i = 0; i < n; i++) {
        wy_code rc = clui_member_get(cl, rec[i], &c1, NULL, err);
        if (rc)
            return rc;
        if (!c1)
            return wy_err_set(err, WY_EINVAL, "record %lld is not clustered",
                              (long long)rec[i]);
        if (i && c1 != cid)
            return wy_err_set(err, WY_EINVAL,
                              "records %lld and %lld are in different "
                              "clusters (%lld, %lld)",
                              (long long)rec[0], (long long)rec[i],
                              (long long)cid, (long long)c1);
        cid = c1;
    }
    struct idlist m = {NULL, 0, 0};
    wy_code rc = clui_members_of(cl, cid, &m, err);
    if (rc == WY_OK && m.n <= n)
        rc = wy_err_set(err, WY_EINVAL,
                        "cluster %lld has %zu members: a split must leave "
                        "some behind",
                        (long long)cid, m.n);
    int64_t part = 0;
    if (rc == WY_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(cl->db,
                               "SELECT coalesce(max(part), 0) + 1"
                               " FROM cluster_part",
                               -1, &s, NULL) != SQLITE_OK ||
            sqlite3_step(s) != SQLITE_ROW)
            rc = clui_db_fail(cl, err, "choose a partition");
        else
            part = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    struct wy_buf detail = WY_BUF_INIT(1u << 20);
    wy_buf_addf(&detail, "cluster %lld: records", (long long)cid);
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        wy_buf_addf(&detail, " %lld", (long long)rec[i]);
        rc = run3(cl, "INSERT OR REPLACE INTO cluster_part VALUES (?1, ?2)",
                  rec[i], part, 0, "store a partition", err);
        if (rc == WY_OK)
            rc = run3(cl,
                      "UPDATE cluster_member SET part = ?2"
                      " WHERE record_id = ?1",
                      rec[i], part, 0, "set a partition", err);
        /* staff links from the split records to those left behind go */
        for (size_t k = 0; rc == WY_OK && k < m.n; k++) {
            int named = 0;
            for (size_t j = 0; j < n && !named; j++)
                named = m.v[k] == rec[j];
            if (!named)
                rc = run3(cl,
                          "DELETE FROM cluster_link WHERE"
                          " (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)",
                          rec[i], m.v[k], 0, "drop a link", err);
        }
    }
    if (rc == WY_OK)
        rc = clui_touch(cl, cid, err); /* partitions changed, rows may not */
    wy_buf_addf(&detail, " split off as partition %lld", (long long)part);
    if (note && *note)
        wy_buf_addf(&detail, ": %s", note);
    if (rc == WY_OK)
        rc = wy_buf_status(&detail, err);
    if (rc == WY_OK)
        rc = log_decision(cl, "split", wy_buf_cstr(&detail), err);
    if (rc == WY_OK)
        rc = clui_recluster(cl, &m, err);
    if (rc == WY_OK)
        rc = clui_maybe_stamp(cl, err);
    wy_buf_release(&detail);
    free(m.v);
    return rc;
}

wy_code cluster_split(struct cluster *cl, const int64_t *records, size_t n,
                      const char *note, struct wy_err *err)
{
    if (!n)
        return wy_err_set(err, WY_EINVAL, "split: no records named");
    wy_code rc = cluster_begin(cl, err);
    if (rc)
        return rc;
    rc = split_tx(cl, records, n, note, err);
    if (rc == WY_OK)
        return cluster_commit(cl, err);
    cluster_rollback(cl);
    return rc;
}

wy_code cluster_merge(struct cluster *cl, int64_t a, int64_t b,
                      const char *note, struct wy_err *err)
{
    int64_t ca, cb;
    wy_code rc = cluster_begin(cl, err);
    if (rc)
        return rc;
    if ((rc = clui_member_get(cl, a, &ca, NULL, err)) ||
        (rc = clui_member_get(cl, b, &cb, NULL, err)))
        goto out;
    if (!ca || !cb) {
        rc = wy_err_set(err, WY_EINVAL, "merge: %lld is not clustered",
                        (long long)(ca ? b : a));
        goto out;
    }
    if (ca == cb) {
        rc = wy_err_set(err, WY_EINVAL,
                        "merge: %lld and %lld are already cluster %lld",
                        (long long)a, (long long)b, (long long)ca);
        goto out;
    }
    int64_t x = ca < cb ? ca : cb, y = ca < cb ? cb : ca;
    rc = run3(cl, "INSERT OR IGNORE INTO cluster_link VALUES (?1, ?2)", x, y, 0,
              "store a link", err);
    struct wy_buf detail = WY_BUF_INIT(64 * 1024);
    wy_buf_addf(&detail,
                "clusters %lld and %lld linked through records "
                "%lld and %lld",
                (long long)ca, (long long)cb, (long long)x, (long long)y);
    if (note && *note)
        wy_buf_addf(&detail, ": %s", note);
    if (rc == WY_OK && (rc = wy_buf_status(&detail, err)) == WY_OK)
        rc = log_decision(cl, "merge", wy_buf_cstr(&detail), err);
    wy_buf_release(&detail);
    if (rc == WY_OK) {
        struct idlist seed = {NULL, 0, 0};
        if (!clui_idlist_push(&seed, x))
            rc = wy_err_set(err, WY_ENOMEM, "merge");
        else
            rc = clui_recluster(cl, &seed, err);
        free(seed.v);
    }
    if (rc == WY_OK)
        rc = clui_maybe_stamp(cl, err);
out:
    if (rc == WY_OK)
        return cluster_commit(cl, err);
    cluster_rollback(cl);
    return rc;
}
