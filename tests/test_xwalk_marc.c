/* tests/test_xwalk_marc.c: the MARC 21 <-> UNIMARC crosswalk on real
   records. Expected values are read off the source records (their
   yaz-marcdump listings are quoted next to each check) and placed where the
   LoC UNIMARC-to-MARC 21 specification / UNIMARC manual put them; none is
   taken from our own output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "xw_marc.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/xml.h"
#include "formats/format.h"
#include "formats/xwalk_marc.h"

#define CNMARC_ISO "records/derived/dp2-bnu-cnmarc-10.iso"

/* The n-th (from 0) field tag of r, or fail. */
static const struct wy_field *field(const struct wy_record *r, const char *tag,
                                    size_t nth)
{
    const struct wy_field *f = NULL;
    for (size_t i = 0; i <= nth; i++) {
        f = wy_record_field(r, tag, f);
        if (!f)
            fail_msg("no field %s #%zu", tag, nth + 1);
    }
    return f;
}

/* The value of subfield `code` of f, or fail. */
static const char *sub(const struct wy_field *f, char code)
{
    const char *s = wy_field_sub(f, code);
    if (!s)
        fail_msg("field %s has no $%c", f->tag, code);
    return s;
}

/* s starts with prefix (ISBD punctuation may follow). */
static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)))
        fail_msg("'%s' does not start with '%s'", s, prefix);
}

static int count(const struct wy_record *r, const char *tag)
{
    int n = 0;
    for (const struct wy_field *f = NULL; (f = wy_record_field(r, tag, f));)
        n++;
    return n;
}

static struct wy_record *convert(const struct wy_record *in, int to21,
                                 struct xwalk_marc_report *rep)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *out = wy_record_new();
    assert_non_null(out);
    wy_code rc = to21 ? xwalk_unimarc_to_marc21(in, out, rep, &err)
                      : xwalk_marc21_to_unimarc(in, out, rep, &err);
    if (rc != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    return out;
}

static int has_warning(const struct xwalk_marc_report *rep, const char *s)
{
    for (size_t i = 0; i < rep->nwarn; i++)
        if (strstr(rep->warn[i], s))
            return 1;
    return 0;
}

/*
 * CNMARC record 1 of the BNU file (yaz-marcdump):
 *   01642nam0-2200445---4500
 *   001 990002180740203961
 *   010    $a 7-5037-1744-0 $d CNY68.00
 *   100    $a 20020204d1994    em y0chiy0120    ea
 *   101 0  $a chi      102 $a CN $b 110000
 *   200 1  $a '94中国发展报告 $A '94Zhong Guo Fa Zhan Bao Gao $f 国家统计局编
 *          $F Guo Jia Tong Ji Ju Bian
 *   210    $a 北京 $c 中国统计出版社 $d 1994
 *   215    $a 320页 $c 图 $d 27cm
 *   300 $a 本书由叶震与李强等主编。  320 $a 有书目。  500 10 $a 中国发展报告
 *   606    $a 经济发展 $x 概况 $y 中国 $z 1994
 *   690    $a F124 $v 3
 *   701  0 $a 叶震 $A Xie Zhen $4 主编   (and 李强)
 *   711 02 $a 国家统计局 $A Guo Jia Tong Ji Ju $4 编
 *   801  0 $a CN $b BNU $c 19950626   801  2 $a CN $b BSD $c 19951009
 *   905 906 906 906 909 935 988 995 998 999 AVA AVA (local)
 */
