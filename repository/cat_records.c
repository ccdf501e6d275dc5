/* repository/cat_records.c: the catalog's records: content hash, put,
   delete, get, and the change log. */
#include "repository/catalog_int.h"

#include <openssl/evp.h>

#include "repository/recjson.h"

/* ---- content hash ----------------------------------------------------- */

struct hasher {
    EVP_MD_CTX *ctx;
    int ok;
};

static void h_part(struct hasher *h, const void *p, size_t n, int present)
{
    unsigned char hdr[9];
    uint64_t len = present ? (uint64_t)n : 0;
    hdr[0] = (unsigned char)present;
    for (int i = 0; i < 8; i++)
        hdr[1 + i] = (unsigned char)(len >> (8 * i));
    if (h->ok && EVP_DigestUpdate(h->ctx, hdr, sizeof(hdr)) != 1)
        h->ok = 0;
    if (h->ok && present && n && EVP_DigestUpdate(h->ctx, p, n) != 1)
        h->ok = 0;
}

static void h_str(struct hasher *h, const char *s)
{
    h_part(h, s, s ? strlen(s) : 0, s != NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Hash of everything stored except times: hex into out[65]. */
static wy_code content_hash(int deleted, const char *collection,
                            const char *oai_id, const char *const *sets,
                            size_t nsets, const char *fmt, const char *orig,
                            size_t orig_len, const char *model,
                            const char *desc, char out[65], struct wy_err *err)
{
    struct hasher h = {EVP_MD_CTX_new(), 1};
    if (!h.ctx)
        return NOMEM();
    if (EVP_DigestInit_ex(h.ctx, EVP_sha256(), NULL) != 1)
        h.ok = 0;
    unsigned char d = (unsigned char)deleted;
    h_part(&h, &d, 1, 1);
    h_str(&h, collection);
    h_str(&h, oai_id);
    const char **sorted = NULL;
    if (nsets) {
        sorted = wy_malloc(nsets * sizeof(*sorted));
        if (!sorted) {
            EVP_MD_CTX_free(h.ctx);
            return NOMEM();
        }
        memcpy(sorted, sets, nsets * sizeof(*sorted));
        qsort(sorted, nsets, sizeof(*sorted), cmp_str);
    }
    for (size_t i = 0; i < nsets; i++)
        if (!i || strcmp(sorted[i], sorted[i - 1]))
            h_str(&h, sorted[i]);
    free(sorted);
    h_str(&h, "--");
    h_str(&h, fmt);
    h_part(&h, orig, orig_len, orig != NULL);
    h_str(&h, model);
    h_str(&h, desc);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (h.ok && EVP_DigestFinal_ex(h.ctx, md, &mdlen) != 1)
        h.ok = 0;
    EVP_MD_CTX_free(h.ctx);
    if (!h.ok || mdlen != 32)
        return wy_err_set(err, WY_EIO, "cannot compute a SHA-256 digest");
    for (unsigned i = 0; i < 32; i++) {
        static const char hex[] = "0123456789abcdef";
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return WY_OK;
}

/* ---- records ---------------------------------------------------------- */

struct existing {
    int64_t id;
    char hash[65];
    int deleted;
    char *collection;
};

static wy_code find_local(struct cat *c, const char *source,
                          const char *local_id, struct existing *ex,
                          struct wy_err *err)
{
    memset(ex, 0, sizeof(*ex));
    sqlite3_stmt *s = cati_st(c, S_FIND_LOCAL, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, source);
    cati_bind_text(s, 2, local_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int ok = 1;
        ex->id = sqlite3_column_int64(s, 0);
        const unsigned char *hh = sqlite3_column_text(s, 1);
        if (hh && strlen((const char *)hh) < sizeof(ex->hash))
            memcpy(ex->hash, hh, strlen((const char *)hh) + 1);
        ex->deleted = sqlite3_column_int(s, 2);
        ex->collection = cati_col_dup(s, 3, &ok);
        sqlite3_reset(s);
        return ok ? WY_OK : NOMEM();
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cati_db_fail(c, err, "look up a record");
    return WY_OK;
}

static wy_code append_change(struct cat *c, int64_t id, const char *op,
                             const char *now, int64_t *seq, struct wy_err *err)
{
    sqlite3_stmt *s = cati_st(c, S_CHANGE_INSERT, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, id);
    cati_bind_text(s, 2, op);
    cati_bind_text(s, 3, now);
    wy_code rc = cati_step_done(c, s, "append to the change log", err);
    if (rc == WY_OK)
        *seq = sqlite3_last_insert_rowid(c->db);
    return rc;
}

wy_code cati_collection_exists(struct cat *c, const char *code, int *yes,
                               struct wy_err *err)
{
    sqlite3_stmt *s = cati_st(c, S_COLL_EXISTS, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, code);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cati_db_fail(c, err, "look up a collection");
    *yes = rc == SQLITE_ROW;
    return WY_OK;
}

static wy_code replace_sets(struct cat *c, int64_t id, const char *const *sets,
                            size_t nsets, struct wy_err *err)
{
    sqlite3_stmt *s = cati_st(c, S_SETS_DELETE, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, id);
    wy_code rc = cati_step_done(c, s, "replace set memberships", err);
    for (size_t i = 0; rc == WY_OK && i < nsets; i++) {
        if (!(s = cati_st(c, S_SETS_INSERT, err)))
            return err->code;
        sqlite3_bind_int64(s, 1, id);
        cati_bind_text(s, 2, sets[i]);
        rc = cati_step_done(c, s, "store a set membership", err);
    }
    return rc;
}

wy_code cat_put_record(struct cat *c, const struct cat_put *in,
                       struct cat_put_result *res, struct wy_err *err)
{
    struct cat_put_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    if (!in->local_id || !*in->local_id)
        return wy_err_set(err, WY_EINVAL, "record has no identifier");
    if (!in->rec)
        return wy_err_set(err, WY_EINVAL, "record '%s': no record given",
                          in->local_id);
    const char *source = in->source ? in->source : CAT_LOCAL_SOURCE;
    for (size_t i = 0; i < in->nsets; i++)
        if (!in->sets[i] || !*in->sets[i])
            return wy_err_set(err, WY_EINVAL, "record '%s': set %zu is empty",
                              in->local_id, i + 1);
    const char *orig = in->orig ? in->orig : in->rec->orig;
    size_t orig_len = in->orig ? in->orig_len : in->rec->orig_len;
    const char *fmt = in->orig_format ? in->orig_format : in->rec->format;

    struct wy_buf model = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf desc = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct existing ex = {0};
    char hash[65], now[21];
    wy_code rc = cat_json_model(in->rec, &model, err);
    if (rc == WY_OK)
        rc = cat_json_desc(in->rec, &desc, err);
    if (rc)
        goto out;
    cat_now(c, now);
    if ((rc = cati_w_begin(c, err)))
        goto out;
    if (in->collection) {
        int yes = 0;
        rc = cati_collection_exists(c, in->collection, &yes, err);
        if (rc == WY_OK && !yes)
            rc = wy_err_set(err, WY_EINVAL,
                            "record '%s': unknown collection '%s'",
                            in->local_id, in->collection);
    }
    if (rc == WY_OK)
        rc = find_local(c, source, in->local_id, &ex, err);
    const char *coll = in->collection ? in->collection : ex.collection;
    if (rc == WY_OK)
        rc = content_hash(0, coll, in->oai_id, in->sets, in->nsets, fmt, orig,
                          orig_len, wy_buf_cstr(&model), wy_buf_cstr(&desc),
                          hash, err);
    if (rc)
        goto end;
    if (ex.id && !ex.deleted && !strcmp(ex.hash, hash)) {
        res->id = ex.id;
        res->action = CAT_UNCHANGED;
        goto end;
    }
    sqlite3_stmt *s;
    if (!ex.id) {
        if (!(s = cati_st(c, S_REC_INSERT, err))) {
            rc = err->code;
            goto end;
        }
        cati_bind_text(s, 1, source);
        cati_bind_text(s, 2, in->local_id);
        cati_bind_text(s, 3, in->oai_id);
        cati_bind_text(s, 4, now);
        cati_bind_text(s, 5, in->src_datestamp);
        cati_bind_text(s, 6, coll);
        cati_bind_text(s, 7, fmt);
        if (orig)
            sqlite3_bind_blob64(s, 8, orig, orig_len, SQLITE_STATIC);
        cati_bind_text(s, 9, wy_buf_cstr(&model));
        cati_bind_text(s, 10, wy_buf_cstr(&desc));
        cati_bind_text(s, 11, hash);
        rc = cati_step_done(c, s, "insert a record", err);
        res->id = sqlite3_last_insert_rowid(c->db);
        res->action = CAT_ADDED;
    } else {
        if (!(s = cati_st(c, S_REC_UPDATE, err))) {
            rc = err->code;
            goto end;
        }
        sqlite3_bind_int64(s, 1, ex.id);
        cati_bind_text(s, 2, in->oai_id);
        cati_bind_text(s, 3, now);
        cati_bind_text(s, 4, in->src_datestamp);
        cati_bind_text(s, 5, coll);
        cati_bind_text(s, 6, fmt);
        if (orig)
            sqlite3_bind_blob64(s, 7, orig, orig_len, SQLITE_STATIC);
        cati_bind_text(s, 8, wy_buf_cstr(&model));
        cati_bind_text(s, 9, wy_buf_cstr(&desc));
        cati_bind_text(s, 10, hash);
        rc = cati_step_done(c, s, "update a record", err);
        res->id = ex.id;
        res->action = CAT_UPDATED;
    }
    if (rc == WY_OK)
        rc = replace_sets(c, res->id, in->sets, in->nsets, err);
    if (rc == WY_OK)
        rc = append_change(c, res->id, "put", now, &res->seq, err);
end:
    rc = cati_w_end(c, rc, err);
    if (rc) {
        memset(res, 0, sizeof(*res));
        wy_err_prefix(err, "record '%s' of source '%s'", in->local_id, source);
    }
out:
    free(ex.collection);
    wy_buf_release(&model);
    wy_buf_release(&desc);
    return rc;
}

wy_code cat_delete_record(struct cat *c, const char *source,
                          const char *local_id, const char *oai_id,
                          const char *src_datestamp, struct cat_put_result *res,
                          struct wy_err *err)
{
    struct cat_put_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    if (!local_id || !*local_id)
        return wy_err_set(err, WY_EINVAL, "deletion has no identifier");
    if (!source)
        source = CAT_LOCAL_SOURCE;
    struct existing ex = {0};
    char now[21], hash[65];
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    rc = find_local(c, source, local_id, &ex, err);
    if (rc == WY_OK)
        rc = content_hash(1, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL,
                          hash, err);
    if (rc)
        goto end;
    if (ex.id && ex.deleted) {
        res->id = ex.id;
        res->action = CAT_UNCHANGED;
        goto end;
    }
    sqlite3_stmt *s;
    if (ex.id) {
        if (!(s = cati_st(c, S_TOMB_UPDATE, err))) {
            rc = err->code;
            goto end;
        }
        sqlite3_bind_int64(s, 1, ex.id);
        cati_bind_text(s, 2, oai_id);
        cati_bind_text(s, 3, now);
        cati_bind_text(s, 4, src_datestamp);
        cati_bind_text(s, 5, hash);
        rc = cati_step_done(c, s, "mark a record deleted", err);
        res->id = ex.id;
    } else {
        if (!(s = cati_st(c, S_TOMB_INSERT, err))) {
            rc = err->code;
            goto end;
        }
        cati_bind_text(s, 1, source);
        cati_bind_text(s, 2, local_id);
        cati_bind_text(s, 3, oai_id);
        cati_bind_text(s, 4, now);
        cati_bind_text(s, 5, src_datestamp);
        cati_bind_text(s, 6, hash);
        rc = cati_step_done(c, s, "insert a deleted record", err);
        res->id = sqlite3_last_insert_rowid(c->db);
    }
    res->action = CAT_DELETED;
    if (rc == WY_OK)
        rc = append_change(c, res->id, "delete", now, &res->seq, err);
end:
    rc = cati_w_end(c, rc, err);
    if (rc) {
        memset(res, 0, sizeof(*res));
        wy_err_prefix(err, "deleting record '%s' of source '%s'", local_id,
                      source);
    }
    free(ex.collection);
    return rc;
}

wy_code cat_record_set_sets(struct cat *c, int64_t id, const char *const *sets,
                            size_t nsets, int *changed, struct wy_err *err)
{
    if (changed)
        *changed = 0;
    for (size_t i = 0; i < nsets; i++)
        if (!sets[i] || !*sets[i])
            return wy_err_set(err, WY_EINVAL, "record %lld: set %zu is empty",
                              (long long)id, i + 1);
    struct cat_record *r = NULL;
    char hash[65], now[21];
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    rc = cat_get_record(c, id, CAT_LOAD_ALL, &r, err);
    if (rc == WY_OK && r->deleted)
        rc =
            wy_err_set(err, WY_ESTATE, "record %lld is deleted", (long long)id);
    if (rc == WY_OK)
        rc = content_hash(0, r->collection, r->oai_id, sets, nsets,
                          r->orig_format, r->orig, r->orig_len, r->model_json,
                          r->desc_json, hash, err);
    if (rc == WY_OK && r->hash && !strcmp(r->hash, hash))
        goto end; /* the same sets */
    cat_now(c, now);
    sqlite3_stmt *s = NULL;
    if (rc == WY_OK &&
        sqlite3_prepare_v2(c->db,
                           "UPDATE records SET hash = ?2, datestamp = ?3, "
                           "updated = ?3 WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        rc = cati_db_fail(c, err, "prepare a set update");
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, id);
        cati_bind_text(s, 2, hash);
        cati_bind_text(s, 3, now);
        rc = cati_step_done(c, s, "update a record's sets", err);
    }
    sqlite3_finalize(s);
    int64_t seq = 0;
    if (rc == WY_OK)
        rc = replace_sets(c, id, sets, nsets, err);
    if (rc == WY_OK)
        rc = append_change(c, id, "put", now, &seq, err);
    if (rc == WY_OK && changed)
        *changed = 1;
end:
    cat_record_free(r);
    rc = cati_w_end(c, rc, err);
    if (rc && changed)
        *changed = 0;
    return rc;
}

wy_code cat_record_touch(struct cat *c, int64_t id, struct wy_err *err)
{
    char now[21];
    int64_t seq = 0;
    cat_now(c, now);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_REC_EXISTS, err);
    if (!s)
        rc = err->code;
    int r = SQLITE_DONE;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, id);
        r = sqlite3_step(s);
        sqlite3_reset(s);
        if (r == SQLITE_DONE)
            rc = wy_err_set(err, WY_ENOTFOUND, "no record %lld", (long long)id);
        else if (r != SQLITE_ROW)
            rc = cati_db_fail(c, err, "look up a record");
    }
    if (rc == WY_OK)
        rc = append_change(c, id, "put", now, &seq, err);
    return cati_w_end(c, rc, err);
}

void cat_record_free(struct cat_record *r)
{
    if (!r)
        return;
    free(r->source);
    free(r->local_id);
    free(r->oai_id);
    free(r->datestamp);
    free(r->src_datestamp);
    free(r->collection);
    for (size_t i = 0; i < r->nsets; i++)
        free(r->sets[i]);
    free(r->sets);
    free(r->orig_format);
    free(r->orig);
    free(r->model_json);
    free(r->desc_json);
    free(r->hash);
    free(r->created);
    free(r->updated);
    free(r);
}

wy_code cati_load_sets(struct cat *c, struct cat_record *r, struct wy_err *err)
{
    sqlite3_stmt *s = cati_st(c, S_SETS_GET, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, r->id);
    size_t cap = 0;
    int rc;
    int ok = 1;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (r->nsets == cap) {
            size_t nc = cap ? 2 * cap : 4;
            char **a = wy_realloc(r->sets, nc * sizeof(*a));
            if (!a) {
                ok = 0;
                break;
            }
            r->sets = a;
            cap = nc;
        }
        char *v = cati_col_dup(s, 0, &ok);
        if (v)
            r->sets[r->nsets++] = v;
    }
    sqlite3_reset(s);
    if (!ok)
        return NOMEM();
    if (rc != SQLITE_DONE)
        return cati_db_fail(c, err, "read set memberships");
    return WY_OK;
}

