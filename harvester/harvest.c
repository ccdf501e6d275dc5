/* harvester/harvest.c: the harvesting loop of one source. */
#include "harvester/harvest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"

void oai_harvest_opts_default(struct oai_harvest_opts *o)
{
    memset(o, 0, sizeof(*o));
    oai_client_opts_default(&o->http);
}

char *oai_from_for(const char *date, const char *granularity)
{
    if (!date || !*date)
        return NULL;
    size_t n = strlen(date);
    int day = granularity && strlen(granularity) <= 10;
    if (day && n >= 10)
        return wy_strndup(date, 10);
    if (n >= 19) {
        /* "2000-01-01T00:00:00.000Z" (Melinda) -> seconds, as the
           protocol's granularity asks */
        char *s = wy_malloc(21);
        if (s) {
            memcpy(s, date, 19);
            s[19] = 'Z';
            s[20] = 0;
        }
        return s;
    }
    return wy_strdup(date);
}

const char *oai_pick_prefix(const char *const *offered, size_t n)
{
    static const char *const rich[] = {"marc21", "marcxml", "marc",
                                       "usmarc", "mods",    "oai_dc"};
    for (size_t k = 0; k < sizeof(rich) / sizeof(rich[0]); k++)
        for (size_t i = 0; i < n; i++)
            if (!strcasecmp(offered[i], rich[k]))
                return offered[i];
    return NULL;
}

/* ---- a set of tokens seen (FNV-1a hashes) ------------------------------ */

struct seen {
    uint64_t *h;
    size_t n, cap;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

/* 1 if s was seen before (and remembers it), 0 if new, -1 on ENOMEM. */
static int seen_add(struct seen *st, const char *s)
{
    if (2 * (st->n + 1) > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 256;
        uint64_t *h = wy_calloc(cap, sizeof(*h));
        if (!h)
            return -1;
        for (size_t i = 0; i < st->cap; i++)
            if (st->h[i]) {
                size_t j = st->h[i] & (cap - 1);
                while (h[j])
                    j = (j + 1) & (cap - 1);
                h[j] = st->h[i];
            }
        free(st->h);
        st->h = h;
        st->cap = cap;
    }
    uint64_t v = fnv(s);
    size_t j = v & (st->cap - 1);
    while (st->h[j]) {
        if (st->h[j] == v)
            return 1;
        j = (j + 1) & (st->cap - 1);
    }
    st->h[j] = v;
    st->n++;
    return 0;
}

/* ---- one harvest ------------------------------------------------------- */

struct run {
    const struct oai_source_cfg *src;
    const struct oai_sink *sink;
    const struct oai_harvest_opts *o;
    struct wy_log *log;
    struct oai_client *cl;
    struct oai_counts c;
    struct wy_buf body;
    char *granularity;
    char *prefix;
    char *from, *until; /* the window (owned) */
    char *started;      /* responseDate of the harvest's first page */
    long long base_items, base_pages; /* from the checkpoint resumed */
    struct seen tokens;
    double t0;
    /* reconcile */
    char **ids;
    size_t nids, capids;
    /* GetRecord mode: the headers of one ListIdentifiers page */
    struct hdr *hdrs;
    size_t nhdrs, caphdrs;
};

struct hdr {
    char *id, *datestamp;
    char **sets;
    size_t nsets;
    int deleted;
};

static void hdrs_clear(struct run *r)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        free(r->hdrs[i].id);
        free(r->hdrs[i].datestamp);
        for (size_t k = 0; k < r->hdrs[i].nsets; k++)
            free(r->hdrs[i].sets[k]);
        free(r->hdrs[i].sets);
    }
    r->nhdrs = 0;
}

static wy_code nomem(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory");
}

/* The request's URL for messages. */
static const char *url_of(const struct run *r)
{
    const char *u = oai_client_last_url(r->cl);
    return *u ? u : r->src->url;
}

