/* repository/sheet.c: an RFC 4180 CSV reader for batch sheets. */
#include "repository/sheet.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")

enum col { C_ID, C_COLL, C_TITLE, C_CREATOR, C_DATE, C_PATH, C_N };

struct sheet {
    char *name;
    char *text; /* UTF-8, NUL-terminated */
    size_t len, pos, line;
    char *charset;
    struct wy_buf cells; /* the current row: fields NUL-separated */
    size_t *offs;        /* field start offsets into cells */
    const char **fields;
    size_t cap;
    struct sheet_row row;
    int header_done;
    int cols[C_N]; /* column index or -1 */
    int broken;
};

static int utf8_ok(const unsigned char *p, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 2;
        else if (c >= 0xe0 && c <= 0xef)
            k = 3;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 4;
        else
            break;
        if (n - i < k)
            break;
        size_t j = 1;
        while (j < k && (p[i + j] & 0xc0) == 0x80)
            j++;
        if (j < k)
            break;
        /* overlongs and surrogates */
        if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
            (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
            break;
        i += k;
    }
    *bad = i;
    return i == n;
}

static wy_code to_utf8(struct sheet *s, const char *p, size_t n,
                       const char *from, struct wy_err *err)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return wy_err_set(err, WY_EINVAL, "%s: unknown character set '%s'",
                          s->name, from);
    struct wy_buf out = WY_BUF_INIT(4 * (size_t)SHEET_MAX_BYTES);
    char *in = (char *)p;
    size_t left = n;
    wy_code rc = WY_OK;
    while (left) {
        char *dst = wy_buf_reserve(&out, 65536);
        if (!dst) {
            rc = wy_buf_status(&out, err);
            break;
        }
        char *d = dst;
        size_t room = 65536;
        size_t r = iconv(cd, &in, &left, &d, &room);
        wy_buf_commit(&out, (size_t)(d - dst));
        if (r == (size_t)-1 && errno != E2BIG) {
            rc = wy_err_set(err, WY_EFORMAT, "%s: byte %zu is not valid %s",
                            s->name, (size_t)(in - p), from);
            break;
        }
    }
    iconv_close(cd);
    if (rc == WY_OK && !(s->text = wy_buf_take(&out, &s->len)))
        rc = NOMEM();
    wy_buf_release(&out);
    return rc;
}

wy_code sheet_open_mem(struct sheet **out, const char *name, const void *data,
                       size_t n, const char *charset, struct wy_err *err)
{
    *out = NULL;
    if (n > SHEET_MAX_BYTES)
        return wy_err_set(err, WY_ETOOBIG, "%s: sheet larger than %u MB", name,
                          SHEET_MAX_BYTES >> 20);
    struct sheet *s = wy_calloc(1, sizeof(*s));
    if (!s || !(s->name = wy_strdup(name))) {
        free(s);
        return NOMEM();
    }
    wy_buf_init(&s->cells, 16u << 20);
    s->line = 1;
    const char *p = data;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
        p += 3;
        n -= 3;
        if (!charset)
            charset = "UTF-8";
    }
    size_t bad;
    wy_code rc = WY_OK;
    const char *use = charset;
    if (!use || !strcasecmp(use, "UTF-8") || !strcasecmp(use, "UTF8")) {
        if (utf8_ok((const unsigned char *)p, n, &bad)) {
            use = "UTF-8";
            if (!(s->text = wy_malloc(n + 1))) {
                rc = NOMEM();
            } else {
                memcpy(s->text, p, n);
                s->text[n] = '\0';
                s->len = n;
            }
        } else if (!charset) {
            /* not UTF-8: Excel on Chinese Windows saves GB18030/GBK */
            use = "GB18030";
            rc = to_utf8(s, p, n, use, err);
            if (rc == WY_EFORMAT) {
                wy_err_release(err);
                rc = wy_err_set(err, WY_EFORMAT,
                                "%s: byte %zu is neither UTF-8 nor GB18030: "
                                "name the character set",
                                name, bad);
            }
        } else {
            rc = wy_err_set(err, WY_EFORMAT, "%s: byte %zu is not valid UTF-8",
                            name, bad);
        }
    } else {
        rc = to_utf8(s, p, n, use, err);
    }
    if (rc == WY_OK && !(s->charset = wy_strdup(use)))
        rc = NOMEM();
    if (rc == WY_OK && memchr(s->text, 0, s->len))
        rc = wy_err_set(err, WY_EFORMAT, "%s: contains a NUL byte", name);
    if (rc) {
        sheet_free(s);
        return rc;
    }
    *out = s;
    return WY_OK;
}

