/* repository/libraries.c: the register of member libraries (see
   libraries.h). A piece of the catalog: its tables are in the catalog's
   schema (migration 3 -> 4) and it works on the catalog's connection.
   This file: the statements, the per-connection state and resolution
   cache, and writing the register (libraries and aliases). */
#include "repository/libraries_int.h"

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

void libi_cache_clear(struct lib_state *ls)
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
        libi_cache_clear(ls);
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
    libi_cache_clear(ls);
    free(ls->cache);
    free(ls);
}

struct lib_state *libi_state(struct cat *c, struct wy_err *err)
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
sqlite3_stmt *libi_lst(struct cat *c, int id, struct wy_err *err)
{
    struct lib_state *ls = libi_state(c, err);
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
wy_code libi_have_tables(struct cat *c, int *yes, struct wy_err *err)
{
    struct lib_state *ls = libi_state(c, err);
    if (!ls)
        return err->code;
    if (ls->have < 0) {
        sqlite3_stmt *s = libi_lst(c, L_HAVE, err);
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

/* Checks a name given for a library (what names the argument). */
static wy_code check_name(const char *what, const char *s, size_t n,
                          struct wy_err *err)
{
    if (n == 0)
        return wy_err_set(err, WY_EINVAL, "%s is empty", what);
    if (n > LIB_NAME_MAX)
        return wy_err_set(err, WY_EINVAL, "%s is longer than %u bytes", what,
                          (unsigned)LIB_NAME_MAX);
    if (!libi_valid_utf8(s, n))
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
wy_code libi_put_alias(struct cat *c, const char *code, const char *alias,
                       int *added, struct wy_err *err)
{
    *added = 0;
    size_t n;
    const char *s = libi_trim(alias, &n);
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
        rc = libi_find_key(c, wy_buf_cstr(&key), &have, &have_name, err);
    if (rc == WY_OK && have && strcmp(have, code))
        rc = wy_err_set(err, WY_EINVAL,
                        "'%s' already stands for library '%s' (%s)", a, have,
                        have_name);
    if (rc == WY_OK && !have) {
        char now[21];
        cat_now(c, now);
        sqlite3_stmt *st = libi_lst(c, L_ALIAS_INS, err);
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
wy_code libi_put_library(struct cat *c, const char *code, const char *name,
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
    const char *s = libi_trim(name ? name : "", &n);
    wy_code rc = check_name("library name", s, n, err);
    const char *e = name_en ? libi_trim(name_en, &en) : NULL;
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
    rc = libi_load(c, code, &l, &found, err);
    lib_library_release(&l);
    if (rc == WY_OK && found && !update)
        rc = wy_err_set(err, WY_EINVAL,
                        "library '%s' is already registered (add aliases "
                        "with 'wenyuan library alias')",
                        code);
    char now[21];
    cat_now(c, now);
    sqlite3_stmt *st = NULL;
    if (rc == WY_OK && !(st = libi_lst(c, found ? L_LIB_UPD : L_LIB_INS, err)))
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
            rc = libi_put_alias(c, code, names[i], &added, err);
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
    libi_forget(c);
    rc = libi_put_library(c, code, name, name_en, 0, &created, NULL, err);
    rc = cati_w_end(c, rc, err);
    libi_forget(c);
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
    rc = libi_find_library(c, code, &k, err);
    if (rc == WY_OK && !k)
        rc = libi_not_found(code, err);
    libi_forget(c);
    if (rc == WY_OK)
        rc = libi_put_alias(c, k, alias, added, err);
    free(k);
    rc = cati_w_end(c, rc, err);
    libi_forget(c);
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
    rc = libi_find_library(c, code, &k, err);
    if (rc == WY_OK && !k)
        rc = libi_not_found(code, err);
    if (rc == WY_OK)
        rc = lib_key(c, alias, &key, err);
    if (rc == WY_OK)
        rc = lib_key(c, k, &ckey, err);
    if (rc == WY_OK && key.len)
        rc = libi_find_key(c, wy_buf_cstr(&key), &have, NULL, err);
    if (rc == WY_OK && (!have || strcmp(have, k)))
        rc = wy_err_set(err, WY_ENOTFOUND,
                        "'%s' is not an alias of library '%s'", alias, k);
    else if (rc == WY_OK && !strcmp(wy_buf_cstr(&key), wy_buf_cstr(&ckey)))
        rc = wy_err_set(err, WY_EINVAL,
                        "'%s' is the code of library '%s': it stays its alias",
                        alias, k);
    sqlite3_stmt *s = NULL;
    if (rc == WY_OK && !(s = libi_lst(c, L_ALIAS_DEL, err)))
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
    libi_forget(c);
    return rc;
}
