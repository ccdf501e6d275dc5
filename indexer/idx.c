/* indexer/idx.c: records to Xapian documents, and searches. The schema
   (prefixes, value slots) is in the tables below and in docs/SEARCH.md. */
#include "indexer/idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/path.h"
#include "formats/dates.h"
#include "indexer/cjk.h"
#include "indexer/xapian_c.h"
#include "repository/profile.h"

/* Bump when prefixes, slots or what goes into a document change. */
#define IDX_SCHEMA "wenyuan-index 7"
#define META_SCHEMA "wenyuan.schema"
#define META_CJK "wenyuan.cjk"
#define META_SEQ "wenyuan.seq"
#define META_CLUSTER "wenyuan.cluster_changed"

/* Value slots. */
enum {
    SLOT_YEAR_FROM = 0, /* sortable_serialise(year) */
    SLOT_YEAR_TO = 1,
    SLOT_TITLE_SORT = 2,
    SLOT_FACETS = 3,    /* the facets' values as dictionary ids
                           (idx_xdb_facet_id, facet = idx_facet_kind),
                           each a varint */
    SLOT_CLUSTER = 4,   /* union-catalogue cluster id (decimal): the
                           collapse key; none when not clustered */
    SLOT_SNIPPET = 20,  /* normalized text snippets are cut from */
    SLOT_DATE_SORT = 21, /* year_from, or after every year when unknown */
    SLOT_SNIPPET_ORIG = 22 /* the snippet text in the original script, as
                              many code points as SLOT_SNIPPET; only when
                              it differs */
};

/* Term prefixes of free-text fields (also indexed without prefix). */
#define P_TITLE "S"
#define P_CREATOR "A"
#define P_SUBJECT "K"
#define P_PUBLISHER "XPUB"
#define P_PLACE "XPLACE"
#define P_EDITION "XED"
#define P_NOTE "XN"
#define P_TEXT "XF"
#define P_DATE "XDATE"
/* Boolean (exact) prefixes. */
#define P_ID "Q"
#define P_IDENT "XID"
#define P_SET "XSET"

static const struct {
    const char *name, *prefix;
} facet_defs[IDX_NFACETS] = {
    [IDX_FACET_COLLECTION] = {"collection", "XCOLL"},
    [IDX_FACET_LIBRARY] = {"library", "XLIB"},
    [IDX_FACET_TYPE] = {"type", "XTYPE"},
    [IDX_FACET_LANGUAGE] = {"language", "XLANG"},
    [IDX_FACET_CREATOR] = {"creator", "XAUTH"},
    [IDX_FACET_CENTURY] = {"century", "XCENT"},
    [IDX_FACET_DYNASTY] = {"dynasty", "XDYN"},
    [IDX_FACET_SOURCE] = {"source", "XSRC"},
    [IDX_FACET_EDITION_TYPE] = {"edition_type", "XEDT"},
    [IDX_FACET_PLACE] = {"place", "XPLC"},
    [IDX_FACET_REGION] = {"region", "XREG"},
};

/* Field names of the query language (English and Chinese). */
static const struct idx_xfield query_fields[] = {
    {"", P_TITLE, 0},
    {"", P_CREATOR, 0},
    {"", P_SUBJECT, 0},
    {"", P_PUBLISHER, 0},
    {"", P_PLACE, 0},
    {"", P_EDITION, 0},
    {"", P_NOTE, 0},
    {"", P_TEXT, 0},
    {"", P_DATE, 0},
    {"title", P_TITLE, 0},
    {"题名", P_TITLE, 0},
    {"creator", P_CREATOR, 0},
    {"author", P_CREATOR, 0},
    {"责任者", P_CREATOR, 0},
    {"作者", P_CREATOR, 0},
    {"subject", P_SUBJECT, 0},
    {"主题", P_SUBJECT, 0},
    {"publisher", P_PUBLISHER, 0},
    {"出版者", P_PUBLISHER, 0},
    {"place", P_PLACE, 0},
    {"出版地", P_PLACE, 0},
    {"edition", P_EDITION, 0},
    {"版本", P_EDITION, 0},
    {"note", P_NOTE, 0},
    {"附注", P_NOTE, 0},
    {"text", P_TEXT, 0},
    {"全文", P_TEXT, 0},
    {"id", P_IDENT, 1},
    {"isbn", P_IDENT, 1},
    {"issn", P_IDENT, 1},
    {"callno", P_IDENT, 1},
    {"set", P_SET, 1},
    {"collection", "XCOLL", 1},
    {"library", "XLIB", 1},
    {"type", "XTYPE", 1},
    {"language", "XLANG", 1},
    {"lang", "XLANG", 1},
    {"century", "XCENT", 1},
    {"dynasty", "XDYN", 1},
    {"朝代", "XDYN", 1},
    {"source", "XSRC", 1},
    {"edition_type", "XEDT", 1},
    {"版本类别", "XEDT", 1},
    {"地点", "XPLC", 1},
    {"region", "XREG", 1},
    {"主题地域", "XREG", 1},
};
#define NQUERY_FIELDS (sizeof(query_fields) / sizeof(query_fields[0]))