/* Asks the provider; parses the answer with popts into resp. */
static wy_code ask(struct run *r, const char *const *kv, size_t n,
                   const struct oai_parse_opts *popts,
                   struct oai_response *resp, struct wy_err *err)
{
    memset(resp, 0, sizeof(*resp));
    wy_code rc = oai_client_request(r->cl, kv, n, &r->body, err);
    if (rc != WY_OK)
        return rc;
    return oai_parse((const unsigned char *)r->body.p, r->body.len, url_of(r),
                     popts, resp, err);
}

static wy_code oai_failed(struct run *r, const struct oai_response *resp,
                          struct wy_err *err)
{
    const struct oai_error *e = &resp->errors[0];
    return wy_err_set(err, WY_EHTTP, "%s: the provider answered '%s': %s",
                      url_of(r), e->code,
                      *e->message ? e->message : "(no message)");
}

static wy_code identify(struct run *r, struct wy_err *err)
{
    static const char *const kv[] = {"verb", "Identify"};
    struct oai_parse_opts po = {0};
    po.log = r->log;
    struct oai_response resp;
    wy_code rc = ask(r, kv, 1, &po, &resp, err);
    if (rc == WY_OK && resp.nerrors)
        rc = oai_failed(r, &resp, err);
    if (rc == WY_OK) {
        const char *g = resp.identify.granularity;
        if (!g || !*g) {
            wy_warn(r->log,
                    "%s: Identify names no granularity; assuming "
                    "seconds",
                    r->src->name);
            g = "YYYY-MM-DDThh:mm:ssZ";
        }
        r->granularity = wy_strdup(g);
        if (!r->granularity)
            rc = nomem(err);
    }
    oai_response_release(&resp);
    return rc ? wy_err_prefix(err, "Identify") : rc;
}

struct offered {
    const char **v;
    size_t n, cap;
    struct wy_arena *a;
};

static wy_code on_format(void *ctx, const struct oai_format *f,
                         struct wy_err *err)
{
    struct offered *o = ctx;
    const char **v = wy_arena_grow(o->a, o->v, &o->cap, o->n + 1, sizeof(*v));
    if (!v || !(o->a && (v[o->n] = wy_arena_strdup(o->a, f->prefix))))
        return nomem(err);
    o->v = v;
    o->n++;
    return WY_OK;
}

static wy_code choose_prefix(struct run *r, struct wy_err *err)
{
    if (r->src->prefix && *r->src->prefix) {
        r->prefix = wy_strdup(r->src->prefix);
        return r->prefix ? WY_OK : nomem(err);
    }
    static const char *const kv[] = {"verb", "ListMetadataFormats"};
    struct offered off = {0};
    off.a = wy_arena_new();
    if (!off.a)
        return nomem(err);
    struct oai_parse_opts po = {0};
    po.log = r->log;
    po.ctx = &off;
    po.format = on_format;
    struct oai_response resp;
    wy_code rc = ask(r, kv, 1, &po, &resp, err);
    if (rc == WY_OK && resp.nerrors)
        rc = oai_failed(r, &resp, err);
    if (rc == WY_OK) {
        const char *p = oai_pick_prefix(off.v, off.n);
        if (!p) {
            struct wy_buf l = WY_BUF_INIT(4096);
            for (size_t i = 0; i < off.n; i++)
                wy_buf_addf(&l, "%s'%s'", i ? ", " : "", off.v[i]);
            rc = wy_err_set(err, WY_EINVAL,
                            "the provider offers none of marc21, marcxml, "
                            "mods, oai_dc (it offers %s); name one with "
                            "--prefix",
                            off.n ? wy_buf_cstr(&l) : "nothing");
            wy_buf_release(&l);
        } else if (!(r->prefix = wy_strdup(p))) {
            rc = nomem(err);
        }
    }
    oai_response_release(&resp);
    wy_arena_free(off.a);
    return rc ? wy_err_prefix(err, "ListMetadataFormats") : rc;
}

/* The checkpoint token: with several sets, the set's index goes first so a
   resume knows where it was ("wy-set:K:TOKEN"; TOKEN empty: set K from
   its start). */
