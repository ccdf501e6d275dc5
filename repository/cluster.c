/* repository/cluster.c: union-catalogue clusters (see cluster.h). */
#include "repository/cluster.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "indexer/cjk.h"
#include "repository/libraries.h"

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

enum {
    S_MEMBER_GET,
    S_MEMBER_PUT,
    S_MEMBER_DEL,
    S_MEMBER_SETC,
    S_KEYS_OF,
    S_KEY_DEL,
    S_KEY_ADD,
    S_NEIGH_KEY,
    S_NEIGH_LINK,
    S_MEMBERS_OF,
    S_RECLUSTER,
    S_HOLD_DEL,
    S_HOLD_ADD,
    S_PART_OF,
    S_STATE_GET,
    S_STATE_SET,
    S_KEY_CLUSTER,
    S_KEY_RECS,
    S_STAMP,
    S_STAMP_GONE,
    N_STMT
};

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

/* A set of ids (open addressing). */
struct idset {
    int64_t *slot; /* 0: empty (record ids are >= 1) */
    size_t cap, n;
};

static int idset_add(struct idset *s, int64_t id)
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

struct cluster {
    sqlite3 *db;
    sqlite3_stmt *st[N_STMT];
    struct cjk *cjk;
    int in_tx, ro, schema;
    int in_read;          /* cluster_read_begin */
    char *now;            /* fixed clock for tests, or NULL */
    struct idset touched; /* clusters written since the last stamp() */
    struct wy_buf norm, keys, old;
    struct cat *cat; /* during cluster_sync: resolves holding libraries */
};

static wy_code db_fail(struct cluster *cl, struct wy_err *err, const char *what)
{
    return wy_err_set(err, WY_EDB, "clusters: cannot %s: %s", what,
                      sqlite3_errmsg(cl->db));
}

