/* repository/cat_collections.c: the catalog's collections. */
#include "repository/catalog_int.h"

/* ---- collections ------------------------------------------------------ */

static int is_setspec_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || (ch && strchr("-_.!~*'()", ch));
}

void cat_collection_release(struct cat_collection *col)
{
    free(col->code);
    free(col->name);
    free(col->description);
    memset(col, 0, sizeof(*col));
}

wy_code cat_collection_put(struct cat *c, const char *code, const char *name,
                           const char *description, struct wy_err *err)
{
    if (!code || !*code)
        return wy_err_set(err, WY_EINVAL, "collection code is empty");
    for (const char *p = code; *p; p++)
        if (!is_setspec_char((unsigned char)*p))
            return wy_err_set(err, WY_EINVAL,
                              "collection code '%s': character %zu is not "
                              "allowed in an OAI setSpec (use ASCII letters, "
                              "digits and -_.!~*'())",
                              code, (size_t)(p - code) + 1);
    if (!name || !*name)
        return wy_err_set(err, WY_EINVAL, "collection '%s': name is empty",
                          code);
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_COLL_PUT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, code);
        cati_bind_text(s, 2, name);
        cati_bind_text(s, 3, description);
        cati_bind_text(s, 4, now);
        rc = cati_step_done(c, s, "store a collection", err);
    }
    return cati_w_end(c, rc, err);
}

static wy_code row_collection(sqlite3_stmt *s, struct cat_collection *col,
                              struct wy_err *err)
{
    int ok = 1;
    col->code = cati_col_dup(s, 0, &ok);
    col->name = cati_col_dup(s, 1, &ok);
    col->description = cati_col_dup(s, 2, &ok);
    col->records = sqlite3_column_int64(s, 3);
    if (!ok) {
        cat_collection_release(col);
        return NOMEM();
    }
    return WY_OK;
}

wy_code cat_collection_get(struct cat *c, const char *code,
                           struct cat_collection *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = cati_st(c, S_COLL_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, code);
    int r = sqlite3_step(s);
    wy_code rc;
    if (r == SQLITE_ROW)
        rc = row_collection(s, out, err);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no collection '%s'", code);
    else
        rc = cati_db_fail(c, err, "read a collection");
    sqlite3_reset(s);
    return rc;
}

void cat_collections_free(struct cat_collection *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++)
        cat_collection_release(&cols[i]);
    free(cols);
}

/* Collects the rows of a cached statement into a growing array of elem-size
   structs, filled by row(). */
wy_code cati_collect(struct cat *c, sqlite3_stmt *s, void **arr, size_t *n,
                     size_t elem,
                     wy_code (*row)(sqlite3_stmt *, void *, struct wy_err *),
                     const char *what, struct wy_err *err)
{
    size_t cap = 0;
    char *a = NULL;
    wy_code rc = WY_OK;
    int r;
    *arr = NULL;
    *n = 0;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? 2 * cap : 8;
            char *na = wy_realloc(a, nc * elem);
            if (!na) {
                rc = NOMEM();
                break;
            }
            a = na;
            cap = nc;
        }
        memset(a + *n * elem, 0, elem);
        if ((rc = row(s, a + *n * elem, err)))
            break;
        (*n)++;
    }
    if (rc == WY_OK && r != SQLITE_DONE)
        rc = cati_db_fail(c, err, what);
    sqlite3_reset(s);
    *arr = a;
    return rc;
}

static wy_code row_collection_v(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    return row_collection(s, p, err);
}

wy_code cat_collection_list(struct cat *c, struct cat_collection **out,
                            size_t *n, struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = cati_st(c, S_COLL_LIST, err);
    if (!s)
        return err->code;
    void *arr;
    wy_code rc = cati_collect(c, s, &arr, n, sizeof(**out), row_collection_v,
                              "list collections", err);
    if (rc) {
        cat_collections_free(arr, *n);
        *n = 0;
        return rc;
    }
    *out = arr;
    return WY_OK;
}

wy_code cat_collection_remove(struct cat *c, const char *code,
                              struct wy_err *err)
{
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    int64_t used = 0;
    sqlite3_stmt *s = cati_st(c, S_COLL_USED, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, code);
        rc = cati_one_int(c, s, &used, "check a collection", err);
    }
    if (rc == WY_OK && used)
        rc = wy_err_set(err, WY_ESTATE,
                        "collection '%s' is still used by %lld records or "
                        "sources",
                        code, (long long)used);
    if (rc == WY_OK && !(s = cati_st(c, S_COLL_DELETE, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, code);
        rc = cati_step_done(c, s, "remove a collection", err);
        if (rc == WY_OK && sqlite3_changes(c->db) == 0)
            rc = wy_err_set(err, WY_ENOTFOUND, "no collection '%s'", code);
    }
    return cati_w_end(c, rc, err);
}
