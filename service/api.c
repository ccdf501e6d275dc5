/* service/api.c: the JSON API. */
#include "service/api.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "formats/format.h"
#include "indexer/idx.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/profile.h"
#include "repository/store.h"
#include "service/app.h"
#include "service/cite.h"
#include "service/oai_provider.h"
#include "service/reply.h"

/* ---- helpers ----------------------------------------------------------- */

static enum MHD_Result fail(struct svc_req *req, struct wy_err *err)
{
    enum MHD_Result r;
    if (err->code == WY_EINDEX)
        r = svc_reply_error(req, 503, "indexUnavailable", NULL, "%s",
                            wy_err_msg(err));
    else
        r = svc_reply_wyerr(req, err);
    wy_err_release(err);
    return r;
}

/* Refuses arguments the endpoint does not know, and arguments the HTTP
   layer already refused; allowed: a NULL-terminated list. */
static int check_args(struct svc_req *req, const char *const *allowed,
                      enum MHD_Result *ret)
{
    if (req->params_err.code != WY_OK) {
        *ret = svc_reply_error(req, 400, "badParameter", NULL, "%s",
                               wy_err_msg(&req->params_err));
        return -1;
    }
    for (size_t i = 0; i < req->params.n; i++) {
        const char *k = req->params.p[i].key;
        size_t a;
        for (a = 0; allowed[a]; a++)
            if (!strcmp(k, allowed[a]))
                break;
        if (!allowed[a]) {
            struct wy_buf nm = WY_BUF_INIT(256);
            wy_buf_add_json(&nm, k, strlen(k));
            *ret = svc_reply_error(req, 400, "badParameter", NULL,
                                   "unknown parameter %s", wy_buf_cstr(&nm));
            wy_buf_release(&nm);
            return -1;
        }
    }
    return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s || strlen(s) > 12)
        return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static enum MHD_Result bad_param(struct svc_req *req, const char *name,
                                 const char *what)
{
    return svc_reply_error(req, 400, "badParameter", NULL, "parameter '%s' %s",
                           name, what);
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A URL path segment (RFC 3986 unreserved kept, the rest %XX; '/' kept
   when keep_slash). */
static void url_escape(struct wy_buf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
            (keep_slash && *p == '/')) {
            wy_buf_addc(b, (char)*p);
        } else {
            wy_buf_addc(b, '%');
            wy_buf_addc(b, hex[*p >> 4]);
            wy_buf_addc(b, hex[*p & 15]);
        }
    }
}

/* ---- /api/search ------------------------------------------------------- */

