/* formats/xwalk_marc_m2u.c: MARC 21 -> UNIMARC, field by field
   (formats/xwalk_marc.h; the table is in docs/MARC.md). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "formats/xwalk_marc_impl.h"

/* ---- MARC 21 -> UNIMARC ------------------------------------------------- */

static void m2u_leader(struct xwalk_conv *x)
{
    const char *l = x->in->leader;
    char *o = x->out->leader;
    memcpy(o, "00000nam0 2200000   450 ", 25);
    o[5] = l[5] == 'a' ? 'c' : l[5] && strchr("cdnp", l[5]) ? l[5] : 'n';
    o[6] = XWALK_CODE1T(rectypes, l[6], 1, l[6] == 'p' ? 'm' : 'a');
    o[7] = l[7] == 'b' || l[7] == 'd'      ? 'a'
           : l[7] && strchr("acims", l[7]) ? l[7]
                                           : 'm';
    o[8] = wy_record_field(x->in, "773", NULL) ? '2' : '0';
    o[17] = l[17] == ' ' || l[17] == '4'   ? ' '
            : l[17] == '1' || l[17] == '2' ? '1'
            : l[17] == '8'                 ? '2'
                                           : '3';
    o[18] = l[18] == 'a' || l[18] == 'i' ? ' ' : l[18] == 'c' ? 'i' : 'n';
}

/* The ISO 3166 code for a MARC country code: the table, then the
   subdivisions MARC codes in three letters (nyu New York, enk England,
   onc Ontario, nsa New South Wales). NULL when unknown. */
static const char *marc_country_iso(const char *k)
{
    const char *c = XWALK_LOOKT(countries, k, 1);
    if (c || strlen(k) != 3 || k[2] == ' ')
        return c;
    switch (k[2]) {
    case 'u':
        return "US";
    case 'k':
        return "GB";
    case 'c':
        return "CA";
    case 'a':
        return "AU";
    default:
        return NULL;
    }
}

/* The script of a title for 100 $a/34-35: Chinese, Cyrillic or Latin. */
static const char *script_of(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p >= 0xE3 && *p <= 0xE9)
            return "ea";
        if (*p == 0xD0 || *p == 0xD1)
            return "ca";
    }
    return "ba";
}

static void m2u_date(char *o, const char *a)
{
    for (int i = 0; i < 4; i++)
        o[i] = (a[i] >= '0' && a[i] <= '9') ? a[i] : ' ';
}

/* 008 (+ 040 $b, 245) -> 100, 101 (when there is no 041), 102 (when there
   is no 044), 105 and 106 (books). */
