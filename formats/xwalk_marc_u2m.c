/* formats/xwalk_marc_u2m.c: UNIMARC/CNMARC -> MARC 21, field by field
   (formats/xwalk_marc.h; the table is in docs/MARC.md). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "formats/xwalk_marc_impl.h"

/* ---- UNIMARC -> MARC 21 ------------------------------------------------- */

static const char *field_a(const struct wy_record *r, const char *tag)
{
    return wy_record_subfield(r, tag, 'a');
}

static void u2m_leader(struct xwalk_conv *x)
{
    const char *l = x->in->leader;
    char *o = x->out->leader;
    memcpy(o, "00000nam a2200000 i 4500", 25);
    o[5] = l[5] && strchr("cdnp", l[5]) ? l[5] : 'n';
    o[6] = XWALK_CODE1T(rectypes, l[6], 0, 'a');
    o[7] = l[7] && strchr("acims", l[7]) ? l[7] : 'm';
    /* UNIMARC encoding levels: blank full, 1 not examined, 2 prepublication,
       3 incomplete (MARC 21: blank, 1, 8, 3) */
    o[17] = l[17] == '1' ? '1' : l[17] == '2' ? '8' : l[17] == '3' ? '3' : ' ';
}

static void fixed_pos(char *f, size_t at, const char *a, size_t n, size_t pos,
                      const struct xwalk_pair *t, size_t tn, char dflt)
{
    if (pos < n)
        f[at] = xwalk_code1(t, tn, a[pos], 0, dflt);
}

static void u2m_date(char *o, const char *a, int serial)
{
    int digits = 0;
    for (int i = 0; i < 4; i++)
        digits += a[i] >= '0' && a[i] <= '9';
    for (int i = 0; i < 4; i++)
        o[i] = (a[i] >= '0' && a[i] <= '9') ? a[i]
               : digits || serial           ? 'u'
                                            : ' ';
}

/* 100 $a, 101, 102, 105, 106 -> 008 (books positions for text). */
static void u2m_008(struct xwalk_conv *x)
{
    char f[41];
    memset(f, ' ', 40);
    f[40] = '\0';
    memcpy(f + 29, "|||", 3);
    f[39] = 'd';
    const char *a = field_a(x->in, "100");
    char c100[37];
    size_t n = 0;
    if (a) {
        for (; a[n] && n < 36; n++)
            c100[n] = a[n] == '#' || a[n] == '-' ? ' ' : a[n];
        c100[n] = '\0';
        a = c100;
    }
    if (n >= 8)
        memcpy(f, a + 2, 6);
    fixed_pos(f, 6, a, n, 8, xwalk_datetypes, xwalk_datetypes_n, '|');
    if (n >= 17) {
        u2m_date(f + 7, a + 9, a[8] == 'a' || a[8] == 'b');
        u2m_date(f + 11, a + 13, a[8] == 'a' || a[8] == 'b');
    }
    if (!x->in->leader[7] || !strchr("si", x->in->leader[7]))
        fixed_pos(f, 22, a, n, 17, xwalk_audiences, xwalk_audiences_n, ' ');
    fixed_pos(f, 28, a, n, 20, xwalk_govpubs, xwalk_govpubs_n, ' ');
    memcpy(f + 15, "xx ", 3);
    const char *c = field_a(x->in, "102");
    if (c) {
        const char *m = XWALK_LOOKT(countries, c, 0);
        if (m)
            memcpy(f + 15, m, 3);
    }
    const char *b = field_a(x->in, "105");
    size_t bn = b ? strlen(b) : 0;
    for (size_t i = 0; i < 4 && i < bn; i++)
        f[18 + i] = b[i] == 'o'                             ? 'p'
                    : strchr("abcdefghijklm", b[i]) && b[i] ? b[i]
                                                            : ' ';
    for (size_t i = 4; i < 8 && i < bn; i++)
        f[20 + i] = XWALK_CODE1T(contents, b[i], 0, ' ');
    if (bn >= 11) {
        f[29] = b[8] == '1' ? '1' : '0';
        f[30] = b[9] == '1' ? '1' : '0';
        f[31] = b[10] == '1' ? '1' : '0';
    }
    if (bn >= 12)
        f[33] = XWALK_CODE1T(literary, b[11], 0, '0');
    if (bn >= 13)
        f[34] = b[12] && strchr("abcd", b[12]) ? b[12] : ' ';
    const char *q = field_a(x->in, "110");
    size_t qn = q ? strlen(q) : 0;
    if (qn && x->in->leader[7] && strchr("si", x->in->leader[7])) {
        /* continuing resources: 110 $a/0-3 -> 008/21, 18, 19, 29 */
        f[21] = XWALK_CODE1T(sertypes, q[0], 0, ' ');
        if (qn > 1)
            f[18] = XWALK_CODE1T(frequencies, q[1], 0, ' ');
        if (qn > 2)
            f[19] = q[2] == 'a'   ? 'r'
                    : q[2] == 'b' ? 'n'
                    : q[2] == 'u' ? 'u'
                    : q[2] == 'y' ? 'x'
                                  : ' ';
        f[29] = qn > 3 && q[3] == '1' ? '1' : '0';
        f[30] = f[31] = ' ';
    }
    const char *p = field_a(x->in, "106");
    if (p && p[0] && strchr("dfs", p[0]))
        f[23] = p[0];
    const char *lang = field_a(x->in, "101");
    memcpy(f + 35, "und", 3);
    if (lang && strlen(lang) >= 3)
        memcpy(f + 35, lang, 3);
    else if (n >= 25)
        memcpy(f + 35, a + 22, 3);
    xwalk_addctl(x, "008", f, 40);
}