enum MHD_Result svc_api_search(struct svc_req *req)
{
    static const char *const allowed[] = {
        "q", "collection", "facet", "from", "to", "sort", "page", "size", NULL};
    enum MHD_Result ret;
    if (check_args(req, allowed, &ret))
        return ret;
    struct idx_query q = IDX_QUERY_INIT;
    const struct svc_params *ps = &req->params;
    q.q = svc_params_get(ps, "q");
    if (q.q && strlen(q.q) > SVC_QUERY_MAX)
        return bad_param(req, "q", "is longer than 1000 bytes");
    q.collection = svc_params_get(ps, "collection");
    long v;
    const char *s;
    if ((s = svc_params_get(ps, "from"))) {
        if (parse_int(s, -9999, 9999, &v))
            return bad_param(req, "from", "is not a year from -9999 to 9999");
        q.from_year = (int)v;
    }
    if ((s = svc_params_get(ps, "to"))) {
        if (parse_int(s, -9999, 9999, &v))
            return bad_param(req, "to", "is not a year from -9999 to 9999");
        q.to_year = (int)v;
    }
    if (q.from_year != WY_YEAR_NONE && q.to_year != WY_YEAR_NONE &&
        q.from_year > q.to_year)
        return bad_param(req, "from", "is later than 'to'");
    if ((s = svc_params_get(ps, "page"))) {
        if (parse_int(s, 1, SVC_SEARCH_PAGE_MAX, &v))
            return bad_param(req, "page", "is not a number from 1 to 10000");
        q.page = (size_t)v;
    }
    if ((s = svc_params_get(ps, "size"))) {
        if (parse_int(s, 1, SVC_SEARCH_SIZE_MAX, &v))
            return bad_param(req, "size", "is not a number from 1 to 100");
        q.page_size = (size_t)v;
    }
    struct wy_err err = WY_ERR_INIT;
    if ((s = svc_params_get(ps, "sort")) &&
        idx_sort_parse(s, &q.sort, &err) != WY_OK) {
        wy_err_release(&err);
        return bad_param(req, "sort", "is not relevance, date, -date or title");
    }
    const char *facets[SVC_PARAMS_MAX];
    size_t nf = 0;
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->p[i].key, "facet")) {
            if (!strchr(ps->p[i].val, ':'))
                return bad_param(req, "facet", "is not NAME:VALUE");
            facets[nf++] = ps->p[i].val;
        }
    q.facets = facets;
    q.nfacets = nf;

    struct idx *x = NULL;
    struct idx_result *res = NULL;
    if (svc_app_index(req->app, &x, &err) != WY_OK)
        return fail(req, &err);
    if (idx_search(x, &q, &res, &err) != WY_OK) {
        if (err.code == WY_EINVAL) {
            enum MHD_Result r =
                svc_reply_bad_param(req, nf ? "facet" : "q", &err);
            wy_err_release(&err);
            return r;
        }
        return fail(req, &err);
    }
    json_t *j = json_object();
    json_object_set_new(j, "total", json_integer((json_int_t)res->total));
    json_object_set_new(j, "page",
                        json_integer((json_int_t)(q.page ? q.page : 1)));
    json_object_set_new(
        j, "size", json_integer((json_int_t)(q.page_size ? q.page_size : 20)));
    json_t *hits = json_array();
    for (size_t i = 0; i < res->nhits; i++) {
        const struct idx_hit *h = &res->hits[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", jstr(h->id));
        json_object_set_new(o, "title", jstr(h->title));
        json_object_set_new(o, "creator", jstr(h->creator));
        json_object_set_new(o, "date", jstr(h->date));
        json_object_set_new(o, "snippet", jstr(h->snippet));
        json_object_set_new(o, "year_from",
                            h->year_from == WY_YEAR_NONE
                                ? json_null()
                                : json_integer(h->year_from));
        json_object_set_new(o, "year_to",
                            h->year_to == WY_YEAR_NONE
                                ? json_null()
                                : json_integer(h->year_to));
        json_object_set_new(o, "score", json_real(h->weight));
        json_array_append_new(hits, o);
    }
    json_object_set_new(j, "hits", hits);
    json_t *fa = json_array();
    for (size_t f = 0; f < IDX_NFACETS; f++) {
        const struct idx_facet *fc = &res->facets[f];
        json_t *o = json_object(), *vals = json_array();
        json_object_set_new(o, "name",
                            jstr(fc->name ? fc->name : idx_facet_name(f)));
        for (size_t k = 0; k < fc->nvalues; k++) {
            json_t *vv = json_object();
            json_object_set_new(vv, "value", jstr(fc->values[k].value));
            json_object_set_new(vv, "count",
                                json_integer((json_int_t)fc->values[k].count));
            json_array_append_new(vals, vv);
        }
        json_object_set_new(o, "values", vals);
        json_array_append_new(fa, o);
    }
    json_object_set_new(j, "facets", fa);
    idx_result_free(res);
    ret = svc_reply_json(req, 200, j);
    json_decref(j);
    return ret;
}

/* ---- /api/records/ID --------------------------------------------------- */

