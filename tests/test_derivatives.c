/* tests/test_derivatives.c: /files/ID/PATH?size=thumb|view, JPEG
   derivatives of stored page images made with libvips and cached under
   HOME/cache/derivatives/. The object is samples/items/lunyu (two
   480 x 640 greyscale deflate TIFF pages, see `file` or tiffinfo on
   samples/items/lunyu/images/0001.tif), ingested into a fresh home and
   served in-process on 127.0.0.1, with damaged masters crafted in setup. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "svc_client.h"

#include "core/path.h"
#include "repository/home.h"
#include "repository/ingest.h"

struct fx {
    char *dir;
    char home[4096];
    char base[512]; /* /files/OBJECT/ */
    struct tc_srv t;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = wy_test_tmpdir();
    snprintf(f->home, sizeof(f->home), "%s/h", f->dir);
    struct wy_err err = WY_ERR_INIT;
    struct wy_home *h = NULL;
    if (home_init(f->home, &err) != WY_OK ||
        home_open(&h, f->home, 0, &err) != WY_OK)
        fail_msg("home: %s", wy_err_msg(&err));
    const char *paths[] = {wy_srcpath("samples/items/lunyu")};
    struct ingest_opts o = {0};
    o.id = "wy-sample-lunyu";
    o.collection = "guji";
    struct ingest_stats st;
    if (ingest_run(h, paths, 1, &o, &st, &err) != WY_OK)
        fail_msg("ingest: %s", wy_err_msg(&err));
    /* damaged masters, crafted here: a PNG that ends after its IHDR
       (100 x 100) and a TIFF header claiming 30000 x 30000 pixels with no
       pixel data (libmagic and ingest see image/png and image/tiff) */
    char item[4200], file[4400];
    snprintf(item, sizeof(item), "%s/bad", f->dir);
    snprintf(file, sizeof(file), "%s/images", item);
    assert_int_equal(wy_mkdirs(file, &err), WY_OK);
    size_t mn = 0;
    char *mods = wy_test_slurp(wy_srcpath("samples/items/lunyu/mods.xml"), &mn);
    snprintf(file, sizeof(file), "%s/mods.xml", item);
    assert_int_equal(wy_file_replace(file, mods, mn, &err), WY_OK);
    free(mods);
    static const unsigned char png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0,    0,
        13,   'I', 'H', 'D', 'R',  0,    0,    0,    100,  0,    0,
        0,    100, 8,   0,   0,    0,    0,    0x55, 0x89, 0xca, 0x88};
    snprintf(file, sizeof(file), "%s/images/trunc.png", item);
    assert_int_equal(wy_file_replace(file, png, sizeof(png), &err), WY_OK);
    unsigned char tif[8 + 2 + 9 * 12 + 4 + 64] = {'I', 'I', 42, 0, 8,
                                                  0,   0,   0,  9, 0};
    static const unsigned short tags[9][2] = {{256, 4}, {257, 4}, {258, 3},
                                              {259, 3}, {262, 3}, {273, 4},
                                              {277, 3}, {278, 4}, {279, 4}};
    const unsigned vals[9] = {30000, 30000, 8, 1, 1, 8 + 2 + 9 * 12 + 4,
                              1,     30000, 64};
    for (size_t i = 0; i < 9; i++) {
        unsigned char *e = tif + 10 + 12 * i;
        e[0] = tags[i][0] & 0xff, e[1] = tags[i][0] >> 8;
        e[2] = (unsigned char)tags[i][1];
        e[4] = 1; /* count */
        for (int b = 0; b < 4; b++)
            e[8 + b] = (unsigned char)(vals[i] >> (8 * b));
    }
    snprintf(file, sizeof(file), "%s/images/huge.tif", item);
    assert_int_equal(wy_file_replace(file, tif, sizeof(tif), &err), WY_OK);
    const char *bad[] = {item};
    o.id = "wy-bad-images";
    if (ingest_run(h, bad, 1, &o, &st, &err) != WY_OK)
        fail_msg("ingest: %s", wy_err_msg(&err));
    home_close(h);
    char *oid = NULL;
    if (ingest_ocfl_id("wy-sample-lunyu", &oid, &err) != WY_OK)
        fail_msg("id: %s", wy_err_msg(&err));
    snprintf(f->base, sizeof(f->base), "/files/%s/", oid);
    free(oid);
    tc_srv_start(&f->t, f->home);
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

