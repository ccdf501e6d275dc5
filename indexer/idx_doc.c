/* indexer/idx_doc.c: records to Xapian documents (terms, values, facets,
   snippets), put, cluster value and delete. */
#include "indexer/idx_int.h"

/* ---- building documents ------------------------------------------------ */

/* Normalizes s into x->tmp (replacing its content). */
wy_code idxi_norm(struct idx *x, const char *s, size_t n, struct wy_err *err)
{
    wy_buf_reset(&x->tmp);
    return cjk_normalize(x->cjk, s, n, &x->tmp, err);
}

/* A value for an exact term: normalized, ASCII lowercased, spaces
   collapsed and trimmed. Appended to out. */
wy_code idxi_exact_value(struct idx *x, const char *s, size_t n,
                         struct wy_buf *out, struct wy_err *err)
{
    wy_code rc = idxi_norm(x, s, n, err);
    if (rc != WY_OK)
        return rc;
    const char *p = wy_buf_cstr(&x->tmp);
    int space = 0;
    size_t start = out->len;
    for (size_t i = 0; i < x->tmp.len; i++) {
        char c = p[i];
        if (c == ' ' || c == '\t') {
            space = 1;
            continue;
        }
        if (space && out->len > start)
            wy_buf_addc(out, ' ');
        space = 0;
        wy_buf_addc(out, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
    }
    return wy_buf_status(out, err);
}

/* The number of code points of s[0..n) as cjk_normalize reads them. */
static size_t cp_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; c++)
        cjk_utf8_next(s, n, &i);
    return c;
}

/* Adds one field to the snippet text: the normalized text t[0..tn) (at
   most max bytes of it) to x->snip, and to x->snipo the original s[0..n)
   when folding kept its length in code points (t2s, variants and NFKC of
   full-width forms mostly do), else t again: the two stay aligned code
   point for code point, so a snippet cut from snip maps to snipo. */
static void snip_add(struct idx *x, const char *s, size_t n, const char *t,
                     size_t tn, size_t max)
{
    size_t whole = cp_count(t, tn);
    if (tn > max) {
        tn = max;
        while (tn && ((unsigned char)t[tn] & 0xC0) == 0x80)
            tn--;
    }
    wy_buf_add(&x->snip, t, tn);
    if (whole != cp_count(s, n)) { /* folding changed the length */
        wy_buf_add(&x->snipo, t, tn);
        return;
    }
    /* the original, code point for code point (controls and invalid
       bytes as spaces, as cjk_normalize makes them), as far as t goes */
    size_t tc = cp_count(t, tn), i = 0;
    for (size_t c = 0; c < tc; c++) {
        uint32_t cp = cjk_utf8_next(s, n, &i);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
            cp == 0xFFFD)
            cp = ' ';
        cjk_utf8_put(&x->snipo, cp);
    }
}

/* Indexes free text under prefix and without prefix; adds it to the
   snippet text. wdf weight: repeat (titles count more). */
static wy_code add_text(struct idx *x, const char *prefix, const char *s,
                        int repeat, struct wy_err *err)
{
    if (!s || !*s)
        return WY_OK;
    wy_code rc = idxi_norm(x, s, strlen(s), err);
    if (rc != WY_OK)
        return rc;
    const char *t = wy_buf_cstr(&x->tmp);
    /* each field once, under its prefix: words without a field search all
       of them (the "" entries of idxi_query_fields) */
    rc = idx_xdoc_text(x->doc, prefix ? prefix : P_DATE, t, x->tmp.len,
                       (unsigned)repeat, err);
    idx_xdoc_gap(x->doc);
    if (x->snip.len < 64 * 1024) {
        snip_add(x, s, strlen(s), t, x->tmp.len, x->tmp.len);
        wy_buf_adds(&x->snip, " \xe2\x80\xa6 "); /* " … " */
        wy_buf_adds(&x->snipo, " \xe2\x80\xa6 ");
    }
    return rc == WY_OK ? wy_buf_status(&x->snip, err) : rc;
}

/* Whether the value b[start..] (the last one) is already among the values
   before it (separated by IDX_X_MULTI_SEP). */
