/* repository/cluster_show.c: showing a cluster: its members, the display
   record, why records are tied, holdings; counts. */
#include "repository/cluster_int.h"

wy_code cluster_of(struct cluster *cl, int64_t record_id, int64_t *out,
                   struct wy_err *err)
{
    wy_code rc = clui_member_get(cl, record_id, out, NULL, err);
    clui_reset_all(cl);
    if (rc == WY_OK && !*out)
        rc = wy_err_set(err, WY_ENOTFOUND, "record %lld is not clustered",
                        (long long)record_id);
    return rc;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? strdup((const char *)t) : NULL;
}

void cluster_info_release(struct cluster_info *ci)
{
    for (size_t i = 0; i < ci->nmembers; i++) {
        free(ci->members[i].title);
        free(ci->members[i].keys);
        free(ci->members[i].why);
    }
    for (size_t i = 0; i < ci->nholdings; i++) {
        free(ci->holdings[i].library);
        free(ci->holdings[i].callno);
        free(ci->holdings[i].code);
    }
    free(ci->members);
    free(ci->holdings);
    memset(ci, 0, sizeof(*ci));
}

/* Why record id is tied to the others of its cluster. */
static wy_code explain(struct cluster *cl, int64_t id, struct wy_buf *out,
                       struct wy_err *err)
{
    sqlite3_stmt *s = clui_stmt(cl, S_NEIGH_KEY);
    sqlite3_bind_int64(s, 1, id);
    int r;
    const char *prev = NULL;
    size_t listed = 0, more = 0;
    struct wy_buf last = WY_BUF_INIT(64 * 1024);
    /* rows come grouped by key (the join walks k1's keys in order) */
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(s, 2);
        if (!prev || strcmp(wy_buf_cstr(&last), key)) {
            if (more)
                wy_buf_addf(out, " and %zu more", more);
            if (prev)
                wy_buf_adds(out, "; ");
            wy_buf_addf(out, "%s shared with", key);
            wy_buf_reset(&last);
            wy_buf_adds(&last, key);
            prev = "";
            listed = more = 0;
        }
        if (listed++ < 10) /* a serial's ISSN may tie thousands */
            wy_buf_addf(out, " %lld", (long long)sqlite3_column_int64(s, 0));
        else
            more++;
    }
    if (more)
        wy_buf_addf(out, " and %zu more", more);
    wy_buf_release(&last);
    if (r != SQLITE_DONE)
        return clui_db_fail(cl, err, "explain");
    s = clui_stmt(cl, S_NEIGH_LINK);
    sqlite3_bind_int64(s, 1, id);
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        wy_buf_addf(out, "%sstaff link to %lld", out->len ? "; " : "",
                    (long long)sqlite3_column_int64(s, 0));
    if (r != SQLITE_DONE)
        return clui_db_fail(cl, err, "explain");
    return wy_buf_status(out, err);
}

static wy_code show(struct cluster *cl, int64_t id, int brief,
                    struct cluster_info *out, struct wy_err *err);

wy_code cluster_show(struct cluster *cl, int64_t id, struct cluster_info *out,
                     struct wy_err *err)
{
    return show(cl, id, 0, out, err);
}

wy_code cluster_show_brief(struct cluster *cl, int64_t id,
                           struct cluster_info *out, struct wy_err *err)
{
    return show(cl, id, 1, out, err);
}