/* All 801 fields -> one 040 (a original, c transcribing, d modifying
   agencies; b the language of cataloguing from 100 $a/22-24). */
static void u2m_040(struct xwalk_conv *x)
{
    const struct wy_field *s;
    const char *orig = NULL, *trans = NULL, *rules = NULL;
    for (s = NULL; (s = wy_record_field(x->in, "801", s));) {
        const char *b = wy_field_sub(s, 'b');
        if (s->ind2 == '0' && !orig)
            orig = b;
        else if ((s->ind2 == '1' || s->ind2 == '3') && !trans)
            trans = b;
        if (!rules)
            rules = wy_field_sub(s, 'g');
    }
    const char *a = field_a(x->in, "100");
    if (!orig && !trans && !wy_record_field(x->in, "801", NULL))
        return;
    struct wy_field *f = xwalk_addf(x, "040", ' ', ' ');
    if (orig || trans) /* $a is mandatory: the issuing agency, if alone */
        xwalk_adds(x, f, 'a', orig ? orig : trans);
    if (a && strlen(a) >= 25 && a[22] != ' ' && a[22] != '#')
        xwalk_addsn(x, f, 'b', a + 22, 3);
    if (trans || orig)
        xwalk_adds(x, f, 'c', trans ? trans : orig);
    for (s = NULL; (s = wy_record_field(x->in, "801", s));) {
        const char *b = wy_field_sub(s, 'b');
        if (s->ind2 == '2' && b)
            xwalk_adds(x, f, 'd', b);
    }
    if (rules)
        xwalk_adds(x, f, 'e', rules);
    /* 801 $a (country) and $c (date) have no place in 040 */
    for (s = NULL; (s = wy_record_field(x->in, "801", s));) {
        int dropped = 0;
        for (size_t i = 0; i < s->nsub; i++)
            if (!strchr("bg", s->sub[i].code))
                xwalk_drop(x, s, &s->sub[i], &dropped);
    }
}

/* ISBN/ISSN: hyphens and blanks out, as MARC 21 records them. */
static void add_number(struct xwalk_conv *x, struct wy_field *f, char code,
                       const struct wy_subfield *s)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (size_t i = 0; i < s->len; i++)
        if (s->data[i] != '-' && s->data[i] != ' ')
            wy_buf_addc(&b, s->data[i]);
    if (b.error)
        x->oom = 1;
    else if (b.len)
        xwalk_addsn(x, f, code, b.p, b.len);
    wy_buf_release(&b);
}

static void u2m_010(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "020", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        if (v->code == 'a' || v->code == 'z')
            add_number(x, f, v->code, v);
        else if (v->code == 'b')
            xwalk_addtext(x, f, 'q', v, 0);
        else if (v->code == 'd')
            xwalk_addtext(x, f, 'c', v, 0);
        else
            xwalk_drop(x, s, v, &dropped);
    }
}

static void u2m_011(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "022", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        char c = v->code == 'a'   ? 'a'
                 : v->code == 'y' ? 'z'
                 : v->code == 'z' ? 'y'
                 : v->code == 'f' ? 'l'
                 : v->code == 'g' ? 'm'
                                  : 0;
        if (c)
            add_number(x, f, c, v);
        else
            xwalk_drop(x, s, v, &dropped);
    }
}

