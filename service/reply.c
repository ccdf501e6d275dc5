/* service/reply.c: every reply goes through here. */
#include "service/reply.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "core/alloc.h"

/* A streamed body: pieces from the producer, gzipped when asked. */
struct svc_stream {
    struct svc_req *req;
    struct svc_producer p;
    struct wy_buf piece;   /* what the producer appended */
    struct wy_buf pending; /* bytes not yet given to MHD (gzip output) */
    size_t off;            /* into the buffer being drained */
    int done, finished, gzip, zinit;
    z_stream z;
};

/* A producer piece is one record or a page's head/tail; a record over
   8 MiB is refused rather than streamed in part. */
#define PIECE_MAX (8u << 20)

int svc_accepts_gzip(const char *ae)
{
    if (!ae)
        return 0;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t tl = (size_t)(p - tok);
        int is_gzip = (tl == 4 && !strncasecmp(tok, "gzip", 4)) ||
                      (tl == 1 && *tok == '*');
        double q = 1.0;
        while (*p == ' ')
            p++;
        while (*p == ';') {
            p++;
            while (*p == ' ')
                p++;
            if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                char *end;
                q = strtod(p + 2, &end);
                p = end;
            }
            while (*p && *p != ',' && *p != ';')
                p++;
        }
        if (is_gzip && q > 0)
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

static int compressible(const char *ctype)
{
    return !strncmp(ctype, "text/", 5) || strstr(ctype, "json") ||
           strstr(ctype, "xml") || strstr(ctype, "javascript");
}

/* Deflates in[0..n) into out as gzip; flush is Z_NO_FLUSH or Z_FINISH. */
static int deflate_into(z_stream *z, const char *in, size_t n,
                        struct wy_buf *out, int flush)
{
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n;
    for (;;) {
        char *w = wy_buf_reserve(out, 16384);
        if (!w)
            return -1;
        z->next_out = (Bytef *)w;
        z->avail_out = 16384;
        int zr = deflate(z, flush);
        if (zr == Z_STREAM_ERROR)
            return -1;
        wy_buf_commit(out, 16384 - z->avail_out);
        if (flush == Z_FINISH ? zr == Z_STREAM_END
                              : (z->avail_in == 0 && z->avail_out != 0))
            return 0;
    }
}

static int gzip_init(z_stream *z)
{
    memset(z, 0, sizeof(*z));
    /* 15 + 16: a gzip wrapper, as Content-Encoding: gzip requires */
    return deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) ==
                   Z_OK
               ? 0
               : -1;
}

