/* repository/catalog.c: the SQLite catalog (schema in docs/REPOSITORY.md). */
#include "repository/catalog.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "repository/recjson.h"

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
};

/* A reader (CAT_READONLY, which cannot migrate) opens catalogs from this
   version on: version 2 only added an index, so the queries are the same. */
#define CAT_SCHEMA_READ_MIN 1

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == CAT_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- the prepared statement cache ------------------------------------ */

#define REC_HDR                                                                \
    "id, source, local_id, oai_id, datestamp, src_datestamp, deleted, "        \
    "collection, orig_format, hash, created, updated"
#define REC_ALL REC_HDR ", orig, model, desc"
#define SRC_COLS                                                               \
    "name, url, prefix, sets, granularity, collection, last_response_date, "   \
    "token, cursor, pages, harvest_from, harvest_until, last_error, "          \
    "last_harvest, last_added, last_updated, last_deleted, last_bad, created"
#define OBJ_COLS                                                               \
    "ocfl_id, record_id, head, files, bytes, last_audit, audit_status, "       \
    "created, updated"

enum stmt {
    S_FIND_LOCAL,
    S_COLL_EXISTS,
    S_REC_INSERT,
    S_REC_UPDATE,
    S_SETS_DELETE,
    S_SETS_INSERT,
    S_CHANGE_INSERT,
    S_TOMB_UPDATE,
    S_TOMB_INSERT,
    S_GET_ID_HDR,
    S_GET_ID_ALL,
    S_GET_LOCAL_HDR,
    S_GET_LOCAL_ALL,
    S_GET_OAI_HDR,
    S_GET_OAI_ALL,
    S_SETS_GET,
    S_CHANGES,
    S_CHANGES_LIMIT,
    S_LAST_SEQ,
    S_EARLIEST,
    S_COLL_PUT,
    S_COLL_GET,
    S_COLL_LIST,
    S_COLL_USED,
    S_COLL_DELETE,
    S_SRC_PUT,
    S_SRC_GET,
    S_SRC_LIST,
    S_SRC_DELETE,
    S_SRC_CHECKPOINT,
    S_SRC_FINISH,
    S_SRC_FAIL,
    S_HARVEST_LOG,
    S_REC_EXISTS,
    S_OBJ_PUT,
    S_OBJ_GET,
    S_OBJ_GET_REC,
    S_OBJ_LIST,
    S_OBJ_EXISTS,
    S_FILES_DELETE,
    S_FILES_INSERT,
    S_FILES_GET,
    S_AUDIT_BEGIN,
    S_AUDIT_RESULT,
    S_AUDIT_MARK,
    S_AUDIT_DONE,
    S_AUDIT_END,
    S_AUDIT_UNFINISHED,
    S_BATCH_FIND,
    S_BATCH_INSERT,
    S_ITEM_PUT,
    S_ITEM_GET,
    S_BATCH_END,
    S_META_GET,
    S_META_SET,
    S_NSTMT
};

