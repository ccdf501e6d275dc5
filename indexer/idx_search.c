/* indexer/idx_search.c: queries to Xapian (fields, filters, ranges,
   facets, collapse) and their results (hits, snippets in the original
   script, facet counts, JSON). */
#include "indexer/idx_int.h"

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
        size_t k = idxi_nquery_fields;
        if (prev == ' ' || prev == '(' || prev == '+' || prev == '-') {
            for (k = 0; k < idxi_nquery_fields; k++) {
                size_t l = strlen(idxi_query_fields[k].name);
                if (idxi_query_fields[k].boolean && i + l < n &&
                    !strncmp(s + i, idxi_query_fields[k].name, l) &&
                    s[i + l] == ':')
                    break;
            }
        }
        if (k == idxi_nquery_fields) {
            prev = s[i];
            wy_buf_addc(out, s[i++]);
            continue;
        }
        int ident = !strcmp(idxi_query_fields[k].prefix, P_IDENT);
        size_t j = i + strlen(idxi_query_fields[k].name) + 1;
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
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
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
        fc->name = idxi_facet_defs[f].name;
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
        size_t l = strlen(idxi_facet_defs[f].name);
        if ((size_t)(colon - sel) == l &&
            !strncmp(sel, idxi_facet_defs[f].name, l)) {
            *prefix = idxi_facet_defs[f].prefix;
            *off = vals->len;
            wy_code rc =
                idxi_exact_value(x, colon + 1, strlen(colon + 1), vals, err);
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

    rc = idxi_norm(x, q->q ? q->q : "", q->q ? strlen(q->q) : 0, err);
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
        filt[k].prefix = idxi_facet_defs[IDX_FACET_COLLECTION].prefix;
        offs[k] = vals.len;
        rc = idxi_exact_value(x, q->collection, strlen(q->collection), &vals,
                              err);
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
    xq.fields = idxi_query_fields;
    xq.nfields = idxi_nquery_fields;
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
    wy_buf_addf(out, "{\"total\":%llu,\"page\":%zu,\"page_size\":%zu,",
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
        json_str(out, idxi_facet_defs[f].name);
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
