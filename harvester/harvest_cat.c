/* harvester/harvest_cat.c: the harvester's sink on the catalog; parallel
   harvesting of several sources. */
#include "harvester/harvest_cat.h"

#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "repository/libsets.h"

/* ---- the sink ---------------------------------------------------------- */

static wy_code s_begin(void *ctx, struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    return cat_begin(s->cat, err);
}

static wy_code s_commit_only(void *ctx, struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    return cat_commit(s->cat, err);
}

static void s_abort(void *ctx)
{
    struct oai_catsink *s = ctx;
    cat_rollback(s->cat);
}

static void count(struct oai_counts *c, enum cat_action a)
{
    switch (a) {
    case CAT_ADDED:
        c->added++;
        break;
    case CAT_UPDATED:
        c->updated++;
        break;
    case CAT_DELETED:
        c->deleted++;
        break;
    case CAT_UNCHANGED:
        c->unchanged++;
        break;
    }
}

static wy_code s_record(void *ctx, const struct oai_item *it,
                        struct oai_counts *counts, struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct cat_put_result res = {0};
    if (it->deleted) {
        wy_code rc =
            cat_delete_record(s->cat, s->source, it->identifier, it->identifier,
                              it->datestamp, &res, err);
        if (rc == WY_OK)
            count(counts, res.action);
        return rc;
    }
    struct wy_record *own = NULL;
    const struct wy_record *rec = it->rec;
    const char *fmt = rec ? rec->format : NULL;
    if (!rec) {
        /* no reader for this metadata format: keep the original XML */
        own = wy_record_new();
        if (!own)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        own->format = s->learned_prefix ? s->learned_prefix : s->prefix;
        if (!wy_desc_add_ident(own, "oai", it->identifier,
                               strlen(it->identifier))) {
            wy_record_free(own);
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        }
        rec = own;
        fmt = own->format;
    }
    struct cat_put in = {0};
    in.source = s->source;
    in.local_id = it->identifier;
    in.oai_id = it->identifier;
    in.src_datestamp = it->datestamp;
    in.collection = s->collection;
    in.sets = it->sets;
    in.nsets = it->nsets;
    in.rec = rec;
    in.orig = it->metadata;
    in.orig_len = it->metadata_len;
    in.orig_format = fmt ? fmt : "xml";
    wy_code rc = libset_put_record(s->cat, &in, &res, err);
    wy_record_free(own);
    if (rc == WY_OK) {
        count(counts, res.action);
    } else if (rc == WY_EINVAL) {
        /* this record only: the rest of the page goes on */
        wy_warn(s->log, "%s: record '%s' skipped: %s", s->source,
                it->identifier, wy_err_msg(err));
        wy_err_release(err);
        counts->bad++;
        rc = WY_OK;
    }
    return rc;
}

static int s_held(void *ctx, const char *identifier, const char *datestamp,
                  int deleted, struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct cat_record *r = NULL;
    wy_code rc = cat_get_record_by_local(s->cat, s->source, identifier,
                                         CAT_LOAD_HEADER, &r, err);
    if (rc == WY_ENOTFOUND) {
        wy_err_release(err);
        return 0;
    }
    if (rc != WY_OK)
        return -1;
    int held = !r->deleted == !deleted && r->src_datestamp && datestamp &&
               !strcmp(r->src_datestamp, datestamp);
    cat_record_free(r);
    return held;
}

static wy_code s_commit(void *ctx, const struct oai_checkpoint *cp,
                        struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct wy_buf key = WY_BUF_INIT(4096);
    wy_buf_addf(&key, "%s%s", OAI_META_STARTED, s->source);
    wy_code rc = wy_buf_status(&key, err);
    if (rc == WY_OK)
        rc = cat_source_checkpoint(s->cat, s->source, cp->token, cp->cursor,
                                   cp->pages, cp->from, cp->until, err);
    if (rc == WY_OK && cp->started)
        rc = cat_meta_set(s->cat, wy_buf_cstr(&key), cp->started, err);
    if (rc == WY_OK)
        rc = cat_commit(s->cat, err);
    else
        cat_rollback(s->cat);
    wy_buf_release(&key);
    return rc;
}

