/* service/files.c: stored file delivery. */
#include "service/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/path.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/store.h"
#include "service/app.h"
#include "service/reply.h"

const char *svc_mime_of(const char *path)
{
    static const struct {
        const char *ext, *mime;
    } t[] = {
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"png", "image/png"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"tif", "image/tiff"},
        {"tiff", "image/tiff"},
        {"jp2", "image/jp2"},
        {"pdf", "application/pdf"},
        {"txt", "text/plain; charset=utf-8"},
        {"xml", "application/xml"},
        {"json", "application/json"},
        {"html", "text/plain; charset=utf-8"}, /* never rendered as ours */
        {"hocr", "text/plain; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"mrc", "application/marc"},
        {"zip", "application/zip"},
    };
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
            if (!strcasecmp(dot + 1, t[i].ext))
                return t[i].mime;
    return "application/octet-stream";
}

/* Types that a browser would run as our own page are sent as text or as a
   download instead (a stored HTML or SVG file must not script the site). */
static const char *safe_mime(const char *m)
{
    if (!m)
        return NULL;
    if (strstr(m, "html") || strstr(m, "svg") || strstr(m, "javascript") ||
        strstr(m, "xhtml"))
        return "text/plain; charset=utf-8";
    return m;
}

enum MHD_Result svc_files(struct svc_req *req)
{
    if (req->params_err.code != WY_OK)
        return svc_reply_error(req, 400, "badParameter", NULL, "%s",
                               wy_err_msg(&req->params_err));
    const char *rest = req->url + strlen("/files/");
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *home;
    struct store *st;
    if (svc_app_home(req->app, &home, &err) != WY_OK ||
        svc_app_store(req->app, &st, &err) != WY_OK) {
        enum MHD_Result r = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return r;
    }
    /* OCFL ids may hold '/': the object is the shortest prefix that names
       one; the rest is the logical path */
    char *oid = NULL;
    const char *path = NULL;
    for (const char *s = strchr(rest, '/'); s; s = strchr(s + 1, '/')) {
        char *cand = wy_strndup(rest, (size_t)(s - rest));
        if (!cand)
            return MHD_NO;
        if (*cand && store_object_exists(st, cand)) {
            oid = cand;
            path = s + 1;
            break;
        }
        free(cand);
    }
    if (!oid)
        return svc_reply_error(req, 404, "notFound", NULL, "no such object");
    const char *why = wy_path_unsafe(path);
    if (why) {
        free(oid);
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "parameter 'path': %s", why);
    }
    struct store_object_info info;
    if (store_object_info(st, oid, 0, &info, &err) != WY_OK) {
        free(oid);
        enum MHD_Result r = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return r;
    }
    const struct store_entry *e = NULL;
    for (size_t i = 0; i < info.nfiles; i++)
        if (!strcmp(info.files[i].logical_path, path))
            e = &info.files[i];
    enum MHD_Result ret;
    if (!e) {
        ret = svc_reply_error(req, 404, "notFound", NULL,
                              "the object has no such file");
        goto out;
    }
    /* the content path comes from the inventory, which the store checked;
       still, refuse anything that is not a plain relative path */
    if (wy_path_unsafe(e->content_path)) {
        ret = svc_reply_error(req, 500, "internalError", NULL,
                              "the inventory names an unsafe content path");
        goto out;
    }
    struct wy_buf abs = WY_BUF_INIT(16384);
    wy_buf_adds(&abs, store_root(st));
    wy_buf_addc(&abs, '/');
    if (store_object_relpath(st, oid, &abs, &err) != WY_OK) {
        wy_buf_release(&abs);
        ret = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        goto out;
    }
    wy_buf_addc(&abs, '/');
    wy_buf_adds(&abs, e->content_path);
    int fd = abs.error == WY_OK
                 ? open(wy_buf_cstr(&abs), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                 : -1;
    wy_buf_release(&abs);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        svc_log(req, WY_LOG_ERROR,
                "files: content of '%s' in '%s' is "
                "missing",
                path, oid);
        ret = svc_reply_error(req, 500, "internalError", NULL,
                              "the stored file cannot be read");
        goto out;
    }
    /* the MIME type found at ingest (libmagic), else the extension */
    const char *mime = NULL;
    struct cat_file *cf = NULL;
    size_t ncf = 0;
    if (cat_object_files(home->cat, oid, &cf, &ncf, &err) == WY_OK) {
        for (size_t i = 0; i < ncf; i++)
            if (!strcmp(cf[i].path, path) && cf[i].mime)
                mime = cf[i].mime;
    }
    wy_err_release(&err);
    char etag[48];
    snprintf(etag, sizeof(etag), "\"%.40s\"", e->sha512);
    mime = safe_mime(mime ? mime : svc_mime_of(path));
    ret = svc_reply_file(req, fd, (uint64_t)sb.st_size, mime, etag);
    cat_files_free(cf, ncf);
out:
    store_object_info_release(&info);
    free(oid);
    return ret;
}