static void cnmarc_to_marc21(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in = xw_read_all("unimarc", wy_fixture(CNMARC_ISO), &n);
    assert_int_equal(n, 10);
    struct xwalk_marc_report rep = XWALK_MARC_REPORT_INIT;
    struct wy_record *m = convert(in[0], 1, &rep);
    assert_int_equal(m->kind, WY_MARC21);

    /* leader: type a, level m, UTF-8 (09 'a'), ISBD (18 'i'), 4500 */
    assert_int_equal(m->leader[6], 'a');
    assert_int_equal(m->leader[7], 'm');
    assert_int_equal(m->leader[9], 'a');
    assert_int_equal(m->leader[18], 'i');
    assert_memory_equal(m->leader + 20, "4500", 4);

    assert_memory_equal(field(m, "001", 0)->data, "990002180740203961", 18);
    assert_memory_equal(field(m, "005", 0)->data, "20180625022747.0", 16);

    /* 100 $a -> 008: entered 020204, type d -> s, 1994, CN -> cc, chi */
    const struct wy_field *f8 = field(m, "008", 0);
    assert_int_equal(f8->len, 40);
    assert_memory_equal(f8->data, "020204s1994    cc ", 18);
    assert_memory_equal(f8->data + 35, "chi", 3);

    /* 010 -> 020: ISBN without hyphens, price in $c */
    assert_string_equal(sub(field(m, "020", 0), 'a'), "7503717440");
    assert_string_equal(sub(field(m, "020", 0), 'c'), "CNY68.00");

    /* 200 -> 245: no 1XX, so ind1 0; $f -> $c after " /" */
    const struct wy_field *t = field(m, "245", 0);
    assert_int_equal(t->ind1, '0');
    assert_string_equal(sub(t, 'a'), "'94中国发展报告 /");
    assert_string_equal(sub(t, 'c'), "国家统计局编");
    /* the pinyin $A $F in an 880 linked by $6 */
    assert_string_equal(sub(t, '6'), "880-01");
    const struct wy_field *p = field(m, "880", 0);
    assert_string_equal(sub(p, '6'), "245-01/(B");
    assert_string_equal(sub(p, 'a'), "'94Zhong Guo Fa Zhan Bao Gao /");
    assert_string_equal(sub(p, 'c'), "Guo Jia Tong Ji Ju Bian");

    /* 210 -> 260, 215 -> 300 with ISBD punctuation */
    const struct wy_field *pub = field(m, "260", 0);
    assert_string_equal(sub(pub, 'a'), "北京 :");
    assert_string_equal(sub(pub, 'b'), "中国统计出版社,");
    assert_string_equal(sub(pub, 'c'), "1994");
    const struct wy_field *ext = field(m, "300", 0);
    assert_string_equal(sub(ext, 'a'), "320页 :");
    assert_string_equal(sub(ext, 'b'), "图 ;");
    assert_string_equal(sub(ext, 'c'), "27cm");

    /* 101 -> 041, 102 -> 044 ($c ISO code, $b subdivision) */
    assert_string_equal(sub(field(m, "041", 0), 'a'), "chi");
    assert_string_equal(sub(field(m, "044", 0), 'c'), "CN");
    assert_string_equal(sub(field(m, "044", 0), 'b'), "110000");

    /* notes: 300 -> 500, 320 -> 504; 500 uniform title -> 130 (no 1XX) */
    assert_string_equal(sub(field(m, "500", 0), 'a'),
                        "本书由叶震与李强等主编。");
    assert_string_equal(sub(field(m, "504", 0), 'a'), "有书目。");
    assert_string_equal(sub(field(m, "130", 0), 'a'), "中国发展报告");

    /* 606 -> 650: $y (place) is MARC $z, $z (period) is MARC $y; no $2, so
       ind2 4 (source not specified) */
    const struct wy_field *s = field(m, "650", 0);
    assert_int_equal(s->ind2, '4');
    assert_string_equal(sub(s, 'a'), "经济发展");
    assert_string_equal(sub(s, 'x'), "概况");
    assert_string_equal(sub(s, 'z'), "中国");
    assert_string_equal(sub(s, 'y'), "1994");

    /* 690 中图法 -> 084 $2 clc */
    assert_string_equal(sub(field(m, "084", 0), 'a'), "F124");
    assert_string_equal(sub(field(m, "084", 0), '2'), "clc");

    /* 701 (no 700) -> 700, the Chinese relator term in $e; 711 -> 710 */
    assert_int_equal(count(m, "100"), 0);
    const struct wy_field *a = field(m, "700", 0);
    assert_int_equal(a->ind1, '0');
    assert_string_equal(sub(a, 'a'), "叶震,");
    assert_string_equal(sub(a, 'e'), "主编");
    assert_string_equal(sub(field(m, "700", 1), 'a'), "李强,");
    assert_int_equal(field(m, "710", 0)->ind1, '2');
    assert_prefix(sub(field(m, "710", 0), 'a'), "国家统计局");
    assert_int_equal(count(m, "880"), 4); /* 245, two 700, 710 */

    /* 801 -> 040: $a original (ind2 0), $d modifying (ind2 2); $b from
       100 $a/22-24 */
    const struct wy_field *c = field(m, "040", 0);
    assert_string_equal(sub(c, 'a'), "BNU");
    assert_string_equal(sub(c, 'b'), "chi");
    assert_string_equal(sub(c, 'd'), "BSD");

    /* nothing lost silently: no field without equivalent here; 13 local
       fields (090 905 906x3 909 935 988 995 998 999 AVAx2) kept as they
       are; 801 $a $c (twice) and 690 $v dropped, each such field kept whole
       in 887 */
    assert_int_equal(rep.unmapped, 0);
    assert_int_equal(rep.local, 13);
    assert_int_equal(rep.dropped, 5);
    assert_int_equal(count(m, "887"), 3);
    assert_int_equal(count(m, "AVA"), 2);
    assert_int_equal(count(m, "906"), 3);
    assert_true(has_warning(&rep, "690 $v '3'"));
    assert_true(xwalk_marc_lossy(&rep));
    xwalk_marc_report_release(&rep);
    wy_record_free(m);

    /* record 4: 135 (coded data, electronic resources) has no MARC 21
       field: kept whole in 887 and reported */
    m = convert(in[3], 1, &rep);
    assert_int_equal(rep.unmapped, 1);
    assert_true(has_warning(&rep, "135: no MARC 21 field; kept in 887"));
    int found = 0;
    for (const struct wy_field *k = NULL; (k = wy_record_field(m, "887", k));)
        found |= !strncmp(sub(k, 'a'), "135 ", 4) &&
                 strstr(sub(k, 'a'), "drbn#---auaua") &&
                 !strcmp(sub(k, '2'), "unimarc");
    assert_true(found);
    /* 306 -> 500, 325 -> 533, 337 -> 538; 200 $b -> $h in brackets */
    assert_string_equal(sub(field(m, "533", 0), 'a'), "电子复制品");
    assert_prefix(sub(field(m, "538", 0), 'a'), "WWW访问");
    assert_string_equal(sub(field(m, "245", 0), 'h'), "[电子资源] /");
    xwalk_marc_report_release(&rep);
    wy_record_free(m);

    /* record 10: 225 2  $a 中国发展报告书 $A zhong guo fa zhan bao gao shu,
       410  0 $1 2001 $a 中国发展报告书, 690 $a D668 and 690 $a F124 */
    m = convert(in[9], 1, NULL);
    const struct wy_field *ser = field(m, "490", 0);
    assert_int_equal(ser->ind1, '1'); /* traced: 410 is there */
    assert_string_equal(sub(ser, 'a'), "中国发展报告书");
    const char *six = sub(ser, '6');
    assert_memory_equal(six, "880-", 4);
    int paired = 0;
    for (const struct wy_field *k = NULL; (k = wy_record_field(m, "880", k));)
        if (!strncmp(sub(k, '6'), "490-", 4)) {
            assert_memory_equal(sub(k, '6') + 4, six + 4, 2);
            assert_string_equal(sub(k, 'a'), "zhong guo fa zhan bao gao shu");
            paired = 1;
        }
    assert_true(paired);
    assert_string_equal(sub(field(m, "830", 0), 'a'), "中国发展报告书");
    assert_string_equal(sub(field(m, "084", 0), 'a'), "D668");
    assert_string_equal(sub(field(m, "084", 1), 'a'), "F124");
    wy_record_free(m);
    xw_free_records(in, n);
}

