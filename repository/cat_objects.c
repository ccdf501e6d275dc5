/* repository/cat_objects.c: the catalog's OCFL objects, their files, and
   fixity audits. */
#include "repository/catalog_int.h"

#include <stdio.h>

/* ---- objects ---------------------------------------------------------- */

void cat_object_release(struct cat_object *o)
{
    free(o->ocfl_id);
    free(o->head);
    free(o->last_audit);
    free(o->audit_status);
    free(o->created);
    free(o->updated);
    memset(o, 0, sizeof(*o));
}

wy_code cat_object_put(struct cat *c, const struct cat_object *o,
                       struct wy_err *err)
{
    if (!o->ocfl_id || !*o->ocfl_id)
        return wy_err_set(err, WY_EINVAL, "object id is empty");
    if (!o->head || !*o->head)
        return wy_err_set(err, WY_EINVAL, "object '%s': head version is empty",
                          o->ocfl_id);
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (o->record_id) {
        int64_t yes = 0;
        if (!(s = cati_st(c, S_REC_EXISTS, err)))
            rc = err->code;
        if (rc == WY_OK) {
            sqlite3_bind_int64(s, 1, o->record_id);
            rc = cati_one_int(c, s, &yes, "look up a record", err);
        }
        if (rc == WY_OK && !yes)
            rc = wy_err_set(err, WY_EINVAL, "object '%s': no record %lld",
                            o->ocfl_id, (long long)o->record_id);
    }
    if (rc == WY_OK && !(s = cati_st(c, S_OBJ_PUT, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, o->ocfl_id);
        if (o->record_id)
            sqlite3_bind_int64(s, 2, o->record_id);
        cati_bind_text(s, 3, o->head);
        sqlite3_bind_int64(s, 4, o->files);
        sqlite3_bind_int64(s, 5, o->bytes);
        cati_bind_text(s, 6, now);
        rc = cati_step_done(c, s, "store an object", err);
    }
    return cati_w_end(c, rc, err);
}

static wy_code row_object(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_object *o = p;
    int ok = 1;
    o->ocfl_id = cati_col_dup(s, 0, &ok);
    o->record_id = sqlite3_column_int64(s, 1);
    o->head = cati_col_dup(s, 2, &ok);
    o->files = sqlite3_column_int64(s, 3);
    o->bytes = sqlite3_column_int64(s, 4);
    o->last_audit = cati_col_dup(s, 5, &ok);
    o->audit_status = cati_col_dup(s, 6, &ok);
    o->created = cati_col_dup(s, 7, &ok);
    o->updated = cati_col_dup(s, 8, &ok);
    if (!ok) {
        cat_object_release(o);
        return NOMEM();
    }
    return WY_OK;
}

static wy_code object_one(struct cat *c, sqlite3_stmt *s,
                          struct cat_object *out, const char *key,
                          struct wy_err *err)
{
    int r = sqlite3_step(s);
    wy_code rc;
    if (r == SQLITE_ROW)
        rc = row_object(s, out, err);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no object %s", key);
    else
        rc = cati_db_fail(c, err, "read an object");
    sqlite3_reset(s);
    return rc;
}

wy_code cat_object_get(struct cat *c, const char *ocfl_id,
                       struct cat_object *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = cati_st(c, S_OBJ_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, ocfl_id);
    struct wy_buf key = WY_BUF_INIT(4096);
    wy_buf_addf(&key, "'%s'", ocfl_id);
    wy_code rc = object_one(c, s, out, wy_buf_cstr(&key), err);
    wy_buf_release(&key);
    return rc;
}

wy_code cat_object_get_by_record(struct cat *c, int64_t record_id,
                                 struct cat_object *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = cati_st(c, S_OBJ_GET_REC, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, record_id);
    char key[64];
    snprintf(key, sizeof(key), "for record %lld", (long long)record_id);
    return object_one(c, s, out, key, err);
}

wy_code cat_object_list(struct cat *c, cat_object_fn fn, void *ctx,
                        struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(c->db, cati_stmt_sql[S_OBJ_LIST], -1, &s, NULL) !=
        SQLITE_OK)
        return cati_db_fail(c, err, "list objects");
    wy_code rc = WY_OK;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        struct cat_object o = {0};
        rc = row_object(s, &o, err);
        if (rc == WY_OK)
            rc = fn(ctx, &o, err);
        cat_object_release(&o);
        if (rc)
            break;
    }
    if (rc == WY_OK && r != SQLITE_DONE)
        rc = cati_db_fail(c, err, "list objects");
    sqlite3_finalize(s);
    return rc == WY_EOF ? WY_OK : rc;
}

void cat_file_release(struct cat_file *f)
{
    free(f->path);
    free(f->sha512);
    free(f->md5);
    free(f->mime);
    free(f->format_check);
    memset(f, 0, sizeof(*f));
}

void cat_files_free(struct cat_file *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        cat_file_release(&f[i]);
    free(f);
}