static int has_value(const struct wy_buf *b, size_t start)
{
    const char *p = wy_buf_cstr(b), *v = p + start;
    size_t vlen = b->len - start, i = 0;
    while (start && i < start - 1) {
        const char *q = memchr(p + i, IDX_X_MULTI_SEP, start - 1 - i);
        size_t end = q ? (size_t)(q - p) : start - 1;
        if (end - i == vlen && !memcmp(p + i, v, vlen))
            return 1;
        i = end + 1;
    }
    return 0;
}

/* Adds an exact term and, when f is a facet, the display value. */
static wy_code add_exact(struct idx *x, const char *prefix, int f,
                         const char *s, struct wy_err *err)
{
    if (!s)
        return WY_OK;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    if (!n)
        return WY_OK;
    wy_buf_reset(&x->val);
    wy_code rc = idxi_exact_value(x, s, n, &x->val, err);
    if (rc != WY_OK || !x->val.len)
        return rc;
    rc = idx_xdoc_term(x->doc, prefix, wy_buf_cstr(&x->val), x->val.len, err);
    if (rc == WY_OK && f >= 0) {
        /* the displayed value is normalized too (case kept), so 國家圖書館
           and 国家图书馆 are one facet value, as they are one term: x->tmp
           still holds s normalized by idxi_exact_value() */
        wy_buf_reset(&x->val);
        cjk_restore_rare(wy_buf_cstr(&x->tmp), x->tmp.len, &x->val);
        struct wy_buf *b = &x->facet[f];
        if (b->len)
            wy_buf_addc(b, IDX_X_MULTI_SEP);
        const char *v = wy_buf_cstr(&x->val);
        int space = 0;
        size_t start = b->len;
        for (size_t i = 0; i < x->val.len; i++) {
            if (v[i] == ' ' || v[i] == IDX_X_MULTI_SEP) {
                space = 1;
                continue;
            }
            if (space && b->len > start)
                wy_buf_addc(b, ' ');
            space = 0;
            wy_buf_addc(b, v[i]);
        }
        rc = wy_buf_status(b, err);
        if (rc == WY_OK && has_value(b, start))
            wy_buf_truncate(b, start ? start - 1 : 0); /* a repeat */
    }
    return rc;
}

static wy_code add_facet(struct idx *x, enum idx_facet_kind f, const char *s,
                         struct wy_err *err)
{
    return add_exact(x, idxi_facet_defs[f].prefix, (int)f, s, err);
}

/* Identifiers are matched without case, spaces or hyphens (ISBNs are
   written with and without hyphens): one term per identifier, the
   normalized value with those dropped; identifier values in queries get
   the same treatment (see query_values). */
static wy_code add_ident(struct idx *x, const char *v, struct wy_err *err)
{
    if (!v)
        return WY_OK;
    wy_buf_reset(&x->val);
    wy_code rc = idxi_exact_value(x, v, strlen(v), &x->val, err);
    if (rc != WY_OK)
        return rc;
    char *p = x->val.p;
    size_t k = 0;
    for (size_t i = 0; i < x->val.len; i++)
        if (p[i] != '-' && p[i] != ' ')
            p[k++] = p[i];
    wy_buf_truncate(&x->val, k);
    if (!k)
        return WY_OK;
    return idx_xdoc_term(x->doc, P_IDENT, wy_buf_cstr(&x->val), k, err);
}

static int century_of(int year)
{
    return year > 0 ? (year - 1) / 100 + 1 : -((-year) / 100 + 1);
}