struct idx {
    struct idx_xdb *db;
    struct cjk *cjk;
    struct idx_xdoc *doc; /* reused for every record */
    enum idx_mode mode;
    int fresh;                    /* see idx_set_fresh() */
    int threads;                  /* see idx_set_threads() */
    char *stale;                  /* why the index needs a rebuild, or NULL */
    struct wy_buf tmp, val, snip; /* scratch, reused */
    struct wy_buf snipo;          /* snip in the original script */
    struct wy_buf facet[IDX_NFACETS];
    idx_library_fn library_fn; /* see idx_set_library_resolver() */
    void *library_ctx;
};

void idx_set_library_resolver(struct idx *x, idx_library_fn fn, void *ctx)
{
    x->library_fn = fn;
    x->library_ctx = ctx;
}

const char *idx_facet_name(enum idx_facet_kind f)
{
    return (unsigned)f < IDX_NFACETS ? facet_defs[f].name : "?";
}

static const char *norm_version(void)
{
    return cjk_version();
}

static wy_code check_versions(struct idx *x, struct wy_err *err)
{
    char *schema = NULL, *cjkv = NULL;
    wy_code rc = idx_xdb_get_meta(x->db, META_SCHEMA, &schema, err);
    if (rc == WY_OK)
        rc = idx_xdb_get_meta(x->db, META_CJK, &cjkv, err);
    if (rc != WY_OK)
        goto out;
    uint64_t n = 0;
    rc = idx_xdb_doccount(x->db, &n, err);
    if (rc != WY_OK)
        goto out;
    if (!*schema && n == 0 && x->mode != IDX_READ) {
        /* a new index: stamp it */
        rc = idx_xdb_set_meta(x->db, META_SCHEMA, IDX_SCHEMA, err);
        if (rc == WY_OK)
            rc = idx_xdb_set_meta(x->db, META_CJK, norm_version(), err);
        goto out;
    }
    struct wy_buf b = WY_BUF_INIT(4096);
    if (strcmp(schema, IDX_SCHEMA))
        wy_buf_addf(&b, "index schema '%s', this program writes '%s'", schema,
                    IDX_SCHEMA);
    else if (strcmp(cjkv, norm_version()))
        wy_buf_addf(&b,
                    "index built with variant table '%s', this program "
                    "has '%s'",
                    cjkv, norm_version());
    if (b.len)
        x->stale = wy_buf_take(&b, NULL);
    rc = wy_buf_status(&b, err);
    wy_buf_release(&b);
out:
    free(schema);
    free(cjkv);
    return rc;
}

wy_code idx_open(struct idx **out, const char *path, enum idx_mode mode,
                 struct wy_err *err)
{
    *out = NULL;
    struct idx *x = wy_calloc(1, sizeof(*x));
    if (!x)
        return wy_err_set(err, WY_ENOMEM, "out of memory opening an index");
    x->mode = mode;
    x->threads = 1; /* see idx_set_threads() */
    wy_buf_init(&x->tmp, CJK_MAX_INPUT * 2);
    wy_buf_init(&x->val, CJK_MAX_INPUT * 2);
    wy_buf_init(&x->snip, CJK_MAX_INPUT * 2);
    wy_buf_init(&x->snipo, CJK_MAX_INPUT * 2);
    for (int f = 0; f < IDX_NFACETS; f++)
        wy_buf_init(&x->facet[f], 1u << 20);
    static const enum idx_xdb_mode xm[] = {[IDX_READ] = IDX_XDB_READ,
                                           [IDX_WRITE] = IDX_XDB_WRITE,
                                           [IDX_REBUILD] = IDX_XDB_OVERWRITE,
                                           [IDX_MEMORY] = IDX_XDB_MEMORY};
    wy_code rc = idx_xdb_open(&x->db, path, xm[mode], err);
    if (rc == WY_OK)
        rc = cjk_new(&x->cjk, err);
    if (rc == WY_OK && mode != IDX_READ)
        rc = idx_xdoc_new(&x->doc, err);
    if (rc == WY_OK)
        rc = check_versions(x, err);
    if (rc != WY_OK) {
        struct wy_err ignore = WY_ERR_INIT;
        idx_close(x, &ignore);
        wy_err_release(&ignore);
        return rc;
    }
    *out = x;
    return WY_OK;
}

