/* tests/test_validate.c: the OCFL validator on every official fixture
 * (../shared/fixtures/ocfl, expectations from its expected-outcomes.tsv),
 * ocfl-py's storage-root and inventory fixtures, and objects of our own
 * store broken on purpose. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "harness.h"

#include "core/buf.h"
#include "core/path.h"
#include "repository/store.h"
#include "repository/validate.h"

/* every problem as "CODE where: msg\n" */
static void collect(void *ctx, const char *code, const char *where,
                    const char *msg)
{
    wy_buf_addf(ctx, "%s %s: %s\n", code, where, msg);
}

static int has_code(const char *out, const char *code)
{
    for (const char *p = out; (p = strstr(p, code)); p++)
        if (p == out || p[-1] == '\n')
            return 1;
    return 0;
}

/* unzips a fixture archive into dir with libarchive (no outside tool) */
static void unzip_to(const char *zip, const char *dir)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    assert_int_equal(archive_read_open_filename(a, zip, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        assert_null(wy_path_unsafe(name[strlen(name) - 1] == '/'
                                       ? "x" : name));
        char *p = wy_strf("%s/%s", dir, name);
        size_t n = strlen(p);
        if (p[n - 1] == '/' || archive_entry_filetype(e) == AE_IFDIR) {
            if (p[n - 1] == '/')
                p[n - 1] = '\0';
            struct wy_err err = WY_ERR_INIT;
            assert_int_equal(wy_mkdirs(p, &err), WY_OK);
        } else {
            char *sl = strrchr(p, '/');
            *sl = '\0';
            struct wy_err err = WY_ERR_INIT;
            assert_int_equal(wy_mkdirs(p, &err), WY_OK);
            *sl = '/';
            FILE *f = fopen(p, "wb");
            assert_non_null(f);
            const void *buf;
            size_t len;
            la_int64_t off;
            while (archive_read_data_block(a, &buf, &len, &off) ==
                   ARCHIVE_OK)
                if (len)
                    fwrite(buf, 1, len, f);
            fclose(f);
        }
        free(p);
    }
    archive_read_free(a);
}

/* the single directory inside dir, or dir itself */
static char *only_child(const char *dir)
{
    char *cmd = wy_strf("ls -A '%s'", dir), *out = NULL;
    wy_test_run(cmd, &out);
    free(cmd);
    char *nl = strchr(out, '\n');
    char *res;
    if (nl && !nl[1]) {
        *nl = '\0';
        char *p = wy_strf("%s/%s", dir, out);
        if (wy_is_dir(p))
            res = p;
        else {
            free(p);
            res = strdup(dir);
        }
    } else
        res = strdup(dir);
    free(out);
    return res;
}

static void official_fixtures_match_expectations(void **state)
{
    (void)state;
    char *tsv = wy_test_slurp(wy_fixture("ocfl/expected-outcomes.tsv"), NULL);
    char *tmp = wy_test_tmpdir();
    unsigned total = 0, ok = 0, good = 0, warn = 0, bad = 0, precise = 0,
             roots = 0, pyagree = 0, pytotal = 0;
    struct wy_buf fails = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (char *line = tsv, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *f[9] = {0};
        char *s = line;
        for (int i = 0; i < 9; i++) {
            f[i] = s;
            char *t = s ? strchr(s, '\t') : NULL;
            if (t) {
                *t = '\0';
                s = t + 1;
            } else
                s = NULL;
        }
        if (!f[8] || !strcmp(f[0], "source") ||
            !strcmp(f[2], "bad-inventories"))
            continue;
        const char *cat = f[2], *packaging = f[4], *expected = f[5],
                   *codes = f[6], *pycodes = f[7];
        char *rel = wy_strf("ocfl/%s", f[8]);
        char *path = strdup(wy_fixture(rel));
        free(rel);
        if (!strcmp(packaging, "zip")) {
            char *d = wy_strf("%s/%s", tmp, f[3]);
            struct wy_err err = WY_ERR_INIT;
            assert_int_equal(wy_mkdirs(d, &err), WY_OK);
            unzip_to(path, d);
            free(path);
            path = only_child(d);
            free(d);
        }
        struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct validate_sink sink;
        memset(&sink, 0, sizeof(sink));
        sink.fn = collect;
        sink.ctx = &out;
        struct wy_err err = WY_ERR_INIT;
        int isroot = strstr(cat, "storage-roots") != NULL;
        roots += isroot;
        assert_int_equal(isroot ? validate_root(path, &sink, &err)
                                : validate_object(path, &sink, &err),
                         WY_OK);
        const char *o = wy_buf_cstr(&out);
        int pass;
        if (!strcmp(expected, "valid")) {
            pass = sink.errors == 0;
            good++;
        } else if (!strcmp(expected, "valid_with_warnings")) {
            pass = sink.errors == 0 && sink.warnings > 0;
            warn++;
        } else {
            pass = sink.errors > 0;
            bad++;
        }
        /* every code the name gives must be reported */
        int named = 0;
        for (const char *c = codes; *c; c += (c[4] == ',') ? 5 : 4) {
            char code[5];
            memcpy(code, c, 4);
            code[4] = '\0';
            if (!has_code(o, code))
                pass = 0;
            named = 1;
            if (!c[4])
                break;
        }
        precise += named && pass && *expected == 'i';
        /* how often we agree with ocfl-py's own assertions (codes without
           its letter suffixes), for information */
        if (*pycodes && pycodes[0] == 'E' && strlen(pycodes) <= 40) {
            int agree = 1;
            pytotal++;
            for (const char *c = pycodes; *c;) {
                char code[5];
                memcpy(code, c, 4);
                code[4] = '\0';
                if (!has_code(o, code))
                    agree = 0;
                c += 4;
                while (*c && *c != ',')
                    c++;
                if (*c == ',')
                    c++;
            }
            pyagree += agree;
        }
        total++;
        ok += pass;
        if (!pass)
            wy_buf_addf(&fails, "%s %s (%s, want %s):\n%s", f[1], f[3],
                        expected, codes, o);
        wy_buf_release(&out);
        free(path);
    }
    print_message("OCFL fixtures: %u/%u match their expectation (%u good, "
                  "%u warn, %u bad objects incl. %u storage roots); %u bad "
                  "fixtures give the exact code(s) of their name; ocfl-py's "
                  "own code assertions met on %u/%u\n",
                  ok, total, good, warn, bad, roots, precise, pyagree,
                  pytotal);
    if (ok != total)
        fail_msg("fixtures not matched:\n%s", wy_buf_cstr(&fails));
    assert_true(total >= 190);
    wy_buf_release(&fails);
    free(tsv);
    wy_test_rmdir(tmp);
}

