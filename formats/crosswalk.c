/* formats/crosswalk.c: MARC 21 and UNIMARC/CNMARC to the descriptive view.
   Field by field after the Library of Congress "MARC to Dublin Core" and
   "MARC to MODS" mappings and IFLA's "UNIMARC to Dublin Core"; what is
   implemented is listed in docs/FORMATS.md. */
#include "formats/crosswalk.h"
#include "formats/dates.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"

/* A joined field never exceeds an ISO 2709 record; MARCXML could, so cap. */
#define JOIN_LIMIT (1u << 20)

struct xw {
    struct wy_record *r;
    struct wy_buf b; /* scratch for joining subfields */
    int ok;          /* 0 after an allocation failure */
    wy_code berr;    /* the scratch buffer's error, kept across resets */
};

/* Whether the scratch buffer is still good; its error is kept for the end
   (wy_buf_reset would clear it). */
static int buf_ok(struct xw *x)
{
    if (x->b.error == WY_OK)
        return 1;
    if (x->berr == WY_OK)
        x->berr = x->b.error;
    x->ok = 0;
    return 0;
}

/* ---- small string helpers --------------------------------------------- */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Full-width ISBD marks a Chinese catalogue may end a subfield with:
   ， ： ； ／ ＝ (U+FF0C U+FF1A U+FF1B U+FF0F U+FF1D). */
static int fullwidth_mark(const char *s, size_t n)
{
    if (n < 3)
        return 0;
    const unsigned char *p = (const unsigned char *)s + n - 3;
    return p[0] == 0xEF && p[1] == 0xBC &&
           (p[2] == 0x8C || p[2] == 0x9A || p[2] == 0x9B || p[2] == 0x8F ||
            p[2] == 0x9D);
}

/* LoC's chopPunctuation: trailing ISBD punctuation (" /", " :", " ;", " =",
   ",") and, with dot, a final full stop. Never chops a value to nothing. */
static void chop(const char **s, size_t *n, int dot)
{
    trim(s, n);
    for (;;) {
        size_t k = *n;
        if (!k)
            break;
        char c = (*s)[k - 1];
        if (c == '/' || c == ':' || c == ';' || c == '=' || c == ',' ||
            (dot && c == '.'))
            k--;
        else if (fullwidth_mark(*s, k))
            k -= 3;
        else
            break;
        while (k && is_space((unsigned char)(*s)[k - 1]))
            k--;
        if (!k)
            break;
        *n = k;
    }
}

static int all_digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

size_t xwalk_dynasty(const char *s, size_t n, const char **dyn, size_t *dlen)
{
    static const struct {
        const char *open, *close;
    } pairs[] = {
        {"(", ")"},
        {"\xEF\xBC\x88", "\xEF\xBC\x89"}, /* （ ） */
        {"[", "]"},
        {"\xE3\x80\x94", "\xE3\x80\x95"}, /* 〔 〕 */
        {"\xE3\x80\x90", "\xE3\x80\x91"}, /* 【 】 */
    };
    *dyn = NULL;
    *dlen = 0;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        size_t ol = strlen(pairs[i].open), cl = strlen(pairs[i].close);
        if (n < ol + cl + 1 || memcmp(s, pairs[i].open, ol))
            continue;
        /* one to four characters of three or four UTF-8 bytes each */
        size_t j = ol, chars = 0;
        while (j < n && chars <= 4) {
            if (n - j >= cl && !memcmp(s + j, pairs[i].close, cl))
                break;
            unsigned char c = (unsigned char)s[j];
            size_t w = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 0;
            if (!w || j + w > n)
                return 0;
            j += w;
            chars++;
        }
        if (chars < 1 || chars > 4 || j >= n || n - j < cl ||
            memcmp(s + j, pairs[i].close, cl))
            return 0;
        *dyn = s + ol;
        *dlen = j - ol;
        return j + cl;
    }
    return 0;
}

/* One date of four places: "1765", "18--", "197u", "18??" -> range. */
static int year4(const char *p, int *lo, int *hi)
{
    int v = 0, digits = 0;
    while (digits < 4 && p[digits] >= '0' && p[digits] <= '9')
        v = v * 10 + (p[digits++] - '0');
    if (digits < 2)
        return 0;
    int span = 1;
    for (int i = digits; i < 4; i++) {
        char c = p[i];
        if (c != '-' && c != 'u' && c != '?' && c != 'x' && c != 'X' &&
            c != ' ' && c != '#' && c != '|')
            return 0;
        v *= 10;
        span *= 10;
    }
    if (digits < 4 && p[digits] == ' ' && digits == 2)
        return 0; /* "19  " in a fixed field is too vague to index */
    *lo = v;
    *hi = v + span - 1;
    return 1;
}

/* A fixed-field date (MARC 21 008/07-10, UNIMARC 100/09-12). */
static int fixed_year(const char *p, int *lo, int *hi)
{
    if (!memcmp(p, "9999", 4))
        return 0;
    return year4(p, lo, hi);
}