static void get(struct fx *f, const char *rest, struct tc_resp *r)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s%s", f->base, rest);
    tc_get(&f->t, path, r);
}

/* The width and height in a JPEG's SOFn segment; 0 when there is none. */
static void jpeg_size(const unsigned char *p, size_t n, unsigned *w,
                      unsigned *h)
{
    *w = *h = 0;
    size_t i = 2;
    while (i + 9 < n && p[i] == 0xFF) {
        unsigned m = p[i + 1];
        size_t len = ((size_t)p[i + 2] << 8) | p[i + 3];
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            *h = ((unsigned)p[i + 5] << 8) | p[i + 6];
            *w = ((unsigned)p[i + 7] << 8) | p[i + 8];
            return;
        }
        i += 2 + len;
    }
}

/* How many files HOME/cache/derivatives holds (0: no such directory). */
static size_t cached(struct fx *f)
{
    char d[4200];
    snprintf(d, sizeof(d), "%s/cache/derivatives", f->home);
    DIR *dp = opendir(d);
    size_t n = 0;
    if (!dp)
        return 0;
    for (struct dirent *e; (e = readdir(dp));) {
        if (e->d_name[0] == '.')
            continue;
        n++;
    }
    closedir(dp);
    return n;
}

static void tiff_gives_jpeg(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    /* the master itself is still the TIFF */
    get(f, "images/0001.tif", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"), "image/tiff");
    assert_memory_equal(r.body, "II*\0", 4);
    tc_resp_free(&r);

    static const struct {
        const char *q;
        unsigned w, h;
    } want[] = {
        {"images/0001.tif?size=thumb", 240, 320}, /* fits 320 x 320 */
        {"images/0002.tif?size=view", 480, 640},  /* never enlarged */
    };
    for (size_t i = 0; i < 2; i++) {
        get(f, want[i].q, &r);
        if (r.status != 200)
            fail_msg("%s: %ld %s", want[i].q, r.status, r.body);
        assert_string_equal(tc_header(&r, "Content-Type"), "image/jpeg");
        assert_true(r.len > 100);
        assert_memory_equal(r.body, "\xFF\xD8\xFF", 3);
        unsigned w, h;
        jpeg_size((const unsigned char *)r.body, r.len, &w, &h);
        assert_int_equal(w, want[i].w);
        assert_int_equal(h, want[i].h);
        assert_non_null(tc_header(&r, "ETag"));
        tc_resp_free(&r);
    }
}

static void second_request_hits_the_cache(void **state)
{
    struct fx *f = *state;
    struct tc_resp r;
    get(f, "images/0002.tif?size=thumb", &r);
    assert_int_equal(r.status, 200);
    char etag[128];
    snprintf(etag, sizeof(etag), "%s", tc_header(&r, "ETag"));
    tc_resp_free(&r);
    /* the previous test made two; this one a third, written whole */
    char file[4600];
    assert_int_equal(cached(f), 3);
    /* find this derivative by its content, then mark it: the second
       request must return the marked file, not a fresh derivative */
    char d[4200];
    snprintf(d, sizeof(d), "%s/cache/derivatives", f->home);
    DIR *dp = opendir(d);
    assert_non_null(dp);
    int found = 0;
    struct tc_resp again;
    get(f, "images/0002.tif?size=thumb", &again);
    for (struct dirent *e; (e = readdir(dp));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(file, sizeof(file), "%s/%s", d, e->d_name);
        assert_null(strstr(e->d_name, ".jpg.")); /* no temporary left */
        size_t n = 0;
        char *c = wy_test_slurp(file, &n);
        if (n == again.len && !memcmp(c, again.body, n)) {
            found = 1;
            struct wy_err err = WY_ERR_INIT;
            assert_int_equal(
                wy_file_replace(file, "\xFF\xD8\xFF marked", 10, &err), WY_OK);
        }
        free(c);
    }
    closedir(dp);
    tc_resp_free(&again);
    assert_true(found);
    get(f, "images/0002.tif?size=thumb", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 10);
    assert_memory_equal(r.body, "\xFF\xD8\xFF marked", 10);
    assert_string_equal(tc_header(&r, "ETag"), etag);
    tc_resp_free(&r);
    assert_int_equal(cached(f), 3);
    /* If-None-Match on a derivative: 304 */
    char h[160];
    snprintf(h, sizeof(h), "If-None-Match: %s", etag);
    const char *hdrs[] = {h, NULL};
    char path[1024];
    snprintf(path, sizeof(path), "%simages/0002.tif?size=thumb", f->base);
    tc_request(&f->t, "GET", path, NULL, hdrs, 0, &r);
    assert_int_equal(r.status, 304);
    tc_resp_free(&r);
}

static void bad_size_is_named(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *q, *needle;
    } cases[] = {
        {"images/0001.tif?size=huge", "must be 'thumb' or 'view'"},
        {"images/0001.tif?size=", "must be 'thumb' or 'view'"},
        {"images/0001.tif?size=THUMB", "must be 'thumb' or 'view'"},
        {"mets.xml?size=thumb", "'mets.xml' is not an image"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tc_resp r;
        get(f, cases[i].q, &r);
        if (r.status != 400)
            fail_msg("%s: %ld", cases[i].q, r.status);
        json_t *j = json_loads(r.body, 0, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "error")),
                            "badParameter");
        const char *m = json_string_value(json_object_get(j, "message"));
        assert_non_null(strstr(m, "parameter 'size'"));
        if (!strstr(m, cases[i].needle))
            fail_msg("%s: message '%s' lacks '%s'", cases[i].q, m,
                     cases[i].needle);
        json_decref(j);
        tc_resp_free(&r);
    }
}

