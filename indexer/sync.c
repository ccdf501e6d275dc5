/* indexer/sync.c: the catalog's change log to the index. */
#include "indexer/sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"
#include "repository/cluster.h"
#include "repository/home.h"
#include "repository/libraries.h"

struct change {
    int64_t seq, record_id;
    int del;
};

struct batch {
    struct change *v;
    size_t n, cap;
};

static wy_code collect(void *ctx, const struct cat_change *ch,
                       struct wy_err *err)
{
    struct batch *b = ctx;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct change *v = wy_realloc(b->v, cap * sizeof(*v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM, "out of memory reading changes");
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n].seq = ch->seq;
    b->v[b->n].record_id = ch->record_id;
    b->v[b->n].del = ch->op && !strcmp(ch->op, "delete");
    b->n++;
    return WY_OK;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

/* Reads the text files of the record's object into texts (new strings). */
static wy_code object_texts(struct cat *c, struct store *st, int64_t rid,
                            struct idx_text **texts, size_t *ntexts,
                            struct wy_err *err)
{
    struct cat_object o = {0};
    *texts = NULL;
    *ntexts = 0;
    wy_code rc = cat_object_get_by_record(c, rid, &o, err);
    if (rc == WY_ENOTFOUND) {
        wy_err_release(err);
        return WY_OK;
    }
    if (rc != WY_OK)
        return rc;
    struct cat_file *files = NULL;
    size_t nfiles = 0;
    rc = cat_object_files(c, o.ocfl_id, &files, &nfiles, err);
    if (rc == WY_OK && nfiles)
        *texts = wy_calloc(nfiles, sizeof(**texts));
    if (rc == WY_OK && nfiles && !*texts)
        rc = wy_err_set(err, WY_ENOMEM, "out of memory reading full text");
    for (size_t i = 0; i < nfiles && rc == WY_OK; i++) {
        const char *p = files[i].path;
        int hocr = ends_with(p, ".hocr");
        int html = ends_with(p, ".html") || ends_with(p, ".xhtml");
        if (!hocr && !html && !ends_with(p, ".txt"))
            continue;
        if (files[i].size < 0 || (uint64_t)files[i].size > IDX_SYNC_MAX_TEXT)
            continue;
        struct wy_buf path = WY_BUF_INIT(1u << 16);
        struct wy_buf data = WY_BUF_INIT(IDX_SYNC_MAX_TEXT);
        rc = store_object_path(st, o.ocfl_id, 0, p, &path, NULL, err);
        if (rc == WY_OK)
            rc = wy_file_read(wy_buf_cstr(&path), &data, err);
        wy_buf_release(&path);
        if (rc == WY_OK && html && !strstr(wy_buf_cstr(&data), "ocr_page")) {
            wy_buf_release(&data);
            continue; /* an HTML file that is not hOCR */
        }
        if (rc == WY_OK) {
            struct idx_text *t = &(*texts)[(*ntexts)++];
            t->kind = hocr || html ? IDX_TEXT_HOCR : IDX_TEXT_PLAIN;
            t->data = wy_buf_take(&data, &t->len);
            t->object = wy_strdup(o.ocfl_id);
            if (!t->data || !t->object)
                rc =
                    wy_err_set(err, WY_ENOMEM, "out of memory reading '%s'", p);
        } else {
            wy_err_prefix(err, "object '%s'", o.ocfl_id);
        }
        wy_buf_release(&data);
    }
    cat_files_free(files, nfiles);
    cat_object_release(&o);
    return rc;
}

static void free_texts(struct idx_text *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)t[i].data);
        free((char *)t[i].object);
    }
    free(t);
}

/* The library facet names a registered library by its preferred name,
   however its holdings spell it (repository/libraries.h). */
static wy_code resolve_library(void *ctx, const char *inst, char **name,
                               struct wy_err *err)
{
    return lib_resolve(ctx, inst, NULL, name, err);
}

