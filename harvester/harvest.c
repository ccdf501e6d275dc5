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

/* The preference order; names of one rank are aliases of one format. */
static const struct {
    const char *name;
    int rank;
} rich[] = {{"marc21", 0},  {"marcxml", 0}, {"marc", 0},  {"usmarc", 0},
            {"unimarc", 1}, {"mods", 2},    {"oai_dc", 3}};
#define RANK_DC 3

/* The rank of a prefix, -1 for one we do not prefer. */
static int rank_of(const char *prefix)
{
    for (size_t k = 0; k < sizeof(rich) / sizeof(rich[0]); k++)
        if (!strcasecmp(prefix, rich[k].name))
            return rich[k].rank;
    return -1;
}

const char *oai_pick_prefix(const char *const *offered, size_t n)
{
    for (size_t k = 0; k < sizeof(rich) / sizeof(rich[0]); k++)
        for (size_t i = 0; i < n; i++)
            if (!strcasecmp(offered[i], rich[k].name))
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
    /* completion: the prefixes to try after the main one, richest first
       (owned; NULL: no completion pass) */
    char *alt[RANK_DC + 1];
    size_t nalt;
    long long main_items; /* items of the main pass, -1 when resumed */
};

struct hdr {
    char *id, *datestamp;
    char **sets;
    size_t nsets;
    int deleted;
};

/* Commits the open page with the checkpoint that resumes after it: the
   token (or NULL at the end) and the counts so far. */
static wy_code commit_checkpoint(struct run *r, const char *token,
                                 struct wy_err *err)
{
    struct oai_checkpoint cp = {0};
    cp.token = token;
    cp.cursor = r->base_items + r->c.items + r->c.bad;
    cp.pages = r->base_pages + r->c.pages;
    cp.from = r->from;
    cp.until = r->until;
    cp.started = r->started;
    return r->sink->commit_page(r->sink->ctx, &cp, err);
}

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
    int fixed = r->src->prefix && *r->src->prefix;
    if (fixed && !(r->prefix = wy_strdup(r->src->prefix)))
        return nomem(err);
    if (fixed && !r->src->prefix_chosen)
        return WY_OK; /* configured: no completion */
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
        /* a prefix chosen before stays (records keep one format); the
           formats offered give the completion's prefixes */
        const char *p = fixed ? r->prefix : oai_pick_prefix(off.v, off.n);
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
        } else if (!fixed && !(r->prefix = wy_strdup(p))) {
            rc = nomem(err);
        }
        /* one prefix per rank poorer than the chosen one, for completion */
        int have_dc = 0;
        for (int k = rc == WY_OK && rank_of(p) >= 0 ? rank_of(p) + 1
                                                    : RANK_DC + 1;
             k <= RANK_DC; k++) {
            const char *q = NULL;
            for (size_t j = 0; !q && j < sizeof(rich) / sizeof(rich[0]); j++)
                for (size_t i = 0; !q && rich[j].rank == k && i < off.n; i++)
                    if (!strcasecmp(off.v[i], rich[j].name))
                        q = off.v[i];
            if (!q)
                continue;
            have_dc |= k == RANK_DC;
            if (!(r->alt[r->nalt++] = wy_strdup(q))) {
                rc = nomem(err);
                break;
            }
        }
        if (rc == WY_OK && r->nalt && !have_dc) {
            wy_warn(r->log,
                    "%s: the provider does not offer oai_dc; no completion "
                    "pass after '%s'",
                    r->src->name, r->prefix);
            while (r->nalt)
                free(r->alt[--r->nalt]);
        }
    }
    oai_response_release(&resp);
    wy_arena_free(off.a);
    if (rc != WY_OK && rc != WY_ENOMEM && fixed) {
        /* the prefix is known: harvest without the completion pass */
        wy_warn(r->log, "%s: ListMetadataFormats: %s; no completion pass",
                r->src->name, wy_err_msg(err));
        wy_err_release(err);
        while (r->nalt)
            free(r->alt[--r->nalt]);
        return WY_OK;
    }
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

/* The checkpoint token inside the completion pass:
   "wy-complete:SET:TOKEN" (TOKEN empty: set SET from its start). */
static char *cp_token_complete(size_t set, const char *tok)
{
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    wy_buf_addf(&b, "wy-complete:%zu:%s", set, tok ? tok : "");
    return wy_buf_take(&b, NULL);
}

/* 1 when stored is a completion checkpoint that fits: *set, *tok (NULL:
   the set from its start) filled; 0 when it is not one; -1 when it does
   not fit the sets. */
