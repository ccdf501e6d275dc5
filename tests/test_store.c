/* tests/test_store.c: the OCFL store: objects with Chinese file names,
 * forward-delta dedup, NFC, unsafe paths, abort, injected failures at every
 * commit step, a kill at random points (the crash test) and a full disk. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"

#include "core/buf.h"
#include "core/path.h"
#include "repository/store.h"
#include "repository/validate.h"

#define ID "ark:/81055/古籍-0001"

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* the digest an independent tool computes (coreutils sha512sum / md5sum) */
static char *tool_digest(const char *tool, const char *path)
{
    char *cmd = wy_strf("%s '%s'", tool, path), *out = NULL;
    assert_int_equal(wy_test_run(cmd, &out), 0);
    free(cmd);
    char *sp = strchr(out, ' ');
    assert_non_null(sp);
    *sp = '\0';
    return out;
}

/* validator counts for an object or a root */
struct counts {
    unsigned e, w;
    char codes[2048];
};

static void collect(void *ctx, const char *code, const char *where,
                    const char *msg)
{
    struct counts *c = ctx;
    size_t n = strlen(c->codes);
    snprintf(c->codes + n, sizeof(c->codes) - n, "%s %s: %s\n", code, where,
             msg);
}

static struct counts validate_dir(const char *root)
{
    struct counts c;
    memset(&c, 0, sizeof(c));
    struct validate_sink sink;
    memset(&sink, 0, sizeof(sink));
    sink.fn = collect;
    sink.ctx = &c;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(validate_root(root, &sink, &err), WY_OK);
    c.e = sink.errors;
    c.w = sink.warnings;
    if (c.e || c.w)
        print_message("%s", c.codes);
    return c;
}

/* a listing of every file with its sha512 and every directory */
static char *snapshot(const char *root)
{
    char *cmd = wy_strf("cd '%s' && find . -type d | sort && find . -type f "
                        "-exec sha512sum {} + | sort",
                        root);
    char *out = NULL;
    assert_int_equal(wy_test_run(cmd, &out), 0);
    free(cmd);
    return out;
}

struct t {
    char *dir, *root, *src;
};

static int setup(void **state)
{
    struct t *t = calloc(1, sizeof(*t));
    t->dir = wy_test_tmpdir();
    t->root = wy_strf("%s/store", t->dir);
    t->src = wy_strf("%s/src", t->dir);
    mkdir(t->src, 0777);
    struct wy_err err = WY_ERR_INIT;
    if (store_create(t->root, &err) != WY_OK)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;
    free(t->root);
    free(t->src);
    wy_test_rmdir(t->dir);
    free(t);
    return 0;
}

static const char page1[] = "II*\0 scan of 卷一 page 1";
static const char page2[] = "II*\0 scan of 卷一 page 2";
static const char marc[] = "<record><title>红楼梦</title></record>";

/* v1: three files with Chinese names */
static void make_v1(struct t *t, struct store *s)
{
    struct wy_err err = WY_ERR_INIT;
    char *p1 = wy_strf("%s/p1.tif", t->src), *p2 = wy_strf("%s/p2.tif", t->src),
         *m = wy_strf("%s/m.xml", t->src);
    write_file(p1, page1, sizeof(page1));
    write_file(p2, page2, sizeof(page2));
    write_file(m, marc, strlen(marc));
    struct store_version *v;
    assert_int_equal(store_version_begin(s, ID, &v, &err), WY_OK);
    assert_int_equal(store_version_prev(v), 0);
    struct store_file_info fi;
    assert_int_equal(store_version_add_file(v, "卷一/第001页.tif", p1, &fi,
                                            &err),
                     WY_OK);
    assert_int_equal(fi.stored, 1);
    assert_int_equal(fi.size, sizeof(page1));
    char *want = tool_digest("sha512sum", p1);
    assert_string_equal(fi.sha512, want);
    free(want);
    want = tool_digest("md5sum", p1);
    assert_string_equal(fi.md5, want);
    free(want);
    assert_int_equal(store_version_add_file(v, "卷一/第002页.tif", p2, NULL,
                                            &err),
                     WY_OK);
    int fd = open(m, O_RDONLY);
    assert_int_equal(store_version_add_fd(v, "书目.xml", fd, NULL, &err),
                     WY_OK);
    close(fd);
    assert_int_equal(store_version_set_meta(v, "首次入藏 first ingest",
                                            "馆员 Li", "mailto:li@example.org",
                                            &err),
                     WY_OK);
    unsigned num = 0;
    assert_int_equal(store_version_commit(v, &num, &err), WY_OK);
    assert_int_equal(num, 1);
    free(p1);
    free(p2);
    free(m);
}

