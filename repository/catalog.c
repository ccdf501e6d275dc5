/* repository/catalog.c: the SQLite catalog (schema in docs/REPOSITORY.md):
   opening, schema and migrations, the statement cache, write scopes,
   transactions, time and meta. The rest lives in cat_*.c; what they share
   is in catalog_int.h. */
#include "repository/catalog_int.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* ---- schema and migrations ------------------------------------------- */

/* migrations[v] takes a catalog from user_version v to v + 1. Never edit a
   migration that has shipped: append a new one. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE collections("
    " code TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT,"
    " created TEXT NOT NULL);"
    "CREATE TABLE sources("
    " name TEXT PRIMARY KEY, url TEXT NOT NULL,"
    " prefix TEXT NOT NULL DEFAULT 'oai_dc', sets TEXT, granularity TEXT,"
    " collection TEXT REFERENCES collections(code),"
    " last_response_date TEXT, token TEXT,"
    " cursor INTEGER NOT NULL DEFAULT 0, pages INTEGER NOT NULL DEFAULT 0,"
    " harvest_from TEXT, harvest_until TEXT, last_error TEXT,"
    " last_harvest TEXT, last_added INTEGER NOT NULL DEFAULT 0,"
    " last_updated INTEGER NOT NULL DEFAULT 0,"
    " last_deleted INTEGER NOT NULL DEFAULT 0,"
    " last_bad INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);"
    "CREATE TABLE records("
    " id INTEGER PRIMARY KEY, source TEXT NOT NULL, local_id TEXT NOT NULL,"
    " oai_id TEXT, datestamp TEXT NOT NULL, src_datestamp TEXT,"
    " deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
    " collection TEXT REFERENCES collections(code),"
    " orig_format TEXT, orig BLOB, model TEXT, desc TEXT,"
    " hash TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL,"
    " UNIQUE (source, local_id));"
    "CREATE INDEX records_oai ON records(oai_id);"
    "CREATE INDEX records_datestamp ON records(datestamp, id);"
    "CREATE INDEX records_collection ON records(collection, datestamp, id);"
    "CREATE TABLE record_sets("
    " record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,"
    " spec TEXT NOT NULL, PRIMARY KEY (record_id, spec)) WITHOUT ROWID;"
    "CREATE INDEX record_sets_spec ON record_sets(spec, record_id);"
    "CREATE TABLE changes("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,"
    " op TEXT NOT NULL CHECK (op IN ('put', 'delete')),"
    " time TEXT NOT NULL);"
    "CREATE INDEX changes_record ON changes(record_id);"
    "CREATE TABLE harvests("
    " id INTEGER PRIMARY KEY, source TEXT NOT NULL, ended TEXT NOT NULL,"
    " status TEXT NOT NULL, response_date TEXT,"
    " added INTEGER, updated INTEGER, unchanged INTEGER, deleted INTEGER,"
    " bad INTEGER, pages INTEGER, error TEXT);"
    "CREATE TABLE objects("
    " ocfl_id TEXT PRIMARY KEY,"
    " record_id INTEGER REFERENCES records(id) ON DELETE SET NULL,"
    " head TEXT NOT NULL, files INTEGER NOT NULL DEFAULT 0,"
    " bytes INTEGER NOT NULL DEFAULT 0, last_audit TEXT, audit_status TEXT,"
    " created TEXT NOT NULL, updated TEXT NOT NULL);"
    "CREATE INDEX objects_record ON objects(record_id);"
    "CREATE TABLE object_files("
    " ocfl_id TEXT NOT NULL REFERENCES objects(ocfl_id) ON DELETE CASCADE,"
    " path TEXT NOT NULL, size INTEGER NOT NULL, sha512 TEXT NOT NULL,"
    " md5 TEXT, mime TEXT, format_check TEXT,"
    " PRIMARY KEY (ocfl_id, path)) WITHOUT ROWID;"
    "CREATE TABLE ingest_batches("
    " id INTEGER PRIMARY KEY, key TEXT NOT NULL, started TEXT NOT NULL,"
    " ended TEXT, status TEXT NOT NULL DEFAULT 'running');"
    "CREATE INDEX ingest_batches_key ON ingest_batches(key, id);"
    "CREATE TABLE ingest_items("
    " batch_id INTEGER NOT NULL REFERENCES ingest_batches(id)"
    "  ON DELETE CASCADE,"
    " item TEXT NOT NULL, state INTEGER NOT NULL, ocfl_id TEXT, message TEXT,"
    " time TEXT NOT NULL, PRIMARY KEY (batch_id, item)) WITHOUT ROWID;"
    "CREATE TABLE audits("
    " id INTEGER PRIMARY KEY, scope TEXT, started TEXT NOT NULL, ended TEXT,"
    " status TEXT NOT NULL DEFAULT 'running', objects INTEGER, failed INTEGER);"
    "CREATE TABLE audit_results("
    " audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,"
    " ocfl_id TEXT NOT NULL, status TEXT NOT NULL, detail TEXT,"
    " time TEXT NOT NULL, PRIMARY KEY (audit_id, ocfl_id)) WITHOUT ROWID;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);",
    /* 1 -> 2: the listing index covers what an OAI header needs, so a
       page of headers is read from the index alone, never from the rows
       (whose metadata blobs put hash and the times on overflow pages) */
    "DROP INDEX records_datestamp;"
    "CREATE INDEX records_list ON records(datestamp, id, deleted, collection,"
    " hash);",
    /* 2 -> 3: ingest intents, written before an OCFL version is committed
       and deleted with the catalog rows that record it (cat_journal.c) */
    "CREATE TABLE ingest_intents("
    " ocfl_id TEXT PRIMARY KEY, version TEXT NOT NULL,"
    " payload TEXT NOT NULL, orig BLOB, created TEXT NOT NULL);",
    /* 3 -> 4: the register of member libraries (repository/libraries.h):
       libraries by code, their aliases by normalized key, the holding
       institutions of each record as written, and the resolution last
       applied to each such name (to find what an alias changes) */
    "CREATE TABLE libraries("
    " code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT,"
    " created TEXT NOT NULL, updated TEXT NOT NULL);"
    "CREATE TABLE library_aliases("
    " key TEXT PRIMARY KEY, alias TEXT NOT NULL,"
    " code TEXT NOT NULL REFERENCES libraries(code) ON DELETE CASCADE,"
    " created TEXT NOT NULL);"
    "CREATE INDEX library_aliases_code ON library_aliases(code, alias);"
    "CREATE TABLE library_holdings("
    " name TEXT NOT NULL,"
    " record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,"
    " PRIMARY KEY (name, record_id)) WITHOUT ROWID;"
    "CREATE INDEX library_holdings_record ON library_holdings(record_id);"
    "CREATE TABLE library_names("
    " name TEXT PRIMARY KEY, code TEXT, display TEXT NOT NULL);",
};