static sqlite3_stmt *stmt(struct cluster *cl, int which)
{
    sqlite3_stmt *s = cl->st[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static wy_code exec(struct cluster *cl, const char *sql, const char *what,
                    struct wy_err *err)
{
    if (sqlite3_exec(cl->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(cl, err, what);
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
        return db_fail(cl, err, "read the schema version");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return db_fail(cl, err, "read the schema version");
    if (*out > CLUSTER_SCHEMA)
        return wy_err_set(err, WY_ESTATE,
                          "the cluster tables are schema %d, newer than "
                          "this program (%d)",
                          *out, CLUSTER_SCHEMA);
    return WY_OK;
}

static void clock_now(const struct cluster *cl, char out[21])
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
    if ((rc = exec(cl, "BEGIN IMMEDIATE", "begin the migration", err)))
        return rc;
    if ((rc = schema_version(cl, &v, err)) == WY_OK && v < 2) {
        char now[21];
        clock_now(cl, now);
        const char *sql = schema2;
        while (rc == WY_OK && *sql) {
            sqlite3_stmt *st = NULL;
            const char *tail = NULL;
            if (sqlite3_prepare_v2(cl->db, sql, -1, &st, &tail) != SQLITE_OK) {
                rc = db_fail(cl, err, "migrate the cluster tables to schema 2");
                break;
            }
            if (st) {
                if (sqlite3_bind_parameter_count(st))
                    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
                if (sqlite3_step(st) != SQLITE_DONE)
                    rc = db_fail(cl, err,
                                 "migrate the cluster tables to schema 2");
                sqlite3_finalize(st);
            }
            sql = tail;
        }
    }
    if (rc == WY_OK)
        return exec(cl, "COMMIT", "commit the migration", err);
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
    } else if ((rc = exec(cl, "PRAGMA journal_mode = WAL", "switch to WAL",
                          err)) ||
               (rc = exec(cl, "PRAGMA synchronous = NORMAL", "set synchronous",
                          err)) ||
               (rc = exec(cl, schema, "create the cluster tables", err)) ||
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
            rc = db_fail(cl, err, "prepare a statement");
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
static void reset_all(struct cluster *cl)
{
    for (int i = 0; i < N_STMT; i++)
        sqlite3_reset(cl->st[i]);
}

/* The cluster id was written (a member row of it added, changed, moved
   away or removed): stamp() brings its cluster_stamp row up to date. */
static wy_code touch(struct cluster *cl, int64_t cid, struct wy_err *err)
{
    if (idset_add(&cl->touched, cid) < 0)
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
   (maybe_stamp). */
static wy_code stamp(struct cluster *cl, struct wy_err *err)
{
    char now[21];
    clock_now(cl, now);
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < cl->touched.cap; i++) {
        if (!cl->touched.slot[i])
            continue;
        /* live (stamped), else maybe gone */
        for (int k = S_STAMP; rc == WY_OK && k <= S_STAMP_GONE; k++) {
            sqlite3_stmt *s = stmt(cl, k);
            sqlite3_bind_int64(s, 1, cl->touched.slot[i]);
            sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(cl, err, "stamp the changed clusters");
            else if (k == S_STAMP && sqlite3_changes(cl->db) > 0)
                break;
        }
    }
    if (rc == WY_OK)
        touched_clear(cl);
    return rc;
}

static wy_code maybe_stamp(struct cluster *cl, struct wy_err *err)
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
    reset_all(cl);
    if (cl->in_tx || cl->in_read)
        return wy_err_set(err, WY_ESTATE, "clusters: a transaction is open");
    wy_code rc = exec(cl, "BEGIN IMMEDIATE", "begin a transaction", err);
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
        rc = exec(cl, "COMMIT", "commit", err);
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

/* ---- match keys -------------------------------------------------------- */

int cluster_isbn13(const char *s, char out[14])
{
    char d[14];
    size_t n = 0;
    for (const char *p = s; *p && n < 14; p++) {
        if (*p >= '0' && *p <= '9')
            d[n++] = *p;
        else if ((*p == 'X' || *p == 'x') && n == 9)
            d[n++] = 'X';
        else if (*p == '-' || *p == ' ')
            continue;
        else if (n)
            break; /* "(精装)" and other qualifiers after it */
    }
    if (n == 10) {
        int sum = 0;
        for (int i = 0; i < 10; i++)
            sum += (10 - i) * (d[i] == 'X' ? 10 : d[i] - '0');
        if (sum % 11)
            return 0;
        memmove(d + 3, d, 9);
        memcpy(d, "978", 3);
    } else if (n == 13) {
        if (memcmp(d, "978", 3) && memcmp(d, "979", 3))
            return 0;
        int sum = 0;
        for (int i = 0; i < 13; i++) {
            if (d[i] == 'X')
                return 0;
            sum += (i % 2 ? 3 : 1) * (d[i] - '0');
        }
        if (sum % 10)
            return 0;
    } else {
        return 0;
    }
    int sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (i % 2 ? 3 : 1) * (d[i] - '0');
    d[12] = (char)('0' + (10 - sum % 10) % 10);
    memcpy(out, d, 13);
    out[13] = '\0';
    return 1;
}

static int issn8(const char *s, char out[9])
{
    size_t n = 0;
    for (const char *p = s; *p && n < 8; p++) {
        if ((*p >= '0' && *p <= '9') || ((*p == 'X' || *p == 'x') && n == 7))
            out[n++] = (char)(*p == 'x' ? 'X' : *p);
        else if (*p != '-' && *p != ' ')
            return 0;
    }
    out[8] = '\0';
    return n == 8;
}

/* Appends the normalized text of s: NFKC + t2s + variants (indexer/cjk.h),
   ASCII lowercased, everything but letters, digits and ideographs
   dropped. */
static wy_code add_norm(struct cluster *cl, const char *s, size_t n,
                        struct wy_buf *out, struct wy_err *err)
{
    wy_buf_reset(&cl->norm);
    /* loaded on first use (~20 ms): showing a cluster needs no keys */
    wy_code rc = cl->cjk ? WY_OK : cjk_new(&cl->cjk, err);
    if (rc == WY_OK)
        rc = cjk_normalize(cl->cjk, s, n, &cl->norm, err);
    if (rc)
        return rc;
    const char *p = cl->norm.p ? cl->norm.p : "";
    size_t len = cl->norm.len;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        uint32_t cp = cjk_utf8_next(p, len, &i);
        if (cp < 0x80) {
            if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z'))
                wy_buf_addc(out, (char)cp);
            else if (cp >= 'A' && cp <= 'Z')
                wy_buf_addc(out, (char)(cp + 32));
        } else if (cjk_is_han(cp) || (cp >= 0xC0 && cp < 0x2000)) {
            wy_buf_add(out, p + at, i - at); /* letters with accents too */
        }
    }
    return WY_OK;
}

/* The value of a number in Chinese numerals or digits ending at p (just
   before 卷/回), or -1. */
static long juan_number(const char *s, const char *p)
{
    const char *q = p;
    while (q > s && q[-1] >= '0' && q[-1] <= '9')
        q--;
    if (q < p) {
        long v = 0;
        for (; q < p && v < 100000; q++)
            v = v * 10 + (*q - '0');
        return v;
    }
    static const char *const dig[] = {"〇", "一", "二", "三", "四",
                                      "五", "六", "七", "八", "九"};
    /* walk back over numeral characters */
    q = p;
    for (;;) {
        if (q - s < 3)
            break;
        int ok = 0;
        for (int i = 0; i < 10 && !ok; i++)
            ok = !memcmp(q - 3, dig[i], 3);
        ok = ok || !memcmp(q - 3, "十", 3) || !memcmp(q - 3, "百", 3) ||
             !memcmp(q - 3, "千", 3) || !memcmp(q - 3, "零", 3) ||
             !memcmp(q - 3, "两", 3);
        if (!ok)
            break;
        q -= 3;
    }
    if (q == p)
        return -1;
    long total = 0, cur = 0;
    for (; q < p; q += 3) {
        int d = -1;
        for (int i = 0; i < 10; i++)
            if (!memcmp(q, dig[i], 3))
                d = i;
        if (!memcmp(q, "零", 3))
            d = 0;
        if (!memcmp(q, "两", 3))
            d = 2;
        if (d >= 0) {
            cur = cur * 10 + d; /* 一二〇 style as well as 一百二十 */
        } else {
            long unit = !memcmp(q, "十", 3)   ? 10
                        : !memcmp(q, "百", 3) ? 100
                                              : 1000;
            total += (cur ? cur : 1) * unit;
            cur = 0;
        }
    }
    return total + cur;
}

static long juan_of(const char *s)
{
    if (!s)
        return -1;
    for (const char *p = s; (p = strstr(p, "卷")) != NULL; p += 3) {
        long v = juan_number(s, p);
        if (v > 0)
            return v;
    }
    for (const char *p = s; (p = strstr(p, "回")) != NULL; p += 3) {
        long v = juan_number(s, p);
        if (v > 0)
            return v;
    }
    return -1;
}

static const char *const edition_types[] = {
    "刻本", "刊本", "抄本", "鈔本", "钞本", "稿本", "写本", "寫本", "活字",
    "石印", "铅印", "鉛印", "套印", "影印", "拓本", "油印", NULL};

/* The edition part of the title key: the census category (刻本...) or
   the edition number ("第2版", "2nd ed." -> "2"). */
static void edition_part(const char *s, struct wy_buf *out)
{
    if (!s)
        return;
    for (size_t i = 0; edition_types[i]; i++)
        if (strstr(s, edition_types[i])) {
            wy_buf_adds(out, edition_types[i]);
            return;
        }
    for (const char *p = s; *p; p++)
        if (*p >= '1' && *p <= '9') {
            while (*p >= '0' && *p <= '9')
                wy_buf_addc(out, *p++);
            return;
        }
}

/* The main title up to its first ':' '/' '=' (half or full width). */
static size_t title_len(const char *t)
{
    static const char *const stops[] = {":",  "/",  "=",  "：",
                                        "／", "＝", " ;", NULL};
    size_t n = strlen(t);
    for (size_t i = 0; stops[i]; i++) {
        const char *p = strstr(t, stops[i]);
        if (p && (size_t)(p - t) < n && p > t)
            n = (size_t)(p - t);
    }
    return n;
}

wy_code cluster_keys(struct cluster *cl, const struct wy_record *rec,
                     struct wy_buf *out, struct wy_err *err)
{
    const struct wy_desc *d = &rec->desc;
    size_t before = out->len;
    for (size_t i = 0; i < d->nidents; i++) {
        const char *t = d->idents[i].type, *v = d->idents[i].value;
        char b[14];
        if (!strcmp(t, "isbn") && cluster_isbn13(v, b))
            wy_buf_addf(out, "isbn:%s\n", b);
        else if (!strcmp(t, "issn") && issn8(v, b))
            wy_buf_addf(out, "issn:%s\n", b);
        else if (!strcmp(t, "control") && v[0] == '(') {
            const char *close = strchr(v, ')');
            if (!close || close == v + 1 || !close[1])
                continue;
            wy_buf_adds(out, "ctl:");
            for (const char *p = v + 1; p < close; p++)
                if (*p != ' ')
                    wy_buf_addc(out,
                                (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
            wy_buf_addc(out, ':');
            const char *num = close + 1;
            while (*num == ' ')
                num++;
            /* OCLC numbers come as ocm/ocn/on prefixed and zero-padded */
            if (!strncmp(num, "ocm", 3) || !strncmp(num, "ocn", 3))
                num += 3;
            else if (!strncmp(num, "on", 2))
                num += 2;
            while (*num == '0' && num[1])
                num++;
            for (const char *p = num; *p; p++)
                if (*p != ' ' && *p != '-')
                    wy_buf_addc(out, *p);
            wy_buf_addc(out, '\n');
        }
    }
    if (out->len > before || !d->ntitles)
        return wy_buf_status(out, err);
    /* no identifier: the descriptive key */
    size_t start = out->len;
    wy_buf_adds(out, "t:");
    size_t tstart = out->len;
    /* the title proper only: 245 $a / 200 $a, without the 卷数 ($n) or
       other title information some libraries add to the heading */
    const char *title =
        rec->kind == WY_MARC21    ? wy_record_subfield(rec, "245", 'a')
        : rec->kind == WY_UNIMARC ? wy_record_subfield(rec, "200", 'a')
                                  : NULL;
    if (!title || !*title)
        title = d->titles[0];
    wy_code rc = add_norm(cl, title, title_len(title), out, err);
    if (rc)
        return rc;
    if (out->len == tstart) { /* a title of punctuation only */
        wy_buf_truncate(out, start);
        return wy_buf_status(out, err);
    }
    wy_buf_addc(out, '|');
    const struct wy_name *who = NULL;
    for (size_t i = 0; i < d->ncreators && !who; i++)
        if (!d->creators[i].secondary)
            who = &d->creators[i];
    if (!who && d->ncreators)
        who = &d->creators[0];
    if (who && who->name &&
        (rc = add_norm(cl, who->name, strlen(who->name), out, err)))
        return rc;
    wy_buf_addc(out, '|');
    if (d->year_from != WY_YEAR_NONE)
        wy_buf_addf(out, "%d", d->year_from);
    wy_buf_addc(out, '|');
    edition_part(d->edition, out);
    wy_buf_addc(out, '|');
    long juan = juan_of(d->extent);
    for (size_t i = 0; juan < 0 && i < d->ntitles; i++)
        juan = juan_of(d->titles[i]);
    if (juan < 0 && rec->kind == WY_MARC21)
        juan = juan_of(wy_record_subfield(rec, "245", 'n'));
    if (juan > 0)
        wy_buf_addf(out, "%ld", juan);
    wy_buf_addc(out, '\n');
    return wy_buf_status(out, err);
}

int cluster_score(const struct wy_record *rec)
{
    const struct wy_desc *d = &rec->desc;
#define MIN_(a, b) ((a) < (b) ? (a) : (b))
    int s = 0;
    s += rec->kind != WY_MARC_NONE ? 10 : 0; /* full MARC beats DC/MODS */
    s += d->ntitles ? 5 : 0;
    s += 2 * (int)MIN_(d->ncreators, 3);
    s += d->date ? 2 : 0;
    s += d->year_from != WY_YEAR_NONE ? 1 : 0;
    s += d->publisher ? 2 : 0;
    s += d->place ? 1 : 0;
    s += d->edition ? 2 : 0;
    s += d->extent ? 2 : 0;
    s += (int)MIN_(d->nsubjects, 5);
    s += (int)MIN_(d->nidents, 5);
    s += (int)MIN_(d->nnotes, 5);
    s += (int)MIN_(d->nholdings, 3);
    s += (int)MIN_(rec->nfields / 5, 5);
#undef MIN_
    return s;
}

/* ---- clustering -------------------------------------------------------- */

struct idlist {
    int64_t *v;
    size_t n, cap;
};

static int idlist_push(struct idlist *l, int64_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        int64_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return 0;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 1;
}

/* The members of cluster cid, appended to l. */
static wy_code members_of(struct cluster *cl, int64_t cid, struct idlist *l,
                          struct wy_err *err)
{
    sqlite3_stmt *s = stmt(cl, S_MEMBERS_OF);
    sqlite3_bind_int64(s, 1, cid);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (!idlist_push(l, sqlite3_column_int64(s, 0)))
            return wy_err_set(err, WY_ENOMEM, "clusters: members of %lld",
                              (long long)cid);
    return r == SQLITE_DONE ? WY_OK : db_fail(cl, err, "list members");
}

static wy_code member_get(struct cluster *cl, int64_t id, int64_t *cid,
                          int64_t *part, struct wy_err *err);
static wy_code keys_of(struct cluster *cl, int64_t id, struct wy_buf *out,
                       struct wy_err *err);

/* A 64-bit FNV-1a hash of a key in a partition (never 0: idset's empty). */
static int64_t key_hash(const char *k, size_t n, int64_t part)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)part;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211u;
    h &= 0x7fffffffffffffffu;
    return h ? (int64_t)h : 1;
}

/* The records tied to id, appended to l: those sharing one of its keys in
   its partition (each key expanded once per search: keys seen so far are
   in seen_keys, so a key shared by n records costs n, not n squared), and
   its staff links. */
static wy_code neighbours(struct cluster *cl, int64_t id, struct idlist *l,
                          struct idset *seen_keys, struct wy_err *err)
{
    int64_t cid, part;
    wy_code rc = member_get(cl, id, &cid, &part, err);
    struct wy_buf keys = WY_BUF_INIT(1u << 20);
    if (rc == WY_OK)
        rc = keys_of(cl, id, &keys, err);
    const char *p = keys.p ? keys.p : "";
    for (const char *nl; rc == WY_OK && (nl = strchr(p, '\n')) != NULL;
         p = nl + 1) {
        int fresh = idset_add(seen_keys, key_hash(p, (size_t)(nl - p), part));
        if (fresh < 0)
            rc = wy_err_set(err, WY_ENOMEM, "clusters: neighbours");
        if (fresh <= 0)
            continue;
        sqlite3_stmt *s = stmt(cl, S_KEY_RECS);
        sqlite3_bind_text(s, 1, p, (int)(nl - p), SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, part);
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW)
            if (!idlist_push(l, sqlite3_column_int64(s, 0)))
                break;
        if (r != SQLITE_DONE && r != SQLITE_ROW)
            rc = db_fail(cl, err, "find neighbours");
        else if (r == SQLITE_ROW)
            rc = wy_err_set(err, WY_ENOMEM, "clusters: neighbours");
        sqlite3_reset(s);
    }
    wy_buf_release(&keys);
    if (rc)
        return rc;
    sqlite3_stmt *s = stmt(cl, S_NEIGH_LINK);
    sqlite3_bind_int64(s, 1, id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (!idlist_push(l, sqlite3_column_int64(s, 0)))
            return wy_err_set(err, WY_ENOMEM, "clusters: neighbours");
    return r == SQLITE_DONE ? WY_OK : db_fail(cl, err, "find linked records");
}

/* The clusters a new record id (in partition part, with the sorted keys
   of cl->keys) joins: one lookup per key, plus its staff links. */
static wy_code clusters_joined(struct cluster *cl, int64_t id, int64_t part,
                               struct idlist *ctr, struct wy_err *err)
{
    const char *p = cl->keys.p ? cl->keys.p : "";
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        sqlite3_stmt *s = stmt(cl, S_KEY_CLUSTER);
        sqlite3_bind_text(s, 1, p, (int)(nl - p), SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, part);
        sqlite3_bind_int64(s, 3, id);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW && !idlist_push(ctr, sqlite3_column_int64(s, 0)))
            return wy_err_set(err, WY_ENOMEM, "clusters: joining");
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return db_fail(cl, err, "find a key's cluster");
        sqlite3_reset(s);
    }
    sqlite3_stmt *s = stmt(cl, S_NEIGH_LINK);
    sqlite3_bind_int64(s, 1, id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (!idlist_push(ctr, sqlite3_column_int64(s, 1)))
            return wy_err_set(err, WY_ENOMEM, "clusters: joining");
    return r == SQLITE_DONE ? WY_OK : db_fail(cl, err, "find linked records");
}

/* Recomputes the connected components reached from the seeds: each gets
   the smallest record id in it as cluster id. */
static wy_code recluster(struct cluster *cl, const struct idlist *seeds,
                         struct wy_err *err)
{
    struct idset seen = {NULL, 0, 0}, seen_keys = {NULL, 0, 0};
    struct idlist comp = {NULL, 0, 0}, nb = {NULL, 0, 0};
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < seeds->n; i++) {
        int a = idset_add(&seen, seeds->v[i]);
        if (a < 0)
            rc = wy_err_set(err, WY_ENOMEM, "clusters: recomputing");
        if (a <= 0)
            continue;
        comp.n = 0;
        if (!idlist_push(&comp, seeds->v[i])) {
            rc = wy_err_set(err, WY_ENOMEM, "clusters: recomputing");
            break;
        }
        int64_t minid = seeds->v[i];
        for (size_t q = 0; rc == WY_OK && q < comp.n; q++) {
            nb.n = 0;
            rc = neighbours(cl, comp.v[q], &nb, &seen_keys, err);
            for (size_t k = 0; rc == WY_OK && k < nb.n; k++) {
                int b = idset_add(&seen, nb.v[k]);
                if (b < 0 || (b > 0 && !idlist_push(&comp, nb.v[k])))
                    rc = wy_err_set(err, WY_ENOMEM, "clusters: recomputing");
                if (b > 0 && nb.v[k] < minid)
                    minid = nb.v[k];
            }
        }
        char now[21];
        clock_now(cl, now);
        for (size_t q = 0; rc == WY_OK && q < comp.n; q++) {
            int64_t old;
            rc = member_get(cl, comp.v[q], &old, NULL, err);
            if (rc || old == minid)
                continue;
            sqlite3_stmt *s = stmt(cl, S_MEMBER_SETC);
            sqlite3_bind_int64(s, 1, comp.v[q]);
            sqlite3_bind_int64(s, 2, minid);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(cl, err, "set a record's cluster");
            if (rc == WY_OK && (rc = touch(cl, old, err)) == WY_OK)
                rc = touch(cl, minid, err);
        }
    }
    free(seen.slot);
    free(seen_keys.slot);
    free(comp.v);
    free(nb.v);
    return rc;
}

/* The member row of a record: *cid 0 when absent. */
static wy_code member_get(struct cluster *cl, int64_t id, int64_t *cid,
                          int64_t *part, struct wy_err *err)
{
    sqlite3_stmt *s = stmt(cl, S_MEMBER_GET);
    sqlite3_bind_int64(s, 1, id);
    *cid = 0;
    if (part)
        *part = 0;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        *cid = sqlite3_column_int64(s, 0);
        if (part)
            *part = sqlite3_column_int64(s, 1);
    } else if (r != SQLITE_DONE) {
        return db_fail(cl, err, "read a member");
    }
    return WY_OK;
}