int xwalk_year_range(const char *s, size_t n, int *from, int *to)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' ||
            (i && s[i - 1] >= '0' && s[i - 1] <= '9'))
            continue;
        if (n - i < 4)
            break;
        /* a run of more than four digits is a number, not a year */
        if (all_digits(s + i, 4) && n - i > 4 && s[i + 4] >= '0' &&
            s[i + 4] <= '9') {
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            continue;
        }
        char tok[5];
        memcpy(tok, s + i, 4);
        tok[4] = '\0';
        for (int k = 0; k < 4; k++)
            if (tok[k] == ' ' || tok[k] == '#' || tok[k] == '|')
                tok[k] = '!'; /* only written fill marks count here */
        int lo, hi;
        if (!year4(tok, &lo, &hi))
            continue;
        size_t j = i + 4;
        if (j < n && s[j] >= '0' && s[j] <= '9')
            continue;
        *from = lo;
        *to = hi;
        /* a range: "1994-1996", "1994 - 96" is not taken, "1644～1911" is */
        size_t k = j;
        while (k < n && s[k] == ' ')
            k++;
        size_t dash = 0;
        if (k < n && s[k] == '-')
            dash = 1;
        else if (n - k >= 3 && !memcmp(s + k, "\xEF\xBD\x9E", 3)) /* ～ */
            dash = 3;
        else if (n - k >= 3 && !memcmp(s + k, "\xE2\x80\x93", 3)) /* – */
            dash = 3;
        if (dash) {
            k += dash;
            while (k < n && s[k] == ' ')
                k++;
            int lo2, hi2;
            if (n - k >= 4 &&
                (n - k == 4 || s[k + 4] < '0' || s[k + 4] > '9')) {
                memcpy(tok, s + k, 4);
                if (year4(tok, &lo2, &hi2) && hi2 >= lo)
                    *to = hi2;
            }
        }
        return 1;
    }
    return fmt_date_years_n(s, n, from, to);   /* reign eras, dynasties */
}

static const struct {
    const char *written, *dcmi;
} dcmi_types[] = {
    {"text", "Text"},
    {"still image", "StillImage"},
    {"stillimage", "StillImage"},
    {"image", "Image"},
    {"moving image", "MovingImage"},
    {"movingimage", "MovingImage"},
    {"sound", "Sound"},
    {"sound recording", "Sound"},
    {"sound recording-musical", "Sound"},
    {"sound recording-nonmusical", "Sound"},
    {"software", "Software"},
    {"software, multimedia", "Software"},
    {"dataset", "Dataset"},
    {"interactiveresource", "InteractiveResource"},
    {"interactive resource", "InteractiveResource"},
    {"physicalobject", "PhysicalObject"},
    {"physical object", "PhysicalObject"},
    {"three dimensional object", "PhysicalObject"},
    {"collection", "Collection"},
    {"mixed material", "Collection"},
    {"cartographic", "StillImage"},
    {"notated music", "Text"},
    {"event", "Event"},
    {"service", "Service"},
};

const char *xwalk_dcmi_type(const char *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < sizeof(dcmi_types) / sizeof(dcmi_types[0]); i++)
        if (!strcasecmp(s, dcmi_types[i].written))
            return dcmi_types[i].dcmi;
    return NULL;
}

const char *xwalk_mods_type(const char *dcmi)
{
    static const struct {
        const char *dcmi, *mods;
    } t[] = {
        {"Text", "text"},
        {"StillImage", "still image"},
        {"Image", "still image"},
        {"MovingImage", "moving image"},
        {"Sound", "sound recording"},
        {"Software", "software, multimedia"},
        {"Dataset", "software, multimedia"},
        {"InteractiveResource", "software, multimedia"},
        {"PhysicalObject", "three dimensional object"},
        {"Collection", "mixed material"},
    };
    if (!dcmi)
        return NULL;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (!strcmp(dcmi, t[i].dcmi))
            return t[i].mods;
    return NULL;
}

/* ---- building strings from subfields ---------------------------------- */

static int has_code(const char *codes, char c)
{
    return c && strchr(codes, c) != NULL;
}

/* Joins the subfields whose code is in codes with sep into x->b (reset
   first). Returns the length. */
static size_t join(struct xw *x, const struct wy_field *f, const char *codes,
                   const char *sep)
{
    wy_buf_reset(&x->b);
    for (size_t i = 0; i < f->nsub; i++) {
        if (!has_code(codes, f->sub[i].code))
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        trim(&s, &n);
        if (!n)
            continue;
        if (x->b.len)
            wy_buf_adds(&x->b, sep);
        wy_buf_add(&x->b, s, n);
    }
    return buf_ok(x) ? x->b.len : 0;
}

/* The first subfield code of f, trimmed and chopped; NULL if absent. */
static const char *sub(const struct wy_field *f, char code, size_t *n, int dot)
{
    for (size_t i = 0; i < f->nsub; i++) {
        if (f->sub[i].code != code)
            continue;
        const char *s = f->sub[i].data;
        *n = f->sub[i].len;
        chop(&s, n, dot);
        if (*n)
            return s;
    }
    *n = 0;
    return NULL;
}

static void add_title_buf(struct xw *x)
{
    const char *s = wy_buf_cstr(&x->b);
    size_t n = x->b.len;
    chop(&s, &n, 1);
    if (n && !wy_desc_add_title(x->r, s, n))
        x->ok = 0;
}

static void set_once(struct xw *x, const char **slot, const char *s, size_t n)
{
    if (s && n && !wy_desc_set(x->r, slot, s, n))
        x->ok = 0;
}

static void set_buf(struct xw *x, const char **slot, int dot)
{
    const char *s = wy_buf_cstr(&x->b);
    size_t n = x->b.len;
    chop(&s, &n, dot);
    set_once(x, slot, s, n);
}

