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

WY_GROUP(dates, NULL, NULL,
         cmocka_unit_test(western_years),
         cmocka_unit_test(ming_eras),
         cmocka_unit_test(qing_eras),
         cmocka_unit_test(republic_and_dynasties))