static json_t *root_inventory(struct t *t, struct store *s)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_err err = WY_ERR_INIT;
    wy_buf_addf(&b, "%s/", t->root);
    assert_int_equal(store_object_relpath(s, ID, &b, &err), WY_OK);
    wy_buf_adds(&b, "/inventory.json");
    json_t *j = json_load_file(wy_buf_cstr(&b), 0, NULL);
    assert_non_null(j);
    wy_buf_release(&b);
    return j;
}

static void chinese_object_is_valid_ocfl(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);
    make_v1(t, s);
    /* the storage root and object, checked by our validator */
    struct counts c = validate_dir(t->root);
    assert_int_equal(c.e, 0);
    assert_int_equal(c.w, 0);
    /* and by hand against the spec (3.5 inventory) */
    json_t *j = root_inventory(t, s);
    assert_string_equal(json_string_value(json_object_get(j, "id")), ID);
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "https://ocfl.io/1.1/spec/#inventory");
    assert_string_equal(
        json_string_value(json_object_get(j, "digestAlgorithm")), "sha512");
    assert_string_equal(json_string_value(json_object_get(j, "head")), "v1");
    json_t *v1 = json_object_get(json_object_get(j, "versions"), "v1");
    const char *created = json_string_value(json_object_get(v1, "created"));
    assert_int_equal(strlen(created), 20);   /* 2026-01-02T03:04:05Z */
    assert_int_equal(created[19], 'Z');
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v1, "user"),
                                          "address")),
        "mailto:li@example.org");
    char *p1 = wy_strf("%s/p1.tif", t->src);
    char *d = tool_digest("sha512sum", p1), *m5 = tool_digest("md5sum", p1);
    json_t *paths = json_object_get(json_object_get(v1, "state"), d);
    assert_string_equal(json_string_value(json_array_get(paths, 0)),
                        "卷一/第001页.tif");
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(json_object_get(j, "manifest"), d), 0)),
        "v1/content/卷一/第001页.tif");
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(
                json_object_get(json_object_get(j, "fixity"), "md5"), m5),
            0)),
        "v1/content/卷一/第001页.tif");
    /* the storage root files */
    char *f = wy_strf("%s/0=ocfl_1.1", t->root);
    char *txt = wy_test_slurp(f, NULL);
    assert_string_equal(txt, "ocfl_1.1\n");
    free(txt);
    free(f);
    f = wy_strf("%s/extensions/0004-hashed-n-tuple-storage-layout/config.json",
                t->root);
    json_t *cfg = json_load_file(f, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(cfg, "tupleSize")), 3);
    assert_int_equal(
        json_integer_value(json_object_get(cfg, "numberOfTuples")), 3);
    json_decref(cfg);
    free(f);
    /* the layout: sha256 of the id, 3 tuples of 3, then the digest */
    char *idf = wy_strf("%s/id.txt", t->src);
    write_file(idf, ID, strlen(ID));
    char *h = tool_digest("sha256sum", idf);
    struct wy_buf rel = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(store_object_relpath(s, ID, &rel, &err), WY_OK);
    char *want = wy_strf("%.3s/%.3s/%.3s/%s", h, h + 3, h + 6, h);
    assert_string_equal(wy_buf_cstr(&rel), want);
    free(want);
    free(h);
    free(idf);
    wy_buf_release(&rel);
    free(d);
    free(m5);
    free(p1);
    json_decref(j);
    store_close(s);
}

