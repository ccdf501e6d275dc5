/* harvester/harvest_list.c: the main pass: listing records (or headers,
   then fetching records) page by page, with the set of resumption
   tokens seen. */
#include "harvester/harvest_int.h"

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

/* 1 if s was seen before (and remembers it), 0 if new, -1 on ENOMEM. */
int harvi_seen_add(struct seen *st, const char *s)
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

wy_code harvi_check_token(struct run *r, const char *token, const char *next,
                          struct wy_err *err)
{
    int s = harvi_seen_add(&r->tokens, next);
    if (s < 0)
        return harvi_nomem(err);
    if (s > 0 || (token && !strcmp(token, next)))
        return wy_err_set(err, WY_ESTATE,
                          "%s: the provider sent the resumptionToken "
                          "'%s' a second time; stopping a loop",
                          harvi_url_of(r), next);
    return WY_OK;
}

wy_code harvi_next_token(char **token, const char *next,
                         struct oai_response *resp, struct wy_err *err)
{
    char *t = wy_strdup(next);
    oai_response_release(resp);
    if (!t)
        return harvi_nomem(err);
    free(*token);
    *token = t;
    return WY_OK;
}

wy_code harvi_on_item(void *ctx, const struct oai_item *it, struct wy_err *err)
{
    struct run *r = ctx;
    if (r->o->reconcile) {
        if (it->deleted)
            return WY_OK;
        if (r->nids == r->capids) {
            size_t cap = r->capids ? r->capids * 2 : 1024;
            char **v = wy_realloc(r->ids, cap * sizeof(*v));
            if (!v)
                return harvi_nomem(err);
            r->ids = v;
            r->capids = cap;
        }
        if (!(r->ids[r->nids] = wy_strdup(it->identifier)))
            return harvi_nomem(err);
        r->nids++;
        return WY_OK;
    }
    return r->sink->record(r->sink->ctx, it, &r->c, err);
}

/* GetRecord mode: remembers a ListIdentifiers header. */
wy_code harvi_on_header(void *ctx, const struct oai_item *it,
                        struct wy_err *err)
{
    struct run *r = ctx;
    if (r->nhdrs == r->caphdrs) {
        size_t cap = r->caphdrs ? r->caphdrs * 2 : 256;
        struct hdr *v = wy_realloc(r->hdrs, cap * sizeof(*v));
        if (!v)
            return harvi_nomem(err);
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
        return harvi_nomem(err);
    for (size_t i = 0; i < it->nsets; i++, h->nsets++)
        if (!(h->sets[i] = wy_strdup(it->sets[i])))
            return harvi_nomem(err);
    return WY_OK;
}

void harvi_progress(struct run *r)
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

/* Stores the deletion the page's header i announces (its item number
   i + 1). Inside the page's transaction. */
wy_code harvi_deliver_deleted(struct run *r, size_t i, struct wy_err *err)
{
    const struct hdr *h = &r->hdrs[i];
    struct oai_item it = {0};
    it.identifier = h->id;
    it.datestamp = h->datestamp;
    it.sets = (const char *const *)h->sets;
    it.nsets = h->nsets;
    it.deleted = 1;
    it.ordinal = i + 1;
    return r->sink->record(r->sink->ctx, &it, &r->c, err);
}

static wy_code deliver_records(struct run *r, struct wy_buf *bodies,
                               const struct oai_parse_opts *po, size_t *items,
                               size_t *bad, struct wy_err *err)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        struct hdr *h = &r->hdrs[i];
        if (h->deleted) {
            wy_code rc = harvi_deliver_deleted(r, i, err);
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
wy_code harvi_run_list(struct run *r, size_t set_index, const char *token0,
                       struct wy_err *err)
{
    const char *set = r->src->nsets ? r->src->sets[set_index] : NULL;
    const int getrecord = r->o->mode == OAI_MODE_GETRECORD && !r->o->reconcile;
    const char *verb =
        (getrecord || r->o->reconcile) ? "ListIdentifiers" : "ListRecords";
    char *token = token0 ? wy_strdup(token0) : NULL;
    if (token0 && !token)
        return harvi_nomem(err);
    int restarted = 0, empty_run = 0;
    long long list_items = token0 ? r->base_items : 0;
    long long cls = -1;
    long max_pages = r->o->max_pages > 0 ? r->o->max_pages : 1000000;
    int max_empty = r->o->max_empty_pages > 0 ? r->o->max_empty_pages : 5;
    wy_code rc = WY_OK;
    struct oai_parse_opts po = {0};
    po.prefix = r->prefix;
    po.ctx = r;
    po.item = harvi_on_item;
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
            hpo.item = harvi_on_header;
            hpo.no_records = 1;
            harvi_hdrs_clear(r);
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
                           harvi_url_of(r), &hpo, &resp, err);
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
                rc = harvi_oai_failed(r, &resp, err);
            }
        }
        if (rc == WY_OK && !r->started && resp.response_date &&
            !(r->started = wy_strdup(resp.response_date)))
            rc = harvi_nomem(err);
        const char *next = NULL;
        if (rc == WY_OK && !resp.nerrors && resp.token.present &&
            *resp.token.value)
            next = resp.token.value;
        if (rc == WY_OK && resp.token.complete_list_size >= 0)
            cls = r->c.complete_list_size = resp.token.complete_list_size;
        if (rc == WY_OK && next)
            rc = harvi_check_token(r, token, next, err);
        if (rc == WY_OK && next && items == 0 && bad == 0 &&
            ++empty_run >= max_empty)
            rc = wy_err_set(err, WY_ESTATE,
                            "%s: %d pages in a row without records but with "
                            "a resumptionToken; stopping a loop",
                            harvi_url_of(r), empty_run);
        else if (items || bad)
            empty_run = 0;
        if (rc == WY_OK && getrecord) {
            bodies = wy_calloc(r->nhdrs ? r->nhdrs : 1, sizeof(*bodies));
            if (!bodies)
                rc = harvi_nomem(err);
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
                cpt = harvi_cp_token(r, set_index, next);
            else if (set_index + 1 < r->src->nsets)
                cpt = harvi_cp_token(r, set_index + 1, NULL);
            else if (r->nalt)
                cpt = harvi_cp_token_complete(0, NULL); /* completion follows */
            if ((next || set_index + 1 < r->src->nsets || r->nalt) && !cpt) {
                rc = harvi_nomem(err);
            } else {
                rc = harvi_commit_checkpoint(r, cpt, err);
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
        harvi_progress(r);
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
        if ((rc = harvi_next_token(&token, next, &resp, err)))
            break;
    }
    free(token);
    harvi_hdrs_clear(r);
    return rc;
}
