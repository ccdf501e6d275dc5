/* repository/cluster_keys.c: match keys (ISBN, ISSN, normalized title +
   edition + juan) and the record score that picks a display record. */
#include "repository/cluster_int.h"

int cluster_isbn13(const char *s, char out[14])
{
    char d[14];
    size_t n = 0;
    for (const char *p = s; *p && n < 14; p++) {
        if (*p >= '0' && *p <= '9')
            d[n++] = *p;
        else if ((*p == 'X' || *p == 'x') && n == 9)
            d[n++] = 'X';
        else if (*p == '-' || *p == ' ')
            continue;
        else if (n)
            break; /* "(精装)" and other qualifiers after it */
    }
    if (n == 10) {
        int sum = 0;
        for (int i = 0; i < 10; i++)
            sum += (10 - i) * (d[i] == 'X' ? 10 : d[i] - '0');
        if (sum % 11)
            return 0;
        memmove(d + 3, d, 9);
        memcpy(d, "978", 3);
    } else if (n == 13) {
        if (memcmp(d, "978", 3) && memcmp(d, "979", 3))
            return 0;
        int sum = 0;
        for (int i = 0; i < 13; i++) {
            if (d[i] == 'X')
                return 0;
            sum += (i % 2 ? 3 : 1) * (d[i] - '0');
        }
        if (sum % 10)
            return 0;
    } else {
        return 0;
    }
    int sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (i % 2 ? 3 : 1) * (d[i] - '0');
    d[12] = (char)('0' + (10 - sum % 10) % 10);
    memcpy(out, d, 13);
    out[13] = '\0';
    return 1;
}

static int issn8(const char *s, char out[9])
{
    size_t n = 0;
    for (const char *p = s; *p && n < 8; p++) {
        if ((*p >= '0' && *p <= '9') || ((*p == 'X' || *p == 'x') && n == 7))
            out[n++] = (char)(*p == 'x' ? 'X' : *p);
        else if (*p != '-' && *p != ' ')
            return 0;
    }
    out[8] = '\0';
    return n == 8;
}

/* Appends the normalized text of s: NFKC + t2s + variants (indexer/cjk.h),
   ASCII lowercased, everything but letters, digits and ideographs
   dropped. */
static wy_code add_norm(struct cluster *cl, const char *s, size_t n,
                        struct wy_buf *out, struct wy_err *err)
{
    /* cjk loaded on first use (~20 ms): showing a cluster needs no keys */
    return lib_fold(&cl->cjk, &cl->norm, s, n, out, err);
}

/* The value of a number in Chinese numerals or digits ending at p (just
   before 卷/回), or -1. */
static long juan_number(const char *s, const char *p)
{
    const char *q = p;
    while (q > s && q[-1] >= '0' && q[-1] <= '9')
        q--;
    if (q < p) {
        long v = 0;
        for (; q < p && v < 100000; q++)
            v = v * 10 + (*q - '0');
        return v;
    }
    static const char *const dig[] = {"〇", "一", "二", "三", "四",
                                      "五", "六", "七", "八", "九"};
    /* walk back over numeral characters */
    q = p;
    for (;;) {
        if (q - s < 3)
            break;
        int ok = 0;
        for (int i = 0; i < 10 && !ok; i++)
            ok = !memcmp(q - 3, dig[i], 3);
        ok = ok || !memcmp(q - 3, "十", 3) || !memcmp(q - 3, "百", 3) ||
             !memcmp(q - 3, "千", 3) || !memcmp(q - 3, "零", 3) ||
             !memcmp(q - 3, "两", 3);
        if (!ok)
            break;
        q -= 3;
    }
    if (q == p)
        return -1;
    long total = 0, cur = 0;
    for (; q < p; q += 3) {
        int d = -1;
        for (int i = 0; i < 10; i++)
            if (!memcmp(q, dig[i], 3))
                d = i;
        if (!memcmp(q, "零", 3))
            d = 0;
        if (!memcmp(q, "两", 3))
            d = 2;
        if (d >= 0) {
            cur = cur * 10 + d; /* 一二〇 style as well as 一百二十 */
        } else {
            long unit = !memcmp(q, "十", 3)   ? 10
                        : !memcmp(q, "百", 3) ? 100
                                              : 1000;
            total += (cur ? cur : 1) * unit;
            cur = 0;
        }
    }
    return total + cur;
}

static long juan_of(const char *s)
{
    if (!s)
        return -1;
    for (const char *p = s; (p = strstr(p, "卷")) != NULL; p += 3) {
        long v = juan_number(s, p);
        if (v > 0)
            return v;
    }
    for (const char *p = s; (p = strstr(p, "回")) != NULL; p += 3) {
        long v = juan_number(s, p);
        if (v > 0)
            return v;
    }
    return -1;
}

static const char *const edition_types[] = {
    "刻本", "刊本", "抄本", "鈔本", "钞本", "稿本", "写本", "寫本", "活字",
    "石印", "铅印", "鉛印", "套印", "影印", "拓本", "油印", NULL};

/* The edition part of the title key: the census category (刻本...) or
   the edition number ("第2版", "2nd ed." -> "2"). */
