/* repository/libraries.c: the register of member libraries (see
   libraries.h). A piece of the catalog: its tables are in the catalog's
   schema (migration 3 -> 4) and it works on the catalog's connection. */
#include "repository/libraries.h"

#include <stdio.h>

#include "core/path.h"
#include "indexer/cjk.h"
#include "repository/catalog_int.h"

enum {
    L_HAVE,
    L_ANY,
    L_FIND_KEY,
    L_LIB_GET,
    L_LIB_INS,
    L_LIB_UPD,
    L_ALIAS_INS,
    L_ALIAS_DEL,
    L_ALIASES_OF,
    L_LIB_LIST,
    L_HOLD_DEL,
    L_HOLD_ADD,
    L_NAME_GET,
    L_NAME_SET,
    L_NAME_ADD,
    L_HOLD_NAMES,
    L_SOURCE_NAMES,
    L_RECS_OF_NAME,
    L_RECS_OF_SOURCE,
    L_DATA_VERSION,
    L_N
};

static const char *const lsql[L_N] = {
    [L_HAVE] = "SELECT 1 FROM sqlite_master WHERE type = 'table'"
               " AND name = 'library_aliases'",
    [L_ANY] = "SELECT EXISTS (SELECT 1 FROM libraries)",
    [L_FIND_KEY] = "SELECT l.code, l.name FROM library_aliases a"
                   " JOIN libraries l ON l.code = a.code WHERE a.key = ?1",
    [L_LIB_GET] = "SELECT code, name, name_en FROM libraries WHERE code = ?1",
    [L_LIB_INS] = "INSERT INTO libraries (code, name, name_en, created,"
                  " updated) VALUES (?1, ?2, ?3, ?4, ?4)",
    [L_LIB_UPD] = "UPDATE libraries SET name = ?2, name_en = ?3,"
                  " updated = ?4 WHERE code = ?1"
                  " AND (name IS NOT ?2 OR name_en IS NOT ?3)",
    [L_ALIAS_INS] = "INSERT INTO library_aliases (key, alias, code, created)"
                    " VALUES (?1, ?2, ?3, ?4)",
    [L_ALIAS_DEL] = "DELETE FROM library_aliases WHERE key = ?1 AND code = ?2",
    [L_ALIASES_OF] = "SELECT alias FROM library_aliases WHERE code = ?1"
                     " ORDER BY alias",
    [L_LIB_LIST] = "SELECT code FROM libraries ORDER BY code",
    [L_HOLD_DEL] = "DELETE FROM library_holdings WHERE record_id = ?1",
    [L_HOLD_ADD] = "INSERT OR IGNORE INTO library_holdings (name, record_id)"
                   " VALUES (?1, ?2)",
    [L_NAME_GET] = "SELECT code, display FROM library_names WHERE name = ?1",
    [L_NAME_SET] = "INSERT OR REPLACE INTO library_names (name, code,"
                   " display) VALUES (?1, ?2, ?3)",
    [L_NAME_ADD] = "INSERT OR IGNORE INTO library_names (name, code,"
                   " display) VALUES (?1, ?2, ?3)",
    [L_HOLD_NAMES] = "SELECT h.name, count(*) FROM library_holdings h"
                     " JOIN records r ON r.id = h.record_id"
                     " WHERE r.deleted = 0 GROUP BY h.name",
    /* a record without holdings is held by its source (cluster.h) */
    [L_SOURCE_NAMES] = "SELECT r.source, count(*) FROM records r"
                       " WHERE r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM"
                       " library_holdings h WHERE h.record_id = r.id)"
                       " GROUP BY r.source",
    [L_RECS_OF_NAME] = "SELECT h.record_id FROM library_holdings h"
                       " JOIN records r ON r.id = h.record_id"
                       " WHERE h.name = ?1 AND r.deleted = 0"
                       " ORDER BY h.record_id",
    [L_DATA_VERSION] = "PRAGMA data_version",
    [L_RECS_OF_SOURCE] = "SELECT r.id FROM records r WHERE r.source = ?1"
                         " AND r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM"
                         " library_holdings h WHERE h.record_id = r.id)"
                         " ORDER BY r.id",
};

