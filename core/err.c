/* core/err.c: the error type. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = wy_malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

wy_code wy_err_set(struct wy_err *e, wy_code c, const char *fmt, ...)
{
    if (!e)
        return c;
    if (e->code != WY_OK)
        return e->code;
    e->code = c;
    va_list ap;
    va_start(ap, fmt);
    e->msg = vformat(fmt, ap);
    va_end(ap);
    return c;
}

wy_code wy_err_prefix(struct wy_err *e, const char *fmt, ...)
{
    if (!e)
        return WY_OK;
    va_list ap;
    va_start(ap, fmt);
    char *pre = vformat(fmt, ap);
    va_end(ap);
    if (!pre)
        return e->code;
    const char *old = wy_err_msg(e);
    size_t n = strlen(pre) + 2 + strlen(old) + 1;
    char *s = wy_malloc(n);
    if (s) {
        snprintf(s, n, "%s: %s", pre, old);
        free(e->msg);
        e->msg = s;
    }
    free(pre);
    return e->code;
}

const char *wy_strerror(wy_code c)
{
    switch (c) {
    case WY_OK: return "no error";
    case WY_EOF: return "end of input";
    case WY_ENOMEM: return "out of memory";
    case WY_EIO: return "input/output error";
    case WY_EINVAL: return "invalid argument";
    case WY_EFORMAT: return "malformed input";
    case WY_ENOTFOUND: return "not found";
    case WY_ETOOBIG: return "too large";
    case WY_ESTATE: return "invalid state";
    case WY_EHTTP: return "HTTP error";
    case WY_EINDEX: return "index error";
    case WY_EDB: return "catalog database error";
    case WY_EFIXITY: return "fixity check failed";
    }
    return "unknown error";
}

const char *wy_err_msg(const struct wy_err *e)
{
    if (!e)
        return "no error";
    return e->msg ? e->msg : wy_strerror(e->code);
}

void wy_err_release(struct wy_err *e)
{
    if (!e)
        return;
    free(e->msg);
    e->msg = NULL;
    e->code = WY_OK;
}

void wy_err_move(struct wy_err *dst, struct wy_err *src)
{
    wy_err_release(dst);
    *dst = *src;
    src->code = WY_OK;
    src->msg = NULL;
}

_Noreturn void wy_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "wenyuan: internal error at %s:%d: %s\n", file, line, msg);
    abort();
}
