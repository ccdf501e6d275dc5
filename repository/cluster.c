/* repository/cluster.c: union-catalogue clusters (see cluster.h): the
   cluster tables, their schema and migration, the prepared statements,
   opening and closing, transactions and the change stamps they leave. */
#include "repository/cluster_int.h"

/* The cluster tables: created here, in the catalog database, by this
   module (the catalog's own migrations do not know them). Version 1. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS cluster_member ("
    " record_id INTEGER PRIMARY KEY,"
    " cluster_id INTEGER NOT NULL,"
    " part INTEGER NOT NULL DEFAULT 0," /* staff partition */
    " score INTEGER NOT NULL,"
    " title TEXT);"
    "CREATE INDEX IF NOT EXISTS cluster_member_cluster"
    " ON cluster_member(cluster_id);"
    "CREATE TABLE IF NOT EXISTS cluster_key ("
    " key TEXT NOT NULL, record_id INTEGER NOT NULL,"
    " PRIMARY KEY (key, record_id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS cluster_key_record ON cluster_key(record_id);"
    "CREATE TABLE IF NOT EXISTS cluster_holding ("
    " record_id INTEGER NOT NULL, library TEXT NOT NULL, callno TEXT);"
    "CREATE INDEX IF NOT EXISTS cluster_holding_record"
    " ON cluster_holding(record_id);"
    /* staff decisions: they are the only state not derived from records */
    "CREATE TABLE IF NOT EXISTS cluster_link ("
    " a INTEGER NOT NULL, b INTEGER NOT NULL,"
    " PRIMARY KEY (a, b)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS cluster_part ("
    " record_id INTEGER PRIMARY KEY, part INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cluster_decision ("
    " id INTEGER PRIMARY KEY, time TEXT NOT NULL, action TEXT NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cluster_state ("
    " key TEXT PRIMARY KEY, value TEXT);"
    "INSERT OR IGNORE INTO cluster_state VALUES ('schema', '1');";

/* Schema 2: the change time of every member row (the OAI datestamp of
   /oai/union, what an indexer follows) and one row per cluster id ever
   seen, live or gone (the tombstones of a persistent deletedRecord).
   ?1: now. A fresh database takes the same path as an old one. */
static const char schema2[] =
    "ALTER TABLE cluster_member ADD COLUMN changed TEXT NOT NULL DEFAULT '';"
    "UPDATE cluster_member SET changed = ?1;"
    "CREATE INDEX cluster_member_changed ON cluster_member(changed);"
    "CREATE TABLE cluster_stamp ("
    " cluster_id INTEGER PRIMARY KEY,"
    " datestamp TEXT NOT NULL," /* max(changed) of its members, or when
                                   it vanished */
    " gone INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX cluster_stamp_ds ON cluster_stamp(datestamp, cluster_id);"
    "INSERT INTO cluster_stamp SELECT cluster_id, ?1, 0 FROM cluster_member"
    " GROUP BY cluster_id;"
    "UPDATE cluster_state SET value = '2' WHERE key = 'schema';";

#define CLUSTER_SCHEMA 2