/*
 * pymarc testunimarc.dat (ICCU, Italian SBN), yaz-marcdump:
 *   200 1  $a <NSB>L'<NSE>altra faccia della spirale $f Isaac Asimov
 *          $g traduzione di Cesare Scaglia $g introduzione di ...
 *   410  0 $1 001IT\ICCU\CFI\0012751 $1 2001  $a Bestsellers $v 641
 *   454  0 $1 001IT\ICCU\RAV\0005061 $1 2001  $a Second foundation. ...
 *   700  1 $a Asimov $b , Isaac $3 IT\ICCU\CFIV\007327 $4 070
 *   702  1 $a Fruttero $b , Carlo $3 IT\ICCU\CFIV\007373
 *   801  3 $a IT $b ICCU $c 20140902      899 (x40), 790: local
 */
static void unimarc_iccu_record(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in = xw_read_all(
        "unimarc", wy_fixture("records/pymarc/testunimarc.dat"), &n);
    assert_int_equal(n, 1);
    struct xwalk_marc_report rep = XWALK_MARC_REPORT_INIT;
    struct wy_record *m = convert(in[0], 1, &rep);
    /* 700 -> 100; relator 070 (author) -> aut; $3 -> $0 */
    const struct wy_field *a = field(m, "100", 0);
    assert_int_equal(a->ind1, '1');
    assert_string_equal(sub(a, 'a'), "Asimov, Isaac");
    assert_string_equal(sub(a, '4'), "aut");
    assert_string_equal(sub(a, '0'), "IT\\ICCU\\CFIV\\007327");
    assert_string_equal(sub(field(m, "700", 0), 'a'), "Fruttero, Carlo");
    assert_int_equal(count(m, "700"), 3);
    /* a 1XX now: 245 ind1 1; NSB/NSE around "L'": 2 non-filing chars */
    const struct wy_field *t = field(m, "245", 0);
    assert_int_equal(t->ind1, '1');
    assert_int_equal(t->ind2, '2');
    assert_string_equal(sub(t, 'a'), "L'altra faccia della spirale /");
    assert_string_equal(sub(t, 'c'),
                        "Isaac Asimov ; traduzione di Cesare Scaglia ; "
                        "introduzione di Fruttero & Lucentini");
    /* 410 (embedded 001 and 200) -> 830 $w $a $v */
    const struct wy_field *s = field(m, "830", 0);
    assert_string_equal(sub(s, 'w'), "IT\\ICCU\\CFI\\0012751");
    assert_string_equal(sub(s, 'a'), "Bestsellers ;");
    assert_string_equal(sub(s, 'v'), "641");
    /* 801 _3 (issuing agency) -> 040 $a and $c */
    assert_string_equal(sub(field(m, "040", 0), 'a'), "ICCU");
    assert_string_equal(sub(field(m, "040", 0), 'c'), "ICCU");
    /* 454 (translation of) has no field here: 887; 790 and 40 899 kept */
    assert_int_equal(rep.unmapped, 1);
    assert_int_equal(rep.local, 41);
    assert_true(has_warning(&rep, "454: no MARC 21 field; kept in 887"));
    assert_true(
        has_warning(&rep, "local fields kept as they are: 790, 899 (40)"));
    xwalk_marc_report_release(&rep);
    wy_record_free(m);

    xw_free_records(in, n);
}

/*
 * xbib periouni.mrc record 2 (FNSP serials), yaz-marcdump:
 *   00976nas  2200313 i 450
 *   011 1  $a 0955-2359
 *   100    $a 19901203a19909999                 ba
 *   102    $a GB
 *   110    $a aha
 *   326    $a Trimestriel $b 1999-
 *   607    $a Grande-Bretagne $z 20e siècle $x Périodiques
 *   710 02 $a Institute of Contemporary British History $c (Londres)
 */
