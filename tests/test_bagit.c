/* tests/test_bagit.c: BagIt verification on bags built with coreutils
   (tests/fixtures/mkbag.sh), then broken on purpose in each known way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "repository/bagit.h"

static char *make_bag(char **dir)
{
    *dir = wy_test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s/bag'",
             wy_srcpath("tests/fixtures/mkbag.sh"), *dir);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    char *bag = malloc(strlen(*dir) + 8);
    snprintf(bag, strlen(*dir) + 8, "%s/bag", *dir);
    return bag;
}

static void sh(const char *bag, const char *script)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && %s", bag, script);
    if (wy_test_run(cmd, NULL) != 0)
        fail_msg("failed: %s", script);
}

static void valid_bag_verifies(void **state)
{
    (void)state;
    char *dir, *bag = make_bag(&dir);
    struct wy_err err = WY_ERR_INIT;
    struct bag *b = NULL;
    if (bag_open(&b, bag, NULL, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(bag_nfiles(b), 3);
    assert_string_equal(bag_info(b, "external-identifier"), "guji-0001");
    /* continuation lines are folded */
    assert_string_equal(bag_info(b, "External-Description"),
                        "红楼梦 抄本, 第一册");
    assert_string_equal(bag_info(b, "Source-Organization"), "国家图书馆");
    /* the %7E stays literal; sorted by path */
    assert_string_equal(bag_file(b, 0)->path, "data/a%7Eb.txt");
    assert_string_equal(bag_file(b, 2)->path, "data/卷一/第一回.txt");
    /* digests as sha256sum printed them (see mkbag.sh output) */
    char *want = NULL;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && sha256sum 'data/卷一/第一回.txt' "
             "| cut -c1-64 | tr -d '\\n'", bag);
    assert_int_equal(wy_test_run(cmd, &want), 0);
    assert_string_equal(bag_file(b, 2)->digest[BAG_SHA256], want);
    free(want);
    assert_non_null(bag_file(b, 2)->digest[BAG_MD5]);
    assert_null(bag_file(b, 2)->digest[BAG_SHA512]);
    assert_int_equal(bag_file(b, 1)->size, 8);
    assert_int_equal(bag_bytes(b), 34);
    bag_free(b);
    free(bag);
    wy_test_rmdir(dir);
}

/* Breaks a fresh bag with script and checks code and message needles. */
static void broken(const char *script, wy_code code, const char *n1,
                   const char *n2)
{
    char *dir, *bag = make_bag(&dir);
    sh(bag, script);
    struct wy_err err = WY_ERR_INIT;
    struct bag *b = NULL;
    assert_int_equal(bag_open(&b, bag, NULL, &err), code);
    assert_null(b);
    assert_err(&err, code, "is invalid");
    assert_err(&err, code, n1);
    if (n2)
        assert_err(&err, code, n2);
    wy_err_release(&err);
    free(bag);
    wy_test_rmdir(dir);
}

static void flipped_byte_is_fixity(void **state)
{
    (void)state;
    broken("printf '红楼梦 第二回\\n' > 'data/卷一/第一回.txt'", WY_EFIXITY,
           "data/卷一/第一回.txt: sha256 checksum mismatch",
           "data/卷一/第一回.txt: md5 checksum mismatch");
}

static void missing_and_extra_files(void **state)
{
    (void)state;
    broken("rm 'data/卷一/0001.tif' && echo x > data/extra.txt", WY_EFORMAT,
           "data/卷一/0001.tif: listed in the manifest but missing",
           "data/extra.txt: not listed in the payload manifests");
}

static void path_escape_refused(void **state)
{
    (void)state;
    broken("echo '0123456789abcdef0123456789abcdef  ../../etc/passwd' >> "
           "manifest-md5.txt", WY_EFORMAT,
           "manifest-md5.txt: line 4: path '../../etc/passwd'",
           "'..' path segment");
    broken("echo '0123456789abcdef0123456789abcdef  ~/x' >> manifest-md5.txt",
           WY_EFORMAT, "path starts with '~'", NULL);
    broken("echo '0123456789abcdef0123456789abcdef  /etc/passwd' >> "
           "manifest-md5.txt", WY_EFORMAT, "absolute path", NULL);
}

static void duplicate_listing_refused(void **state)
{
    (void)state;
    broken("tail -1 manifest-sha256.txt >> manifest-sha256.txt", WY_EFORMAT,
           "data/卷一/第一回.txt: listed twice in manifest-sha256.txt "
           "(lines 3 and 4)", NULL);
}