static void m2u_coded(struct xwalk_conv *x)
{
    const struct wy_field *f8 = wy_record_field(x->in, "008", NULL);
    char e[41];
    memset(e, ' ', 40);
    e[40] = '\0';
    if (f8 && f8->data)
        memcpy(e, f8->data, f8->len < 40 ? f8->len : 40);
    for (int i = 0; i < 40; i++)
        if (e[i] == '|' || e[i] == '\0')
            e[i] = ' ';
    char a[37];
    memset(a, ' ', 36);
    a[36] = '\0';
    /* 008/00-05 is YYMMDD; years 68-99 are 19YY (MARC 21 convention) */
    int yy = (e[0] - '0') * 10 + (e[1] - '0');
    if (e[0] >= '0' && e[0] <= '9' && e[1] >= '0' && e[1] <= '9') {
        memcpy(a, yy >= 68 ? "19" : "20", 2);
        memcpy(a + 2, e, 6);
    }
    a[8] = XWALK_CODE1T(datetypes, e[6], 1, 'u');
    m2u_date(a + 9, e + 7);
    m2u_date(a + 13, e + 11);
    int serial = x->in->leader[7] && strchr("si", x->in->leader[7]);
    a[17] = serial ? 'u' : XWALK_CODE1T(audiences, e[22], 1, 'u');
    a[18] = a[19] = ' ';
    a[20] = XWALK_CODE1T(govpubs, e[28], 1, 'y');
    a[21] = '0';
    const char *cl = wy_record_subfield(x->in, "040", 'b');
    memcpy(a + 22, cl && strlen(cl) == 3 ? cl : "eng", 3);
    a[25] = 'y';
    memcpy(a + 26, "50  ", 4); /* ISO 10646 (UTF-8): what we write */
    memcpy(a + 34, script_of(wy_record_subfield(x->in, "245", 'a')), 2);
    struct wy_field *f = xwalk_addf(x, "100", ' ', ' ');
    xwalk_addsn(x, f, 'a', a, 36);
    if (!wy_record_field(x->in, "041", NULL) && e[35] != ' ') {
        f = xwalk_addf(x, "101", '0', ' ');
        xwalk_addsn(x, f, 'a', e + 35, 3);
    }
    if (!wy_record_field(x->in, "044", NULL)) {
        char k[4] = {e[15], e[16], e[17], '\0'};
        const char *c = marc_country_iso(k);
        if (c) {
            f = xwalk_addf(x, "102", ' ', ' ');
            xwalk_adds(x, f, 'a', c);
        }
    }
    char l7 = x->in->leader[7];
    if (f8 && l7 && strchr("si", l7)) {
        char q[5] = {XWALK_CODE1T(sertypes, e[21], 1, 'z'),
                     XWALK_CODE1T(frequencies, e[18], 1, 'u'),
                     e[19] == 'r'   ? 'a'
                     : e[19] == 'n' ? 'b'
                     : e[19] == 'x' ? 'y'
                                    : 'u',
                     e[29] == '1' ? '1' : '0', '\0'};
        f = xwalk_addf(x, "110", ' ', ' ');
        xwalk_addsn(x, f, 'a', q, 4);
    }
    char l6 = x->in->leader[6];
    if (f8 && (l6 == 'a' || l6 == 't')) {
        char b[14];
        memset(b, ' ', 13);
        b[13] = '\0';
        int k = 0;
        for (int i = 18; i < 22; i++)
            if (e[i] != ' ')
                b[k++] = e[i] == 'p' ? 'o' : e[i];
        if (!k)
            b[0] = 'y';
        for (int i = 24; i < 28; i++)
            b[i - 20] = XWALK_CODE1T(contents, e[i], 1, ' ');
        b[8] = e[29] == '1' ? '1' : '0';
        b[9] = e[30] == '1' ? '1' : '0';
        b[10] = e[31] == '1' ? '1' : '0';
        b[11] = XWALK_CODE1T(literary, e[33], 1, 'y');
        b[12] = e[34] != ' ' && strchr("abcd", e[34]) ? e[34] : 'y';
        f = xwalk_addf(x, "105", ' ', ' ');
        xwalk_addsn(x, f, 'a', b, 13);
        f = xwalk_addf(x, "106", ' ', ' ');
        xwalk_adds(x, f, 'a',
                   e[23] == 'd'                           ? "d"
                   : e[23] == 'f'                         ? "f"
                   : strchr("oqs", e[23]) && e[23] != ' ' ? "s"
                                                          : "r");
    }
}

/* 040 -> 801 (0 original, 1 transcribing, 2 modifying agency). */
static void m2u_040(struct xwalk_conv *x, const struct wy_field *s)
{
    const struct wy_field *f8 = wy_record_field(x->in, "008", NULL);
    char k[4] = "xx ";
    if (f8 && f8->data && f8->len >= 18)
        memcpy(k, f8->data + 15, 3);
    const char *country = marc_country_iso(k);
    const char *rules = wy_field_sub(s, 'e');
    int dropped = 0;
    for (size_t i = 0; i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        char i2 = v->code == 'a'   ? '0'
                  : v->code == 'c' ? '1'
                  : v->code == 'd' ? '2'
                                   : 0;
        if (!i2) {
            if (!strchr("be", v->code))
                xwalk_drop(x, s, v, &dropped);
            continue;
        }
        const char *a = wy_field_sub(s, 'a');
        if (i2 == '1' && a && strlen(a) == v->len &&
            !memcmp(a, v->data, v->len))
            continue; /* the original agency transcribed it too */
        struct wy_field *f = xwalk_addf(x, "801", ' ', i2);
        xwalk_adds(x, f, 'a', country ? country : "XX");
        xwalk_addsn(x, f, 'b', v->data, v->len);
        if (i2 == '0' && f8 && f8->data && f8->len >= 6) {
            char d[9];
            memcpy(d, f8->data[0] >= '6' && f8->data[0] <= '9' ? "19" : "20",
                   2);
            memcpy(d + 2, f8->data, 6);
            xwalk_addsn(x, f, 'c', d, 8);
        }
        if (i2 == '0' && rules)
            xwalk_adds(x, f, 'g', rules);
    }
}

