/* repository/lib_resolve.c: reading the register: resolving a holding
   name to a library (cached), getting and listing libraries. */
#include "repository/libraries_int.h"

/* The library whose alias has key: new *code and *name, or both NULL. */
wy_code libi_find_key(struct cat *c, const char *key, char **code, char **name,
                      struct wy_err *err)
{
    *code = NULL;
    if (name)
        *name = NULL;
    sqlite3_stmt *s = libi_lst(c, L_FIND_KEY, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, key);
    int r = sqlite3_step(s), ok = 1;
    if (r == SQLITE_ROW) {
        *code = cati_col_dup(s, 0, &ok);
        if (name)
            *name = cati_col_dup(s, 1, &ok);
    }
    sqlite3_reset(s);
    if (!ok) {
        free(*code);
        *code = NULL;
        if (name) {
            free(*name);
            *name = NULL;
        }
        return NOMEM();
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return cati_db_fail(c, err, "look up a library alias");
    return WY_OK;
}

/* Empties the cache when another connection committed since. */
static wy_code cache_check(struct cat *c, struct lib_state *ls,
                           struct wy_err *err)
{
    sqlite3_stmt *s = libi_lst(c, L_DATA_VERSION, err);
    if (!s)
        return err->code;
    int r = sqlite3_step(s);
    int64_t v = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    if (r != SQLITE_ROW)
        return cati_db_fail(c, err, "read the database's data version");
    if (v != ls->data_version) {
        libi_cache_clear(ls);
        ls->data_version = v;
    }
    return WY_OK;
}

/* A register write of this connection (whether it commits or not). */
void libi_forget(struct cat *c)
{
    if (c->libs)
        libi_cache_clear(c->libs);
}

/* The slot of name[0..n) in the cache: its entry, or the free slot where
   it goes. */
static struct cached *slot(struct lib_state *ls, const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    for (size_t i = h & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        struct cached *e = &ls->cache[i];
        if (!e->name || (strlen(e->name) == n && !memcmp(e->name, s, n)))
            return e;
    }
}

/* Resolves s[0..n) without the cache: new *k and *nm, or NULL. */
static wy_code resolve_uncached(struct cat *c, struct lib_state *ls,
                                const char *s, size_t n, char **k, char **nm,
                                struct wy_err *err)
{
    *k = *nm = NULL;
    int yes = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc == WY_OK && yes && ls->any < 0) {
        /* an empty register needs no normalizer */
        sqlite3_stmt *st = libi_lst(c, L_ANY, err);
        if (!st)
            return err->code;
        int r = sqlite3_step(st);
        ls->any = r == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (r != SQLITE_ROW)
            return cati_db_fail(c, err, "look into the library register");
    }
    if (rc == WY_OK && yes && ls->any) {
        struct wy_buf key = WY_BUF_INIT(1u << 20);
        char *t = wy_strndup(s, n);
        rc = t ? lib_key(c, t, &key, err) : NOMEM();
        if (rc == WY_OK && key.len)
            rc = libi_find_key(c, wy_buf_cstr(&key), k, nm, err);
        wy_buf_release(&key);
        free(t);
    }
    return rc;
}

wy_code lib_resolve(struct cat *c, const char *name, char **code,
                    char **display, struct wy_err *err)
{
    if (code)
        *code = NULL;
    if (display)
        *display = NULL;
    size_t n;
    const char *s = libi_trim(name ? name : "", &n);
    if (n == 0)
        return WY_OK;
    struct lib_state *ls = libi_state(c, err);
    if (!ls)
        return err->code;
    if (!ls->cache && !(ls->cache = wy_calloc(CACHE_SLOTS, sizeof(*ls->cache))))
        return NOMEM();
    wy_code rc = cache_check(c, ls, err);
    char *k = NULL, *nm = NULL;
    struct cached *e = rc == WY_OK ? slot(ls, s, n) : NULL;
    if (e && e->name) {
        if ((e->code && !(k = wy_strdup(e->code))) ||
            (e->display && !(nm = wy_strdup(e->display)))) {
            free(k);
            return NOMEM();
        }
    } else if (e) {
        rc = resolve_uncached(c, ls, s, n, &k, &nm, err);
        if (rc == WY_OK && ls->ncached >= CACHE_SLOTS / 2) {
            libi_cache_clear(ls);
            e = slot(ls, s, n);
        }
        /* a failed copy only means no cache entry */
        if (rc == WY_OK && (e->name = wy_strndup(s, n)) != NULL) {
            e->code = k ? wy_strdup(k) : NULL;
            e->display = nm ? wy_strdup(nm) : NULL;
            if ((k && !e->code) || (nm && !e->display)) {
                free(e->name);
                free(e->code);
                free(e->display);
                memset(e, 0, sizeof(*e));
            } else {
                ls->ncached++;
            }
        }
    }
    if (rc) {
        free(k);
        free(nm);
        return wy_err_prefix(err, "resolving library '%.*s'", (int)n, s);
    }
    if (display && !nm && !(nm = wy_strndup(s, n))) {
        free(k);
        return NOMEM();
    }
    if (code)
        *code = k;
    else
        free(k);
    if (display)
        *display = nm;
    else
        free(nm);
    return WY_OK;
}