/* Builds a record from the current row (REC_HDR or REC_ALL columns). */
wy_code cati_row_record(struct cat *c, sqlite3_stmt *s, int all,
                        struct cat_record **out, struct wy_err *err)
{
    struct cat_record *r = wy_calloc(1, sizeof(*r));
    if (!r)
        return NOMEM();
    int ok = 1;
    r->id = sqlite3_column_int64(s, 0);
    r->source = cati_col_dup(s, 1, &ok);
    r->local_id = cati_col_dup(s, 2, &ok);
    r->oai_id = cati_col_dup(s, 3, &ok);
    r->datestamp = cati_col_dup(s, 4, &ok);
    r->src_datestamp = cati_col_dup(s, 5, &ok);
    r->deleted = sqlite3_column_int(s, 6);
    r->collection = cati_col_dup(s, 7, &ok);
    r->orig_format = cati_col_dup(s, 8, &ok);
    r->hash = cati_col_dup(s, 9, &ok);
    r->created = cati_col_dup(s, 10, &ok);
    r->updated = cati_col_dup(s, 11, &ok);
    if (all) {
        const void *b = sqlite3_column_blob(s, 12);
        size_t n = (size_t)sqlite3_column_bytes(s, 12);
        if (b) {
            r->orig = wy_malloc(n + 1);
            if (r->orig) {
                memcpy(r->orig, b, n);
                r->orig[n] = '\0';
                r->orig_len = n;
            } else {
                ok = 0;
            }
        }
        r->model_json = cati_col_dup(s, 13, &ok);
        r->desc_json = cati_col_dup(s, 14, &ok);
    }
    if (!ok) {
        cat_record_free(r);
        return NOMEM();
    }
    *out = r;
    return WY_OK;
}