static void unimarc_serial(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in = xw_read_all(
        "unimarc", wy_fixture("records/xbib-marc/periouni.mrc"), &n);
    assert_true(n > 2);
    struct wy_record *m = convert(in[1], 1, NULL);
    assert_memory_equal(m->leader + 6, "as", 2);
    /* 100: a (continuing) -> c, 1990-9999; GB -> xxk; 110: a periodical ->
       008/21 p, h quarterly -> 008/18 q, a regular -> 008/19 r */
    const struct wy_field *f8 = field(m, "008", 0);
    assert_memory_equal(f8->data, "901203c19909999xxkqr p", 22);
    assert_string_equal(sub(field(m, "022", 0), 'a'), "09552359");
    assert_string_equal(sub(field(m, "310", 0), 'a'), "Trimestriel");
    assert_string_equal(sub(field(m, "310", 0), 'b'), "1999-");
    const struct wy_field *g = field(m, "651", 0);
    assert_string_equal(sub(g, 'a'), "Grande-Bretagne");
    assert_string_equal(sub(g, 'y'), "20e siècle");
    assert_string_equal(sub(g, 'x'), "Périodiques");
    const struct wy_field *c = field(m, "110", 0);
    assert_int_equal(c->ind1, '2');
    assert_string_equal(sub(c, 'g'), "(Londres)");
    /* 856 4  $u http://www3.oup.co.uk/tweceb/ */
    assert_int_equal(field(m, "856", 0)->ind1, '4');
    assert_string_equal(sub(field(m, "856", 0), 'u'),
                        "http://www3.oup.co.uk/tweceb/");
    /* and back: 008 -> 110 $a "aha" (+ conference 0) */
    struct wy_record *u = convert(m, 0, NULL);
    assert_memory_equal(sub(field(u, "110", 0), 'a'), "aha", 3);
    wy_record_free(u);
    wy_record_free(m);
    /* record 0000580240: 330 $a Le Cédérom rassemble les articles ... ->
       520 */
    const struct wy_record *r = NULL;
    for (size_t i = 0; i < n && !r; i++)
        if (in[i]->desc.id && !strcmp(in[i]->desc.id, "0000580240"))
            r = in[i];
    assert_non_null(r);
    m = convert(r, 1, NULL);
    assert_prefix(sub(field(m, "520", 0), 'a'),
                  "Le Cédérom rassemble les articles parus dans "
                  "Alternatives économiques");
    wy_record_free(m);
    xw_free_records(in, n);
}

/*
 * pymarc test.dat record 1 (yaz-marcdump):
 *   00755cam  22002414a 4500
 *   001 fol05731351    003 IMchF
 *   008 000107s2000    nyua          001 0 eng
 *   010    $a    00020737
 *   020    $a 0471383147 (paper/cd-rom : alk. paper)
 *   040    $a DLC $c DLC $d DLC      042 $a pcc
 *   050 00 $a QA76.73.P22 $b M33 2000    082 00 $a 005.13/3 $2 21
 *   100 1  $a Martinsson, Tobias, $d 1976-
 *   245 10 $a ActivePerl with ASP and ADO / $c Tobias Martinsson.
 *   260    $a New York : $b John Wiley & Sons, $c 2000.
 *   300    $a xxi, 289 p. : $b ill. ; $c 23 cm. +
 *          $e 1 computer  laser disc (4 3/4 in.)
 *   500    $a "Wiley Computer Publishing."
 *   650  0 $a Perl (Computer program language)
 *   630 00 $a Active server pages.   630 00 $a ActiveX.
 */