static int cp_parse_complete(const struct run *r, const char *stored,
                             size_t *set, const char **tok)
{
    if (strncmp(stored, "wy-complete:", 12))
        return 0;
    char *end;
    unsigned long k = strtoul(stored + 12, &end, 10);
    size_t nlists = r->src->nsets ? r->src->nsets : 1;
    if (*end != ':' || k >= nlists)
        return -1;
    *set = k;
    *tok = *(end + 1) ? end + 1 : NULL;
    return 1;
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
            else if (r->nalt)
                cpt = cp_token_complete(0, NULL); /* completion follows */
            if ((next || set_index + 1 < r->src->nsets || r->nalt) && !cpt) {
                rc = nomem(err);
            } else {
                rc = commit_checkpoint(r, cpt, err);
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
            r->main_items = list_items;
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

/* ---- the completion pass ------------------------------------------------ */

/* Fetches the record of header h in the first alternative prefix that has
   it, into body; *which gets that prefix (NULL: none had it, warned about
   and counted bad). */
static wy_code fetch_alt(struct run *r, const struct hdr *h,
                         struct wy_buf *body, const char **which,
                         struct wy_err *err)
{
    *which = NULL;
    for (size_t k = 0; k < r->nalt; k++) {
        const char *kv[] = {"verb", "GetRecord",      "identifier",
                            h->id,  "metadataPrefix", r->alt[k]};
        wy_code rc = oai_client_request(r->cl, kv, 3, &r->body, err);
        if (rc != WY_OK)
            return wy_err_prefix(err, "GetRecord '%s' as %s", h->id, r->alt[k]);
        struct oai_parse_opts po = {0};
        po.no_records = 1;
        po.log = r->log;
        struct oai_response resp;
        rc = oai_parse((const unsigned char *)r->body.p, r->body.len, url_of(r),
                       &po, &resp, err);
        int cannot =
            rc == WY_OK && oai_response_error(&resp, "cannotDisseminateFormat");
        if (rc == WY_OK && resp.nerrors && !cannot)
            wy_warn(r->log,
                    "%s: record '%s' not completed: the provider answered "
                    "'%s': %s",
                    r->src->name, h->id, resp.errors[0].code,
                    resp.errors[0].message);
        int ok = rc == WY_OK && !resp.nerrors;
        int stop = rc == WY_OK && resp.nerrors && !cannot;
        oai_response_release(&resp);
        if (rc == WY_EFORMAT) {
            wy_warn(r->log, "%s: record '%s' not completed: %s", r->src->name,
                    h->id, wy_err_msg(err));
            wy_err_release(err);
            return WY_OK;
        }
        if (rc != WY_OK)
            return rc;
        if (stop)
            return WY_OK;
        if (ok) {
            wy_buf_init(body, WY_BUF_NOLIMIT);
            wy_buf_add(body, r->body.p, r->body.len);
            *which = r->alt[k];
            return wy_buf_status(body, err);
        }
    }
    wy_warn(r->log,
            "%s: record '%s' not completed: no prefix the provider offers "
            "has it",
            r->src->name, h->id);
    return WY_OK;
}

/* Stores what fetch_alt got for the page's headers (deletions not held
   are stored as such). Inside the page's transaction. */
static wy_code deliver_alt(struct run *r, struct wy_buf *bodies,
                           const char **which, const unsigned char *todo,
                           size_t *items, size_t *bad, struct wy_err *err)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        struct hdr *h = &r->hdrs[i];
        if (!todo[i])
            continue;
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
        if (!which[i]) {
            (*bad)++;
            continue;
        }
        struct oai_parse_opts po = {0};
        po.prefix = which[i];
        po.ctx = r;
        po.item = on_item;
        po.log = r->log;
        struct oai_response resp;
        struct wy_buf name = WY_BUF_INIT(8192);
        wy_buf_addf(&name, "%s GetRecord '%s' as %s", r->src->url, h->id,
                    which[i]);
        wy_code rc =
            oai_parse((const unsigned char *)bodies[i].p, bodies[i].len,
                      wy_buf_cstr(&name), &po, &resp, err);
        if (rc == WY_OK) {
            *items += resp.nitems;
            *bad += resp.nbad;
            r->c.completed += (long long)(resp.nitems - resp.ndeleted);
        }
        oai_response_release(&resp);
        wy_buf_release(&name);
        if (rc != WY_OK)
            return rc;
    }
    return WY_OK;
}

/* Walks the oai_dc identifiers of one list and completes what the main
   pass did not bring. */