/* The cluster of record rid (0: not clustered, or no cluster tables). */
static wy_code cluster_id(struct cluster *cl, int64_t rid, int64_t *out,
                          struct wy_err *err)
{
    *out = 0;
    if (!cl)
        return WY_OK;
    wy_code rc = cluster_of(cl, rid, out, err);
    if (rc == WY_ENOTFOUND) {
        wy_err_release(err);
        *out = 0;
        rc = WY_OK;
    }
    return rc;
}

/* Indexes one live record of the catalog (its model and object texts). */
static wy_code put_record(struct idx *x, struct cat *c, struct store *st,
                          struct cluster *cl, const struct cat_record *cr,
                          struct idx_sync_stats *s, struct wy_err *err)
{
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)cr->id);
    struct wy_record *r = NULL;
    struct idx_text *texts = NULL;
    size_t ntexts = 0;
    int64_t cid = 0;
    wy_code rc = cluster_id(cl, cr->id, &cid, err);
    if (rc == WY_OK)
        rc = cat_record_model(cr, &r, err);
    if (rc == WY_OK && st)
        rc = object_texts(c, st, cr->id, &texts, &ntexts, err);
    if (rc == WY_OK) {
        idx_set_library_resolver(x, resolve_library, c);
        struct idx_meta m = {id,
                             cr->source,
                             cr->collection,
                             (const char *const *)cr->sets,
                             cr->nsets,
                             0,
                             cid};
        rc = idx_put(x, r, &m, texts, ntexts, err);
        idx_set_library_resolver(x, NULL, NULL);
    }
    if (rc == WY_OK) {
        s->indexed++;
        s->texts += ntexts;
    }
    free_texts(texts, ntexts);
    wy_record_free(r);
    return rc;
}

static wy_code apply(struct idx *x, struct cat *c, struct store *st,
                     struct cluster *cl, const struct change *ch,
                     struct idx_sync_stats *s, struct wy_err *err)
{
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)ch->record_id);
    struct cat_record *cr = NULL;
    wy_code rc = cat_get_record(c, ch->record_id, CAT_LOAD_ALL, &cr, err);
    if (rc == WY_ENOTFOUND) { /* gone from the catalog altogether */
        wy_err_release(err);
        s->deleted++;
        return idx_delete(x, id, err);
    }
    if (rc != WY_OK)
        return rc;
    if (cr->deleted) {
        s->deleted++;
        rc = idx_delete(x, id, err);
    } else {
        rc = put_record(x, c, st, cl, cr, s, err);
    }
    cat_record_free(cr);
    return rc;
}

/* The time now as the cluster tables write it ('YYYY-MM-DDThh:mm:ssZ'). */
static void utc_now(char out[21])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) ||
        strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

struct member {
    int64_t record, cluster;
    char changed[21];
};

struct members {
    struct member *v;
    size_t n, cap;
};

static wy_code collect_member(void *ctx, int64_t record, int64_t cluster,
                              const char *changed, struct wy_err *err)
{
    struct members *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct member *v = wy_realloc(m->v, cap * sizeof(*v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM,
                              "out of memory reading cluster changes");
        m->v = v;
        m->cap = cap;
    }
    struct member *e = &m->v[m->n++];
    e->record = record;
    e->cluster = cluster;
    snprintf(e->changed, sizeof(e->changed), "%s", changed);
    return WY_OK;
}