static void add_note_buf(struct xw *x)
{
    const char *s = wy_buf_cstr(&x->b);
    size_t n = x->b.len;
    trim(&s, &n);
    if (n && !wy_desc_add_note(x->r, s, n))
        x->ok = 0;
}

static int has_ident(const struct wy_record *r, const char *type, const char *v,
                     size_t n)
{
    for (size_t i = 0; i < r->desc.nidents; i++)
        if (!strcmp(r->desc.idents[i].type, type) &&
            strlen(r->desc.idents[i].value) == n &&
            !memcmp(r->desc.idents[i].value, v, n))
            return 1;
    return 0;
}

static void add_ident(struct xw *x, const char *type, const char *v, size_t n)
{
    if (!v || !n || has_ident(x->r, type, v, n))
        return;
    if (!wy_desc_add_ident(x->r, type, v, n))
        x->ok = 0;
}

/* ISBN and ISSN subfields may carry qualifiers ("0-14-044913-6 (pbk.) :"):
   keep the number, which is what the identifier is. */
static void add_number(struct xw *x, const char *type, const struct wy_field *f,
                       char code)
{
    for (size_t i = 0; i < f->nsub; i++) {
        if (f->sub[i].code != code)
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        trim(&s, &n);
        size_t k = 0;
        while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == '-' ||
                         s[k] == 'X' || s[k] == 'x'))
            k++;
        if (k >= 8)
            n = k;
        else
            chop(&s, &n, 0);
        add_ident(x, type, s, n);
    }
}

static void add_subfield_idents(struct xw *x, const char *type,
                                const struct wy_field *f, char code)
{
    for (size_t i = 0; i < f->nsub; i++) {
        if (f->sub[i].code != code)
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        trim(&s, &n);
        add_ident(x, type, s, n);
    }
}