static const char *const stmt_sql[S_NSTMT] = {
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
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [S_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
};

/* Listing statements, prepared once per shape of query (which conditions,
   which columns) and kept with the connection. */
#define LIST_CACHE 32
struct list_stmt {
    unsigned key;
    int busy; /* being stepped (a nested cat_list gets its own) */
    sqlite3_stmt *s;
};

struct cat {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmt[S_NSTMT];
    struct list_stmt lst[LIST_CACHE];
    size_t nlst;
    int in_txn;
    int wdepth; /* nested write scopes open */
    char *now;  /* fixed clock for tests, or NULL */
};

static wy_code db_fail(struct cat *c, struct wy_err *err, const char *what)
{
    return wy_err_set(err, WY_EDB, "catalog '%s': cannot %s: %s", c->path, what,
                      sqlite3_errmsg(c->db));
}

/* borrowed: the cached statement, reset and with bindings cleared. */
static sqlite3_stmt *st(struct cat *c, enum stmt id, struct wy_err *err)
{
    sqlite3_stmt *s = c->stmt[id];
    if (!s) {
        if (sqlite3_prepare_v3(c->db, stmt_sql[id], -1,
                               SQLITE_PREPARE_PERSISTENT, &s,
                               NULL) != SQLITE_OK) {
            db_fail(c, err, "prepare a statement");
            return NULL;
        }
        c->stmt[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
             : sqlite3_bind_null(s, i);
}

/* Steps a statement that returns no rows (or whose rows are ignored). */
static wy_code step_done(struct cat *c, sqlite3_stmt *s, const char *what,
                         struct wy_err *err)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return db_fail(c, err, what);
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

static char *col_dup(sqlite3_stmt *s, int i, int *ok)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    if (!v)
        return NULL;
    char *d = wy_strndup((const char *)v, (size_t)sqlite3_column_bytes(s, i));
    if (!d)
        *ok = 0;
    return d;
}

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")

/* ---- write scopes ----------------------------------------------------- */

/* Every write function runs in a write scope: inside an explicit
   transaction a savepoint (so a failure undoes only itself), otherwise its
   own BEGIN IMMEDIATE transaction (which waits for the write lock instead of
   failing on a read-to-write upgrade). */
static wy_code w_begin(struct cat *c, struct wy_err *err)
{
    int sp = c->in_txn || c->wdepth > 0;
    wy_code rc =
        exec(c, sp ? "SAVEPOINT w" : "BEGIN IMMEDIATE", "start a write", err);
    if (rc == WY_OK)
        c->wdepth++;
    return rc;
}

static wy_code w_end(struct cat *c, wy_code rc, struct wy_err *err)
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
    return rc;
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

static int is_utc_stamp(const char *s)
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
    if (now && !is_utc_stamp(now))
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
        return db_fail(c, err, "read the schema version");
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
            rc = db_fail(c, err, "read the schema version");
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
    wy_code rc = w_begin(c, err);
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
    return w_end(c, rc, err);
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
    return rc;
}

void cat_rollback(struct cat *c)
{
    if (!c->in_txn)
        return;
    c->in_txn = 0;
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

int cat_in_transaction(const struct cat *c)
{
    return c->in_txn;
}

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
    sqlite3_stmt *s = st(c, S_FIND_LOCAL, err);
    if (!s)
        return err->code;
    bind_text(s, 1, source);
    bind_text(s, 2, local_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int ok = 1;
        ex->id = sqlite3_column_int64(s, 0);
        const unsigned char *hh = sqlite3_column_text(s, 1);
        if (hh && strlen((const char *)hh) < sizeof(ex->hash))
            memcpy(ex->hash, hh, strlen((const char *)hh) + 1);
        ex->deleted = sqlite3_column_int(s, 2);
        ex->collection = col_dup(s, 3, &ok);
        sqlite3_reset(s);
        return ok ? WY_OK : NOMEM();
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return db_fail(c, err, "look up a record");
    return WY_OK;
}

static wy_code append_change(struct cat *c, int64_t id, const char *op,
                             const char *now, int64_t *seq, struct wy_err *err)
{
    sqlite3_stmt *s = st(c, S_CHANGE_INSERT, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, op);
    bind_text(s, 3, now);
    wy_code rc = step_done(c, s, "append to the change log", err);
    if (rc == WY_OK)
        *seq = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static wy_code collection_exists(struct cat *c, const char *code, int *yes,
                                 struct wy_err *err)
{
    sqlite3_stmt *s = st(c, S_COLL_EXISTS, err);
    if (!s)
        return err->code;
    bind_text(s, 1, code);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(c, err, "look up a collection");
    *yes = rc == SQLITE_ROW;
    return WY_OK;
}

static wy_code replace_sets(struct cat *c, int64_t id, const char *const *sets,
                            size_t nsets, struct wy_err *err)
{
    sqlite3_stmt *s = st(c, S_SETS_DELETE, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, id);
    wy_code rc = step_done(c, s, "replace set memberships", err);
    for (size_t i = 0; rc == WY_OK && i < nsets; i++) {
        if (!(s = st(c, S_SETS_INSERT, err)))
            return err->code;
        sqlite3_bind_int64(s, 1, id);
        bind_text(s, 2, sets[i]);
        rc = step_done(c, s, "store a set membership", err);
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
    if ((rc = w_begin(c, err)))
        goto out;
    if (in->collection) {
        int yes = 0;
        rc = collection_exists(c, in->collection, &yes, err);
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
        if (!(s = st(c, S_REC_INSERT, err))) {
            rc = err->code;
            goto end;
        }
        bind_text(s, 1, source);
        bind_text(s, 2, in->local_id);
        bind_text(s, 3, in->oai_id);
        bind_text(s, 4, now);
        bind_text(s, 5, in->src_datestamp);
        bind_text(s, 6, coll);
        bind_text(s, 7, fmt);
        if (orig)
            sqlite3_bind_blob64(s, 8, orig, orig_len, SQLITE_STATIC);
        bind_text(s, 9, wy_buf_cstr(&model));
        bind_text(s, 10, wy_buf_cstr(&desc));
        bind_text(s, 11, hash);
        rc = step_done(c, s, "insert a record", err);
        res->id = sqlite3_last_insert_rowid(c->db);
        res->action = CAT_ADDED;
    } else {
        if (!(s = st(c, S_REC_UPDATE, err))) {
            rc = err->code;
            goto end;
        }
        sqlite3_bind_int64(s, 1, ex.id);
        bind_text(s, 2, in->oai_id);
        bind_text(s, 3, now);
        bind_text(s, 4, in->src_datestamp);
        bind_text(s, 5, coll);
        bind_text(s, 6, fmt);
        if (orig)
            sqlite3_bind_blob64(s, 7, orig, orig_len, SQLITE_STATIC);
        bind_text(s, 8, wy_buf_cstr(&model));
        bind_text(s, 9, wy_buf_cstr(&desc));
        bind_text(s, 10, hash);
        rc = step_done(c, s, "update a record", err);
        res->id = ex.id;
        res->action = CAT_UPDATED;
    }
    if (rc == WY_OK)
        rc = replace_sets(c, res->id, in->sets, in->nsets, err);
    if (rc == WY_OK)
        rc = append_change(c, res->id, "put", now, &res->seq, err);
end:
    rc = w_end(c, rc, err);
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
    wy_code rc = w_begin(c, err);
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
        if (!(s = st(c, S_TOMB_UPDATE, err))) {
            rc = err->code;
            goto end;
        }
        sqlite3_bind_int64(s, 1, ex.id);
        bind_text(s, 2, oai_id);
        bind_text(s, 3, now);
        bind_text(s, 4, src_datestamp);
        bind_text(s, 5, hash);
        rc = step_done(c, s, "mark a record deleted", err);
        res->id = ex.id;
    } else {
        if (!(s = st(c, S_TOMB_INSERT, err))) {
            rc = err->code;
            goto end;
        }
        bind_text(s, 1, source);
        bind_text(s, 2, local_id);
        bind_text(s, 3, oai_id);
        bind_text(s, 4, now);
        bind_text(s, 5, src_datestamp);
        bind_text(s, 6, hash);
        rc = step_done(c, s, "insert a deleted record", err);
        res->id = sqlite3_last_insert_rowid(c->db);
    }
    res->action = CAT_DELETED;
    if (rc == WY_OK)
        rc = append_change(c, res->id, "delete", now, &res->seq, err);
end:
    rc = w_end(c, rc, err);
    if (rc) {
        memset(res, 0, sizeof(*res));
        wy_err_prefix(err, "deleting record '%s' of source '%s'", local_id,
                      source);
    }
    free(ex.collection);
    return rc;
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

static wy_code load_sets(struct cat *c, struct cat_record *r,
                         struct wy_err *err)
{
    sqlite3_stmt *s = st(c, S_SETS_GET, err);
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
        char *v = col_dup(s, 0, &ok);
        if (v)
            r->sets[r->nsets++] = v;
    }
    sqlite3_reset(s);
    if (!ok)
        return NOMEM();
    if (rc != SQLITE_DONE)
        return db_fail(c, err, "read set memberships");
    return WY_OK;
}

/* Builds a record from the current row (REC_HDR or REC_ALL columns). */
static wy_code row_record(struct cat *c, sqlite3_stmt *s, int all,
                          struct cat_record **out, struct wy_err *err)
{
    struct cat_record *r = wy_calloc(1, sizeof(*r));
    if (!r)
        return NOMEM();
    int ok = 1;
    r->id = sqlite3_column_int64(s, 0);
    r->source = col_dup(s, 1, &ok);
    r->local_id = col_dup(s, 2, &ok);
    r->oai_id = col_dup(s, 3, &ok);
    r->datestamp = col_dup(s, 4, &ok);
    r->src_datestamp = col_dup(s, 5, &ok);
    r->deleted = sqlite3_column_int(s, 6);
    r->collection = col_dup(s, 7, &ok);
    r->orig_format = col_dup(s, 8, &ok);
    r->hash = col_dup(s, 9, &ok);
    r->created = col_dup(s, 10, &ok);
    r->updated = col_dup(s, 11, &ok);
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
        r->model_json = col_dup(s, 13, &ok);
        r->desc_json = col_dup(s, 14, &ok);
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
        w = row_record(c, s, all, out, err);
    } else if (rc == SQLITE_DONE) {
        w = wy_err_set(err, WY_ENOTFOUND, "no record %s", key);
    } else {
        w = db_fail(c, err, "read a record");
    }
    sqlite3_reset(s);
    if (w == WY_OK && (w = load_sets(c, *out, err)) != WY_OK) {
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
        st(c, what == CAT_LOAD_ALL ? S_GET_ID_ALL : S_GET_ID_HDR, err);
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
    sqlite3_stmt *s =
        st(c, what == CAT_LOAD_ALL ? S_GET_LOCAL_ALL : S_GET_LOCAL_HDR, err);
    if (!s)
        return err->code;
    bind_text(s, 1, source);
    bind_text(s, 2, local_id);
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
        st(c, what == CAT_LOAD_ALL ? S_GET_OAI_ALL : S_GET_OAI_HDR, err);
    if (!s)
        return err->code;
    bind_text(s, 1, oai_id);
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
    if (sqlite3_prepare_v2(c->db, stmt_sql[limit ? S_CHANGES_LIMIT : S_CHANGES],
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(c, err, "read the change log");
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
        rc = db_fail(c, err, "read the change log");
    sqlite3_finalize(s);
    return rc == WY_EOF ? WY_OK : rc;
}

static wy_code one_int(struct cat *c, sqlite3_stmt *s, int64_t *out,
                       const char *what, struct wy_err *err)
{
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return db_fail(c, err, what);
    return WY_OK;
}

wy_code cat_last_seq(struct cat *c, int64_t *out, struct wy_err *err)
{
    sqlite3_stmt *s = st(c, S_LAST_SEQ, err);
    if (!s)
        return err->code;
    return one_int(c, s, out, "read the change log", err);
}

/* ---- listing ---------------------------------------------------------- */

/* 'YYYY-MM-DD' bounds widen to the whole day. */
static wy_code bound(const char *in, int until, char out[21],
                     struct wy_err *err)
{
    size_t n = strlen(in);
    if (n == 10) {
        memcpy(out, in, 10);
        memcpy(out + 10, until ? "T23:59:59Z" : "T00:00:00Z", 11);
        if (is_utc_stamp(out))
            return WY_OK;
    } else if (is_utc_stamp(in)) {
        memcpy(out, in, 21);
        return WY_OK;
    }
    return wy_err_set(err, WY_EINVAL, "%s '%s' is not a UTC datestamp",
                      until ? "until" : "from", in);
}

/* The columns of CAT_LOAD_LIST: all in the listing index (records_list)
   but the set memberships, which come from record_sets' primary key in the
   same statement, NUL-separated (a setSpec bound as text has no NUL). */
#define REC_LIST                                                               \
    "r.id, r.datestamp, r.deleted, r.collection, r.hash, (SELECT "             \
    "group_concat(s.spec, char(0)) FROM record_sets s WHERE s.record_id = "    \
    "r.id)"

/* The conditions of q (the keyset excepted). */
static void list_where(const struct cat_list_query *q, struct wy_buf *sql)
{
    wy_buf_adds(sql, " FROM records r WHERE 1");
    if (!q->include_deleted)
        wy_buf_adds(sql, " AND r.deleted = 0");
    if (q->from)
        wy_buf_adds(sql, " AND r.datestamp >= ?1");
    if (q->until)
        wy_buf_adds(sql, " AND r.datestamp <= ?2");
    if (q->source)
        wy_buf_adds(sql, " AND r.source = ?3");
    if (q->set)
        wy_buf_adds(sql,
                    " AND (r.collection = ?4 OR substr(r.collection, 1, "
                    "length(?4) + 1) = ?4 || ':' OR EXISTS (SELECT 1 FROM "
                    "record_sets s WHERE s.record_id = r.id AND (s.spec = ?4 "
                    "OR substr(s.spec, 1, length(?4) + 1) = ?4 || ':')))");
}

/* The keyset "strictly after (datestamp, id)" is two index ranges merged
   in order: the rest of the datestamp's ids, then the later datestamps.
   (SQLite seeks only on the datestamp for a row-value or OR condition, and
   then steps over every record of that second already passed: a page's
   cost would grow with the number of records sharing a datestamp.) */
static wy_code list_sql(const struct cat_list_query *q, int count,
                        struct wy_buf *sql)
{
    const char *cols = q->what == CAT_LOAD_LIST  ? REC_LIST
                       : q->what == CAT_LOAD_ALL ? REC_ALL
                                                 : REC_HDR;
    if (count) {
        wy_buf_adds(sql, "SELECT count(*)");
        list_where(q, sql);
        return sql->error;
    }
    wy_buf_adds(sql, "SELECT ");
    wy_buf_adds(sql, cols);
    list_where(q, sql);
    if (q->after_datestamp) {
        wy_buf_adds(sql, " AND r.datestamp = ?5 AND r.id > ?6 UNION ALL "
                         "SELECT ");
        wy_buf_adds(sql, cols);
        list_where(q, sql);
        wy_buf_adds(sql, " AND r.datestamp > ?5 ORDER BY datestamp, id");
    } else {
        wy_buf_adds(sql, " ORDER BY r.datestamp, r.id");
    }
    if (q->limit)
        wy_buf_adds(sql, " LIMIT ?7");
    return sql->error;
}

/* What makes two queries' SQL differ. */
static unsigned list_key(const struct cat_list_query *q, int count)
{
    unsigned what = q->what == CAT_LOAD_LIST ? 2 : q->what == CAT_LOAD_ALL;
    return (q->from ? 1u : 0) | (q->until ? 2u : 0) | (q->source ? 4u : 0) |
           (q->set ? 8u : 0) | (!q->include_deleted ? 16u : 0) |
           (count ? 32u
                  : (q->after_datestamp ? 64u : 0) | (q->limit ? 128u : 0) |
                        what << 8);
}

/* borrowed: a prepared and bound statement for q; give it back with
   list_done(). */
static wy_code list_prepare(struct cat *c, const struct cat_list_query *q,
                            int count, sqlite3_stmt **out, struct wy_err *err)
{
    char from[21], until[21];
    *out = NULL;
    wy_code rc = WY_OK;
    if (q->from && (rc = bound(q->from, 0, from, err)))
        return rc;
    if (q->until && (rc = bound(q->until, 1, until, err)))
        return rc;
    unsigned key = list_key(q, count);
    sqlite3_stmt *s = NULL;
    for (size_t i = 0; i < c->nlst; i++)
        if (c->lst[i].key == key && !c->lst[i].busy) {
            c->lst[i].busy = 1;
            s = c->lst[i].s;
            break;
        }
    if (!s) {
        struct wy_buf sql = WY_BUF_INIT(8192);
        if (list_sql(q, count, &sql)) {
            rc = wy_buf_status(&sql, err);
            wy_buf_release(&sql);
            return rc;
        }
        int keep = c->nlst < LIST_CACHE;
        int r =
            sqlite3_prepare_v3(c->db, wy_buf_cstr(&sql), -1,
                               keep ? SQLITE_PREPARE_PERSISTENT : 0, &s, NULL);
        wy_buf_release(&sql);
        if (r != SQLITE_OK)
            return db_fail(c, err, "list records");
        if (keep)
            c->lst[c->nlst++] = (struct list_stmt){key, 1, s};
    }
    if (q->from)
        bind_text(s, 1, from);
    if (q->until)
        bind_text(s, 2, until);
    if (q->source)
        bind_text(s, 3, q->source);
    if (q->set)
        bind_text(s, 4, q->set);
    if (!count && q->after_datestamp) {
        bind_text(s, 5, q->after_datestamp);
        sqlite3_bind_int64(s, 6, q->after_id);
    }
    if (!count && q->limit)
        sqlite3_bind_int64(s, 7, (sqlite3_int64)q->limit);
    *out = s;
    return WY_OK;
}

static void list_done(struct cat *c, sqlite3_stmt *s)
{
    for (size_t i = 0; i < c->nlst; i++)
        if (c->lst[i].s == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            c->lst[i].busy = 0;
            return;
        }
    sqlite3_finalize(s);
}

/* The setSpecs of a CAT_LOAD_LIST row: a small array on the stack, grown
   on the heap (each cat_list has its own: fn may list again). */
struct set_array {
    char *small[16];
    char **v;
    size_t cap;
};

/* The current row of a REC_LIST statement, as a record whose strings are
   the statement's (valid until the next step). */
static wy_code row_list(sqlite3_stmt *s, struct set_array *sa,
                        struct cat_record *r, struct wy_err *err)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(s, 0);
    r->datestamp = (char *)(uintptr_t)sqlite3_column_text(s, 1);
    r->deleted = sqlite3_column_int(s, 2);
    r->collection = (char *)(uintptr_t)sqlite3_column_text(s, 3);
    r->hash = (char *)(uintptr_t)sqlite3_column_text(s, 4);
    const char *p = (const char *)sqlite3_column_text(s, 5);
    if (!p)
        return WY_OK;
    const char *end = p + sqlite3_column_bytes(s, 5);
    for (;;) {
        if (r->nsets == sa->cap) {
            size_t nc = 2 * sa->cap;
            char **a = sa->v == sa->small ? wy_malloc(nc * sizeof(*a))
                                          : wy_realloc(sa->v, nc * sizeof(*a));
            if (!a)
                return NOMEM();
            if (sa->v == sa->small)
                memcpy(a, sa->small, sizeof(sa->small));
            sa->v = a;
            sa->cap = nc;
        }
        r->sets = sa->v;
        r->sets[r->nsets++] = (char *)(uintptr_t)p;
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (!nul)
            break;
        p = nul + 1;
    }
    return WY_OK;
}

wy_code cat_list(struct cat *c, const struct cat_list_query *q,
                 cat_record_fn fn, void *ctx, size_t *count, struct wy_err *err)
{
    if (count)
        *count = 0;
    sqlite3_stmt *s;
    wy_code rc = list_prepare(c, q, 0, &s, err);
    if (rc)
        return rc;
    struct set_array sa;
    sa.v = sa.small;
    sa.cap = sizeof(sa.small) / sizeof(sa.small[0]);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (q->what == CAT_LOAD_LIST) {
            struct cat_record row;
            rc = row_list(s, &sa, &row, err);
            if (rc == WY_OK)
                rc = fn(ctx, &row, err);
        } else {
            struct cat_record *rec = NULL;
            rc = row_record(c, s, q->what == CAT_LOAD_ALL, &rec, err);
            if (rc == WY_OK)
                rc = load_sets(c, rec, err);
            if (rc == WY_OK)
                rc = fn(ctx, rec, err);
            cat_record_free(rec);
        }
        if (rc != WY_OK)
            break;
        if (count)
            (*count)++;
    }
    if (rc == WY_OK && r != SQLITE_DONE)
        rc = db_fail(c, err, "list records");
    list_done(c, s);
    if (sa.v != sa.small)
        free(sa.v);
    return rc == WY_EOF ? WY_OK : rc;
}

wy_code cat_count(struct cat *c, const struct cat_list_query *q, int64_t *out,
                  struct wy_err *err)
{
    *out = 0;
    sqlite3_stmt *s;
    wy_code rc = list_prepare(c, q, 1, &s, err);
    if (rc)
        return rc;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        rc = db_fail(c, err, "count records");
    list_done(c, s);
    return rc;
}

wy_code cat_earliest_datestamp(struct cat *c, char out[21], struct wy_err *err)
{
    out[0] = '\0';
    sqlite3_stmt *s = st(c, S_EARLIEST, err);
    if (!s)
        return err->code;
    int r = sqlite3_step(s);
    const unsigned char *v = r == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
    if (v && strlen((const char *)v) == 20)
        memcpy(out, v, 21);
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return db_fail(c, err, "read the earliest datestamp");
    return WY_OK;
}

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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_COLL_PUT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, code);
        bind_text(s, 2, name);
        bind_text(s, 3, description);
        bind_text(s, 4, now);
        rc = step_done(c, s, "store a collection", err);
    }
    return w_end(c, rc, err);
}

