/* tests/test_dates.c: dates as written to year ranges. Expected years are
   from the standard reign-era tables (e.g. 乾隆元年 = 1736, 民國元年 = 1912),
   not from our own output. */
#include <string.h>

#include "harness.h"

#include "formats/dates.h"

static void check(const char *s, int from, int to)
{
    int f = 0, t = 0;
    if (!fmt_date_years(s, &f, &t))
        fail_msg("'%s' was not recognized", s);
    if (f != from || t != to)
        fail_msg("'%s': got %d-%d, expected %d-%d", s, f, t, from, to);
}

static void western_years(void **state)
{
    (void)state;
    check("1765", 1765, 1765);
    check("[1765]", 1765, 1765);
    check("c1998.", 1998, 1998);
    check("1765-1770", 1765, 1770);
    check("[18--]", 1800, 1899);
    check("176-?", 1760, 1769);
    check("19uu", 1900, 1999);
    int f = 1, t = 1;
    assert_false(fmt_date_years("12卷", &f, &t));
    assert_int_equal(f, 1);
    assert_false(fmt_date_years("", &f, &t));
    assert_false(fmt_date_years("20020204", &f, &t));   /* a number */
}

static void ming_eras(void **state)
{
    (void)state;
    check("明洪武元年", 1368, 1368);
    check("明萬曆間", 1573, 1620);
    check("明万历四十八年", 1620, 1620);
    check("明嘉靖三十七年刻本", 1558, 1558);
    check("明崇禎十七年", 1644, 1644);
    check("明永樂", 1403, 1424);
}

static void qing_eras(void **state)
{
    (void)state;
    check("清乾隆三十年", 1765, 1765);
    check("清康熙元年", 1662, 1662);
    check("清光緒三十四年", 1908, 1908);
    check("清道光廿三年", 1843, 1843);
    check("清乾隆乙酉", 1765, 1765);   /* sexagenary year within the era */
    check("清同治甲子", 1864, 1864);
    check("清宣統三年", 1911, 1911);
    check("清乾隆三十年(1765)", 1765, 1765);
}

static void republic_and_dynasties(void **state)
{
    (void)state;
    check("民國二十年", 1931, 1931);
    check("民国元年", 1912, 1912);
    check("民國三十八年", 1949, 1949);
    check("明刻本", 1368, 1644);
    check("清抄本", 1644, 1911);
    check("南宋", 1127, 1279);
    assert_string_equal(fmt_date_dynasty(1765), "清");
    assert_string_equal(fmt_date_dynasty(1931), "民国");
    assert_string_equal(fmt_date_dynasty(1600), "明");
    assert_null(fmt_date_dynasty(200));
}

/* Known conversions from the reign-era tables, written the ways catalogues
   write them: arabic numerals inside an era, sexagenary years, traditional
   characters, and n-byte input that is not NUL-terminated. */
static void more_known_conversions(void **state)
{
    (void)state;
    check("民国20年", 1931, 1931);
    check("清光绪32年", 1906, 1906);
    check("明萬曆二十年", 1592, 1592);
    check("明萬曆壬辰", 1592, 1592);
    check("清光緒庚子", 1900, 1900);
    check("清嘉慶丙辰", 1796, 1796);
    check("清康熙六十一年", 1722, 1722);
    check("清咸豐十一年", 1861, 1861);
    check("清宣統元年", 1909, 1909);
    check("明正德十六年", 1521, 1521);
    check("清順治間", 1644, 1661);
    int f = 0, t = 0;
    const char *s = "民國二十年刻本XXXX";
    assert_true(fmt_date_years_n(s, strlen("民國二十年"), &f, &t));
    assert_int_equal(f, 1931);
    assert_false(fmt_date_years_n(s, 0, &f, &t));
    static char big[FMT_DATE_MAX + 8];
    memset(big, ' ', sizeof(big));
    memcpy(big + sizeof(big) - 10, "1765", 4);
    assert_false(fmt_date_years_n(big, sizeof(big), &f, &t));
}

WY_GROUP(dates, NULL, NULL,
         cmocka_unit_test(more_known_conversions),
         cmocka_unit_test(western_years),
         cmocka_unit_test(ming_eras),
         cmocka_unit_test(qing_eras),
         cmocka_unit_test(republic_and_dynasties))
