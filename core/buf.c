/* core/buf.c: the growable byte buffer. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void wy_buf_init(struct wy_buf *b, size_t limit)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->limit = limit;
    b->error = WY_OK;
}

char *wy_buf_reserve(struct wy_buf *b, size_t n)
{
    if (b->error)
        return NULL;
    if (n > b->limit || b->len > b->limit - n) {
        b->error = WY_ETOOBIG;
        return NULL;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = wy_realloc(b->p, cap);
        if (!p) {
            b->error = WY_ENOMEM;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    return b->p + b->len;
}

void wy_buf_commit(struct wy_buf *b, size_t n)
{
    if (b->error || !b->p)
        return;
    b->len += n;
    b->p[b->len] = '\0';
}

void wy_buf_add(struct wy_buf *b, const void *p, size_t n)
{
    char *d = wy_buf_reserve(b, n);
    if (!d)
        return;
    if (n)
        memcpy(d, p, n);
    wy_buf_commit(b, n);
}

void wy_buf_adds(struct wy_buf *b, const char *s)
{
    wy_buf_add(b, s, strlen(s));
}

void wy_buf_addc(struct wy_buf *b, char c)
{
    wy_buf_add(b, &c, 1);
}

void wy_buf_vaddf(struct wy_buf *b, const char *fmt, va_list ap)
{
    if (b->error)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->error = WY_ENOMEM;
        return;
    }
    char *d = wy_buf_reserve(b, (size_t)n);
    if (!d)
        return;
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    wy_buf_commit(b, (size_t)n);
}

void wy_buf_addf(struct wy_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void wy_buf_add_xml(struct wy_buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        switch (c) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '\t':
        case '\n':
        case '\r':
            break;
        default:
            if (c < 0x20)
                rep = "";
        }
        if (rep) {
            wy_buf_add(b, s + run, i - run);
            wy_buf_adds(b, rep);
            run = i + 1;
        }
    }
    wy_buf_add(b, s + run, n - run);
}

void wy_buf_add_json(struct wy_buf *b, const char *s, size_t n)
{
    wy_buf_addc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        wy_buf_add(b, s + run, i - run);
        switch (c) {
        case '"':
            wy_buf_adds(b, "\\\"");
            break;
        case '\\':
            wy_buf_adds(b, "\\\\");
            break;
        case '\n':
            wy_buf_adds(b, "\\n");
            break;
        case '\r':
            wy_buf_adds(b, "\\r");
            break;
        case '\t':
            wy_buf_adds(b, "\\t");
            break;
        default:
            wy_buf_addf(b, "\\u%04x", c);
            break;
        }
        run = i + 1;
    }
    wy_buf_add(b, s + run, n - run);
    wy_buf_addc(b, '"');
}

const char *wy_buf_cstr(const struct wy_buf *b)
{
    return (b->error || !b->p) ? "" : b->p;
}

void wy_buf_reset(struct wy_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
    b->error = WY_OK;
}

void wy_buf_truncate(struct wy_buf *b, size_t n)
{
    if (b->p && n < b->len) {
        b->len = n;
        b->p[n] = '\0';
    }
}

char *wy_buf_take(struct wy_buf *b, size_t *len)
{
    char *p = NULL;
    if (!b->error) {
        p = b->p ? b->p : wy_strdup("");
        if (len)
            *len = b->p ? b->len : 0;
        b->p = NULL;
    } else {
        free(b->p);
        b->p = NULL;
    }
    b->len = b->cap = 0;
    b->error = WY_OK;
    return p;
}

void wy_buf_release(struct wy_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->error = WY_OK;
}

wy_code wy_buf_status(const struct wy_buf *b, struct wy_err *err)
{
    if (b->error == WY_ETOOBIG)
        return wy_err_set(err, WY_ETOOBIG,
                          "text would exceed its limit of %zu bytes", b->limit);
    if (b->error)
        return wy_err_set(err, b->error, "out of memory while building text");
    return WY_OK;
}

char *wy_strf(const char *fmt, ...)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return wy_buf_take(&b, NULL);
}