static char *cp_token(const struct run *r, size_t set, const char *tok)
{
    if (r->src->nsets <= 1)
        return tok ? wy_strdup(tok) : NULL;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&b, "wy-set:%zu:%s", set, tok ? tok : "");
    return wy_buf_take(&b, NULL);
}

static int cp_parse(const struct run *r, const char *stored, size_t *set,
                    const char **tok)
{
    *set = 0;
    *tok = stored;
    if (r->src->nsets <= 1)
        return 1;
    if (strncmp(stored, "wy-set:", 7))
        return 0;
    char *end;
    unsigned long k = strtoul(stored + 7, &end, 10);
    if (*end != ':' || k >= r->src->nsets)
        return 0;
    *set = k;
    *tok = *(end + 1) ? end + 1 : NULL;
    return 1;
}

static wy_code on_item(void *ctx, const struct oai_item *it, struct wy_err *err)
{
    struct run *r = ctx;
    if (r->o->reconcile) {
        if (it->deleted)
            return WY_OK;
        if (r->nids == r->capids) {
            size_t cap = r->capids ? r->capids * 2 : 1024;
            char **v = wy_realloc(r->ids, cap * sizeof(*v));
            if (!v)
                return nomem(err);
            r->ids = v;
            r->capids = cap;
        }
        if (!(r->ids[r->nids] = wy_strdup(it->identifier)))
            return nomem(err);
        r->nids++;
        return WY_OK;
    }
    return r->sink->record(r->sink->ctx, it, &r->c, err);
}

/* GetRecord mode: remembers a ListIdentifiers header. */
static wy_code on_header(void *ctx, const struct oai_item *it,
                         struct wy_err *err)
{
    struct run *r = ctx;
    if (r->nhdrs == r->caphdrs) {
        size_t cap = r->caphdrs ? r->caphdrs * 2 : 256;
        struct hdr *v = wy_realloc(r->hdrs, cap * sizeof(*v));
        if (!v)
            return nomem(err);
        r->hdrs = v;
        r->caphdrs = cap;
    }
    struct hdr *h = &r->hdrs[r->nhdrs];
    memset(h, 0, sizeof(*h));
    r->nhdrs++;
    h->deleted = it->deleted;
    h->id = wy_strdup(it->identifier);
    h->datestamp = wy_strdup(it->datestamp);
    h->sets = it->nsets ? wy_calloc(it->nsets, sizeof(char *)) : NULL;
    if (!h->id || !h->datestamp || (it->nsets && !h->sets))
        return nomem(err);
    for (size_t i = 0; i < it->nsets; i++, h->nsets++)
        if (!(h->sets[i] = wy_strdup(it->sets[i])))
            return nomem(err);
    return WY_OK;
}

static void progress(struct run *r)
{
    if (!r->o->progress)
        return;
    struct oai_progress p = {r->src->name, &r->c, r->t0};
    r->o->progress(r->o->progress_ctx, &p);
}

/* GetRecord mode: fetches every record of the page's headers and hands
   them to the sink (inside the page's transaction, opened by the caller
   after all fetching is done would hold bodies in memory; instead the
   bodies are fetched first into `bodies`). */
static wy_code fetch_records(struct run *r, struct wy_buf *bodies,
                             struct wy_err *err)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        if (r->hdrs[i].deleted)
            continue;
        const char *kv[] = {"verb",        "GetRecord",      "identifier",
                            r->hdrs[i].id, "metadataPrefix", r->prefix};
        wy_code rc = oai_client_request(r->cl, kv, 3, &r->body, err);
        if (rc != WY_OK)
            return wy_err_prefix(err, "GetRecord '%s'", r->hdrs[i].id);
        wy_buf_init(&bodies[i], WY_BUF_NOLIMIT);
        wy_buf_add(&bodies[i], r->body.p, r->body.len);
        if ((rc = wy_buf_status(&bodies[i], err)) != WY_OK)
            return rc;
    }
    return WY_OK;
}