/* "[清]", "清代", "(清)" -> "清". Appended to out. */
static void clean_dynasty(const char *s, struct wy_buf *out)
{
    size_t n = strlen(s), i = 0;
    static const char *const br[] = {"[",
                                     "]",
                                     "(",
                                     ")",
                                     "\xef\xbc\x88",
                                     "\xef\xbc\x89",
                                     "\xe3\x80\x94",
                                     "\xe3\x80\x95",
                                     " "};
    struct wy_buf t = WY_BUF_INIT(1024);
    while (i < n) {
        int skipped = 0;
        for (size_t k = 0; k < sizeof(br) / sizeof(br[0]); k++) {
            size_t l = strlen(br[k]);
            if (!strncmp(s + i, br[k], l)) {
                i += l, skipped = 1;
                break;
            }
        }
        if (!skipped)
            wy_buf_addc(&t, s[i++]);
    }
    const char *c = wy_buf_cstr(&t);
    size_t l = t.len;
    /* a trailing 代 or 朝 (3 bytes each) after at least one character */
    if (l > 3 && (!strcmp(c + l - 3, "代") || !strcmp(c + l - 3, "朝")))
        l -= 3;
    wy_buf_add(out, c, l);
    wy_buf_release(&t);
}

static int has_han(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n)
        if (cjk_is_han(cjk_utf8_next(s, n, &i)))
            return 1;
    return 0;
}

/* Which free-text field a MARC 21 tag feeds (for its 880 pair). */
static const char *prefix_of_tag(const char *tag, char code)
{
    static const struct {
        const char *tag, *prefix;
    } map[] = {
        {"245", P_TITLE},   {"246", P_TITLE},   {"240", P_TITLE},
        {"130", P_TITLE},   {"730", P_TITLE},   {"740", P_TITLE},
        {"490", P_TITLE},   {"830", P_TITLE},   {"100", P_CREATOR},
        {"110", P_CREATOR}, {"111", P_CREATOR}, {"700", P_CREATOR},
        {"710", P_CREATOR}, {"711", P_CREATOR}, {"600", P_SUBJECT},
        {"610", P_SUBJECT}, {"611", P_SUBJECT}, {"630", P_SUBJECT},
        {"650", P_SUBJECT}, {"651", P_SUBJECT}, {"250", P_EDITION},
        {"500", P_NOTE},    {"505", P_NOTE},    {"520", P_NOTE},
    };
    if (!strncmp(tag, "260", 3) || !strncmp(tag, "264", 3))
        return code == 'a' ? P_PLACE : code == 'b' ? P_PUBLISHER : NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strncmp(tag, map[i].tag, 3))
            return map[i].prefix;
    return NULL;
}

/* MARC 880 (alternate graphic representation): its $6 names the field it
   pairs with ("245-01/$1"); its text is indexed as that field. */
static wy_code add_880(struct idx *x, const struct wy_record *r,
                       struct wy_err *err)
{
    wy_code rc = WY_OK;
    for (const struct wy_field *f = wy_record_field(r, "880", NULL);
         f && rc == WY_OK; f = wy_record_field(r, "880", f)) {
        const char *link = wy_field_sub(f, '6');
        if (!link || strlen(link) < 3)
            continue;
        struct wy_buf b = WY_BUF_INIT(1u << 20);
        const char *last = NULL;
        for (size_t i = 0; i < f->nsub; i++) {
            const char *p = prefix_of_tag(link, f->sub[i].code);
            if (f->sub[i].code == '6' || !p ||
                (f->sub[i].code >= '0' && f->sub[i].code <= '9'))
                continue;
            if (last && strcmp(last, p)) {
                rc = add_text(x, last, wy_buf_cstr(&b), 1, err);
                wy_buf_reset(&b);
            }
            last = p;
            if (b.len)
                wy_buf_addc(&b, ' ');
            wy_buf_add(&b, f->sub[i].data, f->sub[i].len);
        }
        if (rc == WY_OK && last && b.len)
            rc = add_text(x, last, wy_buf_cstr(&b),
                          !strcmp(last, P_TITLE) ? 2 : 1, err);
        if (rc == WY_OK)
            rc = wy_buf_status(&b, err);
        wy_buf_release(&b);
    }
    return rc;
}

/* The text of an hOCR page: the character data of its body, tags dropped
   and the five XML entities and numeric references decoded. */