static void bad_inventories_alone(void **state)
{
    (void)state;
    static const char *const files[] = {
        "inventory_E042a_bad_content_paths.json",
        "inventory_E042b_unknown_version.json",
        "inventory_E042b_zero_padding_mismatch.json",
        "inventory_E042c_bad_content_paths.json"};
    for (size_t i = 0; i < 4; i++) {
        char *rel = wy_strf("ocfl/ocfl-py-extra/extra_fixtures/1.0/"
                            "bad-inventories/%s",
                            files[i]);
        size_t n;
        char *p = wy_test_slurp(wy_fixture(rel), &n);
        struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct validate_sink sink;
        memset(&sink, 0, sizeof(sink));
        sink.fn = collect;
        sink.ctx = &out;
        struct wy_err err = WY_ERR_INIT;
        assert_int_equal(validate_inventory((unsigned char *)p, n, files[i],
                                            "1.0", &sink, &err),
                         WY_OK);
        if (!has_code(wy_buf_cstr(&out), "E042"))
            fail_msg("%s: no E042 in:\n%s", files[i], wy_buf_cstr(&out));
        /* the message names the inventory */
        assert_non_null(strstr(wy_buf_cstr(&out), files[i]));
        wy_buf_release(&out);
        free(p);
        free(rel);
    }
    /* not JSON at all */
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct validate_sink sink;
    memset(&sink, 0, sizeof(sink));
    sink.fn = collect;
    sink.ctx = &out;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(validate_inventory((const unsigned char *)"{\"id\":", 6,
                                        "x/inventory.json", "1.1", &sink,
                                        &err),
                     WY_OK);
    assert_true(has_code(wy_buf_cstr(&out), "E033"));
    assert_non_null(strstr(wy_buf_cstr(&out), "x/inventory.json"));
    wy_buf_release(&out);
}

/* ---- our own objects, broken on purpose ---- */

struct obj {
    char *dir, *root, *obj;
};

static int obj_setup(void **state)
{
    struct obj *o = calloc(1, sizeof(*o));
    o->dir = wy_test_tmpdir();
    o->root = wy_strf("%s/store", o->dir);
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    if (store_create(o->root, &err) != WY_OK ||
        store_open(&s, o->root, &err) != WY_OK)
        return -1;
    char *src = wy_strf("%s/page", o->dir);
    FILE *f = fopen(src, "wb");
    fputs("scan 第一页", f);
    fclose(f);
    struct store_version *v;
    if (store_version_begin(s, "urn:wy:坏", &v, &err) != WY_OK ||
        store_version_add_file(v, "卷一/第一页.tif", src, NULL, &err) !=
            WY_OK ||
        store_version_set_meta(v, "m", "u", "mailto:u@example.org", &err) ||
        store_version_commit(v, NULL, &err) != WY_OK)
        return -1;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&b, "%s/", o->root);
    if (store_object_relpath(s, "urn:wy:坏", &b, &err) != WY_OK)
        return -1;
    o->obj = wy_buf_take(&b, NULL);
    store_close(s);
    free(src);
    *state = o;
    return 0;
}