/* The stored keys of a record, one per line, into out. */
static wy_code keys_of(struct cluster *cl, int64_t id, struct wy_buf *out,
                       struct wy_err *err)
{
    wy_buf_reset(out);
    sqlite3_stmt *s = stmt(cl, S_KEYS_OF);
    sqlite3_bind_int64(s, 1, id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        wy_buf_adds(out, (const char *)sqlite3_column_text(s, 0));
        wy_buf_addc(out, '\n');
    }
    if (r != SQLITE_DONE)
        return db_fail(cl, err, "read keys");
    return wy_buf_status(out, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and dedups the lines of b in place. */
static wy_code sort_lines(struct wy_buf *b, struct wy_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->p[i] == '\n';
    if (n < 2)
        return WY_OK;
    char **v = malloc(n * sizeof(*v));
    char *copy = malloc(b->len + 1);
    if (!v || !copy) {
        free(v);
        free(copy);
        return wy_err_set(err, WY_ENOMEM, "clusters: sorting keys");
    }
    memcpy(copy, b->p, b->len + 1);
    size_t k = 0;
    for (char *p = copy; k < n; k++) {
        v[k] = p;
        p = strchr(p, '\n');
        *p++ = '\0';
    }
    qsort(v, n, sizeof(*v), cmp_str);
    wy_buf_reset(b);
    for (size_t i = 0; i < n; i++)
        if (!i || strcmp(v[i], v[i - 1])) {
            wy_buf_adds(b, v[i]);
            wy_buf_addc(b, '\n');
        }
    free(v);
    free(copy);
    return wy_buf_status(b, err);
}

static wy_code put_holdings(struct cluster *cl, int64_t id, const char *source,
                            const struct wy_record *rec, struct wy_err *err)
{
    sqlite3_stmt *s = stmt(cl, S_HOLD_DEL);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return db_fail(cl, err, "drop holdings");
    const struct wy_desc *d = &rec->desc;
    size_t n = d->nholdings ? d->nholdings : 1;
    for (size_t i = 0; i < n; i++) {
        const char *lib = NULL, *callno = NULL;
        if (d->nholdings) {
            lib = d->holdings[i].institution;
            callno = d->holdings[i].callno;
        } else {
            callno = wy_desc_ident(rec, "callno");
        }
        if (!lib || !*lib)
            lib = source && *source ? source : CAT_LOCAL_SOURCE;
        /* a registered library is stored by its code, so that spellings
           count once; cluster_show names it */
        char *code = NULL;
        if (cl->cat) {
            wy_code rc = lib_resolve(cl->cat, lib, &code, NULL, err);
            if (rc)
                return rc;
        }
        s = stmt(cl, S_HOLD_ADD);
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, code ? code : lib, -1, SQLITE_TRANSIENT);
        free(code);
        if (callno)
            sqlite3_bind_text(s, 3, callno, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            return db_fail(cl, err, "add a holding");
    }
    return WY_OK;
}

wy_code cluster_put(struct cluster *cl, int64_t id, const char *source,
                    const struct wy_record *rec, struct wy_err *err)
{
    wy_buf_reset(&cl->keys);
    wy_code rc = cluster_keys(cl, rec, &cl->keys, err);
    if (rc == WY_OK)
        rc = sort_lines(&cl->keys, err);
    int64_t cid, part;
    if (rc == WY_OK)
        rc = member_get(cl, id, &cid, &part, err);
    if (rc == WY_OK && cid)
        rc = keys_of(cl, id, &cl->old, err);
    if (rc)
        return wy_err_prefix(err, "record %lld", (long long)id);
    int same_keys =
        cid && cl->old.len == cl->keys.len &&
        (!cl->keys.len || !memcmp(cl->old.p, cl->keys.p, cl->keys.len));
    if (!cid) {
        /* a staff partition decided before (the record was deleted and
           came back, or the clusters are being rebuilt) */
        sqlite3_stmt *s = stmt(cl, S_PART_OF);
        sqlite3_bind_int64(s, 1, id);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW)
            part = sqlite3_column_int64(s, 0);
        else if (r != SQLITE_DONE)
            return db_fail(cl, err, "read a partition");
    }
    char now[21];
    clock_now(cl, now);
    sqlite3_stmt *s = stmt(cl, S_MEMBER_PUT);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, cid ? cid : id);
    sqlite3_bind_int64(s, 3, part);
    sqlite3_bind_int(s, 4, cluster_score(rec));
    if (rec->desc.ntitles)
        sqlite3_bind_text(s, 5, rec->desc.titles[0], -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return db_fail(cl, err, "store a member");
    /* a new record's cluster is touched once it is known (below) */
    if ((cid && (rc = touch(cl, cid, err))) ||
        (rc = put_holdings(cl, id, source, rec, err)))
        return rc;
    if (same_keys) {
        rc = maybe_stamp(cl, err);
        reset_all(cl);
        return rc;
    }
    s = stmt(cl, S_KEY_DEL);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return db_fail(cl, err, "drop keys");
    const char *p = cl->keys.p ? cl->keys.p : "";
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        s = stmt(cl, S_KEY_ADD);
        sqlite3_bind_text(s, 1, p, (int)(nl - p), SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            return db_fail(cl, err, "add a key");
    }
    struct idlist nb = {NULL, 0, 0}, ctr = {NULL, 0, 0};
    if (!cid) {
        /* a new record: it joins, and may join together, the clusters of
           its neighbours; no cluster can fall apart */
        rc = clusters_joined(cl, id, part, &ctr, err);
        int64_t minid = id;
        for (size_t i = 0; i < ctr.n; i++)
            if (ctr.v[i] < minid)
                minid = ctr.v[i];
        for (size_t i = 0; rc == WY_OK && i < ctr.n; i++) {
            if (ctr.v[i] == minid)
                continue;
            s = stmt(cl, S_RECLUSTER);
            sqlite3_bind_int64(s, 1, ctr.v[i]);
            sqlite3_bind_int64(s, 2, minid);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(cl, err, "join clusters");
            if (rc == WY_OK)
                rc = touch(cl, ctr.v[i], err);
        }
        if (rc == WY_OK && minid != id) {
            s = stmt(cl, S_MEMBER_SETC);
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, minid);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(cl, err, "join a cluster");
        }
        if (rc == WY_OK)
            rc = touch(cl, minid, err);
    } else {
        /* changed keys: the old cluster may fall apart, or join others */
        rc = members_of(cl, cid, &nb, err);
        if (rc == WY_OK)
            rc = recluster(cl, &nb, err);
    }
    free(nb.v);
    free(ctr.v);
    if (rc == WY_OK)
        rc = maybe_stamp(cl, err);
    reset_all(cl);
    if (rc)
        wy_err_prefix(err, "record %lld", (long long)id);
    return rc;
}