static void marc21_to_unimarc(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in =
        xw_read_all("marc21", wy_fixture("records/pymarc/test.dat"), &n);
    assert_true(n >= 1);
    struct xwalk_marc_report rep = XWALK_MARC_REPORT_INIT;
    struct wy_record *u = convert(in[0], 0, &rep);
    assert_int_equal(u->kind, WY_UNIMARC);
    assert_memory_equal(u->leader + 5, "cam", 3); /* corrected, text, mono */
    assert_memory_equal(u->leader + 20, "450 ", 4);

    /* 008 -> 100 $a: 2000-01-07, s -> d, 2000, eng, "50" UTF-8 */
    const char *c = sub(field(u, "100", 0), 'a');
    assert_int_equal(strlen(c), 36);
    assert_memory_equal(c, "20000107d2000    ", 17);
    assert_memory_equal(c + 22, "eng", 3);
    assert_memory_equal(c + 26, "50", 2);
    assert_string_equal(sub(field(u, "101", 0), 'a'), "eng");
    /* 008/15-17 "nyu" (New York): a US state code */
    assert_string_equal(sub(field(u, "102", 0), 'a'), "US");

    /* 001, 003 + 001 -> 035 */
    assert_memory_equal(field(u, "001", 0)->data, "fol05731351 ", 12);
    assert_string_equal(sub(field(u, "035", 0), 'a'), "(IMchF)fol05731351 ");

    /* 020 -> 010 with the qualifier in $b; 010 LCCN -> 020 US */
    assert_string_equal(sub(field(u, "010", 0), 'a'), "0471383147");
    assert_string_equal(sub(field(u, "010", 0), 'b'),
                        "paper/cd-rom : alk. paper");
    assert_string_equal(sub(field(u, "020", 0), 'a'), "US");
    assert_string_equal(sub(field(u, "020", 0), 'b'), "00020737");

    /* 245 -> 200 without ISBD punctuation */
    const struct wy_field *t = field(u, "200", 0);
    assert_int_equal(t->ind1, '1');
    assert_string_equal(sub(t, 'a'), "ActivePerl with ASP and ADO");
    assert_string_equal(sub(t, 'f'), "Tobias Martinsson");

    /* 260 -> 210, 300 -> 215, 500 -> 300 */
    const struct wy_field *p = field(u, "210", 0);
    assert_string_equal(sub(p, 'a'), "New York");
    assert_string_equal(sub(p, 'c'), "John Wiley & Sons");
    assert_string_equal(sub(p, 'd'), "2000");
    const struct wy_field *x = field(u, "215", 0);
    assert_string_equal(sub(x, 'a'), "xxi, 289 p.");
    assert_string_equal(sub(x, 'c'), "ill.");
    assert_string_equal(sub(x, 'd'), "23 cm.");
    assert_string_equal(sub(x, 'e'), "1 computer  laser disc (4 3/4 in.)");
    assert_string_equal(sub(field(u, "300", 0), 'a'),
                        "\"Wiley Computer Publishing.\"");

    /* 100 -> 700 ("Surname, Forename" split), dates in $f */
    const struct wy_field *a = field(u, "700", 0);
    assert_int_equal(a->ind2, '1');
    assert_string_equal(sub(a, 'a'), "Martinsson");
    assert_string_equal(sub(a, 'b'), "Tobias");
    assert_string_equal(sub(a, 'f'), "1976-");

    /* subjects: 650 _0 -> 606 $2 lcsh, 630 -> 605 */
    assert_string_equal(sub(field(u, "606", 0), 'a'),
                        "Perl (Computer program language)");
    assert_string_equal(sub(field(u, "606", 0), '2'), "lcsh");
    assert_string_equal(sub(field(u, "605", 0), 'a'), "Active server pages");
    assert_string_equal(sub(field(u, "605", 1), 'a'), "ActiveX");

    /* classification: 082 -> 676 (edition in $v), 050 -> 680 */
    assert_string_equal(sub(field(u, "676", 0), 'a'), "005.13/3");
    assert_string_equal(sub(field(u, "676", 0), 'v'), "21");
    assert_string_equal(sub(field(u, "680", 0), 'a'), "QA76.73.P22");
    assert_string_equal(sub(field(u, "680", 0), 'b'), "M33 2000");

    /* 040 -> 801: $a DLC original, $c DLC (the same agency: no second
       801), $d DLC modifying */
    assert_int_equal(count(u, "801"), 2);
    assert_int_equal(field(u, "801", 0)->ind2, '0');
    assert_string_equal(sub(field(u, "801", 0), 'b'), "DLC");
    assert_string_equal(sub(field(u, "801", 0), 'c'), "20000107");
    assert_int_equal(field(u, "801", 1)->ind2, '2');

    /* 042 (authentication code) has no UNIMARC field: 886, reported */
    assert_int_equal(rep.unmapped, 1);
    assert_int_equal(rep.local, 0);
    assert_int_equal(rep.dropped, 0);
    const struct wy_field *k = field(u, "886", 0);
    assert_int_equal(k->ind1, '2');
    assert_string_equal(sub(k, 'a'), "042");
    assert_string_equal(sub(k, 'b'), "  \xe2\x80\xa1"
                                     "apcc");
    assert_string_equal(sub(k, '2'), "marc21");
    assert_true(has_warning(&rep, "042: no UNIMARC field; kept in 886"));
    xwalk_marc_report_release(&rep);
    wy_record_free(u);

    /* record fol05848297: 250 $a 2nd ed., expanded & updated; 700 1 $a
       Gundavaram, Shishir. (no relator: 701) */
    const struct wy_record *r = NULL;
    for (size_t i = 0; i < n && !r; i++)
        if (!strcmp(in[i]->desc.id, "fol05848297 "))
            r = in[i];
    assert_non_null(r);
    u = convert(r, 0, NULL);
    assert_string_equal(sub(field(u, "205", 0), 'a'),
                        "2nd ed., expanded & updated");
    assert_string_equal(sub(field(u, "701", 0), 'a'), "Gundavaram");
    assert_string_equal(sub(field(u, "701", 0), 'b'), "Shishir");
    assert_string_equal(sub(field(u, "700", 0), 'a'), "Guelich");
    wy_record_free(u);
    xw_free_records(in, n);
}

/*
 * xbib IRMARC8.bin record 1 (MARC-8 with EACC, yaz-marcdump -f marc8):
 *   008 060314s2004    ja a     b    001 0 jpn d
 *   041 0  $a jpn $b eng
 *   245 00 $6 880-01 $a Ātsu ando kurafutsu to Nihon = $b The arts & crafts
 *          movement and Japan / $c Dezainshi Fōramu hen ; Fujita Haruhiko
 *          sekinin henshū.
 *   700 1  $6 880-03 $a Fujita, Haruhiko, $d 1951-
 *   880 00 $6 245-01/$1 $a アーツ・アンド・クラフツと日本 = ...
 *   880 1  $6 700-03/$1 $a 藤田治彦, $d 1951-
 * MARC 21 keeps the vernacular in 880; UNIMARC repeats the field in the
 * other script with $6 (a = alternative script + link number) and $7.
 */
