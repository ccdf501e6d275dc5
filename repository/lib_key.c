/* repository/lib_key.c: library codes and the normalized key of a
   library name (trimmed, NFKC + t2s + variants, common suffixes). */
#include "repository/libraries_int.h"

static int is_blank(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The name without leading and trailing blanks: start and length. */
const char *libi_trim(const char *s, size_t *n)
{
    while (is_blank((unsigned char)*s))
        s++;
    size_t k = strlen(s);
    while (k && is_blank((unsigned char)s[k - 1]))
        k--;
    *n = k;
    return s;
}

int libi_valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        size_t len = ch < 0x80             ? 1
                     : (ch & 0xE0) == 0xC0 ? 2
                     : (ch & 0xF0) == 0xE0 ? 3
                     : (ch & 0xF8) == 0xF0 ? 4
                                           : 0;
        if (!len || i + len > n || (len == 2 && ch < 0xC2))
            return 0;
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

static int code_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || (ch && strchr("-_.!~*'()", ch));
}

int lib_code_valid(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > LIB_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!code_char((unsigned char)code[i]))
            return 0;
    return 1;
}

static int ends_with(const struct wy_buf *b, const char *suf)
{
    size_t m = strlen(suf);
    return b->len > m && !memcmp(b->p + b->len - m, suf, m);
}

wy_code lib_fold(struct cjk **cjk, struct wy_buf *scratch, const char *s,
                 size_t n, struct wy_buf *out, struct wy_err *err)
{
    wy_buf_reset(scratch);
    wy_code rc = *cjk ? WY_OK : cjk_new(cjk, err);
    if (rc == WY_OK)
        rc = cjk_normalize(*cjk, s, n, scratch, err);
    if (rc)
        return rc;
    const char *p = scratch->p ? scratch->p : "";
    size_t len = scratch->len;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        uint32_t cp = cjk_utf8_next(p, len, &i);
        if (cp < 0x80) {
            if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z'))
                wy_buf_addc(out, (char)cp);
            else if (cp >= 'A' && cp <= 'Z')
                wy_buf_addc(out, (char)(cp + 32));
        } else if (cjk_is_han(cp) || (cp >= 0xC0 && cp < 0x2000)) {
            wy_buf_add(out, p + at, i - at); /* letters with accents too */
        }
    }
    return WY_OK;
}

wy_code lib_key(struct cat *c, const char *name, struct wy_buf *out,
                struct wy_err *err)
{
    struct lib_state *ls = libi_state(c, err);
    if (!ls)
        return err->code;
    size_t n;
    const char *s = libi_trim(name ? name : "", &n);
    size_t start = out->len;
    wy_code rc = lib_fold(&ls->cjk, &ls->norm, s, n, out, err);
    if (rc || (rc = wy_buf_status(out, err)))
        return rc;
    /* "北京师范大学" is the holder its 图书馆 stands for: one key */
    struct wy_buf view = *out;
    view.p += start;
    view.len -= start;
    if (ends_with(&view, "图书馆"))
        wy_buf_truncate(out, out->len - strlen("图书馆"));
    else if (ends_with(&view, "library"))
        wy_buf_truncate(out, out->len - strlen("library"));
    return WY_OK;
}