static wy_code s_learned(void *ctx, const char *granularity, const char *prefix,
                         struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct cat_source src;
    wy_code rc = cat_source_get(s->cat, s->source, &src, err);
    if (rc != WY_OK)
        return rc;
    free(s->learned_prefix);
    s->learned_prefix = wy_strdup(prefix);
    int changed = 0;
    if (granularity &&
        (!src.granularity || strcmp(src.granularity, granularity))) {
        free(src.granularity);
        src.granularity = wy_strdup(granularity);
        changed = 1;
    }
    /* a prefix chosen once stays: records keep one format */
    int chose = 0;
    if (prefix && (!src.prefix || !*src.prefix)) {
        free(src.prefix);
        src.prefix = wy_strdup(prefix);
        changed = chose = 1;
    }
    if (changed)
        rc = cat_source_put(s->cat, &src, err);
    if (rc == WY_OK && chose) {
        struct wy_buf key = WY_BUF_INIT(4096);
        wy_buf_addf(&key, "%s%s", OAI_META_CHOSEN, s->source);
        rc = wy_buf_status(&key, err);
        if (rc == WY_OK)
            rc = cat_meta_set(s->cat, wy_buf_cstr(&key), prefix, err);
        wy_buf_release(&key);
    }
    cat_source_release(&src);
    return rc;
}

static void to_cat(const struct oai_counts *c, struct cat_harvest_counts *h)
{
    h->added = c->added;
    h->updated = c->updated;
    h->unchanged = c->unchanged;
    h->deleted = c->deleted + c->reconciled;
    h->bad = c->bad;
    h->pages = c->pages;
}

static wy_code s_finish(void *ctx, const char *response_date,
                        const struct oai_counts *c, struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct cat_harvest_counts h;
    to_cat(c, &h);
    char now[21];
    if (!response_date) {
        cat_now(s->cat, now);
        response_date = now;
    }
    wy_code rc = cat_source_finish(s->cat, s->source, response_date, &h, err);
    if (rc == WY_OK) {
        struct wy_buf key = WY_BUF_INIT(4096);
        wy_buf_addf(&key, "%s%s", OAI_META_STARTED, s->source);
        rc = cat_meta_set(s->cat, wy_buf_cstr(&key), "", err);
        wy_buf_release(&key);
    }
    return rc;
}

static wy_code s_fail(void *ctx, const char *msg, const struct oai_counts *c,
                      struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct cat_harvest_counts h;
    to_cat(c, &h);
    return cat_source_fail(s->cat, s->source, msg, &h, err);
}

struct gone {
    const char *const *ids;
    size_t n;
    char **missing;
    size_t nmissing, cap;
};