static void oxum_checked(void **state)
{
    (void)state;
    broken("sed -i 's/Payload-Oxum: .*/Payload-Oxum: 35.3/' bag-info.txt && "
           "sha256sum bagit.txt bag-info.txt manifest-sha256.txt "
           "manifest-md5.txt > tagmanifest-sha256.txt", WY_EFIXITY,
           "Payload-Oxum 35.3 disagrees with the payload: 34 bytes in 3 files",
           NULL);
}

static void tag_manifest_checked(void **state)
{
    (void)state;
    broken("echo 'Contact-Name: 张三' >> bag-info.txt", WY_EFIXITY,
           "bag-info.txt: sha256 checksum mismatch (tagmanifest", NULL);
}

static void links_and_fetch_refused(void **state)
{
    (void)state;
    broken("ln -s /etc/passwd data/link.txt", WY_EFORMAT,
           "data/link.txt' is a symbolic link", NULL);
    broken("echo 'http://example.org/x 10 data/x' > fetch.txt", WY_EFORMAT,
           "fetch.txt lists payload to download", NULL);
    broken("rm bagit.txt", WY_EFORMAT, "no bagit.txt", NULL);
    broken("printf 'BagIt-Version: 1.0\\n' > bagit.txt", WY_EFORMAT,
           "bagit.txt: missing 'Tag-File-Character-Encoding'", NULL);
}

