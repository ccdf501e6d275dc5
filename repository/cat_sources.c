/* repository/cat_sources.c: the catalog's OAI-PMH sources and harvest
   checkpoints. */
#include "repository/catalog_int.h"

/* ---- sources ---------------------------------------------------------- */

void cat_source_release(struct cat_source *s)
{
    free(s->name);
    free(s->url);
    free(s->prefix);
    free(s->sets);
    free(s->granularity);
    free(s->collection);
    free(s->last_response_date);
    free(s->token);
    free(s->harvest_from);
    free(s->harvest_until);
    free(s->last_error);
    free(s->last_harvest);
    free(s->created);
    memset(s, 0, sizeof(*s));
}

void cat_sources_free(struct cat_source *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        cat_source_release(&s[i]);
    free(s);
}

wy_code cat_source_put(struct cat *c, const struct cat_source *src,
                       struct wy_err *err)
{
    if (!src->name || !*src->name)
        return wy_err_set(err, WY_EINVAL, "source name is empty");
    if (!strcmp(src->name, CAT_LOCAL_SOURCE))
        return wy_err_set(err, WY_EINVAL, "source name '%s' is reserved",
                          src->name);
    if (!src->url || !*src->url)
        return wy_err_set(err, WY_EINVAL, "source '%s': url is empty",
                          src->name);
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    if (src->collection) {
        int yes = 0;
        rc = cati_collection_exists(c, src->collection, &yes, err);
        if (rc == WY_OK && !yes)
            rc = wy_err_set(err, WY_EINVAL,
                            "source '%s': unknown collection '%s'", src->name,
                            src->collection);
    }
    sqlite3_stmt *s = rc ? NULL : cati_st(c, S_SRC_PUT, err);
    if (!rc && !s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, src->name);
        cati_bind_text(s, 2, src->url);
        cati_bind_text(s, 3, src->prefix);
        cati_bind_text(s, 4, src->sets);
        cati_bind_text(s, 5, src->granularity);
        cati_bind_text(s, 6, src->collection);
        cati_bind_text(s, 7, now);
        rc = cati_step_done(c, s, "store a source", err);
    }
    return cati_w_end(c, rc, err);
}

static wy_code row_source(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_source *o = p;
    int ok = 1;
    o->name = cati_col_dup(s, 0, &ok);
    o->url = cati_col_dup(s, 1, &ok);
    o->prefix = cati_col_dup(s, 2, &ok);
    o->sets = cati_col_dup(s, 3, &ok);
    o->granularity = cati_col_dup(s, 4, &ok);
    o->collection = cati_col_dup(s, 5, &ok);
    o->last_response_date = cati_col_dup(s, 6, &ok);
    o->token = cati_col_dup(s, 7, &ok);
    o->cursor = sqlite3_column_int64(s, 8);
    o->pages = sqlite3_column_int64(s, 9);
    o->harvest_from = cati_col_dup(s, 10, &ok);
    o->harvest_until = cati_col_dup(s, 11, &ok);
    o->last_error = cati_col_dup(s, 12, &ok);
    o->last_harvest = cati_col_dup(s, 13, &ok);
    o->last_added = sqlite3_column_int64(s, 14);
    o->last_updated = sqlite3_column_int64(s, 15);
    o->last_deleted = sqlite3_column_int64(s, 16);
    o->last_bad = sqlite3_column_int64(s, 17);
    o->created = cati_col_dup(s, 18, &ok);
    if (!ok) {
        cat_source_release(o);
        return NOMEM();
    }
    return WY_OK;
}

wy_code cat_source_get(struct cat *c, const char *name, struct cat_source *out,
                       struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = cati_st(c, S_SRC_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, name);
    int r = sqlite3_step(s);
    wy_code rc;
    if (r == SQLITE_ROW)
        rc = row_source(s, out, err);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no source '%s'", name);
    else
        rc = cati_db_fail(c, err, "read a source");
    sqlite3_reset(s);
    return rc;
}