/* Resolutions are cached per connection: a union catalogue's holdings
   repeat a few hundred names, and normalizing one costs tens of
   microseconds. The cache is emptied when another connection commits
   (PRAGMA data_version) and by every register write of this one. */
#define CACHE_SLOTS 4096 /* a power of two; emptied when half full */
struct cached {
    char *name;    /* NULL: a free slot */
    char *code;    /* NULL: unresolved */
    char *display; /* the preferred name, NULL when unresolved */
};

struct lib_state {
    sqlite3 *db; /* borrowed from the catalog: statements belong to it */
    sqlite3_stmt *st[L_N];
    struct cjk *cjk; /* loaded on first use (~20 ms) */
    struct wy_buf norm;
    int have; /* -1 unknown, 0 no register tables, 1 yes */
    int any;  /* -1 unknown, else whether the register has a library */
    struct cached *cache;
    size_t ncached;
    int64_t data_version;
};

static void cache_clear(struct lib_state *ls)
{
    for (size_t i = 0; ls->cache && i < CACHE_SLOTS; i++) {
        free(ls->cache[i].name);
        free(ls->cache[i].code);
        free(ls->cache[i].display);
        memset(&ls->cache[i], 0, sizeof(ls->cache[i]));
    }
    ls->ncached = 0;
    ls->any = -1;
}

void cati_libs_forget(struct lib_state *ls)
{
    if (ls && ls->ncached)
        cache_clear(ls);
    else if (ls)
        ls->any = -1;
}

void cati_libs_free(struct lib_state *ls)
{
    if (!ls)
        return;
    for (int i = 0; i < L_N; i++)
        sqlite3_finalize(ls->st[i]);
    cjk_free(ls->cjk);
    wy_buf_release(&ls->norm);
    cache_clear(ls);
    free(ls->cache);
    free(ls);
}

static struct lib_state *state(struct cat *c, struct wy_err *err)
{
    if (!c->libs) {
        struct lib_state *ls = wy_calloc(1, sizeof(*ls));
        if (!ls) {
            NOMEM();
            return NULL;
        }
        ls->db = c->db;
        ls->have = -1;
        ls->any = -1;
        ls->data_version = -1;
        wy_buf_init(&ls->norm, 1u << 20);
        c->libs = ls;
    }
    return c->libs;
}

