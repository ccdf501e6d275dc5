/* service/union_api.c: clusters over JSON (docs/UNION-CATALOGUE.md). */
#include "service/union_api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "indexer/idx.h"
#include "repository/cluster.h"
#include "service/app.h"
#include "service/oai_args.h"
#include "service/reply.h"

static enum MHD_Result fail(struct svc_req *req, struct wy_err *err)
{
    enum MHD_Result r = err->code == WY_EINDEX
                            ? svc_reply_error(req, 503, "indexUnavailable",
                                              NULL, "%s", wy_err_msg(err))
                            : svc_reply_wyerr(req, err);
    wy_err_release(err);
    return r;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s || strlen(s) > 12)
        return 0;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static wy_code open_clusters(struct svc_req *req, struct cluster **cl,
                             struct wy_err *err)
{
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_buf_adds(&p, req->app->home);
    wy_buf_adds(&p, "/catalog.db");
    wy_code rc = wy_buf_status(&p, err);
    if (rc == WY_OK)
        rc = cluster_open_readonly(cl, wy_buf_cstr(&p), err);
    wy_buf_release(&p);
    return rc;
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *cluster_json(const struct cluster_info *ci)
{
    json_t *o = json_object(), *mem = json_array(), *hold = json_array();
    json_object_set_new(o, "id", json_integer(ci->id));
    json_object_set_new(o, "display", json_integer(ci->display));
    json_object_set_new(o, "held_by", json_integer((json_int_t)ci->nlibraries));
    for (size_t i = 0; i < ci->nmembers; i++) {
        const struct cluster_member_info *m = &ci->members[i];
        json_t *j = json_object(), *keys = json_array();
        json_object_set_new(j, "id", json_integer(m->record_id));
        json_object_set_new(j, "title", jstr(m->title));
        json_object_set_new(j, "score", json_integer(m->score));
        json_object_set_new(j, "split_by_staff", json_boolean(m->part != 0));
        const char *k = m->keys ? m->keys : "";
        for (const char *nl; (nl = strchr(k, '\n')) != NULL; k = nl + 1)
            json_array_append_new(keys, json_stringn(k, (size_t)(nl - k)));
        json_object_set_new(j, "keys", keys);
        json_object_set_new(j, "tied", jstr(m->why));
        json_array_append_new(mem, j);
    }
    for (size_t i = 0; i < ci->nholdings; i++) {
        const struct cluster_holding_info *h = &ci->holdings[i];
        json_t *j = json_object();
        char href[48];
        snprintf(href, sizeof(href), "/api/records/%lld",
                 (long long)h->record_id);
        json_object_set_new(j, "library", jstr(h->library));
        /* the register's code of the library, null when unregistered */
        json_object_set_new(j, "library_code", jstr(h->code));
        json_object_set_new(j, "callno", jstr(h->callno));
        json_object_set_new(j, "record", json_integer(h->record_id));
        json_object_set_new(j, "href", json_string(href));
        json_array_append_new(hold, j);
    }
    json_object_set_new(o, "records", mem);
    json_object_set_new(o, "holdings", hold);
    return o;
}

enum MHD_Result svc_union_cluster(struct svc_req *req)
{
    const char *idtext = req->url + strlen("/api/clusters/");
    long id;
    if (!parse_long(idtext, 1, 0x7fffffffL, &id))
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "'%.40s' is not a cluster or record id", idtext);
    struct wy_err err = WY_ERR_INIT;
    struct cluster *cl = NULL;
    struct cluster_info ci;
    wy_code rc = open_clusters(req, &cl, &err);
    if (rc == WY_OK)
        rc = cluster_show(cl, id, &ci, &err);
    cluster_close(cl);
    if (rc)
        return fail(req, &err);
    json_t *o = cluster_json(&ci);
    cluster_info_release(&ci);
    enum MHD_Result r = svc_reply_json(req, 200, o);
    json_decref(o);
    return r;
}