static void common_headers(struct svc_req *req, struct MHD_Response *r,
                           const char *ctype)
{
    if (ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    (void)req;
}

static enum MHD_Result queue(struct svc_req *req, unsigned status,
                             struct MHD_Response *r, uint64_t n)
{
    req->status = status;
    req->bytes = n;
    enum MHD_Result ret = MHD_queue_response(req->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result svc_reply_buf(struct svc_req *req, unsigned status,
                              const char *ctype, char *data, size_t n)
{
    int gz = 0;
    if (req->gzip && n >= 512 && compressible(ctype)) {
        z_stream z;
        struct wy_buf out = WY_BUF_INIT(n + n / 8 + 1024);
        if (gzip_init(&z) == 0) {
            if (deflate_into(&z, data, n, &out, Z_FINISH) == 0 &&
                out.error == WY_OK) {
                size_t zn;
                char *zd = wy_buf_take(&out, &zn);
                if (zd) {
                    free(data);
                    data = zd;
                    n = zn;
                    gz = 1;
                }
            }
            deflateEnd(&z);
        }
        wy_buf_release(&out);
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback(n, data, free);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    common_headers(req, r, ctype);
    if (compressible(ctype))
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gz)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    return queue(req, status, r, n);
}

enum MHD_Result svc_reply_wybuf(struct svc_req *req, unsigned status,
                                const char *ctype, struct wy_buf *b)
{
    struct wy_err err = WY_ERR_INIT;
    if (wy_buf_status(b, &err) != WY_OK) {
        wy_buf_release(b);
        enum MHD_Result r = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return r;
    }
    size_t n;
    char *p = wy_buf_take(b, &n);
    if (!p) {
        p = wy_strdup("");
        n = 0;
        if (!p)
            return MHD_NO;
    }
    return svc_reply_buf(req, status, ctype, p, n);
}

enum MHD_Result svc_reply_static(struct svc_req *req, unsigned status,
                                 const char *ctype, const void *data, size_t n,
                                 const char *const *extra)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        n, (void *)(uintptr_t)data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    common_headers(req, r, ctype);
    for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        MHD_add_response_header(r, extra[i], extra[i + 1]);
    return queue(req, status, r, n);
}

enum MHD_Result svc_reply_json(struct svc_req *req, unsigned status,
                               const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return svc_reply_error(req, 500, "internalError", NULL,
                               "cannot serialize the reply");
    return svc_reply_buf(req, status, SVC_CT_JSON, s, strlen(s));
}

enum MHD_Result svc_reply_error(struct svc_req *req, unsigned status,
                                const char *code, const char *allow,
                                const char *fmt, ...)
{
    struct wy_buf msg = WY_BUF_INIT(4096);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    struct wy_buf b = WY_BUF_INIT(16384);
    wy_buf_adds(&b, "{\"error\":");
    wy_buf_add_json(&b, code, strlen(code));
    wy_buf_adds(&b, ",\"message\":");
    const char *m = wy_buf_cstr(&msg);
    wy_buf_add_json(&b, m, strlen(m));
    wy_buf_adds(&b, "}\n");
    wy_buf_release(&msg);
    size_t n;
    char *p = wy_buf_take(&b, &n);
    wy_buf_release(&b);
    if (!p)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback(n, p, free);
    if (!r) {
        free(p);
        return MHD_NO;
    }
    common_headers(req, r, SVC_CT_JSON);
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == 503)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
    return queue(req, status, r, n);
}

enum MHD_Result svc_reply_bad_param(struct svc_req *req, const char *param,
                                    const struct wy_err *err)
{
    const char *m = wy_err_msg(err);
    /* the message already names the parameter when it comes from params.c */
    if (strstr(m, param))
        return svc_reply_error(req, 400, "badParameter", NULL, "%s", m);
    return svc_reply_error(req, 400, "badParameter", NULL, "parameter '%s': %s",
                           param, m);
}

enum MHD_Result svc_reply_wyerr(struct svc_req *req, const struct wy_err *err)
{
    unsigned st = 500;
    const char *code = "internalError";
    switch (err->code) {
    case WY_ENOTFOUND:
        st = 404;
        code = "notFound";
        break;
    case WY_EINVAL:
    case WY_EFORMAT:
        st = 400;
        code = "badParameter";
        break;
    case WY_ETOOBIG:
        st = 413;
        code = "tooLarge";
        break;
    default:
        break;
    }
    if (st == 500)
        svc_log(req, WY_LOG_ERROR, "%s: %s", req->url, wy_err_msg(err));
    return svc_reply_error(req, st, code, NULL, "%s", wy_err_msg(err));
}

/* ---- streamed bodies --------------------------------------------------- */

void svc_stream_free(struct svc_stream *s)
{
    if (!s)
        return;
    if (s->p.free)
        s->p.free(s->p.ctx);
    if (s->zinit)
        deflateEnd(&s->z);
    wy_buf_release(&s->piece);
    wy_buf_release(&s->pending);
    free(s);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct svc_stream *s = cls;
    (void)pos;
    struct wy_buf *src = s->gzip ? &s->pending : &s->piece;
    while (s->off >= src->len) {
        if (s->finished)
            return MHD_CONTENT_READER_END_OF_STREAM;
        wy_buf_reset(&s->piece);
        wy_buf_reset(&s->pending);
        s->off = 0;
        struct wy_err err = WY_ERR_INIT;
        int done = 0;
        if (s->p.next(s->p.ctx, &s->piece, &done, &err) != WY_OK ||
            wy_buf_status(&s->piece, &err) != WY_OK) {
            svc_log(s->req, WY_LOG_ERROR, "%s: reply cut short: %s",
                    s->req->url, wy_err_msg(&err));
            wy_err_release(&err);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (s->gzip &&
            deflate_into(&s->z, s->piece.p ? s->piece.p : "", s->piece.len,
                         &s->pending, done ? Z_FINISH : Z_NO_FLUSH) != 0) {
            svc_log(s->req, WY_LOG_ERROR, "%s: gzip failed", s->req->url);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (done)
            s->finished = 1;
    }
    size_t n = src->len - s->off;
    if (n > max)
        n = max;
    memcpy(buf, src->p + s->off, n);
    s->off += n;
    s->req->bytes += n;
    return (ssize_t)n;
}

enum MHD_Result svc_reply_stream(struct svc_req *req, unsigned status,
                                 const char *ctype,
                                 const struct svc_producer *p)
{
    struct svc_stream *s = wy_calloc(1, sizeof(*s));
    if (!s) {
        if (p->free)
            p->free(p->ctx);
        return MHD_NO;
    }
    s->req = req;
    s->p = *p;
    wy_buf_init(&s->piece, PIECE_MAX);
    wy_buf_init(&s->pending, PIECE_MAX + PIECE_MAX / 8 + 65536);
    /* freed in NOTIFY_COMPLETED, whatever happens to the response */
    svc_stream_free(req->stream);
    req->stream = s;
    if (req->gzip && req->method != SVC_HEAD) {
        if (gzip_init(&s->z) == 0)
            s->zinit = s->gzip = 1;
    }
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, s, NULL);
    if (!r)
        return MHD_NO;
    common_headers(req, r, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (s->gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    req->status = status;
    enum MHD_Result ret = MHD_queue_response(req->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- files ------------------------------------------------------------- */

static int parse_u64(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    if (*p < '0' || *p > '9')
        return -1;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        p++;
    }
    *pp = p;
    *out = v;
    return 0;
}

int svc_parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
    if (!h)
        return 0;
    while (*h == ' ')
        h++;
    if (strncmp(h, "bytes=", 6))
        return 0; /* an unknown unit is ignored (RFC 9110 14.2) */
    const char *p = h + 6;
    while (*p == ' ')
        p++;
    if (strchr(p, ','))
        return 0; /* several ranges: we send the whole file instead */
    uint64_t a = 0, b = 0;
    if (*p == '-') { /* suffix: the last N bytes */
        p++;
        if (parse_u64(&p, &b) != 0)
            return 0;
        while (*p == ' ')
            p++;
        if (*p)
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *from = b >= size ? 0 : size - b;
        *to = size - 1;
        return 1;
    }
    if (parse_u64(&p, &a) != 0 || *p != '-')
        return 0;
    p++;
    int open_end = (*p == '\0' || *p == ' ');
    if (!open_end && parse_u64(&p, &b) != 0)
        return 0;
    while (*p == ' ')
        p++;
    if (*p)
        return 0;
    if (!open_end && b < a)
        return 0; /* invalid: ignored */
    if (a >= size)
        return -1;
    *from = a;
    *to = open_end || b >= size ? size - 1 : b;
    return 1;
}

static int etag_matches(const char *inm, const char *etag)
{
    if (!inm || !etag)
        return 0;
    if (!strcmp(inm, "*"))
        return 1;
    size_t el = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)); p += el) {
        char after = p[el];
        if (after == '\0' || after == ',' || after == ' ')
            return 1;
    }
    return 0;
}

enum MHD_Result svc_reply_file(struct svc_req *req, int fd, uint64_t size,
                               const char *ctype, const char *etag)
{
    struct MHD_Response *r;
    if (etag_matches(svc_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, (void *)"",
                                            MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        return queue(req, MHD_HTTP_NOT_MODIFIED, r, 0);
    }
    const char *range = svc_header(req, MHD_HTTP_HEADER_RANGE);
    const char *ifr = svc_header(req, MHD_HTTP_HEADER_IF_RANGE);
    if (range && ifr && (!etag || strcmp(ifr, etag)))
        range = NULL; /* the client's copy is stale: send it all */
    uint64_t from = 0, to = 0;
    int rr = svc_parse_range(range, size, &from, &to);
    if (rr < 0) {
        close(fd);
        char cr[64];
        snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
        struct wy_buf b = WY_BUF_INIT(256);
        wy_buf_adds(&b, "{\"error\":\"rangeNotSatisfiable\",\"message\":"
                        "\"the range lies outside the file\"}\n");
        size_t n;
        char *p = wy_buf_take(&b, &n);
        if (!p)
            return MHD_NO;
        r = MHD_create_response_from_buffer_with_free_callback(n, p, free);
        if (!r) {
            free(p);
            return MHD_NO;
        }
        common_headers(req, r, SVC_CT_JSON);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        return queue(req, MHD_HTTP_RANGE_NOT_SATISFIABLE, r, n);
    }
    uint64_t len = rr > 0 ? to - from + 1 : size;
    r = MHD_create_response_from_fd_at_offset64(len, fd, rr > 0 ? from : 0);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    common_headers(req, r, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    if (etag)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    if (rr > 0) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from,
                 to, size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        return queue(req, MHD_HTTP_PARTIAL_CONTENT, r, len);
    }
    return queue(req, MHD_HTTP_OK, r, len);
}