static void add_language(struct xw *x, const char *s, size_t n)
{
    if (n != 3)
        return;
    for (size_t i = 0; i < 3; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return;
    for (size_t i = 0; i < x->r->desc.nlanguages; i++)
        if (!memcmp(x->r->desc.languages[i], s, 3) &&
            !x->r->desc.languages[i][3])
            return;
    if (!wy_desc_add_language(x->r, s, 3))
        x->ok = 0;
}

/* MARC 21 041 $a may hold several codes run together ("engfre"). */
static void add_languages(struct xw *x, const struct wy_field *f, char code)
{
    for (size_t i = 0; i < f->nsub; i++) {
        if (f->sub[i].code != code)
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        trim(&s, &n);
        for (size_t k = 0; k + 3 <= n; k += 3)
            add_language(x, s + k, 3);
    }
}

static void add_holding(struct xw *x, const struct wy_holding *h)
{
    if (!h->institution && !h->callno && !h->census)
        return;
    struct wy_desc *d = &x->r->desc;
    for (size_t i = 0; i < d->nholdings; i++) {
        const struct wy_holding *o = &d->holdings[i];
        if ((o->institution && h->institution
                 ? !strcmp(o->institution, h->institution)
                 : o->institution == h->institution) &&
            (o->callno && h->callno ? !strcmp(o->callno, h->callno)
                                    : o->callno == h->callno) &&
            (o->census && h->census ? !strcmp(o->census, h->census)
                                    : o->census == h->census))
            return;
    }
    if (!wy_desc_add_holding(x->r, h))
        x->ok = 0;
    if (h->callno)
        add_ident(x, "callno", h->callno, strlen(h->callno));
    if (h->census)
        add_ident(x, "census", h->census, strlen(h->census));
}

/* A NUL-terminated arena copy of the scratch buffer (chopped or not). */
static const char *buf_dup(struct xw *x, int chopit)
{
    const char *s = wy_buf_cstr(&x->b);
    size_t n = x->b.len;
    if (chopit)
        chop(&s, &n, chopit == 2);
    else
        trim(&s, &n);
    if (!n)
        return NULL;
    const char *d = wy_arena_strndup(x->r->arena, s, n);
    if (!d)
        x->ok = 0;
    return d;
}

static const char *dup_n(struct xw *x, const char *s, size_t n)
{
    if (!s || !n)
        return NULL;
    const char *d = wy_arena_strndup(x->r->arena, s, n);
    if (!d)
        x->ok = 0;
    return d;
}

/*
 * A name: the name proper from `namecodes`, with a dynasty taken from a
 * leading "(清)" in the name or from a subfield in dyncodes that is only a
 * dynasty marker; other values of the date subfield become the dates.
 */
static void add_name(struct xw *x, const struct wy_field *f,
                     const char *namecodes, const char *addcodes,
                     const char *dyncodes, char datecode, const char *rolecodes,
                     int personal, int secondary)
{
    struct wy_name nm = {NULL, NULL, NULL, NULL, personal, secondary};
    const char *dyn = NULL;
    size_t dynlen = 0;

    for (size_t i = 0; i < f->nsub && !dyn; i++) {
        if (!has_code(dyncodes, f->sub[i].code))
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len, dl;
        const char *d;
        chop(&s, &n, 1);
        size_t m = xwalk_dynasty(s, n, &d, &dl);
        if (m && m == n) {
            dyn = d;
            dynlen = dl;
        }
    }

    wy_buf_reset(&x->b);
    for (size_t i = 0; i < f->nsub; i++) {
        char c = f->sub[i].code;
        int add = has_code(addcodes, c);
        if (!has_code(namecodes, c) && !add)
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        chop(&s, &n, 0);
        if (add) {
            const char *d;
            size_t dl;
            if (xwalk_dynasty(s, n, &d, &dl) == n)
                continue; /* the dynasty, taken above */
        }
        if (!x->b.len) {
            const char *d;
            size_t dl, m = xwalk_dynasty(s, n, &d, &dl);
            if (m && m < n) {
                if (!dyn) {
                    dyn = d;
                    dynlen = dl;
                }
                s += m;
                n -= m;
                trim(&s, &n);
            }
        }
        if (!n)
            continue;
        /* UNIMARC data may carry its own separator: 700 $a Asimov $b , Isaac */
        if (x->b.len && s[0] != ',')
            wy_buf_adds(&x->b, add ? ", " : " ");
        wy_buf_add(&x->b, s, n);
    }
    nm.name = buf_ok(x) ? buf_dup(x, 2) : NULL;
    if (!nm.name)
        return;
    nm.dynasty = dup_n(x, dyn, dynlen);

    if (datecode) {
        size_t n;
        const char *s = sub(f, datecode, &n, 1);
        const char *d;
        size_t dl;
        if (s && xwalk_dynasty(s, n, &d, &dl) != n)
            nm.dates = dup_n(x, s, n);
    }
    for (const char *rc = rolecodes; *rc && !nm.role; rc++) {
        size_t n;
        const char *s = sub(f, *rc, &n, 1);
        if (s)
            nm.role = dup_n(x, s, n);
    }
    if (x->ok && !wy_desc_add_creator(x->r, &nm))
        x->ok = 0;
}

/* Subjects: the heading and its subdivisions joined with "--", as LoC's
   MARC to DC crosswalk writes them. */
static void add_subject(struct xw *x, const struct wy_field *f,
                        const char *headcodes, const char *subdivcodes)
{
    wy_buf_reset(&x->b);
    int in_head = 1;
    for (size_t i = 0; i < f->nsub; i++) {
        char c = f->sub[i].code;
        int head = has_code(headcodes, c), sd = has_code(subdivcodes, c);
        if (!head && !sd)
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        chop(&s, &n, 1);
        if (!n)
            continue;
        if (x->b.len)
            wy_buf_adds(&x->b, sd || !in_head ? "--" : " ");
        if (sd)
            in_head = 0;
        wy_buf_add(&x->b, s, n);
    }
    const char *s = wy_buf_cstr(&x->b);
    size_t n = x->b.len;
    if (buf_ok(x) && n && !wy_desc_add_subject(x->r, s, n))
        x->ok = 0;
}

/* ---- MARC 21 ----------------------------------------------------------- */

/* LoC MARC to DC, Type from Leader/06, expressed in the DCMI Type terms. */
static const char *marc21_type(char l6)
{
    switch (l6) {
    case 'a':
    case 't':
    case 'c':
    case 'd':
        return "Text";
    case 'e':
    case 'f':
    case 'k':
        return "StillImage";
    case 'g':
        return "MovingImage";
    case 'i':
    case 'j':
        return "Sound";
    case 'm':
        return "Software";
    case 'o':
    case 'p':
        return "Collection";
    case 'r':
        return "PhysicalObject";
    default:
        return NULL;
    }
}

/* 008/06 type of date, 07-10 date 1, 11-14 date 2. */
static void marc21_fixed_dates(struct xw *x, const struct wy_field *f008)
{
    if (!f008 || !f008->data || f008->len < 15)
        return;
    const char *p = f008->data;
    int lo1, hi1, lo2, hi2;
    if (!fixed_year(p + 7, &lo1, &hi1))
        return;
    int has2 = fixed_year(p + 11, &lo2, &hi2);
    switch (p[6]) {
    case 'm':
    case 'i':
    case 'k':
    case 'q':
    case 'd':
    case 'c':
    case 'u':
        x->r->desc.year_from = lo1;
        x->r->desc.year_to = has2 && hi2 >= lo1 ? hi2 : hi1;
        break;
    case 'n':
    case 'b':
    case '|':
        break;
    default: /* s, e, r, t, p: date 1 is the date of this publication */
        x->r->desc.year_from = lo1;
        x->r->desc.year_to = hi1;
    }
    if (!x->r->desc.date) {
        /* no date as written in 260/264: show the fixed-field one */
        size_t n = 4;
        set_once(x, &x->r->desc.date, p + 7, n);
    }
}

static void marc21_name(struct xw *x, const struct wy_field *f, const char *tag)
{
    int secondary = tag[0] == '7';
    if (!strcmp(tag + 1, "00")) /* X00: $a $b $q, $c titles, $d dates */
        add_name(x, f, "abq", "c", "cd", 'd', "e4", 1, secondary);
    else if (!strcmp(tag + 1, "10")) /* X10 corporate */
        add_name(x, f, "ab", "", "", 0, "e4", 0, secondary);
    else if (!strcmp(tag + 1, "11")) /* X11 meeting: $e a unit, $j role */
        add_name(x, f, "aencdq", "", "", 0, "j4", 0, secondary);
    else if (!strcmp(tag, "720")) /* uncontrolled name */
        add_name(x, f, "a", "", "", 0, "e4", f->ind1 == '1', 1);
}

/* 245, 246, 240, 130, 730, 740 and their 880 pairs. */
static void marc21_title(struct xw *x, const struct wy_field *f,
                         const char *tag)
{
    const char *codes = "abfgknps";
    if (!strcmp(tag, "130") || !strcmp(tag, "730"))
        codes = "adfgklmnoprs";
    else if (!strcmp(tag, "240"))
        codes = "adfgklmnoprs";
    if (join(x, f, codes, " "))
        add_title_buf(x);
}

/* $6 of an 880 field: "245-01/$1" -> the tag it pairs with. */
static int linked_tag(const struct wy_field *f, char tag[4])
{
    const char *s = wy_field_sub(f, '6');
    if (!s || strlen(s) < 3 || !all_digits(s, 3))
        return 0;
    memcpy(tag, s, 3);
    tag[3] = '\0';
    return 1;
}

static void marc21_holding_852(struct xw *x, const struct wy_field *f)
{
    struct wy_holding h = {NULL, NULL, NULL, NULL};
    size_t n;
    const char *s = sub(f, 'a', &n, 1);
    if (!s)
        s = sub(f, 'b', &n, 1);
    h.institution = dup_n(x, s, n);
    if (join(x, f, "khim", " "))
        h.callno = buf_dup(x, 0);
    else if (join(x, f, "j", " "))
        h.callno = buf_dup(x, 0);
    s = sub(f, 'p', &n, 0);
    h.census = dup_n(x, s, n);
    s = sub(f, 'z', &n, 0);
    h.note = dup_n(x, s, n);
    add_holding(x, &h);
}

/* Alma's availability field (AVA, in Alma SRU and OAI exports): $a
   institution, $d call number, $c location. */
static void marc21_holding_ava(struct xw *x, const struct wy_field *f)
{
    struct wy_holding h = {NULL, NULL, NULL, NULL};
    size_t n;
    const char *s = sub(f, 'a', &n, 0);
    h.institution = dup_n(x, s, n);
    s = sub(f, 'd', &n, 0);
    h.callno = dup_n(x, s, n);
    s = sub(f, 'c', &n, 0);
    h.note = dup_n(x, s, n);
    add_holding(x, &h);
}

static void describe_marc21(struct xw *x)
{
    struct wy_record *r = x->r;
    struct wy_desc *d = &r->desc;

    const struct wy_field *pub = NULL;
    for (size_t i = 0; i < r->nfields && !pub; i++)
        if (!memcmp(r->fields[i].tag, "260", 3) ||
            (!memcmp(r->fields[i].tag, "264", 3) && r->fields[i].ind2 == '1'))
            pub = &r->fields[i];
    if (!pub)
        pub = wy_record_field(r, "264", NULL);
    if (pub) {
        size_t n;
        const char *s = sub(pub, 'a', &n, 0);
        set_once(x, &d->place, s, n);
        s = sub(pub, 'b', &n, 1);
        set_once(x, &d->publisher, s, n);
        s = sub(pub, 'c', &n, 1);
        set_once(x, &d->date, s, n);
    }

    const char *rights540 = NULL, *rights506 = NULL;
    for (size_t i = 0; i < r->nfields && x->ok; i++) {
        const struct wy_field *f = &r->fields[i];
        char tag[4];
        memcpy(tag, f->tag, 4);
        int vernacular = 0;
        if (!strcmp(tag, "880")) {
            if (!linked_tag(f, tag))
                continue;
            vernacular = 1;
        }
        if (vernacular) {
            /* the original script of a title or name (LoC: altRepGroup) */
            if (!strcmp(tag, "245") || !strcmp(tag, "246") ||
                !strcmp(tag, "130") || !strcmp(tag, "240"))
                marc21_title(x, f, tag);
            else if (tag[1] == '0' || tag[1] == '1' || !strcmp(tag, "720"))
                if (tag[0] == '1' || tag[0] == '7')
                    marc21_name(x, f, tag);
            continue;
        }
        if (wy_tag_is_control(tag)) {
            if (!strcmp(tag, "001"))
                set_once(x, &d->id, f->data, f->len);
            continue;
        }
        size_t n;
        const char *s;
        switch (tag[0]) {
        case '0':
            if (!strcmp(tag, "010")) {
                s = sub(f, 'a', &n, 0);
                add_ident(x, "lccn", s, n);
            } else if (!strcmp(tag, "020")) {
                add_number(x, "isbn", f, 'a');
            } else if (!strcmp(tag, "022")) {
                add_number(x, "issn", f, 'a');
            } else if (!strcmp(tag, "035")) {
                add_subfield_idents(x, "control", f, 'a');
            } else if (!strcmp(tag, "041")) {
                add_languages(x, f, 'a');
            } else if (tag[1] == '9' && join(x, f, "ab", " ")) {
                /* 090-099: local call numbers */
                const char *c = buf_dup(x, 0);
                if (c)
                    add_ident(x, "callno", c, strlen(c));
            }
            break;
        case '1':
            if (!strcmp(tag, "130"))
                marc21_title(x, f, tag);
            else if (tag[1] == '0' || tag[1] == '1')
                marc21_name(x, f, tag);
            break;
        case '2':
            if (!strcmp(tag, "245")) {
                /* the main title goes first even when 240/130 came before */
                size_t before = d->ntitles;
                marc21_title(x, f, tag);
                if (x->ok && d->ntitles == before + 1 && before) {
                    const char *t = d->titles[before];
                    memmove(d->titles + 1, d->titles,
                            before * sizeof(*d->titles));
                    d->titles[0] = t;
                }
                if (join(x, f, "c",
                         " ")) /* LoC MODS: statement of responsibility */
                    add_note_buf(x);
            } else if (!strcmp(tag, "246") || !strcmp(tag, "240")) {
                marc21_title(x, f, tag);
            } else if (!strcmp(tag, "250")) {
                if (join(x, f, "ab", " "))
                    set_buf(x, &d->edition, 0);
            }
            break;
        case '3':
            if (!strcmp(tag, "300") && join(x, f, "abcefg", " "))
                set_buf(x, &d->extent, 0);
            break;
        case '5':
            if (!strcmp(tag, "506") || !strcmp(tag, "540")) {
                if (join(x, f, "abcdfu", " ")) {
                    const char *c = buf_dup(x, 0);
                    if (tag[1] == '4' && !rights540)
                        rights540 = c;
                    else if (tag[1] == '0' && !rights506)
                        rights506 = c;
                }
            } else if (join(x, f, "3abcdefghijklmnopqrstuvwxyz", " ")) {
                add_note_buf(x);
            }
            break;
        case '6':
            if (!strcmp(tag, "655") || !strcmp(tag, "656") ||
                !strcmp(tag, "657") || !strcmp(tag, "658"))
                break;
            if (!strcmp(tag, "600") || !strcmp(tag, "610") ||
                !strcmp(tag, "611"))
                add_subject(x, f, "abcdgnpqt", "vxyz");
            else if (!strcmp(tag, "653")) {
                for (size_t k = 0; k < f->nsub; k++) {
                    if (f->sub[k].code != 'a')
                        continue;
                    const char *t = f->sub[k].data;
                    size_t tn = f->sub[k].len;
                    chop(&t, &tn, 1);
                    if (tn && !wy_desc_add_subject(r, t, tn))
                        x->ok = 0;
                }
            } else
                add_subject(x, f, "abcdgnpt", "vxyz");
            break;
        case '7':
            if (!strcmp(tag, "730") || !strcmp(tag, "740"))
                marc21_title(x, f, tag);
            else if (tag[1] == '0' || tag[1] == '1' || !strcmp(tag, "720"))
                marc21_name(x, f, tag);
            break;
        case '8':
            if (!strcmp(tag, "852"))
                marc21_holding_852(x, f);
            else if (!strcmp(tag, "856"))
                add_subfield_idents(x, "uri", f, 'u');
            break;
        case 'A':
            if (!strcmp(tag, "AVA"))
                marc21_holding_ava(x, f);
            break;
        }
    }
    if (!x->ok)
        return;
    const char *rights = rights540 ? rights540 : rights506;
    if (rights)
        set_once(x, &d->rights, rights, strlen(rights));

    const struct wy_field *f008 = wy_record_field(r, "008", NULL);
    if (f008 && f008->data && f008->len >= 38)
        add_language(x, f008->data + 35, 3);
    /* languages from 041 go after the 008 one, which is the main language */
    if (d->nlanguages > 1 && f008 && f008->len >= 38) {
        for (size_t i = 1; i < d->nlanguages; i++)
            if (!memcmp(d->languages[i], f008->data + 35, 3)) {
                const char *t = d->languages[i];
                memmove(d->languages + 1, d->languages,
                        i * sizeof(*d->languages));
                d->languages[0] = t;
                break;
            }
    }
    marc21_fixed_dates(x, f008);
    if (d->year_from == WY_YEAR_NONE && d->date) {
        int a, b;
        if (xwalk_year_range(d->date, strlen(d->date), &a, &b)) {
            d->year_from = a;
            d->year_to = b;
        }
    }
    const char *type = marc21_type(r->leader[6]);
    if (type)
        d->type = type; /* a static string, like the DC reader's */
}

/* ---- UNIMARC / CNMARC -------------------------------------------------- */

static const char *unimarc_type(char l6)
{
    switch (l6) {
    case 'a':
    case 'b':
    case 'c':
    case 'd':
        return "Text";
    case 'e':
    case 'f':
    case 'k':
        return "StillImage";
    case 'g':
        return "MovingImage";
    case 'i':
    case 'j':
        return "Sound";
    case 'l':
        return "Software";
    case 'm':
        return "Collection";
    case 'r':
        return "PhysicalObject";
    default:
        return NULL;
    }
}

/* UNIMARC relator codes (Appendix C) most seen in Chinese catalogues;
   CNMARC usually writes the relator in Chinese instead, kept as it is. */
static const char *unimarc_relator(const char *code)
{
    static const struct {
        const char code[4], *term;
    } t[] = {
        {"010", "adapter"},
        {"020", "annotator"},
        {"070", "author"},
        {"072", "author in quotations"},
        {"075", "author of afterword"},
        {"080", "author of introduction"},
        {"100", "bibliographic antecedent"},
        {"205", "collaborator"},
        {"210", "commentator"},
        {"212", "commentator"},
        {"220", "compiler"},
        {"340", "editor"},
        {"440", "illustrator"},
        {"557", "organiser of meeting"},
        {"570", "other"},
        {"600", "photographer"},
        {"610", "printer"},
        {"650", "publisher"},
        {"651", "publishing director"},
        {"700", "scribe"},
        {"730", "translator"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (!strcmp(code, t[i].code))
            return t[i].term;
    return NULL;
}

static void unimarc_name(struct xw *x, const struct wy_field *f,
                         const char *tag)
{
    int secondary = tag[2] == '2';
    size_t before = x->r->desc.ncreators;
    if (tag[1] == '0') /* 700-702: $a $b, $c (dynasty) $d, $f dates */
        add_name(x, f, "ab", "cd", "cf", 'f', "4", 1, secondary);
    else if (tag[1] == '1') /* 710-712: $a $b */
        add_name(x, f, "ab", "", "c", 0, "4", 0, secondary);
    else /* 720-722: family names */
        add_name(x, f, "a", "", "c", 'f', "4", 1, secondary);
    struct wy_desc *d = &x->r->desc;
    if (x->ok && d->ncreators == before + 1 && d->creators[before].role) {
        const char *t = unimarc_relator(d->creators[before].role);
        if (t)
            d->creators[before].role = t; /* static text */
    }
}

/* 100 $a: 08 type of date, 09-12 date 1, 13-16 date 2; 22-24 language. */
static void unimarc_fixed(struct xw *x, const struct wy_field *f100)
{
    if (!f100)
        return;
    size_t n = 0;
    const char *s = NULL;
    for (size_t i = 0; i < f100->nsub && !s; i++)
        if (f100->sub[i].code == 'a') {
            s = f100->sub[i].data;
            n = f100->sub[i].len;
        }
    if (!s || n < 17)
        return;
    if (n >= 25 && !x->r->desc.nlanguages)
        add_language(x, s + 22, 3);
    int lo1, hi1, lo2, hi2;
    if (!fixed_year(s + 9, &lo1, &hi1))
        return;
    int has2 = fixed_year(s + 13, &lo2, &hi2);
    struct wy_desc *d = &x->r->desc;
    switch (s[8]) {
    case 'a':
    case 'b':
    case 'c':
    case 'f':
    case 'g':
        d->year_from = lo1;
        d->year_to = has2 && hi2 >= lo1 ? hi2 : hi1;
        break;
    case 'u':
        break;
    default: /* d, e, h, i, j, k: date 1 is this publication's */
        d->year_from = lo1;
        d->year_to = hi1;
    }
    if (!d->date)
        set_once(x, &d->date, s + 9, 4);
}

static void unimarc_holding(struct xw *x, const struct wy_field *f)
{
    struct wy_holding h = {NULL, NULL, NULL, NULL};
    size_t n;
    const char *s = sub(f, 'a', &n, 0);
    h.institution = dup_n(x, s, n);
    /* CNMARC 905: $d classification number, $e book number: "F124/26" */
    if (join(x, f, "de", "/"))
        h.callno = buf_dup(x, 0);
    else if (join(x, f, "s", " "))
        h.callno = buf_dup(x, 0);
    add_holding(x, &h);
}

static void unimarc_title(struct xw *x, const struct wy_field *f)
{
    wy_buf_reset(&x->b);
    char last = 0;
    for (size_t i = 0; i < f->nsub; i++) {
        char c = f->sub[i].code;
        if (c != 'a' && c != 'e' && c != 'h' && c != 'i')
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        chop(&s, &n, 0);
        if (!n)
            continue;
        if (x->b.len)
            wy_buf_adds(&x->b, c == 'a' && last == 'a' ? " ; " : " ");
        wy_buf_add(&x->b, s, n);
        last = c;
    }
    size_t before = x->r->desc.ntitles;
    if (buf_ok(x) && x->b.len)
        add_title_buf(x);
    struct wy_desc *d = &x->r->desc;
    if (x->ok && before && d->ntitles == before + 1) {
        const char *t = d->titles[before];
        memmove(d->titles + 1, d->titles, before * sizeof(*d->titles));
        d->titles[0] = t;
    }
    /* $d parallel title */
    for (size_t i = 0; i < f->nsub; i++) {
        if (f->sub[i].code != 'd')
            continue;
        const char *s = f->sub[i].data;
        size_t n = f->sub[i].len;
        chop(&s, &n, 1);
        if (n && !wy_desc_add_title(x->r, s, n))
            x->ok = 0;
    }
    if (join(x, f, "fg", " ; "))
        add_note_buf(x);
}

static void describe_unimarc(struct xw *x)
{
    struct wy_record *r = x->r;
    struct wy_desc *d = &r->desc;
    int have905 = wy_record_field(r, "905", NULL) != NULL;
    const struct wy_field *pub = wy_record_field(r, "210", NULL);
    if (!pub)
        pub = wy_record_field(r, "214", NULL);
    if (pub) {
        size_t n;
        const char *s = sub(pub, 'a', &n, 1);
        set_once(x, &d->place, s, n);
        s = sub(pub, 'c', &n, 1);
        set_once(x, &d->publisher, s, n);
        s = sub(pub, 'd', &n, 1);
        set_once(x, &d->date, s, n);
    }
    for (size_t i = 0; i < r->nfields && x->ok; i++) {
        const struct wy_field *f = &r->fields[i];
        const char *tag = f->tag;
        if (wy_tag_is_control(tag)) {
            if (!strcmp(tag, "001"))
                set_once(x, &d->id, f->data, f->len);
            continue;
        }
        size_t n;
        const char *s;
        switch (tag[0]) {
        case '0':
            if (!strcmp(tag, "010"))
                add_number(x, "isbn", f, 'a');
            else if (!strcmp(tag, "011"))
                add_number(x, "issn", f, 'a');
            else if (!strcmp(tag, "035"))
                add_subfield_idents(x, "control", f, 'a');
            else if (!strcmp(tag, "090") && join(x, f, "ab", "/")) {
                const char *c = buf_dup(x, 0); /* CNMARC local call no. */
                if (c)
                    add_ident(x, "callno", c, strlen(c));
            }
            break;
        case '1':
            if (!strcmp(tag, "101"))
                add_languages(x, f, 'a');
            break;
        case '2':
            if (!strcmp(tag, "200"))
                unimarc_title(x, f);
            else if (!strcmp(tag, "205") && join(x, f, "ab", " "))
                set_buf(x, &d->edition, 0);
            else if (!strcmp(tag, "215") && join(x, f, "acde", " "))
                set_buf(x, &d->extent, 0);
            break;
        case '3':
            if (!strcmp(tag, "371") || !strcmp(tag, "310")) {
                s = sub(f, 'a', &n, 0);
                if (tag[1] == '7')
                    set_once(x, &d->rights, s, n);
                else if (n && !wy_desc_add_note(r, s, n))
                    x->ok = 0;
            } else if (join(x, f, "a", " ")) {
                add_note_buf(x);
            }
            break;
        case '5':
            /* 500 uniform title, 510-532 variant titles */
            if (tag[1] <= '3' && join(x, f, "aehi", " "))
                add_title_buf(x);
            break;
        case '6':
            if (!strcmp(tag, "600") || !strcmp(tag, "602") ||
                !strcmp(tag, "616"))
                add_subject(x, f, "abcdf", "jxyz");
            else if (!strcmp(tag, "601"))
                add_subject(x, f, "abcde", "jxyz");
            else if (!strcmp(tag, "604") || !strcmp(tag, "605") ||
                     !strcmp(tag, "606") || !strcmp(tag, "607") ||
                     !strcmp(tag, "608") || !strcmp(tag, "617"))
                add_subject(x, f, "ahikl", "jxyz");
            else if (!strcmp(tag, "610"))
                for (size_t k = 0; k < f->nsub; k++) {
                    if (f->sub[k].code != 'a')
                        continue;
                    const char *t = f->sub[k].data;
                    size_t tn = f->sub[k].len;
                    chop(&t, &tn, 1);
                    if (tn && !wy_desc_add_subject(r, t, tn))
                        x->ok = 0;
                }
            break;
        case '7':
            if ((tag[1] == '0' || tag[1] == '1' || tag[1] == '2') &&
                tag[2] >= '0' && tag[2] <= '2')
                unimarc_name(x, f, tag);
            break;
        case '8':
            if (!strcmp(tag, "856"))
                add_subfield_idents(x, "uri", f, 'u');
            break;
        case '9':
            /* CNMARC holdings: 905 per institution; 906 items, used only
               when there is no 905 */
            if (!strcmp(tag, "905") || (!have905 && !strcmp(tag, "906")))
                unimarc_holding(x, f);
            break;
        }
    }
    if (!x->ok)
        return;
    unimarc_fixed(x, wy_record_field(r, "100", NULL));
    if (d->year_from == WY_YEAR_NONE && d->date) {
        int a, b;
        if (xwalk_year_range(d->date, strlen(d->date), &a, &b)) {
            d->year_from = a;
            d->year_to = b;
        }
    }
    const char *type = unimarc_type(r->leader[6]);
    if (type)
        d->type = type;
}

/* The non-sorting markers of MARC (NSB/NSE: U+0088/U+0089, and UNIMARC's
   U+0098/U+009C) belong to the MARC fields, not to titles shown or
   indexed. Every view string is an arena copy made here (or a static
   string, which holds no marker), so it is cleaned in place. */
static void strip_markers(const char *cs)
{
    if (!cs)
        return;
    const unsigned char *p = (const unsigned char *)cs;
    size_t i = 0, o = 0;
    for (; p[i]; i++)
        if (p[i] == 0xC2 && (p[i + 1] == 0x88 || p[i + 1] == 0x89 ||
                             p[i + 1] == 0x98 || p[i + 1] == 0x9C))
            break;
    if (!p[i])
        return;
    char *s = (char *)(uintptr_t)cs;
    for (o = i; p[i]; i++) {
        if (p[i] == 0xC2 && (p[i + 1] == 0x88 || p[i + 1] == 0x89 ||
                             p[i + 1] == 0x98 || p[i + 1] == 0x9C)) {
            i++;
            continue;
        }
        s[o++] = (char)p[i];
    }
    s[o] = '\0';
}

static void strip_view(struct wy_desc *d)
{
    for (size_t i = 0; i < d->ntitles; i++)
        strip_markers(d->titles[i]);
    for (size_t i = 0; i < d->ncreators; i++)
        strip_markers(d->creators[i].name);
    for (size_t i = 0; i < d->nsubjects; i++)
        strip_markers(d->subjects[i]);
    for (size_t i = 0; i < d->nnotes; i++)
        strip_markers(d->notes[i]);
    strip_markers(d->publisher);
    strip_markers(d->place);
    strip_markers(d->edition);
}

wy_code xwalk_describe(struct wy_record *r, struct wy_err *err)
{
    if (r->kind == WY_MARC_NONE)
        return WY_OK;
    struct xw x = {r, WY_BUF_INIT(JOIN_LIMIT), 1, WY_OK};
    if (r->kind == WY_MARC21)
        describe_marc21(&x);
    else
        describe_unimarc(&x);
    wy_code rc = WY_OK;
    if (x.berr == WY_ETOOBIG)
        rc = wy_err_set(err, WY_ETOOBIG,
                        "a field joins to more than %u "
                        "bytes",
                        JOIN_LIMIT);
    else if (!x.ok)
        rc = wy_err_set(err, WY_ENOMEM, "out of memory describing a record");
    else
        strip_view(&r->desc);
    wy_buf_release(&x.b);
    return rc;
}