static wy_code row_collection(sqlite3_stmt *s, struct cat_collection *col,
                              struct wy_err *err)
{
    int ok = 1;
    col->code = col_dup(s, 0, &ok);
    col->name = col_dup(s, 1, &ok);
    col->description = col_dup(s, 2, &ok);
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
    sqlite3_stmt *s = st(c, S_COLL_GET, err);
    if (!s)
        return err->code;
    bind_text(s, 1, code);
    int r = sqlite3_step(s);
    wy_code rc;
    if (r == SQLITE_ROW)
        rc = row_collection(s, out, err);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no collection '%s'", code);
    else
        rc = db_fail(c, err, "read a collection");
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
static wy_code collect(struct cat *c, sqlite3_stmt *s, void **arr, size_t *n,
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
        rc = db_fail(c, err, what);
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
    sqlite3_stmt *s = st(c, S_COLL_LIST, err);
    if (!s)
        return err->code;
    void *arr;
    wy_code rc = collect(c, s, &arr, n, sizeof(**out), row_collection_v,
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    int64_t used = 0;
    sqlite3_stmt *s = st(c, S_COLL_USED, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, code);
        rc = one_int(c, s, &used, "check a collection", err);
    }
    if (rc == WY_OK && used)
        rc = wy_err_set(err, WY_ESTATE,
                        "collection '%s' is still used by %lld records or "
                        "sources",
                        code, (long long)used);
    if (rc == WY_OK && !(s = st(c, S_COLL_DELETE, err)))
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, code);
        rc = step_done(c, s, "remove a collection", err);
        if (rc == WY_OK && sqlite3_changes(c->db) == 0)
            rc = wy_err_set(err, WY_ENOTFOUND, "no collection '%s'", code);
    }
    return w_end(c, rc, err);
}

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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    if (src->collection) {
        int yes = 0;
        rc = collection_exists(c, src->collection, &yes, err);
        if (rc == WY_OK && !yes)
            rc = wy_err_set(err, WY_EINVAL,
                            "source '%s': unknown collection '%s'", src->name,
                            src->collection);
    }
    sqlite3_stmt *s = rc ? NULL : st(c, S_SRC_PUT, err);
    if (!rc && !s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, src->name);
        bind_text(s, 2, src->url);
        bind_text(s, 3, src->prefix);
        bind_text(s, 4, src->sets);
        bind_text(s, 5, src->granularity);
        bind_text(s, 6, src->collection);
        bind_text(s, 7, now);
        rc = step_done(c, s, "store a source", err);
    }
    return w_end(c, rc, err);
}