static void utf16_and_latin1_tag_files(void **state)
{
    (void)state;
    char *dir, *bag = make_bag(&dir);
    /* bag-info in UTF-16LE with a BOM (bagit-python's UTF-16 fixture
       shape); the tag manifest is rebuilt over the new bytes */
    sh(bag, "{ printf '\\377\\376'; iconv -f UTF-8 -t UTF-16LE bag-info.txt; }"
            " > b16 && mv b16 bag-info.txt && sha256sum bagit.txt "
            "bag-info.txt manifest-sha256.txt manifest-md5.txt > "
            "tagmanifest-sha256.txt");
    struct wy_err err = WY_ERR_INIT;
    struct bag *b = NULL;
    if (bag_open(&b, bag, NULL, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_string_equal(bag_info(b, "Source-Organization"), "国家图书馆");
    bag_free(b);
    /* a GB18030 bag declared as such */
    sh(bag, "printf 'BagIt-Version: 1.0\\nTag-File-Character-Encoding: "
            "GB18030\\n' > bagit.txt && printf 'External-Identifier: "
            "古籍-7\\n' | iconv -f UTF-8 -t GB18030 > bag-info.txt && rm "
            "tagmanifest-sha256.txt && for f in manifest-*.txt; do iconv -f "
            "UTF-8 -t GB18030 $f > t && mv t $f; done");
    if (bag_open(&b, bag, NULL, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_string_equal(bag_info(b, "External-Identifier"), "古籍-7");
    bag_free(b);
    /* invalid UTF-8 in a UTF-8 bag names the byte */
    sh(bag, "printf 'BagIt-Version: 1.0\\nTag-File-Character-Encoding: "
            "UTF-8\\n' > bagit.txt && printf 'A: \\377\\n' > bag-info.txt");
    assert_int_equal(bag_open(&b, bag, NULL, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "bag-info.txt: byte 3 is not valid UTF-8");
    wy_err_release(&err);
    free(bag);
    wy_test_rmdir(dir);
}

/* A name written in NFD on disk (as macOS does) and NFC in the manifest
   (as most bagging tools write it) is one file; the conformance suite's
   v0.97/warning/filename-normalization case. */
static void unicode_normalization(void **state)
{
    (void)state;
    char *dir, *bag = make_bag(&dir);
    sh(bag, "python3 - <<'EOF'\n"
            "import hashlib, unicodedata\n"
            "nfd = unicodedata.normalize('NFD', 'data/café.txt')\n"
            "nfc = unicodedata.normalize('NFC', 'data/café.txt')\n"
            "assert nfd != nfc\n"
            "open(nfd, 'wb').write(b'x')\n"
            "for alg in ('sha256', 'md5'):\n"
            "    h = hashlib.new(alg, b'x').hexdigest()\n"
            "    open('manifest-%s.txt' % alg, 'a').write(h + '  ' + nfc + '\\n')\n"
            "EOF\n"
            "sed -i 's/Payload-Oxum: .*/Payload-Oxum: 35.4/' bag-info.txt && "
            "sha256sum bagit.txt bag-info.txt manifest-sha256.txt "
            "manifest-md5.txt > tagmanifest-sha256.txt");
    struct wy_err err = WY_ERR_INIT;
    struct bag *b = NULL;
    if (bag_open(&b, bag, NULL, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(bag_nfiles(b), 4);
    const struct bag_file *f = bag_file(b, 1);
    assert_string_equal(f->path, "data/caf\xc3\xa9.txt");
    assert_non_null(strstr(f->fs_path, "data/cafe\xcc\x81.txt"));
    bag_free(b);
    free(bag);
    wy_test_rmdir(dir);
}

static wy_code count_tag(void *ctx, const char *label, const char *value,
                         size_t line, struct wy_err *err)
{
    (void)err;
    wy_buf_addf(ctx, "%zu[%s=%s]", line, label, value);
    return WY_OK;
}

static wy_code count_line(void *ctx, const char *digest, const char *path,
                          size_t line, struct wy_err *err)
{
    (void)err;
    wy_buf_addf(ctx, "%zu[%s %s]", line, digest, path);
    return WY_OK;
}

static void parsers(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf out = WY_BUF_INIT(4096);
    const char *tags = "A: 1\r\nB:two\r  more\n\tlines\n\nC :  x  \n";
    assert_int_equal(bag_parse_tags("t", tags, strlen(tags), count_tag, &out,
                                    &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out),
                        "1[A=1]2[B=two more lines]6[C=x  ]");
    assert_int_equal(bag_parse_tags("t", "A: 1\nnocolon\n", 13, count_tag,
                                    &out, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "t: line 2: no ':' in tag");
    wy_err_release(&err);
    wy_buf_reset(&out);
    const char *m = "AB  data/a%0Ab%25c%7E\r\n\r\nCD\tdata/x y\n";
    assert_int_equal(bag_parse_manifest("m", m, strlen(m), -1, count_line,
                                        &out, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out),
                        "1[ab data/a\nb%c%7E]3[cd data/x y]");
    assert_int_equal(bag_parse_manifest("m", "abc data/x\n", 11, BAG_MD5,
                                        count_line, &out, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "m: line 1: checksum has 3 characters, "
                                 "expected 32");
    wy_err_release(&err);
    assert_int_equal(bag_parse_manifest("m", "\nzz data/x\n", 11, -1,
                                        count_line, &out, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "m: line 2: checksum is not hexadecimal");
    wy_err_release(&err);
    assert_int_equal(bag_parse_manifest("m", "ab\n", 3, -1, count_line, &out,
                                        &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "line 1: not 'CHECKSUM PATH'");
    wy_err_release(&err);
    assert_int_equal(bag_alg_from_name("SHA512", 6), BAG_SHA512);
    assert_int_equal(bag_alg_from_name("sha224", 6), -1);
    wy_buf_release(&out);
}

static void allocation_failures(void **state)
{
    (void)state;
    const char *tags = "A: 1\r\nB:two\r  more\n\tlines\n";
    const char *m = "AB  data/a%0Ab%25c%7E\r\nCD\tdata/x y\n";
    for (long k = 0;; k++) {
        struct wy_err err = WY_ERR_INIT;
        struct wy_buf out = WY_BUF_INIT(4096);
        wy_alloc_fail_after(k);
        wy_code rc = bag_parse_tags("t", tags, strlen(tags), count_tag, &out,
                                    &err);
        if (rc == WY_OK)
            rc = bag_parse_manifest("m", m, strlen(m), -1, count_line, &out,
                                    &err);
        if (rc == WY_OK)
            rc = wy_buf_status(&out, &err);
        wy_alloc_fail_after(-1);
        wy_buf_release(&out);
        if (rc == WY_OK)
            break;
        if (rc != WY_ENOMEM)
            fail_msg("k=%ld: %s", k, wy_err_msg(&err));
        wy_err_release(&err);
        assert_true(k < 10000);
    }
}

WY_GROUP(bagit, NULL, NULL,
         cmocka_unit_test(allocation_failures),
         cmocka_unit_test(valid_bag_verifies),
         cmocka_unit_test(flipped_byte_is_fixity),
         cmocka_unit_test(missing_and_extra_files),
         cmocka_unit_test(path_escape_refused),
         cmocka_unit_test(duplicate_listing_refused),
         cmocka_unit_test(oxum_checked),
         cmocka_unit_test(tag_manifest_checked),
         cmocka_unit_test(links_and_fetch_refused),
         cmocka_unit_test(utf16_and_latin1_tag_files),
         cmocka_unit_test(unicode_normalization),
         cmocka_unit_test(parsers))