/* borrowed: the cached statement, reset and unbound. */
static sqlite3_stmt *lst(struct cat *c, int id, struct wy_err *err)
{
    struct lib_state *ls = state(c, err);
    if (!ls)
        return NULL;
    sqlite3_stmt *s = ls->st[id];
    if (!s) {
        if (sqlite3_prepare_v3(c->db, lsql[id], -1, SQLITE_PREPARE_PERSISTENT,
                               &s, NULL) != SQLITE_OK) {
            cati_db_fail(c, err, "prepare a library statement");
            return NULL;
        }
        ls->st[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

/* Whether the catalog has the register's tables (a reader may open a
   catalog of schema 1 to 3). */
static wy_code have_tables(struct cat *c, int *yes, struct wy_err *err)
{
    struct lib_state *ls = state(c, err);
    if (!ls)
        return err->code;
    if (ls->have < 0) {
        sqlite3_stmt *s = lst(c, L_HAVE, err);
        if (!s)
            return err->code;
        int r = sqlite3_step(s);
        sqlite3_reset(s);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return cati_db_fail(c, err, "look for the library register");
        ls->have = r == SQLITE_ROW;
    }
    *yes = ls->have;
    return WY_OK;
}

static int is_blank(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The name without leading and trailing blanks: start and length. */
static const char *trim(const char *s, size_t *n)
{
    while (is_blank((unsigned char)*s))
        s++;
    size_t k = strlen(s);
    while (k && is_blank((unsigned char)s[k - 1]))
        k--;
    *n = k;
    return s;
}

static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        size_t len = ch < 0x80             ? 1
                     : (ch & 0xE0) == 0xC0 ? 2
                     : (ch & 0xF0) == 0xE0 ? 3
                     : (ch & 0xF8) == 0xF0 ? 4
                                           : 0;
        if (!len || i + len > n || (len == 2 && ch < 0xC2))
            return 0;
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

static int code_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || (ch && strchr("-_.!~*'()", ch));
}

int lib_code_valid(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > LIB_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!code_char((unsigned char)code[i]))
            return 0;
    return 1;
}

static int ends_with(const struct wy_buf *b, const char *suf)
{
    size_t m = strlen(suf);
    return b->len > m && !memcmp(b->p + b->len - m, suf, m);
}

wy_code lib_key(struct cat *c, const char *name, struct wy_buf *out,
                struct wy_err *err)
{
    struct lib_state *ls = state(c, err);
    if (!ls)
        return err->code;
    size_t n;
    const char *s = trim(name ? name : "", &n);
    wy_buf_reset(&ls->norm);
    wy_code rc = ls->cjk ? WY_OK : cjk_new(&ls->cjk, err);
    if (rc == WY_OK)
        rc = cjk_normalize(ls->cjk, s, n, &ls->norm, err);
    if (rc)
        return rc;
    size_t start = out->len;
    const char *p = ls->norm.p ? ls->norm.p : "";
    size_t len = ls->norm.len;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        uint32_t cp = cjk_utf8_next(p, len, &i);
        if (cp < 0x80) {
            if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z'))
                wy_buf_addc(out, (char)cp);
            else if (cp >= 'A' && cp <= 'Z')
                wy_buf_addc(out, (char)(cp + 32));
        } else if (cjk_is_han(cp) || (cp >= 0xC0 && cp < 0x2000)) {
            wy_buf_add(out, p + at, i - at);
        }
    }
    if ((rc = wy_buf_status(out, err)))
        return rc;
    /* "北京师范大学" is the holder its 图书馆 stands for: one key */
    struct wy_buf view = *out;
    view.p += start;
    view.len -= start;
    if (ends_with(&view, "图书馆"))
        wy_buf_truncate(out, out->len - strlen("图书馆"));
    else if (ends_with(&view, "library"))
        wy_buf_truncate(out, out->len - strlen("library"));
    return WY_OK;
}

/* ---- reading ----------------------------------------------------------- */

/* The library whose alias has key: new *code and *name, or both NULL. */
static wy_code find_key(struct cat *c, const char *key, char **code,
                        char **name, struct wy_err *err)
{
    *code = NULL;
    if (name)
        *name = NULL;
    sqlite3_stmt *s = lst(c, L_FIND_KEY, err);
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
    sqlite3_stmt *s = lst(c, L_DATA_VERSION, err);
    if (!s)
        return err->code;
    int r = sqlite3_step(s);
    int64_t v = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    if (r != SQLITE_ROW)
        return cati_db_fail(c, err, "read the database's data version");
    if (v != ls->data_version) {
        cache_clear(ls);
        ls->data_version = v;
    }
    return WY_OK;
}

/* A register write of this connection (whether it commits or not). */
static void forget(struct cat *c)
{
    if (c->libs)
        cache_clear(c->libs);
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
    wy_code rc = have_tables(c, &yes, err);
    if (rc == WY_OK && yes && ls->any < 0) {
        /* an empty register needs no normalizer */
        sqlite3_stmt *st = lst(c, L_ANY, err);
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
            rc = find_key(c, wy_buf_cstr(&key), k, nm, err);
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
    const char *s = trim(name ? name : "", &n);
    if (n == 0)
        return WY_OK;
    struct lib_state *ls = state(c, err);
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
            cache_clear(ls);
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
static wy_code load(struct cat *c, const char *code, struct lib_library *out,
                    int *found, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    *found = 0;
    sqlite3_stmt *s = lst(c, L_LIB_GET, err);
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
    if (!(s = lst(c, L_ALIASES_OF, err)))
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
static wy_code find_library(struct cat *c, const char *code_or_name,
                            char **code, struct wy_err *err)
{
    *code = NULL;
    struct lib_library l;
    int found = 0;
    wy_code rc = load(c, code_or_name, &l, &found, err);
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

static wy_code not_found(const char *what, struct wy_err *err)
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
    wy_code rc = have_tables(c, &yes, err);
    if (rc || !yes)
        return rc ? rc : not_found(code_or_name, err);
    char *code = NULL;
    rc = find_library(c, code_or_name, &code, err);
    if (rc == WY_OK && !code)
        rc = not_found(code_or_name, err);
    int found = 0;
    if (rc == WY_OK)
        rc = load(c, code, out, &found, err);
    if (rc == WY_OK && !found)
        rc = not_found(code_or_name, err);
    free(code);
    return rc;
}

wy_code lib_get_by_code(struct cat *c, const char *code,
                        struct lib_library *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    int yes = 0, found = 0;
    wy_code rc = have_tables(c, &yes, err);
    if (rc == WY_OK && yes)
        rc = load(c, code, out, &found, err);
    if (rc == WY_OK && !found)
        rc = not_found(code, err);
    return rc;
}

wy_code lib_list(struct cat *c, struct lib_library **out, size_t *n,
                 struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    int yes = 0;
    wy_code rc = have_tables(c, &yes, err);
    if (rc || !yes)
        return rc;
    sqlite3_stmt *s = lst(c, L_LIB_LIST, err);
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
        rc = load(c, codes[i], &v[got], &found, err);
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

/* ---- writing ----------------------------------------------------------- */

/* Checks a name given for a library (what names the argument). */
static wy_code check_name(const char *what, const char *s, size_t n,
                          struct wy_err *err)
{
    if (n == 0)
        return wy_err_set(err, WY_EINVAL, "%s is empty", what);
    if (n > LIB_NAME_MAX)
        return wy_err_set(err, WY_EINVAL, "%s is longer than %u bytes", what,
                          (unsigned)LIB_NAME_MAX);
    if (!valid_utf8(s, n))
        return wy_err_set(err, WY_EINVAL, "%s '%.*s' is not UTF-8", what,
                          (int)n, s);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return wy_err_set(err, WY_EINVAL,
                              "%s '%.*s' holds a control character", what,
                              (int)n, s);
    return WY_OK;
}

/* Adds an alias (checked) to code; *added 0 when it was there already. */
static wy_code put_alias(struct cat *c, const char *code, const char *alias,
                         int *added, struct wy_err *err)
{
    *added = 0;
    size_t n;
    const char *s = trim(alias, &n);
    wy_code rc = check_name("alias", s, n, err);
    if (rc)
        return rc;
    char *a = wy_strndup(s, n), *have = NULL, *have_name = NULL;
    if (!a)
        return NOMEM();
    struct wy_buf key = WY_BUF_INIT(1u << 20);
    rc = lib_key(c, a, &key, err);
    if (rc == WY_OK && key.len == 0)
        rc = wy_err_set(err, WY_EINVAL,
                        "alias '%s' has no letter, digit or ideograph to "
                        "match on",
                        a);
    if (rc == WY_OK)
        rc = find_key(c, wy_buf_cstr(&key), &have, &have_name, err);
    if (rc == WY_OK && have && strcmp(have, code))
        rc = wy_err_set(err, WY_EINVAL,
                        "'%s' already stands for library '%s' (%s)", a, have,
                        have_name);
    if (rc == WY_OK && !have) {
        char now[21];
        cat_now(c, now);
        sqlite3_stmt *st = lst(c, L_ALIAS_INS, err);
        if (!st)
            rc = err->code;
        if (rc == WY_OK) {
            cati_bind_text(st, 1, wy_buf_cstr(&key));
            cati_bind_text(st, 2, a);
            cati_bind_text(st, 3, code);
            cati_bind_text(st, 4, now);
            rc = cati_step_done(c, st, "add a library alias", err);
        }
        if (rc == WY_OK)
            *added = 1;
    }
    wy_buf_release(&key);
    free(have);
    free(have_name);
    free(a);
    return rc;
}

/* Inserts (or with update, updates) a library and its names as aliases.
 *created: 1 new, 0 updated or the same. */
static wy_code put_library(struct cat *c, const char *code, const char *name,
                           const char *name_en, int update, int *created,
                           size_t *naliases, struct wy_err *err)
{
    *created = 0;
    if (!lib_code_valid(code))
        return wy_err_set(err, WY_EINVAL,
                          "library code '%s' is not 1 to %d of the "
                          "characters A-Z a-z 0-9 - _ . ! ~ * ' ( )",
                          code ? code : "", LIB_CODE_MAX);
    size_t n, en = 0;
    const char *s = trim(name ? name : "", &n);
    wy_code rc = check_name("library name", s, n, err);
    const char *e = name_en ? trim(name_en, &en) : NULL;
    if (rc == WY_OK && en)
        rc = check_name("English name", e, en, err);
    if (rc)
        return rc;
    char *nm = wy_strndup(s, n), *ne = en ? wy_strndup(e, en) : NULL;
    if (!nm || (en && !ne)) {
        free(nm);
        free(ne);
        return NOMEM();
    }
    struct lib_library l;
    int found = 0;
    rc = load(c, code, &l, &found, err);
    lib_library_release(&l);
    if (rc == WY_OK && found && !update)
        rc = wy_err_set(err, WY_EINVAL,
                        "library '%s' is already registered (add aliases "
                        "with 'wenyuan library alias')",
                        code);
    char now[21];
    cat_now(c, now);
    sqlite3_stmt *st = NULL;
    if (rc == WY_OK && !(st = lst(c, found ? L_LIB_UPD : L_LIB_INS, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(st, 1, code);
        cati_bind_text(st, 2, nm);
        cati_bind_text(st, 3, ne);
        cati_bind_text(st, 4, now);
        rc = cati_step_done(c, st, "store a library", err);
        *created = !found;
    }
    const char *names[] = {code, nm, ne};
    for (int i = 0; rc == WY_OK && i < 3; i++) {
        int added = 0;
        if (names[i])
            rc = put_alias(c, code, names[i], &added, err);
        if (naliases)
            *naliases += (size_t)added;
    }
    free(nm);
    free(ne);
    return rc;
}

wy_code lib_add(struct cat *c, const char *code, const char *name,
                const char *name_en, struct wy_err *err)
{
    int created;
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    forget(c);
    rc = put_library(c, code, name, name_en, 0, &created, NULL, err);
    rc = cati_w_end(c, rc, err);
    forget(c);
    return rc;
}

wy_code lib_alias(struct cat *c, const char *code, const char *alias,
                  int *added, struct wy_err *err)
{
    int dummy;
    if (!added)
        added = &dummy;
    *added = 0;
    char *k = NULL;
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    rc = find_library(c, code, &k, err);
    if (rc == WY_OK && !k)
        rc = not_found(code, err);
    forget(c);
    if (rc == WY_OK)
        rc = put_alias(c, k, alias, added, err);
    free(k);
    rc = cati_w_end(c, rc, err);
    forget(c);
    return rc;
}

wy_code lib_unalias(struct cat *c, const char *code, const char *alias,
                    struct wy_err *err)
{
    char *k = NULL, *have = NULL;
    struct wy_buf key = WY_BUF_INIT(1u << 20), ckey = WY_BUF_INIT(1u << 20);
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    rc = find_library(c, code, &k, err);
    if (rc == WY_OK && !k)
        rc = not_found(code, err);
    if (rc == WY_OK)
        rc = lib_key(c, alias, &key, err);
    if (rc == WY_OK)
        rc = lib_key(c, k, &ckey, err);
    if (rc == WY_OK && key.len)
        rc = find_key(c, wy_buf_cstr(&key), &have, NULL, err);
    if (rc == WY_OK && (!have || strcmp(have, k)))
        rc = wy_err_set(err, WY_ENOTFOUND,
                        "'%s' is not an alias of library '%s'", alias, k);
    else if (rc == WY_OK && !strcmp(wy_buf_cstr(&key), wy_buf_cstr(&ckey)))
        rc = wy_err_set(err, WY_EINVAL,
                        "'%s' is the code of library '%s': it stays its alias",
                        alias, k);
    sqlite3_stmt *s = NULL;
    if (rc == WY_OK && !(s = lst(c, L_ALIAS_DEL, err)))
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, wy_buf_cstr(&key));
        cati_bind_text(s, 2, k);
        rc = cati_step_done(c, s, "remove a library alias", err);
    }
    wy_buf_release(&key);
    wy_buf_release(&ckey);
    free(have);
    free(k);
    rc = cati_w_end(c, rc, err);
    forget(c);
    return rc;
}

/* ---- holdings of records ------------------------------------------------ */

/* Records the resolution of a name the first time it is seen. */
static wy_code note_name(struct cat *c, const char *name, struct wy_err *err)
{
    char *code = NULL, *disp = NULL;
    sqlite3_stmt *s = lst(c, L_NAME_GET, err);
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
    if (rc == WY_OK && disp && !(s = lst(c, L_NAME_ADD, err)))
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
    wy_code rc = have_tables(c, &yes, err);
    if (rc || !yes)
        return rc;
    if ((rc = cati_w_begin(c, err)))
        return rc;
    sqlite3_stmt *s = lst(c, L_HOLD_DEL, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, id);
        rc = cati_step_done(c, s, "drop a record's holding names", err);
    }
    for (size_t i = 0; rc == WY_OK && i < nnames; i++) {
        if (!(s = lst(c, L_HOLD_ADD, err))) {
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
    sqlite3_stmt *s = lst(c, id, err);
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
    wy_code rc = have_tables(c, &yes, err);
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
    if (rc == WY_OK && !(s = lst(c, L_NAME_GET, err)))
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
        if ((*changed || r != SQLITE_ROW) && !(s = lst(c, L_NAME_SET, err)))
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
    wy_code rc = have_tables(c, &yes, err);
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
        lst(c, is_source ? L_RECS_OF_SOURCE : L_RECS_OF_NAME, err);
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

/* ---- register files ---------------------------------------------------- */

/* Splits line at tabs into at most 4 columns (NUL-terminating them). */
static size_t split_tabs(char *line, char *col[4])
{
    size_t n = 0;
    col[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            if (n == 4)
                return 5; /* too many */
            col[n++] = p + 1;
        }
    return n;
}

static wy_code import_line(struct cat *c, char *line, size_t *nlibs,
                           size_t *naliases, struct wy_err *err)
{
    char *col[4] = {NULL, NULL, NULL, NULL};
    size_t ncol = split_tabs(line, col);
    if (ncol > 4)
        return wy_err_set(err, WY_EFORMAT,
                          "more than 4 tab-separated columns (code, name, "
                          "English name, aliases)");
    if (ncol < 2)
        return wy_err_set(err, WY_EFORMAT,
                          "no name: a line is code<TAB>name[<TAB>English "
                          "name[<TAB>alias|alias...]]");
    size_t n;
    const char *code = trim(col[0], &n);
    col[0][code - col[0] + (ptrdiff_t)n] = '\0';
    int created = 0;
    wy_code rc = put_library(c, code, col[1], ncol > 2 ? col[2] : NULL, 1,
                             &created, naliases, err);
    if (rc == WY_OK)
        (*nlibs)++;
    if (rc == WY_OK && ncol > 3) {
        char *p = col[3];
        for (;;) {
            char *bar = strchr(p, '|');
            if (bar)
                *bar = '\0';
            size_t an;
            trim(p, &an);
            if (an) {
                int added = 0;
                rc = put_alias(c, code, p, &added, err);
                *naliases += (size_t)added;
                if (rc)
                    break;
            }
            if (!bar)
                break;
            p = bar + 1;
        }
    }
    if (rc && rc != WY_ENOMEM && rc != WY_EDB)
        rc = err->code = WY_EFORMAT; /* a bad line of the file */
    return rc;
}

wy_code lib_import_tsv_mem(struct cat *c, const char *name, const void *data,
                           size_t size, size_t *nlibs, size_t *naliases,
                           struct wy_err *err)
{
    size_t dl = 0, da = 0;
    if (!nlibs)
        nlibs = &dl;
    if (!naliases)
        naliases = &da;
    *nlibs = *naliases = 0;
    /* a copy: lines are cut in place */
    char *p = wy_malloc(size + 1);
    if (!p)
        return NOMEM();
    if (size)
        memcpy(p, data, size);
    p[size] = '\0';
    char *text = p;
    size_t len = size;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* a BOM */
        text += 3;
        len -= 3;
    }
    wy_code rc = WY_OK;
    if (memchr(text, '\0', len))
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s: holds a NUL byte: not a text file", name);
    if (rc == WY_OK)
        rc = cati_w_begin(c, err);
    if (rc) {
        free(p);
        return rc;
    }
    forget(c);
    size_t lineno = 0;
    for (char *line = text; rc == WY_OK && line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        char *end = nl ? nl : text + len;
        lineno++;
        if (end > line && end[-1] == '\r')
            end[-1] = '\0';
        *end = '\0';
        size_t n;
        const char *t = trim(line, &n);
        if (n && *t != '#') {
            if (!valid_utf8(line, strlen(line)))
                rc = wy_err_set(err, WY_EFORMAT, "not UTF-8");
            else
                rc = import_line(c, line, nlibs, naliases, err);
            if (rc)
                wy_err_prefix(err, "%s: line %zu", name, lineno);
        }
        line = end + 1;
    }
    rc = cati_w_end(c, rc, err);
    forget(c);
    if (rc)
        *nlibs = *naliases = 0;
    free(p);
    return rc;
}

wy_code lib_import_tsv(struct cat *c, const char *path, size_t *nlibs,
                       size_t *naliases, struct wy_err *err)
{
    struct wy_buf file = WY_BUF_INIT(64u << 20);
    wy_code rc = wy_file_read(path, &file, err);
    if (rc == WY_OK)
        rc = lib_import_tsv_mem(c, path, file.p ? file.p : "", file.len, nlibs,
                                naliases, err);
    else if (nlibs || naliases) {
        if (nlibs)
            *nlibs = 0;
        if (naliases)
            *naliases = 0;
    }
    wy_buf_release(&file);
    return rc;
}

static void add_field(struct wy_buf *out, const char *s)
{
    for (; s && *s; s++)
        wy_buf_addc(out, *s == '\t' || *s == '\n' || *s == '|' ? ' ' : *s);
}

wy_code lib_export_tsv(struct cat *c, struct wy_buf *out, struct wy_err *err)
{
    struct lib_library *v = NULL;
    size_t n = 0;
    wy_code rc = lib_list(c, &v, &n, err);
    if (rc)
        return rc;
    wy_buf_adds(out, "# Wenyuan library register: code, name, English name, "
                     "aliases ('|')\n");
    for (size_t i = 0; i < n; i++) {
        add_field(out, v[i].code);
        wy_buf_addc(out, '\t');
        add_field(out, v[i].name);
        wy_buf_addc(out, '\t');
        add_field(out, v[i].name_en);
        int first = 1;
        for (size_t k = 0; k < v[i].naliases; k++) {
            const char *a = v[i].aliases[k];
            if (!strcmp(a, v[i].code) || !strcmp(a, v[i].name) ||
                (v[i].name_en && !strcmp(a, v[i].name_en)))
                continue;
            wy_buf_adds(out, first ? "\t" : "|");
            add_field(out, a);
            first = 0;
        }
        wy_buf_addc(out, '\n');
    }
    lib_libraries_free(v, n);
    return wy_buf_status(out, err);
}