static wy_code row_source(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_source *o = p;
    int ok = 1;
    o->name = col_dup(s, 0, &ok);
    o->url = col_dup(s, 1, &ok);
    o->prefix = col_dup(s, 2, &ok);
    o->sets = col_dup(s, 3, &ok);
    o->granularity = col_dup(s, 4, &ok);
    o->collection = col_dup(s, 5, &ok);
    o->last_response_date = col_dup(s, 6, &ok);
    o->token = col_dup(s, 7, &ok);
    o->cursor = sqlite3_column_int64(s, 8);
    o->pages = sqlite3_column_int64(s, 9);
    o->harvest_from = col_dup(s, 10, &ok);
    o->harvest_until = col_dup(s, 11, &ok);
    o->last_error = col_dup(s, 12, &ok);
    o->last_harvest = col_dup(s, 13, &ok);
    o->last_added = sqlite3_column_int64(s, 14);
    o->last_updated = sqlite3_column_int64(s, 15);
    o->last_deleted = sqlite3_column_int64(s, 16);
    o->last_bad = sqlite3_column_int64(s, 17);
    o->created = col_dup(s, 18, &ok);
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
    sqlite3_stmt *s = st(c, S_SRC_GET, err);
    if (!s)
        return err->code;
    bind_text(s, 1, name);
    int r = sqlite3_step(s);
    wy_code rc;
    if (r == SQLITE_ROW)
        rc = row_source(s, out, err);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no source '%s'", name);
    else
        rc = db_fail(c, err, "read a source");
    sqlite3_reset(s);
    return rc;
}

