/* tests/svc_client.c: see svc_client.h. */
#include "svc_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "harness.h"
#include "service/app.h"
#include "service/http.h"

static void hook(void *ctx, enum wy_level lv, const char *msg)
{
    struct tc_srv *t = ctx;
    (void)lv;
    pthread_mutex_lock(&t->lock);
    snprintf(t->last_log, sizeof(t->last_log), "%s", msg);
    pthread_mutex_unlock(&t->lock);
}

static void start(struct tc_srv *t, const char *home, unsigned busy);

void tc_srv_start(struct tc_srv *t, const char *home)
{
    start(t, home, 0);
}

void tc_srv_start_busy(struct tc_srv *t, unsigned busy_limit)
{
    start(t, NULL, busy_limit);
}

static void start(struct tc_srv *t, const char *home, unsigned busy)
{
    struct wy_err err = WY_ERR_INIT;
    memset(t, 0, sizeof(*t));
    if (home) {
        t->home = strdup(home);
    } else {
        t->home = wy_test_tmpdir();
        t->own_home = 1;
    }
    pthread_mutex_init(&t->lock, NULL);
    wy_log_init(&t->log, NULL, WY_LOG_INFO);
    t->log.hook = hook;
    t->log.hook_ctx = t;
    if (svc_app_open(&t->app, t->home, &err) != WY_OK)
        fail_msg("svc_app_open: %s", wy_err_msg(&err));
    struct svc_config cfg = {.host = "127.0.0.1", .port = 0, .threads = 2,
                             .busy_limit = busy};
    if (svc_server_start(&t->srv, &cfg, t->app, &t->log, &err) != WY_OK)
        fail_msg("svc_server_start: %s", wy_err_msg(&err));
    t->port = svc_server_port(t->srv);
}

void tc_srv_stop(struct tc_srv *t)
{
    svc_server_stop(t->srv, 5);
    svc_app_close(t->app);
    if (t->own_home)
        wy_test_rmdir(t->home);
    else
        free(t->home);
    pthread_mutex_destroy(&t->lock);
    memset(t, 0, sizeof(*t));
}

int tc_log_wait(struct tc_srv *t, const char *needle)
{
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&t->lock);
        int found = strstr(t->last_log, needle) != NULL;
        pthread_mutex_unlock(&t->lock);
        if (found)
            return 1;
        usleep(10000);
    }
    return 0;
}

struct sink {
    char *p;
    size_t n;
};

static size_t on_data(char *p, size_t sz, size_t nm, void *ud)
{
    struct sink *s = ud;
    size_t n = sz * nm;
    char *q = realloc(s->p, s->n + n + 1);
    if (!q)
        return 0;
    memcpy(q + s->n, p, n);
    s->n += n;
    q[s->n] = '\0';
    s->p = q;
    return n;
}

void tc_request(const struct tc_srv *t, const char *method, const char *path,
                const char *body, const char *const *hdrs, int gzip,
                struct tc_resp *r)
{
    memset(r, 0, sizeof(*r));
    CURL *c = curl_easy_init();
    assert_non_null(c);
    size_t ul = strlen(path) + 64;
    char *url = malloc(ul);
    snprintf(url, ul, "http://127.0.0.1:%u%s", t->port, path);
    struct sink b = {NULL, 0}, h = {NULL, 0};
    struct curl_slist *sl = NULL;
    for (size_t i = 0; hdrs && hdrs[i]; i++)
        sl = curl_slist_append(sl, hdrs[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    if (gzip)
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (!strcmp(method, "POST"))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    else if (strcmp(method, "GET"))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(sl);
    curl_easy_cleanup(c);
    free(url);
    r->body = b.p ? b.p : strdup("");
    r->len = b.n;
    r->headers = h.p ? h.p : strdup("");
}

void tc_resp_free(struct tc_resp *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}

const char *tc_header(const struct tc_resp *r, const char *name)
{
    static char val[1024];
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t ll = e ? (size_t)(e - p) : strlen(p);
        if (ll > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(p + ll - v);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            if (vl >= sizeof(val))
                vl = sizeof(val) - 1;
            memcpy(val, v, vl);
            val[vl] = '\0';
            return val;
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

#include "core/xml.h"

void tc_assert_oai_valid(const char *dir, const char *body, size_t len)
{
    char xsd[4096];
    snprintf(xsd, sizeof(xsd), "%s/oai-bundle.xsd", dir);
    FILE *fp = fopen(xsd, "wx");
    if (fp) {   /* first use in this directory */
        static const char *const imp[][2] = {
            {"http://www.openarchives.org/OAI/2.0/", "OAI-PMH.xsd"},
            {"http://www.openarchives.org/OAI/2.0/oai_dc/", "oai_dc-local.xsd"},
            {"http://www.openarchives.org/OAI/2.0/oai-identifier",
             "oai-identifier.xsd"},
            {"http://www.loc.gov/MARC21/slim", "MARC21slim.xsd"},
            {"http://www.loc.gov/mods/v3", "mods-3-8-local.xsd"},
        };
        fprintf(fp, "<?xml version=\"1.0\"?>\n<xs:schema "
                    "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n");
        for (size_t i = 0; i < sizeof(imp) / sizeof(imp[0]); i++) {
            char rel[256];
            snprintf(rel, sizeof(rel), "schemas/%s", imp[i][1]);
            fprintf(fp, "<xs:import namespace=\"%s\" schemaLocation=\"%s\"/>\n",
                    imp[i][0], wy_fixture(rel));
        }
        fprintf(fp, "</xs:schema>\n");
        fclose(fp);
    }
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc = NULL;
    if (wy_xml_doc_mem(&doc, body, len, "reply", &err) != WY_OK)
        fail_msg("reply is not well-formed: %s\n%.2000s", wy_err_msg(&err),
                 body);
    if (wy_xml_validate(doc, xsd, &err) != WY_OK) {
        xmlFreeDoc(doc);
        fail_msg("reply is not valid: %s\n%.3000s", wy_err_msg(&err), body);
    }
    xmlFreeDoc(doc);
}

char *tc_between(const char *s, const char *open, const char *close)
{
    const char *a = strstr(s, open);
    if (!a)
        return NULL;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b)
        return NULL;
    return strndup(a, (size_t)(b - a));
}

size_t tc_count(const char *s, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = s; (p = strstr(p, needle)); p += l)
        n++;
    return n;
}