static void hocr_text(const char *p, size_t n, struct wy_buf *out)
{
    size_t i = 0;
    const char *body = NULL;
    for (size_t k = 0; k + 5 <= n; k++)
        if (!strncmp(p + k, "<body", 5)) {
            body = p + k;
            break;
        }
    if (body)
        i = (size_t)(body - p);
    int pending = 0; /* a tag was passed: a word boundary */
    while (i < n) {
        if (p[i] == '<') {
            while (i < n && p[i] != '>')
                i++;
            i++;
            pending = 1;
            continue;
        }
        if (pending) {
            /* between two CJK characters a tag is no space: Chinese is
               written without them, and snippets should read that way
               (lead bytes E3-E9 and F0 start the ideographs and marks) */
            unsigned char next = (unsigned char)p[i];
            unsigned char last =
                out->len ? (unsigned char)out->p[out->len - 1] : 0;
            int cjk_next = (next >= 0xE3 && next <= 0xE9) || next == 0xF0;
            if (!(cjk_next && last >= 0x80))
                wy_buf_addc(out, ' ');
            pending = 0;
        }
        if (p[i] == '&') {
            static const struct {
                const char *ent;
                char c;
            } e[] = {{"&amp;", '&'},
                     {"&lt;", '<'},
                     {"&gt;", '>'},
                     {"&quot;", '"'},
                     {"&apos;", '\''}};
            int done = 0;
            for (size_t k = 0; k < 5 && !done; k++) {
                size_t l = strlen(e[k].ent);
                if (i + l <= n && !strncmp(p + i, e[k].ent, l)) {
                    wy_buf_addc(out, e[k].c);
                    i += l, done = 1;
                }
            }
            if (!done && i + 3 < n && p[i + 1] == '#') {
                size_t j = i + 2;
                int hex = j < n && (p[j] == 'x' || p[j] == 'X');
                j += (size_t)hex;
                unsigned long cp = 0;
                size_t digits = 0;
                while (j < n && digits < 8) {
                    int v =
                        p[j] >= '0' && p[j] <= '9'          ? p[j] - '0'
                        : hex && p[j] >= 'a' && p[j] <= 'f' ? p[j] - 'a' + 10
                        : hex && p[j] >= 'A' && p[j] <= 'F' ? p[j] - 'A' + 10
                                                            : -1;
                    if (v < 0)
                        break;
                    cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                    j++, digits++;
                }
                if (digits && j < n && p[j] == ';' && cp && cp <= 0x10FFFF &&
                    !(cp >= 0xD800 && cp <= 0xDFFF)) {
                    cjk_utf8_put(out, (uint32_t)cp);
                    i = j + 1, done = 1;
                }
            }
            if (done)
                continue;
        }
        wy_buf_addc(out, p[i++]);
    }
}

static wy_code add_full_text(struct idx *x, const struct idx_text *t,
                             struct wy_err *err)
{
    struct wy_buf plain = WY_BUF_INIT(CJK_MAX_INPUT);
    const char *s = t->data;
    size_t n = t->len;
    if (t->kind == IDX_TEXT_HOCR) {
        hocr_text(t->data, t->len, &plain);
        s = wy_buf_cstr(&plain);
        n = plain.len;
    }
    wy_code rc = wy_buf_status(&plain, err);
    if (rc == WY_OK)
        rc = idxi_norm(x, s, n, err);
    if (rc == WY_OK)
        rc = idx_xdoc_text(x->doc, P_TEXT, wy_buf_cstr(&x->tmp), x->tmp.len, 1,
                           err);
    idx_xdoc_gap(x->doc);
    if (rc == WY_OK && x->snip.len < 64 * 1024)
        snip_add(x, s, n, wy_buf_cstr(&x->tmp), x->tmp.len, 32 * 1024);
    wy_buf_release(&plain);
    if (rc != WY_OK && t->object)
        wy_err_prefix(err, "object '%s'", t->object);
    return rc;
}

static wy_code add_year(struct idx *x, unsigned slot, int y, struct wy_err *err)
{
    if (y == WY_YEAR_NONE)
        return WY_OK;
    char b[18];
    size_t n = idx_x_sortable((double)y, b);
    return idx_xdoc_value(x->doc, slot, b, n, err);
}

/* The title sort key: normalized, lowercased, leading punctuation and
   English articles dropped. */