static int64_t parse_id(const char *s, size_t n)
{
    int64_t v = 0;
    if (n == 0 || n > 18 || s[0] < '1' || s[0] > '9')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static json_t *record_json(struct cat *cat, const struct cat_record *r)
{
    json_t *j = json_object();
    char buf[64];
    snprintf(buf, sizeof(buf), "%" PRId64, r->id);
    json_object_set_new(j, "id", json_string(buf));
    snprintf(buf, sizeof(buf), OAI_ID_PREFIX "%" PRId64, r->id);
    json_object_set_new(j, "identifier", json_string(buf));
    json_object_set_new(j, "datestamp", jstr(r->datestamp));
    json_object_set_new(j, "deleted", json_boolean(r->deleted));
    json_object_set_new(j, "source", jstr(r->source));
    json_object_set_new(j, "local_id", jstr(r->local_id));
    json_object_set_new(j, "source_identifier", jstr(r->oai_id));
    json_object_set_new(j, "collection", jstr(r->collection));
    if (r->collection) {
        struct cat_collection col;
        struct wy_err e = WY_ERR_INIT;
        if (cat_collection_get(cat, r->collection, &col, &e) == WY_OK) {
            json_object_set_new(j, "collection_name", jstr(col.name));
            cat_collection_release(&col);
        }
        wy_err_release(&e);
    }
    json_t *sets = json_array();
    for (size_t i = 0; i < r->nsets; i++)
        json_array_append_new(sets, json_string(r->sets[i]));
    json_object_set_new(j, "sets", sets);
    json_object_set_new(j, "format", jstr(r->orig_format));
    json_t *desc = r->desc_json ? json_loads(r->desc_json, 0, NULL) : NULL;
    json_object_set_new(j, "description", desc ? desc : json_object());
    struct cat_object o;
    struct wy_err e = WY_ERR_INIT;
    if (cat_object_get_by_record(cat, r->id, &o, &e) == WY_OK) {
        json_object_set_new(j, "object", jstr(o.ocfl_id));
        cat_object_release(&o);
    } else {
        json_object_set_new(j, "object", json_null());
    }
    wy_err_release(&e);
    return j;
}

/* The formats a record is served in: name, handler, content type. */
static const struct {
    const char *name, *handler, *alt, *ctype;
} rec_formats[] = {
    {"marcxml", "marcxml", NULL, "application/marcxml+xml; charset=utf-8"},
    {"mods", "mods", NULL, "application/mods+xml; charset=utf-8"},
    {"oai_dc", "oai_dc", "dc", "application/xml; charset=utf-8"},
    {"marc21", "marc21", NULL, "application/marc"},
    {NULL, NULL, NULL, NULL},
};

static enum MHD_Result serve_format(struct svc_req *req,
                                    const struct cat_record *r, size_t fi)
{
    struct wy_err err = WY_ERR_INIT;
    const struct fmt_handler *h = fmt_find(rec_formats[fi].handler);
    if (!h && rec_formats[fi].alt)
        h = fmt_find(rec_formats[fi].alt);
    if (!h || !h->write)
        return svc_reply_error(req, 501, "notImplemented", NULL,
                               "format '%s' is not available",
                               rec_formats[fi].name);
    if (r->deleted)
        return svc_reply_error(req, 410, "gone", NULL,
                               "record %" PRId64 " was deleted", r->id);
    struct wy_record *rec = NULL;
    if (cat_record_model(r, &rec, &err) != WY_OK)
        return fail(req, &err);
    struct wy_buf b = WY_BUF_INIT(16u << 20);
    wy_code rc = fmt_write_one(h, rec, &b, &err);
    wy_record_free(rec);
    if (rc != WY_OK) {
        wy_buf_release(&b);
        enum MHD_Result ret =
            svc_reply_error(req, 406, "cannotDisseminate", NULL,
                            "record %" PRId64 " cannot be written as %s: %s",
                            r->id, rec_formats[fi].name, wy_err_msg(&err));
        wy_err_release(&err);
        return ret;
    }
    return svc_reply_wybuf(req, 200, rec_formats[fi].ctype, &b);
}

static enum MHD_Result serve_cite(struct svc_req *req,
                                  const struct cat_record *r)
{
    static const char *const allowed[] = {"style", NULL};
    enum MHD_Result ret;
    if (check_args(req, allowed, &ret))
        return ret;
    const char *style = svc_params_get(&req->params, "style");
    if (!style)
        style = "ris";
    int bibtex = !strcmp(style, "bibtex");
    if (!bibtex && strcmp(style, "ris"))
        return bad_param(req, "style", "is not ris or bibtex");
    if (r->deleted)
        return svc_reply_error(req, 410, "gone", NULL,
                               "record %" PRId64 " was deleted", r->id);
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *rec = NULL;
    if (cat_record_model(r, &rec, &err) != WY_OK)
        return fail(req, &err);
    char id[32];
    snprintf(id, sizeof(id), "%" PRId64, r->id);
    struct wy_buf url = WY_BUF_INIT(4096);
    if (req->app->base_url)
        wy_buf_adds(&url, req->app->base_url);
    wy_buf_addf(&url, "/#/record/%s", id);
    struct wy_buf b = WY_BUF_INIT(1u << 20);
    wy_code rc = bibtex ? svc_cite_bibtex(rec, id, wy_buf_cstr(&url), &b, &err)
                        : svc_cite_ris(rec, id, wy_buf_cstr(&url), &b, &err);
    wy_record_free(rec);
    wy_buf_release(&url);
    if (rc != WY_OK) {
        wy_buf_release(&b);
        return fail(req, &err);
    }
    return svc_reply_wybuf(req, 200,
                           bibtex ? "application/x-bibtex; charset=utf-8"
                                  : "application/x-research-info-systems; "
                                    "charset=utf-8",
                           &b);
}

enum MHD_Result svc_api_record(struct svc_req *req)
{
    const char *rest = req->url + strlen("/api/records/");
    const char *slash = strchr(rest, '/');
    size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
    int cite = 0;
    if (slash) {
        if (strcmp(slash, "/cite"))
            return svc_reply_error(req, 404, "notFound", NULL, "no such page");
        cite = 1;
    }
    int64_t id = parse_id(rest, idlen);
    if (!id)
        return bad_param(req, "id", "is not a record number");
    enum MHD_Result ret;
    size_t fi = (size_t)-1;
    if (!cite) {
        static const char *const allowed[] = {"format", NULL};
        if (check_args(req, allowed, &ret))
            return ret;
        const char *f = svc_params_get(&req->params, "format");
        if (f && strcmp(f, "json")) {
            for (fi = 0; rec_formats[fi].name; fi++)
                if (!strcmp(rec_formats[fi].name, f))
                    break;
            if (!rec_formats[fi].name)
                return bad_param(req, "format",
                                 "is not json, marcxml, mods, "
                                 "oai_dc or marc21");
        }
    }
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *home;
    struct cat_record *r = NULL;
    if (svc_app_home(req->app, &home, &err) != WY_OK ||
        cat_get_record(home->cat, id, CAT_LOAD_ALL, &r, &err) != WY_OK)
        return fail(req, &err);
    if (cite)
        ret = serve_cite(req, r);
    else if (fi != (size_t)-1)
        ret = serve_format(req, r, fi);
    else {
        json_t *j = record_json(home->cat, r);
        ret = svc_reply_json(req, 200, j);
        json_decref(j);
    }
    cat_record_free(r);
    return ret;
}

/* ---- /api/collections -------------------------------------------------- */

/* The index facets that browse a profile's elements. */
static const struct {
    const char *element, *facet;
} browse_map[] = {
    {"dynasty", "dynasty"},   {"edition_date", "century"},
    {"period", "century"},    {"creator", "creator"},
    {"callno", "library"},    {"edition_type", "edition_type"},
    {"place", "place"},       {"region", "region"},
};

/* new: [{"facet": "dynasty", "label": "著者朝代"}, ...] in the profile's
   order, each facet once; an empty array when the collection has no
   profile. */
static json_t *browse_facets(const char *code)
{
    json_t *a = json_array();
    const struct prof_profile *p = code ? prof_find(code) : NULL;
    for (size_t i = 0; p && i < p->nelements; i++)
        for (size_t m = 0; m < sizeof(browse_map) / sizeof(browse_map[0]);
             m++) {
            if (strcmp(p->elements[i].key, browse_map[m].element))
                continue;
            int seen = 0;
            for (size_t k = 0; k < json_array_size(a); k++)
                seen |= !strcmp(json_string_value(json_object_get(
                                    json_array_get(a, k), "facet")),
                                browse_map[m].facet);
            if (!seen)
                json_array_append_new(a, json_pack("{s:s, s:s}", "facet",
                                                   browse_map[m].facet, "label",
                                                   p->elements[i].label));
        }
    return a;
}

enum MHD_Result svc_api_collections(struct svc_req *req)
{
    static const char *const allowed[] = {NULL};
    enum MHD_Result ret;
    if (check_args(req, allowed, &ret))
        return ret;
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *home;
    struct cat_collection *cols = NULL;
    size_t n = 0;
    if (svc_app_home(req->app, &home, &err) != WY_OK ||
        cat_collection_list(home->cat, &cols, &n, &err) != WY_OK)
        return fail(req, &err);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", jstr(cols[i].code));
        json_object_set_new(o, "name", jstr(cols[i].name));
        json_object_set_new(o, "description", jstr(cols[i].description));
        json_object_set_new(o, "records",
                            json_integer((json_int_t)cols[i].records));
        const struct prof_profile *prof = prof_find(cols[i].code);
        json_object_set_new(o, "profile",
                            prof ? jstr(prof->name) : json_null());
        json_object_set_new(o, "browse", browse_facets(cols[i].code));
        json_array_append_new(a, o);
    }
    cat_collections_free(cols, n);
    json_t *j = json_pack("{s:o}", "collections", a);
    ret = svc_reply_json(req, 200, j);
    json_decref(j);
    return ret;
}