static int cmp_id(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

static wy_code on_live(void *ctx, const struct cat_record *r,
                       struct wy_err *err)
{
    struct gone *g = ctx;
    if (bsearch(r->local_id, g->ids, g->n, sizeof(*g->ids), cmp_id))
        return WY_OK;
    if (g->nmissing == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        char **v = wy_realloc(g->missing, cap * sizeof(*v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        g->missing = v;
        g->cap = cap;
    }
    if (!(g->missing[g->nmissing] = wy_strdup(r->local_id)))
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    g->nmissing++;
    return WY_OK;
}

static wy_code s_reconcile(void *ctx, const char *const *ids, size_t n,
                           struct oai_counts *c, struct wy_err *err)
{
    struct oai_catsink *s = ctx;
    struct gone g = {ids, n, NULL, 0, 0};
    struct cat_list_query q = {0};
    q.source = s->source;
    q.what = CAT_LOAD_HEADER;
    q.include_deleted = 0;
    wy_code rc = cat_list(s->cat, &q, on_live, &g, NULL, err);
    if (rc == WY_OK && g.nmissing) {
        rc = cat_begin(s->cat, err);
        for (size_t i = 0; rc == WY_OK && i < g.nmissing; i++) {
            struct cat_put_result res = {0};
            rc = cat_delete_record(s->cat, s->source, g.missing[i], NULL, NULL,
                                   &res, err);
            if (rc == WY_OK && res.action == CAT_DELETED) {
                c->reconciled++;
                wy_info(s->log,
                        "%s: '%s' is gone from the provider; marked "
                        "deleted",
                        s->source, g.missing[i]);
            }
        }
        if (rc == WY_OK)
            rc = cat_commit(s->cat, err);
        else
            cat_rollback(s->cat);
    }
    for (size_t i = 0; i < g.nmissing; i++)
        free(g.missing[i]);
    free(g.missing);
    return rc;
}

void oai_catsink_init(struct oai_catsink *s, struct cat *cat,
                      const char *source, struct wy_log *log,
                      struct oai_sink *sink)
{
    memset(s, 0, sizeof(*s));
    s->cat = cat;
    s->source = source;
    s->log = log;
    memset(sink, 0, sizeof(*sink));
    sink->ctx = s;
    sink->begin_page = s_begin;
    sink->record = s_record;
    sink->commit_page = s_commit;
    sink->commit = s_commit_only;
    sink->abort_page = s_abort;
    sink->learned = s_learned;
    sink->finish = s_finish;
    sink->fail = s_fail;
    sink->reconcile = s_reconcile;
    sink->held = s_held;
}

void oai_catsink_release(struct oai_catsink *s)
{
    free(s->learned_prefix);
    s->learned_prefix = NULL;
}

/* ---- one source from the catalog ---------------------------------------- */

/* Splits the space-separated setSpecs of a source (new array, in place
   over a copy held in *copy). */
static wy_code split_sets(const char *sets, char **copy, char ***out, size_t *n,
                          struct wy_err *err)
{
    *copy = NULL;
    *out = NULL;
    *n = 0;
    if (!sets || !*sets)
        return WY_OK;
    *copy = wy_strdup(sets);
    size_t cap = 1;
    for (const char *p = sets; *p; p++)
        cap += *p == ' ';
    *out = wy_calloc(cap, sizeof(char *));
    if (!*copy || !*out)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    for (char *p = *copy; *p;) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        (*out)[(*n)++] = p;
        while (*p && *p != ' ')
            p++;
    }
    return WY_OK;
}

wy_code oai_source_forget_choice(struct cat *c, const char *name,
                                 struct wy_err *err)
{
    struct wy_buf key = WY_BUF_INIT(4096);
    wy_buf_addf(&key, "%s%s", OAI_META_CHOSEN, name);
    wy_code rc = wy_buf_status(&key, err);
    if (rc == WY_OK)
        rc = cat_meta_set(c, wy_buf_cstr(&key), "", err);
    wy_buf_release(&key);
    return rc;
}

wy_code oai_source_load(struct cat *c, const char *name,
                        struct oai_source_state *st, struct wy_err *err)
{
    memset(st, 0, sizeof(*st));
    wy_code rc = cat_source_get(c, name, &st->src, err);
    if (rc != WY_OK)
        return rc;
    size_t nsets = 0;
    struct wy_buf key = WY_BUF_INIT(4096);
    wy_buf_addf(&key, "%s%s", OAI_META_STARTED, name);
    rc = wy_buf_status(&key, err);
    if (rc == WY_OK)
        rc = split_sets(st->src.sets, &st->setcopy, &st->sets, &nsets, err);
    if (rc == WY_OK)
        rc = cat_meta_get(c, wy_buf_cstr(&key), &st->started, err);
    wy_buf_reset(&key);
    wy_buf_addf(&key, "%s%s", OAI_META_CHOSEN, name);
    if (rc == WY_OK)
        rc = wy_buf_status(&key, err);
    if (rc == WY_OK)
        rc = cat_meta_get(c, wy_buf_cstr(&key), &st->chosen, err);
    wy_buf_release(&key);
    if (rc != WY_OK)
        return rc;
    struct oai_source_cfg *cfg = &st->cfg;
    const struct cat_source *src = &st->src;
    cfg->name = src->name;
    cfg->url = src->url;
    cfg->prefix = src->prefix;
    cfg->prefix_chosen =
        src->prefix && st->chosen && !strcmp(src->prefix, st->chosen);
    cfg->sets = (const char *const *)st->sets;
    cfg->nsets = nsets;
    cfg->last_response_date = src->last_response_date;
    cfg->cp.token = src->token;
    cfg->cp.cursor = src->cursor;
    cfg->cp.pages = src->pages;
    cfg->cp.from = src->harvest_from;
    cfg->cp.until = src->harvest_until;
    cfg->cp.started = st->started && *st->started ? st->started : NULL;
    return WY_OK;
}

void oai_source_state_release(struct oai_source_state *st)
{
    cat_source_release(&st->src);
    free(st->setcopy);
    free(st->sets);
    free(st->started);
    free(st->chosen);
    memset(st, 0, sizeof(*st));
}

wy_code oai_harvest_source(struct cat *c, const char *name,
                           const struct oai_harvest_opts *opts,
                           struct oai_counts *counts, struct wy_err *err)
{
    struct oai_source_state st;
    wy_code rc = oai_source_load(c, name, &st, err);
    if (rc == WY_OK) {
        struct oai_catsink cs;
        struct oai_sink sink;
        oai_catsink_init(&cs, c, st.src.name, opts->log, &sink);
        cs.collection = st.src.collection;
        cs.prefix = st.src.prefix;
        rc = oai_harvest(&st.cfg, &sink, opts, counts, err);
        oai_catsink_release(&cs);
    }
    oai_source_state_release(&st);
    return rc;
}

wy_code oai_harvest_source_one(struct cat *c, const char *name,
                               const char *identifier,
                               const struct oai_harvest_opts *opts,
                               struct oai_counts *counts, struct wy_err *err)
{
    struct oai_source_state st;
    wy_code rc = oai_source_load(c, name, &st, err);
    if (rc == WY_OK) {
        struct oai_catsink cs;
        struct oai_sink sink;
        oai_catsink_init(&cs, c, st.src.name, opts->log, &sink);
        cs.collection = st.src.collection;
        cs.prefix = st.src.prefix;
        rc = oai_harvest_one(&st.cfg, &sink, opts, identifier, counts, err);
        oai_catsink_release(&cs);
    }
    oai_source_state_release(&st);
    return rc;
}

/* ---- several sources in parallel ---------------------------------------- */

struct pool {
    const char *path;
    const char *const *names;
    size_t n, next;
    const struct oai_harvest_opts *opts;
    struct oai_result *results;
    pthread_mutex_t mu;
};

struct worker {
    struct pool *pool;
    struct wy_log log; /* forwards to the shared log under mu */
};

static void forward(void *ctx, enum wy_level lv, const char *msg)
{
    struct worker *w = ctx;
    pthread_mutex_lock(&w->pool->mu);
    wy_log_msg(w->pool->opts->log, lv, "%s", msg);
    pthread_mutex_unlock(&w->pool->mu);
}

static void progress_locked(void *ctx, const struct oai_progress *p)
{
    struct pool *pool = ctx;
    pthread_mutex_lock(&pool->mu);
    pool->opts->progress(pool->opts->progress_ctx, p);
    pthread_mutex_unlock(&pool->mu);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct pool *pool = w->pool;
    struct oai_harvest_opts o = *pool->opts;
    o.log = &w->log;
    if (pool->opts->progress) {
        o.progress = progress_locked;
        o.progress_ctx = pool;
    }
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        size_t i = pool->next++;
        pthread_mutex_unlock(&pool->mu);
        if (i >= pool->n)
            break;
        struct oai_result *res = &pool->results[i];
        struct wy_err err = WY_ERR_INIT;
        struct cat *c = NULL;
        double t0 = wy_now();
        res->counts.complete_list_size = -1;
        wy_code rc = cat_open(&c, pool->path, 0, &err);
        if (rc == WY_OK)
            rc = oai_harvest_source(c, pool->names[i], &o, &res->counts, &err);
        cat_close(c);
        res->code = rc;
        res->seconds = wy_now() - t0;
        if (rc != WY_OK)
            res->msg = wy_strdup(wy_err_msg(&err));
        wy_err_release(&err);
    }
    return NULL;
}

wy_code oai_harvest_sources(const char *catalog_path, const char *const *names,
                            size_t n, int threads,
                            const struct oai_harvest_opts *opts,
                            struct oai_result *results, struct wy_err *err)
{
    memset(results, 0, n * sizeof(*results));
    for (size_t i = 0; i < n; i++)
        results[i].name = names[i];
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = (int)n;
    struct pool pool = {
        catalog_path, names, n, 0, opts, results, PTHREAD_MUTEX_INITIALIZER};
    struct worker *w =
        wy_calloc((size_t)threads ? (size_t)threads : 1, sizeof(*w));
    pthread_t *tid =
        wy_calloc((size_t)threads ? (size_t)threads : 1, sizeof(*tid));
    if (!w || !tid) {
        free(w);
        free(tid);
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    /* libxml2 2.9 initialises itself lazily, which is not thread-safe */
    xmlInitParser();
    int started = 0;
    for (int t = 0; t < threads; t++) {
        w[t].pool = &pool;
        wy_log_init(&w[t].log, NULL,
                    opts->log ? opts->log->level : WY_LOG_WARN);
        w[t].log.hook = forward;
        w[t].log.hook_ctx = &w[t];
        if (!opts->log)
            w[t].log.hook = NULL;
        if (t > 0 && pthread_create(&tid[t], NULL, work, &w[t]) != 0)
            break;
        started = t + 1;
    }
    work(&w[0]); /* the calling thread works too */
    for (int t = 1; t < started; t++)
        pthread_join(tid[t], NULL);
    free(w);
    free(tid);
    pthread_mutex_destroy(&pool.mu);
    wy_code first = WY_OK;
    for (size_t i = 0; i < n; i++)
        if (results[i].code != WY_OK && first == WY_OK) {
            first = results[i].code;
            wy_err_set(err, first, "%s",
                       results[i].msg ? results[i].msg : wy_strerror(first));
        }
    return first;
}

void oai_results_release(struct oai_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(results[i].msg);
        results[i].msg = NULL;
    }
}