void lib_library_release(struct lib_library *l)
{
    if (!l)
        return;
    free(l->code);
    free(l->name);
    free(l->name_en);
    for (size_t i = 0; i < l->naliases; i++)
        free(l->aliases[i]);
    free(l->aliases);
    memset(l, 0, sizeof(*l));
}

void lib_libraries_free(struct lib_library *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lib_library_release(&v[i]);
    free(v);
}

/* Fills *out for the code; WY_ENOTFOUND (quietly: *found = 0). */
wy_code libi_load(struct cat *c, const char *code, struct lib_library *out,
                  int *found, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    *found = 0;
    sqlite3_stmt *s = libi_lst(c, L_LIB_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, code);
    int r = sqlite3_step(s), ok = 1;
    if (r == SQLITE_ROW) {
        *found = 1;
        out->code = cati_col_dup(s, 0, &ok);
        out->name = cati_col_dup(s, 1, &ok);
        out->name_en = cati_col_dup(s, 2, &ok);
    }
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return cati_db_fail(c, err, "read a library");
    if (!ok) {
        lib_library_release(out);
        return NOMEM();
    }
    if (!*found)
        return WY_OK;
    if (!(s = libi_lst(c, L_ALIASES_OF, err)))
        return err->code;
    cati_bind_text(s, 1, code);
    size_t cap = 0;
    while (ok && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->naliases == cap) {
            cap = cap ? cap * 2 : 8;
            char **a = wy_realloc(out->aliases, cap * sizeof(*a));
            if (!a) {
                ok = 0;
                break;
            }
            out->aliases = a;
        }
        char *v = cati_col_dup(s, 0, &ok);
        if (v)
            out->aliases[out->naliases++] = v;
    }
    sqlite3_reset(s);
    if (ok && r != SQLITE_DONE) {
        lib_library_release(out);
        return cati_db_fail(c, err, "read a library's aliases");
    }
    if (!ok) {
        lib_library_release(out);
        return NOMEM();
    }
    return WY_OK;
}

/* The code of the library named by code_or_name (exact code first, then
   resolution). new: *code, NULL when none. */
wy_code libi_find_library(struct cat *c, const char *code_or_name, char **code,
                          struct wy_err *err)
{
    *code = NULL;
    struct lib_library l;
    int found = 0;
    wy_code rc = libi_load(c, code_or_name, &l, &found, err);
    if (rc)
        return rc;
    if (found) {
        *code = l.code;
        l.code = NULL;
        lib_library_release(&l);
        return WY_OK;
    }
    return lib_resolve(c, code_or_name, code, NULL, err);
}

wy_code libi_not_found(const char *what, struct wy_err *err)
{
    return wy_err_set(err, WY_ENOTFOUND,
                      "no library '%s' in the register (see 'wenyuan "
                      "library list')",
                      what);
}

wy_code lib_get(struct cat *c, const char *code_or_name,
                struct lib_library *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    int yes = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc || !yes)
        return rc ? rc : libi_not_found(code_or_name, err);
    char *code = NULL;
    rc = libi_find_library(c, code_or_name, &code, err);
    if (rc == WY_OK && !code)
        rc = libi_not_found(code_or_name, err);
    int found = 0;
    if (rc == WY_OK)
        rc = libi_load(c, code, out, &found, err);
    if (rc == WY_OK && !found)
        rc = libi_not_found(code_or_name, err);
    free(code);
    return rc;
}

wy_code lib_get_by_code(struct cat *c, const char *code,
                        struct lib_library *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    int yes = 0, found = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc == WY_OK && yes)
        rc = libi_load(c, code, out, &found, err);
    if (rc == WY_OK && !found)
        rc = libi_not_found(code, err);
    return rc;
}

wy_code lib_list(struct cat *c, struct lib_library **out, size_t *n,
                 struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    int yes = 0;
    wy_code rc = libi_have_tables(c, &yes, err);
    if (rc || !yes)
        return rc;
    sqlite3_stmt *s = libi_lst(c, L_LIB_LIST, err);
    if (!s)
        return err->code;
    char **codes = NULL;
    size_t nc = 0, cap = 0;
    int r, ok = 1;
    while (ok && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (nc == cap) {
            cap = cap ? cap * 2 : 16;
            char **a = wy_realloc(codes, cap * sizeof(*a));
            if (!a) {
                ok = 0;
                break;
            }
            codes = a;
        }
        char *v = cati_col_dup(s, 0, &ok);
        if (v)
            codes[nc++] = v;
    }
    sqlite3_reset(s);
    if (!ok)
        rc = NOMEM();
    else if (r != SQLITE_DONE)
        rc = cati_db_fail(c, err, "list the libraries");
    struct lib_library *v = NULL;
    if (rc == WY_OK && nc && !(v = wy_calloc(nc, sizeof(*v))))
        rc = NOMEM();
    size_t got = 0;
    for (size_t i = 0; rc == WY_OK && i < nc; i++) {
        int found = 0;
        rc = libi_load(c, codes[i], &v[got], &found, err);
        if (rc == WY_OK && found)
            got++;
    }
    for (size_t i = 0; i < nc; i++)
        free(codes[i]);
    free(codes);
    if (rc) {
        lib_libraries_free(v, got);
        return rc;
    }
    *out = v;
    *n = got;
    return WY_OK;
}