static const char *const stmt_sql[N_STMT] = {
    [S_MEMBER_GET] = "SELECT cluster_id, part FROM cluster_member"
                     " WHERE record_id = ?1",
    [S_MEMBER_PUT] = "INSERT INTO cluster_member"
                     " (record_id, cluster_id, part, score, title, changed)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                     " ON CONFLICT(record_id) DO UPDATE SET"
                     " score = excluded.score, title = excluded.title,"
                     " changed = excluded.changed",
    [S_MEMBER_DEL] = "DELETE FROM cluster_member WHERE record_id = ?1",
    [S_MEMBER_SETC] = "UPDATE cluster_member SET cluster_id = ?2,"
                      " changed = ?3 WHERE record_id = ?1 AND cluster_id <> ?2",
    [S_KEYS_OF] = "SELECT key FROM cluster_key WHERE record_id = ?1"
                  " ORDER BY key",
    [S_KEY_DEL] = "DELETE FROM cluster_key WHERE record_id = ?1",
    [S_KEY_ADD] = "INSERT OR IGNORE INTO cluster_key VALUES (?1, ?2)",
    /* records sharing a key with ?1 in the same staff partition */
    [S_NEIGH_KEY] = "SELECT k2.record_id, m2.cluster_id, k1.key"
                    " FROM cluster_key k1"
                    " JOIN cluster_key k2 ON k2.key = k1.key"
                    " JOIN cluster_member m1 ON m1.record_id = k1.record_id"
                    " JOIN cluster_member m2 ON m2.record_id = k2.record_id"
                    " WHERE k1.record_id = ?1 AND k2.record_id <> ?1"
                    " AND m2.part = m1.part ORDER BY 3, 1",
    [S_NEIGH_LINK] = "SELECT m.record_id, m.cluster_id FROM cluster_link l"
                     " JOIN cluster_member m ON m.record_id ="
                     " CASE WHEN l.a = ?1 THEN l.b ELSE l.a END"
                     " WHERE l.a = ?1 OR l.b = ?1",
    [S_MEMBERS_OF] = "SELECT record_id FROM cluster_member"
                     " WHERE cluster_id = ?1 ORDER BY record_id",
    [S_RECLUSTER] = "UPDATE cluster_member SET cluster_id = ?2,"
                    " changed = ?3 WHERE cluster_id = ?1",
    [S_HOLD_DEL] = "DELETE FROM cluster_holding WHERE record_id = ?1",
    [S_HOLD_ADD] = "INSERT INTO cluster_holding VALUES (?1, ?2, ?3)",
    [S_PART_OF] = "SELECT part FROM cluster_part WHERE record_id = ?1",
    [S_STATE_GET] = "SELECT value FROM cluster_state WHERE key = ?1",
    [S_STATE_SET] = "INSERT OR REPLACE INTO cluster_state VALUES (?1, ?2)",
    /* every record with a key in one partition is in one cluster, so one
       of them tells the cluster (constant cost however many share it) */
    [S_KEY_CLUSTER] = "SELECT m.cluster_id FROM cluster_key k"
                      " JOIN cluster_member m ON m.record_id = k.record_id"
                      " WHERE k.key = ?1 AND m.part = ?2"
                      " AND k.record_id <> ?3 LIMIT 1",
    [S_KEY_RECS] = "SELECT k.record_id FROM cluster_key k"
                   " JOIN cluster_member m ON m.record_id = k.record_id"
                   " WHERE k.key = ?1 AND m.part = ?2",
    /* a cluster written by a transaction is stamped now (a member
       joined, left or changed) when it has members; without any, it is
       gone from now. An id never stamped (a record's own id it had until
       it joined a cluster in the same transaction) was never seen and
       gets no tombstone. ?1 cluster id, ?2 now. */
    [S_STAMP] = "INSERT INTO cluster_stamp (cluster_id, datestamp, gone)"
                " SELECT ?1, ?2, 0 WHERE EXISTS (SELECT 1 FROM"
                " cluster_member WHERE cluster_id = ?1)"
                " ON CONFLICT(cluster_id) DO UPDATE SET"
                " datestamp = max(datestamp, excluded.datestamp), gone = 0",
    [S_STAMP_GONE] = "UPDATE cluster_stamp SET gone = 1,"
                     " datestamp = max(datestamp, ?2) WHERE cluster_id = ?1"
                     " AND gone = 0 AND NOT EXISTS (SELECT 1 FROM"
                     " cluster_member WHERE cluster_id = ?1)",
};

int clui_idset_add(struct idset *s, int64_t id)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i])
                continue;
            size_t h = (size_t)((uint64_t)s->slot[i] * 0x9E3779B97F4A7C15u) &
                       (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = s->slot[i];
        }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15u) & (s->cap - 1);
    while (s->slot[h]) {
        if (s->slot[h] == id)
            return 0;
        h = (h + 1) & (s->cap - 1);
    }
    s->slot[h] = id;
    s->n++;
    return 1;
}

wy_code clui_db_fail(struct cluster *cl, struct wy_err *err, const char *what)
{
    return wy_err_set(err, WY_EDB, "clusters: cannot %s: %s", what,
                      sqlite3_errmsg(cl->db));
}

