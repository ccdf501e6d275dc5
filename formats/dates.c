/* formats/dates.c: years from dates as written. */
#include "formats/dates.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct era {
    const char *names;   /* '|'-separated spellings: simplified, traditional */
    int first, last;     /* Western years of 元年 and of the era's last year */
};

/* Ming (1368-1644), Later Jin/Qing (1616-1911), Republic (1912-1949). The
   first year of an era is the one after the predecessor's last, except
   where an era began mid-year (泰昌 1620, 崇德 1636). */
static const struct era eras[] = {
    {"洪武", 1368, 1398},           {"建文", 1399, 1402},
    {"永乐|永樂", 1403, 1424},      {"洪熙", 1425, 1425},
    {"宣德", 1426, 1435},           {"正统|正統", 1436, 1449},
    {"景泰", 1450, 1456},           {"天顺|天順", 1457, 1464},
    {"成化", 1465, 1487},           {"弘治", 1488, 1505},
    {"正德", 1506, 1521},           {"嘉靖", 1522, 1566},
    {"隆庆|隆慶", 1567, 1572},      {"万历|萬曆|萬歷", 1573, 1620},
    {"泰昌", 1620, 1620},           {"天启|天啓|天啟", 1621, 1627},
    {"崇祯|崇禎", 1628, 1644},      {"弘光", 1645, 1645},
    {"隆武", 1645, 1646},           {"永历|永曆", 1647, 1662},
    {"天命", 1616, 1626},           {"天聪|天聰", 1627, 1636},
    {"崇德", 1636, 1643},           {"顺治|順治", 1644, 1661},
    {"康熙", 1662, 1722},           {"雍正", 1723, 1735},
    {"乾隆", 1736, 1795},           {"嘉庆|嘉慶", 1796, 1820},
    {"道光", 1821, 1850},           {"咸丰|咸豐", 1851, 1861},
    {"同治", 1862, 1874},           {"光绪|光緒", 1875, 1908},
    {"宣统|宣統", 1909, 1911},      {"民国|民國", 1912, 1949},
};

struct dynasty {
    const char *names;
    int first, last;
};

/* Used only when nothing more precise is written. Longest spellings first
   so that 南宋 is not read as 宋. */
static const struct dynasty dynasties[] = {
    {"民国|民國", 1912, 1949}, {"北宋", 960, 1127},  {"南宋", 1127, 1279},
    {"清", 1644, 1911},        {"明", 1368, 1644},   {"元", 1271, 1368},
    {"宋", 960, 1279},         {"唐", 618, 907},     {"汉|漢", -206, 220},
};

static const char *const stems = "甲乙丙丁戊己庚辛壬癸";
static const char *const branches = "子丑寅卯辰巳午未申酉戌亥";

/* Index (0-based) of the 3-byte UTF-8 character at p within set, or -1. */
static int char_index(const char *set, const char *p)
{
    for (int i = 0; set[i * 3]; i++)
        if (!strncmp(p, set + i * 3, 3))
            return i;
    return -1;
}

/* The value of one Chinese numeral character at p, or -1. */
static int digit_at(const char *p)
{
    static const char *const d[] = {"〇", "一", "二", "三", "四",
                                    "五", "六", "七", "八", "九"};
    for (int i = 0; i < 10; i++)
        if (!strncmp(p, d[i], 3))
            return i;
    if (!strncmp(p, "零", 3))
        return 0;
    return -1;
}

/* Reads a year-in-era written in Chinese numerals (元, 二十三, 廿三, 卅,
   三十) followed by 年; returns it and sets *end, or 0 when absent. */
static int era_year(const char *p, const char **end)
{
    if (!strncmp(p, "元年", 6)) {
        *end = p + 6;
        return 1;
    }
    if (isdigit((unsigned char)p[0])) {   /* 民国20年: arabic within an era */
        int v = 0, k = 0;
        while (k < 3 && isdigit((unsigned char)p[k]))
            v = v * 10 + (p[k++] - '0');
        if (isdigit((unsigned char)p[k]) || strncmp(p + k, "年", 3) != 0)
            return 0;
        *end = p + k + 3;
        return v;
    }
    int total = 0, cur = -1, seen = 0;
    for (;;) {
        int d = digit_at(p);
        if (d >= 0) {
            cur = d;
            seen = 1;
            p += 3;
        } else if (!strncmp(p, "十", 3)) {
            total += (cur < 0 ? 1 : cur) * 10;
            cur = -1;
            seen = 1;
            p += 3;
        } else if (!strncmp(p, "廿", 3)) {
            total += 20;
            seen = 1;
            p += 3;
        } else if (!strncmp(p, "卅", 3)) {
            total += 30;
            seen = 1;
            p += 3;
        } else {
            break;
        }
    }
    if (!seen)
        return 0;
    if (cur > 0)
        total += cur;
    if (strncmp(p, "年", 3) != 0)
        return 0;
    *end = p + 3;
    return total;
}