static wy_code deliver_records(struct run *r, struct wy_buf *bodies,
                               const struct oai_parse_opts *po, size_t *items,
                               size_t *bad, struct wy_err *err)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        struct hdr *h = &r->hdrs[i];
        if (h->deleted) {
            struct oai_item it = {0};
            it.identifier = h->id;
            it.datestamp = h->datestamp;
            it.sets = (const char *const *)h->sets;
            it.nsets = h->nsets;
            it.deleted = 1;
            it.ordinal = i + 1;
            wy_code rc = r->sink->record(r->sink->ctx, &it, &r->c, err);
            if (rc != WY_OK)
                return rc;
            (*items)++;
            continue;
        }
        struct oai_response resp;
        struct wy_buf name = WY_BUF_INIT(8192);
        wy_buf_addf(&name, "%s GetRecord '%s'", r->src->url, h->id);
        wy_code rc =
            oai_parse((const unsigned char *)bodies[i].p, bodies[i].len,
                      wy_buf_cstr(&name), po, &resp, err);
        if (rc == WY_OK && resp.nerrors) {
            wy_warn(r->log,
                    "%s: record '%s' skipped: the provider answered "
                    "'%s': %s",
                    r->src->name, h->id, resp.errors[0].code,
                    resp.errors[0].message);
            (*bad)++;
        } else if (rc == WY_EFORMAT) {
            wy_warn(r->log, "%s: record '%s' skipped: %s", r->src->name, h->id,
                    wy_err_msg(err));
            wy_err_release(err);
            rc = WY_OK;
            (*bad)++;
        } else if (rc == WY_OK) {
            *items += resp.nitems;
            *bad += resp.nbad;
        }
        oai_response_release(&resp);
        wy_buf_release(&name);
        if (rc != WY_OK)
            return rc;
    }
    return WY_OK;
}

