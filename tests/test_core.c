/* tests/test_core.c: the error type, buffer, arena, paths and XML set-up. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/path.h"
#include "core/xml.h"

static void err_first_cause_wins(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(wy_err_set(&err, WY_EFORMAT, "length '%s' is not a number",
                                "00x2"),
                     WY_EFORMAT);
    assert_int_equal(wy_err_set(&err, WY_EIO, "vaguer"), WY_EFORMAT);
    wy_err_prefix(&err, "%s: record %d at byte %d", "input.mrc", 12, 40960);
    assert_string_equal(wy_err_msg(&err), "input.mrc: record 12 at byte 40960: "
                                          "length '00x2' is not a number");
    wy_err_release(&err);
    assert_int_equal(err.code, WY_OK);
    assert_string_equal(wy_err_msg(&err), "no error");
}

static void buf_appends_and_escapes(void **state)
{
    (void)state;
    struct wy_buf b = WY_BUF_INIT(1024);
    wy_buf_adds(&b, "<a t=\"");
    wy_buf_add_xml(&b, "x<&>\"'\x01y", 8);
    wy_buf_adds(&b, "\"/>");
    assert_string_equal(wy_buf_cstr(&b),
                        "<a t=\"x&lt;&amp;&gt;&quot;&apos;y\"/>");
    wy_buf_reset(&b);
    wy_buf_add_json(&b, "红\"\\\n\x02", 7);
    assert_string_equal(wy_buf_cstr(&b), "\"红\\\"\\\\\\n\\u0002\"");
    wy_buf_reset(&b);
    wy_buf_addf(&b, "%d-%s", 42, "x");
    size_t n;
    char *s = wy_buf_take(&b, &n);
    assert_string_equal(s, "42-x");
    assert_int_equal(n, 4);
    free(s);
    assert_int_equal(b.len, 0);
    wy_buf_release(&b);
}

static void buf_ceiling_is_sticky(void **state)
{
    (void)state;
    struct wy_buf b = WY_BUF_INIT(8);
    wy_buf_adds(&b, "12345");
    wy_buf_adds(&b, "6789");   /* over the ceiling */
    wy_buf_adds(&b, "0");      /* ignored: the error is sticky */
    assert_string_equal(wy_buf_cstr(&b), "");
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(wy_buf_status(&b, &err), WY_ETOOBIG);
    assert_non_null(strstr(wy_err_msg(&err), "8 bytes"));
    assert_null(wy_buf_take(&b, NULL));
    wy_err_release(&err);
    wy_buf_release(&b);
}

static void buf_survives_allocation_failures(void **state)
{
    (void)state;
    /* fail the Nth allocation for every N until the work succeeds */
    for (long n = 0;; n++) {
        struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_alloc_fail_after(n);
        for (int i = 0; i < 200; i++)
            wy_buf_addf(&b, "field %d;", i);
        wy_alloc_fail_after(-1);
        struct wy_err err = WY_ERR_INIT;
        wy_code rc = wy_buf_status(&b, &err);
        wy_buf_release(&b);
        wy_err_release(&err);
        if (rc == WY_OK)
            break;
        assert_int_equal(rc, WY_ENOMEM);
        assert_true(n < 100);
    }
}