/* 020 -> 010; "0471383147 (paper : alk. paper)" gives $a and $b. */
static void m2u_020(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "010", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, 0);
        if (v->code == 'a' || v->code == 'z') {
            size_t k = 0;
            while (k < n && t[k] != ' ' && t[k] != '(')
                k++;
            xwalk_addsn(x, f, v->code, t, k);
            while (k < n && (t[k] == ' ' || t[k] == '('))
                k++;
            size_t e = n;
            while (e > k && (t[e - 1] == ')' || t[e - 1] == ' '))
                e--;
            if (e > k)
                xwalk_addsn(x, f, 'b', t + k, e - k);
        } else if (v->code == 'q') {
            xwalk_addsn(x, f, 'b', t, n);
        } else if (v->code == 'c') {
            xwalk_addsn(x, f, 'd', t, n);
        } else {
            xwalk_drop(x, s, v, &dropped);
        }
    }
}

/* 245 -> 200: $a, $b other title (or parallel title after "="), $c split
   at " ; " into $f and $g, $h -> $b without brackets, $n $p -> $h $i. */
static void m2u_245(struct xwalk_conv *x, const struct wy_field *s)
{
    char i1 = s->ind1 == '0' && x->has1xx ? '0' : '1';
    struct wy_field *f = xwalk_addf(x, "200", i1, ' ');
    int dropped = 0, parallel = 0;
    int skip = s->ind2 >= '1' && s->ind2 <= '9' ? s->ind2 - '0' : 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        size_t raw = n;
        while (raw && xwalk_is_space((unsigned char)t[raw - 1]))
            raw--;
        int next_parallel = raw && t[raw - 1] == '=';
        xwalk_chop(&t, &n, v->code == 'c');
        switch (v->code) {
        case 'a':
            if (skip && !f->nsub && (size_t)skip < n) {
                struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
                wy_buf_adds(&b, "\xc2\x88");
                wy_buf_add(&b, t, (size_t)skip);
                wy_buf_adds(&b, "\xc2\x89");
                wy_buf_add(&b, t + skip, n - (size_t)skip);
                if (b.error)
                    x->oom = 1;
                else
                    xwalk_addsn(x, f, 'a', b.p, b.len);
                wy_buf_release(&b);
            } else {
                xwalk_addsn(x, f, 'a', t, n);
            }
            break;
        case 'b':
            xwalk_addsn(x, f, parallel ? 'd' : 'e', t, n);
            break;
        case 'c': {
            size_t k = 0, start = 0;
            char code = 'f';
            for (; k <= n; k++) {
                if (k == n || (k + 3 <= n && !memcmp(t + k, " ; ", 3))) {
                    if (k > start)
                        xwalk_addsn(x, f, code, t + start, k - start);
                    code = 'g';
                    start = k + 3;
                    k += 2;
                }
            }
            break;
        }
        case 'h': {
            while (n && (*t == '[' || *t == ' '))
                t++, n--;
            while (n && (t[n - 1] == ']' || t[n - 1] == '.'))
                n--;
            xwalk_addsn(x, f, 'b', t, n);
            break;
        }
        case 'n':
            xwalk_addsn(x, f, 'h', t, n);
            break;
        case 'p':
            xwalk_addsn(x, f, 'i', t, n);
            break;
        default:
            xwalk_drop(x, s, v, &dropped);
        }
        parallel = next_parallel;
    }
}

static int has_parallel(const struct wy_record *r, const char *t, size_t n)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const struct wy_field *f = &r->fields[i];
        if (memcmp(f->tag, "200", 3))
            continue;
        for (size_t k = 0; k < f->nsub; k++)
            if (f->sub[k].code == 'd' && f->sub[k].len == n &&
                !memcmp(f->sub[k].data, t, n))
                return 1;
    }
    return 0;
}

static void m2u_246(struct xwalk_conv *x, const struct wy_field *s)
{
    static const struct xwalk_pair t[] = {
        {"1", "510"}, {"4", "512"}, {"5", "513"},
        {"6", "514"}, {"7", "515"}, {"8", "516"},
    };
    char k[2] = {s->ind2, '\0'};
    const char *tag = XWALK_LOOK(t, k, 0);
    const char *a = wy_field_sub(s, 'a');
    if (a && s->ind2 == '1') {
        const char *p = a;
        size_t n = strlen(a);
        xwalk_chop(&p, &n, 0);
        if (has_parallel(x->out, p, n))
            return; /* 245 $b after "=" is already 200 $d */
    }
    struct wy_field *f = xwalk_addf(x, tag ? tag : "517", '1', ' ');
    xwalk_map_subs(x, s, f, "aabenhpi", 0);
}