wy_code cat_source_list(struct cat *c, struct cat_source **out, size_t *n,
                        struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = cati_st(c, S_SRC_LIST, err);
    if (!s)
        return err->code;
    void *arr;
    wy_code rc = cati_collect(c, s, &arr, n, sizeof(**out), row_source,
                              "list sources", err);
    if (rc) {
        cat_sources_free(arr, *n);
        *n = 0;
        return rc;
    }
    *out = arr;
    return WY_OK;
}

/* Runs a cached single-source update and reports an unknown source. */
static wy_code source_update(struct cat *c, sqlite3_stmt *s, const char *name,
                             const char *what, struct wy_err *err)
{
    wy_code rc = cati_step_done(c, s, what, err);
    if (rc == WY_OK && sqlite3_changes(c->db) == 0)
        rc = wy_err_set(err, WY_ENOTFOUND, "no source '%s'", name);
    return rc;
}

wy_code cat_source_remove(struct cat *c, const char *name, struct wy_err *err)
{
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_SRC_DELETE, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, name);
        rc = source_update(c, s, name, "remove a source", err);
    }
    return cati_w_end(c, rc, err);
}

wy_code cat_source_checkpoint(struct cat *c, const char *name,
                              const char *token, int64_t cursor, int64_t pages,
                              const char *harvest_from,
                              const char *harvest_until, struct wy_err *err)
{
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_SRC_CHECKPOINT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, name);
        cati_bind_text(s, 2, token);
        sqlite3_bind_int64(s, 3, cursor);
        sqlite3_bind_int64(s, 4, pages);
        cati_bind_text(s, 5, harvest_from);
        cati_bind_text(s, 6, harvest_until);
        rc = source_update(c, s, name, "store a harvest checkpoint", err);
    }
    return cati_w_end(c, rc, err);
}

static wy_code harvest_log(struct cat *c, const char *name, const char *now,
                           const char *status, const char *response_date,
                           const struct cat_harvest_counts *k,
                           const char *error, struct wy_err *err)
{
    sqlite3_stmt *s = cati_st(c, S_HARVEST_LOG, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, name);
    cati_bind_text(s, 2, now);
    cati_bind_text(s, 3, status);
    cati_bind_text(s, 4, response_date);
    sqlite3_bind_int64(s, 5, k->added);
    sqlite3_bind_int64(s, 6, k->updated);
    sqlite3_bind_int64(s, 7, k->unchanged);
    sqlite3_bind_int64(s, 8, k->deleted);
    sqlite3_bind_int64(s, 9, k->bad);
    sqlite3_bind_int64(s, 10, k->pages);
    cati_bind_text(s, 11, error);
    return cati_step_done(c, s, "write the harvest log", err);
}

static wy_code source_end(struct cat *c, const char *name, int ok,
                          const char *text,
                          const struct cat_harvest_counts *counts,
                          struct wy_err *err)
{
    static const struct cat_harvest_counts zero;
    const struct cat_harvest_counts *k = counts ? counts : &zero;
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, ok ? S_SRC_FINISH : S_SRC_FAIL, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, name);
        cati_bind_text(s, 2, text);
        cati_bind_text(s, 3, now);
        sqlite3_bind_int64(s, 4, k->added);
        sqlite3_bind_int64(s, 5, k->updated);
        sqlite3_bind_int64(s, 6, k->deleted);
        sqlite3_bind_int64(s, 7, k->bad);
        rc = source_update(c, s, name, "end a harvest", err);
    }
    if (rc == WY_OK)
        rc = harvest_log(c, name, now, ok ? "ok" : "failed", ok ? text : NULL,
                         k, ok ? NULL : text, err);
    return cati_w_end(c, rc, err);
}

wy_code cat_source_finish(struct cat *c, const char *name,
                          const char *response_date,
                          const struct cat_harvest_counts *counts,
                          struct wy_err *err)
{
    return source_end(c, name, 1, response_date, counts, err);
}

wy_code cat_source_fail(struct cat *c, const char *name, const char *msg,
                        const struct cat_harvest_counts *counts,
                        struct wy_err *err)
{
    return source_end(c, name, 0, msg ? msg : "failed", counts, err);
}