wy_code cat_object_set_files(struct cat *c, const char *ocfl_id,
                             const struct cat_file *files, size_t n,
                             struct wy_err *err)
{
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    int64_t yes = 0;
    sqlite3_stmt *s = cati_st(c, S_OBJ_EXISTS, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, ocfl_id);
        rc = cati_one_int(c, s, &yes, "look up an object", err);
    }
    if (rc == WY_OK && !yes)
        rc = wy_err_set(err, WY_ENOTFOUND, "no object '%s'", ocfl_id);
    if (rc == WY_OK && !(s = cati_st(c, S_FILES_DELETE, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, ocfl_id);
        rc = cati_step_done(c, s, "replace an object's files", err);
    }
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        if (!files[i].path || !files[i].sha512) {
            rc = wy_err_set(err, WY_EINVAL,
                            "object '%s': file %zu has no path or digest",
                            ocfl_id, i + 1);
            break;
        }
        if (!(s = cati_st(c, S_FILES_INSERT, err))) {
            rc = err->code;
            break;
        }
        cati_bind_text(s, 1, ocfl_id);
        cati_bind_text(s, 2, files[i].path);
        sqlite3_bind_int64(s, 3, files[i].size);
        cati_bind_text(s, 4, files[i].sha512);
        cati_bind_text(s, 5, files[i].md5);
        cati_bind_text(s, 6, files[i].mime);
        cati_bind_text(s, 7, files[i].format_check);
        rc = cati_step_done(c, s, "store an object's file", err);
    }
    return cati_w_end(c, rc, err);
}

static wy_code row_file(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_file *f = p;
    int ok = 1;
    f->path = cati_col_dup(s, 0, &ok);
    f->size = sqlite3_column_int64(s, 1);
    f->sha512 = cati_col_dup(s, 2, &ok);
    f->md5 = cati_col_dup(s, 3, &ok);
    f->mime = cati_col_dup(s, 4, &ok);
    f->format_check = cati_col_dup(s, 5, &ok);
    if (!ok) {
        cat_file_release(f);
        return NOMEM();
    }
    return WY_OK;
}

wy_code cat_object_files(struct cat *c, const char *ocfl_id,
                         struct cat_file **out, size_t *n, struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = cati_st(c, S_FILES_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, ocfl_id);
    void *arr;
    wy_code rc = cati_collect(c, s, &arr, n, sizeof(**out), row_file,
                              "list an object's files", err);
    if (rc) {
        cat_files_free(arr, *n);
        *n = 0;
        return rc;
    }
    *out = arr;
    return WY_OK;
}

/* ---- audits ----------------------------------------------------------- */

wy_code cat_audit_begin(struct cat *c, const char *scope, int64_t *id,
                        struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    *id = 0;
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_AUDIT_BEGIN, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, scope);
        cati_bind_text(s, 2, now);
        rc = cati_step_done(c, s, "start an audit", err);
        *id = sqlite3_last_insert_rowid(c->db);
    }
    rc = cati_w_end(c, rc, err);
    if (rc)
        *id = 0;
    return rc;
}

wy_code cat_audit_object(struct cat *c, int64_t audit_id, const char *ocfl_id,
                         const char *status, const char *detail,
                         struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_AUDIT_RESULT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, audit_id);
        cati_bind_text(s, 2, ocfl_id);
        cati_bind_text(s, 3, status);
        cati_bind_text(s, 4, detail);
        cati_bind_text(s, 5, now);
        rc = cati_step_done(c, s, "store an audit result", err);
    }
    if (rc == WY_OK && !(s = cati_st(c, S_AUDIT_MARK, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, ocfl_id);
        cati_bind_text(s, 2, now);
        cati_bind_text(s, 3, status);
        rc = cati_step_done(c, s, "mark an object audited", err);
    }
    return cati_w_end(c, rc, err);
}

wy_code cat_audit_done(struct cat *c, int64_t audit_id, const char *ocfl_id,
                       int *done, struct wy_err *err)
{
    *done = 0;
    sqlite3_stmt *s = cati_st(c, S_AUDIT_DONE, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, audit_id);
    cati_bind_text(s, 2, ocfl_id);
    int64_t v = 0;
    wy_code rc = cati_one_int(c, s, &v, "read an audit result", err);
    *done = v != 0;
    return rc;
}

wy_code cat_audit_end(struct cat *c, int64_t audit_id, const char *status,
                      int64_t objects, int64_t failed, struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    sqlite3_stmt *s = cati_w_stmt(c, S_AUDIT_END, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, audit_id);
    cati_bind_text(s, 2, now);
    cati_bind_text(s, 3, status);
    sqlite3_bind_int64(s, 4, objects);
    sqlite3_bind_int64(s, 5, failed);
    return cati_w_step(c, s, "end an audit", err);
}

wy_code cat_audit_unfinished(struct cat *c, const char *scope, int64_t *id,
                             struct wy_err *err)
{
    *id = 0;
    sqlite3_stmt *s = cati_st(c, S_AUDIT_UNFINISHED, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, scope);
    return cati_one_int(c, s, id, "find an unfinished audit", err);
}
