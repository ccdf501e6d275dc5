/* tests/test_api.c: the JSON API and file delivery over HTTP: search (on an
   index built from the catalog), records in every format, citations,
   collections, objects with their version history, files with ETag and
   Range, and path traversal attempts. Records: 10 CNMARC records
   (derived/dp2-bnu-cnmarc-10.iso, collection guji) and Boston University's
   MARC 21 records; object: the official OCFL example spec-ex-full (its three
   versions rebuilt in our store), attached to the first CNMARC record. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "svc_client.h"

#include "formats/format.h"
#include "indexer/idx.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/store.h"

/* sha512 of image.tiff, from the fixture's inventory.json */
#define TIFF_SHA512 "ffccf6baa21809716f31563fafb9f333c09c336bb7400088f17e4ff3"

struct fx {
    char *dir;
    struct tc_home h;
    struct tc_srv t;
    long long first_cn, first_bu, deleted;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = wy_test_tmpdir();
    tc_home_build(f->dir, &f->h);
    tc_srv_start(&f->t, f->h.path);
    f->first_cn = f->h.first_cn;
    f->first_bu = f->h.first_bu;
    f->deleted = f->h.deleted;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tc_srv_stop(&f->t);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

static json_t *get_json(struct fx *f, const char *path, long status)
{
    struct tc_resp r;
    tc_get(&f->t, path, &r);
    if (r.status != status)
        fail_msg("%s: status %ld, want %ld: %s", path, r.status, status,
                 r.body);
    assert_string_equal(tc_header(&r, "Content-Type"),
                        "application/json; charset=utf-8");
    json_error_t je;
    json_t *j = json_loads(r.body, 0, &je);
    if (!j)
        fail_msg("%s: not JSON: %s", path, r.body);
    tc_resp_free(&r);
    return j;
}

/* A 400 whose message names the parameter. */
static void bad(struct fx *f, const char *path, const char *param)
{
    json_t *j = get_json(f, path, 400);
    assert_string_equal(json_string_value(json_object_get(j, "error")),
                        "badParameter");
    const char *m = json_string_value(json_object_get(j, "message"));
    if (!strstr(m, param))
        fail_msg("%s: message '%s' does not name '%s'", path, m, param);
    json_decref(j);
}

static void search_shapes_and_folding(void **state)
{
    struct fx *f = *state;
    /* five of the CNMARC titles hold 中国发展报告 (yaz-marcdump, 200$a) */
    json_t *j = get_json(f,
                         "/api/search?q=%E4%B8%AD%E5%9B%BD%E5%8F%91%E5%B1%95"
                         "%E6%8A%A5%E5%91%8A",
                         200);
    json_int_t total = json_integer_value(json_object_get(j, "total"));
    assert_true(total >= 5);
    assert_int_equal(json_integer_value(json_object_get(j, "page")), 1);
    json_t *hits = json_object_get(j, "hits");
    assert_true(json_array_size(hits) >= 5);
    json_t *h0 = json_array_get(hits, 0);
    assert_non_null(json_string_value(json_object_get(h0, "id")));
    assert_non_null(strstr(json_string_value(json_object_get(h0, "title")),
                           "中国发展报告"));
    json_t *facets = json_object_get(j, "facets");
    assert_true(json_is_array(facets));
    int coll = 0;
    for (size_t i = 0; i < json_array_size(facets); i++) {
        json_t *fc = json_array_get(facets, i);
        if (!strcmp(json_string_value(json_object_get(fc, "name")),
                    "collection"))
            coll = json_array_size(json_object_get(fc, "values")) > 0;
    }
    assert_true(coll);
    json_decref(j);
    /* the same query in traditional characters finds the same records */
    j = get_json(f,
                 "/api/search?q=%E4%B8%AD%E5%9C%8B%E7%99%BC%E5%B1%95"
                 "%E5%A0%B1%E5%91%8A",
                 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), total);
    json_decref(j);
    j = get_json(f, "/api/search?q=death+penalty&size=1&page=1", 200);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "size")), 1);
    json_decref(j);
}