static void marc21_880_to_unimarc(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in =
        xw_read_all("marc21", wy_fixture("records/xbib-marc/IRMARC8.bin"), &n);
    assert_int_equal(n, 10);
    struct wy_record *u = convert(in[0], 0, NULL);
    assert_int_equal(count(u, "200"), 2);
    const struct wy_field *r = field(u, "200", 0), *v = field(u, "200", 1);
    assert_string_equal(sub(r, '6'), "a01");
    assert_string_equal(sub(r, '7'), "ba");
    /* MARC-8 gives decomposed letters: A + U+0304 */
    assert_string_equal(sub(r, 'a'), "A\xcc\x84tsu ando kurafutsu to Nihon");
    /* after "=" in 245 $a, $b is the parallel title: 200 $d */
    assert_string_equal(sub(r, 'd'), "The arts & crafts movement and Japan");
    assert_string_equal(sub(r, 'f'), "Dezainshi Fo\xcc\x84ramu hen");
    assert_string_equal(sub(r, 'g'), "Fujita Haruhiko sekinin henshu\xcc\x84");
    assert_string_equal(sub(v, '6'), "a01");
    assert_string_equal(sub(v, '7'), "da"); /* Japanese (008/35-37 jpn) */
    assert_string_equal(sub(v, 'a'), "アーツ・アンド・クラフツと日本");
    const struct wy_field *p = field(u, "701", 1);
    assert_string_equal(sub(p, 'a'), "藤田治彦");
    assert_string_equal(sub(p, 'f'), "1951-");
    /* 041: $a jpn, $b (summary) -> 101 $d */
    assert_string_equal(sub(field(u, "101", 0), 'a'), "jpn");
    assert_string_equal(sub(field(u, "101", 0), 'd'), "eng");
    assert_int_equal(count(u, "880"), 0);
    /* and back: the repeat in another script becomes the 880 again, the
       script named by $6 ($1: CJK) */
    struct wy_record *m = convert(u, 1, NULL);
    const struct wy_field *t = field(m, "245", 0);
    assert_string_equal(sub(t, '6'), "880-01");
    const struct wy_field *v2 = field(m, "880", 0);
    assert_string_equal(sub(v2, '6'), "245-01/$1");
    assert_string_equal(sub(v2, 'a'), "アーツ・アンド・クラフツと日本 =");
    assert_int_equal(count(m, "880"), 4); /* 245, 260, 700, 710 */
    assert_int_equal(count(m, "245"), 1);
    /* 084 $2 njb -> 686 -> 084 again */
    assert_string_equal(sub(field(m, "084", 0), '2'), "njb");
    wy_record_free(m);
    wy_record_free(u);
    xw_free_records(in, n);
}

/* Whether a and b are equal but for ISBD punctuation at the end (MARC 21
   carries it, UNIMARC does not). */
static int same_text(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    while (na && strchr(" /:;=,.", a[na - 1]))
        na--;
    while (nb && strchr(" /:;=,.", b[nb - 1]))
        nb--;
    return na == nb && !memcmp(a, b, na);
}

/* The values of subfield `code` a round trip must keep, field by field. */
static void same_values(const struct wy_record *a, const struct wy_record *b,
                        const char *tag, char code)
{
    const struct wy_field *f = NULL, *g = NULL;
    for (;;) {
        f = wy_record_field(a, tag, f);
        g = wy_record_field(b, tag, g);
        if (!f || !g)
            break;
        const char *x = wy_field_sub(f, code), *y = wy_field_sub(g, code);
        if ((x == NULL) != (y == NULL) || (x && !same_text(x, y)))
            fail_msg("%s $%c: '%s' came back as '%s'", tag, code,
                     x ? x : "(none)", y ? y : "(none)");
    }
    if (f || g)
        fail_msg("%s: %d fields came back as %d", tag, count(a, tag),
                 count(b, tag));
}

/* CNMARC -> MARC 21 -> CNMARC keeps the core fields of all 10 records,
   pinyin included; 887 gives back what MARC 21 had no place for. */
static void cnmarc_round_trip(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in = xw_read_all("unimarc", wy_fixture(CNMARC_ISO), &n);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        struct wy_record *m = convert(in[i], 1, NULL);
        struct wy_record *u = convert(m, 0, NULL);
        static const struct {
            const char *tag;
            char code;
        } core[] = {
            {"200", 'a'}, {"200", 'A'}, {"200", 'f'}, {"200", 'e'},
            {"210", 'a'}, {"210", 'c'}, {"210", 'd'}, {"215", 'a'},
            {"215", 'd'}, {"606", 'a'}, {"606", 'x'}, {"606", 'y'},
            {"606", 'z'}, {"690", 'a'}, {"690", 'v'}, {"701", 'a'},
            {"701", 'A'}, {"701", '4'}, {"711", 'a'}, {"801", 'b'},
            {"801", 'c'}, {"101", 'a'}, {"102", 'a'}, {"010", 'd'},
            {"905", 'a'}, {"AVA", 'c'}, {"320", 'a'}, {"330", 'a'},
        };
        for (size_t k = 0; k < sizeof(core) / sizeof(core[0]); k++)
            same_values(in[i], u, core[k].tag, core[k].code);
        /* ISBN: the same digits (MARC 21 drops the hyphens) */
        const char *x = wy_record_subfield(in[i], "010", 'a'),
                   *y = wy_record_subfield(u, "010", 'a');
        assert_true((x == NULL) == (y == NULL));
        for (; x && *x; x++) {
            if (*x == '-')
                continue;
            assert_int_equal(*x, *y);
            y++;
        }
        assert_memory_equal(in[i]->leader + 5, u->leader + 5, 3);
        wy_record_free(m);
        wy_record_free(u);
    }
    xw_free_records(in, n);
}

