/* harvester/harvest_complete.c: the completion pass: records the main
   prefix lacks, fetched in alternative prefixes. */
#include "harvester/harvest_int.h"

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
        rc = oai_parse((const unsigned char *)r->body.p, r->body.len,
                       harvi_url_of(r), &po, &resp, err);
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
            wy_code rc = harvi_deliver_deleted(r, i, err);
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
        po.item = harvi_on_item;
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
wy_code harvi_complete_list(struct run *r, size_t set_index, const char *token0,
                            struct wy_err *err)
{
    const char *set = r->src->nsets ? r->src->sets[set_index] : NULL;
    char *token = token0 ? wy_strdup(token0) : NULL;
    if (token0 && !token)
        return harvi_nomem(err);
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
        po.item = harvi_on_header;
        po.no_records = 1;
        po.log = r->log;
        harvi_hdrs_clear(r);
        struct oai_response resp;
        memset(&resp, 0, sizeof(resp));
        rc = oai_client_request(r->cl, kv, n, &r->body, err);
        if (rc == WY_OK)
            rc = oai_parse((const unsigned char *)r->body.p, r->body.len,
                           harvi_url_of(r), &po, &resp, err);
        if (rc == WY_OK && resp.nerrors) {
            if (oai_response_error(&resp, "noRecordsMatch") && !token) {
                harvi_hdrs_clear(r);
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
                rc = harvi_oai_failed(r, &resp, err);
            }
        }
        const char *next = NULL;
        if (rc == WY_OK && !resp.nerrors && resp.token.present &&
            *resp.token.value)
            next = resp.token.value;
        if (rc == WY_OK && next)
            rc = harvi_check_token(r, token, next, err);
        if (rc == WY_OK && next && r->nhdrs == 0 && ++empty_run >= max_empty)
            rc = wy_err_set(err, WY_ESTATE,
                            "%s: %d pages in a row without records but with "
                            "a resumptionToken; stopping a loop",
                            harvi_url_of(r), empty_run);
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
            harvi_hdrs_clear(r);
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
                rc = harvi_nomem(err);
        }
        for (size_t i = 0; rc == WY_OK && i < r->nhdrs; i++) {
            struct hdr *h = &r->hdrs[i];
            int held = r->sink->held(r->sink->ctx, h->id, h->datestamp,
                                     h->deleted, err);
            if (held < 0)
                rc = err->code ? err->code : harvi_nomem(err);
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
                cpt = harvi_cp_token_complete(set_index, next);
            else if (set_index + 1 < r->src->nsets)
                cpt = harvi_cp_token_complete(set_index + 1, NULL);
            if ((next || set_index + 1 < r->src->nsets) && !cpt) {
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
            wy_err_prefix(err, "completion page %lld", pages);
            break;
        }
        harvi_progress(r);
        if (!next) {
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
