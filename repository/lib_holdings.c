/* repository/lib_holdings.c: the holding names of records: recording
   them, counting the names (unmapped ones), the names an alias change
   touches and the records that carry a name. */
#include "repository/libraries_int.h"

/* Records the resolution of a name the first time it is seen. */
static wy_code note_name(struct cat *c, const char *name, struct wy_err *err)
{
    char *code = NULL, *disp = NULL;
    sqlite3_stmt *s = libi_lst(c, L_NAME_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, name);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r == SQLITE_ROW)
        return WY_OK; /* known: the resolution is checked by apply */
    if (r != SQLITE_DONE)
        return cati_db_fail(c, err, "read a library name");
    wy_code rc = lib_resolve(c, name, &code, &disp, err);
    s = NULL;
    if (rc == WY_OK && disp && !(s = libi_lst(c, L_NAME_ADD, err)))
        rc = err->code;
    if (rc == WY_OK && s) {
        cati_bind_text(s, 1, name);
        cati_bind_text(s, 2, code);
        cati_bind_text(s, 3, disp);
        rc = cati_step_done(c, s, "note a library name", err);
    }
    free(code);
    free(disp);
    return rc;
}

wy_code lib_set_holdings(struct cat *c, int64_t id, const char *const *names,
                         size_t nnames, struct wy_err *err)
{
    int yes = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc || !yes)
        return rc;
    if ((rc = cati_w_begin(c, err)))
        return rc;
    sqlite3_stmt *s = libi_lst(c, L_HOLD_DEL, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, id);
        rc = cati_step_done(c, s, "drop a record's holding names", err);
    }
    for (size_t i = 0; rc == WY_OK && i < nnames; i++) {
        if (!(s = libi_lst(c, L_HOLD_ADD, err))) {
            rc = err->code;
            break;
        }
        cati_bind_text(s, 1, names[i]);
        sqlite3_bind_int64(s, 2, id);
        rc = cati_step_done(c, s, "keep a record's holding name", err);
        if (rc == WY_OK)
            rc = note_name(c, names[i], err);
    }
    return cati_w_end(c, rc, err);
}

wy_code lib_put_record(struct cat *c, const struct cat_put *in,
                       const char *const *names, size_t nnames,
                       struct cat_put_result *res, struct wy_err *err)
{
    struct cat_put_result dummy;
    if (!res)
        res = &dummy;
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    rc = cat_put_record(c, in, res, err);
    if (rc == WY_OK &&
        (res->action == CAT_ADDED || res->action == CAT_UPDATED)) {
        rc = lib_set_holdings(c, res->id, names, nnames, err);
        if (rc)
            wy_err_prefix(err, "record '%s'", in->local_id);
    }
    rc = cati_w_end(c, rc, err);
    if (rc)
        memset(res, 0, sizeof(*res));
    return rc;
}

void lib_name_counts_free(struct lib_name_count *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].code);
    }
    free(v);
}

struct names {
    struct lib_name_count *v;
    size_t n, cap;
};

/* Reads (name, count) rows of statement id into ns, marking is_source. */
static wy_code read_names(struct cat *c, int id, int is_source,
                          struct names *ns, struct wy_err *err)
{
    sqlite3_stmt *s = libi_lst(c, id, err);
    if (!s)
        return err->code;
    int r, ok = 1;
    while (ok && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (ns->n == ns->cap) {
            size_t cap = ns->cap ? ns->cap * 2 : 32;
            struct lib_name_count *v = wy_realloc(ns->v, cap * sizeof(*v));
            if (!v) {
                ok = 0;
                break;
            }
            ns->v = v;
            ns->cap = cap;
        }
        struct lib_name_count *e = &ns->v[ns->n];
        memset(e, 0, sizeof(*e));
        e->name = cati_col_dup(s, 0, &ok);
        e->records = sqlite3_column_int64(s, 1);
        e->source = is_source;
        if (e->name)
            ns->n++;
    }
    sqlite3_reset(s);
    if (!ok)
        return NOMEM();
    if (r != SQLITE_DONE)
        return cati_db_fail(c, err, "read the holding names");
    return WY_OK;
}

static int cmp_count(const void *a, const void *b)
{
    const struct lib_name_count *x = a, *y = b;
    if (x->records != y->records)
        return x->records > y->records ? -1 : 1;
    int d = strcmp(x->name, y->name);
    return d ? d : x->source - y->source;
}