/* A reader (CAT_READONLY, which cannot migrate) opens catalogs from this
   version on: version 2 only added an index, so the queries are the same. */
#define CAT_SCHEMA_READ_MIN 1

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == CAT_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- the prepared statement cache ------------------------------------ */

#define SRC_COLS                                                               \
    "name, url, prefix, sets, granularity, collection, last_response_date, "   \
    "token, cursor, pages, harvest_from, harvest_until, last_error, "          \
    "last_harvest, last_added, last_updated, last_deleted, last_bad, created"
#define OBJ_COLS                                                               \
    "ocfl_id, record_id, head, files, bytes, last_audit, audit_status, "       \
    "created, updated"

const char *const cati_stmt_sql[S_NSTMT] = {
    [S_FIND_LOCAL] = "SELECT id, hash, deleted, collection FROM records "
                     "WHERE source = ?1 AND local_id = ?2",
    [S_COLL_EXISTS] = "SELECT 1 FROM collections WHERE code = ?1",
    [S_REC_INSERT] =
        "INSERT INTO records (source, local_id, oai_id, datestamp, "
        "src_datestamp, deleted, collection, orig_format, orig, model, desc, "
        "hash, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, "
        "?9, ?10, ?11, ?4, ?4)",
    [S_REC_UPDATE] =
        "UPDATE records SET oai_id = coalesce(?2, oai_id), datestamp = ?3, "
        "src_datestamp = coalesce(?4, src_datestamp), deleted = 0, "
        "collection = ?5, orig_format = ?6, orig = ?7, model = ?8, "
        "desc = ?9, hash = ?10, updated = ?3 WHERE id = ?1",
    [S_SETS_DELETE] = "DELETE FROM record_sets WHERE record_id = ?1",
    [S_SETS_INSERT] =
        "INSERT OR IGNORE INTO record_sets (record_id, spec) VALUES (?1, ?2)",
    [S_CHANGE_INSERT] =
        "INSERT INTO changes (record_id, op, time) VALUES (?1, ?2, ?3)",
    [S_TOMB_UPDATE] =
        "UPDATE records SET oai_id = coalesce(?2, oai_id), datestamp = ?3, "
        "src_datestamp = coalesce(?4, src_datestamp), deleted = 1, "
        "orig_format = NULL, orig = NULL, model = NULL, desc = NULL, "
        "hash = ?5, updated = ?3 WHERE id = ?1",
    [S_TOMB_INSERT] =
        "INSERT INTO records (source, local_id, oai_id, datestamp, "
        "src_datestamp, deleted, hash, created, updated) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?4, ?4)",
    [S_GET_ID_HDR] = "SELECT " REC_HDR " FROM records WHERE id = ?1",
    [S_GET_ID_ALL] = "SELECT " REC_ALL " FROM records WHERE id = ?1",
    [S_GET_LOCAL_HDR] = "SELECT " REC_HDR " FROM records "
                        "WHERE source = ?1 AND local_id = ?2",
    [S_GET_LOCAL_ALL] = "SELECT " REC_ALL " FROM records "
                        "WHERE source = ?1 AND local_id = ?2",
    [S_GET_OAI_HDR] = "SELECT " REC_HDR " FROM records WHERE oai_id = ?1 "
                      "ORDER BY deleted, id LIMIT 1",
    [S_GET_OAI_ALL] = "SELECT " REC_ALL " FROM records WHERE oai_id = ?1 "
                      "ORDER BY deleted, id LIMIT 1",
    [S_SETS_GET] =
        "SELECT spec FROM record_sets WHERE record_id = ?1 ORDER BY spec",
    [S_CHANGES] = "SELECT seq, record_id, op, time FROM changes "
                  "WHERE seq > ?1 ORDER BY seq",
    [S_CHANGES_LIMIT] = "SELECT seq, record_id, op, time FROM changes "
                        "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [S_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM changes",
    [S_EARLIEST] = "SELECT min(datestamp) FROM records",
    [S_COLL_PUT] = "INSERT INTO collections (code, name, description, created) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO UPDATE SET "
                   "name = excluded.name, description = excluded.description",
    [S_COLL_GET] = "SELECT code, name, description, (SELECT count(*) FROM "
                   "records r WHERE r.collection = c.code AND r.deleted = 0) "
                   "FROM collections c WHERE code = ?1",
    [S_COLL_LIST] = "SELECT code, name, description, (SELECT count(*) FROM "
                    "records r WHERE r.collection = c.code AND r.deleted = 0) "
                    "FROM collections c ORDER BY code",
    [S_COLL_USED] = "SELECT (SELECT count(*) FROM records WHERE collection = "
                    "?1) + (SELECT count(*) FROM sources WHERE collection = "
                    "?1)",
    [S_COLL_DELETE] = "DELETE FROM collections WHERE code = ?1",
    [S_SRC_PUT] =
        "INSERT INTO sources (name, url, prefix, sets, granularity, "
        "collection, created) VALUES (?1, ?2, coalesce(?3, 'oai_dc'), ?4, ?5, "
        "?6, ?7) ON CONFLICT (name) DO UPDATE SET url = excluded.url, "
        "prefix = excluded.prefix, sets = excluded.sets, "
        "granularity = excluded.granularity, collection = excluded.collection",
    [S_SRC_GET] = "SELECT " SRC_COLS " FROM sources WHERE name = ?1",
    [S_SRC_LIST] = "SELECT " SRC_COLS " FROM sources ORDER BY name",
    [S_SRC_DELETE] = "DELETE FROM sources WHERE name = ?1",
    [S_SRC_CHECKPOINT] =
        "UPDATE sources SET token = ?2, cursor = ?3, pages = ?4, "
        "harvest_from = ?5, harvest_until = ?6 WHERE name = ?1",
    [S_SRC_FINISH] =
        "UPDATE sources SET last_response_date = ?2, token = NULL, "
        "cursor = 0, pages = 0, harvest_from = NULL, harvest_until = NULL, "
        "last_error = NULL, last_harvest = ?3, last_added = ?4, "
        "last_updated = ?5, last_deleted = ?6, last_bad = ?7 WHERE name = ?1",
    [S_SRC_FAIL] = "UPDATE sources SET last_error = ?2, last_harvest = ?3, "
                   "last_added = ?4, last_updated = ?5, last_deleted = ?6, "
                   "last_bad = ?7 WHERE name = ?1",
    [S_HARVEST_LOG] =
        "INSERT INTO harvests (source, ended, status, response_date, added, "
        "updated, unchanged, deleted, bad, pages, error) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_REC_EXISTS] = "SELECT 1 FROM records WHERE id = ?1",
    [S_OBJ_PUT] =
        "INSERT INTO objects (ocfl_id, record_id, head, files, bytes, "
        "created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
        "ON CONFLICT (ocfl_id) DO UPDATE SET record_id = excluded.record_id, "
        "head = excluded.head, files = excluded.files, "
        "bytes = excluded.bytes, updated = excluded.updated",
    [S_OBJ_GET] = "SELECT " OBJ_COLS " FROM objects WHERE ocfl_id = ?1",
    [S_OBJ_GET_REC] = "SELECT " OBJ_COLS " FROM objects WHERE record_id = ?1 "
                      "ORDER BY ocfl_id LIMIT 1",
    [S_OBJ_LIST] = "SELECT " OBJ_COLS " FROM objects ORDER BY ocfl_id",
    [S_OBJ_EXISTS] = "SELECT 1 FROM objects WHERE ocfl_id = ?1",
    [S_FILES_DELETE] = "DELETE FROM object_files WHERE ocfl_id = ?1",
    [S_FILES_INSERT] =
        "INSERT OR REPLACE INTO object_files (ocfl_id, path, size, sha512, "
        "md5, mime, format_check) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_FILES_GET] = "SELECT path, size, sha512, md5, mime, format_check "
                    "FROM object_files WHERE ocfl_id = ?1 ORDER BY path",
    [S_AUDIT_BEGIN] = "INSERT INTO audits (scope, started) VALUES (?1, ?2)",
    [S_AUDIT_RESULT] =
        "INSERT OR REPLACE INTO audit_results (audit_id, ocfl_id, status, "
        "detail, time) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_AUDIT_MARK] = "UPDATE objects SET last_audit = ?2, audit_status = ?3 "
                     "WHERE ocfl_id = ?1",
    [S_AUDIT_DONE] =
        "SELECT 1 FROM audit_results WHERE audit_id = ?1 AND ocfl_id = ?2",
    [S_AUDIT_END] = "UPDATE audits SET ended = ?2, status = ?3, objects = ?4, "
                    "failed = ?5 WHERE id = ?1",
    [S_AUDIT_UNFINISHED] =
        "SELECT id FROM audits WHERE status IN ('running', 'interrupted') "
        "AND scope IS ?1 ORDER BY id DESC LIMIT 1",
    [S_BATCH_FIND] =
        "SELECT id FROM ingest_batches WHERE key = ?1 AND status IN "
        "('running', 'interrupted', 'failed') AND id = (SELECT max(id) FROM "
        "ingest_batches WHERE key = ?1)",
    [S_BATCH_INSERT] =
        "INSERT INTO ingest_batches (key, started) VALUES (?1, ?2)",
    [S_ITEM_PUT] =
        "INSERT OR REPLACE INTO ingest_items (batch_id, item, state, ocfl_id, "
        "message, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_ITEM_GET] =
        "SELECT state FROM ingest_items WHERE batch_id = ?1 AND item = ?2",
    [S_BATCH_END] =
        "UPDATE ingest_batches SET ended = ?2, status = ?3 WHERE id = ?1",
    [S_INTENT_PUT] =
        "INSERT OR REPLACE INTO ingest_intents (ocfl_id, version, payload, "
        "orig, created) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_INTENT_DELETE] = "DELETE FROM ingest_intents WHERE ocfl_id = ?1",
    [S_INTENT_LIST] = "SELECT ocfl_id, version, payload, orig, created FROM "
                      "ingest_intents ORDER BY ocfl_id",
    [S_INTENT_GET] = "SELECT ocfl_id, version, payload, orig, created FROM "
                     "ingest_intents WHERE ocfl_id = ?1",
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [S_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
};

wy_code cati_db_fail(struct cat *c, struct wy_err *err, const char *what)
{
    return wy_err_set(err, WY_EDB, "catalog '%s': cannot %s: %s", c->path, what,
                      sqlite3_errmsg(c->db));
}

/* borrowed: the cached statement, reset and with bindings cleared. */
sqlite3_stmt *cati_st(struct cat *c, enum stmt id, struct wy_err *err)
{
    sqlite3_stmt *s = c->stmt[id];
    if (!s) {
        if (sqlite3_prepare_v3(c->db, cati_stmt_sql[id], -1,
                               SQLITE_PREPARE_PERSISTENT, &s,
                               NULL) != SQLITE_OK) {
            cati_db_fail(c, err, "prepare a statement");
            return NULL;
        }
        c->stmt[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

int cati_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
             : sqlite3_bind_null(s, i);
}

/* Steps a statement that returns no rows (or whose rows are ignored). */
wy_code cati_step_done(struct cat *c, sqlite3_stmt *s, const char *what,
                       struct wy_err *err)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cati_db_fail(c, err, what);
    return WY_OK;
}

static wy_code exec(struct cat *c, const char *sql, const char *what,
                    struct wy_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        wy_code rc =
            wy_err_set(err, WY_EDB, "catalog '%s': cannot %s: %s", c->path,
                       what, msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return rc;
    }
    return WY_OK;
}

char *cati_col_dup(sqlite3_stmt *s, int i, int *ok)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    if (!v)
        return NULL;
    char *d = wy_strndup((const char *)v, (size_t)sqlite3_column_bytes(s, i));
    if (!d)
        *ok = 0;
    return d;
}

/* ---- write scopes ----------------------------------------------------- */

/* Every write function runs in a write scope: inside an explicit
   transaction a savepoint (so a failure undoes only itself), otherwise its
   own BEGIN IMMEDIATE transaction (which waits for the write lock instead of
   failing on a read-to-write upgrade). */
wy_code cati_w_begin(struct cat *c, struct wy_err *err)
{
    int sp = c->in_txn || c->wdepth > 0;
    wy_code rc =
        exec(c, sp ? "SAVEPOINT w" : "BEGIN IMMEDIATE", "start a write", err);
    if (rc == WY_OK)
        c->wdepth++;
    return rc;
}

wy_code cati_w_end(struct cat *c, wy_code rc, struct wy_err *err)
{
    c->wdepth--;
    int sp = c->in_txn || c->wdepth > 0;
    if (rc == WY_OK) {
        rc = exec(c, sp ? "RELEASE w" : "COMMIT", "commit a write", err);
        if (rc == WY_OK)
            return WY_OK;
    }
    if (sp) {
        sqlite3_exec(c->db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL);
    } else if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    cati_libs_forget(c->libs);
    return rc;
}

sqlite3_stmt *cati_w_stmt(struct cat *c, enum stmt id, struct wy_err *err)
{
    if (cati_w_begin(c, err) != WY_OK)
        return NULL;
    sqlite3_stmt *s = cati_st(c, id, err);
    if (!s)
        (void)cati_w_end(c, err->code, err);
    return s;
}

wy_code cati_w_step(struct cat *c, sqlite3_stmt *s, const char *what,
                    struct wy_err *err)
{
    return cati_w_end(c, cati_step_done(c, s, what, err), err);
}

/* ---- time ------------------------------------------------------------- */

void cat_now(const struct cat *c, char out[21])
{
    if (c->now) {
        memcpy(out, c->now, 20);
        out[20] = '\0';
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        WY_BUG("strftime of a UTC time");
}

int cati_is_utc_stamp(const char *s)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
    if (!s || strlen(s) != 20)
        return 0;
    for (size_t i = 0; i < 20; i++) {
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return 0;
    }
    return 1;
}

wy_code cat_set_now(struct cat *c, const char *now, struct wy_err *err)
{
    if (now && !cati_is_utc_stamp(now))
        return wy_err_set(err, WY_EINVAL,
                          "time '%s' is not 'YYYY-MM-DDThh:mm:ssZ'", now);
    char *d = NULL;
    if (now && !(d = wy_strdup(now)))
        return NOMEM();
    free(c->now);
    c->now = d;
    return WY_OK;
}

/* ---- opening ---------------------------------------------------------- */

static wy_code migrate(struct cat *c, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (v < 0)
        return cati_db_fail(c, err, "read the schema version");
    if (v > CAT_SCHEMA_VERSION)
        return wy_err_set(err, WY_ESTATE,
                          "catalog '%s' has schema version %d; this wenyuan "
                          "knows up to %d: upgrade wenyuan",
                          c->path, v, CAT_SCHEMA_VERSION);
    if (v == CAT_SCHEMA_VERSION)
        return WY_OK;
    wy_code rc = exec(c, "BEGIN IMMEDIATE", "start the schema migration", err);
    if (rc)
        return rc;
    /* another process may have migrated while we waited for the lock */
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    for (; rc == WY_OK && v < CAT_SCHEMA_VERSION; v++) {
        rc = exec(c, migrations[v], "migrate the schema", err);
        if (rc == WY_OK) {
            char pragma[64];
            snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
            rc = exec(c, pragma, "set the schema version", err);
        }
        if (rc)
            wy_err_prefix(err, "migration to version %d", v + 1);
    }
    if (rc == WY_OK)
        rc = exec(c, "COMMIT", "commit the schema migration", err);
    if (rc)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

wy_code cat_open(struct cat **out, const char *path, int flags,
                 struct wy_err *err)
{
    *out = NULL;
    if (!(flags & CAT_CREATE) && access(path, F_OK) != 0)
        return wy_err_set(err, WY_ENOTFOUND, "no catalog at '%s': %s", path,
                          strerror(errno));
    struct cat *c = wy_calloc(1, sizeof(*c));
    if (!c || !(c->path = wy_strdup(path))) {
        free(c);
        return NOMEM();
    }
    int oflags =
        (flags & CAT_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if ((flags & CAT_CREATE) && !(flags & CAT_READONLY))
        oflags |= SQLITE_OPEN_CREATE;
    wy_code rc = WY_OK;
    if (sqlite3_open_v2(path, &c->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = wy_err_set(err, WY_EDB, "cannot open catalog '%s': %s", path,
                        c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, 10000);
    /* FULL: an ingested object must never be missing from the catalog
       after a power cut that the store survived */
    rc = exec(c, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL",
              "set up the connection", err);
    if (rc == WY_OK && !(flags & CAT_READONLY))
        rc = exec(c, "PRAGMA journal_mode = WAL", "switch to WAL mode", err);
    /* a reader (the service: one per worker thread) maps the file instead
       of copying pages through read(), and keeps more of them; mmap_size
       is address space, not memory */
    if (rc == WY_OK && (flags & CAT_READONLY))
        rc = exec(c,
                  "PRAGMA query_only = 1; PRAGMA mmap_size = 1073741824; "
                  "PRAGMA cache_size = -16384",
                  "set up the reader", err);
    if (rc == WY_OK && !(flags & CAT_READONLY))
        rc = migrate(c, err);
    if (rc == WY_OK && (flags & CAT_READONLY)) {
        /* a reader cannot migrate: it needs the schema it knows */
        sqlite3_stmt *s = NULL;
        int v = -1;
        if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) ==
                SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        if (v < 0)
            rc = cati_db_fail(c, err, "read the schema version");
        else if (v < CAT_SCHEMA_READ_MIN || v > CAT_SCHEMA_VERSION)
            rc = wy_err_set(err, WY_ESTATE,
                            "catalog '%s' has schema version %d, this "
                            "wenyuan reads %d to %d: %s",
                            path, v, CAT_SCHEMA_READ_MIN, CAT_SCHEMA_VERSION,
                            v < CAT_SCHEMA_VERSION
                                ? "run a command that writes (e.g. 'wenyuan "
                                  "import') to upgrade it"
                                : "upgrade wenyuan");
    }
    if (rc)
        goto fail;
    *out = c;
    return WY_OK;
fail:
    cat_close(c);
    return rc;
}

void cat_close(struct cat *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < S_NSTMT; i++)
        sqlite3_finalize(c->stmt[i]);
    for (size_t i = 0; i < c->nlst; i++)
        sqlite3_finalize(c->lst[i].s);
    if (c->db && !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    cati_libs_free(c->libs);
    sqlite3_close_v2(c->db);
    free(c->path);
    free(c->now);
    free(c);
}

static const struct {
    const char *code, *name, *description;
} seeds[] = {
    {"guji", "古籍", "古籍善本与普通古籍 (ancient books)"},
    {"difangwenxian", "地方文献", "地方志与地方文献 (local documents)"},
    {"minguo", "民国文献",
     "民国时期文献 (Republican-era documents, 1912-1949)"},
};

wy_code cat_seed(struct cat *c, struct wy_err *err)
{
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    for (size_t i = 0; rc == WY_OK && i < sizeof(seeds) / sizeof(seeds[0]);
         i++) {
        struct cat_collection col = {0};
        struct wy_err e2 = WY_ERR_INIT;
        if (cat_collection_get(c, seeds[i].code, &col, &e2) == WY_OK) {
            cat_collection_release(&col);
            continue;
        }
        wy_err_release(&e2);
        rc = cat_collection_put(c, seeds[i].code, seeds[i].name,
                                seeds[i].description, err);
    }
    return cati_w_end(c, rc, err);
}

/* ---- transactions ----------------------------------------------------- */

wy_code cat_begin(struct cat *c, struct wy_err *err)
{
    if (c->in_txn)
        return wy_err_set(err, WY_ESTATE,
                          "catalog '%s': a transaction is already open",
                          c->path);
    wy_code rc = exec(c, "BEGIN IMMEDIATE", "begin a transaction", err);
    if (rc == WY_OK)
        c->in_txn = 1;
    return rc;
}

wy_code cat_commit(struct cat *c, struct wy_err *err)
{
    if (!c->in_txn)
        return wy_err_set(err, WY_ESTATE,
                          "catalog '%s': commit without a transaction",
                          c->path);
    c->in_txn = 0;
    wy_code rc = exec(c, "COMMIT", "commit", err);
    if (rc && !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc)
        cati_libs_forget(c->libs);
    return rc;
}

void cat_rollback(struct cat *c)
{
    if (!c->in_txn)
        return;
    c->in_txn = 0;
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    cati_libs_forget(c->libs);
}

int cat_in_transaction(const struct cat *c)
{
    return c->in_txn;
}

/* ---- meta and status -------------------------------------------------- */

wy_code cat_meta_get(struct cat *c, const char *key, char **out,
                     struct wy_err *err)
{
    *out = NULL;
    sqlite3_stmt *s = cati_st(c, S_META_GET, err);
    if (!s)
        return err->code;
    cati_bind_text(s, 1, key);
    int r = sqlite3_step(s);
    int ok = 1;
    if (r == SQLITE_ROW)
        *out = cati_col_dup(s, 0, &ok);
    sqlite3_reset(s);
    if (!ok)
        return NOMEM();
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return cati_db_fail(c, err, "read a setting");
    return WY_OK;
}

wy_code cat_meta_set(struct cat *c, const char *key, const char *value,
                     struct wy_err *err)
{
    wy_code rc = cati_w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = cati_st(c, S_META_SET, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        cati_bind_text(s, 1, key);
        cati_bind_text(s, 2, value);
        rc = cati_step_done(c, s, "store a setting", err);
    }
    return cati_w_end(c, rc, err);
}