wy_code cluster_remove(struct cluster *cl, int64_t id, struct wy_err *err)
{
    int64_t cid;
    wy_code rc = member_get(cl, id, &cid, NULL, err);
    if (rc || !cid)
        return rc;
    static const int del[] = {S_MEMBER_DEL, S_KEY_DEL, S_HOLD_DEL};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *s = stmt(cl, del[i]);
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            return db_fail(cl, err, "remove a record");
    }
    if ((rc = touch(cl, cid, err)))
        return rc;
    struct idlist m = {NULL, 0, 0};
    rc = members_of(cl, cid, &m, err);
    if (rc == WY_OK)
        rc = recluster(cl, &m, err);
    free(m.v);
    if (rc == WY_OK)
        rc = maybe_stamp(cl, err);
    reset_all(cl);
    return rc;
}

/* ---- following the catalog -------------------------------------------- */

struct change {
    int64_t seq, id;
    int del;
};
struct changes {
    struct change *v;
    size_t n, cap;
};

static wy_code take_change(void *ctx, const struct cat_change *ch,
                           struct wy_err *err)
{
    struct changes *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        struct change *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM, "clusters: change %lld",
                              (long long)ch->seq);
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].seq = ch->seq;
    c->v[c->n].id = ch->record_id;
    c->v[c->n].del = strcmp(ch->op, "put") != 0;
    c->n++;
    return WY_OK;
}