wy_code cat_source_list(struct cat *c, struct cat_source **out, size_t *n,
                        struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = st(c, S_SRC_LIST, err);
    if (!s)
        return err->code;
    void *arr;
    wy_code rc =
        collect(c, s, &arr, n, sizeof(**out), row_source, "list sources", err);
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
    wy_code rc = step_done(c, s, what, err);
    if (rc == WY_OK && sqlite3_changes(c->db) == 0)
        rc = wy_err_set(err, WY_ENOTFOUND, "no source '%s'", name);
    return rc;
}

wy_code cat_source_remove(struct cat *c, const char *name, struct wy_err *err)
{
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_SRC_DELETE, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, name);
        rc = source_update(c, s, name, "remove a source", err);
    }
    return w_end(c, rc, err);
}

wy_code cat_source_checkpoint(struct cat *c, const char *name,
                              const char *token, int64_t cursor, int64_t pages,
                              const char *harvest_from,
                              const char *harvest_until, struct wy_err *err)
{
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_SRC_CHECKPOINT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, name);
        bind_text(s, 2, token);
        sqlite3_bind_int64(s, 3, cursor);
        sqlite3_bind_int64(s, 4, pages);
        bind_text(s, 5, harvest_from);
        bind_text(s, 6, harvest_until);
        rc = source_update(c, s, name, "store a harvest checkpoint", err);
    }
    return w_end(c, rc, err);
}