static wy_code add_title_key(struct idx *x, const char *title,
                             struct wy_err *err)
{
    wy_buf_reset(&x->val);
    wy_code rc = idxi_exact_value(x, title, strlen(title), &x->val, err);
    if (rc != WY_OK)
        return rc;
    const char *s = wy_buf_cstr(&x->val);
    while (*s && strchr(" \"'[(<.-", *s))
        s++;
    static const char *const art[] = {"the ", "a ", "an "};
    for (size_t i = 0; i < 3; i++)
        if (!strncmp(s, art[i], strlen(art[i]))) {
            s += strlen(art[i]);
            break;
        }
    size_t n = strlen(s);
    return idx_xdoc_value(x->doc, SLOT_TITLE_SORT, s, n > 200 ? 200 : n, err);
}

/* Document data: id, title, date, first creator, year_from, year_to,
   separated by 0x1e (fields never hold it: it is a control character). */
static void add_data_field(struct wy_buf *b, const char *s, int last)
{
    for (; s && *s; s++)
        wy_buf_addc(b, *s == '\x1e' ? ' ' : *s);
    if (!last)
        wy_buf_addc(b, '\x1e');
}

/* The holding library's facet value (resolved when a resolver is set). */
static wy_code add_library(struct idx *x, const char *inst, struct wy_err *err)
{
    if (!x->library_fn || !inst)
        return add_facet(x, IDX_FACET_LIBRARY, inst, err);
    char *name = NULL;
    wy_code rc = x->library_fn(x->library_ctx, inst, &name, err);
    if (rc == WY_OK && name)
        rc = add_facet(x, IDX_FACET_LIBRARY, name, err);
    free(name);
    return rc;
}

/* A place as catalogued, for the place and region facets: brackets and
   the ISBD punctuation around it dropped ("[北京] :" -> "北京"). Appended
   to out. */
static void clean_place(const char *s, struct wy_buf *out)
{
    static const char *const drop[] = {"[",
                                       "]",
                                       "\xef\xbc\xbb",
                                       "\xef\xbc\xbd",
                                       "\xe3\x80\x94",
                                       "\xe3\x80\x95",
                                       "?"};
    static const char *const trim[] = {" ",
                                       ":",
                                       ";",
                                       ",",
                                       "/",
                                       ".",
                                       "=",
                                       "\xef\xbc\x9a",
                                       "\xef\xbc\x9b",
                                       "\xef\xbc\x8c",
                                       "\xe3\x80\x82"};
    size_t start = out->len;
    for (size_t i = 0; s[i];) {
        int skip = 0;
        for (size_t k = 0; k < sizeof(drop) / sizeof(drop[0]) && !skip; k++)
            if (!strncmp(s + i, drop[k], strlen(drop[k])))
                i += strlen(drop[k]), skip = 1;
        if (!skip)
            wy_buf_addc(out, s[i++]);
    }
    for (int again = !out->error; again;) { /* trailing, leading punct. */
        again = 0;
        const char *p = wy_buf_cstr(out) + start;
        size_t n = out->len - start;
        for (size_t k = 0; k < sizeof(trim) / sizeof(trim[0]); k++) {
            size_t l = strlen(trim[k]);
            if (n >= l && !memcmp(p + n - l, trim[k], l)) {
                wy_buf_truncate(out, out->len - l);
                again = 1;
                break;
            }
            if (n >= l && !memcmp(p, trim[k], l)) {
                memmove(out->p + start, p + l, n - l);
                wy_buf_truncate(out, out->len - l);
                again = 1;
                break;
            }
        }
    }
}

/* MARC geographic area codes (043 "a-cc---", CNMARC 660): not names. */
static int is_area_code(const char *s)
{
    int dash = 0;
    for (; *s; s++) {
        if (*s == '-')
            dash = 1;
        else if (!(*s >= 'a' && *s <= 'z') && *s != ' ')
            return 0;
    }
    return dash;
}

/* The collection facets: 版本类别 (the census category the edition names),
   place of publication, region the record is about (docs/COLLECTIONS.md). */