static wy_code state_get(struct cluster *cl, const char *key, int64_t *out,
                         struct wy_err *err)
{
    sqlite3_stmt *s = stmt(cl, S_STATE_GET);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    *out = 0;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else if (r != SQLITE_DONE)
        return db_fail(cl, err, "read the state");
    return WY_OK;
}

static wy_code state_set(struct cluster *cl, const char *key, int64_t v,
                         struct wy_err *err)
{
    sqlite3_stmt *s = stmt(cl, S_STATE_SET);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, v);
    return sqlite3_step(s) == SQLITE_DONE ? WY_OK
                                          : db_fail(cl, err, "save the state");
}

#define SYNC_CHUNK 2000

wy_code cluster_sync(struct cluster *cl, struct cat *c, size_t *done,
                     struct wy_err *err)
{
    struct changes ch = {NULL, 0, 0};
    int64_t last;
    size_t total = 0;
    wy_code rc = state_get(cl, "last_seq", &last, err);
    cl->cat = c;
    while (rc == WY_OK) {
        ch.n = 0;
        rc = cat_changes(c, last, SYNC_CHUNK, take_change, &ch, NULL, err);
        if (rc || !ch.n)
            break;
        if ((rc = cluster_begin(cl, err)))
            break;
        for (size_t i = 0; rc == WY_OK && i < ch.n; i++) {
            struct cat_record *cr = NULL;
            if (ch.v[i].del) {
                rc = cluster_remove(cl, ch.v[i].id, err);
                continue;
            }
            rc = cat_get_record(c, ch.v[i].id, CAT_LOAD_ALL, &cr, err);
            if (rc == WY_ENOTFOUND) {
                wy_err_release(err);
                rc = cluster_remove(cl, ch.v[i].id, err);
            } else if (rc == WY_OK && cr->deleted) {
                rc = cluster_remove(cl, ch.v[i].id, err);
            } else if (rc == WY_OK) {
                struct wy_record *rec = NULL;
                rc = cat_record_model(cr, &rec, err);
                if (rc == WY_OK)
                    rc = cluster_put(cl, cr->id, cr->source, rec, err);
                wy_record_free(rec);
            }
            cat_record_free(cr);
        }
        last = ch.v[ch.n - 1].seq;
        if (rc == WY_OK)
            rc = state_set(cl, "last_seq", last, err);
        if (rc == WY_OK)
            rc = cluster_commit(cl, err);
        else
            cluster_rollback(cl);
        total += ch.n;
    }
    free(ch.v);
    cl->cat = NULL;
    if (done)
        *done = total;
    return rc;
}

wy_code cluster_rebuild(struct cluster *cl, struct cat *c, size_t *done,
                        struct wy_err *err)
{
    wy_code rc = cluster_begin(cl, err);
    if (rc)
        return rc;
    rc = exec(cl,
              "DELETE FROM cluster_member; DELETE FROM cluster_key;"
              " DELETE FROM cluster_holding;"
              " DELETE FROM cluster_state WHERE key = 'last_seq';",
              "empty the cluster tables", err);
    /* every cluster is gone until the replay puts it back */
    char now[21];
    clock_now(cl, now);
    sqlite3_stmt *s = NULL;
    if (rc == WY_OK &&
        (sqlite3_prepare_v2(cl->db,
                            "UPDATE cluster_stamp SET gone = 1, datestamp ="
                            " max(datestamp, ?1) WHERE gone = 0",
                            -1, &s, NULL) != SQLITE_OK ||
         (sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC),
          sqlite3_step(s) != SQLITE_DONE)))
        rc = db_fail(cl, err, "empty the cluster tables");
    sqlite3_finalize(s);
    if (rc == WY_OK)
        rc = cluster_commit(cl, err);
    else
        cluster_rollback(cl);
    return rc ? rc : cluster_sync(cl, c, done, err);
}

/* ---- staff decisions --------------------------------------------------- */

static wy_code log_decision(struct cluster *cl, const char *action,
                            const char *detail, struct wy_err *err)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "INSERT INTO cluster_decision (time, action, detail)"
                           " VALUES (?1, ?2, ?3)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "log a decision");
    sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, detail, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    return r == SQLITE_DONE ? WY_OK : db_fail(cl, err, "log a decision");
}

/* Runs a one-off statement with up to three integer parameters. */
static wy_code run3(struct cluster *cl, const char *sql, int64_t a, int64_t b,
                    int64_t c, const char *what, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, what);
    int np = sqlite3_bind_parameter_count(s);
    if (np >= 1)
        sqlite3_bind_int64(s, 1, a);
    if (np >= 2)
        sqlite3_bind_int64(s, 2, b);
    if (np >= 3)
        sqlite3_bind_int64(s, 3, c);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    return r == SQLITE_DONE || r == SQLITE_ROW ? WY_OK : db_fail(cl, err, what);
}