static void damaged_images_are_422_naming_the_file(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *file, *needle;
    } cases[] = {
        {"images/trunc.png", "'images/trunc.png': cannot make a derivative"},
        {"images/huge.tif", "'images/huge.tif': the image has 30000x30000 "
                            "pixels, more than the 400000000"},
    };
    struct wy_err err = WY_ERR_INIT;
    char *oid = NULL;
    assert_int_equal(ingest_ocfl_id("wy-bad-images", &oid, &err), WY_OK);
    for (size_t i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "/files/%s/%s?size=view", oid,
                 cases[i].file);
        struct tc_resp r;
        tc_get(&f->t, path, &r);
        if (r.status != 422)
            fail_msg("%s: %ld %s", path, r.status, r.body);
        json_t *j = json_loads(r.body, 0, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "error")),
                            "badImage");
        const char *m = json_string_value(json_object_get(j, "message"));
        if (!strstr(m, cases[i].needle))
            fail_msg("%s: message '%s' lacks '%s'", path, m, cases[i].needle);
        json_decref(j);
        tc_resp_free(&r);
    }
    free(oid);
}

static void traversal_still_refused(void **state)
{
    struct fx *f = *state;
    static const char *const tries[] = {
        "../../catalog.db?size=thumb",
        "%2e%2e/%2e%2e/catalog.db?size=view",
        "images/../images/0001.tif?size=thumb",
        "images/%2e%2e%2f%2e%2e%2fcatalog.db?size=thumb",
        "./images/0001.tif?size=thumb",
        "/etc/passwd?size=thumb",
        "v1/content/images/0001.tif?size=thumb",
        "inventory.json?size=thumb",
        "images/0001.tif%00.jpg?size=thumb",
    };
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        struct tc_resp r;
        get(f, tries[i], &r);
        if (r.status != 400 && r.status != 404)
            fail_msg("%s: status %ld", tries[i], r.status);
        assert_null(strstr(r.body, "SQLite format"));
        assert_null(strstr(r.body, "root:"));
        assert_true(r.len < 2 || memcmp(r.body, "\xFF\xD8", 2));
        tc_resp_free(&r);
    }
}

WY_GROUP(derivatives, setup, teardown, cmocka_unit_test(tiff_gives_jpeg),
         cmocka_unit_test(second_request_hits_the_cache),
         cmocka_unit_test(bad_size_is_named),
         cmocka_unit_test(damaged_images_are_422_naming_the_file),
         cmocka_unit_test(traversal_still_refused))