static wy_code add_profile_facets(struct idx *x, const struct wy_record *r,
                                  struct wy_err *err)
{
    const char *v[32];
    wy_code rc = WY_OK;
    /* the edition statement (250 $a, 205 $a) and the census categories
       the profile finds (also in 655 terms) */
    static const char *const ed[] = {"edition", "edition_type"};
    for (size_t k = 0; k < 2 && rc == WY_OK; k++) {
        size_t n = prof_values_of(ed[k], r, v, 32);
        for (size_t i = 0; i < n && rc == WY_OK; i++)
            rc = add_facet(x, IDX_FACET_EDITION_TYPE,
                           prof_edition_category(v[i]), err);
    }
    struct wy_buf b = WY_BUF_INIT(4096);
    static const struct {
        const char *key;
        enum idx_facet_kind f;
    } places[] = {{"place", IDX_FACET_PLACE}, {"region", IDX_FACET_REGION}};
    for (size_t k = 0; k < 2 && rc == WY_OK; k++) {
        size_t n = prof_values_of(places[k].key, r, v, 32);
        for (size_t i = 0; i < n && rc == WY_OK; i++) {
            if (is_area_code(v[i]))
                continue;
            wy_buf_reset(&b);
            clean_place(v[i], &b);
            rc = wy_buf_status(&b, err);
            if (rc == WY_OK && b.len)
                rc = add_facet(x, places[k].f, wy_buf_cstr(&b), err);
        }
    }
    wy_buf_release(&b);
    return rc;
}