static wy_code harvest_log(struct cat *c, const char *name, const char *now,
                           const char *status, const char *response_date,
                           const struct cat_harvest_counts *k,
                           const char *error, struct wy_err *err)
{
    sqlite3_stmt *s = st(c, S_HARVEST_LOG, err);
    if (!s)
        return err->code;
    bind_text(s, 1, name);
    bind_text(s, 2, now);
    bind_text(s, 3, status);
    bind_text(s, 4, response_date);
    sqlite3_bind_int64(s, 5, k->added);
    sqlite3_bind_int64(s, 6, k->updated);
    sqlite3_bind_int64(s, 7, k->unchanged);
    sqlite3_bind_int64(s, 8, k->deleted);
    sqlite3_bind_int64(s, 9, k->bad);
    sqlite3_bind_int64(s, 10, k->pages);
    bind_text(s, 11, error);
    return step_done(c, s, "write the harvest log", err);
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, ok ? S_SRC_FINISH : S_SRC_FAIL, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, name);
        bind_text(s, 2, text);
        bind_text(s, 3, now);
        sqlite3_bind_int64(s, 4, k->added);
        sqlite3_bind_int64(s, 5, k->updated);
        sqlite3_bind_int64(s, 6, k->deleted);
        sqlite3_bind_int64(s, 7, k->bad);
        rc = source_update(c, s, name, "end a harvest", err);
    }
    if (rc == WY_OK)
        rc = harvest_log(c, name, now, ok ? "ok" : "failed", ok ? text : NULL,
                         k, ok ? NULL : text, err);
    return w_end(c, rc, err);
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (o->record_id) {
        int64_t yes = 0;
        if (!(s = st(c, S_REC_EXISTS, err)))
            rc = err->code;
        if (rc == WY_OK) {
            sqlite3_bind_int64(s, 1, o->record_id);
            rc = one_int(c, s, &yes, "look up a record", err);
        }
        if (rc == WY_OK && !yes)
            rc = wy_err_set(err, WY_EINVAL, "object '%s': no record %lld",
                            o->ocfl_id, (long long)o->record_id);
    }
    if (rc == WY_OK && !(s = st(c, S_OBJ_PUT, err)))
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, o->ocfl_id);
        if (o->record_id)
            sqlite3_bind_int64(s, 2, o->record_id);
        bind_text(s, 3, o->head);
        sqlite3_bind_int64(s, 4, o->files);
        sqlite3_bind_int64(s, 5, o->bytes);
        bind_text(s, 6, now);
        rc = step_done(c, s, "store an object", err);
    }
    return w_end(c, rc, err);
}

static wy_code row_object(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_object *o = p;
    int ok = 1;
    o->ocfl_id = col_dup(s, 0, &ok);
    o->record_id = sqlite3_column_int64(s, 1);
    o->head = col_dup(s, 2, &ok);
    o->files = sqlite3_column_int64(s, 3);
    o->bytes = sqlite3_column_int64(s, 4);
    o->last_audit = col_dup(s, 5, &ok);
    o->audit_status = col_dup(s, 6, &ok);
    o->created = col_dup(s, 7, &ok);
    o->updated = col_dup(s, 8, &ok);
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
        rc = db_fail(c, err, "read an object");
    sqlite3_reset(s);
    return rc;
}

wy_code cat_object_get(struct cat *c, const char *ocfl_id,
                       struct cat_object *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = st(c, S_OBJ_GET, err);
    if (!s)
        return err->code;
    bind_text(s, 1, ocfl_id);
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
    sqlite3_stmt *s = st(c, S_OBJ_GET_REC, err);
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
    if (sqlite3_prepare_v2(c->db, stmt_sql[S_OBJ_LIST], -1, &s, NULL) !=
        SQLITE_OK)
        return db_fail(c, err, "list objects");
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
        rc = db_fail(c, err, "list objects");
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    int64_t yes = 0;
    sqlite3_stmt *s = st(c, S_OBJ_EXISTS, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, ocfl_id);
        rc = one_int(c, s, &yes, "look up an object", err);
    }
    if (rc == WY_OK && !yes)
        rc = wy_err_set(err, WY_ENOTFOUND, "no object '%s'", ocfl_id);
    if (rc == WY_OK && !(s = st(c, S_FILES_DELETE, err)))
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, ocfl_id);
        rc = step_done(c, s, "replace an object's files", err);
    }
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        if (!files[i].path || !files[i].sha512) {
            rc = wy_err_set(err, WY_EINVAL,
                            "object '%s': file %zu has no path or digest",
                            ocfl_id, i + 1);
            break;
        }
        if (!(s = st(c, S_FILES_INSERT, err))) {
            rc = err->code;
            break;
        }
        bind_text(s, 1, ocfl_id);
        bind_text(s, 2, files[i].path);
        sqlite3_bind_int64(s, 3, files[i].size);
        bind_text(s, 4, files[i].sha512);
        bind_text(s, 5, files[i].md5);
        bind_text(s, 6, files[i].mime);
        bind_text(s, 7, files[i].format_check);
        rc = step_done(c, s, "store an object's file", err);
    }
    return w_end(c, rc, err);
}