static wy_code split_tx(struct cluster *cl, const int64_t *rec, size_t n,
                        const char *note, struct wy_err *err)
{
    int64_t cid = 0, c1;
    for (size_t i = 0; i < n; i++) {
        wy_code rc = member_get(cl, rec[i], &c1, NULL, err);
        if (rc)
            return rc;
        if (!c1)
            return wy_err_set(err, WY_EINVAL, "record %lld is not clustered",
                              (long long)rec[i]);
        if (i && c1 != cid)
            return wy_err_set(err, WY_EINVAL,
                              "records %lld and %lld are in different "
                              "clusters (%lld, %lld)",
                              (long long)rec[0], (long long)rec[i],
                              (long long)cid, (long long)c1);
        cid = c1;
    }
    struct idlist m = {NULL, 0, 0};
    wy_code rc = members_of(cl, cid, &m, err);
    if (rc == WY_OK && m.n <= n)
        rc = wy_err_set(err, WY_EINVAL,
                        "cluster %lld has %zu members: a split must leave "
                        "some behind",
                        (long long)cid, m.n);
    int64_t part = 0;
    if (rc == WY_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(cl->db,
                               "SELECT coalesce(max(part), 0) + 1"
                               " FROM cluster_part",
                               -1, &s, NULL) != SQLITE_OK ||
            sqlite3_step(s) != SQLITE_ROW)
            rc = db_fail(cl, err, "choose a partition");
        else
            part = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    struct wy_buf detail = WY_BUF_INIT(1u << 20);
    wy_buf_addf(&detail, "cluster %lld: records", (long long)cid);
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        wy_buf_addf(&detail, " %lld", (long long)rec[i]);
        rc = run3(cl, "INSERT OR REPLACE INTO cluster_part VALUES (?1, ?2)",
                  rec[i], part, 0, "store a partition", err);
        if (rc == WY_OK)
            rc = run3(cl,
                      "UPDATE cluster_member SET part = ?2"
                      " WHERE record_id = ?1",
                      rec[i], part, 0, "set a partition", err);
        /* staff links from the split records to those left behind go */
        for (size_t k = 0; rc == WY_OK && k < m.n; k++) {
            int named = 0;
            for (size_t j = 0; j < n && !named; j++)
                named = m.v[k] == rec[j];
            if (!named)
                rc = run3(cl,
                          "DELETE FROM cluster_link WHERE"
                          " (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)",
                          rec[i], m.v[k], 0, "drop a link", err);
        }
    }
    if (rc == WY_OK)
        rc = touch(cl, cid, err); /* partitions changed, rows may not */
    wy_buf_addf(&detail, " split off as partition %lld", (long long)part);
    if (note && *note)
        wy_buf_addf(&detail, ": %s", note);
    if (rc == WY_OK)
        rc = wy_buf_status(&detail, err);
    if (rc == WY_OK)
        rc = log_decision(cl, "split", wy_buf_cstr(&detail), err);
    if (rc == WY_OK)
        rc = recluster(cl, &m, err);
    if (rc == WY_OK)
        rc = maybe_stamp(cl, err);
    wy_buf_release(&detail);
    free(m.v);
    return rc;
}

wy_code cluster_split(struct cluster *cl, const int64_t *records, size_t n,
                      const char *note, struct wy_err *err)
{
    if (!n)
        return wy_err_set(err, WY_EINVAL, "split: no records named");
    wy_code rc = cluster_begin(cl, err);
    if (rc)
        return rc;
    rc = split_tx(cl, records, n, note, err);
    if (rc == WY_OK)
        return cluster_commit(cl, err);
    cluster_rollback(cl);
    return rc;
}

wy_code cluster_merge(struct cluster *cl, int64_t a, int64_t b,
                      const char *note, struct wy_err *err)
{
    int64_t ca, cb;
    wy_code rc = cluster_begin(cl, err);
    if (rc)
        return rc;
    if ((rc = member_get(cl, a, &ca, NULL, err)) ||
        (rc = member_get(cl, b, &cb, NULL, err)))
        goto out;
    if (!ca || !cb) {
        rc = wy_err_set(err, WY_EINVAL, "merge: %lld is not clustered",
                        (long long)(ca ? b : a));
        goto out;
    }
    if (ca == cb) {
        rc = wy_err_set(err, WY_EINVAL,
                        "merge: %lld and %lld are already cluster %lld",
                        (long long)a, (long long)b, (long long)ca);
        goto out;
    }
    int64_t x = ca < cb ? ca : cb, y = ca < cb ? cb : ca;
    rc = run3(cl, "INSERT OR IGNORE INTO cluster_link VALUES (?1, ?2)", x, y, 0,
              "store a link", err);
    struct wy_buf detail = WY_BUF_INIT(64 * 1024);
    wy_buf_addf(&detail,
                "clusters %lld and %lld linked through records "
                "%lld and %lld",
                (long long)ca, (long long)cb, (long long)x, (long long)y);
    if (note && *note)
        wy_buf_addf(&detail, ": %s", note);
    if (rc == WY_OK && (rc = wy_buf_status(&detail, err)) == WY_OK)
        rc = log_decision(cl, "merge", wy_buf_cstr(&detail), err);
    wy_buf_release(&detail);
    if (rc == WY_OK) {
        struct idlist seed = {NULL, 0, 0};
        if (!idlist_push(&seed, x))
            rc = wy_err_set(err, WY_ENOMEM, "merge");
        else
            rc = recluster(cl, &seed, err);
        free(seed.v);
    }
    if (rc == WY_OK)
        rc = maybe_stamp(cl, err);
out:
    if (rc == WY_OK)
        return cluster_commit(cl, err);
    cluster_rollback(cl);
    return rc;
}

/* ---- showing ----------------------------------------------------------- */

wy_code cluster_of(struct cluster *cl, int64_t record_id, int64_t *out,
                   struct wy_err *err)
{
    wy_code rc = member_get(cl, record_id, out, NULL, err);
    reset_all(cl);
    if (rc == WY_OK && !*out)
        rc = wy_err_set(err, WY_ENOTFOUND, "record %lld is not clustered",
                        (long long)record_id);
    return rc;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? strdup((const char *)t) : NULL;
}

void cluster_info_release(struct cluster_info *ci)
{
    for (size_t i = 0; i < ci->nmembers; i++) {
        free(ci->members[i].title);
        free(ci->members[i].keys);
        free(ci->members[i].why);
    }
    for (size_t i = 0; i < ci->nholdings; i++) {
        free(ci->holdings[i].library);
        free(ci->holdings[i].callno);
        free(ci->holdings[i].code);
    }
    free(ci->members);
    free(ci->holdings);
    memset(ci, 0, sizeof(*ci));
}

