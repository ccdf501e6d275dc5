/* service/web.c: serves the compiled-in assets of service/assets/ (embedded
   at build time with xxd -i into gen/assets.h). */
#include "service/web.h"

#include <string.h>

#include "service/reply.h"

#include "assets.h"

struct asset {
    const char *name;
    const unsigned char *data;
    const unsigned int *len;
};

static const struct asset assets[] = {
#define X(var, name) {name, var, &var##_len},
    WY_ASSET_LIST
#undef X
    {NULL, NULL, NULL},
};

static const char *ctype_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (!strcmp(dot, ".html"))
        return SVC_CT_HTML;
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".svg"))
        return "image/svg+xml";
    return "application/octet-stream";
}

static enum MHD_Result serve(struct svc_req *req, const char *name)
{
    static const char *const html_headers[] = {
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'",
        "Cache-Control", "no-cache", NULL};
    static const char *const asset_headers[] = {"Cache-Control",
                                                "public, max-age=3600", NULL};
    for (const struct asset *a = assets; a->name; a++)
        if (!strcmp(a->name, name)) {
            const char *ct = ctype_of(name);
            return svc_reply_static(req, 200, ct, a->data, *a->len,
                                    strstr(ct, "html") ? html_headers
                                                       : asset_headers);
        }
    return svc_reply_error(req, 404, "notFound", NULL, "no such asset");
}

enum MHD_Result svc_web_index(struct svc_req *req)
{
    return serve(req, "index.html");
}

enum MHD_Result svc_web_asset(struct svc_req *req)
{
    return serve(req, req->url + strlen("/assets/"));
}