wy_code idx_close(struct idx *x, struct wy_err *err)
{
    if (!x)
        return WY_OK;
    wy_code rc = idx_xdb_close(x->db, err);
    idx_xdoc_free(x->doc);
    cjk_free(x->cjk);
    free(x->stale);
    wy_buf_release(&x->tmp);
    wy_buf_release(&x->val);
    wy_buf_release(&x->snip);
    wy_buf_release(&x->snipo);
    for (int f = 0; f < IDX_NFACETS; f++)
        wy_buf_release(&x->facet[f]);
    free(x);
    return rc;
}

void idx_set_fresh(struct idx *x, int fresh)
{
    x->fresh = fresh;
}

void idx_set_threads(struct idx *x, int threads)
{
    x->threads = threads > 1 ? 2 : 1;
}

const char *idx_stale(const struct idx *x)
{
    return x->stale;
}

wy_code idx_reopen(struct idx *x, struct wy_err *err)
{
    return idx_xdb_reopen(x->db, NULL, err);
}

wy_code idx_begin(struct idx *x, struct wy_err *err)
{
    return idx_xdb_begin(x->db, err);
}

wy_code idx_commit(struct idx *x, struct wy_err *err)
{
    return idx_xdb_commit(x->db, err);
}

wy_code idx_cancel(struct idx *x, struct wy_err *err)
{
    return idx_xdb_cancel(x->db, err);
}

wy_code idx_count(struct idx *x, uint64_t *out, struct wy_err *err)
{
    return idx_xdb_doccount(x->db, out, err);
}

wy_code idx_get_seq(struct idx *x, uint64_t *out, struct wy_err *err)
{
    char *v = NULL;
    *out = 0;
    wy_code rc = idx_xdb_get_meta(x->db, META_SEQ, &v, err);
    if (rc != WY_OK)
        return rc;
    if (*v) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || *end || *v == '-')
            rc = wy_err_set(err, WY_EINDEX,
                            "index metadata '%s' is not a number: '%s'",
                            META_SEQ, v);
        else
            *out = n;
    }
    free(v);
    return rc;
}

wy_code idx_set_seq(struct idx *x, uint64_t seq, struct wy_err *err)
{
    char b[32];
    snprintf(b, sizeof(b), "%llu", (unsigned long long)seq);
    return idx_xdb_set_meta(x->db, META_SEQ, b, err);
}

wy_code idx_get_cluster_mark(struct idx *x, char **out, struct wy_err *err)
{
    return idx_xdb_get_meta(x->db, META_CLUSTER, out, err);
}

wy_code idx_set_cluster_mark(struct idx *x, const char *mark,
                             struct wy_err *err)
{
    return idx_xdb_set_meta(x->db, META_CLUSTER, mark ? mark : "", err);
}

/* ---- building documents ------------------------------------------------ */

/* Normalizes s into x->tmp (replacing its content). */
static wy_code norm(struct idx *x, const char *s, size_t n, struct wy_err *err)
{
    wy_buf_reset(&x->tmp);
    return cjk_normalize(x->cjk, s, n, &x->tmp, err);
}

/* A value for an exact term: normalized, ASCII lowercased, spaces
   collapsed and trimmed. Appended to out. */