wy_code sheet_open_file(struct sheet **out, const char *path,
                        const char *charset, struct wy_err *err)
{
    *out = NULL;
    struct wy_buf b = WY_BUF_INIT(SHEET_MAX_BYTES);
    wy_code rc = wy_file_read(path, &b, err);
    if (rc == WY_OK)
        rc = sheet_open_mem(out, path, b.p ? b.p : "", b.len, charset, err);
    wy_buf_release(&b);
    return rc;
}

void sheet_free(struct sheet *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->text);
    free(s->charset);
    free(s->offs);
    free(s->fields);
    wy_buf_release(&s->cells);
    free(s);
}

const char *sheet_charset(const struct sheet *s)
{
    return s->charset;
}

static wy_code new_field(struct sheet *s, struct wy_err *err)
{
    if (s->row.nfields >= SHEET_MAX_FIELDS)
        return wy_err_set(err, WY_EFORMAT, "%s: line %zu: more than %d fields",
                          s->name, s->row.line, SHEET_MAX_FIELDS);
    if (s->row.nfields == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 16;
        size_t *no = wy_realloc(s->offs, nc * sizeof(*no));
        if (!no)
            return NOMEM();
        s->offs = no;
        const char **nf = wy_realloc(s->fields, nc * sizeof(*nf));
        if (!nf)
            return NOMEM();
        s->fields = nf;
        s->cap = nc;
    }
    if (s->row.nfields)
        wy_buf_addc(&s->cells, '\0');
    s->offs[s->row.nfields++] = s->cells.len;
    return WY_OK;
}

/* Consumes a line end at pos if there is one; returns 1 if it did. */
static int eol(struct sheet *s)
{
    char c = s->text[s->pos];
    if (c == '\r') {
        s->pos += s->text[s->pos + 1] == '\n' ? 2 : 1;
        s->line++;
        return 1;
    }
    if (c == '\n') {
        s->pos++;
        s->line++;
        return 1;
    }
    return 0;
}

wy_code sheet_next_row(struct sheet *s, const struct sheet_row **row,
                       struct wy_err *err)
{
    *row = NULL;
    if (s->broken)
        return wy_err_set(err, WY_ESTATE, "%s: sheet unusable after an error",
                          s->name);
    for (;;) {
        /* skip blank lines */
        while (s->pos < s->len && eol(s))
            ;
        if (s->pos >= s->len)
            return WY_EOF;
        wy_buf_reset(&s->cells);
        s->row.nfields = 0;
        s->row.line = s->line;
        wy_code rc = new_field(s, err);
        int fresh = 1; /* nothing of the current field read yet */
        while (rc == WY_OK && s->pos < s->len) {
            char c = s->text[s->pos];
            if (c == '"' && fresh) {
                /* a quoted field */
                size_t start_line = s->line;
                fresh = 0;
                s->pos++;
                for (;;) {
                    if (s->pos >= s->len) {
                        rc = wy_err_set(err, WY_EFORMAT,
                                        "%s: line %zu: quoted field never "
                                        "closed",
                                        s->name, start_line);
                        break;
                    }
                    char q = s->text[s->pos];
                    if (q == '"') {
                        if (s->text[s->pos + 1] == '"') {
                            wy_buf_addc(&s->cells, '"');
                            s->pos += 2;
                            continue;
                        }
                        s->pos++;
                        break;
                    }
                    if (q == '\n' || (q == '\r' && s->text[s->pos + 1] != '\n'))
                        s->line++;
                    wy_buf_addc(&s->cells, q);
                    s->pos++;
                }
                if (rc)
                    break;
                char after = s->text[s->pos];
                if (s->pos < s->len && after != ',' && after != '\r' &&
                    after != '\n') {
                    rc = wy_err_set(err, WY_EFORMAT,
                                    "%s: line %zu: text after a closing quote",
                                    s->name, s->line);
                    break;
                }
                continue;
            }
            if (c == ',') {
                s->pos++;
                rc = new_field(s, err);
                fresh = 1;
                continue;
            }
            if (eol(s))
                break;
            fresh = 0;
            wy_buf_addc(&s->cells, c);
            s->pos++;
        }
        if (rc == WY_OK)
            rc = wy_buf_status(&s->cells, err);
        if (rc) {
            s->broken = 1;
            return rc;
        }
        const char *base = wy_buf_cstr(&s->cells);
        for (size_t i = 0; i < s->row.nfields; i++)
            s->fields[i] = base + s->offs[i];
        s->row.fields = s->fields;
        *row = &s->row;
        return WY_OK;
    }
}

