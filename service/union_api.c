/* service/union_api.c: clusters over JSON (docs/UNION-CATALOGUE.md). */
#include "service/union_api.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "indexer/idx.h"
#include "repository/cluster.h"
#include "service/app.h"
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