/* 200 -> 245 (+ 246 31 for each parallel title $d). */
static void u2m_200(struct xwalk_conv *x, const struct wy_field *s)
{
    char i1 = !x->has1xx ? '0' : s->ind1 == '0' ? '0' : '1';
    struct wy_field *f = xwalk_addf(x, "245", i1, '0');
    int dropped = 0, nonfiling = 0, has_b = 0, has_c = 0, has_a = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, 0);
        struct wy_subfield c = {v->code, t, n};
        switch (v->code) {
        case 'a':
            if (!has_a) {
                int k = xwalk_add_unmarked(x, f, 'a', t, n);
                if (!i)
                    nonfiling = k;
                has_a = 1;
            } else {
                xwalk_sub_join(x, f, " ; ", t, n);
            }
            break;
        case 'b': {
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            if (n && t[0] == '[')
                wy_buf_add(&b, t, n);
            else
                wy_buf_addf(&b, "[%.*s]", (int)n, t);
            if (b.error)
                x->oom = 1;
            else
                xwalk_addsn(x, f, 'h', b.p, b.len);
            wy_buf_release(&b);
            break;
        }
        case 'c':
            xwalk_sub_join(x, f, ". ", t, n);
            break;
        case 'd':
        case 'e':
            if (!has_b) {
                xwalk_punct(x, f, v->code == 'd' ? " =" : " :");
                xwalk_addsn(x, f, 'b', t, n);
                has_b = 1;
            } else {
                xwalk_sub_join(x, f, v->code == 'd' ? " = " : " : ", t, n);
            }
            break;
        case 'f':
        case 'g':
            if (!has_c) {
                xwalk_punct(x, f, " /");
                xwalk_addsn(x, f, 'c', t, n);
                has_c = 1;
            } else {
                xwalk_sub_join(x, f, v->code == 'f' ? " / " : " ; ", t, n);
            }
            break;
        case 'h':
        case 'v':
            xwalk_punct(x, f, ".");
            xwalk_addtext(x, f, 'n', &c, 0);
            break;
        case 'i':
            xwalk_punct(x, f, xwalk_last_is(f, "n") ? "," : ".");
            xwalk_addtext(x, f, 'p', &c, 0);
            break;
        case 'z': /* language of the parallel title: 041 says it */
            break;
        default:
            xwalk_drop(x, s, v, &dropped);
        }
    }
    if (f)
        f->ind2 = (char)('0' + nonfiling);
    for (size_t i = 0; i < s->nsub; i++) {
        if (s->sub[i].code != 'd')
            continue;
        struct wy_field *p = xwalk_addf(x, "246", '3', '1');
        xwalk_addtext(x, p, 'a', &s->sub[i], 0);
    }
}

static void u2m_205(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "250", ' ', ' ');
    int dropped = 0, has_b = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, 0);
        struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
        switch (v->code) {
        case 'a':
            if (f->nsub) {
                wy_buf_addf(&b, ", %.*s", (int)n, t);
                xwalk_sub_append(x, f, wy_buf_cstr(&b));
            } else {
                xwalk_addsn(x, f, 'a', t, n);
            }
            break;
        case 'b':
        case 'd':
            wy_buf_addf(&b, "%s%.*s", v->code == 'b' ? ", " : " = ", (int)n, t);
            xwalk_sub_append(x, f, wy_buf_cstr(&b));
            break;
        case 'f':
        case 'g':
            xwalk_punct(x, f, has_b ? " ;" : " /");
            if (has_b) {
                wy_buf_addf(&b, " %.*s", (int)n, t);
                xwalk_sub_append(x, f, wy_buf_cstr(&b));
            } else {
                xwalk_addsn(x, f, 'b', t, n);
                has_b = 1;
            }
            break;
        default:
            xwalk_drop(x, s, v, &dropped);
        }
        if (b.error)
            x->oom = 1;
        wy_buf_release(&b);
    }
}

/* 210 -> 260, 214 -> 264 (ISBD: Place : Publisher, Date). */
static void u2m_210(struct xwalk_conv *x, const struct wy_field *s)
{
    int is214 = !memcmp(s->tag, "214", 3);
    struct wy_field *f;
    if (is214)
        f = xwalk_addf(x, "264", ' ',
                       s->ind2 >= '0' && s->ind2 <= '4' ? s->ind2 : '1');
    else
        f = xwalk_addf(x, "260",
                       s->ind1 == '0'   ? '2'
                       : s->ind1 == '1' ? '3'
                                        : ' ',
                       ' ');
    int dropped = 0, manuf = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        char c = v->code;
        if (is214 && strchr("efgh", c))
            c = '?';
        switch (c) {
        case 'a':
            xwalk_punct(x, f, " ;");
            xwalk_addtext(x, f, 'a', v, 0);
            break;
        case 'b':
        case 'f': {
            const char *t = v->data;
            size_t n = v->len;
            xwalk_chop(&t, &n, 0);
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            wy_buf_addf(&b, " (%.*s)", (int)n, t);
            if (f->nsub)
                xwalk_sub_append(x, f, wy_buf_cstr(&b));
            wy_buf_release(&b);
            break;
        }
        case 'c':
            xwalk_punct(x, f, " :");
            xwalk_addtext(x, f, 'b', v, 0);
            break;
        case 'd':
            xwalk_punct(x, f, ",");
            xwalk_addtext(x, f, 'c', v, 0);
            break;
        case 'e':
        case 'g':
        case 'h': {
            const char *t = v->data;
            size_t n = v->len;
            xwalk_chop(&t, &n, 0);
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            if (c == 'g')
                xwalk_punct(x, f, " :");
            if (c == 'h')
                xwalk_punct(x, f, ",");
            wy_buf_addf(&b, "%s%.*s", manuf ? "" : "(", (int)n, t);
            xwalk_addsn(x, f,
                        c == 'e'   ? 'e'
                        : c == 'g' ? 'f'
                                   : 'g',
                        b.p ? b.p : "", b.len);
            wy_buf_release(&b);
            manuf = 1;
            break;
        }
        default:
            xwalk_drop(x, s, v, &dropped);
        }
    }
    if (manuf)
        xwalk_sub_append(x, f, ")");
}