static void search_bad_parameters(void **state)
{
    struct fx *f = *state;
    bad(f, "/api/search?q=x&size=1000", "'size'");
    bad(f, "/api/search?q=x&size=0", "'size'");
    bad(f, "/api/search?q=x&page=0", "'page'");
    bad(f, "/api/search?q=x&page=99999", "'page'");
    bad(f, "/api/search?from=abc", "'from'");
    bad(f, "/api/search?from=1900&to=1800", "'from'");
    bad(f, "/api/search?facet=nocolon", "'facet'");
    bad(f, "/api/search?sort=sideways", "'sort'");
    bad(f, "/api/search?qq=1", "\"qq\"");
    bad(f, "/api/search?q=%FF", "'q'");
}

static void record_json_and_formats(void **state)
{
    struct fx *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "/api/records/%lld", f->first_cn);
    json_t *j = get_json(f, path, 200);
    char want[64];
    snprintf(want, sizeof(want), "oai:wenyuan:%lld", f->first_cn);
    assert_string_equal(json_string_value(json_object_get(j, "identifier")),
                        want);
    assert_string_equal(json_string_value(json_object_get(j, "collection")),
                        "guji");
    assert_string_equal(
        json_string_value(json_object_get(j, "collection_name")), "古籍");
    assert_string_equal(json_string_value(json_object_get(j, "object")),
                        TC_OBJ);
    json_t *titles =
        json_object_get(json_object_get(j, "description"), "titles");
    assert_non_null(strstr(json_string_value(json_array_get(titles, 0)),
                           "'94中国发展报告"));
    assert_true(json_is_false(json_object_get(j, "deleted")));
    json_decref(j);

    struct tc_resp r;
    snprintf(path, sizeof(path), "/api/records/%lld?format=marcxml",
             f->first_bu);
    tc_get(&f->t, path, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"),
                        "application/marcxml+xml; charset=utf-8");
    assert_non_null(strstr(r.body, "America without the death penalty"));
    tc_resp_free(&r);
    snprintf(path, sizeof(path), "/api/records/%lld?format=mods", f->first_cn);
    tc_get(&f->t, path, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "http://www.loc.gov/mods/v3"));
    tc_resp_free(&r);
    snprintf(path, sizeof(path), "/api/records/%lld?format=oai_dc",
             f->first_cn);
    tc_get(&f->t, path, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "中国发展报告"));
    tc_resp_free(&r);
    snprintf(path, sizeof(path), "/api/records/%lld?format=marc21",
             f->first_bu);
    tc_get(&f->t, path, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"), "application/marc");
    assert_int_equal(r.body[r.len - 1], 0x1d); /* record terminator */
    tc_resp_free(&r);

    bad(f, "/api/records/abc", "'id'");
    bad(f, "/api/records/1?format=pdf", "'format'");
    bad(f, "/api/records/1?fromat=json", "\"fromat\"");
    j = get_json(f, "/api/records/99999999", 404);
    assert_string_equal(json_string_value(json_object_get(j, "error")),
                        "notFound");
    json_decref(j);
    snprintf(path, sizeof(path), "/api/records/%lld", f->deleted);
    j = get_json(f, path, 200);
    assert_true(json_is_true(json_object_get(j, "deleted")));
    json_decref(j);
    snprintf(path, sizeof(path), "/api/records/%lld?format=mods", f->deleted);
    json_decref(get_json(f, path, 410));
}

static void citations(void **state)
{
    struct fx *f = *state;
    char path[256];
    struct tc_resp r;
    snprintf(path, sizeof(path), "/api/records/%lld/cite?style=ris",
             f->first_cn);
    tc_get(&f->t, path, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "TY  - "));
    assert_non_null(strstr(r.body, "TI  - '94中国发展报告"));
    assert_non_null(strstr(r.body, "ER  - \r\n"));
    tc_resp_free(&r);
    snprintf(path, sizeof(path), "/api/records/%lld/cite?style=bibtex",
             f->first_cn);
    tc_get(&f->t, path, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"),
                        "application/x-bibtex; charset=utf-8");
    char key[64];
    snprintf(key, sizeof(key), "@book{wenyuan%lld,", f->first_cn);
    assert_non_null(strstr(r.body, key));
    assert_non_null(strstr(r.body, "title = {'94中国发展报告"));
    tc_resp_free(&r);
    snprintf(path, sizeof(path), "/api/records/%lld/cite?style=apa",
             f->first_cn);
    bad(f, path, "'style'");
}