wy_code lib_names(struct cat *c, int unmapped_only, struct lib_name_count **out,
                  size_t *n, struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    int yes = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc || !yes)
        return rc;
    struct names ns = {NULL, 0, 0};
    rc = read_names(c, L_HOLD_NAMES, 0, &ns, err);
    if (rc == WY_OK)
        rc = read_names(c, L_SOURCE_NAMES, 1, &ns, err);
    size_t k = 0;
    for (size_t i = 0; rc == WY_OK && i < ns.n; i++) {
        rc = lib_resolve(c, ns.v[i].name, &ns.v[i].code, NULL, err);
        if (rc == WY_OK && unmapped_only && ns.v[i].code) {
            free(ns.v[i].name);
            free(ns.v[i].code);
            continue;
        }
        ns.v[k++] = ns.v[i];
    }
    if (rc) {
        lib_name_counts_free(ns.v, ns.n);
        return rc;
    }
    if (k)
        qsort(ns.v, k, sizeof(*ns.v), cmp_count);
    *out = ns.v;
    *n = k;
    return WY_OK;
}

/* Whether the resolution of name differs from the one recorded (a name
   first seen changes only when it resolves); records the new one. */
static wy_code name_changed(struct cat *c, const char *name, int *changed,
                            struct wy_err *err)
{
    *changed = 0;
    char *code = NULL, *disp = NULL, *ocode = NULL, *odisp = NULL;
    wy_code rc = lib_resolve(c, name, &code, &disp, err);
    sqlite3_stmt *s = NULL;
    int r = SQLITE_DONE, ok = 1;
    if (rc == WY_OK && !(s = libi_lst(c, L_NAME_GET, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, name);
        r = sqlite3_step(s);
        if (r == SQLITE_ROW) {
            ocode = cati_col_dup(s, 0, &ok);
            odisp = cati_col_dup(s, 1, &ok);
        }
        sqlite3_reset(s);
        if (!ok)
            rc = NOMEM();
        else if (r != SQLITE_ROW && r != SQLITE_DONE)
            rc = cati_db_fail(c, err, "read a library name");
    }
    if (rc == WY_OK && disp) {
        if (r == SQLITE_ROW)
            *changed = (!code != !ocode) || (code && strcmp(code, ocode)) ||
                       !odisp || strcmp(disp, odisp);
        else
            *changed = code != NULL;
        if ((*changed || r != SQLITE_ROW) &&
            !(s = libi_lst(c, L_NAME_SET, err)))
            rc = err->code;
        else if (*changed || r != SQLITE_ROW) {
            cati_bind_text(s, 1, name);
            cati_bind_text(s, 2, code);
            cati_bind_text(s, 3, disp);
            rc = cati_step_done(c, s, "record a library name", err);
        }
    }
    free(code);
    free(disp);
    free(ocode);
    free(odisp);
    return rc;
}

wy_code lib_changed_names(struct cat *c, lib_name_fn fn, void *ctx,
                          struct wy_err *err)
{
    int yes = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc || !yes)
        return rc;
    if ((rc = cati_w_begin(c, err)))
        return rc;
    struct names ns = {NULL, 0, 0};
    rc = read_names(c, L_HOLD_NAMES, 0, &ns, err);
    if (rc == WY_OK)
        rc = read_names(c, L_SOURCE_NAMES, 1, &ns, err);
    for (size_t i = 0; rc == WY_OK && i < ns.n; i++) {
        int changed = 0;
        rc = name_changed(c, ns.v[i].name, &changed, err);
        if (rc == WY_OK && changed)
            rc = fn(ctx, ns.v[i].name, ns.v[i].source, err);
    }
    lib_name_counts_free(ns.v, ns.n);
    return cati_w_end(c, rc, err);
}

wy_code lib_records_of_name(struct cat *c, const char *name, int is_source,
                            lib_record_fn fn, void *ctx, struct wy_err *err)
{
    /* the ids first: fn writes to the records being read */
    sqlite3_stmt *s =
        libi_lst(c, is_source ? L_RECS_OF_SOURCE : L_RECS_OF_NAME, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, name);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int r;
    wy_code rc = WY_OK;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *v = wy_realloc(ids, cap * sizeof(*v));
            if (!v) {
                rc = NOMEM();
                break;
            }
            ids = v;
        }
        ids[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc == WY_OK && r != SQLITE_DONE)
        rc = cati_db_fail(c, err, "find a library's records");
    for (size_t i = 0; rc == WY_OK && i < n; i++)
        rc = fn(ctx, ids[i], err);
    free(ids);
    return rc;
}