static wy_code build(struct idx *x, const struct wy_record *r,
                     const struct idx_meta *m, const struct idx_text *texts,
                     size_t ntexts, struct wy_err *err)
{
    const struct wy_desc *d = &r->desc;
    wy_code rc = idx_xdoc_clear(x->doc, err);
    wy_buf_reset(&x->snip);
    wy_buf_reset(&x->snipo);
    for (int f = 0; f < IDX_NFACETS; f++)
        wy_buf_reset(&x->facet[f]);

    for (size_t i = 0; i < d->ntitles && rc == WY_OK; i++)
        rc = add_text(x, P_TITLE, d->titles[i], 2, err);
    for (size_t i = 0; i < d->ncreators && rc == WY_OK; i++) {
        rc = add_text(x, P_CREATOR, d->creators[i].name, 1, err);
        if (rc == WY_OK)
            rc = add_facet(x, IDX_FACET_CREATOR, d->creators[i].name, err);
    }
    for (size_t i = 0; i < d->nsubjects && rc == WY_OK; i++)
        rc = add_text(x, P_SUBJECT, d->subjects[i], 1, err);
    if (rc == WY_OK)
        rc = add_text(x, P_PUBLISHER, d->publisher, 1, err);
    if (rc == WY_OK)
        rc = add_text(x, P_PLACE, d->place, 1, err);
    if (rc == WY_OK)
        rc = add_text(x, P_EDITION, d->edition, 1, err);
    if (rc == WY_OK)
        rc = add_text(x, NULL, d->date, 1, err);
    for (size_t i = 0; i < d->nnotes && rc == WY_OK; i++)
        rc = add_text(x, P_NOTE, d->notes[i], 1, err);
    if (rc == WY_OK && r->kind == WY_MARC21)
        rc = add_880(x, r, err);
    for (size_t i = 0; i < d->nidents && rc == WY_OK; i++)
        rc = add_ident(x, d->idents[i].value, err);
    for (size_t i = 0; i < d->nholdings && rc == WY_OK; i++) {
        rc = add_library(x, d->holdings[i].institution, err);
        if (rc == WY_OK)
            rc = add_ident(x, d->holdings[i].callno, err);
        if (rc == WY_OK)
            rc = add_ident(x, d->holdings[i].census, err);
    }
    for (size_t i = 0; i < d->nlanguages && rc == WY_OK; i++)
        rc = add_facet(x, IDX_FACET_LANGUAGE, d->languages[i], err);
    if (rc == WY_OK)
        rc = add_facet(x, IDX_FACET_TYPE, d->type, err);
    if (rc == WY_OK)
        rc = add_facet(x, IDX_FACET_COLLECTION, m->collection, err);
    if (rc == WY_OK)
        rc = add_facet(x, IDX_FACET_SOURCE, m->source, err);
    for (size_t i = 0; i < m->nsets && rc == WY_OK; i++)
        rc = add_exact(x, P_SET, -1, m->sets[i], err);
    if (rc == WY_OK)
        rc = add_profile_facets(x, r, err);
    if (rc == WY_OK && m->cluster > 0) {
        char c[24];
        int n = snprintf(c, sizeof(c), "%lld", (long long)m->cluster);
        rc = idx_xdoc_value(x->doc, SLOT_CLUSTER, c, (size_t)n, err);
    }

    /* dates: the range, its century, and for Chinese books the dynasty */
    if (rc == WY_OK)
        rc = add_year(x, SLOT_YEAR_FROM, d->year_from, err);
    if (rc == WY_OK)
        rc = add_year(x, SLOT_YEAR_TO, d->year_to, err);
    if (rc == WY_OK)
        rc = add_year(x, SLOT_DATE_SORT,
                      d->year_from == WY_YEAR_NONE ? 1000000 : d->year_from,
                      err);
    if (rc == WY_OK && d->year_from != WY_YEAR_NONE) {
        char c[16];
        snprintf(c, sizeof(c), "%d", century_of(d->year_from));
        rc = add_facet(x, IDX_FACET_CENTURY, c, err);
    }
    const char *dyn = NULL;
    for (size_t i = 0; i < d->ncreators && !dyn; i++)
        if (d->creators[i].dynasty && *d->creators[i].dynasty)
            dyn = d->creators[i].dynasty;
    struct wy_buf db = WY_BUF_INIT(1024);
    if (dyn)
        clean_dynasty(dyn, &db);
    else if (d->ntitles && has_han(d->titles[0]) &&
             d->year_from != WY_YEAR_NONE && fmt_date_dynasty(d->year_from))
        wy_buf_adds(&db, fmt_date_dynasty(d->year_from));
    if (rc == WY_OK && db.len)
        rc = add_facet(x, IDX_FACET_DYNASTY, wy_buf_cstr(&db), err);
    wy_buf_release(&db);

    for (size_t i = 0; i < ntexts && rc == WY_OK; i++)
        rc = add_full_text(x, &texts[i], err);

    if (rc == WY_OK && d->ntitles)
        rc = add_title_key(x, d->titles[0], err);
    if (rc == WY_OK) {
        /* every facet value in one slot as a dictionary id (varint): one
           short value read per match, counted by id without hashing */
        wy_buf_reset(&x->val);
        for (int f = 0; f < IDX_NFACETS && rc == WY_OK; f++) {
            const char *p = wy_buf_cstr(&x->facet[f]);
            const char *end = p + x->facet[f].len;
            while (p < end && rc == WY_OK) {
                const char *q = memchr(p, IDX_X_MULTI_SEP, (size_t)(end - p));
                if (!q)
                    q = end;
                uint32_t id = 0;
                if (q > p)
                    rc = idx_xdb_facet_id(x->db, (unsigned)f, p,
                                          (size_t)(q - p), &id, err);
                for (; rc == WY_OK && id; id >>= 7)
                    wy_buf_addc(&x->val,
                                (char)((id & 0x7f) | (id > 0x7f ? 0x80 : 0)));
                p = q + 1;
            }
        }
        if (rc == WY_OK)
            rc = wy_buf_status(&x->val, err);
        if (rc == WY_OK)
            rc = idx_xdoc_value(x->doc, SLOT_FACETS, wy_buf_cstr(&x->val),
                                x->val.len, err);
    }
    if (rc == WY_OK)
        rc = idx_xdoc_value(x->doc, SLOT_SNIPPET, wy_buf_cstr(&x->snip),
                            x->snip.len, err);
    if (rc == WY_OK)
        rc = wy_buf_status(&x->snipo, err);
    if (rc == WY_OK && x->snipo.len &&
        (x->snipo.len != x->snip.len ||
         memcmp(x->snipo.p, x->snip.p, x->snip.len)))
        rc = idx_xdoc_value(x->doc, SLOT_SNIPPET_ORIG, wy_buf_cstr(&x->snipo),
                            x->snipo.len, err);
    if (rc == WY_OK) {
        struct wy_buf data = WY_BUF_INIT(1u << 20);
        char yf[16] = "", yt[16] = "";
        if (d->year_from != WY_YEAR_NONE)
            snprintf(yf, sizeof(yf), "%d", d->year_from);
        if (d->year_to != WY_YEAR_NONE)
            snprintf(yt, sizeof(yt), "%d", d->year_to);
        add_data_field(&data, m->id, 0);
        add_data_field(&data, d->ntitles ? d->titles[0] : "", 0);
        add_data_field(&data, d->date, 0);
        add_data_field(&data, d->ncreators ? d->creators[0].name : "", 0);
        add_data_field(&data, yf, 0);
        add_data_field(&data, yt, 1);
        rc = wy_buf_status(&data, err);
        if (rc == WY_OK)
            rc = idx_xdoc_data(x->doc, wy_buf_cstr(&data), data.len, err);
        wy_buf_release(&data);
    }
    return rc;
}