/* Harvests one list (one set, or the whole repository). */
static wy_code run_list(struct run *r, size_t set_index, const char *token0,
                        struct wy_err *err)
{
    const char *set = r->src->nsets ? r->src->sets[set_index] : NULL;
    const int getrecord = r->o->mode == OAI_MODE_GETRECORD && !r->o->reconcile;
    const char *verb =
        (getrecord || r->o->reconcile) ? "ListIdentifiers" : "ListRecords";
    char *token = token0 ? wy_strdup(token0) : NULL;
    if (token0 && !token)
        return nomem(err);
    int restarted = 0, empty_run = 0;
    long long list_items = token0 ? r->base_items : 0;
    long long cls = -1;
    long max_pages = r->o->max_pages > 0 ? r->o->max_pages : 1000000;
    int max_empty = r->o->max_empty_pages > 0 ? r->o->max_empty_pages : 5;
    wy_code rc = WY_OK;
    struct oai_parse_opts po = {0};
    po.prefix = r->prefix;
    po.ctx = r;
    po.item = on_item;
    po.log = r->log;
    po.no_records = r->o->reconcile;
    for (;;) {
        if (r->c.pages >= max_pages) {
            rc = wy_err_set(err, WY_ESTATE,
                            "more than %ld pages; the provider seems to "
                            "loop (raise the limit if it does not)",
                            max_pages);
            break;
        }
        const char *kv[10];
        size_t n = 0;
        kv[2 * n] = "verb", kv[2 * n + 1] = verb, n++;
        if (token) {
            kv[2 * n] = "resumptionToken", kv[2 * n + 1] = token, n++;
        } else {
            kv[2 * n] = "metadataPrefix", kv[2 * n + 1] = r->prefix, n++;
            kv[2 * n] = "from", kv[2 * n + 1] = r->from, n++;
            kv[2 * n] = "until", kv[2 * n + 1] = r->until, n++;
            kv[2 * n] = "set", kv[2 * n + 1] = set, n++;
        }
        struct oai_response resp;
        struct oai_parse_opts hpo = po;
        if (getrecord) {
            hpo.item = on_header;
            hpo.no_records = 1;
            hdrs_clear(r);
        }
        int in_page = 0;
        struct wy_buf *bodies = NULL;
        rc = oai_client_request(r->cl, kv, n, &r->body, err);
        memset(&resp, 0, sizeof(resp));
        if (rc == WY_OK && !getrecord && !r->o->reconcile) {
            rc = r->sink->begin_page(r->sink->ctx, err);
            in_page = rc == WY_OK;
        }
        if (rc == WY_OK)
            rc = oai_parse((const unsigned char *)r->body.p, r->body.len,
                           url_of(r), &hpo, &resp, err);
        size_t items = resp.nitems, bad = resp.nbad;
        if (rc == WY_OK && resp.nerrors) {
            if (oai_response_error(&resp, "noRecordsMatch") && !token) {
                items = bad = 0; /* an empty list: done */
            } else if (oai_response_error(&resp, "badResumptionToken") &&
                       token && !restarted) {
                wy_warn(r->log,
                        "%s: the provider no longer knows the "
                        "resumptionToken '%s' (%s); starting the list "
                        "again",
                        r->src->name, token, resp.errors[0].message);
                if (in_page)
                    r->sink->abort_page(r->sink->ctx);
                oai_response_release(&resp);
                free(token);
                token = NULL;
                restarted = 1;
                list_items = 0;
                free(r->tokens.h); /* the tokens of a new list */
                memset(&r->tokens, 0, sizeof(r->tokens));
                continue;
            } else {
                rc = oai_failed(r, &resp, err);
            }
        }
        if (rc == WY_OK && !r->started && resp.response_date &&
            !(r->started = wy_strdup(resp.response_date)))
            rc = nomem(err);
        const char *next = NULL;
        if (rc == WY_OK && !resp.nerrors && resp.token.present &&
            *resp.token.value)
            next = resp.token.value;
        if (rc == WY_OK && resp.token.complete_list_size >= 0)
            cls = r->c.complete_list_size = resp.token.complete_list_size;
        if (rc == WY_OK && next) {
            int s = seen_add(&r->tokens, next);
            if (s < 0)
                rc = nomem(err);
            else if (s > 0 || (token && !strcmp(token, next)))
                rc = wy_err_set(err, WY_ESTATE,
                                "%s: the provider sent the resumptionToken "
                                "'%s' a second time; stopping a loop",
                                url_of(r), next);
        }
        if (rc == WY_OK && next && items == 0 && bad == 0 &&
            ++empty_run >= max_empty)
            rc = wy_err_set(err, WY_ESTATE,
                            "%s: %d pages in a row without records but with "
                            "a resumptionToken; stopping a loop",
                            url_of(r), empty_run);
        else if (items || bad)
            empty_run = 0;
        if (rc == WY_OK && getrecord) {
            bodies = wy_calloc(r->nhdrs ? r->nhdrs : 1, sizeof(*bodies));
            if (!bodies)
                rc = nomem(err);
            if (rc == WY_OK)
                rc = fetch_records(r, bodies, err);
            if (rc == WY_OK) {
                rc = r->sink->begin_page(r->sink->ctx, err);
                in_page = rc == WY_OK;
            }
            if (rc == WY_OK) {
                items = bad = 0;
                rc = deliver_records(r, bodies, &po, &items, &bad, err);
            }
        }
        if (bodies) {
            for (size_t i = 0; i < r->nhdrs; i++)
                wy_buf_release(&bodies[i]);
            free(bodies);
        }
        if (rc == WY_OK) {
            r->c.pages++;
            r->c.items += (long long)items;
            r->c.bad += (long long)bad;
            list_items += (long long)(items + bad);
        }
        if (rc == WY_OK && in_page) {
            char *cpt = NULL;
            if (next)
                cpt = cp_token(r, set_index, next);
            else if (set_index + 1 < r->src->nsets)
                cpt = cp_token(r, set_index + 1, NULL);
            if ((next || set_index + 1 < r->src->nsets) && !cpt) {
                rc = nomem(err);
            } else {
                struct oai_checkpoint cp = {0};
                cp.token = cpt;
                cp.cursor = r->base_items + r->c.items + r->c.bad;
                cp.pages = r->base_pages + r->c.pages;
                cp.from = r->from;
                cp.until = r->until;
                cp.started = r->started;
                rc = r->sink->commit_page(r->sink->ctx, &cp, err);
                in_page = 0;
            }
            free(cpt);
        }
        if (in_page)
            r->sink->abort_page(r->sink->ctx);
        if (rc != WY_OK) {
            oai_response_release(&resp);
            wy_err_prefix(err, "page %lld", r->base_pages + r->c.pages + 1);
            break;
        }
        progress(r);
        if (!next) {
            if (cls >= 0 && r->src->nsets <= 1 && cls != list_items)
                wy_warn(r->log,
                        "%s: the provider announced %lld records "
                        "(completeListSize) but sent %lld",
                        r->src->name, cls, list_items);
            oai_response_release(&resp);
            break;
        }
        char *t = wy_strdup(next);
        oai_response_release(&resp);
        if (!t) {
            rc = nomem(err);
            break;
        }
        free(token);
        token = t;
    }
    free(token);
    hdrs_clear(r);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static wy_code harvest(struct run *r, struct wy_err *err)
{
    const struct oai_source_cfg *s = r->src;
    const struct oai_harvest_opts *o = r->o;
    wy_code rc = identify(r, err);
    if (rc == WY_OK)
        rc = choose_prefix(r, err);
    if (rc == WY_OK && r->sink->learned)
        rc = r->sink->learned(r->sink->ctx, r->granularity, r->prefix, err);
    if (rc != WY_OK)
        return rc;
    size_t set0 = 0;
    const char *token = NULL;
    int override = o->full || o->from || o->until;
    if (o->reconcile) {
        /* the whole list, every time */
    } else if (s->cp.token && !override) {
        if (!cp_parse(r, s->cp.token, &set0, &token)) {
            wy_warn(r->log,
                    "%s: the stored checkpoint '%s' does not fit the "
                    "source's sets; starting again",
                    s->name, s->cp.token);
        } else {
            r->base_items = s->cp.cursor;
            r->base_pages = s->cp.pages;
            if ((s->cp.from && !(r->from = wy_strdup(s->cp.from))) ||
                (s->cp.until && !(r->until = wy_strdup(s->cp.until))) ||
                (s->cp.started && !(r->started = wy_strdup(s->cp.started))))
                return nomem(err);
            wy_info(r->log, "%s: resuming after page %lld", s->name,
                    s->cp.pages);
        }
    }
    if (!r->base_pages && !o->reconcile) {
        if (s->cp.token && override)
            wy_warn(r->log,
                    "%s: an interrupted harvest is dropped for the "
                    "window asked for",
                    s->name);
        set0 = 0;
        token = NULL;
        free(r->from);
        free(r->until);
        r->from = r->until = NULL;
        if (o->from)
            r->from = wy_strdup(o->from);
        else if (!o->full && s->last_response_date)
            r->from = oai_from_for(s->last_response_date, r->granularity);
        if (o->until)
            r->until = wy_strdup(o->until);
        if ((o->from || (!o->full && s->last_response_date)) && !r->from)
            return nomem(err);
        if (o->until && !r->until)
            return nomem(err);
    }
    size_t nlists = s->nsets ? s->nsets : 1;
    for (size_t k = set0; k < nlists; k++) {
        rc = run_list(r, k, k == set0 ? token : NULL, err);
        if (rc != WY_OK) {
            if (s->nsets)
                wy_err_prefix(err, "set '%s'", s->sets[k]);
            return rc;
        }
    }
    if (o->reconcile) {
        if (!r->nids)
            return wy_err_set(err, WY_ESTATE,
                              "the provider lists no identifiers; not "
                              "marking every record of '%s' deleted",
                              s->name);
        qsort(r->ids, r->nids, sizeof(*r->ids), cmp_str);
        return r->sink->reconcile(r->sink->ctx, (const char *const *)r->ids,
                                  r->nids, &r->c, err);
    }
    return r->sink->finish(r->sink->ctx, r->started, &r->c, err);
}

static wy_code get_one(struct run *r, const char *identifier,
                       struct wy_err *err)
{
    wy_code rc = choose_prefix(r, err);
    if (rc != WY_OK)
        return rc;
    const char *kv[] = {"verb",     "GetRecord",      "identifier",
                        identifier, "metadataPrefix", r->prefix};
    rc = oai_client_request(r->cl, kv, 3, &r->body, err);
    if (rc != WY_OK)
        return rc;
    struct oai_parse_opts po = {0};
    po.prefix = r->prefix;
    po.ctx = r;
    po.item = on_item;
    po.log = r->log;
    struct oai_response resp;
    rc = r->sink->begin_page(r->sink->ctx, err);
    if (rc != WY_OK)
        return rc;
    rc = oai_parse((const unsigned char *)r->body.p, r->body.len, url_of(r),
                   &po, &resp, err);
    if (rc == WY_OK && resp.nerrors)
        rc = oai_failed(r, &resp, err);
    if (rc == WY_OK && !resp.nitems)
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s: the answer holds no usable "
                        "record",
                        url_of(r));
    if (rc == WY_OK) {
        r->c.items += (long long)resp.nitems;
        r->c.bad += (long long)resp.nbad;
        rc = r->sink->commit(r->sink->ctx, err);
    } else {
        r->sink->abort_page(r->sink->ctx);
    }
    oai_response_release(&resp);
    return rc;
}

