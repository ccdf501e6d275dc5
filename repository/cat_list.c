/* repository/cat_list.c: listing and counting the catalog's records. */
#include "repository/catalog_int.h"

/* ---- listing ---------------------------------------------------------- */

/* 'YYYY-MM-DD' bounds widen to the whole day. */
static wy_code bound(const char *in, int until, char out[21],
                     struct wy_err *err)
{
    size_t n = strlen(in);
    if (n == 10) {
        memcpy(out, in, 10);
        memcpy(out + 10, until ? "T23:59:59Z" : "T00:00:00Z", 11);
        if (cati_is_utc_stamp(out))
            return WY_OK;
    } else if (cati_is_utc_stamp(in)) {
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
            return cati_db_fail(c, err, "list records");
        if (keep)
            c->lst[c->nlst++] = (struct list_stmt){key, 1, s};
    }
    if (q->from)
        cati_bind_text(s, 1, from);
    if (q->until)
        cati_bind_text(s, 2, until);
    if (q->source)
        cati_bind_text(s, 3, q->source);
    if (q->set)
        cati_bind_text(s, 4, q->set);
    if (!count && q->after_datestamp) {
        cati_bind_text(s, 5, q->after_datestamp);
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
            rc = cati_row_record(c, s, q->what == CAT_LOAD_ALL, &rec, err);
            if (rc == WY_OK)
                rc = cati_load_sets(c, rec, err);
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
        rc = cati_db_fail(c, err, "list records");
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
        rc = cati_db_fail(c, err, "count records");
    list_done(c, s);
    return rc;
}

wy_code cat_earliest_datestamp(struct cat *c, char out[21], struct wy_err *err)
{
    out[0] = '\0';
    sqlite3_stmt *s = cati_st(c, S_EARLIEST, err);
    if (!s)
        return err->code;
    int r = sqlite3_step(s);
    const unsigned char *v = r == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
    if (v && strlen((const char *)v) == 20)
        memcpy(out, v, 21);
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return cati_db_fail(c, err, "read the earliest datestamp");
    return WY_OK;
}
