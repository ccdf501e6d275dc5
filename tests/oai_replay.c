/* tests/oai_replay.c: a local OAI-PMH provider replaying captured pages. */
#include "oai_replay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#include "core/buf.h"

struct route {
    char *key;
    char *body;
    size_t len;
    enum replay_fault fault;
    int fault_times;
    char *fault_arg;
    char *fault_body;
    size_t fault_len;
    int hits;
};

struct oai_replay {
    struct MHD_Daemon *d;
    char url[64];
    pthread_mutex_t mu;
    struct route *routes;
    size_t n, cap;
    struct wy_buf log;
    volatile int stopping;
};

static char *slurp(const char *path, size_t *len)
{
    return wy_test_slurp(path, len);
}

struct oai_replay *oai_replay_start(void)
{
    struct oai_replay *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    pthread_mutex_init(&r->mu, NULL);
    wy_buf_init(&r->log, WY_BUF_NOLIMIT);
    extern enum MHD_Result replay_handle(
        void *, struct MHD_Connection *, const char *, const char *,
        const char *, const char *, size_t *, void **);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
                                MHD_USE_INTERNAL_POLLING_THREAD,
                            0, NULL, NULL, replay_handle, r,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    assert_non_null(r->d);
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(di);
    snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%u/oai",
             (unsigned)di->port);
    return r;
}

void oai_replay_stop(struct oai_replay *r)
{
    if (!r)
        return;
    r->stopping = 1;
    MHD_stop_daemon(r->d);
    for (size_t i = 0; i < r->n; i++) {
        free(r->routes[i].key);
        free(r->routes[i].body);
        free(r->routes[i].fault_arg);
        free(r->routes[i].fault_body);
    }
    free(r->routes);
    wy_buf_release(&r->log);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

const char *oai_replay_url(const struct oai_replay *r)
{
    return r->url;
}

static struct route *find(struct oai_replay *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->routes[i].key, key))
            return &r->routes[i];
    return NULL;
}

void oai_replay_add(struct oai_replay *r, const char *key, const char *file)
{
    pthread_mutex_lock(&r->mu);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->routes = realloc(r->routes, r->cap * sizeof(*r->routes));
        assert_non_null(r->routes);
    }
    struct route *rt = &r->routes[r->n++];
    memset(rt, 0, sizeof(*rt));
    rt->key = strdup(key);
    rt->body = slurp(file, &rt->len);
    pthread_mutex_unlock(&r->mu);
}

void oai_replay_fault(struct oai_replay *r, const char *key,
                      enum replay_fault f, int times, const char *arg)
{
    pthread_mutex_lock(&r->mu);
    struct route *rt = find(r, key);
    assert_non_null(rt);
    rt->fault = f;
    rt->fault_times = times;
    free(rt->fault_arg);
    rt->fault_arg = arg ? strdup(arg) : NULL;
    free(rt->fault_body);
    rt->fault_body = NULL;
    if (f == REPLAY_BODY)
        rt->fault_body = slurp(arg, &rt->fault_len);
    pthread_mutex_unlock(&r->mu);
}

int oai_replay_hits(struct oai_replay *r, const char *key)
{
    pthread_mutex_lock(&r->mu);
    struct route *rt = find(r, key);
    int h = rt ? rt->hits : 0;
    pthread_mutex_unlock(&r->mu);
    return h;
}

char *oai_replay_log(struct oai_replay *r)
{
    pthread_mutex_lock(&r->mu);
    char *s = strdup(wy_buf_cstr(&r->log));
    pthread_mutex_unlock(&r->mu);
    return s;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
    struct wy_buf *b = cls;
    (void)kind;
    wy_buf_addf(b, "%s%s=%s", b->len ? "&" : "", key, value ? value : "");
    return MHD_YES;
}

struct drop {
    const char *p;
    size_t len, sent;
};

static ssize_t drop_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct drop *d = cls;
    if (pos >= d->len / 2)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t k = d->len / 2 - (size_t)pos;
    if (k > max)
        k = max;
    memcpy(buf, d->p + pos, k);
    return (ssize_t)k;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             const char *body, size_t len,
                             const char *retry_after)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "text/xml; charset=utf-8");
    if (retry_after)
        MHD_add_response_header(resp, "Retry-After", retry_after);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result replay_handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls);
enum MHD_Result replay_handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct oai_replay *r = cls;
    (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
    static int first;
    if (*con_cls != &first) { /* headers first, answer on the 2nd call */
        *con_cls = &first;
        return MHD_YES;
    }
    struct wy_buf q = WY_BUF_INIT(1 << 20);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    const char *verb =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "verb");
    const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "resumptionToken");
    const char *id =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "identifier");
    struct wy_buf key = WY_BUF_INIT(1 << 20);
    if (tok)
        wy_buf_addf(&key, "token:%s", tok);
    else if (id && verb && !strcmp(verb, "GetRecord"))
        wy_buf_addf(&key, "id:%s", id);
    else
        wy_buf_addf(&key, "verb:%s", verb ? verb : "");

    pthread_mutex_lock(&r->mu);
    wy_buf_add(&r->log, q.p, q.len);
    wy_buf_addc(&r->log, '\n');
    struct route *rt = find(r, wy_buf_cstr(&key));
    if (!rt && !tok && id)
        rt = find(r, "id:*"); /* any other identifier */
    enum replay_fault f = REPLAY_OK;
    const char *body = NULL, *fbody = NULL;
    size_t len = 0, flen = 0;
    char arg[256] = "";
    if (rt) {
        rt->hits++;
        body = rt->body;
        len = rt->len;
        if (rt->fault_times > 0) {
            rt->fault_times--;
            f = rt->fault;
            if (rt->fault_arg)
                snprintf(arg, sizeof(arg), "%s", rt->fault_arg);
            fbody = rt->fault_body;
            flen = rt->fault_len;
        }
    }
    pthread_mutex_unlock(&r->mu);
    wy_buf_release(&q);
    wy_buf_release(&key);

    if (!rt) {
        static const char nf[] = "no route";
        return reply(c, 404, nf, sizeof(nf) - 1, NULL);
    }
    switch (f) {
    case REPLAY_503:
        return reply(c, 503, "busy", 4, arg[0] ? arg : NULL);
    case REPLAY_500:
        return reply(c, 500, "oops", 4, NULL);
    case REPLAY_BODY:
        return reply(c, 200, fbody, flen, NULL);
    case REPLAY_STALL: {
        double until = (double)time(NULL) + atof(arg);
        while (!r->stopping && (double)time(NULL) < until) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        break;
    }
    case REPLAY_DROP: {
        /* the route's body stays alive until the daemon stops */
        struct drop *d = malloc(sizeof(*d));
        d->p = body;
        d->len = len;
        d->sent = 0;
        struct MHD_Response *resp =
            MHD_create_response_from_callback(len, 1024, drop_reader, d, free);
        MHD_add_response_header(resp, "Content-Type", "text/xml");
        enum MHD_Result ret = MHD_queue_response(c, 200, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    case REPLAY_OK:
        break;
    }
    return reply(c, 200, body, len, NULL);
}