static wy_code exact_value(struct idx *x, const char *s, size_t n,
                           struct wy_buf *out, struct wy_err *err)
{
    wy_code rc = norm(x, s, n, err);
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
    wy_code rc = norm(x, s, strlen(s), err);
    if (rc != WY_OK)
        return rc;
    const char *t = wy_buf_cstr(&x->tmp);
    /* each field once, under its prefix: words without a field search all
       of them (the "" entries of query_fields) */
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
    wy_code rc = exact_value(x, s, n, &x->val, err);
    if (rc != WY_OK || !x->val.len)
        return rc;
    rc = idx_xdoc_term(x->doc, prefix, wy_buf_cstr(&x->val), x->val.len, err);
    if (rc == WY_OK && f >= 0) {
        /* the displayed value is normalized too (case kept), so 國家圖書館
           and 国家图书馆 are one facet value, as they are one term: x->tmp
           still holds s normalized by exact_value() */
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
    return add_exact(x, facet_defs[f].prefix, (int)f, s, err);
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
    wy_code rc = exact_value(x, v, strlen(v), &x->val, err);
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
    int pending = 0;   /* a tag was passed: a word boundary */
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
            unsigned char last = out->len ? (unsigned char)out->p[out->len - 1]
                                          : 0;
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
        rc = norm(x, s, n, err);
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
    wy_code rc = exact_value(x, title, strlen(title), &x->val, err);
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
    static const char *const drop[] = {"[", "]", "\xef\xbc\xbb", "\xef\xbc\xbd",
                                       "\xe3\x80\x94", "\xe3\x80\x95", "?"};
    static const char *const trim[] = {" ", ":", ";", ",", "/", ".", "=",
                                       "\xef\xbc\x9a", "\xef\xbc\x9b",
                                       "\xef\xbc\x8c", "\xe3\x80\x82"};
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
    int n = cluster > 0 ? snprintf(c, sizeof(c), "%lld", (long long)cluster)
                        : 0;
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

/* ---- searching --------------------------------------------------------- */

wy_code idx_sort_parse(const char *s, enum idx_sort *out, struct wy_err *err)
{
    if (!strcmp(s, "relevance"))
        *out = IDX_SORT_RELEVANCE;
    else if (!strcmp(s, "date"))
        *out = IDX_SORT_DATE;
    else if (!strcmp(s, "-date") || !strcmp(s, "date-desc"))
        *out = IDX_SORT_DATE_DESC;
    else if (!strcmp(s, "title"))
        *out = IDX_SORT_TITLE;
    else
        return wy_err_set(err, WY_EINVAL,
                          "unknown sort '%s' (relevance, date, -date, title)",
                          s);
    return WY_OK;
}

/* Boolean field values in the query text are exact terms, so they get the
   same lowercasing as at index time ("type:Text" finds "text"), and
   identifier values lose their hyphens and spaces as at index time
   ("isbn:7-02-000220-x" finds 702000220X); an unquoted value is quoted (so
   "callno:善60294" stays one value: runs of CJK characters are otherwise
   searched as phrases of their own). The rest of the text keeps its case
   (AND, OR, NOT are operators). Appends to out. */
static void query_values(const char *s, struct wy_buf *out)
{
    size_t n = strlen(s);
    char prev = ' ';
    for (size_t i = 0; i < n;) {
        size_t k = NQUERY_FIELDS;
        if (prev == ' ' || prev == '(' || prev == '+' || prev == '-') {
            for (k = 0; k < NQUERY_FIELDS; k++) {
                size_t l = strlen(query_fields[k].name);
                if (query_fields[k].boolean && i + l < n &&
                    !strncmp(s + i, query_fields[k].name, l) && s[i + l] == ':')
                    break;
            }
        }
        if (k == NQUERY_FIELDS) {
            prev = s[i];
            wy_buf_addc(out, s[i++]);
            continue;
        }
        int ident = !strcmp(query_fields[k].prefix, P_IDENT);
        size_t j = i + strlen(query_fields[k].name) + 1;
        wy_buf_add(out, s + i, j - i); /* the field name and its colon */
        int quoted = j < n && s[j] == '"';
        i = j + (size_t)quoted;
        size_t end = i;
        while (end < n &&
               (quoted ? s[end] != '"' : s[end] != ' ' && s[end] != ')'))
            end++;
        if (end == i) { /* no value: left to the parser */
            prev = ':';
            if (quoted)
                wy_buf_addc(out, '"'), prev = '"';
            continue;
        }
        wy_buf_addc(out, '"');
        for (; i < end; i++) {
            char c = s[i];
            if ((ident && (c == '-' || c == ' ')) || c == '"')
                continue;
            wy_buf_addc(out,
                        (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
        }
        wy_buf_addc(out, '"');
        prev = '"';
        if (quoted && i < n) /* the closing quote */
            i++;
    }
}

/* The length of the markup at s (a highlight mark or an entity, which
   stands for one character: *ch gets it), 0 for plain text. */
static size_t markup_at(const char *s, const char *hs, const char *he,
                        uint32_t *ch)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},  {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};
    *ch = 0;
    if (!strncmp(s, hs, strlen(hs)))
        return strlen(hs);
    if (!strncmp(s, he, strlen(he)))
        return strlen(he);
    if (*s == '&')
        for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
            if (!strncmp(s, ents[k].ent, strlen(ents[k].ent))) {
                *ch = (uint32_t)(unsigned char)ents[k].c;
                return strlen(ents[k].ent);
            }
    return 0;
}

/* The first occurrence of n[0..nl) in h[0..hl), or NULL. */
static const char *find_bytes(const char *h, size_t hl, const char *n,
                              size_t nl)
{
    for (const char *p = h; nl && (size_t)(h + hl - p) >= nl; p++) {
        p = memchr(p, n[0], (size_t)(h + hl - p) - nl + 1);
        if (!p)
            return NULL;
        if (!memcmp(p, n, nl))
            return p;
    }
    return NULL;
}

/* The snippet sn, cut by Xapian from the normalized text f, rewritten
   with the characters of the original text o (f and o have as many code
   points, see snip_add): its text without marks is found in f, and each
   of its characters replaced by the one at the same code-point offset of
   o; the marks stay where they were. Appended to out; 0 when the snippet
   cannot be placed in f (then out is unchanged). */
static int snippet_original(const char *sn, const char *f, size_t fn,
                            const char *o, size_t on, struct wy_buf *out)
{
    const char *hs = "<b>", *he = "</b>", *omit = "...";
    struct wy_buf plain = WY_BUF_INIT(1u << 20);
    size_t sl = strlen(sn);
    for (size_t i = 0; i < sl;) {
        uint32_t ch;
        size_t m = markup_at(sn + i, hs, he, &ch);
        if (m && ch)
            wy_buf_addc(&plain, (char)ch);
        else if (!m)
            wy_buf_addc(&plain, sn[i]);
        i += m ? m : 1;
    }
    /* Xapian writes "..." where it cut the text */
    const char *p = wy_buf_cstr(&plain);
    size_t pn = plain.len, lead = 0, found = (size_t)-1;
    for (int tries = 0; tries < 4 && found == (size_t)-1; tries++) {
        size_t a = (tries & 1) ? strlen(omit) : 0;
        size_t b = (tries & 2) ? strlen(omit) : 0;
        if (a + b > pn || (a && strncmp(p, omit, a)) ||
            (b && strncmp(p + pn - b, omit, b)))
            continue;
        size_t len = pn - a - b;
        if (!len)
            continue;
        const char *at = find_bytes(f, fn, p + a, len);
        if (at) {
            found = (size_t)(at - f);
            lead = a;
        }
    }
    wy_buf_release(&plain);
    if (found == (size_t)-1)
        return 0;
    /* the original from the same code point on */
    size_t oi = 0;
    for (size_t fi = 0; fi < found && oi < on;) {
        cjk_utf8_next(f, fn, &fi);
        cjk_utf8_next(o, on, &oi);
    }
    size_t start = out->len, i = 0;
    /* the leading "..." (plain text, possibly split by no mark) */
    for (size_t k = 0; k < lead && i < sl;) {
        uint32_t ch;
        size_t m = markup_at(sn + i, hs, he, &ch);
        wy_buf_add(out, sn + i, m ? m : 1);
        if (!m || ch)
            k++;
        i += m ? m : 1;
    }
    while (i < sl) {
        uint32_t ch;
        size_t m = markup_at(sn + i, hs, he, &ch);
        if (m && !ch) { /* a highlight mark */
            wy_buf_add(out, sn + i, m);
            i += m;
            continue;
        }
        if (oi >= on) { /* past the original: the rest as it is */
            wy_buf_adds(out, sn + i);
            break;
        }
        if (m)
            i += m;
        else
            cjk_utf8_next(sn, sl, &i);
        size_t o0 = oi;
        uint32_t cp = cjk_utf8_next(o, on, &oi);
        if (cp == '&' || cp == '<' || cp == '>' || cp == '"')
            wy_buf_adds(out, cp == '&'   ? "&amp;"
                             : cp == '<' ? "&lt;"
                             : cp == '>' ? "&gt;"
                                         : "&quot;");
        else
            wy_buf_add(out, o + o0, oi - o0);
    }
    if (out->error) {
        wy_buf_truncate(out, start);
        return 0;
    }
    return 1;
}

static wy_code fill_hit(struct idx_result *res, const struct idx_xresults *xr,
                        size_t i, struct wy_err *err)
{
    struct idx_hit *h = &res->hits[i];
    size_t len;
    const char *data = idx_xresults_data(xr, i, &len);
    const char *part[6] = {"", "", "", "", "", ""};
    char *copy = wy_arena_strndup(res->arena, data ? data : "", data ? len : 0);
    if (!copy)
        return wy_err_set(err, WY_ENOMEM, "out of memory for search results");
    size_t k = 0;
    part[k++] = copy;
    for (char *p = copy; *p && k < 6; p++)
        if (*p == '\x1e') {
            *p = '\0';
            part[k++] = p + 1;
        }
    h->id = part[0];
    h->title = part[1];
    h->date = part[2];
    h->creator = part[3];
    h->year_from = *part[4] ? (int)strtol(part[4], NULL, 10) : WY_YEAR_NONE;
    h->year_to = *part[5] ? (int)strtol(part[5], NULL, 10) : WY_YEAR_NONE;
    h->weight = idx_xresults_weight(xr, i);
    h->collapsed = idx_xresults_collapsed(xr, i);
    size_t cl;
    const char *cv = idx_xresults_value(xr, i, SLOT_CLUSTER, &cl);
    h->cluster = 0;
    for (size_t d = 0; cv && d < cl && d < 18 && cv[d] >= '0' && cv[d] <= '9';
         d++)
        h->cluster = h->cluster * 10 + (cv[d] - '0');
    const char *sn = idx_xresults_snippet(xr, i);
    h->snippet = "";
    if (sn) {
        struct wy_buf b = WY_BUF_INIT(1u << 20);
        struct wy_buf orig = WY_BUF_INIT(1u << 20);
        size_t fn, on;
        const char *f = idx_xresults_value(xr, i, SLOT_SNIPPET, &fn);
        const char *o = idx_xresults_value(xr, i, SLOT_SNIPPET_ORIG, &on);
        if (f && o && snippet_original(sn, f, fn, o, on, &orig))
            sn = wy_buf_cstr(&orig);
        cjk_restore_rare(sn, strlen(sn), &b);
        wy_buf_release(&orig);
        wy_code rc = wy_buf_status(&b, err);
        if (rc == WY_OK && !(h->snippet = wy_arena_strndup(
                                 res->arena, wy_buf_cstr(&b), b.len)))
            rc = wy_err_set(err, WY_ENOMEM, "out of memory for snippets");
        wy_buf_release(&b);
        if (rc != WY_OK)
            return rc;
    }
    return WY_OK;
}

static wy_code fill_facets(struct idx_result *res,
                           const struct idx_xresults *xr, struct wy_err *err)
{
    for (size_t f = 0; f < IDX_NFACETS; f++) {
        struct idx_facet *fc = &res->facets[f];
        fc->name = facet_defs[f].name;
        fc->nvalues = idx_xresults_nvalues(xr, f);
        if (!fc->nvalues)
            continue;
        fc->values =
            wy_arena_alloc(res->arena, fc->nvalues * sizeof(*fc->values));
        if (!fc->values)
            return wy_err_set(err, WY_ENOMEM, "out of memory for facets");
        for (size_t k = 0; k < fc->nvalues; k++) {
            size_t len;
            uint64_t count;
            const char *v = idx_xresults_facet(xr, f, k, &len, &count);
            fc->values[k].value = wy_arena_strndup(res->arena, v, len);
            fc->values[k].count = count;
            if (!fc->values[k].value)
                return wy_err_set(err, WY_ENOMEM, "out of memory for facets");
        }
    }
    return WY_OK;
}

/* Turns "NAME:VALUE" into a filter; the value normalized like the indexed
   one, kept in vals (offsets: the buffer may move). */
static wy_code parse_facet(struct idx *x, const char *sel, const char **prefix,
                           struct wy_buf *vals, size_t *off, struct wy_err *err)
{
    const char *colon = strchr(sel, ':');
    if (!colon)
        return wy_err_set(err, WY_EINVAL,
                          "facet selection '%s' is not NAME:VALUE", sel);
    for (int f = 0; f < IDX_NFACETS; f++) {
        size_t l = strlen(facet_defs[f].name);
        if ((size_t)(colon - sel) == l &&
            !strncmp(sel, facet_defs[f].name, l)) {
            *prefix = facet_defs[f].prefix;
            *off = vals->len;
            wy_code rc =
                exact_value(x, colon + 1, strlen(colon + 1), vals, err);
            wy_buf_addc(vals, '\0');
            return rc == WY_OK ? wy_buf_status(vals, err) : rc;
        }
    }
    return wy_err_set(err, WY_EINVAL,
                      "unknown facet '%.*s' in '%s' (collection, library, "
                      "type, language, creator, century, dynasty, source, "
                      "edition_type, place, region)",
                      (int)(colon - sel), sel, sel);
}

wy_code idx_search(struct idx *x, const struct idx_query *q,
                   struct idx_result **out, struct wy_err *err)
{
    *out = NULL;
    size_t page = q->page ? q->page : 1;
    size_t size = q->page_size ? q->page_size : 20;
    if (size > 1000)
        return wy_err_set(err, WY_EINVAL, "page size %zu is over 1000", size);
    if (page > 1000000)
        return wy_err_set(err, WY_EINVAL, "page %zu is out of range", page);
    size_t nfilt = q->nfacets + (q->collection ? 1 : 0);
    struct idx_xfilter *filt = wy_calloc(nfilt + 1, sizeof(*filt));
    size_t *offs = wy_calloc(nfilt + 1, sizeof(*offs));
    struct wy_buf vals = WY_BUF_INIT(1u << 20);
    struct idx_xresults *xr = NULL;
    struct idx_result *res = NULL;
    wy_code rc = WY_OK;
    if (!filt || !offs) {
        rc = wy_err_set(err, WY_ENOMEM, "out of memory for a search");
        goto out;
    }

    rc = norm(x, q->q ? q->q : "", q->q ? strlen(q->q) : 0, err);
    if (rc != WY_OK)
        goto out;
    struct wy_buf qb = WY_BUF_INIT(CJK_MAX_INPUT * 2);
    query_values(wy_buf_cstr(&x->tmp), &qb);
    char *text = wy_buf_take(&qb, NULL);
    if (!text) {
        rc = wy_err_set(err, WY_ENOMEM, "out of memory for a query");
        goto out;
    }

    size_t k = 0;
    for (size_t i = 0; i < q->nfacets && rc == WY_OK; i++, k++)
        rc =
            parse_facet(x, q->facets[i], &filt[k].prefix, &vals, &offs[k], err);
    if (rc == WY_OK && q->collection) {
        filt[k].prefix = facet_defs[IDX_FACET_COLLECTION].prefix;
        offs[k] = vals.len;
        rc = exact_value(x, q->collection, strlen(q->collection), &vals, err);
        wy_buf_addc(&vals, '\0');
        k++;
    }
    if (rc == WY_OK)
        rc = wy_buf_status(&vals, err);
    for (size_t i = 0; i < k && rc == WY_OK; i++)
        filt[i].value = wy_buf_cstr(&vals) + offs[i];

    char lo[18], hi[18];
    struct idx_xrange ranges[2];
    size_t nr = 0;
    if (q->from_year != WY_YEAR_NONE) {
        ranges[nr] = (struct idx_xrange){SLOT_YEAR_TO, lo, NULL, 0, 0};
        ranges[nr++].lolen = idx_x_sortable((double)q->from_year, lo);
    }
    if (q->to_year != WY_YEAR_NONE) {
        ranges[nr] = (struct idx_xrange){SLOT_YEAR_FROM, NULL, hi, 0, 0};
        ranges[nr++].hilen = idx_x_sortable((double)q->to_year, hi);
    }
    unsigned slots[1] = {SLOT_FACETS};

    struct idx_xquery xq = {0};
    xq.text = text;
    xq.flags = IDX_QP_DEFAULT | IDX_QP_WILDCARD | IDX_QP_PURE_NOT;
    xq.default_and = 1;
    xq.fields = query_fields;
    xq.nfields = NQUERY_FIELDS;
    xq.filters = filt;
    xq.nfilters = k;
    xq.ranges = ranges;
    xq.nranges = nr;
    xq.sort_slot = -1;
    switch (q->sort) {
    case IDX_SORT_RELEVANCE:
        break;
    case IDX_SORT_DATE:
        xq.sort_slot = SLOT_DATE_SORT;
        break;
    case IDX_SORT_DATE_DESC:
        xq.sort_slot = SLOT_YEAR_TO;
        xq.sort_reverse = 1;
        break;
    case IDX_SORT_TITLE:
        xq.sort_slot = SLOT_TITLE_SORT;
        break;
    }
    xq.offset = (page - 1) * size;
    xq.pagesize = size;
    xq.facet_slots = slots;
    xq.nfacets = q->no_facets ? 0 : IDX_NFACETS;
    xq.exact_total = 1;
    xq.facets_packed = 2;
    xq.snippet_slot = SLOT_SNIPPET;
    xq.snippet_len = 240;
    xq.hi_start = "<b>";
    xq.hi_end = "</b>";
    xq.collapse = q->collapse;
    xq.collapse_slot = SLOT_CLUSTER;
    if (rc == WY_OK)
        rc = idx_xquery_run(x->db, &xq, &xr, err);
    free(text);
    if (rc != WY_OK)
        goto out;

    res = wy_calloc(1, sizeof(*res));
    if (!res || !(res->arena = wy_arena_new())) {
        rc = wy_err_set(err, WY_ENOMEM, "out of memory for search results");
        goto out;
    }
    res->total = idx_xresults_estimate(xr);
    res->total_records = idx_xresults_uncollapsed(xr);
    res->total_lower = idx_xresults_lower(xr);
    res->total_upper = idx_xresults_upper(xr);
    res->parsed = wy_arena_strdup(res->arena, idx_xresults_query(xr));
    res->nhits = idx_xresults_count(xr);
    if (res->nhits)
        res->hits = wy_arena_alloc(res->arena, res->nhits * sizeof(*res->hits));
    if (!res->parsed || (res->nhits && !res->hits)) {
        rc = wy_err_set(err, WY_ENOMEM, "out of memory for search results");
        goto out;
    }
    for (size_t i = 0; i < res->nhits && rc == WY_OK; i++)
        rc = fill_hit(res, xr, i, err);
    if (rc == WY_OK)
        rc = fill_facets(res, xr, err);
out:
    idx_xresults_free(xr);
    free(filt);
    free(offs);
    wy_buf_release(&vals);
    if (rc != WY_OK) {
        idx_result_free(res);
        return rc;
    }
    *out = res;
    return WY_OK;
}

void idx_result_free(struct idx_result *r)
{
    if (!r)
        return;
    wy_arena_free(r->arena);
    free(r);
}

static void json_str(struct wy_buf *out, const char *s)
{
    s = s ? s : "";
    wy_buf_add_json(out, s, strlen(s));
}

void idx_result_json(const struct idx_result *r, const struct idx_query *q,
                     struct wy_buf *out)
{
    wy_buf_addf(out,
                "{\"total\":%llu,\"page\":%zu,\"page_size\":%zu,",
                (unsigned long long)r->total, q->page ? q->page : 1,
                q->page_size ? q->page_size : 20);
    if (q->collapse)
        wy_buf_addf(out, "\"total_records\":%llu,",
                    (unsigned long long)r->total_records);
    wy_buf_adds(out, "\"hits\":[");
    for (size_t i = 0; i < r->nhits; i++) {
        const struct idx_hit *h = &r->hits[i];
        wy_buf_adds(out, i ? ",{\"id\":" : "{\"id\":");
        json_str(out, h->id);
        wy_buf_adds(out, ",\"title\":");
        json_str(out, h->title);
        wy_buf_adds(out, ",\"creator\":");
        json_str(out, h->creator);
        wy_buf_adds(out, ",\"date\":");
        json_str(out, h->date);
        if (h->year_from != WY_YEAR_NONE)
            wy_buf_addf(out, ",\"year_from\":%d", h->year_from);
        if (h->year_to != WY_YEAR_NONE)
            wy_buf_addf(out, ",\"year_to\":%d", h->year_to);
        wy_buf_adds(out, ",\"snippet\":");
        json_str(out, h->snippet);
        if (h->cluster)
            wy_buf_addf(out, ",\"cluster\":%lld", (long long)h->cluster);
        if (q->collapse)
            wy_buf_addf(out, ",\"collapsed\":%llu",
                        (unsigned long long)h->collapsed);
        wy_buf_addc(out, '}');
    }
    wy_buf_adds(out, "],\"facets\":{");
    for (size_t f = 0; f < IDX_NFACETS; f++) {
        const struct idx_facet *fc = &r->facets[f];
        wy_buf_adds(out, f ? "," : "");
        json_str(out, facet_defs[f].name);
        wy_buf_adds(out, ":[");
        for (size_t k = 0; k < fc->nvalues; k++) {
            wy_buf_adds(out, k ? ",{\"value\":" : "{\"value\":");
            json_str(out, fc->values[k].value);
            wy_buf_addf(out, ",\"count\":%llu}",
                        (unsigned long long)fc->values[k].count);
        }
        wy_buf_addc(out, ']');
    }
    wy_buf_adds(out, "}}");
}

void idx_home_path(const char *home, struct wy_buf *out)
{
    wy_path_join(out, home, "index");
}
