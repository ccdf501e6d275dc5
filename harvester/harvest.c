/* harvester/harvest.c: the harvesting loop of one source: options, the
   from date, the preferred prefix (and choosing it from
   ListMetadataFormats), the whole run (main pass, completion,
   reconcile) and fetching one record. */
#include "harvester/harvest_int.h"

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
        return harvi_nomem(err);
    o->v = v;
    o->n++;
    return WY_OK;
}

static wy_code choose_prefix(struct run *r, struct wy_err *err)
{
    int fixed = r->src->prefix && *r->src->prefix;
    if (fixed && !(r->prefix = wy_strdup(r->src->prefix)))
        return harvi_nomem(err);
    if (fixed && !r->src->prefix_chosen)
        return WY_OK; /* configured: no completion */
    static const char *const kv[] = {"verb", "ListMetadataFormats"};
    struct offered off = {0};
    off.a = wy_arena_new();
    if (!off.a)
        return harvi_nomem(err);
    struct oai_parse_opts po = {0};
    po.log = r->log;
    po.ctx = &off;
    po.format = on_format;
    struct oai_response resp;
    wy_code rc = harvi_ask(r, kv, 1, &po, &resp, err);
    if (rc == WY_OK && resp.nerrors)
        rc = harvi_oai_failed(r, &resp, err);
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
            rc = harvi_nomem(err);
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
                rc = harvi_nomem(err);
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static wy_code harvest(struct run *r, struct wy_err *err)
{
    const struct oai_source_cfg *s = r->src;
    const struct oai_harvest_opts *o = r->o;
    wy_code rc = harvi_identify(r, err);
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
               (in_completion = harvi_cp_parse_complete(r, s->cp.token, &set0,
                                                        &token)) != 0) {
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
                return harvi_nomem(err);
            wy_info(r->log, "%s: resuming the completion pass after page %lld",
                    s->name, s->cp.pages);
        }
    } else if (s->cp.token && !override) {
        if (!harvi_cp_parse(r, s->cp.token, &set0, &token)) {
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
                return harvi_nomem(err);
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
            return harvi_nomem(err);
        if (o->until && !r->until)
            return harvi_nomem(err);
    }
    size_t nlists = s->nsets ? s->nsets : 1;
    for (size_t k = set0; !in_completion && k < nlists; k++) {
        rc = harvi_run_list(r, k, k == set0 ? token : NULL, err);
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
        rc = harvi_complete_list(
            r, k, in_completion && k == set0 ? token : NULL, err);
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
        rc = oai_parse((const unsigned char *)r->body.p, r->body.len,
                       harvi_url_of(r), &hp, &hr, err);
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
    po.item = harvi_on_item;
    po.log = r->log;
    struct oai_response resp;
    rc = r->sink->begin_page(r->sink->ctx, err);
    if (rc != WY_OK)
        return rc;
    rc = oai_parse((const unsigned char *)r->body.p, r->body.len,
                   harvi_url_of(r), &po, &resp, err);
    if (rc == WY_OK && resp.nerrors)
        rc = harvi_oai_failed(r, &resp, err);
    if (rc == WY_OK && !resp.nitems)
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s: the answer holds no usable "
                        "record",
                        harvi_url_of(r));
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
    harvi_hdrs_clear(&r);
    free(r.hdrs);
    return rc;
}