static void u2m_215(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "300", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        switch (v->code) {
        case 'a':
            xwalk_punct(x, f, " ;");
            xwalk_addtext(x, f, 'a', v, 0);
            break;
        case 'c':
            xwalk_punct(x, f, " :");
            xwalk_addtext(x, f, 'b', v, 0);
            break;
        case 'd':
            xwalk_punct(x, f, " ;");
            xwalk_addtext(x, f, 'c', v, 0);
            break;
        case 'e':
            xwalk_punct(x, f, " +");
            xwalk_addtext(x, f, 'e', v, 0);
            break;
        default:
            xwalk_drop(x, s, v, &dropped);
        }
    }
}

static void u2m_225(struct xwalk_conv *x, const struct wy_field *s)
{
    int traced = wy_record_field(x->in, "410", NULL) != NULL;
    struct wy_field *f = xwalk_addf(x, "490", traced ? '1' : '0', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        xwalk_chop(&t, &n, 0);
        const char *sep = v->code == 'd'   ? " = "
                          : v->code == 'e' ? " : "
                          : v->code == 'f' ? " / "
                          : v->code == 'h' ? ". "
                          : v->code == 'i' ? ", "
                                           : NULL;
        if (v->code == 'a' && !f->nsub) {
            xwalk_addtext(x, f, 'a', v, 0);
        } else if (v->code == 'a' || sep) {
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            wy_buf_addf(&b, "%s%.*s", sep ? sep : ". ", (int)n, t);
            if (f->nsub)
                xwalk_sub_append(x, f, wy_buf_cstr(&b));
            wy_buf_release(&b);
        } else if (v->code == 'v') {
            xwalk_punct(x, f, " ;");
            xwalk_addtext(x, f, 'v', v, 0);
        } else if (v->code == 'x') {
            xwalk_punct(x, f, ",");
            xwalk_addtext(x, f, 'x', v, 0);
        } else if (v->code != 'z') {
            xwalk_drop(x, s, v, &dropped);
        }
    }
}

/* 410 -> 830: the standard subfield technique ($t $v $x) or an embedded
   200 ($1 200.. then $a) and 001 ($1 001...). */
static void u2m_410(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = xwalk_addf(x, "830", ' ', '0');
    int dropped = 0;
    char emb[4] = "";
    const struct wy_subfield *vol = NULL, *issn = NULL;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        if (v->code == '1') {
            memcpy(emb, v->data, v->len >= 3 ? 3 : v->len);
            emb[v->len >= 3 ? 3 : v->len] = '\0';
            if (!strcmp(emb, "001") && v->len > 3)
                xwalk_addsn(x, f, 'w', v->data + 3, v->len - 3);
            continue;
        }
        if (emb[0] && strcmp(emb, "200") && strcmp(emb, "011")) {
            xwalk_drop(x, s, v, &dropped);
            continue;
        }
        if (!strcmp(emb, "011") && v->code == 'a') {
            issn = v;
        } else if (v->code == 'a' || v->code == 't') {
            xwalk_addtext(x, f, 'a', v, 0);
        } else if (v->code == 'h') {
            xwalk_punct(x, f, ".");
            xwalk_addtext(x, f, 'n', v, 0);
        } else if (v->code == 'i') {
            xwalk_punct(x, f, xwalk_last_is(f, "n") ? "," : ".");
            xwalk_addtext(x, f, 'p', v, 0);
        } else if (v->code == 'v') {
            vol = v;
        } else if (v->code == 'x') {
            issn = v;
        } else if (v->code == '0' || v->code == '3') {
            xwalk_addtext(x, f, 'w', v, 0);
        } else {
            xwalk_drop(x, s, v, &dropped);
        }
    }
    if (vol) {
        xwalk_punct(x, f, " ;");
        xwalk_addtext(x, f, 'v', vol, 0);
    }
    if (issn)
        xwalk_addtext(x, f, 'x', issn, 0);
}

/* Notes: UNIMARC 3XX and MARC 21 5XX, both ways. */
static const struct xwalk_pair notes[] = {
    {"300", "500"}, {"301", "500"}, {"302", "500"}, {"303", "500"},
    {"304", "500"}, {"305", "500"}, {"306", "500"}, {"307", "500"},
    {"308", "500"}, {"310", "500"}, {"311", "580"}, {"312", "500"},
    {"313", "500"}, {"314", "500"}, {"315", "500"}, {"316", "500"},
    {"317", "561"}, {"318", "583"}, {"320", "504"}, {"321", "510"},
    {"322", "508"}, {"323", "511"}, {"324", "534"}, {"325", "533"},
    {"326", "310"}, {"327", "505"}, {"328", "502"}, {"330", "520"},
    {"332", "524"}, {"333", "521"}, {"334", "586"}, {"336", "516"},
    {"337", "538"},
};

static void u2m_note(struct xwalk_conv *x, const struct wy_field *s)
{
    const char *t = XWALK_LOOK(notes, s->tag, 0);
    char i1 = ' ';
    if (!memcmp(s->tag, "371", 3))
        t = s->ind1 == '1' ? "540" : "506";
    if (!memcmp(s->tag, "327", 3))
        i1 = s->ind1 == '1' ? '0' : '1';
    if (!t) {
        xwalk_keep_whole(x, s, 0);
        return;
    }
    struct wy_field *f = xwalk_addf(x, t, i1, ' ');
    xwalk_note_text(x, s, f);
}

