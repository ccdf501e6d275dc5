/* service/routes.c: the route table (Taler exchange style). */
#include "service/routes.h"

#include <string.h>

#include "core/buf.h"
#include "service/api.h"
#include "service/files.h"
#include "service/oai_provider.h"
#include "service/reply.h"
#include "service/sru.h"
#include "service/union_api.h"
#include "service/web.h"

static const struct svc_route routes[] = {
    {"GET", "/oai", svc_oai}, /* OAI errors: 200 + <error code> */
    {"POST", "/oai", svc_oai},
    {"GET", "/oai/union", svc_oai}, /* the clusters: service/oai_union.c */
    {"POST", "/oai/union", svc_oai},
    {"GET", "/api/search", svc_api_search},
    {"GET", "/api/records/", svc_api_record},
    {"GET", "/api/collections", svc_api_collections},
    {"GET", "/api/objects/", svc_api_object},
    {"GET", "/files/", svc_files},
    {"GET", "/", svc_web_index},
    {"GET", "/assets/", svc_web_asset},
    {"GET", "/sru", svc_sru},
    {"POST", "/sru", svc_sru},
    {"GET", "/api/union/search", svc_union_search},
    {"GET", "/api/clusters/", svc_union_cluster},
    {"GET", "/api/clusters", svc_union_clusters},
    {NULL, NULL, NULL},
};

static int path_matches(const char *route, const char *url)
{
    size_t n = strlen(route);
    if (n > 1 && route[n - 1] == '/')
        return !strncmp(route, url, n) && url[n] != '\0';
    return !strcmp(route, url);
}

static int method_matches(const char *route, const struct svc_req *req)
{
    if (!strcmp(route, req->method_name))
        return 1;
    return req->method == SVC_HEAD && !strcmp(route, "GET");
}

enum MHD_Result svc_route(struct svc_req *req)
{
    struct wy_buf allow = WY_BUF_INIT(256);
    int known = 0;
    for (const struct svc_route *r = routes; r->path; r++) {
        if (!path_matches(r->path, req->url))
            continue;
        if (method_matches(r->method, req)) {
            wy_buf_release(&allow);
            return r->handle(req);
        }
        if (!strstr(wy_buf_cstr(&allow), r->method)) {
            if (known++)
                wy_buf_adds(&allow, ", ");
            wy_buf_adds(&allow, r->method);
            if (!strcmp(r->method, "GET"))
                wy_buf_adds(&allow, ", HEAD");
        }
    }
    enum MHD_Result ret;
    if (known)
        ret = svc_reply_error(req, 405, "methodNotAllowed", wy_buf_cstr(&allow),
                              "method not allowed here; use %s",
                              wy_buf_cstr(&allow));
    else
        ret = svc_reply_error(req, 404, "notFound", NULL, "no such page");
    wy_buf_release(&allow);
    return ret;
}
