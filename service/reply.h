/* service/reply.h: every reply goes through here (Content-Type, the JSON
   error body, gzip, the buffer hand-off to MHD, streamed bodies, files with
   ETag and Range). Each returns the MHD_Result of queueing the response. */
#ifndef WY_SERVICE_REPLY_H
#define WY_SERVICE_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/buf.h"
#include "service/http.h"

#define SVC_CT_JSON "application/json; charset=utf-8"
#define SVC_CT_XML "text/xml; charset=utf-8"
#define SVC_CT_HTML "text/html; charset=utf-8"
#define SVC_CT_TEXT "text/plain; charset=utf-8"

/* takes: data (malloc'd, freed by MHD when sent, or here on failure). The
   body is gzipped when the client accepts it and it is worth it. */
enum MHD_Result svc_reply_buf(struct svc_req *req, unsigned status,
                              const char *ctype, char *data, size_t n);

/* Takes the content of b (b is empty afterwards); a buffer in error gives a
   500 instead. */
enum MHD_Result svc_reply_wybuf(struct svc_req *req, unsigned status,
                                const char *ctype, struct wy_buf *b);

/* borrowed: data lives as long as the program (compiled-in assets). extra
   headers: NULL or a NULL-terminated name, value, name, value... list. */
enum MHD_Result svc_reply_static(struct svc_req *req, unsigned status,
                                 const char *ctype, const void *data, size_t n,
                                 const char *const *extra);

/* borrowed: j (serialized compactly, UTF-8 kept). */
enum MHD_Result svc_reply_json(struct svc_req *req, unsigned status,
                               const json_t *j);

/*
 * {"error": code, "message": msg} with the status; code is a short stable
 * word ("badParameter", "notFound", "methodNotAllowed"). allow: the Allow
 * header for 405 (else NULL).
 */
enum MHD_Result svc_reply_error(struct svc_req *req, unsigned status,
                                const char *code, const char *allow,
                                const char *fmt, ...) WY_PRINTF(5, 6);

/* A 400 naming the parameter, from an error whose message says what was
   wrong with it. */
enum MHD_Result svc_reply_bad_param(struct svc_req *req, const char *param,
                                    const struct wy_err *err);

/* Maps a library error to a status (ENOTFOUND 404, EINVAL 400, ETOOBIG 413,
   others 500) and replies with its message. */
enum MHD_Result svc_reply_wyerr(struct svc_req *req, const struct wy_err *err);

/*
 * A body produced piece by piece: next() appends the following piece to out
 * (a bounded buffer) and sets *done after the last one. Any error once the
 * headers are out ends the connection (the log names the cause). free()
 * runs when the request completes (in NOTIFY_COMPLETED), also if next was
 * never called. takes: ctx.
 */
struct svc_producer {
    wy_code (*next)(void *ctx, struct wy_buf *out, int *done,
                    struct wy_err *err);
    void (*free)(void *ctx);
    void *ctx;
};
enum MHD_Result svc_reply_stream(struct svc_req *req, unsigned status,
                                 const char *ctype,
                                 const struct svc_producer *p);

/*
 * A stored file: fd (takes; closed by MHD or here), its size and a strong
 * ETag (quoted, e.g. "\"sha512-prefix\""). Handles If-None-Match (304) and a
 * single Range (206, 416 when unsatisfiable); never gzipped.
 */
enum MHD_Result svc_reply_file(struct svc_req *req, int fd, uint64_t size,
                               const char *ctype, const char *etag);

/* Frees a stream's state: called from the completion callback only. */
void svc_stream_free(struct svc_stream *s);

/* Whether an Accept-Encoding value accepts gzip (q > 0). */
int svc_accepts_gzip(const char *accept_encoding);

/*
 * Parses a Range header against a size: 1 with [*from, *to] (inclusive) for
 * one satisfiable range, 0 when there is no usable header (serve the whole
 * file; also for multiple ranges), -1 when unsatisfiable (416).
 */
int svc_parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to);

#endif
