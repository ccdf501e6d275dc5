/* repository/cat_journal.c: the catalog's ingest journal and ingest intents. */
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
    sqlite3_stmt *s = cati_w_stmt(c, S_ITEM_PUT, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, batch);
    cati_bind_text(s, 2, item);
    sqlite3_bind_int(s, 3, (int)st_);
    cati_bind_text(s, 4, ocfl_id);
    cati_bind_text(s, 5, msg);
    cati_bind_text(s, 6, now);
    return cati_w_step(c, s, "journal an item", err);
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
    sqlite3_stmt *s = cati_w_stmt(c, S_BATCH_END, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, batch);
    cati_bind_text(s, 2, now);
    cati_bind_text(s, 3, status);
    return cati_w_step(c, s, "end an ingest batch", err);
}

/* ---- ingest intents --------------------------------------------------- */

wy_code cat_intent_put(struct cat *c, const char *ocfl_id, const char *version,
                       const char *payload, const void *orig, size_t orig_len,
                       struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    sqlite3_stmt *s = cati_w_stmt(c, S_INTENT_PUT, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, ocfl_id);
    cati_bind_text(s, 2, version);
    cati_bind_text(s, 3, payload);
    if (orig)
        sqlite3_bind_blob64(s, 4, orig, orig_len, SQLITE_STATIC);
    cati_bind_text(s, 5, now);
    return cati_w_step(c, s, "write an ingest intent", err);
}

wy_code cat_intent_delete(struct cat *c, const char *ocfl_id,
                          struct wy_err *err)
{
    sqlite3_stmt *s = cati_w_stmt(c, S_INTENT_DELETE, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, ocfl_id);
    return cati_w_step(c, s, "delete an ingest intent", err);
}

static void intent_release(struct cat_intent *t)
{
    free(t->ocfl_id);
    free(t->version);
    free(t->payload);
    free(t->orig);
    free(t->created);
}

void cat_intents_free(struct cat_intent *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        intent_release(&v[i]);
    free(v);
}

static wy_code row_intent(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_intent *t = p;
    int ok = 1;
    t->ocfl_id = cati_col_dup(s, 0, &ok);
    t->version = cati_col_dup(s, 1, &ok);
    t->payload = cati_col_dup(s, 2, &ok);
    t->created = cati_col_dup(s, 4, &ok);
    const void *b = sqlite3_column_blob(s, 3);
    size_t n = (size_t)sqlite3_column_bytes(s, 3);
    if (b || sqlite3_column_type(s, 3) == SQLITE_BLOB) {
        if ((t->orig = wy_malloc(n + 1))) {
            if (n)
                memcpy(t->orig, b, n);
            t->orig[n] = '\0';
            t->orig_len = n;
        } else
            ok = 0;
    }
    if (!ok || !t->ocfl_id || !t->version || !t->payload) {
        intent_release(t);
        return ok ? wy_err_set(err, WY_EDB, "an ingest intent lacks a column")
                  : NOMEM();
    }
    return WY_OK;
}

static wy_code intents_of(struct cat *c, sqlite3_stmt *s,
                          struct cat_intent **out, size_t *n,
                          struct wy_err *err)
{
    void *arr = NULL;
    wy_code rc = cati_collect(c, s, &arr, n, sizeof(**out), row_intent,
                              "list the ingest intents", err);
    if (rc) {
        cat_intents_free(arr, *n);
        *n = 0;
        return rc;
    }
    *out = arr;
    return WY_OK;
}

wy_code cat_intent_list(struct cat *c, struct cat_intent **out, size_t *n,
                        struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = cati_st(c, S_INTENT_LIST, err);
    return s ? intents_of(c, s, out, n, err) : err->code;
}

wy_code cat_intent_get(struct cat *c, const char *ocfl_id,
                       struct cat_intent **out, struct wy_err *err)
{
    *out = NULL;
    size_t n = 0;
    sqlite3_stmt *s = cati_st(c, S_INTENT_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, ocfl_id);
    wy_code rc = intents_of(c, s, out, &n, err);
    if (rc == WY_OK && n == 0) {
        cat_intents_free(*out, 0);
        *out = NULL;
    }
    return rc;
}
