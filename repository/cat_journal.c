/* repository/cat_journal.c: the catalog's ingest journal. */
#include "repository/catalog_int.h"

/* ---- ingest journal --------------------------------------------------- */

wy_code cat_journal_begin(struct cat *c, const char *key, int resume,
                          int64_t *id, int *resumed, struct wy_err *err)
{
    *id = 0;
    *resumed = 0;
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (resume) {
        if (!(s = cati_st(c, S_BATCH_FIND, err)))
            rc = err->code;
        if (rc == WY_OK) {
            cati_bind_text(s, 1, key);
            rc = cati_one_int(c, s, id, "find an unfinished batch", err);
            *resumed = *id != 0;
        }
    }
    if (rc == WY_OK && !*id) {
        if (!(s = cati_st(c, S_BATCH_INSERT, err)))
            rc = err->code;
        if (rc == WY_OK) {
            cati_bind_text(s, 1, key);
            cati_bind_text(s, 2, now);
            rc = cati_step_done(c, s, "start an ingest batch", err);
            *id = sqlite3_last_insert_rowid(c->db);
        }
    }
    rc = cati_w_end(c, rc, err);
    if (rc) {
        *id = 0;
        *resumed = 0;
    }
    return rc;
}

wy_code cat_journal_item(struct cat *c, int64_t batch, const char *item,
                         enum cat_item_state st_, const char *ocfl_id,
                         const char *msg, struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_ITEM_PUT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, batch);
        cati_bind_text(s, 2, item);
        sqlite3_bind_int(s, 3, (int)st_);
        cati_bind_text(s, 4, ocfl_id);
        cati_bind_text(s, 5, msg);
        cati_bind_text(s, 6, now);
        rc = cati_step_done(c, s, "journal an item", err);
    }
    return cati_w_end(c, rc, err);
}

wy_code cat_journal_item_state(struct cat *c, int64_t batch, const char *item,
                               enum cat_item_state *out, struct wy_err *err)
{
    *out = CAT_ITEM_NONE;
    sqlite3_stmt *s = cati_st(c, S_ITEM_GET, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, batch);
    cati_bind_text(s, 2, item);
    int64_t v = 0;
    wy_code rc = cati_one_int(c, s, &v, "read the ingest journal", err);
    if (rc == WY_OK && v >= CAT_ITEM_PENDING && v <= CAT_ITEM_FAILED)
        *out = (enum cat_item_state)v;
    return rc;
}

wy_code cat_journal_end(struct cat *c, int64_t batch, const char *status,
                        struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_BATCH_END, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, batch);
        cati_bind_text(s, 2, now);
        cati_bind_text(s, 3, status);
        rc = cati_step_done(c, s, "end an ingest batch", err);
    }
    return cati_w_end(c, rc, err);
}