wy_code idx_follow_clusters(struct idx *x, struct cluster *cl, size_t batch,
                            struct idx_sync_stats *stats, struct wy_err *err)
{
    if (!cl)
        return WY_OK;
    if (!batch)
        batch = IDX_SYNC_BATCH;
    char *mark = NULL, since[21];
    wy_code rc = idx_get_cluster_mark(x, &mark, err);
    if (rc != WY_OK)
        return rc;
    snprintf(since, sizeof(since), "%s", mark);
    free(mark);
    /* from (since, 0): the rows of the last second seen are looked at
       again (a write in that second may have come after the last run);
       a record whose cluster is unchanged is not rewritten */
    int64_t after = 0;
    struct members m = {0};
    for (;;) {
        m.n = 0;
        rc = cluster_changed_members(cl, since, after, batch, collect_member,
                                     &m, err);
        if (rc != WY_OK || m.n == 0)
            break;
        rc = idx_begin(x, err);
        for (size_t i = 0; i < m.n && rc == WY_OK; i++) {
            char id[32];
            int changed = 0;
            snprintf(id, sizeof(id), "%lld", (long long)m.v[i].record);
            rc = idx_set_cluster(x, id, m.v[i].cluster, &changed, err);
            if (rc == WY_OK && changed && stats)
                stats->reclustered++;
        }
        if (rc == WY_OK)
            rc = idx_set_cluster_mark(x, m.v[m.n - 1].changed, err);
        if (rc == WY_OK)
            rc = idx_commit(x, err);
        if (rc != WY_OK) {
            struct wy_err ignore = WY_ERR_INIT;
            idx_cancel(x, &ignore);
            wy_err_release(&ignore);
            wy_err_prefix(err, "following cluster changes since '%s'", since);
            break;
        }
        snprintf(since, sizeof(since), "%s", m.v[m.n - 1].changed);
        after = m.v[m.n - 1].record;
        if (m.n < batch)
            break;
    }
    free(m.v);
    return rc;
}

struct full {
    struct idx *x;
    struct cat *c;
    struct store *st;
    struct cluster *cl;
    struct idx_sync_stats *s;
    size_t batch, n;
    struct wy_log *log;
    struct wy_progress *prog;
};

static wy_code full_one(void *ctx, const struct cat_record *cr,
                        struct wy_err *err)
{
    struct full *f = ctx;
    wy_code rc = put_record(f->x, f->c, f->st, f->cl, cr, f->s, err);
    if (rc != WY_OK)
        return wy_err_prefix(err, "record %lld", (long long)cr->id);
    if (++f->n % f->batch == 0) {
        rc = idx_commit(f->x, err);
        if (rc == WY_OK)
            rc = idx_begin(f->x, err);
        if (f->log)
            wy_progress_update(f->prog, f->n, 0);
    }
    return rc;
}

/* A rebuild reads the catalog's live records once each (not the whole
   change log), so documents are added without looking for older ones. */
static wy_code idx_sync_full(struct idx *x, struct cat *c, struct store *st,
                             struct cluster *cl, size_t batch,
                             struct wy_log *log,
                             struct idx_sync_stats *s, struct wy_err *err)
{
    int64_t last = 0, total = 0;
    struct cat_list_query q = {0};
    q.what = CAT_LOAD_ALL;
    /* every record gets the cluster it is in now: cluster changes from
       now on are followed afterwards */
    char now[21];
    utc_now(now);
    wy_code rc = cat_last_seq(c, &last, err);
    if (rc == WY_OK)
        rc = cat_count(c, &q, &total, err);
    if (rc != WY_OK)
        return rc;
    struct wy_progress prog;
    struct full f = {x, c, st, cl, s, batch, 0, log, &prog};
    if (log)
        wy_progress_begin(&prog, log, "records", (uint64_t)total, 0);
    idx_set_fresh(x, 1);
    rc = idx_begin(x, err);
    if (rc == WY_OK)
        rc = cat_list(c, &q, full_one, &f, NULL, err);
    if (rc == WY_OK)
        rc = idx_set_seq(x, (uint64_t)last, err);
    if (rc == WY_OK && cl)
        rc = idx_set_cluster_mark(x, now, err);
    if (rc == WY_OK)
        rc = idx_commit(x, err);
    if (rc != WY_OK) {
        struct wy_err ignore = WY_ERR_INIT;
        idx_cancel(x, &ignore);
        wy_err_release(&ignore);
    }
    idx_set_fresh(x, 0);
    if (log)
        wy_progress_end(&prog);
    s->changes = 0;
    s->to_seq = rc == WY_OK ? (uint64_t)last : 0;
    return rc;
}