/* The first spelling in names ('|'-separated) found in s; *len gets its
   byte length. */
static const char *find_name(const char *s, const char *names, size_t *len)
{
    const char *best = NULL;
    for (const char *n = names; *n;) {
        const char *bar = strchr(n, '|');
        size_t k = bar ? (size_t)(bar - n) : strlen(n);
        char tmp[32];
        if (k < sizeof(tmp)) {
            memcpy(tmp, n, k);
            tmp[k] = '\0';
            const char *hit = strstr(s, tmp);
            if (hit && (!best || hit < best)) {
                best = hit;
                *len = k;
            }
        }
        if (!bar)
            break;
        n = bar + 1;
    }
    return best;
}

/* Western years: the first run of four digits (1000-2099), optionally a
   range "1765-1770", or "18--" / "18uu" for a century, "176-" for a decade. */
static int western(const char *s, int *from, int *to)
{
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)p[0]) || (p > s && isdigit((unsigned char)p[-1])))
            continue;
        if (p[0] != '1' && p[0] != '2')
            continue;
        if (isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
            isdigit((unsigned char)p[3]) && !isdigit((unsigned char)p[4])) {
            int y = atoi(p);   /* reads exactly these four digits */
            if (y < 1000 || y > 2099)
                continue;
            *from = *to = y;
            const char *q = p + 4;
            if ((*q == '-' || !strncmp(q, "—", 3)) ) {
                q += (*q == '-') ? 1 : 3;
                if (isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1]) &&
                    isdigit((unsigned char)q[2]) && isdigit((unsigned char)q[3]) &&
                    !isdigit((unsigned char)q[4])) {
                    int y2 = (q[0] - '0') * 1000 + (q[1] - '0') * 100 +
                             (q[2] - '0') * 10 + (q[3] - '0');
                    if (y2 >= y && y2 <= 2099)
                        *to = y2;
                }
            }
            return 1;
        }
        int unk = 0;
        size_t nd = 0;
        while (nd < 4 && isdigit((unsigned char)p[nd]))
            nd++;
        for (size_t i = nd; i < 4; i++)
            if (p[i] == '-' || p[i] == 'u' || p[i] == '?' || p[i] == 'x')
                unk++;
        if (nd >= 2 && nd < 4 && nd + (size_t)unk == 4) {
            int base = 0;
            for (size_t i = 0; i < nd; i++)
                base = base * 10 + (p[i] - '0');
            int scale = nd == 2 ? 100 : 10;
            *from = base * scale;
            *to = *from + scale - 1;
            if (*from >= 1000)
                return 1;
        }
    }
    return 0;
}

int fmt_date_years(const char *s, int *from, int *to)
{
    if (!s || !*s)
        return 0;
    if (western(s, from, to))
        return 1;
    for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
        size_t len = 0;
        const char *hit = find_name(s, eras[i].names, &len);
        if (!hit)
            continue;
        const char *p = hit + len, *end;
        int y = era_year(p, &end);
        if (y > 0 && eras[i].first + y - 1 <= eras[i].last + 1) {
            *from = *to = eras[i].first + y - 1;
            return 1;
        }
        /* a sexagenary year after the era name: 乾隆乙酉 */
        int st = char_index(stems, p);
        int br = st >= 0 ? char_index(branches, p + 3) : -1;
        if (br >= 0) {
            for (int yr = eras[i].first; yr <= eras[i].last; yr++) {
                int k = ((yr - 4) % 60 + 60) % 60;
                if (k % 10 == st && k % 12 == br) {
                    *from = *to = yr;
                    return 1;
                }
            }
        }
        *from = eras[i].first;
        *to = eras[i].last;
        return 1;
    }
    for (size_t i = 0; i < sizeof(dynasties) / sizeof(dynasties[0]); i++) {
        size_t len;
        if (find_name(s, dynasties[i].names, &len)) {
            *from = dynasties[i].first;
            *to = dynasties[i].last;
            return 1;
        }
    }
    return 0;
}

int fmt_date_years_n(const char *s, size_t n, int *from, int *to)
{
    char tmp[FMT_DATE_MAX];
    if (!s || n == 0 || n >= sizeof(tmp) || memchr(s, '\0', n))
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return fmt_date_years(tmp, from, to);
}

const char *fmt_date_dynasty(int year)
{
    if (year >= 1912 && year <= 1949)
        return "民国";
    if (year >= 1644 && year <= 1911)
        return "清";
    if (year >= 1368 && year < 1644)
        return "明";
    if (year >= 1271 && year < 1368)
        return "元";
    if (year >= 960 && year < 1271)
        return "宋";
    if (year >= 618 && year <= 907)
        return "唐";
    return NULL;
}
