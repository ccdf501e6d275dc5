/* service/files.c: stored file delivery. */
#include "service/files.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
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

#include <openssl/evp.h>
#include <vips/vips.h>

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

/* ---- derivatives (?size=thumb|view) ------------------------------------ */

/* The derivative sizes: the JPEG fits a box of this many pixels. */
static const struct {
    const char *name;
    int box;
} deriv_sizes[] = {
    {"thumb", 320},
    {"view", 1600},
};

/* Masters larger than this are refused (a hostile or broken file could
   claim any size; libvips streams, but time grows with the pixels). */
#define DERIV_MAX_PIXELS (400ull * 1000 * 1000)

/* libvips is set up once per process (it keeps its own global state):
   one worker thread per derivative, no operation cache (every derivative
   is made once, then served from HOME/cache/). */
static pthread_once_t vips_once = PTHREAD_ONCE_INIT;
static int vips_ready;

/* libvips and libtiff warnings about a damaged file: the failure itself is
   reported to the client (library code never prints) */
static void vips_quiet(const gchar *domain, GLogLevelFlags level,
                       const gchar *msg, gpointer data)
{
    (void)domain, (void)level, (void)msg, (void)data;
}

static void vips_setup(void)
{
    if (VIPS_INIT("wenyuan") != 0)
        return;
    g_log_set_handler("VIPS",
                      G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                          G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                      vips_quiet, NULL);
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_ready = 1;
}

/* The cache key: sha256 of object, head version, path, size and the
   master's digest, as hex (65 bytes with the NUL). */
static void deriv_key(const char *oid, unsigned head, const char *path,
                      const char *size, const char *sha512, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    char v[16];
    snprintf(v, sizeof(v), "v%u", head);
    const char *parts[] = {oid, v, path, size, sha512};
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL))
        for (size_t i = 0; i < 5; i++)
            EVP_DigestUpdate(c, parts[i], strlen(parts[i]) + 1);
    if (!c || !EVP_DigestFinal_ex(c, md, &mdlen))
        mdlen = 0;
    EVP_MD_CTX_free(c);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = i < mdlen ? hex[md[i] >> 4] : '0';
        out[2 * i + 1] = i < mdlen ? hex[md[i] & 15] : '0';
    }
    out[64] = '\0';
}

/* Writes the derivative whole: a unique temporary file in the cache
   directory, then rename (two workers making the same derivative at once
   both succeed; readers never see a partial file). */
static wy_code cache_put(const char *dir, const char *file, const void *p,
                         size_t n, struct wy_err *err)
{
    if (wy_mkdirs(dir, err) != WY_OK)
        return err->code;
    struct wy_buf tmp = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&tmp, "%s.XXXXXX", file);
    if (wy_buf_status(&tmp, err) != WY_OK)
        return err->code;
    wy_code rc = WY_OK;
    int fd = mkstemp(tmp.p);
    if (fd < 0) {
        rc = wy_err_set(err, WY_EIO, "cannot create '%s': %s", tmp.p,
                        strerror(errno));
        goto out;
    }
    const char *q = p;
    for (size_t left = n; left && rc == WY_OK;) {
        ssize_t w = write(fd, q, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = wy_err_set(err, WY_EIO, "cannot write '%s': %s", tmp.p,
                            strerror(errno));
        else
            q += w, left -= (size_t)w;
    }
    if (rc == WY_OK && fsync(fd) != 0)
        rc = wy_err_set(err, WY_EIO, "cannot sync '%s': %s", tmp.p,
                        strerror(errno));
    if (close(fd) != 0 && rc == WY_OK)
        rc = wy_err_set(err, WY_EIO, "cannot close '%s': %s", tmp.p,
                        strerror(errno));
    if (rc == WY_OK && rename(tmp.p, file) != 0)
        rc = wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s", tmp.p,
                        file, strerror(errno));
    if (rc != WY_OK)
        unlink(tmp.p);
out:
    wy_buf_release(&tmp);
    return rc;
}

/* Makes the JPEG of master (fd, borrowed) fitting box × box pixels.
   new: *out (g_malloc'd, g_free it). Errors: WY_EFORMAT (not an image
   libvips can read, or too large), naming path. */