static wy_code complete_list(struct run *r, size_t set_index,
                             const char *token0, struct wy_err *err)
{
    const char *set = r->src->nsets ? r->src->sets[set_index] : NULL;
    char *token = token0 ? wy_strdup(token0) : NULL;
    if (token0 && !token)
        return nomem(err);
    int restarted = 0, empty_run = 0, first = 1;
    long max_pages = r->o->max_pages > 0 ? r->o->max_pages : 1000000;
    int max_empty = r->o->max_empty_pages > 0 ? r->o->max_empty_pages : 5;
    long long pages = 0;
    free(r->tokens.h); /* the tokens of a new list */
    memset(&r->tokens, 0, sizeof(r->tokens));
    wy_code rc = WY_OK;
    for (;;) {
        if (++pages > max_pages) {
            rc = wy_err_set(err, WY_ESTATE,
                            "more than %ld pages; the provider seems to "
                            "loop (raise the limit if it does not)",
                            max_pages);
            break;
        }
        const char *kv[10];
        size_t n = 0;
        kv[2 * n] = "verb", kv[2 * n + 1] = "ListIdentifiers", n++;
        if (token) {
            kv[2 * n] = "resumptionToken", kv[2 * n + 1] = token, n++;
        } else {
            kv[2 * n] = "metadataPrefix", kv[2 * n + 1] = "oai_dc", n++;
            kv[2 * n] = "from", kv[2 * n + 1] = r->from, n++;
            kv[2 * n] = "until", kv[2 * n + 1] = r->until, n++;
            kv[2 * n] = "set", kv[2 * n + 1] = set, n++;
        }
        struct oai_parse_opts po = {0};
        po.prefix = "oai_dc";
        po.ctx = r;
        po.item = on_header;
        po.no_records = 1;
        po.log = r->log;
        hdrs_clear(r);
        struct oai_response resp;
        memset(&resp, 0, sizeof(resp));
        rc = oai_client_request(r->cl, kv, n, &r->body, err);
        if (rc == WY_OK)
            rc = oai_parse((const unsigned char *)r->body.p, r->body.len,
                           url_of(r), &po, &resp, err);
        if (rc == WY_OK && resp.nerrors) {
            if (oai_response_error(&resp, "noRecordsMatch") && !token) {
                hdrs_clear(r);
            } else if (oai_response_error(&resp, "badResumptionToken") &&
                       token && !restarted) {
                wy_warn(r->log,
                        "%s: the provider no longer knows the "
                        "resumptionToken '%s' (%s); starting the "
                        "completion list again",
                        r->src->name, token, resp.errors[0].message);
                oai_response_release(&resp);
                free(token);
                token = NULL;
                restarted = 1;
                free(r->tokens.h);
                memset(&r->tokens, 0, sizeof(r->tokens));
                continue;
            } else {
                rc = oai_failed(r, &resp, err);
            }
        }
        const char *next = NULL;
        if (rc == WY_OK && !resp.nerrors && resp.token.present &&
            *resp.token.value)
            next = resp.token.value;
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
        if (rc == WY_OK && next && r->nhdrs == 0 && ++empty_run >= max_empty)
            rc = wy_err_set(err, WY_ESTATE,
                            "%s: %d pages in a row without records but with "
                            "a resumptionToken; stopping a loop",
                            url_of(r), empty_run);
        else if (r->nhdrs)
            empty_run = 0;
        /* the main pass brought as many items as oai_dc lists: nothing to
           complete */
        int skip = rc == WY_OK && first && !token && r->main_items >= 0 &&
                   resp.token.complete_list_size >= 0 &&
                   resp.token.complete_list_size == r->main_items;
        first = 0;
        if (skip) {
            wy_info(r->log,
                    "%s: '%s' brought all %lld items oai_dc lists; no "
                    "completion needed",
                    r->src->name, r->prefix, r->main_items);
            hdrs_clear(r);
            next = NULL;
        }
        /* what the catalog does not hold yet */
        unsigned char *todo = NULL;
        struct wy_buf *bodies = NULL;
        const char **which = NULL;
        if (rc == WY_OK) {
            todo = wy_calloc(r->nhdrs + 1, 1);
            bodies = wy_calloc(r->nhdrs + 1, sizeof(*bodies));
            which = wy_calloc(r->nhdrs + 1, sizeof(*which));
            if (!todo || !bodies || !which)
                rc = nomem(err);
        }
        for (size_t i = 0; rc == WY_OK && i < r->nhdrs; i++) {
            struct hdr *h = &r->hdrs[i];
            int held = r->sink->held(r->sink->ctx, h->id, h->datestamp,
                                     h->deleted, err);
            if (held < 0)
                rc = err->code ? err->code : nomem(err);
            else if (!held) {
                todo[i] = 1;
                if (!h->deleted)
                    rc = fetch_alt(r, h, &bodies[i], &which[i], err);
            }
        }
        int in_page = 0;
        if (rc == WY_OK) {
            rc = r->sink->begin_page(r->sink->ctx, err);
            in_page = rc == WY_OK;
        }
        size_t items = 0, bad = 0;
        if (rc == WY_OK)
            rc = deliver_alt(r, bodies, which, todo, &items, &bad, err);
        if (bodies)
            for (size_t i = 0; i < r->nhdrs; i++)
                wy_buf_release(&bodies[i]);
        free(bodies);
        free(which);
        free(todo);
        if (rc == WY_OK) {
            r->c.pages++;
            r->c.items += (long long)items;
            r->c.bad += (long long)bad;
            char *cpt = NULL;
            if (next)
                cpt = cp_token_complete(set_index, next);
            else if (set_index + 1 < r->src->nsets)
                cpt = cp_token_complete(set_index + 1, NULL);
            if ((next || set_index + 1 < r->src->nsets) && !cpt) {
                rc = nomem(err);
            } else {
                rc = commit_checkpoint(r, cpt, err);
                in_page = 0;
            }
            free(cpt);
        }
        if (in_page)
            r->sink->abort_page(r->sink->ctx);
        if (rc != WY_OK) {
            oai_response_release(&resp);
            wy_err_prefix(err, "completion page %lld", pages);
            break;
        }
        progress(r);
        if (!next) {
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
    if (o->reconcile || !r->sink->held)
        while (r->nalt)
            free(r->alt[--r->nalt]);
    size_t set0 = 0;
    const char *token = NULL;
    int override = o->full || o->from || o->until;
    int in_completion = 0; /* resuming inside the completion pass */
    if (o->reconcile) {
        /* the whole list, every time */
    } else if (s->cp.token && !override &&
               (in_completion =
                    cp_parse_complete(r, s->cp.token, &set0, &token)) != 0) {
        if (in_completion < 0 || !r->nalt) {
            wy_warn(r->log,
                    "%s: the stored checkpoint '%s' does not fit the "
                    "source (its sets or its formats); starting again",
                    s->name, s->cp.token);
            in_completion = 0;
        } else {
            r->base_items = s->cp.cursor;
            r->base_pages = s->cp.pages;
            if ((s->cp.from && !(r->from = wy_strdup(s->cp.from))) ||
                (s->cp.until && !(r->until = wy_strdup(s->cp.until))) ||
                (s->cp.started && !(r->started = wy_strdup(s->cp.started))))
                return nomem(err);
            wy_info(r->log, "%s: resuming the completion pass after page %lld",
                    s->name, s->cp.pages);
        }
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
        in_completion = 0;
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
    for (size_t k = set0; !in_completion && k < nlists; k++) {
        rc = run_list(r, k, k == set0 ? token : NULL, err);
        if (rc != WY_OK) {
            if (s->nsets)
                wy_err_prefix(err, "set '%s'", s->sets[k]);
            return rc;
        }
    }
    /* what the main list's count can vouch for: one list, not resumed */
    if (in_completion || r->base_pages || nlists > 1)
        r->main_items = -1;
    for (size_t k = in_completion ? set0 : 0; r->nalt && k < nlists; k++) {
        rc =
            complete_list(r, k, in_completion && k == set0 ? token : NULL, err);
        if (rc != WY_OK) {
            wy_err_prefix(err, "completion in oai_dc%s%s%s",
                          s->nsets ? " (set '" : "", s->nsets ? s->sets[k] : "",
                          s->nsets ? "')" : "");
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
    /* the source's prefix, then (prefix chosen, not configured) the
       poorer ones offered while the item cannot be had in it */
    const char *prefix = r->prefix;
    for (size_t k = 0;; k++) {
        const char *kv[] = {"verb",     "GetRecord",      "identifier",
                            identifier, "metadataPrefix", prefix};
        rc = oai_client_request(r->cl, kv, 3, &r->body, err);
        if (rc != WY_OK)
            return rc;
        if (k >= r->nalt)
            break;
        struct oai_parse_opts hp = {0};
        hp.no_records = 1;
        hp.log = r->log;
        struct oai_response hr;
        rc = oai_parse((const unsigned char *)r->body.p, r->body.len, url_of(r),
                       &hp, &hr, err);
        int cannot =
            rc == WY_OK && oai_response_error(&hr, "cannotDisseminateFormat");
        oai_response_release(&hr);
        if (rc != WY_OK || !cannot)
            break;
        prefix = r->alt[k];
    }
    if (rc != WY_OK)
        return rc;
    struct oai_parse_opts po = {0};
    po.prefix = prefix;
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
    for (size_t i = 0; i < r.nalt; i++)
        free(r.alt[i]);
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
    for (size_t i = 0; i < r.nalt; i++)
        free(r.alt[i]);
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