/* MARC 21 -> UNIMARC -> MARC 21 keeps the core fields of pymarc's
   test.dat (LoC records). */
static void marc21_round_trip(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in =
        xw_read_all("marc21", wy_fixture("records/pymarc/test.dat"), &n);
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        struct wy_record *u = convert(in[i], 0, NULL);
        struct wy_record *m = convert(u, 1, NULL);
        static const struct {
            const char *tag;
            char code;
        } core[] = {
            {"245", 'a'}, {"245", 'b'}, {"245", 'c'}, {"260", 'a'},
            {"260", 'b'}, {"300", 'a'}, {"650", 'a'}, {"650", 'x'},
            {"630", 'a'}, {"082", 'a'}, {"050", 'a'}, {"700", 'a'},
            {"042", 'a'}, {"504", 'a'},
        };
        for (size_t k = 0; k < sizeof(core) / sizeof(core[0]); k++)
            same_values(in[i], m, core[k].tag, core[k].code);
        assert_string_equal(in[i]->desc.titles[0], m->desc.titles[0]);
        assert_string_equal(
            wy_desc_ident(in[i], "isbn") ? wy_desc_ident(in[i], "isbn") : "",
            wy_desc_ident(m, "isbn") ? wy_desc_ident(m, "isbn") : "");
        assert_memory_equal(in[i]->leader + 5, m->leader + 5, 3);
        wy_record_free(u);
        wy_record_free(m);
    }
    xw_free_records(in, n);
}