sqlite3_stmt *clui_stmt(struct cluster *cl, int which)
{
    sqlite3_stmt *s = cl->st[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

wy_code clui_exec(struct cluster *cl, const char *sql, const char *what,
                  struct wy_err *err)
{
    if (sqlite3_exec(cl->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, what);
    return WY_OK;
}

/* The statements a read-only handle does not prepare. */
static int writes(int i)
{
    return i == S_MEMBER_PUT || i == S_MEMBER_SETC || i == S_RECLUSTER ||
           i == S_STAMP || i == S_STAMP_GONE;
}

static wy_code schema_version(struct cluster *cl, int *out, struct wy_err *err)
{
    sqlite3_stmt *st = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT value FROM cluster_state"
                           " WHERE key = 'schema'",
                           -1, &st, NULL) != SQLITE_OK)
        return clui_db_fail(cl, err, "read the schema version");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return clui_db_fail(cl, err, "read the schema version");
    if (*out > CLUSTER_SCHEMA)
        return wy_err_set(err, WY_ESTATE,
                          "the cluster tables are schema %d, newer than "
                          "this program (%d)",
                          *out, CLUSTER_SCHEMA);
    return WY_OK;
}

void clui_clock_now(const struct cluster *cl, char out[21])
{
    if (cl->now) {
        snprintf(out, 21, "%s", cl->now);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Brings schema 1 tables to schema 2, in one transaction (an old database
   is left as it was when this fails). */
static wy_code migrate(struct cluster *cl, struct wy_err *err)
{
    int v;
    wy_code rc = schema_version(cl, &v, err);
    if (rc || v >= 2)
        return rc; /* the usual case: no write lock taken */
    if ((rc = clui_exec(cl, "BEGIN IMMEDIATE", "begin the migration", err)))
        return rc;
    if ((rc = schema_version(cl, &v, err)) == WY_OK && v < 2) {
        char now[21];
        clui_clock_now(cl, now);
        const char *sql = schema2;
        while (rc == WY_OK && *sql) {
            sqlite3_stmt *st = NULL;
            const char *tail = NULL;
            if (sqlite3_prepare_v2(cl->db, sql, -1, &st, &tail) != SQLITE_OK) {
                rc = clui_db_fail(cl, err,
                                  "migrate the cluster tables to schema 2");
                break;
            }
            if (st) {
                if (sqlite3_bind_parameter_count(st))
                    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
                if (sqlite3_step(st) != SQLITE_DONE)
                    rc = clui_db_fail(cl, err,
                                      "migrate the cluster tables to schema 2");
                sqlite3_finalize(st);
            }
            sql = tail;
        }
    }
    if (rc == WY_OK)
        return clui_exec(cl, "COMMIT", "commit the migration", err);
    sqlite3_exec(cl->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static wy_code open_db(struct cluster **out, const char *path, int ro,
                       struct wy_err *err)
{
    *out = NULL;
    struct cluster *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return wy_err_set(err, WY_ENOMEM, "clusters: opening '%s'", path);
    wy_buf_init(&cl->norm, 1u << 20);
    wy_buf_init(&cl->keys, 1u << 20);
    wy_buf_init(&cl->old, 1u << 20);
    wy_code rc = WY_OK;
    if (sqlite3_open_v2(path, &cl->db,
                        (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = wy_err_set(err, WY_EDB, "clusters: cannot open '%s': %s", path,
                        cl->db ? sqlite3_errmsg(cl->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(cl->db, 10000);
    if (ro) {
        sqlite3_stmt *st = NULL;
        int have = sqlite3_prepare_v2(cl->db,
                                      "SELECT 1 FROM sqlite_master"
                                      " WHERE name = 'cluster_state'",
                                      -1, &st, NULL) == SQLITE_OK &&
                   sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (!have) {
            rc = wy_err_set(err, WY_ENOTFOUND,
                            "no clusters yet: run "
                            "'wenyuan cluster sync'");
            goto fail;
        }
    } else if ((rc = clui_exec(cl, "PRAGMA journal_mode = WAL", "switch to WAL",
                               err)) ||
               (rc = clui_exec(cl, "PRAGMA synchronous = NORMAL",
                               "set synchronous", err)) ||
               (rc = clui_exec(cl, schema, "create the cluster tables", err)) ||
               (rc = migrate(cl, err))) {
        goto fail;
    }
    cl->ro = ro;
    if ((rc = schema_version(cl, &cl->schema, err)))
        goto fail;
    for (int i = 0; i < N_STMT; i++)
        if (ro && writes(i))
            continue; /* a read-only handle on schema 1 still shows */
        else if (sqlite3_prepare_v3(cl->db, stmt_sql[i], -1,
                                    SQLITE_PREPARE_PERSISTENT, &cl->st[i],
                                    NULL) != SQLITE_OK) {
            rc = clui_db_fail(cl, err, "prepare a statement");
            goto fail;
        }
    *out = cl;
    return WY_OK;
fail:
    wy_err_prefix(err, "%s", path);
    cluster_close(cl);
    return rc;
}

wy_code cluster_open(struct cluster **out, const char *path, struct wy_err *err)
{
    return open_db(out, path, 0, err);
}

wy_code cluster_open_readonly(struct cluster **out, const char *path,
                              struct wy_err *err)
{
    return open_db(out, path, 1, err);
}

void cluster_close(struct cluster *cl)
{
    if (!cl)
        return;
    if (cl->in_tx || cl->in_read)
        sqlite3_exec(cl->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < N_STMT; i++)
        sqlite3_finalize(cl->st[i]);
    sqlite3_close(cl->db);
    cjk_free(cl->cjk);
    free(cl->now);
    free(cl->touched.slot);
    wy_buf_release(&cl->norm);
    wy_buf_release(&cl->keys);
    wy_buf_release(&cl->old);
    free(cl);
}

/* Ends every cached statement: a SELECT left after its first row keeps a
   read transaction (an old snapshot) open, and BEGIN IMMEDIATE on such a
   connection fails at once with SQLITE_BUSY instead of waiting. */
void clui_reset_all(struct cluster *cl)
{
    for (int i = 0; i < N_STMT; i++)
        sqlite3_reset(cl->st[i]);
}

/* The cluster id was written (a member row of it added, changed, moved
   away or removed): stamp() brings its cluster_stamp row up to date. */
wy_code clui_touch(struct cluster *cl, int64_t cid, struct wy_err *err)
{
    if (clui_idset_add(&cl->touched, cid) < 0)
        return wy_err_set(err, WY_ENOMEM, "clusters: cluster %lld",
                          (long long)cid);
    return WY_OK;
}

static void touched_clear(struct cluster *cl)
{
    if (cl->touched.n)
        memset(cl->touched.slot, 0, cl->touched.cap * sizeof(int64_t));
    cl->touched.n = 0;
}

/* Stamps the clusters written since the last stamp: datestamp now, gone
   when no member is left. Run by cluster_commit (so a transaction stamps
   its net effect), or at the end of a write made outside a transaction
   (clui_maybe_stamp). */
static wy_code stamp(struct cluster *cl, struct wy_err *err)
{
    char now[21];
    clui_clock_now(cl, now);
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < cl->touched.cap; i++) {
        if (!cl->touched.slot[i])
            continue;
        /* live (stamped), else maybe gone */
        for (int k = S_STAMP; rc == WY_OK && k <= S_STAMP_GONE; k++) {
            sqlite3_stmt *s = clui_stmt(cl, k);
            sqlite3_bind_int64(s, 1, cl->touched.slot[i]);
            sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = clui_db_fail(cl, err, "stamp the changed clusters");
            else if (k == S_STAMP && sqlite3_changes(cl->db) > 0)
                break;
        }
    }
    if (rc == WY_OK)
        touched_clear(cl);
    return rc;
}

wy_code clui_maybe_stamp(struct cluster *cl, struct wy_err *err)
{
    return cl->in_tx ? WY_OK : stamp(cl, err);
}

wy_code cluster_set_now(struct cluster *cl, const char *now, struct wy_err *err)
{
    char *copy = NULL;
    if (now) {
        if (strlen(now) != 20 || now[4] != '-' || now[10] != 'T' ||
            now[19] != 'Z')
            return wy_err_set(err, WY_EINVAL,
                              "clusters: '%s' is not YYYY-MM-DDThh:mm:ssZ",
                              now);
        if (!(copy = strdup(now)))
            return wy_err_set(err, WY_ENOMEM, "clusters: clock");
    }
    free(cl->now);
    cl->now = copy;
    return WY_OK;
}

wy_code cluster_begin(struct cluster *cl, struct wy_err *err)
{
    clui_reset_all(cl);
    if (cl->in_tx || cl->in_read)
        return wy_err_set(err, WY_ESTATE, "clusters: a transaction is open");
    wy_code rc = clui_exec(cl, "BEGIN IMMEDIATE", "begin a transaction", err);
    if (rc == WY_OK)
        cl->in_tx = 1;
    touched_clear(cl);
    return rc;
}

wy_code cluster_commit(struct cluster *cl, struct wy_err *err)
{
    if (!cl->in_tx)
        return wy_err_set(err, WY_ESTATE, "clusters: no transaction is open");
    wy_code rc = stamp(cl, err);
    cl->in_tx = 0;
    if (rc == WY_OK)
        rc = clui_exec(cl, "COMMIT", "commit", err);
    if (rc)
        sqlite3_exec(cl->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

void cluster_rollback(struct cluster *cl)
{
    if (cl->in_tx)
        sqlite3_exec(cl->db, "ROLLBACK", NULL, NULL, NULL);
    cl->in_tx = 0;
    touched_clear(cl);
}