static void second_version_dedups(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);
    make_v1(t, s);
    struct store_version *v;
    assert_int_equal(store_version_begin(s, ID, &v, &err), WY_OK);
    assert_int_equal(store_version_prev(v), 1);
    assert_int_equal(store_version_carry_forward(v, &err), WY_OK);
    assert_int_equal(store_version_file_count(v), 3);
    /* the same scan under a second name: not stored again */
    char *p1 = wy_strf("%s/p1.tif", t->src);
    struct store_file_info fi;
    assert_int_equal(store_version_add_file(v, "副本/第001页.tif", p1, &fi,
                                            &err),
                     WY_OK);
    assert_int_equal(fi.stored, 0);
    /* a changed record, and one page removed */
    char *m = wy_strf("%s/m2.xml", t->src);
    write_file(m, "<record>红楼梦 v2</record>", 27);
    assert_int_equal(store_version_add_file(v, "书目.xml", m, &fi, &err),
                     WY_OK);
    assert_int_equal(fi.stored, 1);
    /* identical new files within one version are stored once */
    char *n1 = wy_strf("%s/n1", t->src);
    write_file(n1, "new", 3);
    assert_int_equal(store_version_add_file(v, "新/a.txt", n1, &fi, &err),
                     WY_OK);
    assert_int_equal(fi.stored, 1);
    assert_int_equal(store_version_add_file(v, "新/b.txt", n1, &fi, &err),
                     WY_OK);
    assert_int_equal(fi.stored, 0);
    assert_int_equal(store_version_remove_file(v, "卷一/第002页.tif", &err),
                     WY_OK);
    assert_int_equal(store_version_remove_file(v, "没有.tif", &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "没有.tif");
    wy_err_release(&err);
    assert_true(store_version_changed(v));
    assert_int_equal(store_version_set_meta(v, "第二版", "馆员 Li",
                                            "mailto:li@example.org", &err),
                     WY_OK);
    unsigned num;
    assert_int_equal(store_version_commit(v, &num, &err), WY_OK);
    assert_int_equal(num, 2);
    /* content stored once: v2/content holds the new files only */
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&b, "%s/", t->root);
    assert_int_equal(store_object_relpath(s, ID, &b, &err), WY_OK);
    char *cmd =
        wy_strf("cd '%s/v2/content' && find . -type f | sort", wy_buf_cstr(&b));
    char *out;
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_string_equal(out, "./书目.xml\n./新/a.txt\n");
    free(out);
    free(cmd);
    /* the manifest lists the scan once, the state both paths */
    json_t *j = root_inventory(t, s);
    char *d = tool_digest("sha512sum", p1);
    json_t *man = json_object_get(json_object_get(j, "manifest"), d);
    assert_int_equal(json_array_size(man), 1);
    assert_string_equal(json_string_value(json_array_get(man, 0)),
                        "v1/content/卷一/第001页.tif");
    json_t *st = json_object_get(
        json_object_get(json_object_get(j, "versions"), "v2"), "state");
    json_t *lp = json_object_get(st, d);
    assert_int_equal(json_array_size(lp), 2);
    assert_string_equal(json_string_value(json_array_get(lp, 0)),
                        "副本/第001页.tif");
    assert_string_equal(json_string_value(json_array_get(lp, 1)),
                        "卷一/第001页.tif");
    assert_int_equal(json_object_size(st), 3);   /* 3 distinct contents */
    json_decref(j);
    struct counts c = validate_dir(t->root);
    assert_int_equal(c.e, 0);
    assert_int_equal(c.w, 0);
    /* info and delivery */
    struct store_object_info info;
    assert_int_equal(store_object_info(s, ID, 0, &info, &err), WY_OK);
    assert_int_equal(info.head, 2);
    assert_int_equal(info.nfiles, 5);
    assert_string_equal(info.files[0].logical_path, "书目.xml");
    assert_int_equal(info.bytes, 27 + 2 * sizeof(page1) + 3 + 3);
    store_object_info_release(&info);
    assert_int_equal(store_object_info(s, ID, 1, &info, &err), WY_OK);
    assert_int_equal(info.nfiles, 3);
    store_object_info_release(&info);
    wy_buf_reset(&b);
    uint64_t size;
    assert_int_equal(store_object_path(s, ID, 2, "副本/第001页.tif", &b,
                                       &size, &err),
                     WY_OK);
    assert_int_equal(size, sizeof(page1));
    assert_non_null(strstr(wy_buf_cstr(&b), "/v1/content/卷一/第001页.tif"));
    wy_buf_reset(&b);
    assert_int_equal(store_object_path(s, ID, 2, "卷一/第002页.tif", &b,
                                       NULL, &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "卷一/第002页.tif");
    wy_err_release(&err);
    assert_int_equal(store_object_info(s, "no-such", 0, &info, &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "no-such");
    wy_err_release(&err);
    wy_buf_release(&b);
    free(d);
    free(p1);
    free(m);
    free(n1);
    store_close(s);
}

static void names_compare_after_nfc(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);
    char *f = wy_strf("%s/x", t->src);
    write_file(f, "x", 1);
    struct store_version *v;
    assert_int_equal(store_version_begin(s, "nfc", &v, &err), WY_OK);
    /* "é" decomposed (e + U+0301), then precomposed (U+00E9) */
    assert_int_equal(store_version_add_file(v, "cafe\xcc\x81.txt", f, NULL,
                                            &err),
                     WY_OK);
    assert_int_equal(store_version_add_file(v, "caf\xc3\xa9.txt", f, NULL,
                                            &err),
                     WY_OK);
    assert_int_equal(store_version_file_count(v), 1);
    /* Chinese compatibility ideograph U+F900 normalizes to U+8C48 */
    char *nfc = NULL;
    assert_int_equal(store_path_nfc("\xef\xa4\x80", &nfc, &err), WY_OK);
    assert_string_equal(nfc, "\xe8\xb1\x88");
    free(nfc);
    assert_int_equal(store_path_nfc("bad\xff", &nfc, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "UTF-8");
    wy_err_release(&err);
    assert_int_equal(store_version_commit(v, NULL, &err), WY_OK);
    uint64_t size;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    assert_int_equal(store_object_path(s, "nfc", 0, "cafe\xcc\x81.txt", &b,
                                       &size, &err),
                     WY_OK);
    assert_int_equal(size, 1);
    wy_buf_release(&b);
    free(f);
    store_close(s);
}

static void unsafe_and_conflicting_paths(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);
    char *f = wy_strf("%s/x", t->src);
    write_file(f, "x", 1);
    struct store_version *v;
    assert_int_equal(store_version_begin(s, "unsafe", &v, &err), WY_OK);
    const char *bad[] = {"../etc/passwd", "/abs", "a//b", "a/./b", ""};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(store_version_add_file(v, bad[i], f, NULL, &err),
                         WY_EINVAL);
        assert_err(&err, WY_EINVAL, "logical path");
        wy_err_release(&err);
    }
    assert_int_equal(store_version_add_file(v, "卷/a", f, NULL, &err), WY_OK);
    assert_int_equal(store_version_add_file(v, "卷", f, NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'卷' is a directory");
    wy_err_release(&err);
    assert_int_equal(store_version_add_file(v, "卷/a/b", f, NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "lies under the file '卷/a'");
    wy_err_release(&err);
    /* a missing source names the file */
    assert_int_equal(store_version_add_file(v, "m", "/nonexistent/扫描.tif",
                                            NULL, &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "/nonexistent/扫描.tif");
    wy_err_release(&err);
    /* a second version of the same object cannot be staged at once */
    struct store_version *v2;
    assert_int_equal(store_version_begin(s, "unsafe", &v2, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "'unsafe'");
    wy_err_release(&err);
    store_version_abort(v);
    /* abort leaves nothing: no object, no staging, no empty directories */
    assert_false(store_object_exists(s, "unsafe"));
    char *out = snapshot(t->root);
    assert_null(strstr(out, "wenyuan-staging"));
    free(out);
    struct counts c = validate_dir(t->root);
    assert_int_equal(c.e, 0);
    free(f);
    store_close(s);
}

static void open_and_create_errors(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->src, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, t->src);
    wy_err_release(&err);
    char *missing = wy_strf("%s/nope", t->dir);
    assert_int_equal(store_open(&s, missing, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, missing);
    wy_err_release(&err);
    free(missing);
    assert_int_equal(store_create(t->root, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "already holds an OCFL storage root");
    wy_err_release(&err);
    char *f = wy_strf("%s/x", t->src);
    write_file(f, "x", 1);
    assert_int_equal(store_create(t->src, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "is not empty");
    wy_err_release(&err);
    free(f);
}


/* a stream that hands out a file in odd-sized pieces, as libarchive does */
struct piece_src {
    FILE *f;
    size_t piece;
};

static wy_code piece_read(void *ctx, void *buf, size_t cap, size_t *got,
                          struct wy_err *err)
{
    struct piece_src *p = ctx;
    (void)err;
    *got = fread(buf, 1, cap < p->piece ? cap : p->piece, p->f);
    return WY_OK;
}

static wy_code failing_read(void *ctx, void *buf, size_t cap, size_t *got,
                            struct wy_err *err)
{
    int *calls = ctx;
    memset(buf, 'x', cap);
    *got = cap;
    if (++*calls == 3)
        return wy_err_set(err, WY_EFORMAT, "archive entry truncated");
    return WY_OK;
}

static void large_files_hash_like_the_tools(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);
    char *f = wy_strf("%s/big.tif", t->src);
    FILE *o = fopen(f, "wb");
    unsigned x = 12345;
    for (size_t i = 0; i < 5500000; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 16), o);
    }
    fclose(o);
    char *sha = tool_digest("sha512sum", f), *md5 = tool_digest("md5sum", f);
    struct store_version *v;
    assert_int_equal(store_version_begin(s, "urn:wy:big", &v, &err), WY_OK);
    struct store_file_info fi;
    assert_int_equal(store_version_add_file(v, "大图.tif", f, &fi, &err),
                     WY_OK);
    assert_string_equal(fi.sha512, sha);
    assert_string_equal(fi.md5, md5);
    assert_int_equal(fi.size, 5500000);
    struct piece_src ps = {fopen(f, "rb"), 777777};
    assert_int_equal(store_version_add_stream(v, "流/大图.tif", piece_read, &ps,
                                              &fi, &err),
                     WY_OK);
    fclose(ps.f);
    assert_string_equal(fi.sha512, sha);
    assert_string_equal(fi.md5, md5);
    assert_int_equal(fi.stored, 0);
    /* a stream that fails midway: the error names the file, the version
       goes on without it */
    int calls = 0;
    assert_int_equal(store_version_add_stream(v, "坏.tif", failing_read,
                                              &calls, NULL, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "adding '坏.tif': archive entry truncated");
    wy_err_release(&err);
    assert_int_equal(store_version_file_count(v), 2);
    assert_int_equal(store_version_set_meta(v, "m", "u", "mailto:u@x.org",
                                            &err),
                     WY_OK);
    assert_int_equal(store_version_commit(v, NULL, &err), WY_OK);
    struct counts c = validate_dir(t->root);
    assert_int_equal(c.e, 0);
    free(sha);
    free(md5);
    free(f);
    store_close(s);
}

/* ---- injected failures: the store is exactly as before ---- */

struct fail_at {
    const char *step;
    int n;   /* fail at the n-th time the step is reached */
};

static int fail_hook(void *ctx, const char *step)
{
    struct fail_at *f = ctx;
    return !strcmp(step, f->step) && --f->n == 0;
}

static wy_code add_v2(struct store *s, const char *src, struct wy_err *err)
{
    struct store_version *v;
    wy_code rc = store_version_begin(s, ID, &v, err);
    if (rc != WY_OK)
        return rc;
    rc = store_version_carry_forward(v, err);
    if (rc == WY_OK)
        rc = store_version_add_file(v, "卷二/第001页.tif", src, NULL, err);
    if (rc == WY_OK)
        rc = store_version_add_file(v, "书目.xml", src, NULL, err);
    if (rc != WY_OK) {
        store_version_abort(v);
        return rc;
    }
    return store_version_commit(v, NULL, err);
}

static void injected_failure_leaves_store_as_before(void **state)
{
    struct t *t = *state;
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);
    make_v1(t, s);
    char *src = wy_strf("%s/v2", t->src);
    write_file(src, "changed", 7);
    static const char *steps[] = {"content", "version-inventory",
                                  "root-inventory", "staged", "renamed"};
    char *before = snapshot(t->root);
    for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
        struct fail_at f = {steps[i], 1};
        store_set_hook(s, fail_hook, &f);
        assert_int_equal(add_v2(s, src, &err), WY_EIO);
        assert_err(&err, WY_EIO, steps[i]);
        assert_non_null(strstr(wy_err_msg(&err), ID));
        wy_err_release(&err);
        char *after = snapshot(t->root);
        assert_string_equal(before, after);
        free(after);
    }
    /* a failure after the switch completes the version */
    struct fail_at f = {"root-renamed", 1};
    store_set_hook(s, fail_hook, &f);
    assert_int_equal(add_v2(s, src, &err), WY_OK);
    store_set_hook(s, NULL, NULL);
    struct store_object_info info;
    assert_int_equal(store_object_info(s, ID, 0, &info, &err), WY_OK);
    assert_int_equal(info.head, 2);
    store_object_info_release(&info);
    struct counts c = validate_dir(t->root);
    assert_int_equal(c.e, 0);
    /* a new object failing before its rename leaves no trace */
    free(before);
    before = snapshot(t->root);
    struct fail_at g = {"staged", 1};
    store_set_hook(s, fail_hook, &g);
    struct store_version *v;
    assert_int_equal(store_version_begin(s, "新对象", &v, &err), WY_OK);
    assert_int_equal(store_version_add_file(v, "a.tif", src, NULL, &err),
                     WY_OK);
    assert_int_equal(store_version_commit(v, NULL, &err), WY_EIO);
    assert_err(&err, WY_EIO, "新对象");
    wy_err_release(&err);
    char *after = snapshot(t->root);
    assert_string_equal(before, after);
    free(after);
    free(before);
    free(src);
    store_close(s);
}

/* ---- the crash test ---- */

struct crash {
    const char *step;
    int n;
};

static int crash_hook(void *ctx, const char *step)
{
    struct crash *c = ctx;
    if (!strcmp(step, c->step) && --c->n == 0)
        raise(SIGKILL);
    return 0;
}

/* the child: commits versions 2.. of ID (and a new object) until killed */
static void child_commits(const char *root, const char *src,
                          const char *step, int n)
{
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    if (store_open(&s, root, &err) != WY_OK)
        _exit(3);
    struct crash c = {step, n};
    if (step)
        store_set_hook(s, crash_hook, &c);
    for (int i = 0; i < 50; i++) {
        struct store_version *v;
        char id[64];
        snprintf(id, sizeof(id), "urn:wy:对象-%d", i % 3);
        if (store_version_begin(s, id, &v, &err) != WY_OK)
            _exit(4);
        if (store_version_carry_forward(v, &err) != WY_OK ||
            store_version_add_file(v, "卷/页.tif", src, NULL, &err) != WY_OK)
            _exit(5);
        char lp[64];
        snprintf(lp, sizeof(lp), "卷/v%u.txt", store_version_prev(v) + 1);
        if (store_version_add_file(v, lp, src, NULL, &err) != WY_OK)
            _exit(6);
        if (store_version_set_meta(v, "crash test", "test",
                                   "mailto:t@example.org", &err) != WY_OK ||
            store_version_commit(v, NULL, &err) != WY_OK)
            _exit(7);
    }
    store_close(s);
    _exit(0);
}

static unsigned heads(struct store *s)
{
    unsigned total = 0;
    for (int i = 0; i < 3; i++) {
        char id[64];
        snprintf(id, sizeof(id), "urn:wy:对象-%d", i);
        struct store_object_info info;
        struct wy_err err = WY_ERR_INIT;
        if (store_object_info(s, id, 0, &info, &err) == WY_OK) {
            /* every version holds the files it was committed with */
            assert_int_equal(info.nfiles, info.head + 1);
            total += info.head;
            store_object_info_release(&info);
        } else {
            assert_int_equal(err.code, WY_ENOTFOUND);
            wy_err_release(&err);
        }
    }
    return total;
}

static void check_after_crash(struct t *t, unsigned *last)
{
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    assert_int_equal(store_open(&s, t->root, &err), WY_OK);   /* recovers */
    char *st = wy_strf("%s/extensions/wenyuan-staging", t->root);
    assert_false(wy_is_dir(st));
    free(st);
    struct counts c = validate_dir(t->root);
    assert_int_equal(c.e, 0);
    assert_int_equal(c.w, 0);
    unsigned h = heads(s);
    assert_true(h >= *last);   /* never loses a committed version */
    *last = h;
    store_close(s);
}

static void crash_at_any_point_leaves_old_or_new(void **state)
{
    struct t *t = *state;
    char *src = wy_strf("%s/page", t->src);
    char big[200000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    write_file(src, big, sizeof(big));
    unsigned last = 0, runs = 0;
    /* 1. a kill at each named step of a commit (new object and new
          version alike: the n-th time the step is reached) */
    static const char *steps[] = {"content", "version-inventory",
                                  "root-inventory", "staged", "renamed",
                                  "root-renamed", "done"};
    for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
        for (int n = 1; n <= 5; n += 2) {
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0)
                child_commits(t->root, src, steps[i], n);
            int status;
            waitpid(pid, &status, 0);
            assert_true(WIFSIGNALED(status) &&
                        WTERMSIG(status) == SIGKILL);
            check_after_crash(t, &last);
            runs++;
        }
    /* 2. kills at random times */
    srand((unsigned)time(NULL));
    for (int i = 0; i < 25; i++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            child_commits(t->root, src, NULL, 0);
        struct timespec ts = {0, (long)(rand() % 20000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        check_after_crash(t, &last);
        runs++;
    }
    print_message("crash test: %u kills, %u versions survived, store valid "
                  "after each\n",
                  runs, last);
    assert_true(last > 0);
    free(src);
}

/* ---- a full disk ---- */

static void full_disk_leaves_store_as_before(void **state)
{
    struct t *t = *state;
    char *mnt = wy_strf("%s/small", t->dir);
    mkdir(mnt, 0777);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
        print_message("full disk test skipped: cannot mount a tmpfs (%s)\n",
                      strerror(errno));
        free(mnt);
        skip();
    }
    struct wy_err err = WY_ERR_INIT;
    char *root = wy_strf("%s/store", mnt);
    assert_int_equal(store_create(root, &err), WY_OK);
    struct store *s;
    assert_int_equal(store_open(&s, root, &err), WY_OK);
    char *small = wy_strf("%s/small", t->src), *big = wy_strf("%s/big", t->src);
    write_file(small, "small", 5);
    char *data = calloc(1, 2 << 20);
    write_file(big, data, 2 << 20);
    free(data);
    struct store_version *v;
    assert_int_equal(store_version_begin(s, "满", &v, &err), WY_OK);
    assert_int_equal(store_version_add_file(v, "a.txt", small, NULL, &err),
                     WY_OK);
    assert_int_equal(store_version_commit(v, NULL, &err), WY_OK);
    char *before = snapshot(root);
    /* a second version larger than the disk */
    assert_int_equal(store_version_begin(s, "满", &v, &err), WY_OK);
    assert_int_equal(store_version_carry_forward(v, &err), WY_OK);
    assert_int_equal(store_version_add_file(v, "大.tif", big, NULL, &err),
                     WY_EIO);
    assert_err(&err, WY_EIO, "No space left on device");
    assert_non_null(strstr(wy_err_msg(&err), "大.tif"));
    wy_err_release(&err);
    store_version_abort(v);
    char *after = snapshot(root);
    assert_string_equal(before, after);
    free(after);
    /* a new object larger than the disk */
    assert_int_equal(store_version_begin(s, "满2", &v, &err), WY_OK);
    assert_int_equal(store_version_add_file(v, "大.tif", big, NULL, &err),
                     WY_EIO);
    wy_err_release(&err);
    store_version_abort(v);
    after = snapshot(root);
    assert_string_equal(before, after);
    free(after);
    struct counts c = validate_dir(root);
    assert_int_equal(c.e, 0);
    store_close(s);
    free(before);
    free(small);
    free(big);
    free(root);
    umount(mnt);
    free(mnt);
}

WY_GROUP(store, NULL, NULL,
         cmocka_unit_test_setup_teardown(chinese_object_is_valid_ocfl, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(second_version_dedups, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(names_compare_after_nfc, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(unsafe_and_conflicting_paths, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(open_and_create_errors, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(large_files_hash_like_the_tools,
                                         setup, teardown),
         cmocka_unit_test_setup_teardown(
             injected_failure_leaves_store_as_before, setup, teardown),
         cmocka_unit_test_setup_teardown(crash_at_any_point_leaves_old_or_new,
                                         setup, teardown),
         cmocka_unit_test_setup_teardown(full_disk_leaves_store_as_before,
                                         setup, teardown))
