/* repository/cat_status.c: the catalog's status summary. */
#include "repository/catalog_int.h"

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
        return cati_db_fail(c, err, "read the status");
    wy_code rc = cati_one_int(c, s, out, "read the status", err);
    sqlite3_finalize(s);
    return rc;
}

static wy_code q_text(struct cat *c, const char *sql, char **out,
                      struct wy_err *err)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
        return cati_db_fail(c, err, "read the status");
    int r = sqlite3_step(s);
    int ok = 1;
    if (r == SQLITE_ROW)
        *out = cati_col_dup(s, 0, &ok);
    sqlite3_finalize(s);
    if (!ok)
        return NOMEM();
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return cati_db_fail(c, err, "read the status");
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
        return cati_db_fail(c, err, "read the status");
    void *arr;
    wy_code rc = cati_collect(c, s, &arr, n, sizeof(**out), row_count,
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
        rc = q_int(c, "SELECT count(*) FROM ingest_intents",
                   &o->intents_pending, err);
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