enum MHD_Result svc_union_search(struct svc_req *req)
{
    const struct svc_params *ps = &req->params;
    if (req->params_err.code != WY_OK)
        return svc_reply_error(req, 400, "badParameter", NULL, "%s",
                               wy_err_msg(&req->params_err));
    long page = 1, size = 20;
    const char *s;
    if ((s = svc_params_get(ps, "page")) && !parse_long(s, 1, 1000, &page))
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "parameter 'page' must be 1 to 1000");
    if ((s = svc_params_get(ps, "size")) && !parse_long(s, 1, 100, &size))
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "parameter 'size' must be 1 to 100");
    struct idx_query q = IDX_QUERY_INIT;
    q.q = svc_params_get(ps, "q");
    q.collection = svc_params_get(ps, "collection");
    q.page = (size_t)page;
    q.page_size = (size_t)size;
    q.collapse = 1;
    /* the same filters as /api/search: years and facets */
    long y;
    if ((s = svc_params_get(ps, "from"))) {
        if (!parse_long(s, -9999, 9999, &y))
            return svc_reply_error(req, 400, "badParameter", NULL,
                                   "parameter 'from' must be a year from "
                                   "-9999 to 9999");
        q.from_year = (int)y;
    }
    if ((s = svc_params_get(ps, "to"))) {
        if (!parse_long(s, -9999, 9999, &y))
            return svc_reply_error(req, 400, "badParameter", NULL,
                                   "parameter 'to' must be a year from "
                                   "-9999 to 9999");
        q.to_year = (int)y;
    }
    const char *facets[SVC_PARAMS_MAX];
    size_t nf = 0;
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->p[i].key, "facet")) {
            if (!strchr(ps->p[i].val, ':'))
                return svc_reply_error(req, 400, "badParameter", NULL,
                                       "parameter 'facet' is not NAME:VALUE");
            facets[nf++] = ps->p[i].val;
        }
    q.facets = facets;
    q.nfacets = nf;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x = NULL; /* this thread's reader, with its facet cache */
    struct idx_result *res = NULL;
    struct cluster *cl = NULL;
    wy_code rc = svc_app_index(req->app, &x, &err);
    if (rc == WY_OK)
        rc = idx_search(x, &q, &res, &err);
    if (rc == WY_OK)
        rc = open_clusters(req, &cl, &err);
    if (rc) {
        idx_result_free(res);
        return fail(req, &err);
    }
    /* one hit per cluster, collapsed by the index; the cluster shown is
       the one the record is in now (the index follows cluster changes at
       its next run) */
    json_t *hits = json_array();
    for (size_t i = 0; i < res->nhits; i++) {
        const struct idx_hit *h = &res->hits[i];
        char *end;
        long long rid = strtoll(h->id, &end, 10);
        json_t *j = json_object();
        json_object_set_new(j, "id", json_string(h->id));
        json_object_set_new(j, "title", jstr(h->title));
        json_object_set_new(j, "creator", jstr(h->creator));
        json_object_set_new(j, "date", jstr(h->date));
        json_object_set_new(j, "snippet", jstr(h->snippet));
        json_object_set_new(j, "matching",
                            json_integer((json_int_t)h->collapsed + 1));
        struct cluster_info ci;
        if (!*end && rid > 0 && cluster_show(cl, rid, &ci, &err) == WY_OK) {
            json_object_set_new(j, "cluster", json_integer(ci.id));
            json_object_set_new(j, "display", json_integer(ci.display));
            for (size_t m = 0; m < ci.nmembers; m++)
                if (ci.members[m].record_id == ci.display)
                    json_object_set_new(j, "display_title",
                                        jstr(ci.members[m].title));
            json_object_set_new(j, "records",
                                json_integer((json_int_t)ci.nmembers));
            json_object_set_new(j, "held_by",
                                json_integer((json_int_t)ci.nlibraries));
            cluster_info_release(&ci);
        } else {
            wy_err_release(&err);
            json_object_set_new(j, "cluster", json_null());
            json_object_set_new(j, "display", json_null());
            json_object_set_new(j, "records", json_integer(1));
            json_object_set_new(j, "held_by", json_integer(1));
        }
        json_array_append_new(hits, j);
    }
    json_t *o = json_object();
    json_object_set_new(o, "total_records",
                        json_integer((json_int_t)res->total_records));
    json_object_set_new(o, "clusters", json_integer((json_int_t)res->total));
    json_object_set_new(o, "complete", json_true());
    json_object_set_new(o, "page", json_integer(page));
    json_object_set_new(o, "size", json_integer(size));
    json_object_set_new(o, "hits", hits);
    idx_result_free(res);
    cluster_close(cl);
    wy_err_release(&err);
    enum MHD_Result r = svc_reply_json(req, 200, o);
    json_decref(o);
    return r;
}

/* A datestamp parameter ("YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ") into
   out[21]; a day means its first second, or its last for until. */