/* Steps a cached lookup statement to its single row. */
static wy_code get_one(struct cat *c, sqlite3_stmt *s, int all,
                       struct cat_record **out, const char *key,
                       struct wy_err *err)
{
    int rc = sqlite3_step(s);
    wy_code w;
    if (rc == SQLITE_ROW) {
        w = cati_row_record(c, s, all, out, err);
    } else if (rc == SQLITE_DONE) {
        w = wy_err_set(err, WY_ENOTFOUND, "no record %s", key);
    } else {
        w = cati_db_fail(c, err, "read a record");
    }
    sqlite3_reset(s);
    if (w == WY_OK && (w = cati_load_sets(c, *out, err)) != WY_OK) {
        cat_record_free(*out);
        *out = NULL;
    }
    return w;
}

wy_code cat_get_record(struct cat *c, int64_t id, int what,
                       struct cat_record **out, struct wy_err *err)
{
    *out = NULL;
    sqlite3_stmt *s =
        cati_st(c, what == CAT_LOAD_ALL ? S_GET_ID_ALL : S_GET_ID_HDR, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, id);
    char key[48];
    snprintf(key, sizeof(key), "with id %lld", (long long)id);
    return get_one(c, s, what == CAT_LOAD_ALL, out, key, err);
}

wy_code cat_get_record_by_local(struct cat *c, const char *source,
                                const char *local_id, int what,
                                struct cat_record **out, struct wy_err *err)
{
    *out = NULL;
    if (!source)
        source = CAT_LOCAL_SOURCE;
    sqlite3_stmt *s = cati_st(
        c, what == CAT_LOAD_ALL ? S_GET_LOCAL_ALL : S_GET_LOCAL_HDR, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, source);
    cati_bind_text(s, 2, local_id);
    struct wy_buf key = WY_BUF_INIT(4096);
    wy_buf_addf(&key, "'%s' in source '%s'", local_id, source);
    wy_code rc =
        get_one(c, s, what == CAT_LOAD_ALL, out, wy_buf_cstr(&key), err);
    wy_buf_release(&key);
    return rc;
}