static void m2u_260(struct xwalk_conv *x, const struct wy_field *s)
{
    int is264 = !memcmp(s->tag, "264", 3);
    struct wy_field *f;
    if (is264 && !(s->ind2 == '1' && !wy_record_field(x->in, "260", NULL)))
        f = xwalk_addf(x, "214", ' ', s->ind2);
    else
        f = xwalk_addf(x, "210",
                       s->ind1 == '2'   ? '0'
                       : s->ind1 == '3' ? '1'
                                        : ' ',
                       ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, v->code == 'c' || v->code == 'g');
        while (n && (*t == '(' || *t == '['))
            t++, n--;
        while (n && (t[n - 1] == ')' || t[n - 1] == ']'))
            n--;
        xwalk_chop(&t, &n, 0);
        char c = v->code == 'a'   ? 'a'
                 : v->code == 'b' ? 'c'
                 : v->code == 'c' ? 'd'
                                  : 0;
        if (!is264 && !c)
            c = v->code == 'e'   ? 'e'
                : v->code == 'f' ? 'g'
                : v->code == 'g' ? 'h'
                                 : 0;
        if (c)
            xwalk_addsn(x, f, c, t, n);
        else
            xwalk_drop(x, s, v, &dropped);
    }
}

static void m2u_300(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "215", ' ', ' ');
    xwalk_map_subs(x, s, f, "aabccdee", 0);
}

static void m2u_490(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "225", s->ind1 == '1' ? '0' : '1', ' ');
    xwalk_map_subs(x, s, f, "aavvxx", 0);
}

static void m2u_830(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "410", ' ', '0');
    xwalk_map_subs(x, s, f, "atnhpivvxxw0", 0);
}

static void m2u_note(struct xwalk_conv *x, const struct wy_field *s)
{
    const char *t = XWALK_LOOKT(notes_rev, s->tag, 1);
    char i1 = ' ';
    if (!memcmp(s->tag, "506", 3) || !memcmp(s->tag, "540", 3)) {
        t = "371";
        i1 = s->tag[1] == '4' ? '1' : '0';
    }
    if (!memcmp(s->tag, "505", 3))
        i1 = s->ind1 == '0' ? '1' : '0';
    if (!t)
        t = "300";
    struct wy_field *f = xwalk_addf(x, t, i1, ' ');
    xwalk_note_text(x, s, f);
}

/* A MARC 21 personal name into UNIMARC 7XX/600 subfields: "Surname,
   Forename" splits into $a and $b when the first indicator says surname. */
static void m2u_person(struct xwalk_conv *x, const struct wy_field *s,
                       struct wy_field *f, int *dropped, const char *extra)
{
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, 1);
        switch (v->code) {
        case 'a': {
            size_t k = 0;
            while (s->ind1 == '1' && k + 1 < n &&
                   !(t[k] == ',' && t[k + 1] == ' '))
                k++;
            if (s->ind1 == '1' && k + 1 < n) {
                xwalk_addsn(x, f, 'a', t, k);
                xwalk_addsn(x, f, 'b', t + k + 2, n - k - 2);
            } else {
                xwalk_addsn(x, f, 'a', t, n);
            }
            break;
        }
        case 'b':
            xwalk_addsn(x, f, 'd', t, n);
            break;
        case 'c':
            xwalk_addsn(x, f, 'c', t, n);
            break;
        case 'd':
            xwalk_addsn(x, f, 'f', t, n);
            break;
        case 'q':
            xwalk_addsn(x, f, 'g', t, n);
            break;
        case 'u':
            xwalk_addsn(x, f, 'p', t, n);
            break;
        case '0':
            xwalk_addsn(x, f, '3', t, n);
            break;
        default:
            if (!extra || !strchr(extra, v->code))
                xwalk_drop(x, s, v, dropped);
        }
    }
}

/* Relators: MARC codes to UNIMARC numbers; terms ($e, $j) kept as terms,
   as CNMARC writes them (主编). Returns whether the name looks secondary
   (UNIMARC 702/712): translators, illustrators, editors, ... */