static const struct {
    enum col col;
    const char *name;
} aliases[] = {
    {C_ID, "identifier"},  {C_ID, "id"},           {C_ID, "标识符"},
    {C_ID, "编号"},        {C_COLL, "collection"}, {C_COLL, "专题库"},
    {C_TITLE, "title"},    {C_TITLE, "题名"},      {C_CREATOR, "creator"},
    {C_CREATOR, "author"}, {C_CREATOR, "责任者"},  {C_CREATOR, "作者"},
    {C_DATE, "date"},      {C_DATE, "日期"},       {C_DATE, "年代"},
    {C_PATH, "path"},      {C_PATH, "file"},       {C_PATH, "folder"},
    {C_PATH, "路径"},      {C_PATH, "文件"},
};

/* A cell trimmed of blanks, in place; NULL when empty. */
static const char *cell(struct sheet *s, int col)
{
    if (col < 0 || (size_t)col >= s->row.nfields)
        return NULL;
    char *v = (char *)s->row.fields[col];
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        v[--n] = '\0';
    return n ? v : NULL;
}

wy_code sheet_next_item(struct sheet *s, struct sheet_item *it,
                        struct wy_err *err)
{
    memset(it, 0, sizeof(*it));
    const struct sheet_row *r;
    wy_code rc;
    if (!s->header_done) {
        rc = sheet_next_row(s, &r, err);
        if (rc == WY_EOF)
            return wy_err_set(err, WY_EFORMAT, "%s: empty sheet", s->name);
        if (rc)
            return rc;
        for (int c = 0; c < C_N; c++)
            s->cols[c] = -1;
        for (size_t i = 0; i < r->nfields; i++) {
            const char *h = cell(s, (int)i);
            for (size_t a = 0; h && a < sizeof(aliases) / sizeof(aliases[0]);
                 a++) {
                if (strcasecmp(h, aliases[a].name))
                    continue;
                if (s->cols[aliases[a].col] >= 0) {
                    s->broken = 1;
                    return wy_err_set(err, WY_EFORMAT,
                                      "%s: line %zu: column '%s' given twice",
                                      s->name, r->line, h);
                }
                s->cols[aliases[a].col] = (int)i;
            }
        }
        if (s->cols[C_PATH] < 0) {
            s->broken = 1;
            return wy_err_set(err, WY_EFORMAT,
                              "%s: line %zu: no 'path' column in the header",
                              s->name, r->line);
        }
        s->header_done = 1;
    }
    rc = sheet_next_row(s, &r, err);
    if (rc)
        return rc;
    it->line = r->line;
    it->identifier = cell(s, s->cols[C_ID]);
    it->collection = cell(s, s->cols[C_COLL]);
    it->title = cell(s, s->cols[C_TITLE]);
    it->creator = cell(s, s->cols[C_CREATOR]);
    it->date = cell(s, s->cols[C_DATE]);
    it->path = cell(s, s->cols[C_PATH]);
    if (!it->path)
        return wy_err_set(err, WY_EFORMAT, "%s: line %zu: empty path", s->name,
                          r->line);
    return WY_OK;
}