static void validate(const char *xml, size_t len)
{
    struct wy_err err = WY_ERR_INIT;
    xmlDocPtr doc;
    if (wy_xml_doc_mem(&doc, xml, len, "output", &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    if (wy_xml_validate(doc, wy_fixture("schemas/MARC21slim.xsd"), &err) !=
        WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    xmlFreeDoc(doc);
}

/* UNIMARC -> MARC 21 output written as MARCXML validates against
   MARC21slim.xsd (CNMARC, the Italian SBN record, French serials), and as
   ISO 2709 reads back with the same fields. */
static void marc21_output_validates(void **state)
{
    (void)state;
    static const char *const files[] = {
        CNMARC_ISO,
        "records/pymarc/testunimarc.dat",
        "records/xbib-marc/periouni.mrc",
    };
    for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
        size_t total;
        struct wy_record **in =
            xw_read_all("unimarc", wy_fixture(files[fi]), &total);
        assert_true(total >= 1);
        /* periouni.mrc: 3,064 serials; the first 200 */
        size_t n = total > 200 ? 200 : total;
        struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
        const struct fmt_handler *mx = fmt_find("marcxml");
        mx->write_begin(&xml);
        for (size_t i = 0; i < n; i++) {
            struct wy_err err = WY_ERR_INIT;
            struct wy_record *m = convert(in[i], 1, NULL);
            assert_int_equal(mx->write(m, &xml, &err), WY_OK);
            struct wy_buf iso = WY_BUF_INIT(WY_BUF_NOLIMIT);
            if (marc21_handler.write(m, &iso, &err) != WY_OK)
                fail_msg("%s record %zu: %s", files[fi], i + 1,
                         wy_err_msg(&err));
            struct fmt_reader *r;
            struct wy_record *back;
            assert_int_equal(fmt_reader_open_mem(&r, &marc21_handler, iso.p,
                                                 iso.len, "iso", &err),
                             WY_OK);
            assert_int_equal(fmt_reader_next(r, &back, &err), WY_OK);
            assert_int_equal(back->nfields, m->nfields);
            assert_int_equal(back->leader[9], 'a');
            fmt_reader_free(r);
            wy_buf_release(&iso);
            wy_record_free(m);
        }
        mx->write_end(&xml);
        validate(xml.p, xml.len);
        wy_buf_release(&xml);
        xw_free_records(in, total);
    }
}

/* Boston University's Alma export (catmandu bu_bibs.mrc), record
   99177308820001161: 024 3  $a 9780826216182 (an EAN) -> UNIMARC 073. */
static void marc21_standard_identifiers(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in = xw_read_all(
        "marc21", wy_fixture("records/catmandu-marc/bu_bibs.mrc"), &n);
    const struct wy_record *r = NULL;
    for (size_t i = 0; i < n && !r; i++)
        if (in[i]->desc.id && !strcmp(in[i]->desc.id, "99177308820001161"))
            r = in[i];
    assert_non_null(r);
    struct wy_record *u = convert(r, 0, NULL);
    assert_string_equal(sub(field(u, "073", 0), 'a'), "9780826216182");
    struct wy_record *m = convert(u, 1, NULL);
    assert_int_equal(field(m, "024", 0)->ind1, '3');
    assert_string_equal(sub(field(m, "024", 0), 'a'), "9780826216182");
    wy_record_free(m);
    wy_record_free(u);
    xw_free_records(in, n);
}

/* A record of the wrong family is refused, naming the record. */
static void wrong_family_refused(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in =
        xw_read_all("marc21", wy_fixture("records/pymarc/test.dat"), &n);
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *out = wy_record_new();
    assert_int_equal(xwalk_unimarc_to_marc21(in[0], out, NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "record 'fol05731351 ' is not UNIMARC");
    wy_err_release(&err);
    /* and the reverse */
    struct wy_record *u = convert(in[0], 0, NULL);
    wy_record_clear(out);
    assert_int_equal(xwalk_marc21_to_unimarc(u, out, NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "record 'fol05731351 ' is not MARC 21");
    wy_err_release(&err);
    wy_record_free(u);
    wy_record_free(out);
    xw_free_records(in, n);
}

/* Every allocation failing in turn: WY_ENOMEM, no leak, no crash. */
static void allocation_failures(void **state)
{
    (void)state;
    size_t n;
    struct wy_record **in = xw_read_all("unimarc", wy_fixture(CNMARC_ISO), &n);
    for (int dir = 0; dir < 2; dir++) {
        struct wy_record *src = dir ? convert(in[0], 1, NULL) : in[0];
        for (long k = 0;; k++) {
            struct wy_err err = WY_ERR_INIT;
            struct xwalk_marc_report rep = XWALK_MARC_REPORT_INIT;
            struct wy_record *out = wy_record_new();
            assert_non_null(out);
            wy_alloc_fail_after(k);
            wy_code rc = dir ? xwalk_marc21_to_unimarc(src, out, &rep, &err)
                             : xwalk_unimarc_to_marc21(src, out, &rep, &err);
            wy_alloc_fail_after(-1);
            xwalk_marc_report_release(&rep);
            wy_record_free(out);
            if (rc == WY_OK) {
                wy_err_release(&err);
                break;
            }
            assert_int_equal(rc, WY_ENOMEM);
            wy_err_release(&err);
            assert_true(k < 100000);
        }
        if (dir)
            wy_record_free(src);
    }
    xw_free_records(in, n);
}

/* `wenyuan convert --to marc21` on CNMARC and `--to unimarc` on MARC 21:
   the warnings name record and field, the last line says it is lossy. */
static void convert_command(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    struct wy_buf cmd = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&cmd, "%s convert --to marc21 %s %s/o.mrc 2>%s/err",
                wy_test_bin(), wy_fixture(CNMARC_ISO), dir, dir);
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), NULL), 0);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s/err", dir);
    char *err = wy_test_slurp(wy_buf_cstr(&cmd), NULL);
    assert_non_null(strstr(err, "record 4 (9910637057203961): 801 $a 'CN'"));
    assert_non_null(strstr(err, "135: no MARC 21 field; kept in 887"));
    assert_non_null(strstr(err, "10 records crosswalked to MARC 21; the "
                                "conversion is lossy for some records"));
    free(err);
    size_t n;
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s/o.mrc", dir);
    struct wy_record **m = xw_read_all("marc21", wy_buf_cstr(&cmd), &n);
    assert_int_equal(n, 10);
    assert_string_equal(sub(field(m[2], "245", 0), 'b'), "中国的“八五” /");
    assert_string_equal(sub(field(m[2], "245", 0), 'a'), "'96 中国发展报告 :");
    xw_free_records(m, n);

    /* YAZ, an independent reader, takes the MARC 21 without a complaint,
       and its MARCXML of it validates */
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd,
                "yaz-marcdump -i marc -o marcxml %s/o.mrc >%s/yaz.xml "
                "2>%s/yaz.err && test ! -s %s/yaz.err",
                dir, dir, dir, dir);
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), NULL), 0);
    size_t ylen;
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s/yaz.xml", dir);
    char *yxml = wy_test_slurp(wy_buf_cstr(&cmd), &ylen);
    assert_null(strstr(yxml, "<!--")); /* YAZ's warnings go in comments */
    validate(yxml, ylen);
    free(yxml);

    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s convert --to unimarc %s %s/u.mrc 2>%s/err",
                wy_test_bin(), wy_fixture("records/pymarc/test.dat"), dir, dir);
    assert_int_equal(wy_test_run(wy_buf_cstr(&cmd), NULL), 0);
    wy_buf_reset(&cmd);
    wy_buf_addf(&cmd, "%s/u.mrc", dir);
    m = xw_read_all("unimarc", wy_buf_cstr(&cmd), &n);
    assert_true(n >= 5);
    assert_string_equal(sub(field(m[0], "200", 0), 'a'),
                        "ActivePerl with ASP and ADO");
    assert_int_equal(m[0]->kind, WY_UNIMARC);
    xw_free_records(m, n);
    wy_buf_release(&cmd);
    wy_test_rmdir(dir);
}

WY_GROUP(xwalk_marc, NULL, NULL, cmocka_unit_test(cnmarc_to_marc21),
         cmocka_unit_test(unimarc_iccu_record),
         cmocka_unit_test(unimarc_serial), cmocka_unit_test(marc21_to_unimarc),
         cmocka_unit_test(marc21_880_to_unimarc),
         cmocka_unit_test(cnmarc_round_trip),
         cmocka_unit_test(marc21_round_trip),
         cmocka_unit_test(marc21_output_validates),
         cmocka_unit_test(marc21_standard_identifiers),
         cmocka_unit_test(wrong_family_refused),
         cmocka_unit_test(allocation_failures),
         cmocka_unit_test(convert_command))