static int m2u_relator(struct xwalk_conv *x, const struct wy_field *s,
                       struct wy_field *f, char term)
{
    static const char *const primary[] = {"aut", "cre", "cmp", "art", "ctg",
                                          "lyr", "lbt", "aus", "com", NULL};
    int secondary = 0, any = 0;
    for (size_t i = 0; i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, 1);
        if (v->code == '4') {
            const char *c = xwalk_relator(t, n, 0);
            xwalk_addsn(x, f, '4', c ? c : t, c ? 3 : n);
            int p = 0;
            for (int k = 0; primary[k]; k++)
                p |= n == 3 && !memcmp(t, primary[k], 3);
            secondary |= !p;
            any = 1;
        } else if (v->code == term) {
            xwalk_addsn(x, f, '4', t, n);
            /* 著 撰 编 (主编, 编著) are main responsibility in CNMARC;
               author / compiler likewise */
            int p = strstr(t, "\xe8\x91\x97") || strstr(t, "\xe6\x92\xb0") ||
                    (strstr(t, "\xe7\xbc\x96") && !strstr(t, "\xe8\xaf\x91")) ||
                    !strncmp(t, "author", 6) || !strncmp(t, "compiler", 8) ||
                    !strncmp(t, "creator", 7);
            secondary |= !p;
            any = 1;
        }
    }
    return any && secondary;
}

static void m2u_name(struct xwalk_conv *x, const struct wy_field *s)
{
    int main = s->tag[0] == '1';
    int dropped = 0;
    struct wy_field *f;
    if (s->tag[1] == '0' && s->tag[2] == '0') {
        int family = s->ind1 == '3';
        size_t at = x->out->nfields;
        f = xwalk_addf(x, family ? "720" : "700", ' ',
                       s->ind1 == '0' ? '0' : '1');
        m2u_person(x, s, f, &dropped, "4e6");
        int sec = f ? m2u_relator(x, s, f, 'e') : 0;
        if (!main && at < x->out->nfields) {
            struct wy_field *g = &x->out->fields[at];
            g->tag[1] = family ? '2' : '0';
            g->tag[2] = sec ? '2' : '1';
        }
        return;
    }
    int meeting = s->tag[2] == '1';
    size_t at = x->out->nfields;
    f = xwalk_addf(x, "710", meeting ? '1' : '0',
                   s->ind1 >= '0' && s->ind1 <= '2' ? s->ind1 : '2');
    xwalk_map_subs(x, s, f,
                   meeting ? "aaebcedfndgc03e-j-4-6-" : "aabbcedfndgc03e-4-6-",
                   1);
    int sec = f ? m2u_relator(x, s, f, meeting ? 'j' : 'e') : 0;
    if (!main && at < x->out->nfields)
        x->out->fields[at].tag[2] = sec ? '2' : '1';
}