static void collections_list(void **state)
{
    struct fx *f = *state;
    json_t *j = get_json(f, "/api/collections", 200);
    json_t *a = json_object_get(j, "collections");
    int found = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *c = json_array_get(a, i);
        if (!strcmp(json_string_value(json_object_get(c, "code")), "guji")) {
            assert_string_equal(json_string_value(json_object_get(c, "name")),
                                "古籍");
            assert_int_equal(json_integer_value(json_object_get(c, "records")),
                             10);
            /* the guji profile's browsable elements, in its order
               (repository/profile.c): 著者, 著者朝代, 版本年代, 版本类别,
               索书号 */
            assert_string_equal(
                json_string_value(json_object_get(c, "profile")), "古籍");
            json_t *b = json_object_get(c, "browse");
            static const char *const want[][2] = {
                {"creator", "著者"},
                {"dynasty", "著者朝代"},
                {"century", "版本年代"},
                {"edition_type", "版本类别"},
                {"library", "索书号"}};
            assert_int_equal(json_array_size(b), 5);
            for (size_t k = 0; k < 5; k++) {
                json_t *e = json_array_get(b, k);
                assert_string_equal(
                    json_string_value(json_object_get(e, "facet")), want[k][0]);
                assert_string_equal(
                    json_string_value(json_object_get(e, "label")), want[k][1]);
            }
            found = 1;
        }
    }
    assert_true(found);
    json_decref(j);
}

static void object_files_and_versions(void **state)
{
    struct fx *f = *state;
    json_t *j = get_json(f, "/api/objects/wy:spec-ex-full", 200);
    assert_string_equal(json_string_value(json_object_get(j, "head")), "v3");
    json_t *files = json_object_get(j, "files");
    assert_int_equal(json_array_size(files), 3);
    int tiff = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *fl = json_array_get(files, i);
        if (strcmp(json_string_value(json_object_get(fl, "path")),
                   "image.tiff"))
            continue;
        tiff = 1;
        assert_int_equal(json_integer_value(json_object_get(fl, "size")), 2021);
        assert_string_equal(json_string_value(json_object_get(fl, "mime")),
                            "image/tiff");
        assert_non_null(strstr(json_string_value(json_object_get(fl, "sha512")),
                               TIFF_SHA512));
        assert_string_equal(json_string_value(json_object_get(fl, "url")),
                            "/files/wy%3Aspec-ex-full/image.tiff");
    }
    assert_true(tiff);
    json_t *vs = json_object_get(j, "versions");
    assert_int_equal(json_array_size(vs), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(vs, 1), "message")),
        "Fix bar.xml, remove image.tiff, add empty2.txt");
    json_decref(j);
    json_decref(get_json(f, "/api/objects/nope", 404));
}

