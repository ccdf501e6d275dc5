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
    struct svc_config cfg = {
        .host = "127.0.0.1", .port = 0, .threads = 2, .busy_limit = busy};
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
    for (int i = 0; i < 3000; i++) {
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
    if (fp) { /* first use in this directory */
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

/* ---- a home for the API and web tests ---------------------------------- */

#include <fcntl.h>

#include "formats/format.h"
#include "indexer/idx.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/store.h"

static size_t load(struct cat *c, const char *handler, const char *rel,
                   const char *prefix, const char *collection, long long *first)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    int fd = open(wy_fixture(rel), O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(fmt_reader_open_fd(&r, fmt_find(handler), fd, rel, &err),
                     WY_OK);
    struct wy_record *rec;
    size_t n = 0;
    wy_code rc;
    while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
        if (rc == WY_EFORMAT) {
            wy_err_release(&err);
            continue;
        }
        assert_int_equal(rc, WY_OK);
        char id[64];
        snprintf(id, sizeof(id), "%s-%03zu", prefix, ++n);
        struct cat_put p = {
            .local_id = id, .collection = collection, .rec = rec};
        struct cat_put_result res;
        if (cat_put_record(c, &p, &res, &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        if (n == 1)
            *first = res.id;
    }
    fmt_reader_free(r);
    close(fd);
    return n;
}

static wy_code index_one(void *ctx, const struct cat_record *cr,
                         struct wy_err *err)
{
    struct idx *x = ctx;
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)cr->id);
    struct idx_meta m = {.id = id,
                         .source = cr->source,
                         .collection = cr->collection,
                         .sets = (const char *const *)cr->sets,
                         .nsets = cr->nsets,
                         .deleted = cr->deleted};
    if (cr->deleted)
        return idx_put(x, NULL, &m, NULL, 0, err);
    struct wy_record *rec;
    wy_code rc = cat_record_model(cr, &rec, err);
    if (rc == WY_OK)
        rc = idx_put(x, rec, &m, NULL, 0, err);
    wy_record_free(rec);
    return rc;
}

static void add_version(struct store *st, const char *v, const char *msg,
                        const char *const *files)
{
    struct wy_err err = WY_ERR_INIT;
    struct store_version *sv;
    assert_int_equal(store_version_begin(st, TC_OBJ, &sv, &err), WY_OK);
    assert_int_equal(store_version_set_meta(sv, msg, "Wenyuan test",
                                            "mailto:test@example.org", &err),
                     WY_OK);
    for (size_t i = 0; files[i]; i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "ocfl/1.1/content/spec-ex-full/%s/%s", v,
                 files[i]);
        if (store_version_add_file(sv, files[i], wy_fixture(rel), NULL, &err))
            fail_msg("%s", wy_err_msg(&err));
    }
    if (store_version_commit(sv, NULL, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
}

void tc_home_build(const char *dir, struct tc_home *f)
{
    struct wy_err err = WY_ERR_INIT;
    char *path = f->path;
    snprintf(f->path, sizeof(f->path), "%s/h", dir);
    assert_int_equal(home_init(path, &err), WY_OK);
    struct wy_home *h;
    assert_int_equal(home_open(&h, path, 0, &err), WY_OK);
    assert_int_equal(cat_begin(h->cat, &err), WY_OK);
    assert_int_equal(load(h->cat, "unimarc",
                          "records/derived/dp2-bnu-cnmarc-10.iso", "bnu",
                          "guji", &f->first_cn),
                     10);
    load(h->cat, "marc21", "records/catmandu-marc/bu_bibs.mrc", "bu", NULL,
         &f->first_bu);
    struct cat_put_result res;
    assert_int_equal(
        cat_delete_record(h->cat, NULL, "bu-002", NULL, NULL, &res, &err),
        WY_OK);
    f->deleted = res.id;
    assert_int_equal(cat_commit(h->cat, &err), WY_OK);

    struct idx *x;
    if (idx_open(&x, h->index_path, IDX_WRITE, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(idx_begin(x, &err), WY_OK);
    struct cat_list_query all = {.what = CAT_LOAD_ALL, .include_deleted = 1};
    if (cat_list(h->cat, &all, index_one, x, NULL, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(idx_commit(x, &err), WY_OK);
    assert_int_equal(idx_close(x, &err), WY_OK);

    struct store *st;
    char marker[4200];
    snprintf(marker, sizeof(marker), "%s/0=ocfl_1.1", h->store_path);
    if (access(marker, F_OK) != 0) /* home_init leaves store/ empty */
        assert_int_equal(store_create(h->store_path, &err), WY_OK);
    if (store_open(&st, h->store_path, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    static const char *const v1[] = {"empty.txt", "foo/bar.xml", "image.tiff",
                                     NULL};
    static const char *const v2[] = {"empty.txt", "empty2.txt", "foo/bar.xml",
                                     NULL};
    static const char *const v3[] = {"empty2.txt", "foo/bar.xml", "image.tiff",
                                     NULL};
    add_version(st, "v1", "Initial import", v1);
    add_version(st, "v2", "Fix bar.xml, remove image.tiff, add empty2.txt", v2);
    add_version(st, "v3", "Reinstate image.tiff, delete empty.txt", v3);
    store_close(st);
    struct cat_object o = {.ocfl_id = TC_OBJ,
                           .record_id = f->first_cn,
                           .head = "v3",
                           .files = 3,
                           .bytes = 2293};
    assert_int_equal(cat_object_put(h->cat, &o, &err), WY_OK);
    /* MIME types as `file --mime-type` names the fixture files; digests
       from the fixture's inventory */
    struct cat_file cf[] = {
        {.path = "image.tiff",
         .size = 2021,
         .mime = "image/tiff",
         .sha512 = "ffccf6baa21809716f31563fafb9f333c09c336bb7400088f17e4ff30"
                   "7f98fc9b14a577f92f3285913b7f53a6d5cf004503cf839aada1c885"
                   "ac69336cbfb862e"},
        {.path = "foo/bar.xml",
         .mime = "text/xml",
         .sha512 = "4d27c86b026ff709b02b05d126cfef7ec3aed5f83f5e98df7d7592f7a"
                   "44bd1dc7f29509cff06b884158baa36a2bbeda11ab8a64b56585a70f"
                   "5ce1fa96e26eb53"},
        {.path = "empty2.txt",
         .mime = "inode/x-empty",
         .sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d"
                   "36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a"
                   "538327af927da3e"},
    };
    assert_int_equal(cat_object_set_files(h->cat, TC_OBJ, cf, 3, &err), WY_OK);
    home_close(h);
}