wy_code cat_get_record_by_oai(struct cat *c, const char *oai_id, int what,
                              struct cat_record **out, struct wy_err *err)
{
    *out = NULL;
    sqlite3_stmt *s =
        cati_st(c, what == CAT_LOAD_ALL ? S_GET_OAI_ALL : S_GET_OAI_HDR, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, oai_id);
    struct wy_buf key = WY_BUF_INIT(4096);
    wy_buf_addf(&key, "with OAI identifier '%s'", oai_id);
    wy_code rc =
        get_one(c, s, what == CAT_LOAD_ALL, out, wy_buf_cstr(&key), err);
    wy_buf_release(&key);
    return rc;
}

wy_code cat_record_model(const struct cat_record *r, struct wy_record **out,
                         struct wy_err *err)
{
    *out = NULL;
    if (r->deleted)
        return wy_err_set(err, WY_ESTATE, "record %lld is deleted",
                          (long long)r->id);
    if (!r->model_json && !r->desc_json)
        return wy_err_set(err, WY_ESTATE,
                          "record %lld was loaded without its metadata",
                          (long long)r->id);
    struct wy_record *rec = wy_record_new();
    if (!rec)
        return NOMEM();
    wy_code rc = cat_json_load(rec, r->model_json, r->desc_json, err);
    if (rc == WY_OK && r->orig_format &&
        !(rec->format = wy_arena_strdup(rec->arena, r->orig_format)))
        rc = NOMEM();
    if (rc == WY_OK && r->orig) {
        char *o = wy_arena_strndup(rec->arena, r->orig, r->orig_len);
        if (!o) {
            rc = NOMEM();
        } else {
            rec->orig = o;
            rec->orig_len = r->orig_len;
        }
    }
    if (rc) {
        wy_record_free(rec);
        return wy_err_prefix(err, "record %lld", (long long)r->id);
    }
    *out = rec;
    return WY_OK;
}

