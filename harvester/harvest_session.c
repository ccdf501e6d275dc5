/* harvester/harvest_session.c: talking to the provider: requests,
   Identify, and the checkpoint tokens a
   resume starts from. */
#include "harvester/harvest_int.h"

/* Commits the open page with the checkpoint that resumes after it: the
   token (or NULL at the end) and the counts so far. */
wy_code harvi_commit_checkpoint(struct run *r, const char *token,
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

void harvi_hdrs_clear(struct run *r)
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

wy_code harvi_nomem(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory");
}

/* The request's URL for messages. */
const char *harvi_url_of(const struct run *r)
{
    const char *u = oai_client_last_url(r->cl);
    return *u ? u : r->src->url;
}

/* Asks the provider; parses the answer with popts into resp. */
wy_code harvi_ask(struct run *r, const char *const *kv, size_t n,
                  const struct oai_parse_opts *popts, struct oai_response *resp,
                  struct wy_err *err)
{
    memset(resp, 0, sizeof(*resp));
    wy_code rc = oai_client_request(r->cl, kv, n, &r->body, err);
    if (rc != WY_OK)
        return rc;
    return oai_parse((const unsigned char *)r->body.p, r->body.len,
                     harvi_url_of(r), popts, resp, err);
}

wy_code harvi_oai_failed(struct run *r, const struct oai_response *resp,
                         struct wy_err *err)
{
    const struct oai_error *e = &resp->errors[0];
    return wy_err_set(err, WY_EHTTP, "%s: the provider answered '%s': %s",
                      harvi_url_of(r), e->code,
                      *e->message ? e->message : "(no message)");
}

wy_code harvi_identify(struct run *r, struct wy_err *err)
{
    static const char *const kv[] = {"verb", "Identify"};
    struct oai_parse_opts po = {0};
    po.log = r->log;
    struct oai_response resp;
    wy_code rc = harvi_ask(r, kv, 1, &po, &resp, err);
    if (rc == WY_OK && resp.nerrors)
        rc = harvi_oai_failed(r, &resp, err);
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
            rc = harvi_nomem(err);
    }
    oai_response_release(&resp);
    return rc ? wy_err_prefix(err, "Identify") : rc;
}

/* The checkpoint token: with several sets, the set's index goes first so a
   resume knows where it was ("wy-set:K:TOKEN"; TOKEN empty: set K from
   its start). */
char *harvi_cp_token(const struct run *r, size_t set, const char *tok)
{
    if (r->src->nsets <= 1)
        return tok ? wy_strdup(tok) : NULL;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&b, "wy-set:%zu:%s", set, tok ? tok : "");
    return wy_buf_take(&b, NULL);
}

/* The checkpoint token inside the completion pass:
   "wy-complete:SET:TOKEN" (TOKEN empty: set SET from its start). */
char *harvi_cp_token_complete(size_t set, const char *tok)
{
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    wy_buf_addf(&b, "wy-complete:%zu:%s", set, tok ? tok : "");
    return wy_buf_take(&b, NULL);
}

/* 1 when stored is a completion checkpoint that fits: *set, *tok (NULL:
   the set from its start) filled; 0 when it is not one; -1 when it does
   not fit the sets. */
int harvi_cp_parse_complete(const struct run *r, const char *stored,
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

int harvi_cp_parse(const struct run *r, const char *stored, size_t *set,
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