static wy_code id_term(const char *id, struct wy_buf *b, struct wy_err *err)
{
    wy_buf_adds(b, P_ID);
    wy_buf_adds(b, id);
    return wy_buf_status(b, err);
}

wy_code idx_put(struct idx *x, const struct wy_record *r,
                const struct idx_meta *m, const struct idx_text *texts,
                size_t ntexts, struct wy_err *err)
{
    if (!m || !m->id || !*m->id)
        return wy_err_set(err, WY_EINVAL, "indexing a record without an id");
    if (m->deleted)
        return idx_delete(x, m->id, err);
    if (!r)
        return wy_err_set(err, WY_EINVAL, "record '%s': no record to index",
                          m->id);
    if (strlen(m->id) > IDX_X_MAX_TERM - 1)
        return wy_err_set(err, WY_ETOOBIG,
                          "record id of %zu bytes is over the limit of %d",
                          strlen(m->id), IDX_X_MAX_TERM - 1);
    struct wy_buf t = WY_BUF_INIT(4096);
    wy_code rc = build(x, r, m, texts, ntexts, err);
    if (rc == WY_OK)
        rc = id_term(m->id, &t, err);
    if (rc != WY_OK) {
        wy_buf_release(&t);
        return wy_err_prefix(err, "record '%s'", m->id);
    }
    if (x->fresh && x->threads > 1) {
        /* errors may be an earlier record's: they name its id term */
        rc = idx_xdb_add_async(x->db, wy_buf_cstr(&t), x->doc, err);
        wy_buf_release(&t);
        return rc;
    }
    if (x->fresh)
        rc = idx_xdb_add(x->db, wy_buf_cstr(&t), x->doc, err);
    else
        rc = idx_xdb_replace(x->db, wy_buf_cstr(&t), x->doc, err);
    wy_buf_release(&t);
    if (rc != WY_OK)
        wy_err_prefix(err, "record '%s'", m->id);
    return rc;
}

wy_code idx_set_cluster(struct idx *x, const char *id, int64_t cluster,
                        int *changed, struct wy_err *err)
{
    struct wy_buf t = WY_BUF_INIT(4096);
    char c[24] = "";
    int n =
        cluster > 0 ? snprintf(c, sizeof(c), "%lld", (long long)cluster) : 0;
    wy_code rc = id_term(id, &t, err);
    if (rc == WY_OK)
        rc = idx_xdb_set_value(x->db, wy_buf_cstr(&t), SLOT_CLUSTER, c,
                               (size_t)n, changed, err);
    wy_buf_release(&t);
    if (rc != WY_OK)
        wy_err_prefix(err, "record '%s'", id);
    return rc;
}

wy_code idx_delete(struct idx *x, const char *id, struct wy_err *err)
{
    struct wy_buf t = WY_BUF_INIT(4096);
    wy_code rc = id_term(id, &t, err);
    if (rc == WY_OK)
        rc = idx_xdb_delete(x->db, wy_buf_cstr(&t), err);
    wy_buf_release(&t);
    return rc;
}