static void files_etag_and_ranges(void **state)
{
    struct fx *f = *state;
    size_t n;
    char *want = wy_test_slurp(
        wy_fixture("ocfl/1.1/content/spec-ex-full/v3/image.tiff"), &n);
    struct tc_resp r;
    tc_get(&f->t, "/files/wy:spec-ex-full/image.tiff", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, n);
    assert_memory_equal(r.body, want, n);
    assert_string_equal(tc_header(&r, "Content-Type"), "image/tiff");
    assert_string_equal(tc_header(&r, "Accept-Ranges"), "bytes");
    char etag[128];
    snprintf(etag, sizeof(etag), "%s", tc_header(&r, "ETag"));
    assert_non_null(strstr(etag, "ffccf6baa21809716f31563f"));
    tc_resp_free(&r);

    char inm[200];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    const char *h1[] = {inm, NULL};
    tc_request(&f->t, "GET", "/files/wy:spec-ex-full/image.tiff", NULL, h1, 0,
               &r);
    assert_int_equal(r.status, 304);
    tc_resp_free(&r);

    const char *h2[] = {"Range: bytes=0-99", NULL};
    tc_request(&f->t, "GET", "/files/wy:spec-ex-full/image.tiff", NULL, h2, 0,
               &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 100);
    assert_memory_equal(r.body, want, 100);
    assert_string_equal(tc_header(&r, "Content-Range"), "bytes 0-99/2021");
    tc_resp_free(&r);
    const char *h3[] = {"Range: bytes=-21", NULL};
    tc_request(&f->t, "GET", "/files/wy:spec-ex-full/image.tiff", NULL, h3, 0,
               &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 21);
    assert_memory_equal(r.body, want + 2000, 21);
    tc_resp_free(&r);
    const char *h4[] = {"Range: bytes=2021-", NULL};
    tc_request(&f->t, "GET", "/files/wy:spec-ex-full/image.tiff", NULL, h4, 0,
               &r);
    assert_int_equal(r.status, 416);
    assert_string_equal(tc_header(&r, "Content-Range"), "bytes */2021");
    tc_resp_free(&r);
    free(want);

    /* a nested path; an XML file is served as it is, never as our page */
    tc_get(&f->t, "/files/wy:spec-ex-full/foo/bar.xml", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"), "text/xml");
    tc_resp_free(&r);
}

static void traversal_refused(void **state)
{
    struct fx *f = *state;
    static const char *const attempts[] = {
        "/files/wy:spec-ex-full/../../catalog.db",
        "/files/wy:spec-ex-full/%2e%2e/%2e%2e/catalog.db",
        "/files/wy:spec-ex-full/%2E%2E%2F%2E%2E%2Fcatalog.db",
        "/files/wy:spec-ex-full/foo/..%2f..%2f..%2fcatalog.db",
        "/files/wy:spec-ex-full//etc/passwd",
        "/files/wy:spec-ex-full/%2fetc%2fpasswd",
        "/files/wy:spec-ex-full/./image.tiff",
        "/files/wy:spec-ex-full/foo",
        "/files/wy:spec-ex-full/foo/",
        "/files/wy:spec-ex-full/v1/content/image.tiff",
        "/files/wy:spec-ex-full/inventory.json",
        "/files/wy:spec-ex-full/empty.txt", /* only in v1 and v2 */
        "/files/..%2f..%2fcatalog.db",
        "/files/%2e%2e/catalog.db",
        "/files/wy:spec-ex-full/image.tiff%00.jpg",
        "/files/wy:spec-ex-full/foo%5c..%5c..%5ccatalog.db",
        "/files/../service.secret",
    };
    for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
        struct tc_resp r;
        tc_get(&f->t, attempts[i], &r);
        if (r.status != 400 && r.status != 404)
            fail_msg("%s: status %ld", attempts[i], r.status);
        assert_null(strstr(r.body, "SQLite"));
        tc_resp_free(&r);
    }
}

static void wrong_method_and_unknown(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    tc_request(&f->t, "POST", "/api/search", "q=x", NULL, 0, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(tc_header(&r, "Allow"), "GET, HEAD");
    tc_resp_free(&r);
    tc_request(&f->t, "PUT", "/oai", "", NULL, 0, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(tc_header(&r, "Allow"), "GET, HEAD, POST");
    tc_resp_free(&r);
    json_decref(get_json(f, "/api/nothing", 404));
    json_decref(get_json(f, "/api/records/1/quote", 404));
}

WY_GROUP(api, setup, teardown, cmocka_unit_test(search_shapes_and_folding),
         cmocka_unit_test(search_bad_parameters),
         cmocka_unit_test(record_json_and_formats), cmocka_unit_test(citations),
         cmocka_unit_test(collections_list),
         cmocka_unit_test(object_files_and_versions),
         cmocka_unit_test(files_etag_and_ranges),
         cmocka_unit_test(traversal_refused),
         cmocka_unit_test(wrong_method_and_unknown))