wy_code oai_harvest_one(const struct oai_source_cfg *src,
                        const struct oai_sink *sink,
                        const struct oai_harvest_opts *o,
                        const char *identifier, struct oai_counts *counts,
                        struct wy_err *err)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    r.src = src;
    r.sink = sink;
    r.o = o;
    r.log = o->log;
    r.c.complete_list_size = -1;
    wy_buf_init(&r.body, o->http.max_bytes ? o->http.max_bytes : 1);
    wy_code rc = oai_client_new(&r.cl, src->url, &o->http, o->log, err);
    if (rc == WY_OK)
        rc = get_one(&r, identifier, err);
    if (rc != WY_OK)
        wy_err_prefix(err, "source '%s': GetRecord '%s'", src->name,
                      identifier);
    if (counts)
        *counts = r.c;
    oai_client_free(r.cl);
    wy_buf_release(&r.body);
    free(r.prefix);
    return rc;
}

wy_code oai_harvest(const struct oai_source_cfg *src,
                    const struct oai_sink *sink,
                    const struct oai_harvest_opts *o, struct oai_counts *counts,
                    struct wy_err *err)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    r.src = src;
    r.sink = sink;
    r.o = o;
    r.log = o->log;
    r.c.complete_list_size = -1;
    r.t0 = wy_now();
    wy_buf_init(&r.body, o->http.max_bytes ? o->http.max_bytes : 1);
    wy_code rc = oai_client_new(&r.cl, src->url, &o->http, o->log, err);
    if (rc == WY_OK)
        rc = harvest(&r, err);
    if (rc != WY_OK) {
        wy_err_prefix(err, "source '%s'", src->name);
        if (sink->fail && !o->reconcile) {
            struct wy_err e2 = WY_ERR_INIT;
            if (sink->fail(sink->ctx, wy_err_msg(err), &r.c, &e2) != WY_OK)
                wy_warn(o->log, "%s", wy_err_msg(&e2));
            wy_err_release(&e2);
        }
    }
    if (counts)
        *counts = r.c;
    oai_client_free(r.cl);
    wy_buf_release(&r.body);
    free(r.granularity);
    free(r.prefix);
    free(r.from);
    free(r.until);
    free(r.started);
    free(r.tokens.h);
    for (size_t i = 0; i < r.nids; i++)
        free(r.ids[i]);
    free(r.ids);
    hdrs_clear(&r);
    free(r.hdrs);
    return rc;
}