/* 500 uniform title -> 240 (130 without a main entry). */
static void u2m_500(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f = x->has1xx ? xwalk_addf(x, "240", '1', '0')
                                   : xwalk_addf(x, "130", '0', ' ');
    xwalk_map_subs(x, s, f, "aahnipkflkmlng30", 0);
}

/* 5XX variant titles -> 246 / 242 / 222 / 210. */
static void u2m_5xx_title(struct xwalk_conv *x, const struct wy_field *s)
{
    static const struct xwalk_pair t246[] = {
        {"510", "1"}, {"512", "4"}, {"513", "5"}, {"514", "6"}, {"515", "7"},
        {"516", "8"}, {"517", " "}, {"532", " "}, {"540", " "},
    };
    const char *i2 = XWALK_LOOK(t246, s->tag, 0);
    struct wy_field *f;
    if (i2) {
        f = xwalk_addf(x, "246", '3', i2[0]);
        xwalk_map_subs(x, s, f, "aaebhnipz-", 0);
    } else if (!memcmp(s->tag, "541", 3)) {
        f = xwalk_addf(x, "242", '1', '0');
        xwalk_map_subs(x, s, f, "aaebhnipzy", 0);
    } else if (!memcmp(s->tag, "530", 3)) {
        f = xwalk_addf(x, "222", ' ', '0');
        xwalk_map_subs(x, s, f, "aabb", 0);
    } else if (!memcmp(s->tag, "531", 3)) {
        f = xwalk_addf(x, "210", '0', ' ');
        xwalk_map_subs(x, s, f, "aabb", 0);
    } else {
        xwalk_keep_whole(x, s, 0);
    }
}

/* The thesaurus of a UNIMARC subject ($2) as MARC 21's second indicator. */
static char u2m_thesaurus(const struct wy_field *s, int *keep2)
{
    const char *c = wy_field_sub(s, '2');
    *keep2 = 0;
    if (!c)
        return '4';
    const char *i = XWALK_LOOKT(thesauri, c, 1);
    if (i)
        return i[0];
    *keep2 = 1;
    return '7';
}

/* A UNIMARC personal name ($a $b $c $d $f $g $p) into MARC 21 X00
   subfields; returns the MARC 21 first indicator. */
static void u2m_person(struct xwalk_conv *x, const struct wy_field *s,
                       struct wy_field *f, int *dropped, const char *extra)
{
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        switch (v->code) {
        case 'a':
            xwalk_addtext(x, f, 'a', v, 1);
            break;
        case 'b':
            if (xwalk_last_is(f, "a")) {
                struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
                const char *t = v->data;
                size_t n = v->len;
                xwalk_chop(&t, &n, 0);
                /* ICCU and others write "$a Asimov $b , Isaac" */
                while (n && (*t == ',' || *t == ' '))
                    t++, n--;
                wy_buf_addf(&b, ", %.*s", (int)n, t);
                xwalk_sub_append(x, f, wy_buf_cstr(&b));
                wy_buf_release(&b);
            } else {
                xwalk_addtext(x, f, 'a', v, 1);
            }
            break;
        case 'c':
            xwalk_addtext(x, f, 'c', v, 0);
            break;
        case 'd':
            xwalk_addtext(x, f, 'b', v, 0);
            break;
        case 'f':
            xwalk_punct(x, f, ",");
            xwalk_addtext(x, f, 'd', v, 0);
            break;
        case 'g':
            xwalk_addtext(x, f, 'q', v, 0);
            break;
        case 'p':
            xwalk_addtext(x, f, 'u', v, 0);
            break;
        case '3':
            xwalk_addtext(x, f, '0', v, 0);
            break;
        default:
            if (!extra || !strchr(extra, v->code))
                xwalk_drop(x, s, v, dropped);
        }
    }
}

static void u2m_relator(struct xwalk_conv *x, const struct wy_field *s,
                        struct wy_field *f, char term)
{
    for (size_t i = 0; i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        if (v->code != '4')
            continue;
        const char *c = xwalk_relator(v->data, v->len, 1);
        if (c) {
            xwalk_adds(x, f, '4', c);
        } else {
            xwalk_punct(x, f, ",");
            xwalk_addtext(x, f, term, v, 0);
        }
    }
}

/* 700-702 -> 100/700; 720-722 (families) -> 100/700 3_. */
static void u2m_person_entry(struct xwalk_conv *x, const struct wy_field *s)
{
    int main = s->tag[2] == '0';
    int family = s->tag[1] == '2';
    char tag[4] = {main ? '1' : '7', '0', '0', '\0'};
    char i1 = family ? '3' : s->ind2 == '0' ? '0' : '1';
    struct wy_field *f = xwalk_addf(x, tag, i1, ' ');
    int dropped = 0;
    u2m_person(x, s, f, &dropped, "4");
    u2m_relator(x, s, f, 'e');
}