static wy_code row_file(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_file *f = p;
    int ok = 1;
    f->path = col_dup(s, 0, &ok);
    f->size = sqlite3_column_int64(s, 1);
    f->sha512 = col_dup(s, 2, &ok);
    f->md5 = col_dup(s, 3, &ok);
    f->mime = col_dup(s, 4, &ok);
    f->format_check = col_dup(s, 5, &ok);
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
    sqlite3_stmt *s = st(c, S_FILES_GET, err);
    if (!s)
        return err->code;
    bind_text(s, 1, ocfl_id);
    void *arr;
    wy_code rc = collect(c, s, &arr, n, sizeof(**out), row_file,
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_AUDIT_BEGIN, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, scope);
        bind_text(s, 2, now);
        rc = step_done(c, s, "start an audit", err);
        *id = sqlite3_last_insert_rowid(c->db);
    }
    rc = w_end(c, rc, err);
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_AUDIT_RESULT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, audit_id);
        bind_text(s, 2, ocfl_id);
        bind_text(s, 3, status);
        bind_text(s, 4, detail);
        bind_text(s, 5, now);
        rc = step_done(c, s, "store an audit result", err);
    }
    if (rc == WY_OK && !(s = st(c, S_AUDIT_MARK, err)))
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, ocfl_id);
        bind_text(s, 2, now);
        bind_text(s, 3, status);
        rc = step_done(c, s, "mark an object audited", err);
    }
    return w_end(c, rc, err);
}

wy_code cat_audit_done(struct cat *c, int64_t audit_id, const char *ocfl_id,
                       int *done, struct wy_err *err)
{
    *done = 0;
    sqlite3_stmt *s = st(c, S_AUDIT_DONE, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, audit_id);
    bind_text(s, 2, ocfl_id);
    int64_t v = 0;
    wy_code rc = one_int(c, s, &v, "read an audit result", err);
    *done = v != 0;
    return rc;
}

wy_code cat_audit_end(struct cat *c, int64_t audit_id, const char *status,
                      int64_t objects, int64_t failed, struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_AUDIT_END, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, audit_id);
        bind_text(s, 2, now);
        bind_text(s, 3, status);
        sqlite3_bind_int64(s, 4, objects);
        sqlite3_bind_int64(s, 5, failed);
        rc = step_done(c, s, "end an audit", err);
    }
    return w_end(c, rc, err);
}

wy_code cat_audit_unfinished(struct cat *c, const char *scope, int64_t *id,
                             struct wy_err *err)
{
    *id = 0;
    sqlite3_stmt *s = st(c, S_AUDIT_UNFINISHED, err);
    if (!s)
        return err->code;
    bind_text(s, 1, scope);
    return one_int(c, s, id, "find an unfinished audit", err);
}

/* ---- ingest journal --------------------------------------------------- */

wy_code cat_journal_begin(struct cat *c, const char *key, int resume,
                          int64_t *id, int *resumed, struct wy_err *err)
{
    *id = 0;
    *resumed = 0;
    char now[21];
    cat_now(c, now);
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (resume) {
        if (!(s = st(c, S_BATCH_FIND, err)))
            rc = err->code;
        if (rc == WY_OK) {
            bind_text(s, 1, key);
            rc = one_int(c, s, id, "find an unfinished batch", err);
            *resumed = *id != 0;
        }
    }
    if (rc == WY_OK && !*id) {
        if (!(s = st(c, S_BATCH_INSERT, err)))
            rc = err->code;
        if (rc == WY_OK) {
            bind_text(s, 1, key);
            bind_text(s, 2, now);
            rc = step_done(c, s, "start an ingest batch", err);
            *id = sqlite3_last_insert_rowid(c->db);
        }
    }
    rc = w_end(c, rc, err);
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
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_ITEM_PUT, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, batch);
        bind_text(s, 2, item);
        sqlite3_bind_int(s, 3, (int)st_);
        bind_text(s, 4, ocfl_id);
        bind_text(s, 5, msg);
        bind_text(s, 6, now);
        rc = step_done(c, s, "journal an item", err);
    }
    return w_end(c, rc, err);
}

wy_code cat_journal_item_state(struct cat *c, int64_t batch, const char *item,
                               enum cat_item_state *out, struct wy_err *err)
{
    *out = CAT_ITEM_NONE;
    sqlite3_stmt *s = st(c, S_ITEM_GET, err);
    if (!s)
        return err->code;
    sqlite3_bind_int64(s, 1, batch);
    bind_text(s, 2, item);
    int64_t v = 0;
    wy_code rc = one_int(c, s, &v, "read the ingest journal", err);
    if (rc == WY_OK && v >= CAT_ITEM_PENDING && v <= CAT_ITEM_FAILED)
        *out = (enum cat_item_state)v;
    return rc;
}

wy_code cat_journal_end(struct cat *c, int64_t batch, const char *status,
                        struct wy_err *err)
{
    char now[21];
    cat_now(c, now);
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_BATCH_END, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, batch);
        bind_text(s, 2, now);
        bind_text(s, 3, status);
        rc = step_done(c, s, "end an ingest batch", err);
    }
    return w_end(c, rc, err);
}

/* ---- meta and status -------------------------------------------------- */