static wy_code show(struct cluster *cl, int64_t id, int brief,
                    struct cluster_info *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    int64_t cid;
    wy_code rc = cluster_of(cl, id, &cid, err);
    if (rc)
        return rc;
    out->id = cid;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT record_id, score, part, title FROM"
                           " cluster_member WHERE cluster_id = ?1"
                           " ORDER BY score DESC, record_id",
                           -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "list a cluster");
    sqlite3_bind_int64(s, 1, cid);
    int r;
    size_t cap = 0;
    while (rc == WY_OK && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->nmembers == cap) {
            cap = cap ? cap * 2 : 8;
            void *p = realloc(out->members, cap * sizeof(*out->members));
            if (!p) {
                rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
                break;
            }
            out->members = p;
        }
        struct cluster_member_info *m = &out->members[out->nmembers++];
        memset(m, 0, sizeof(*m));
        m->record_id = sqlite3_column_int64(s, 0);
        m->score = sqlite3_column_int(s, 1);
        m->part = sqlite3_column_int64(s, 2);
        m->title = dup_col(s, 3);
    }
    sqlite3_finalize(s);
    if (rc == WY_OK && out->nmembers)
        out->display = out->members[0].record_id;
    struct wy_buf b = WY_BUF_INIT(1u << 20);
    for (size_t i = 0; rc == WY_OK && !brief && i < out->nmembers; i++) {
        struct cluster_member_info *m = &out->members[i];
        rc = clui_keys_of(cl, m->record_id, &b, err);
        if (rc == WY_OK && !(m->keys = wy_buf_take(&b, NULL)))
            rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
        wy_buf_reset(&b);
        if (rc == WY_OK)
            rc = explain(cl, m->record_id, &b, err);
        if (rc == WY_OK && !(m->why = wy_buf_take(&b, NULL)))
            rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
    }
    wy_buf_release(&b);
    /* holdings store a registered library's code: named by the register
       (repository/libraries.h) when the catalog has one */
    int reg = 0;
    if (rc == WY_OK) {
        if (sqlite3_prepare_v2(cl->db,
                               "SELECT 1 FROM sqlite_master WHERE type ="
                               " 'table' AND name = 'libraries'",
                               -1, &s, NULL) != SQLITE_OK)
            rc = clui_db_fail(cl, err, "look for the library register");
        else
            reg = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        s = NULL;
    }
    if (rc == WY_OK &&
        sqlite3_prepare_v2(
            cl->db,
            reg ? "SELECT h.record_id, coalesce(l.name, h.library), h.callno,"
                  " h.library, l.code FROM cluster_holding h"
                  " JOIN cluster_member m ON m.record_id = h.record_id"
                  " LEFT JOIN libraries l ON l.code = h.library"
                  " WHERE m.cluster_id = ?1 ORDER BY 2, 4, h.record_id"
                : "SELECT h.record_id, h.library, h.callno, h.library, NULL"
                  " FROM cluster_holding h JOIN cluster_member m ON"
                  " m.record_id = h.record_id WHERE m.cluster_id = ?1"
                  " ORDER BY 2, 4, h.record_id",
            -1, &s, NULL) != SQLITE_OK)
        rc = clui_db_fail(cl, err, "list holdings");
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, cid);
        cap = 0;
        char *lastkey = NULL;
        while (rc == WY_OK && (r = sqlite3_step(s)) == SQLITE_ROW) {
            if (out->nholdings == cap) {
                cap = cap ? cap * 2 : 8;
                void *p = realloc(out->holdings, cap * sizeof(*out->holdings));
                if (!p) {
                    rc = wy_err_set(err, WY_ENOMEM, "cluster %lld",
                                    (long long)cid);
                    break;
                }
                out->holdings = p;
            }
            struct cluster_holding_info *h = &out->holdings[out->nholdings++];
            h->record_id = sqlite3_column_int64(s, 0);
            h->library = dup_col(s, 1);
            h->callno = dup_col(s, 2);
            h->code = dup_col(s, 4);
            /* one library per code (or unregistered name): rows come
               ordered by name, then code */
            const unsigned char *key = sqlite3_column_text(s, 3);
            if (!h->library ||
                (!h->callno && sqlite3_column_type(s, 2) != SQLITE_NULL) ||
                (!h->code && sqlite3_column_type(s, 4) != SQLITE_NULL))
                rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
            else if (!key || !lastkey || strcmp((const char *)key, lastkey))
                out->nlibraries++;
            free(lastkey);
            lastkey = NULL;
            if (rc == WY_OK && key && !(lastkey = wy_strdup((const char *)key)))
                rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
        }
        free(lastkey);
        sqlite3_finalize(s);
    }
    clui_reset_all(cl);
    if (rc)
        cluster_info_release(out);
    return rc;
}

wy_code cluster_stats(struct cluster *cl, int64_t *clusters, int64_t *records,
                      int64_t *shared, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT count(*), sum(n), sum(n > 1) FROM"
                           " (SELECT count(*) AS n FROM cluster_member"
                           " GROUP BY cluster_id)",
                           -1, &s, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "count clusters");
    wy_code rc = WY_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *clusters = sqlite3_column_int64(s, 0);
        *records = sqlite3_column_int64(s, 1);
        *shared = sqlite3_column_int64(s, 2);
    } else {
        rc = clui_db_fail(cl, err, "count clusters");
    }
    sqlite3_finalize(s);
    return rc;
}