/* Why record id is tied to the others of its cluster. */
static wy_code explain(struct cluster *cl, int64_t id, struct wy_buf *out,
                       struct wy_err *err)
{
    sqlite3_stmt *s = stmt(cl, S_NEIGH_KEY);
    sqlite3_bind_int64(s, 1, id);
    int r;
    const char *prev = NULL;
    size_t listed = 0, more = 0;
    struct wy_buf last = WY_BUF_INIT(64 * 1024);
    /* rows come grouped by key (the join walks k1's keys in order) */
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(s, 2);
        if (!prev || strcmp(wy_buf_cstr(&last), key)) {
            if (more)
                wy_buf_addf(out, " and %zu more", more);
            if (prev)
                wy_buf_adds(out, "; ");
            wy_buf_addf(out, "%s shared with", key);
            wy_buf_reset(&last);
            wy_buf_adds(&last, key);
            prev = "";
            listed = more = 0;
        }
        if (listed++ < 10) /* a serial's ISSN may tie thousands */
            wy_buf_addf(out, " %lld", (long long)sqlite3_column_int64(s, 0));
        else
            more++;
    }
    if (more)
        wy_buf_addf(out, " and %zu more", more);
    wy_buf_release(&last);
    if (r != SQLITE_DONE)
        return db_fail(cl, err, "explain");
    s = stmt(cl, S_NEIGH_LINK);
    sqlite3_bind_int64(s, 1, id);
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        wy_buf_addf(out, "%sstaff link to %lld", out->len ? "; " : "",
                    (long long)sqlite3_column_int64(s, 0));
    if (r != SQLITE_DONE)
        return db_fail(cl, err, "explain");
    return wy_buf_status(out, err);
}

static wy_code show(struct cluster *cl, int64_t id, int brief,
                    struct cluster_info *out, struct wy_err *err);

wy_code cluster_show(struct cluster *cl, int64_t id, struct cluster_info *out,
                     struct wy_err *err)
{
    return show(cl, id, 0, out, err);
}

wy_code cluster_show_brief(struct cluster *cl, int64_t id,
                           struct cluster_info *out, struct wy_err *err)
{
    return show(cl, id, 1, out, err);
}

static wy_code show(struct cluster *cl, int64_t id, int brief,
                    struct cluster_info *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    int64_t cid;
    wy_code rc = cluster_of(cl, id, &cid, err);
    if (rc)
        return rc;
    out->id = cid;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT record_id, score, part, title FROM"
                           " cluster_member WHERE cluster_id = ?1"
                           " ORDER BY score DESC, record_id",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "list a cluster");
    sqlite3_bind_int64(s, 1, cid);
    int r;
    size_t cap = 0;
    while (rc == WY_OK && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->nmembers == cap) {
            cap = cap ? cap * 2 : 8;
            void *p = realloc(out->members, cap * sizeof(*out->members));
            if (!p) {
                rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
                break;
            }
            out->members = p;
        }
        struct cluster_member_info *m = &out->members[out->nmembers++];
        memset(m, 0, sizeof(*m));
        m->record_id = sqlite3_column_int64(s, 0);
        m->score = sqlite3_column_int(s, 1);
        m->part = sqlite3_column_int64(s, 2);
        m->title = dup_col(s, 3);
    }
    sqlite3_finalize(s);
    if (rc == WY_OK && out->nmembers)
        out->display = out->members[0].record_id;
    struct wy_buf b = WY_BUF_INIT(1u << 20);
    for (size_t i = 0; rc == WY_OK && !brief && i < out->nmembers; i++) {
        struct cluster_member_info *m = &out->members[i];
        rc = keys_of(cl, m->record_id, &b, err);
        if (rc == WY_OK && !(m->keys = wy_buf_take(&b, NULL)))
            rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
        wy_buf_reset(&b);
        if (rc == WY_OK)
            rc = explain(cl, m->record_id, &b, err);
        if (rc == WY_OK && !(m->why = wy_buf_take(&b, NULL)))
            rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
    }
    wy_buf_release(&b);
    /* holdings store a registered library's code: named by the register
       (repository/libraries.h) when the catalog has one */
    int reg = 0;
    if (rc == WY_OK) {
        if (sqlite3_prepare_v2(cl->db,
                               "SELECT 1 FROM sqlite_master WHERE type ="
                               " 'table' AND name = 'libraries'",
                               -1, &s, NULL) != SQLITE_OK)
            rc = db_fail(cl, err, "look for the library register");
        else
            reg = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        s = NULL;
    }
    if (rc == WY_OK &&
        sqlite3_prepare_v2(
            cl->db,
            reg ? "SELECT h.record_id, coalesce(l.name, h.library), h.callno,"
                  " h.library, l.code FROM cluster_holding h"
                  " JOIN cluster_member m ON m.record_id = h.record_id"
                  " LEFT JOIN libraries l ON l.code = h.library"
                  " WHERE m.cluster_id = ?1 ORDER BY 2, 4, h.record_id"
                : "SELECT h.record_id, h.library, h.callno, h.library, NULL"
                  " FROM cluster_holding h JOIN cluster_member m ON"
                  " m.record_id = h.record_id WHERE m.cluster_id = ?1"
                  " ORDER BY 2, 4, h.record_id",
            -1, &s, NULL) != SQLITE_OK)
        rc = db_fail(cl, err, "list holdings");
    if (rc == WY_OK) {
        sqlite3_bind_int64(s, 1, cid);
        cap = 0;
        char *lastkey = NULL;
        while (rc == WY_OK && (r = sqlite3_step(s)) == SQLITE_ROW) {
            if (out->nholdings == cap) {
                cap = cap ? cap * 2 : 8;
                void *p = realloc(out->holdings, cap * sizeof(*out->holdings));
                if (!p) {
                    rc = wy_err_set(err, WY_ENOMEM, "cluster %lld",
                                    (long long)cid);
                    break;
                }
                out->holdings = p;
            }
            struct cluster_holding_info *h = &out->holdings[out->nholdings++];
            h->record_id = sqlite3_column_int64(s, 0);
            h->library = dup_col(s, 1);
            h->callno = dup_col(s, 2);
            h->code = dup_col(s, 4);
            /* one library per code (or unregistered name): rows come
               ordered by name, then code */
            const unsigned char *key = sqlite3_column_text(s, 3);
            if (!h->library ||
                (!h->callno && sqlite3_column_type(s, 2) != SQLITE_NULL) ||
                (!h->code && sqlite3_column_type(s, 4) != SQLITE_NULL))
                rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
            else if (!key || !lastkey || strcmp((const char *)key, lastkey))
                out->nlibraries++;
            free(lastkey);
            lastkey = NULL;
            if (rc == WY_OK && key && !(lastkey = wy_strdup((const char *)key)))
                rc = wy_err_set(err, WY_ENOMEM, "cluster %lld", (long long)cid);
        }
        free(lastkey);
        sqlite3_finalize(s);
    }
    reset_all(cl);
    if (rc)
        cluster_info_release(out);
    return rc;
}

