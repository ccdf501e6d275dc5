/* service/http.h: the HTTP daemon (GNU libmicrohttpd) and the per-request
   state every handler receives. */
#ifndef WY_SERVICE_HTTP_H
#define WY_SERVICE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "service/params.h"

struct svc_app;
struct svc_server;
struct svc_stream;

/* Limits and listening address; zero fields take the defaults shown. */
struct svc_config {
    const char *host;    /* numeric IPv4 or IPv6 address; "127.0.0.1" */
    unsigned port;       /* 0: an ephemeral port (see svc_server_port) */
    unsigned threads;    /* thread pool size; 4 */
    unsigned max_conn;   /* open connections; 256 */
    unsigned max_per_ip; /* open connections per client address;
                            max_conn / 2 (behind a proxy every
                            connection has the proxy's address) */
    unsigned timeout_s;  /* idle connection timeout, seconds; 30 */
    unsigned busy_limit; /* requests in progress before 503; 192 */
    size_t max_body;     /* request body bytes (POST forms); 64 KiB */
};

enum svc_method { SVC_GET, SVC_HEAD, SVC_POST, SVC_OTHER };

/*
 * Per-request state: allocated on the first access-handler call and freed
 * only in the MHD_OPTION_NOTIFY_COMPLETED callback. Handlers borrow it.
 */
struct svc_req {
    struct MHD_Connection *conn;
    struct svc_server *srv;
    struct svc_app *app; /* borrowed from the server */
    struct wy_log *log;  /* borrowed; serialized by the server */
    enum svc_method method;
    char method_name[16];     /* as sent, for the log (cut) */
    char *url;                /* owned: the decoded path */
    struct svc_params params; /* query string + form body */
    struct wy_err params_err; /* why the arguments were refused */
    struct wy_buf body;       /* form body, capped at max_body */
    int gzip;                 /* the client accepts gzip */
    unsigned status;          /* status sent, for the log */
    uint64_t bytes;           /* body bytes handed to MHD */
    double t0;
    struct svc_stream *stream; /* streamed reply state, or NULL */
};

/*
 * Starts the daemon: internal polling thread with a thread pool, the
 * connection limits, idle timeout and body cap of cfg. app and log are
 * borrowed until svc_server_stop. new: *out; WY_EINVAL for a bad host,
 * WY_EIO when the port cannot be bound (the message names host and port).
 */
wy_code svc_server_start(struct svc_server **out, const struct svc_config *cfg,
                         struct svc_app *app, struct wy_log *log,
                         struct wy_err *err);

/* The port actually bound (useful after port 0). */
unsigned svc_server_port(const struct svc_server *s);

/*
 * Stops accepting, lets requests in progress finish for up to grace_s
 * seconds, then stops the daemon and frees it. NULL is a no-op.
 */
void svc_server_stop(struct svc_server *s, unsigned grace_s);

/* Writes one line to the server's log under its lock (the log is shared by
   the worker threads). */
void svc_log(struct svc_req *req, enum wy_level lv, const char *fmt, ...)
    WY_PRINTF(3, 4);

/* The request's header value, or NULL (borrowed for the request). */
const char *svc_header(struct svc_req *req, const char *name);

#endif
