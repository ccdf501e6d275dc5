/* tests/test_cjk.c: the Chinese normalization shared by indexing and
   queries. Expected forms come from the standards: the simplified forms of
   the General Standard Chinese Characters table (通用规范汉字表), Unicode's
   NFKC and code charts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "core/buf.h"
#include "indexer/cjk.h"

static struct cjk *cc;

static int setup(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    if (cjk_new(&cc, &err) != WY_OK) {
        print_error("%s\n", wy_err_msg(&err));
        wy_err_release(&err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cjk_free(cc);
    return 0;
}

static void check(const char *in, const char *want)
{
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    struct wy_err err = WY_ERR_INIT;
    wy_code rc = cjk_normalize(cc, in, strlen(in), &b, &err);
    char got[256];
    snprintf(got, sizeof(got), "%s", wy_buf_cstr(&b));
    wy_buf_release(&b);
    wy_err_release(&err);
    assert_int_equal(rc, WY_OK);
    if (strcmp(got, want))
        fail_msg("'%s' -> '%s', want '%s'", in, got, want);
}

static void traditional_to_simplified(void **state)
{
    (void)state;
    check("四庫全書", "四库全书");
    check("紅樓夢", "红楼梦");
    check("四库全书", "四库全书"); /* already simplified: unchanged */
    check("曹雪芹 Cao Xueqin", "曹雪芹 Cao Xueqin");
}

static void old_variants_fold(void **state)
{
    (void)state;
    /* the forms OpenCC's t2s leaves alone, folded by variants.tsv */
    check("淸", "清");
    check("靑", "青");
    check("畧", "略");
    check("淸代刻本", "清代刻本");
}

static void nfkc_folds_width_and_compat(void **state)
{
    (void)state;
    check("ＡＢＣ１２３", "ABC123"); /* full-width Latin, digits */
    /* U+F900 compatibility ideograph -> U+8C48 豈 (NFKC) -> 岂 (t2s) */
    check("\xef\xa4\x80", "岂");
    check("title：红楼梦", "title:红楼梦"); /* full-width colon */
}

static void rare_characters_become_tokens(void **state)
{
    (void)state;
    check("\xf0\xa0\x80\x80", " u20000 ");         /* U+20000, Ext B */
    check("甲\xf0\xb0\x80\x80乙", "甲 u30000 乙"); /* U+30000, Ext G */
    check("\xf0\xab\x9d\x80", " u2b740 ");         /* U+2B740, Ext D */
    struct wy_buf b = WY_BUF_INIT(1024);
    const char *tok = "甲 u30000 乙 <b>u20000</b>";
    cjk_restore_rare(tok, strlen(tok), &b);
    assert_string_equal(wy_buf_cstr(&b),
                        "甲\xf0\xb0\x80\x80乙 <b>\xf0\xa0\x80\x80</b>");
    wy_buf_release(&b);
    assert_true(cjk_is_rare(0x2CEB0));
    assert_false(cjk_is_rare(0x4E00));
    assert_true(cjk_is_han(0x4E00));
}

static void bad_bytes_become_spaces(void **state)
{
    (void)state;
    check("a\x01"
          "b",
          "a b");
    check("\xff\xfe红", "  红"); /* invalid UTF-8 */
    check("紅\xe6\xa8", "红 ");  /* truncated sequence */
    char with_nul[] = {'a', 0, 'b'};
    struct wy_buf b = WY_BUF_INIT(64);
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(cjk_normalize(cc, with_nul, 3, &b, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&b), "a b");
    wy_buf_release(&b);
}

static void over_the_limit_is_named(void **state)
{
    (void)state;
    struct wy_buf b = WY_BUF_INIT(8);
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(cjk_normalize(cc, "紅樓夢紅樓夢", 18, &b, &err),
                     WY_ETOOBIG);
    assert_non_null(strstr(wy_err_msg(&err), "8 bytes"));
    wy_err_release(&err);
    wy_buf_release(&b);
    assert_int_equal(
        cjk_normalize(cc, "x", (size_t)CJK_MAX_INPUT + 1, &b, &err),
        WY_ETOOBIG);
    assert_err(&err, WY_ETOOBIG, "over the limit");
    wy_err_release(&err);
}

static void variant_table_is_sorted_and_versioned(void **state)
{
    (void)state;
    assert_true(cjk_nvariants > 100);
    for (size_t i = 1; i < cjk_nvariants; i++)
        assert_true(cjk_variants[i - 1].from < cjk_variants[i].from);
    assert_non_null(strstr(cjk_version(), "unihan-"));
    /* the committed table is what the C table was generated from */
    char *tsv = wy_test_slurp(wy_srcpath("indexer/variants.tsv"), NULL);
    char want[128];
    snprintf(want, sizeof(want), "# version: %s\n", cjk_version());
    assert_non_null(strstr(tsv, want));
    assert_non_null(strstr(tsv, "淸\t清\t"));
    free(tsv);
}

WY_GROUP(cjk, setup, teardown, cmocka_unit_test(traditional_to_simplified),
         cmocka_unit_test(old_variants_fold),
         cmocka_unit_test(nfkc_folds_width_and_compat),
         cmocka_unit_test(rare_characters_become_tokens),
         cmocka_unit_test(bad_bytes_become_spaces),
         cmocka_unit_test(over_the_limit_is_named),
         cmocka_unit_test(variant_table_is_sorted_and_versioned))