wy_code cluster_stats(struct cluster *cl, int64_t *clusters, int64_t *records,
                      int64_t *shared, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT count(*), sum(n), sum(n > 1) FROM"
                           " (SELECT count(*) AS n FROM cluster_member"
                           " GROUP BY cluster_id)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "count clusters");
    wy_code rc = WY_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *clusters = sqlite3_column_int64(s, 0);
        *records = sqlite3_column_int64(s, 1);
        *shared = sqlite3_column_int64(s, 2);
    } else {
        rc = db_fail(cl, err, "count clusters");
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- change times ------------------------------------------------------ */

static wy_code need_schema2(struct cluster *cl, struct wy_err *err)
{
    if (cl->schema >= 2)
        return WY_OK;
    return wy_err_set(err, WY_ESTATE,
                      "the cluster tables are schema %d, without change "
                      "times: run 'wenyuan cluster sync' to upgrade them",
                      cl->schema);
}

static void head_of(sqlite3_stmt *s, struct cluster_head *h)
{
    h->id = sqlite3_column_int64(s, 0);
    const unsigned char *t = sqlite3_column_text(s, 1);
    snprintf(h->datestamp, sizeof(h->datestamp), "%s",
             t ? (const char *)t : "");
    h->gone = sqlite3_column_int(s, 2) != 0;
}

/* One step of a keyset walk: ?1 the position's datestamp, ?2 its id,
   ?3 from, ?4 until, ?5 include gone, ?6 limit. Each is an index seek
   (a row value (datestamp, id) > (?1, ?2) is not: SQLite 3.40 seeks on
   its first column and scans the rest, and a rebuild gives every cluster
   the same datestamp). */
static const char list_same_ds[] =
    "SELECT cluster_id, datestamp, gone FROM cluster_stamp"
    " WHERE datestamp = ?1 AND cluster_id > ?2 AND datestamp >= ?3"
    " AND datestamp <= ?4 AND (?5 OR NOT gone) ORDER BY cluster_id LIMIT ?6";
static const char list_later_ds[] =
    "SELECT cluster_id, datestamp, gone FROM cluster_stamp"
    " WHERE datestamp > ?1 AND datestamp >= ?3 AND datestamp <= ?4"
    " AND (?5 OR NOT gone) ORDER BY datestamp, cluster_id LIMIT ?6";

static wy_code list_step(struct cluster *cl, const char *sql,
                         const struct cluster_query *q, const char *pos_ds,
                         int64_t pos_id, int64_t limit, cluster_head_cb cb,
                         void *ctx, size_t *n, int *stopped, struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "list clusters");
    sqlite3_bind_text(s, 1, pos_ds, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, pos_id);
    sqlite3_bind_text(s, 3, q->from ? q->from : "", -1, SQLITE_STATIC);
    /* '~' sorts after every datestamp */
    sqlite3_bind_text(s, 4, q->until ? q->until : "~", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, q->include_gone != 0);
    sqlite3_bind_int64(s, 6, limit);
    int r;
    wy_code rc = WY_OK;
    struct cluster_head h;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        head_of(s, &h);
        (*n)++;
        rc = cb(ctx, &h, err);
        if (rc)
            break;
    }
    if (rc == WY_OK && r != SQLITE_DONE)
        rc = db_fail(cl, err, "list clusters");
    sqlite3_finalize(s);
    if (rc == WY_EOF) {
        *stopped = 1;
        rc = WY_OK;
    }
    return rc;
}

wy_code cluster_list(struct cluster *cl, const struct cluster_query *q,
                     cluster_head_cb cb, void *ctx, size_t *n,
                     struct wy_err *err)
{
    size_t got = 0;
    int stopped = 0;
    wy_code rc = need_schema2(cl, err);
    int64_t limit = q->limit ? (int64_t)q->limit : -1;
    /* the rest of the position's second, then the later ones */
    if (rc == WY_OK && q->after_ds)
        rc = list_step(cl, list_same_ds, q, q->after_ds, q->after_id, limit, cb,
                       ctx, &got, &stopped, err);
    if (rc == WY_OK && !stopped && (limit < 0 || (int64_t)got < limit))
        rc = list_step(cl, list_later_ds, q, q->after_ds ? q->after_ds : "", 0,
                       limit < 0 ? -1 : limit - (int64_t)got, cb, ctx, &got,
                       &stopped, err);
    if (n)
        *n = got;
    return rc;
}

wy_code cluster_count(struct cluster *cl, const struct cluster_query *q,
                      int64_t *out, struct wy_err *err)
{
    *out = 0;
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT count(*) FROM cluster_stamp"
                           " WHERE datestamp >= ?1 AND datestamp <= ?2"
                           " AND (?3 OR NOT gone)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "count clusters");
    /* an index range: "" and "~" bound every datestamp */
    sqlite3_bind_text(s, 1, q->from ? q->from : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, q->until ? q->until : "~", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, q->include_gone != 0);
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        rc = db_fail(cl, err, "count clusters");
    sqlite3_finalize(s);
    return rc;
}

wy_code cluster_head(struct cluster *cl, int64_t id, struct cluster_head *out,
                     struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db,
                           "SELECT cluster_id, datestamp, gone FROM"
                           " cluster_stamp WHERE cluster_id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "read a cluster");
    sqlite3_bind_int64(s, 1, id);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        head_of(s, out);
    else if (r == SQLITE_DONE)
        rc = wy_err_set(err, WY_ENOTFOUND, "no cluster has id %lld",
                        (long long)id);
    else
        rc = db_fail(cl, err, "read a cluster");
    sqlite3_finalize(s);
    return rc;
}

wy_code cluster_earliest(struct cluster *cl, char out[21], struct wy_err *err)
{
    out[0] = '\0';
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cl->db, "SELECT min(datestamp) FROM cluster_stamp",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(cl, err, "read the earliest datestamp");
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        if (t)
            snprintf(out, 21, "%s", (const char *)t);
    } else {
        rc = db_fail(cl, err, "read the earliest datestamp");
    }
    sqlite3_finalize(s);
    return rc;
}

wy_code cluster_changed_members(struct cluster *cl, const char *since,
                                int64_t after_record, size_t limit,
                                cluster_member_cb cb, void *ctx,
                                struct wy_err *err)
{
    wy_code rc = need_schema2(cl, err);
    if (rc)
        return rc;
    /* two index seeks on (changed, record_id), as cluster_list: the rest
       of the position's second, then the later ones */
    static const char *const sql[2] = {
        "SELECT record_id, cluster_id, changed FROM cluster_member"
        " WHERE changed = ?1 AND record_id > ?2 ORDER BY record_id LIMIT ?3",
        "SELECT record_id, cluster_id, changed FROM cluster_member"
        " WHERE changed > ?1 ORDER BY changed, record_id LIMIT ?3"};
    int64_t left = limit ? (int64_t)limit : -1;
    for (int step = 0; rc == WY_OK && step < 2 && left != 0; step++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(cl->db, sql[step], -1, &s, NULL) != SQLITE_OK)
            return db_fail(cl, err, "list changed members");
        sqlite3_bind_text(s, 1, since ? since : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, after_record);
        sqlite3_bind_int64(s, 3, left);
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(s, 2);
            if (left > 0)
                left--;
            rc = cb(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                    t ? (const char *)t : "", err);
            if (rc)
                break;
        }
        if (rc == WY_OK && r != SQLITE_DONE)
            rc = db_fail(cl, err, "list changed members");
        sqlite3_finalize(s);
    }
    return rc == WY_EOF ? WY_OK : rc;
}

wy_code cluster_read_begin(struct cluster *cl, struct wy_err *err)
{
    if (cl->in_tx || cl->in_read)
        return wy_err_set(err, WY_ESTATE, "clusters: a transaction is open");
    reset_all(cl);
    wy_code rc = exec(cl, "BEGIN", "begin a read transaction", err);
    if (rc == WY_OK)
        cl->in_read = 1;
    return rc;
}

void cluster_read_end(struct cluster *cl)
{
    if (!cl || !cl->in_read)
        return;
    reset_all(cl);
    sqlite3_exec(cl->db, "COMMIT", NULL, NULL, NULL);
    cl->in_read = 0;
}
