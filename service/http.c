/* service/http.c: the libmicrohttpd daemon, request set-up and tear-down,
   and the access log. */
#include "service/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "service/reply.h"
#include "service/routes.h"

struct svc_server {
    struct MHD_Daemon *d;
    struct svc_app *app;
    struct wy_log *log;
    pthread_mutex_t log_lock;
    struct svc_config cfg;
    atomic_uint active; /* requests begun and not yet completed */
    unsigned port;
};

static void log_locked(struct svc_server *s, enum wy_level lv, const char *msg)
{
    pthread_mutex_lock(&s->log_lock);
    wy_log_msg(s->log, lv, "%s", msg);
    pthread_mutex_unlock(&s->log_lock);
}

void svc_log(struct svc_req *req, enum wy_level lv, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap); /* diagnostics: cut is fine */
    va_end(ap);
    log_locked(req->srv, lv, msg);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* libmicrohttpd reports clients that went away and limits reached;
       failures that matter come back as errors from its calls */
    log_locked(cls, WY_LOG_INFO, msg);
}

const char *svc_header(struct svc_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct arg_walk {
    struct svc_req *req;
    wy_code rc;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
                                   const char *key, size_t klen,
                                   const char *val, size_t vlen)
{
    struct arg_walk *w = cls;
    (void)kind;
    w->rc = svc_params_add(&w->req->params, key, klen, val ? val : "",
                           val ? vlen : 0, &w->req->params_err);
    return w->rc == WY_OK ? MHD_YES : MHD_NO;
}

static int is_form(const char *ct)
{
    static const char form[] = "application/x-www-form-urlencoded";
    return ct && !strncasecmp(ct, form, sizeof(form) - 1) &&
           (ct[sizeof(form) - 1] == '\0' || ct[sizeof(form) - 1] == ';' ||
            ct[sizeof(form) - 1] == ' ');
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* MHD's unescaping, except that %00 stays as it is: the path reaches the
   handler as a C string, and a NUL would cut "a.tiff%00.jpg" to "a.tiff". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *r = s, *w = s;
    (void)cls;
    (void)c;
    while (*r) {
        int h, l;
        if (r[0] == '%' && (h = hexval(r[1])) >= 0 && (l = hexval(r[2])) >= 0 &&
            (h | l) != 0) {
            *w++ = (char)(h * 16 + l);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct svc_server *s = cls;
    struct svc_req *req = *con_cls;
    (void)version;
    if (!req) {
        req = wy_calloc(1, sizeof(*req));
        if (!req)
            return MHD_NO;
        req->conn = c;
        req->srv = s;
        req->app = s->app;
        req->log = s->log;
        req->t0 = wy_now();
        wy_buf_init(&req->body, s->cfg.max_body);
        snprintf(req->method_name, sizeof(req->method_name), "%s", method);
        req->method = !strcmp(method, "GET")    ? SVC_GET
                      : !strcmp(method, "HEAD") ? SVC_HEAD
                      : !strcmp(method, "POST") ? SVC_POST
                                                : SVC_OTHER;
        req->url = wy_strdup(url);
        *con_cls = req;
        atomic_fetch_add(&s->active, 1);
        if (!req->url)
            return MHD_NO;
        return MHD_YES;
    }
    if (*upload_size) {
        /* past the cap the buffer's sticky error remembers it; the rest
           of the body is read and dropped, then refused with 413 */
        wy_buf_add(&req->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (atomic_load(&s->active) > s->cfg.busy_limit)
        return svc_reply_error(req, 503, "busy", NULL,
                               "the server is busy; retry later");
    if (req->body.error != WY_OK)
        return svc_reply_error(req, 413, "tooLarge", NULL,
                               "the request body is longer than %zu bytes",
                               s->cfg.max_body);
    struct arg_walk w = {req, WY_OK};
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, &w);
    if (w.rc == WY_OK && req->method == SVC_POST &&
        is_form(svc_header(req, MHD_HTTP_HEADER_CONTENT_TYPE)))
        svc_params_parse(&req->params, req->body.p ? req->body.p : "",
                         req->body.len, &req->params_err);
    req->gzip =
        svc_accepts_gzip(svc_header(req, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    return svc_route(req);
}

/* The access log line: client, method, path, status, bytes, time. Control
   bytes in the path are shown as '?', so a request cannot forge lines. */
static void access_log(struct svc_server *s, struct svc_req *req,
                       enum MHD_RequestTerminationCode toe)
{
    char ip[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip,
                      sizeof(ip));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      ip, sizeof(ip));
    }
    char path[512];
    size_t o = 0;
    for (const char *p = req->url ? req->url : "-"; *p && o + 1 < sizeof(path);
         p++)
        path[o++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
    path[o] = '\0';
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s %s %s %u %llu %.1fms%s", ip,
             req->method_name, path, req->status,
             (unsigned long long)req->bytes, (wy_now() - req->t0) * 1000.0,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    log_locked(s, WY_LOG_INFO, msg);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct svc_server *s = cls;
    struct svc_req *req = *con_cls;
    (void)c;
    if (!req)
        return;
    access_log(s, req, toe);
    svc_stream_free(req->stream);
    svc_params_release(&req->params);
    wy_err_release(&req->params_err);
    wy_buf_release(&req->body);
    free(req->url);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&s->active, 1);
}

static void defaults(struct svc_config *c)
{
    if (!c->host)
        c->host = "127.0.0.1";
    if (!c->threads)
        c->threads = 4;
    if (!c->max_conn)
        c->max_conn = 256;
    if (!c->max_per_ip)
        c->max_per_ip = c->max_conn / 2;
    if (!c->timeout_s)
        c->timeout_s = 30;
    if (!c->busy_limit)
        c->busy_limit = 192;
    if (!c->max_body)
        c->max_body = 64 * 1024;
}

wy_code svc_server_start(struct svc_server **out, const struct svc_config *cfg,
                         struct svc_app *app, struct wy_log *log,
                         struct wy_err *err)
{
    *out = NULL;
    struct svc_config c = *cfg;
    defaults(&c);
    if (c.port > 65535)
        return wy_err_set(err, WY_EINVAL, "port %u is out of range", c.port);

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    int v6 = 0;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, c.host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)c.port);
    } else if (inet_pton(AF_INET6, c.host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)c.port);
        v6 = 1;
    } else {
        return wy_err_set(err, WY_EINVAL,
                          "listen address '%s' is not a numeric IP address",
                          c.host);
    }

    struct svc_server *s = wy_calloc(1, sizeof(*s));
    if (!s)
        return wy_err_set(err, WY_ENOMEM, "no memory for the server");
    s->app = app;
    s->log = log;
    s->cfg = c;
    pthread_mutex_init(&s->log_lock, NULL);
    atomic_init(&s->active, 0);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_USE_AUTO;
    if (v6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(
        flags, (uint16_t)c.port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)c.threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)c.max_conn,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c.max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c.timeout_s,
        /* headers and the URL must fit here: MHD answers 414/431 itself */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, s, MHD_OPTION_END);
    if (!s->d) {
        pthread_mutex_destroy(&s->log_lock);
        free(s);
        return wy_err_set(err, WY_EIO, "cannot listen on %s port %u", c.host,
                          c.port);
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : c.port;
    *out = s;
    return WY_OK;
}

unsigned svc_server_port(const struct svc_server *s)
{
    return s->port;
}

void svc_server_stop(struct svc_server *s, unsigned grace_s)
{
    if (!s)
        return;
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    double end = wy_now() + grace_s;
    while (atomic_load(&s->active) > 0 && wy_now() < end) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->log_lock);
    free(s);
}