static wy_code deriv_make(int fd, const char *path, int box, void **out,
                          size_t *outlen, struct wy_err *err)
{
    *out = NULL;
    *outlen = 0;
    pthread_once(&vips_once, vips_setup);
    if (!vips_ready)
        return wy_err_set(err, WY_ESTATE, "libvips could not be initialized");
    wy_code rc = WY_OK;
    VipsSource *src = vips_source_new_from_descriptor(fd);
    VipsImage *hdr = NULL, *img = NULL;
    if (!src || !(hdr = vips_image_new_from_source(
                      src, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL)))
        goto vips_fail;
    uint64_t px = (uint64_t)vips_image_get_width(hdr) *
                  (uint64_t)vips_image_get_height(hdr);
    if (px > DERIV_MAX_PIXELS) {
        rc = wy_err_set(err, WY_ETOOBIG,
                        "'%s': the image has %dx%d pixels, more than the "
                        "%llu a derivative is made of",
                        path, vips_image_get_width(hdr),
                        vips_image_get_height(hdr), DERIV_MAX_PIXELS);
        goto out;
    }
    g_object_unref(hdr);
    hdr = NULL;
    g_object_unref(src);
    /* a fresh source: the header read moved the first one */
    if (!(src = vips_source_new_from_descriptor(fd)) ||
        vips_thumbnail_source(src, &img, box, "height", box, "size",
                              VIPS_SIZE_DOWN, NULL) != 0 ||
        vips_jpegsave_buffer(img, out, outlen, "Q", 85, "strip", TRUE, NULL) !=
            0)
        goto vips_fail;
    goto out;
vips_fail : {
    char *why = vips_error_buffer_copy();
    size_t wl = why ? strlen(why) : 0;
    while (wl && (why[wl - 1] == '\n' || why[wl - 1] == ' '))
        why[--wl] = '\0';
    rc = wy_err_set(err, WY_EFORMAT, "'%s': cannot make a derivative: %s", path,
                    why && *why ? why : "not a readable image");
    g_free(why);
    if (*out)
        g_free(*out);
    *out = NULL;
}
out:
    if (img)
        g_object_unref(img);
    if (hdr)
        g_object_unref(hdr);
    if (src)
        g_object_unref(src);
    vips_thread_shutdown();
    return rc;
}

/* Serves the derivative `size` of the master (fd, taken), from
   HOME/cache/derivatives/ or made now and cached. */
static enum MHD_Result
serve_derivative(struct svc_req *req, const struct wy_home *home,
                 const char *oid, unsigned head, const char *path,
                 const char *mime, const char *sha512, const char *size, int fd)
{
    int box = 0;
    for (size_t i = 0; i < sizeof(deriv_sizes) / sizeof(deriv_sizes[0]); i++)
        if (!strcmp(size, deriv_sizes[i].name))
            box = deriv_sizes[i].box;
    if (!box) {
        close(fd);
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "parameter 'size': must be 'thumb' or 'view'");
    }
    if (strncmp(mime, "image/", 6)) {
        close(fd);
        return svc_reply_error(req, 400, "badParameter", NULL,
                               "parameter 'size': '%s' is not an image (%s)",
                               path, mime);
    }
    char key[65];
    deriv_key(oid, head, path, size, sha512, key);
    char etag[48];
    snprintf(etag, sizeof(etag), "\"d%.40s\"", key);
    struct wy_buf dir = WY_BUF_INIT(WY_BUF_NOLIMIT),
                  file = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&dir, "%s/cache/derivatives", home->path);
    wy_buf_addf(&file, "%s/%s.jpg", wy_buf_cstr(&dir), key);
    enum MHD_Result ret;
    struct stat sb;
    int cfd = file.error == WY_OK
                  ? open(wy_buf_cstr(&file), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                  : -1;
    if (cfd >= 0 && fstat(cfd, &sb) == 0 && S_ISREG(sb.st_mode) &&
        sb.st_size > 0) {
        close(fd);
        ret =
            svc_reply_file(req, cfd, (uint64_t)sb.st_size, "image/jpeg", etag);
        goto done;
    }
    if (cfd >= 0)
        close(cfd);
    struct wy_err err = WY_ERR_INIT;
    void *jpg = NULL;
    size_t n = 0;
    wy_code rc = deriv_make(fd, path, box, &jpg, &n, &err);
    close(fd);
    if (rc != WY_OK) {
        ret = svc_reply_error(req, rc == WY_ESTATE ? 500 : 422,
                              rc == WY_ESTATE ? "internalError" : "badImage",
                              NULL, "%s", wy_err_msg(&err));
        wy_err_release(&err);
        goto done;
    }
    if (cache_put(wy_buf_cstr(&dir), wy_buf_cstr(&file), jpg, n, &err) !=
        WY_OK) {
        /* a read-only home still gets its derivatives, made each time */
        svc_log(req, WY_LOG_WARN, "files: derivative not cached: %s",
                wy_err_msg(&err));
        wy_err_release(&err);
    } else if ((cfd = open(wy_buf_cstr(&file),
                           O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0 &&
               fstat(cfd, &sb) == 0) {
        g_free(jpg);
        ret =
            svc_reply_file(req, cfd, (uint64_t)sb.st_size, "image/jpeg", etag);
        goto done;
    } else if (cfd >= 0) {
        close(cfd);
    }
    char *copy = malloc(n ? n : 1);
    if (!copy) {
        g_free(jpg);
        ret = MHD_NO;
        goto done;
    }
    memcpy(copy, jpg, n);
    g_free(jpg);
    ret = svc_reply_buf(req, 200, "image/jpeg", copy, n);
done:
    wy_buf_release(&dir);
    wy_buf_release(&file);
    return ret;
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
    const char *size = svc_params_get(&req->params, "size");
    if (size) {
        ret = serve_derivative(req, home, oid, info.head, path,
                               mime ? mime : svc_mime_of(path), e->sha512, size,
                               fd);
        cat_files_free(cf, ncf);
        goto out;
    }
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