static int obj_teardown(void **state)
{
    struct obj *o = *state;
    free(o->root);
    free(o->obj);
    wy_test_rmdir(o->dir);
    free(o);
    return 0;
}

/* runs the root validation; returns the report (caller frees) */
static char *check_root(struct obj *o, unsigned *errors)
{
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct validate_sink sink;
    memset(&sink, 0, sizeof(sink));
    sink.fn = collect;
    sink.ctx = &out;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(validate_root(o->root, &sink, &err), WY_OK);
    *errors = sink.errors;
    return wy_buf_take(&out, NULL);
}

static void expect(struct obj *o, const char *code, const char *needle)
{
    unsigned e;
    char *out = check_root(o, &e);
    if (!has_code(out, code) || !strstr(out, needle))
        fail_msg("want %s naming '%s', got:\n%s", code, needle, out);
    assert_true(e > 0);
    free(out);
}

static void run(const char *fmt, const char *a, const char *b)
{
    char *cmd = wy_strf(fmt, a, b);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    free(cmd);
}

static void our_object_is_valid(void **state)
{
    struct obj *o = *state;
    unsigned e;
    char *out = check_root(o, &e);
    assert_string_equal(out, "");
    free(out);
    /* the CLI agrees: exit 0 */
    char *cmd =
        wy_strf("'%s' validate --root '%s' 2>&1", wy_test_bin(), o->root);
    char *txt = NULL;
    assert_int_equal(wy_test_run(cmd, &txt), 0);
    assert_non_null(strstr(txt, "1 object checked: 0 errors, 0 warnings"));
    free(txt);
    free(cmd);
    /* by id through a home */
    cmd = wy_strf("WENYUAN_HOME='%s' '%s' validate urn:wy:坏 2>&1", o->dir,
                  wy_test_bin());
    assert_int_equal(wy_test_run(cmd, &txt), 0);
    free(txt);
    free(cmd);
}

static void flipped_byte_is_E092(void **state)
{
    struct obj *o = *state;
    run("printf 'X' | dd of='%s/v1/content/卷一/第一页.tif' bs=1 seek=0 "
        "conv=notrunc status=none%s",
        o->obj, "");
    expect(o, "E092", "v1/content/卷一/第一页.tif");
    expect(o, "E093", "v1/content/卷一/第一页.tif");   /* md5 fixity too */
    /* the CLI reports it and fails */
    char *cmd = wy_strf("'%s' validate --root '%s'", wy_test_bin(), o->root);
    char *txt = NULL;
    assert_int_equal(wy_test_run(cmd, &txt), 1);
    assert_non_null(strstr(txt, "E092 "));
    free(txt);
    free(cmd);
}

static void missing_content_is_E092(void **state)
{
    struct obj *o = *state;
    run("rm '%s/v1/content/卷一/第一页.tif' && rmdir '%s/v1/content/卷一'",
        o->obj, o->obj);
    expect(o, "E092", "does not exist");
}

static void extra_content_is_E023(void **state)
{
    struct obj *o = *state;
    run("echo x > '%s/v1/content/卷一/多余.tif'%s", o->obj, "");
    expect(o, "E023", "v1/content/卷一/多余.tif");
}

static void stray_root_file_is_E001(void **state)
{
    struct obj *o = *state;
    run("echo x > '%s/notes.txt'%s", o->obj, "");
    expect(o, "E001", "notes.txt");
}

static void edited_inventory_is_E060(void **state)
{
    struct obj *o = *state;
    run("sed -i 's/\"m\"/\"edited\"/' '%s/inventory.json'%s", o->obj, "");
    expect(o, "E060", "inventory.json");
    expect(o, "E064", "v1/inventory.json");
}

static void missing_sidecar_is_E058(void **state)
{
    struct obj *o = *state;
    run("rm '%s/inventory.json.sha512'%s", o->obj, "");
    expect(o, "E058", "inventory.json");
}

static void storage_root_problems(void **state)
{
    struct obj *o = *state;
    run("mkdir -p '%s/abc/empty'%s", o->root, "");
    expect(o, "E073", "abc/empty");
    run("echo x > '%s/abc/empty/loose.txt'%s", o->root, "");
    expect(o, "E072", "abc/empty/loose.txt");
    run("rm '%s/0=ocfl_1.1'%s", o->root, "");
    expect(o, "E069", "0=ocfl_1.1");
}

WY_GROUP(validate, NULL, NULL,
         cmocka_unit_test(official_fixtures_match_expectations),
         cmocka_unit_test(bad_inventories_alone),
         cmocka_unit_test_setup_teardown(our_object_is_valid, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(flipped_byte_is_E092, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(missing_content_is_E092, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(extra_content_is_E023, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(stray_root_file_is_E001, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(edited_inventory_is_E060, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(missing_sidecar_is_E058, obj_setup,
                                         obj_teardown),
         cmocka_unit_test_setup_teardown(storage_root_problems, obj_setup,
                                         obj_teardown))