static void arena_aligns_and_grows(void **state)
{
    (void)state;
    struct wy_arena *a = wy_arena_new();
    assert_non_null(a);
    char *s = wy_arena_strdup(a, "四库全书");
    assert_string_equal(s, "四库全书");
    for (int i = 0; i < 5000; i++) {
        double *d = wy_arena_alloc(a, sizeof(double) * 3);
        assert_non_null(d);
        assert_int_equal((uintptr_t)d % _Alignof(double), 0);
        d[2] = i;
    }
    size_t cap = 0;
    int *arr = NULL;
    for (int i = 0; i < 100; i++) {
        arr = wy_arena_grow(a, arr, &cap, (size_t)i + 1, sizeof(int));
        arr[i] = i;
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(arr[i], i);
    wy_arena_reset(a);
    assert_int_equal(wy_arena_used(a), 0);
    wy_arena_free(a);
    wy_arena_free(NULL);
}

static void path_checks_unsafe_names(void **state)
{
    (void)state;
    assert_null(wy_path_unsafe("images/0001.tif"));
    assert_null(wy_path_unsafe("卷一/第1页.tif"));
    assert_non_null(wy_path_unsafe("../etc/passwd"));
    assert_non_null(wy_path_unsafe("a/../../b"));
    assert_non_null(wy_path_unsafe("/etc/passwd"));
    assert_non_null(wy_path_unsafe("a//b"));
    assert_non_null(wy_path_unsafe("a\\..\\b"));
    assert_non_null(wy_path_unsafe(""));
}

static void file_replace_is_whole(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_path_join(&p, dir, "sub/deeper");
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(wy_mkdirs(p.p, &err), WY_OK);
    wy_buf_adds(&p, "/f.txt");
    assert_int_equal(wy_file_replace(p.p, "old", 3, &err), WY_OK);
    assert_int_equal(wy_file_replace(p.p, "new content", 11, &err), WY_OK);
    size_t n;
    char *s = wy_test_slurp(p.p, &n);
    assert_string_equal(s, "new content");
    free(s);
    wy_buf_adds(&p, ".tmp");
    assert_false(wy_is_file(p.p));  /* no temporary left behind */
    /* a target in a missing directory fails cleanly */
    assert_int_equal(wy_file_replace("/nonexistent-dir/x", "a", 1, &err),
                     WY_EIO);
    assert_non_null(strstr(wy_err_msg(&err), "/nonexistent-dir/x.tmp"));
    wy_err_release(&err);
    wy_buf_release(&p);
    wy_test_rmdir(dir);
}

static void xml_refuses_external_entities(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char secret[4096];
    snprintf(secret, sizeof(secret), "%s/secret.txt", dir);
    FILE *f = fopen(secret, "w");
    fputs("TOPSECRET", f);
    fclose(f);
    char doc[8192];
    snprintf(doc, sizeof(doc),
             "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "
             "\"file://%s\">]>\n<r>&x;</r>",
             secret);
    xmlDocPtr d = NULL;
    struct wy_err err = WY_ERR_INIT;
    wy_code rc = wy_xml_doc_mem(&d, doc, strlen(doc), "xxe.xml", &err);
    if (rc == WY_OK) {
        xmlChar *c = xmlNodeGetContent(xmlDocGetRootElement(d));
        assert_null(strstr((const char *)c, "TOPSECRET"));
        xmlFree(c);
        xmlFreeDoc(d);
    }
    assert_true(wy_xml_has_dtd(doc, strlen(doc)));
    wy_err_release(&err);
    wy_test_rmdir(dir);
}

static void xml_billion_laughs_is_cheap(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
        "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
        "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]><l>&g;</l>";
    xmlTextReaderPtr r = NULL;
    struct wy_xml_errors xe = {WY_ERR_INIT, NULL, 0};
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(
        wy_xml_reader_mem(&r, doc, strlen(doc), "laughs.xml", &xe, &err), WY_OK);
    size_t text = 0;
    while (xmlTextReaderRead(r) == 1) {
        const xmlChar *v = xmlTextReaderConstValue(r);
        if (v)
            text += strlen((const char *)v);
    }
    assert_true(text < 1000);   /* entities were not expanded */
    xmlFreeTextReader(r);
    wy_err_release(&xe.err);
    wy_err_release(&err);
}

static void xml_errors_name_line(void **state)
{
    (void)state;
    const char *doc = "<a>\n<b>\n</a>";
    xmlDocPtr d = NULL;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(wy_xml_doc_mem(&d, doc, strlen(doc), "bad.xml", &err),
                     WY_EFORMAT);
    assert_null(d);
    assert_err(&err, WY_EFORMAT, "bad.xml: line 3");
    wy_err_release(&err);
}

WY_GROUP(core, NULL, NULL,
         cmocka_unit_test(err_first_cause_wins),
         cmocka_unit_test(buf_appends_and_escapes),
         cmocka_unit_test(buf_ceiling_is_sticky),
         cmocka_unit_test(buf_survives_allocation_failures),
         cmocka_unit_test(arena_aligns_and_grows),
         cmocka_unit_test(path_checks_unsafe_names),
         cmocka_unit_test(file_replace_is_whole),
         cmocka_unit_test(xml_refuses_external_entities),
         cmocka_unit_test(xml_billion_laughs_is_cheap),
         cmocka_unit_test(xml_errors_name_line))