wy_code cat_meta_get(struct cat *c, const char *key, char **out,
                     struct wy_err *err)
{
    *out = NULL;
    sqlite3_stmt *s = st(c, S_META_GET, err);
    if (!s)
        return err->code;
    bind_text(s, 1, key);
    int r = sqlite3_step(s);
    int ok = 1;
    if (r == SQLITE_ROW)
        *out = col_dup(s, 0, &ok);
    sqlite3_reset(s);
    if (!ok)
        return NOMEM();
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return db_fail(c, err, "read a setting");
    return WY_OK;
}

wy_code cat_meta_set(struct cat *c, const char *key, const char *value,
                     struct wy_err *err)
{
    wy_code rc = w_begin(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = st(c, S_META_SET, err);
    if (!s)
        rc = err->code;
    if (rc == WY_OK) {
        bind_text(s, 1, key);
        bind_text(s, 2, value);
        rc = step_done(c, s, "store a setting", err);
    }
    return w_end(c, rc, err);
}

void cat_status_release(struct cat_status *st_)
{
    for (size_t i = 0; i < st_->nsources; i++)
        free(st_->by_source[i].key);
    free(st_->by_source);
    for (size_t i = 0; i < st_->ncollections; i++)
        free(st_->by_collection[i].key);
    free(st_->by_collection);
    free(st_->last_harvest);
    free(st_->last_audit);
    free(st_->last_index);
    memset(st_, 0, sizeof(*st_));
}

/* One-off aggregate queries: not worth caching. */
static wy_code q_int(struct cat *c, const char *sql, int64_t *out,
                     struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(c, err, "read the status");
    wy_code rc = one_int(c, s, out, "read the status", err);
    sqlite3_finalize(s);
    return rc;
}

static wy_code q_text(struct cat *c, const char *sql, char **out,
                      struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(c, err, "read the status");
    int r = sqlite3_step(s);
    int ok = 1;
    if (r == SQLITE_ROW)
        *out = col_dup(s, 0, &ok);
    sqlite3_finalize(s);
    if (!ok)
        return NOMEM();
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return db_fail(c, err, "read the status");
    return WY_OK;
}

static wy_code row_count(sqlite3_stmt *s, void *p, struct wy_err *err)
{
    struct cat_count_row *r = p;
    const unsigned char *k = sqlite3_column_text(s, 0);
    r->key = wy_strdup(k ? (const char *)k : "");
    r->live = sqlite3_column_int64(s, 1);
    r->deleted = sqlite3_column_int64(s, 2);
    return r->key ? WY_OK : NOMEM();
}

static wy_code q_counts(struct cat *c, const char *sql,
                        struct cat_count_row **out, size_t *n,
                        struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(c, err, "read the status");
    void *arr;
    wy_code rc = collect(c, s, &arr, n, sizeof(**out), row_count,
                         "read the status", err);
    sqlite3_finalize(s);
    *out = arr;
    return rc;
}

wy_code cat_status_get(struct cat *c, struct cat_status *o, struct wy_err *err)
{
    memset(o, 0, sizeof(*o));
    char *seq = NULL;
    wy_code rc = q_int(c, "SELECT count(*) FROM records WHERE deleted = 0",
                       &o->records, err);
    if (!rc)
        rc = q_int(c, "SELECT count(*) FROM records WHERE deleted = 1",
                   &o->deleted, err);
    if (!rc)
        rc = q_counts(c,
                      "SELECT source, sum(deleted = 0), sum(deleted = 1) "
                      "FROM records GROUP BY source ORDER BY source",
                      &o->by_source, &o->nsources, err);
    if (!rc)
        rc = q_counts(c,
                      "SELECT coalesce(collection, ''), sum(deleted = 0), "
                      "sum(deleted = 1) FROM records GROUP BY collection "
                      "ORDER BY collection",
                      &o->by_collection, &o->ncollections, err);
    if (!rc)
        rc = q_int(c, "SELECT count(*) FROM objects", &o->objects, err);
    if (!rc)
        rc = q_int(c, "SELECT coalesce(sum(files), 0) FROM objects", &o->files,
                   err);
    if (!rc)
        rc = q_int(c, "SELECT coalesce(sum(bytes), 0) FROM objects", &o->bytes,
                   err);
    if (!rc)
        rc = q_int(c,
                   "SELECT count(*) FROM objects WHERE audit_status = "
                   "'failed'",
                   &o->objects_failed_audit, err);
    if (!rc)
        rc = q_int(c, "SELECT count(*) FROM objects WHERE last_audit IS NULL",
                   &o->objects_never_audited, err);
    if (!rc)
        rc = q_int(c, "SELECT coalesce(max(seq), 0) FROM changes", &o->last_seq,
                   err);
    if (!rc)
        rc = q_text(c, "SELECT max(last_harvest) FROM sources",
                    &o->last_harvest, err);
    if (!rc)
        rc = q_int(c,
                   "SELECT count(*) FROM sources WHERE last_error IS NOT "
                   "NULL",
                   &o->sources_failing, err);
    if (!rc)
        rc = q_int(c, "SELECT count(*) FROM sources WHERE token IS NOT NULL",
                   &o->sources_interrupted, err);
    if (!rc)
        rc = q_text(c, "SELECT max(ended) FROM audits", &o->last_audit, err);
    if (!rc)
        rc = q_int(c,
                   "SELECT count(*) FROM ingest_batches b WHERE status <> "
                   "'done' AND id = (SELECT max(id) FROM ingest_batches n "
                   "WHERE n.key = b.key)",
                   &o->batches_unfinished, err);
    if (!rc)
        rc = cat_meta_get(c, "index.time", &o->last_index, err);
    if (!rc)
        rc = cat_meta_get(c, "index.last_seq", &seq, err);
    if (!rc && seq) {
        char *end;
        long long v = strtoll(seq, &end, 10);
        o->index_seq = (*end || v < 0) ? 0 : v;
    }
    free(seq);
    if (rc)
        cat_status_release(o);
    return rc;
}