static void m2u_subject(struct xwalk_conv *x, const struct wy_field *s)
{
    const char *t = s->tag;
    struct wy_field *f;
    int dropped = 0;
    char i2 = s->ind2;
    if (!memcmp(t, "600", 3)) {
        if (s->ind1 == '3') {
            f = xwalk_addf(x, "602", ' ', ' ');
            xwalk_map_subs(x, s, f, "aadftt" XWALK_M2U_SUBDIV "e-4-", 1);
        } else {
            f = xwalk_addf(x, "600", ' ', s->ind1 == '0' ? '0' : '1');
            m2u_person(x, s, f, &dropped, "tvxyz2e4");
            xwalk_map_subs(x, s, f,
                           "tt0-" XWALK_M2U_SUBDIV "a-b-c-d-q-u-0-e-4-", 0);
        }
    } else if (!memcmp(t, "610", 3) || !memcmp(t, "611", 3)) {
        int meeting = t[2] == '1';
        f = xwalk_addf(x, "601", meeting ? '1' : '0',
                       s->ind1 >= '0' && s->ind1 <= '2' ? s->ind1 : '2');
        xwalk_map_subs(x, s, f,
                       meeting ? "aaebcedfndgctt" XWALK_M2U_SUBDIV
                               : "aabbcedfndgctt" XWALK_M2U_SUBDIV,
                       1);
    } else if (!memcmp(t, "630", 3)) {
        f = xwalk_addf(x, "605", ' ', ' ');
        xwalk_map_subs(x, s, f, "aanhpifkkllm" XWALK_M2U_SUBDIV, 1);
    } else if (!memcmp(t, "653", 3)) {
        f = xwalk_addf(x, "610",
                       s->ind1 && strchr("012", s->ind1) ? s->ind1 : '0', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    } else {
        const char *tag = t[1] == '5' && t[2] == '0' ? "606"
                          : t[2] == '1'              ? "607"
                                                     : "608";
        f = xwalk_addf(
            x, tag,
            t[2] == '0' && s->ind1 && strchr("012", s->ind1) ? s->ind1 : ' ',
            ' ');
        xwalk_map_subs(x, s, f, "aa" XWALK_M2U_SUBDIV, 1);
    }
    char k[2] = {i2, '\0'};
    const char *code = XWALK_LOOKT(thesauri, k, 0);
    if (code && f && !wy_field_sub(f, '2'))
        xwalk_adds(x, f, '2', code);
}

static void m2u_class(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f;
    const char *two = wy_field_sub(s, '2');
    switch (s->tag[1] == '5' ? '5' : s->tag[1] == '8' ? s->tag[2] : '?') {
    case '5':
        f = xwalk_addf(x, "680", ' ', ' ');
        xwalk_map_subs(x, s, f, "aabb", 0);
        break;
    case '0':
        f = xwalk_addf(x, "675", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa2v", 0);
        break;
    case '2':
        f = xwalk_addf(x, "676", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa2v", 0);
        break;
    default:
        if (two && !strcmp(two, "clc")) {
            f = xwalk_addf(x, "690", ' ', ' ');
            xwalk_map_subs(x, s, f, "aa2-", 0);
        } else {
            f = xwalk_addf(x, "686", ' ', ' ');
            xwalk_map_subs(x, s, f, "aabb22", 0);
        }
    }
}

static void m2u_field(struct xwalk_conv *x, const struct wy_field *s)
{
    const char *t = s->tag;
    int n = xwalk_tag_num(t);
    struct wy_field *f;
    if (xwalk_is_local(t)) {
        xwalk_keep_local(x, s);
        return;
    }
    switch (n) {
    case 1:
    case 5:
        xwalk_addctl(x, t, s->data ? s->data : "", s->len);
        return;
    case 3: {
        const struct wy_field *c = wy_record_field(x->in, "001", NULL);
        struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_buf_addf(&b, "(%.*s)%.*s", (int)s->len, s->data ? s->data : "",
                    c && c->data ? (int)c->len : 0,
                    c && c->data ? c->data : "");
        f = xwalk_addf(x, "035", ' ', ' ');
        xwalk_addsn(x, f, 'a', b.p ? b.p : "", b.len);
        wy_buf_release(&b);
        return;
    }
    case 8:
        return; /* into 100, 101, 102, 105, 106 */
    case 10:
        f = xwalk_addf(x, "020", ' ', ' ');
        xwalk_adds(x, f, 'a', "US");
        xwalk_map_subs(x, s, f, "abzz", 0);
        return;
    case 20:
        m2u_020(x, s);
        return;
    case 22:
        f = xwalk_addf(x, "011", ' ', ' ');
        xwalk_map_subs(x, s, f, "aalfmgyzzy2-", 0);
        return;
    case 24: {
        const char *two = wy_field_sub(s, '2'), *a = wy_field_sub(s, 'a');
        if (s->ind1 == '7' && two && !strcmp(two, "uri") && a &&
            !wy_record_field(x->out, "003", NULL)) {
            xwalk_addctl(x, "003", a, strlen(a));
            return;
        }
        /* ISRC 016, UPC 072, ISMN 013, EAN 073, other (source in $2) 017 */
        static const struct xwalk_pair ids[] = {
            {"0", "016"}, {"1", "072"}, {"2", "013"},
            {"3", "073"}, {"7", "017"}, {"8", "017"},
        };
        char k[2] = {s->ind1, '\0'};
        const char *tag = XWALK_LOOK(ids, k, 0);
        if (!tag)
            break;
        f = xwalk_addf(x, tag, tag[2] == '7' ? (two ? '7' : '8') : ' ', ' ');
        xwalk_map_subs(x, s, f, tag[2] == '7' ? "aazz22" : "aazz", 0);
        return;
    }
    case 35:
        f = xwalk_addf(x, "035", ' ', ' ');
        xwalk_map_subs(x, s, f, "aazz", 0);
        return;
    case 40:
        m2u_040(x, s);
        return;
    case 41:
        f = xwalk_addf(x, "101", s->ind1 == '1' ? '1' : '0', ' ');
        xwalk_map_subs(x, s, f,
                       "aabdhcjjkbeh"
                       "fegi",
                       0);
        return;
    case 44:
        f = xwalk_addf(x, "102", ' ', ' ');
        {
            const char *c = wy_field_sub(s, 'c');
            const char *a = wy_field_sub(s, 'a');
            char k[4] = "   ";
            if (a)
                memcpy(k, a, strlen(a) < 3 ? strlen(a) : 3);
            const char *iso = !c && a ? XWALK_LOOKT(countries, k, 1) : NULL;
            if (iso)
                xwalk_adds(x, f, 'a', iso);
        }
        xwalk_map_subs(x, s, f, "a-cabb", 0);
        return;
    case 43:
        f = xwalk_addf(x, "660", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 50:
    case 80:
    case 82:
    case 84:
        m2u_class(x, s);
        return;
    case 100:
    case 110:
    case 111:
    case 700:
    case 710:
    case 711:
        m2u_name(x, s);
        return;
    case 130:
    case 240:
        f = xwalk_addf(x, "500", '1', '0');
        xwalk_map_subs(x, s, f, "aanhpifkkllmgn03", 0);
        return;
    case 210:
        f = xwalk_addf(x, "531", ' ', ' ');
        xwalk_map_subs(x, s, f, "aabb", 0);
        return;
    case 222:
        f = xwalk_addf(x, "530", '0', ' ');
        xwalk_map_subs(x, s, f, "aabb", 0);
        return;
    case 242:
        f = xwalk_addf(x, "541", '1', ' ');
        xwalk_map_subs(x, s, f, "aabenhpiyz", 0);
        return;
    case 245:
        m2u_245(x, s);
        return;
    case 246:
    case 740:
        m2u_246(x, s);
        return;
    case 250:
        f = xwalk_addf(x, "205", ' ', ' ');
        xwalk_map_subs(x, s, f, "aabf", 0);
        return;
    case 254:
        f = xwalk_addf(x, "208", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 256:
        f = xwalk_addf(x, "230", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 255:
        f = xwalk_addf(x, "206", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 260:
    case 264:
        m2u_260(x, s);
        return;
    case 300:
        m2u_300(x, s);
        return;
    case 310:
        f = xwalk_addf(x, "326", ' ', ' ');
        xwalk_map_subs(x, s, f, "aabb", 0);
        return;
    case 362:
        f = xwalk_addf(x, "207", ' ', '0');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 490:
        m2u_490(x, s);
        return;
    case 440: /* obsolete: a series traced as given */
        f = xwalk_addf(x, "225", '2', ' ');
        xwalk_map_subs(x, s, f, "aanhpivvxx", 0);
        f = xwalk_addf(x, "410", ' ', '0');
        xwalk_map_subs(x, s, f, "atnhpivvxx", 0);
        return;
    case 600:
    case 610:
    case 611:
    case 630:
    case 650:
    case 651:
    case 653:
    case 655:
        m2u_subject(x, s);
        return;
    case 830:
        m2u_830(x, s);
        return;
    case 856:
        f = xwalk_addf(x, "856", s->ind1, ' ');
        for (size_t i = 0; f && i < s->nsub; i++)
            xwalk_addsn(x, f, s->sub[i].code, s->sub[i].data, s->sub[i].len);
        return;
    case 887: {
        const char *a = wy_field_sub(s, 'a'), *two = wy_field_sub(s, '2');
        if (a && two && !strcmp(two, "unimarc") && strlen(a) >= 4 &&
            a[3] == ' ') {
            char tag[4] = {a[0], a[1], a[2], '\0'};
            if (xwalk_restore(x, tag, a + 4, strlen(a + 4)))
                return;
        }
        break;
    }
    default:
        if (n >= 500 && n < 590) {
            m2u_note(x, s);
            return;
        }
    }
    xwalk_keep_whole(x, s, 0);
}

/* The 880 paired with s ($6 "880-NN" in s, "TAG-NN/script" in the 880). */
static const struct wy_field *paired_880(const struct wy_record *r,
                                         const struct wy_field *s,
                                         const char **script, size_t *slen)
{
    const char *six = wy_field_sub(s, '6');
    if (!six || strncmp(six, "880-", 4) || strlen(six) < 6)
        return NULL;
    for (size_t i = 0; i < r->nfields; i++) {
        const struct wy_field *p = &r->fields[i];
        const char *l = memcmp(p->tag, "880", 3) ? NULL : wy_field_sub(p, '6');
        if (!l || strlen(l) < 6 || memcmp(l, s->tag, 3) || l[3] != '-' ||
            memcmp(l + 4, six + 4, 2))
            continue;
        const char *sl = strchr(l, '/');
        *script = sl ? sl + 1 : "";
        *slen = strcspn(*script, "/");
        return p;
    }
    return NULL;
}

static void m2u_one(struct xwalk_conv *x, const struct wy_field *s,
                    unsigned char *used)
{
    const char *script;
    size_t slen;
    const struct wy_field *p =
        s->data ? NULL : paired_880(x->in, s, &script, &slen);
    if (!memcmp(s->tag, "880", 3)) {
        if (used[s - x->in->fields])
            return;
        /* an 880 without its regular field: converted as the field it
           names in $6 */
        const char *l = wy_field_sub(s, '6');
        struct wy_field v = xwalk_view(x, s, -1, 1);
        if (l && strlen(l) >= 3 && xwalk_code_ok(l[0]) && xwalk_code_ok(l[1]) &&
            xwalk_code_ok(l[2]) && memcmp(l, "880", 3))
            memcpy(v.tag, l, 3);
        v.tag[3] = '\0';
        m2u_field(x, &v);
        return;
    }
    if (!p) {
        struct wy_field v = s->data ? *s : xwalk_view(x, s, -1, 1);
        m2u_field(x, &v);
        return;
    }
    used[p - x->in->fields] = 1;
    struct wy_field reg = xwalk_view(x, s, -1, 1),
                    alt = xwalk_view(x, p, -1, 1);
    memcpy(alt.tag, s->tag, 4);
    size_t a = x->out->nfields;
    m2u_field(x, &reg);
    size_t b = x->out->nfields;
    if (b == a) {
        xwalk_keep_whole(x, p, 0);
        return;
    }
    x->quiet++;
    m2u_field(x, &alt);
    x->quiet--;
    if (x->out->nfields == b) {
        xwalk_keep_whole(x, p, 0); /* the 880 has no UNIMARC place either */
        return;
    }
    if (slen == 2 && !memcmp(script, "(B", 2)) {
        /* pinyin in the 880 (as xwalk_unimarc_to_marc21 writes it): back
           into CNMARC's upper-case subfields */
        struct wy_field *g = &x->out->fields[b];
        size_t nsub = g->nsub;
        struct wy_subfield *sub = g->sub;
        x->out->nfields = b;
        for (size_t i = 0; i < nsub; i++) {
            char c = sub[i].code;
            if (c >= 'a' && c <= 'z')
                xwalk_addsn(x, &x->out->fields[a], (char)(c - 'a' + 'A'),
                            sub[i].data, sub[i].len);
        }
        return;
    }
    /* the vernacular in an 880 (MARC 21 model A): UNIMARC repeats the field
       in the other script, linked by $6 (a = alternative script) and
       naming the script in $7 */
    x->out->nfields = b + 1;
    char k[3] = {0};
    memcpy(k, script, slen < 2 ? slen : 2);
    const char *code = XWALK_LOOKT(scripts, k, 1);
    const struct wy_field *f8 = wy_record_field(x->in, "008", NULL);
    if (code && !strcmp(code, "ea") && f8 && f8->data && f8->len >= 38) {
        /* $1 is all of CJK: the language tells Japanese and Korean */
        if (!memcmp(f8->data + 35, "jpn", 3))
            code = "da";
        else if (!memcmp(f8->data + 35, "kor", 3))
            code = "ka";
    }
    int occ = ++x->occ;
    char six[8];
    six[0] = 'a';
    six[1] = (char)('0' + occ / 10 % 10);
    six[2] = (char)('0' + occ % 10);
    six[3] = '\0';
    xwalk_sub_prepend(x, &x->out->fields[b], '7', code ? code : "zz");
    xwalk_sub_prepend(x, &x->out->fields[b], '6', six);
    xwalk_sub_prepend(x, &x->out->fields[a], '7', "ba");
    xwalk_sub_prepend(x, &x->out->fields[a], '6', six);
}

void xwalk_m2u_record(struct xwalk_conv *x)
{
    const struct wy_record *in = x->in;
    x->has1xx = wy_record_field(in, "100", NULL) ||
                wy_record_field(in, "110", NULL) ||
                wy_record_field(in, "111", NULL);
    m2u_leader(x);
    m2u_coded(x);
    unsigned char *used = wy_arena_alloc(x->out->arena, in->nfields + 1);
    if (!used) {
        x->oom = 1;
        return;
    }
    memset(used, 0, in->nfields + 1);
    for (size_t i = 0; i < in->nfields; i++)
        if (memcmp(in->fields[i].tag, "880", 3))
            m2u_one(x, &in->fields[i], used);
    for (size_t i = 0; i < in->nfields; i++)
        if (!memcmp(in->fields[i].tag, "880", 3))
            m2u_one(x, &in->fields[i], used);
}