static int ds_param(const char *s, int end_of_day, char out[21])
{
    int64_t t;
    int day;
    if (oai_parse_datestamp(s, strlen(s), end_of_day, &t, &day))
        return 0;
    oai_format_datestamp(t, out);
    return 1;
}

struct clist {
    json_t *arr;
    struct cluster_head last;
};

static wy_code clist_take(void *ctx, const struct cluster_head *h,
                          struct wy_err *err)
{
    (void)err;
    struct clist *c = ctx;
    json_t *j = json_object();
    char href[48];
    snprintf(href, sizeof(href), "/api/clusters/%lld", (long long)h->id);
    json_object_set_new(j, "id", json_integer(h->id));
    json_object_set_new(j, "datestamp", json_string(h->datestamp));
    json_object_set_new(j, "deleted", json_boolean(h->gone));
    json_object_set_new(j, "href", h->gone ? json_null() : json_string(href));
    json_array_append_new(c->arr, j);
    c->last = *h;
    return WY_OK;
}

enum MHD_Result svc_union_clusters(struct svc_req *req)
{
    const struct svc_params *ps = &req->params;
    if (req->params_err.code != WY_OK)
        return svc_reply_error(req, 400, "badParameter", NULL, "%s",
                               wy_err_msg(&req->params_err));
    char since[21], until[21], after[21];
    struct cluster_query q = {.include_gone = 1};
    const char *s;
    long size = 100;
    if ((s = svc_params_get(ps, "since"))) {
        if (!ds_param(s, 0, since))
            return svc_reply_error(req, 400, "badParameter", NULL,
                                   "parameter 'since' is not YYYY-MM-DD or "
                                   "YYYY-MM-DDThh:mm:ssZ");
        q.from = since;
    }
    if ((s = svc_params_get(ps, "until"))) {
        if (!ds_param(s, 1, until))
            return svc_reply_error(req, 400, "badParameter", NULL,
                                   "parameter 'until' is not YYYY-MM-DD or "
                                   "YYYY-MM-DDThh:mm:ssZ");
        q.until = until;
    } else {
        /* complete seconds only, as OAI-PMH lists: a change made later in
           the current second is in the next call, not skipped by it */
        oai_format_datestamp((int64_t)time(NULL) - 1, until);
        q.until = until;
    }
    if ((s = svc_params_get(ps, "after"))) {
        /* the position of the last item of a page: DATESTAMP/ID */
        const char *slash = strchr(s, '/');
        long id;
        if (!slash || slash - s != 20 ||
            !parse_long(slash + 1, 1, 0x7fffffffL, &id))
            return svc_reply_error(req, 400, "badParameter", NULL,
                                   "parameter 'after' is not DATESTAMP/ID");
        memcpy(after, s, 20);
        after[20] = '\0';
        if (!ds_param(after, 0, after))
            return svc_reply_error(req, 400, "badParameter", NULL,
                                   "parameter 'after' is not DATESTAMP/ID");
        q.after_ds = after;
        q.after_id = id;
    }
    if ((s = svc_params_get(ps, "size")) && !parse_long(s, 1, 1000, &size))
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "parameter 'size' must be 1 to 1000");
    q.limit = (size_t)size;
    struct wy_err err = WY_ERR_INIT;
    struct cluster *cl = NULL;
    struct clist c = {json_array(), {0, "", 0}};
    size_t n = 0;
    wy_code rc = open_clusters(req, &cl, &err);
    if (rc == WY_OK)
        rc = cluster_list(cl, &q, clist_take, &c, &n, &err);
    cluster_close(cl);
    if (rc) {
        json_decref(c.arr);
        return fail(req, &err);
    }
    json_t *o = json_object();
    json_object_set_new(o, "clusters", c.arr);
    if (n == (size_t)size) {
        /* maybe more: the next page starts after the last item */
        struct wy_buf next = WY_BUF_INIT(4096);
        wy_buf_adds(&next, "/api/clusters?");
        if (q.from)
            wy_buf_addf(&next, "since=%s&", q.from);
        if (q.until)
            wy_buf_addf(&next, "until=%s&", q.until);
        wy_buf_addf(&next, "after=%s/%lld&size=%ld", c.last.datestamp,
                    (long long)c.last.id, size);
        json_object_set_new(o, "next", json_string(wy_buf_cstr(&next)));
        wy_buf_release(&next);
    } else {
        json_object_set_new(o, "next", json_null());
    }
    enum MHD_Result r = svc_reply_json(req, 200, o);
    json_decref(o);
    return r;
}