/* ---- /api/objects/ID --------------------------------------------------- */

static json_t *version_json(unsigned v, const struct store_object_info *in)
{
    char name[16];
    snprintf(name, sizeof(name), "v%u", v);
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(name));
    json_object_set_new(o, "created", jstr(in->created));
    json_object_set_new(o, "message", jstr(in->message));
    json_object_set_new(o, "files", json_integer((json_int_t)in->nfiles));
    json_object_set_new(o, "bytes", json_integer((json_int_t)in->bytes));
    return o;
}

enum MHD_Result svc_api_object(struct svc_req *req)
{
    static const char *const allowed[] = {NULL};
    enum MHD_Result ret;
    if (check_args(req, allowed, &ret))
        return ret;
    const char *oid = req->url + strlen("/api/objects/");
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *home;
    struct store *st;
    struct cat_object co;
    memset(&co, 0, sizeof(co));
    if (svc_app_home(req->app, &home, &err) != WY_OK ||
        svc_app_store(req->app, &st, &err) != WY_OK)
        return fail(req, &err);
    int in_cat = cat_object_get(home->cat, oid, &co, &err) == WY_OK;
    if (!in_cat && err.code != WY_ENOTFOUND)
        return fail(req, &err);
    wy_err_release(&err);
    struct store_object_info head;
    if (store_object_info(st, oid, 0, &head, &err) != WY_OK) {
        cat_object_release(&co);
        return fail(req, &err);
    }
    struct cat_file *files = NULL;
    size_t nfiles = 0;
    if (in_cat &&
        cat_object_files(home->cat, oid, &files, &nfiles, &err) != WY_OK) {
        wy_err_release(&err); /* identification data is optional here */
        files = NULL;
        nfiles = 0;
    }
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(oid));
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, co.record_id);
    json_object_set_new(
        j, "record", in_cat && co.record_id ? json_string(buf) : json_null());
    snprintf(buf, sizeof(buf), "v%u", head.head);
    json_object_set_new(j, "head", json_string(buf));
    json_object_set_new(j, "created", jstr(head.created));
    json_object_set_new(j, "bytes", json_integer((json_int_t)head.bytes));
    json_t *fa = json_array();
    for (size_t i = 0; i < head.nfiles; i++) {
        const struct store_entry *e = &head.files[i];
        const struct cat_file *cf = NULL;
        for (size_t k = 0; k < nfiles; k++)
            if (!strcmp(files[k].path, e->logical_path))
                cf = &files[k];
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(e->logical_path));
        json_object_set_new(o, "size", json_integer((json_int_t)e->size));
        json_object_set_new(o, "mime", jstr(cf ? cf->mime : NULL));
        json_object_set_new(o, "sha512", json_string(e->sha512));
        json_object_set_new(o, "md5", jstr(cf ? cf->md5 : NULL));
        struct wy_buf u = WY_BUF_INIT(16384);
        wy_buf_adds(&u, "/files/");
        url_escape(&u, oid, 0);
        wy_buf_addc(&u, '/');
        url_escape(&u, e->logical_path, 1);
        json_object_set_new(o, "url", json_string(wy_buf_cstr(&u)));
        wy_buf_release(&u);
        json_array_append_new(fa, o);
    }
    json_object_set_new(j, "files", fa);
    json_t *va = json_array();
    for (unsigned v = 1; v <= head.head; v++) {
        struct store_object_info vi;
        if (v == head.head) {
            json_array_append_new(va, version_json(v, &head));
        } else if (store_object_info(st, oid, v, &vi, &err) == WY_OK) {
            json_array_append_new(va, version_json(v, &vi));
            store_object_info_release(&vi);
        } else {
            wy_err_release(&err);
        }
    }
    json_object_set_new(j, "versions", va);
    cat_files_free(files, nfiles);
    cat_object_release(&co);
    store_object_info_release(&head);
    ret = svc_reply_json(req, 200, j);
    json_decref(j);
    return ret;
}