/* ---- change log ------------------------------------------------------- */

wy_code cat_changes(struct cat *c, int64_t after_seq, size_t limit,
                    cat_change_fn fn, void *ctx, int64_t *last,
                    struct wy_err *err)
{
    if (last)
        *last = after_seq;
    /* not the cached statement: fn may call back into the catalog */
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(c->db,
                           cati_stmt_sql[limit ? S_CHANGES_LIMIT : S_CHANGES],
                           -1, &s, NULL) != SQLITE_OK)
        return cati_db_fail(c, err, "read the change log");
    sqlite3_bind_int64(s, 1, after_seq);
    if (limit)
        sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
    wy_code rc = WY_OK;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        struct cat_change ch = {sqlite3_column_int64(s, 0),
                                sqlite3_column_int64(s, 1),
                                (const char *)sqlite3_column_text(s, 2),
                                (const char *)sqlite3_column_text(s, 3)};
        rc = fn(ctx, &ch, err);
        if (rc != WY_OK)
            break;
        if (last)
            *last = ch.seq;
    }
    if (rc == WY_OK && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = cati_db_fail(c, err, "read the change log");
    sqlite3_finalize(s);
    return rc == WY_EOF ? WY_OK : rc;
}

wy_code cati_one_int(struct cat *c, sqlite3_stmt *s, int64_t *out,
                     const char *what, struct wy_err *err)
{
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return cati_db_fail(c, err, what);
    return WY_OK;
}

wy_code cat_last_seq(struct cat *c, int64_t *out, struct wy_err *err)
{
    sqlite3_stmt *s = cati_st(c, S_LAST_SEQ, err);
    if (!s)
        return err->code;
    return cati_one_int(c, s, out, "read the change log", err);
}