wy_code idx_sync(struct idx *x, struct cat *c, struct store *st,
                 struct cluster *cl, size_t batch, struct wy_log *log,
                 struct idx_sync_stats *stats, struct wy_err *err)
{
    struct idx_sync_stats s = {0};
    struct batch b = {0};
    uint64_t seq;
    int64_t last_seq = 0;
    struct wy_progress prog;
    if (!batch)
        batch = IDX_SYNC_BATCH;
    wy_code rc = idx_get_seq(x, &seq, err);
    if (rc == WY_OK)
        rc = cat_last_seq(c, &last_seq, err);
    if (rc != WY_OK)
        return rc;
    s.from_seq = s.to_seq = seq;
    if (log)
        wy_progress_begin(
            &prog, log, "changes",
            last_seq > (int64_t)seq ? (uint64_t)last_seq - seq : 0, 0);
    for (;;) {
        b.n = 0;
        int64_t last = 0;
        rc = cat_changes(c, (int64_t)seq, batch, collect, &b, &last, err);
        if (rc != WY_OK || b.n == 0)
            break;
        rc = idx_begin(x, err);
        for (size_t i = 0; i < b.n && rc == WY_OK; i++) {
            rc = apply(x, c, st, cl, &b.v[i], &s, err);
            if (rc != WY_OK)
                wy_err_prefix(err, "record %lld (change %lld)",
                              (long long)b.v[i].record_id,
                              (long long)b.v[i].seq);
        }
        if (rc == WY_OK)
            rc = idx_set_seq(x, (uint64_t)b.v[b.n - 1].seq, err);
        if (rc == WY_OK)
            rc = idx_commit(x, err);
        if (rc != WY_OK) {
            struct wy_err ignore = WY_ERR_INIT;
            idx_cancel(x, &ignore);
            wy_err_release(&ignore);
            break;
        }
        seq = (uint64_t)b.v[b.n - 1].seq;
        s.changes += b.n;
        s.to_seq = seq;
        if (log)
            wy_progress_update(&prog, s.changes, 0);
    }
    if (log)
        wy_progress_end(&prog);
    free(b.v);
    if (stats)
        *stats = s;
    return rc;
}

/* The catalog keeps what `wenyuan status` shows: how far the index got
   and when. */
static wy_code record_in_catalog(struct cat *c, uint64_t seq,
                                 struct wy_err *err)
{
    char num[32], when[32];
    snprintf(num, sizeof(num), "%llu", (unsigned long long)seq);
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) ||
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        when[0] = '\0';
    wy_code rc = cat_meta_set(c, "index.last_seq", num, err);
    if (rc == WY_OK && when[0])
        rc = cat_meta_set(c, "index.time", when, err);
    return rc;
}