static void edition_part(const char *s, struct wy_buf *out)
{
    if (!s)
        return;
    for (size_t i = 0; edition_types[i]; i++)
        if (strstr(s, edition_types[i])) {
            wy_buf_adds(out, edition_types[i]);
            return;
        }
    for (const char *p = s; *p; p++)
        if (*p >= '1' && *p <= '9') {
            while (*p >= '0' && *p <= '9')
                wy_buf_addc(out, *p++);
            return;
        }
}

/* The main title up to its first ':' '/' '=' (half or full width). */
static size_t title_len(const char *t)
{
    static const char *const stops[] = {":",  "/",  "=",  "：",
                                        "／", "＝", " ;", NULL};
    size_t n = strlen(t);
    for (size_t i = 0; stops[i]; i++) {
        const char *p = strstr(t, stops[i]);
        if (p && (size_t)(p - t) < n && p > t)
            n = (size_t)(p - t);
    }
    return n;
}

wy_code cluster_keys(struct cluster *cl, const struct wy_record *rec,
                     struct wy_buf *out, struct wy_err *err)
{
    const struct wy_desc *d = &rec->desc;
    size_t before = out->len;
    for (size_t i = 0; i < d->nidents; i++) {
        const char *t = d->idents[i].type, *v = d->idents[i].value;
        char b[14];
        if (!strcmp(t, "isbn") && cluster_isbn13(v, b))
            wy_buf_addf(out, "isbn:%s\n", b);
        else if (!strcmp(t, "issn") && issn8(v, b))
            wy_buf_addf(out, "issn:%s\n", b);
        else if (!strcmp(t, "control") && v[0] == '(') {
            const char *close = strchr(v, ')');
            if (!close || close == v + 1 || !close[1])
                continue;
            wy_buf_adds(out, "ctl:");
            for (const char *p = v + 1; p < close; p++)
                if (*p != ' ')
                    wy_buf_addc(out,
                                (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
            wy_buf_addc(out, ':');
            const char *num = close + 1;
            while (*num == ' ')
                num++;
            /* OCLC numbers come as ocm/ocn/on prefixed and zero-padded */
            if (!strncmp(num, "ocm", 3) || !strncmp(num, "ocn", 3))
                num += 3;
            else if (!strncmp(num, "on", 2))
                num += 2;
            while (*num == '0' && num[1])
                num++;
            for (const char *p = num; *p; p++)
                if (*p != ' ' && *p != '-')
                    wy_buf_addc(out, *p);
            wy_buf_addc(out, '\n');
        }
    }
    if (out->len > before || !d->ntitles)
        return wy_buf_status(out, err);
    /* no identifier: the descriptive key */
    size_t start = out->len;
    wy_buf_adds(out, "t:");
    size_t tstart = out->len;
    /* the title proper only: 245 $a / 200 $a, without the 卷数 ($n) or
       other title information some libraries add to the heading */
    const char *title =
        rec->kind == WY_MARC21    ? wy_record_subfield(rec, "245", 'a')
        : rec->kind == WY_UNIMARC ? wy_record_subfield(rec, "200", 'a')
                                  : NULL;
    if (!title || !*title)
        title = d->titles[0];
    wy_code rc = add_norm(cl, title, title_len(title), out, err);
    if (rc)
        return rc;
    if (out->len == tstart) { /* a title of punctuation only */
        wy_buf_truncate(out, start);
        return wy_buf_status(out, err);
    }
    wy_buf_addc(out, '|');
    const struct wy_name *who = NULL;
    for (size_t i = 0; i < d->ncreators && !who; i++)
        if (!d->creators[i].secondary)
            who = &d->creators[i];
    if (!who && d->ncreators)
        who = &d->creators[0];
    if (who && who->name &&
        (rc = add_norm(cl, who->name, strlen(who->name), out, err)))
        return rc;
    wy_buf_addc(out, '|');
    if (d->year_from != WY_YEAR_NONE)
        wy_buf_addf(out, "%d", d->year_from);
    wy_buf_addc(out, '|');
    edition_part(d->edition, out);
    wy_buf_addc(out, '|');
    long juan = juan_of(d->extent);
    for (size_t i = 0; juan < 0 && i < d->ntitles; i++)
        juan = juan_of(d->titles[i]);
    if (juan < 0 && rec->kind == WY_MARC21)
        juan = juan_of(wy_record_subfield(rec, "245", 'n'));
    if (juan > 0)
        wy_buf_addf(out, "%ld", juan);
    wy_buf_addc(out, '\n');
    return wy_buf_status(out, err);
}

int cluster_score(const struct wy_record *rec)
{
    const struct wy_desc *d = &rec->desc;
#define MIN_(a, b) ((a) < (b) ? (a) : (b))
    int s = 0;
    s += rec->kind != WY_MARC_NONE ? 10 : 0; /* full MARC beats DC/MODS */
    s += d->ntitles ? 5 : 0;
    s += 2 * (int)MIN_(d->ncreators, 3);
    s += d->date ? 2 : 0;
    s += d->year_from != WY_YEAR_NONE ? 1 : 0;
    s += d->publisher ? 2 : 0;
    s += d->place ? 1 : 0;
    s += d->edition ? 2 : 0;
    s += d->extent ? 2 : 0;
    s += (int)MIN_(d->nsubjects, 5);
    s += (int)MIN_(d->nidents, 5);
    s += (int)MIN_(d->nnotes, 5);
    s += (int)MIN_(d->nholdings, 3);
    s += (int)MIN_(rec->nfields / 5, 5);
#undef MIN_
    return s;
}