/* 710-712 -> 110/710 (ind1 0) or 111/711 (ind1 1, meetings). */
static void u2m_corporate(struct xwalk_conv *x, const struct wy_field *s)
{
    int main = s->tag[2] == '0', meeting = s->ind1 == '1';
    char tag[4] = {main ? '1' : '7', '1', meeting ? '1' : '0', '\0'};
    char i1 = s->ind2 >= '0' && s->ind2 <= '2' ? s->ind2 : '2';
    struct wy_field *f = xwalk_addf(x, tag, i1, ' ');
    /* meetings: $b subordinate unit is MARC $e; relator terms go in $j */
    xwalk_map_subs(x, s, f, meeting ? "aabecgdnecfd304-" : "aabbcgdnecfd304-",
                   1);
    u2m_relator(x, s, f, meeting ? 'j' : 'e');
}

/* 600-608, 610 -> MARC 21 6XX. */
static void u2m_subject(struct xwalk_conv *x, const struct wy_field *s)
{
    int keep2;
    char i2 = u2m_thesaurus(s, &keep2);
    const char *t = s->tag;
    struct wy_field *f;
    int dropped = 0;
    if (!memcmp(t, "600", 3)) {
        f = xwalk_addf(x, "600", s->ind2 == '0' ? '0' : '1', i2);
        u2m_person(x, s, f, &dropped, "tjxyz23");
        xwalk_map_subs(x, s, f, "tt3-" XWALK_U2M_SUBDIV "a-b-c-d-f-g-p-", 0);
    } else if (!memcmp(t, "602", 3)) {
        f = xwalk_addf(x, "600", '3', i2);
        xwalk_map_subs(x, s, f, "aafdtt" XWALK_U2M_SUBDIV, 0);
    } else if (!memcmp(t, "601", 3)) {
        int meeting = s->ind1 == '1';
        f = xwalk_addf(x, meeting ? "611" : "610",
                       s->ind2 >= '0' && s->ind2 <= '2' ? s->ind2 : '2', i2);
        xwalk_map_subs(x, s, f,
                       meeting ? "aabecgdnecfdtt" XWALK_U2M_SUBDIV
                               : "aabbcgdnecfdtt" XWALK_U2M_SUBDIV,
                       0);
    } else if (!memcmp(t, "605", 3)) {
        f = xwalk_addf(x, "630", '0', i2);
        xwalk_map_subs(x, s, f, "aahnipkflkml" XWALK_U2M_SUBDIV, 0);
    } else if (!memcmp(t, "606", 3) || !memcmp(t, "607", 3) ||
               !memcmp(t, "608", 3)) {
        const char *tag = t[2] == '6' ? "650" : t[2] == '7' ? "651" : "655";
        char i1 =
            t[2] == '6' && s->ind1 && strchr("012", s->ind1) ? s->ind1 : ' ';
        f = xwalk_addf(x, tag, i1, i2);
        xwalk_map_subs(x, s, f, "aa" XWALK_U2M_SUBDIV, 0);
    } else { /* 610 uncontrolled terms */
        f = xwalk_addf(x, "653",
                       s->ind1 && strchr("012", s->ind1) ? s->ind1 : ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    }
    if (f && !keep2) {
        /* $2 said the thesaurus, now in the indicator */
        for (size_t i = 0; i < f->nsub; i++)
            if (f->sub[i].code == '2') {
                memmove(f->sub + i, f->sub + i + 1,
                        (f->nsub - i - 1) * sizeof(*f->sub));
                f->nsub--;
                break;
            }
    }
}

/* 675 UDC, 676 Dewey, 680 LC, 686 other, 690 CLC (中图法, CNMARC). */
static void u2m_class(struct xwalk_conv *x, const struct wy_field *s)
{
    struct wy_field *f;
    /* 675, 676, 680, 690 by their last two digits; 686 the default */
    switch (s->tag[1] == '9'   ? '9'
            : s->tag[1] == '8' ? s->tag[2] == '0' ? '0' : '?'
                               : s->tag[2]) {
    case '5':
        f = xwalk_addf(x, "080", ' ', ' ');
        xwalk_map_subs(x, s, f, "aav2z-", 0);
        break;
    case '6':
        f = xwalk_addf(x, "082", '0', '4');
        xwalk_map_subs(x, s, f, "aav2z-", 0);
        break;
    case '0':
        f = xwalk_addf(x, "050", ' ', '4');
        xwalk_map_subs(x, s, f, "aabb", 0);
        break;
    case '9':
        f = xwalk_addf(x, "084", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        xwalk_adds(x, f, '2', "clc");
        break;
    default:
        f = xwalk_addf(x, "084", ' ', ' ');
        xwalk_map_subs(x, s, f, "aabb22", 0);
    }
}

/* One UNIMARC field to MARC 21 (may add none, one or more fields). */
static void u2m_field(struct xwalk_conv *x, const struct wy_field *s)
{
    const char *t = s->tag;
    int n = xwalk_tag_num(t);
    struct wy_field *f;
    switch (n) {
    case 1:
    case 5:
        xwalk_addctl(x, t, s->data ? s->data : "", s->len);
        return;
    case 3: {
        f = xwalk_addf(x, "024", '7', ' ');
        xwalk_addsn(x, f, 'a', s->data ? s->data : "", s->len);
        xwalk_adds(x, f, '2', "uri");
        return;
    }
    case 10:
        u2m_010(x, s);
        return;
    case 11:
        u2m_011(x, s);
        return;
    case 35:
        f = xwalk_addf(x, "035", ' ', ' ');
        xwalk_map_subs(x, s, f, "aazz", 0);
        return;
    case 13:
    case 16:
    case 17:
    case 72:
    case 73:
        /* ISMN, ISRC, other standard identifier, UPC, EAN -> 024 */
        f = xwalk_addf(x, "024",
                       n == 13                ? '2'
                       : n == 16              ? '0'
                       : n == 72              ? '1'
                       : n == 73              ? '3'
                       : wy_field_sub(s, '2') ? '7'
                                              : '8',
                       ' ');
        xwalk_map_subs(x, s, f, n == 17 ? "aazz22" : "aazz", 0);
        return;
    case 100:
    case 105:
    case 106:
    case 801:
        return; /* into 008 and 040 */
    case 110:
        if (x->in->leader[7] && strchr("si", x->in->leader[7]))
            return; /* into 008 */
        break;
    case 326:
        f = xwalk_addf(x, "310", ' ', ' ');
        xwalk_map_subs(x, s, f, "aabb", 0);
        return;
    case 660:
        f = xwalk_addf(x, "043", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 230:
        f = xwalk_addf(x, "256", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 101:
        f = xwalk_addf(x, "041", s->ind1 == '0' || s->ind1 == ' ' ? '0' : '1',
                       ' ');
        xwalk_map_subs(x, s, f, "aabkchdbefhejjig", 0);
        return;
    case 102:
        f = xwalk_addf(x, "044", ' ', ' ');
        {
            const char *c = wy_field_sub(s, 'a');
            const char *m = c ? XWALK_LOOKT(countries, c, 0) : NULL;
            if (m)
                xwalk_addsn(x, f, 'a', m, m[2] == ' ' ? 2 : 3);
        }
        xwalk_map_subs(x, s, f, "acbb", 0);
        return;
    case 200:
        u2m_200(x, s);
        return;
    case 205:
        u2m_205(x, s);
        return;
    case 206:
        f = xwalk_addf(x, "255", ' ', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 207:
        f = xwalk_addf(x, "362", '0', ' ');
        xwalk_map_subs(x, s, f, "aa", 0);
        return;
    case 210:
    case 214:
        u2m_210(x, s);
        return;
    case 215:
        u2m_215(x, s);
        return;
    case 225:
        u2m_225(x, s);
        return;
    case 410:
        u2m_410(x, s);
        return;
    case 500:
        u2m_500(x, s);
        return;
    case 600:
    case 601:
    case 602:
    case 605:
    case 606:
    case 607:
    case 608:
    case 610:
        u2m_subject(x, s);
        return;
    case 675:
    case 676:
    case 680:
    case 686:
    case 690:
        u2m_class(x, s);
        return;
    case 700:
    case 701:
    case 702:
    case 720:
    case 721:
    case 722:
        u2m_person_entry(x, s);
        return;
    case 710:
    case 711:
    case 712:
        u2m_corporate(x, s);
        return;
    case 856:
        f = xwalk_addf(x, "856", s->ind1, s->ind2);
        for (size_t i = 0; f && i < s->nsub; i++)
            xwalk_addsn(x, f, s->sub[i].code, s->sub[i].data, s->sub[i].len);
        return;
    case 886: {
        const char *a = wy_field_sub(s, 'a'), *b = wy_field_sub(s, 'b'),
                   *two = wy_field_sub(s, '2');
        if (a && b && two && !strcmp(two, "marc21") &&
            xwalk_restore(x, a, b, strlen(b)))
            return;
        break;
    }
    default:
        break;
    }
    if (n >= 300 && n < 400) {
        u2m_note(x, s);
        return;
    }
    if (n >= 510 && n < 600) {
        u2m_5xx_title(x, s);
        return;
    }
    if (xwalk_is_local(t))
        xwalk_keep_local(x, s);
    else
        xwalk_keep_whole(x, s, 0);
}

static void occ_text(char *o, size_t cap, const char *tag, int occ,
                     const char *script)
{
    struct wy_buf b = WY_BUF_INIT(64);
    wy_buf_addf(&b, "%.3s-%02d%s%s", tag, occ, script ? "/" : "",
                script ? script : "");
    size_t n = b.len < cap - 1 ? b.len : cap - 1;
    memcpy(o, wy_buf_cstr(&b), n);
    o[n] = '\0';
    wy_buf_release(&b);
}

/* A CNMARC field with pinyin in upper-case subfields: the vernacular goes
   in the regular MARC 21 field, the pinyin in an 880 linked by $6 (script
   "(B", Latin), so nothing of the source is left out. */
static void u2m_one(struct xwalk_conv *x, const struct wy_field *s)
{
    if (s->data || !xwalk_has_upper(s) || xwalk_is_local(s->tag)) {
        u2m_field(x, s);
        return;
    }
    struct wy_field vern = xwalk_view(x, s, 0, 0), pin = xwalk_view(x, s, 1, 0);
    size_t a = x->out->nfields;
    x->whole = s; /* what xwalk_keep_whole() keeps: the field with its pinyin */
    u2m_field(x, &vern);
    x->whole = NULL;
    size_t b = x->out->nfields;
    if (b == a) {
        xwalk_keep_whole(x, s, 0);
        return;
    }
    if (x->occ >= 99) {
        /* $6 occurrence numbers have two digits */
        xwalk_warn(x, "%s: more than 99 fields with pinyin; kept in 887",
                   s->tag);
        if (x->rep)
            x->rep->dropped++;
        xwalk_keep_whole(x, s, 1);
        return;
    }
    x->quiet++;
    u2m_field(x, &pin);
    x->quiet--;
    if (x->out->nfields == b)
        return;
    x->out->nfields = b + 1;
    int occ = ++x->occ;
    char six[16];
    struct wy_field *p = &x->out->fields[b];
    occ_text(six, sizeof(six), p->tag, occ, "(B");
    memcpy(p->tag, "880", 4);
    xwalk_sub_prepend(x, p, '6', six);
    occ_text(six, sizeof(six), "880", occ, NULL);
    xwalk_sub_prepend(x, &x->out->fields[a], '6', six);
}

/* UNIMARC's alternative-script link: $6 "a" + a number; NULL if none. */
static const char *alt_link(const struct wy_field *f)
{
    const char *l = f->data ? NULL : wy_field_sub(f, '6');
    return l && l[0] == 'a' && strlen(l) >= 3 ? l : NULL;
}

/* The field repeated in another script (the same tag and $6 link) after
   field i; NULL if none. */
static const struct wy_field *alt_partner(const struct wy_record *r, size_t i)
{
    const char *l = alt_link(&r->fields[i]);
    for (size_t k = i + 1; l && k < r->nfields; k++) {
        const char *m = alt_link(&r->fields[k]);
        if (m && !memcmp(r->fields[k].tag, r->fields[i].tag, 3) &&
            !strcmp(m + 1, l + 1))
            return &r->fields[k];
    }
    return NULL;
}

/* A UNIMARC field with its repeat in another script ($6 aNN, $7 script):
   the first becomes the MARC 21 field, the repeat its 880, the script
   named as MARC 21 does ($7 ea/da/ka -> $1, ba -> (B, ca -> (N, ...). */
static void u2m_alt(struct xwalk_conv *x, const struct wy_field *s,
                    const struct wy_field *p)
{
    struct wy_field reg = xwalk_view(x, s, -1, 2),
                    alt = xwalk_view(x, p, -1, 2);
    size_t a = x->out->nfields;
    u2m_one(x, &reg);
    size_t b = x->out->nfields;
    if (b == a || x->occ >= 99) {
        u2m_one(x, &alt);
        return;
    }
    x->quiet++;
    u2m_field(x, &alt);
    x->quiet--;
    if (x->out->nfields == b) {
        xwalk_keep_whole(x, p, 0);
        return;
    }
    x->out->nfields = b + 1;
    const char *seven = wy_field_sub(p, '7');
    char k[3] = {0};
    if (seven && strlen(seven) >= 2)
        memcpy(k, seven, 2);
    const char *script = XWALK_LOOKT(scripts, k, 0);
    int occ = ++x->occ;
    char six[16];
    struct wy_field *f = &x->out->fields[b];
    occ_text(six, sizeof(six), f->tag, occ, script);
    memcpy(f->tag, "880", 4);
    xwalk_sub_prepend(x, f, '6', six);
    occ_text(six, sizeof(six), "880", occ, NULL);
    struct wy_field *g = &x->out->fields[a];
    if (g->nsub && g->sub[0].code == '6')
        return; /* already linked to a pinyin 880 */
    xwalk_sub_prepend(x, g, '6', six);
}

void xwalk_u2m_record(struct xwalk_conv *x)
{
    const struct wy_record *in = x->in;
    x->has1xx = wy_record_field(in, "700", NULL) ||
                wy_record_field(in, "710", NULL) ||
                wy_record_field(in, "720", NULL);
    u2m_leader(x);
    u2m_008(x);
    u2m_040(x);
    unsigned char *used = wy_arena_alloc(x->out->arena, in->nfields + 1);
    if (!used) {
        x->oom = 1;
        return;
    }
    memset(used, 0, in->nfields + 1);
    for (size_t i = 0; i < in->nfields; i++) {
        if (used[i])
            continue;
        const struct wy_field *p = alt_partner(in, i);
        if (p) {
            used[p - in->fields] = 1;
            u2m_alt(x, &in->fields[i], p);
        } else {
            u2m_one(x, &in->fields[i]);
        }
    }
}