wy_code idx_update_home(struct wy_home *h, int rebuild, size_t batch,
                        struct wy_log *log, struct idx_sync_stats *stats,
                        struct wy_err *err)
{
    struct store *st = NULL;
    struct idx *x = NULL;
    struct wy_buf tmp = WY_BUF_INIT(1u << 16), old = WY_BUF_INIT(1u << 16);
    wy_code rc = WY_OK;
    /* a home's storage root is made when the first object is stored;
       until then there is no full text to index */
    wy_path_join(&tmp, h->store_path, "0=ocfl_1.1");
    if (wy_is_file(wy_buf_cstr(&tmp))) {
        rc = store_open(&st, h->store_path, err);
        if (rc != WY_OK) {
            wy_buf_release(&tmp);
            return rc;
        }
    }
    /* the clusters first, so that every record is indexed with the
       cluster it is in now (what an import does after each batch) */
    struct cluster *cl = NULL;
    size_t clustered = 0;
    rc = cluster_open(&cl, h->catalog_path, err);
    if (rc == WY_OK)
        rc = cluster_sync(cl, h->cat, &clustered, err);
    if (rc != WY_OK) {
        wy_err_prefix(err, "updating the clusters");
        cluster_close(cl);
        store_close(st);
        wy_buf_release(&tmp);
        return rc;
    }
    wy_buf_reset(&tmp);
    wy_buf_adds(&tmp, h->index_path);
    wy_buf_adds(&tmp, ".new");
    wy_buf_adds(&old, h->index_path);
    wy_buf_adds(&old, ".old");
    rc = wy_buf_status(&tmp, err);
    if (rc == WY_OK)
        rc = wy_buf_status(&old, err);
    if (rc == WY_OK && rebuild) {
        rc = wy_rmtree(wy_buf_cstr(&tmp), err);
        if (rc == WY_OK)
            rc = idx_open(&x, wy_buf_cstr(&tmp), IDX_REBUILD, err);
    } else if (rc == WY_OK) {
        rc = idx_open(&x, h->index_path, IDX_WRITE, err);
        if (rc == WY_OK && idx_stale(x))
            rc = wy_err_set(err, WY_ESTATE,
                            "index '%s': %s; run 'wenyuan index --rebuild'",
                            h->index_path, idx_stale(x));
    }
    struct idx_sync_stats s0 = {0};
    uint64_t seq = 0, docs = 0;
    if (rc == WY_OK && !rebuild) {
        rc = idx_get_seq(x, &seq, err);
        if (rc == WY_OK)
            rc = idx_count(x, &docs, err);
        /* a new, empty index is filled like a rebuild, in place */
        if (rc == WY_OK && seq == 0 && docs == 0)
            rebuild = 2;
    }
    if (rc == WY_OK && rebuild)
        rc = idx_sync_full(x, h->cat, st, cl, batch ? batch : IDX_SYNC_BATCH,
                           log, &s0, err);
    if (rc == WY_OK) /* changes made meanwhile; everything when syncing */
        rc = idx_sync(x, h->cat, st, cl, batch, log, rebuild ? NULL : stats,
                      err);
    if (rebuild && stats)
        *stats = s0;
    if (rc == WY_OK) /* records whose cluster changed without a change */
        rc = idx_follow_clusters(x, cl, batch, stats, err);
    wy_code crc = idx_close(x, err);
    if (rc == WY_OK)
        rc = crc;
    if (rc == WY_OK && rebuild == 1) {
        /* the old index out of the way, the new one in, the old one gone */
        rc = wy_rmtree(wy_buf_cstr(&old), err);
        if (rc == WY_OK && wy_is_dir(h->index_path) &&
            rename(h->index_path, wy_buf_cstr(&old)) != 0)
            rc = wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s",
                            h->index_path, wy_buf_cstr(&old), strerror(errno));
        if (rc == WY_OK && rename(wy_buf_cstr(&tmp), h->index_path) != 0)
            rc = wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s",
                            wy_buf_cstr(&tmp), h->index_path, strerror(errno));
        if (rc == WY_OK)
            rc = wy_rmtree(wy_buf_cstr(&old), err);
        if (rc == WY_OK)
            rc = wy_fsync_dir_of(h->index_path, err);
    } else if (rc != WY_OK && rebuild == 1) {
        struct wy_err ignore = WY_ERR_INIT;
        wy_rmtree(wy_buf_cstr(&tmp), &ignore); /* nothing half-built left */
        wy_err_release(&ignore);
    }
    if (rc == WY_OK && stats)
        rc = record_in_catalog(h->cat, stats->to_seq, err);
    cluster_close(cl);
    store_close(st);
    wy_buf_release(&tmp);
    wy_buf_release(&old);
    return rc;
}
