/* service/params.c: request arguments. */
#include "service/params.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

int svc_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* A name for messages: printable ASCII only, so a hostile name cannot put
   control bytes into a log line or an error body. */
static void safe_name(char *out, size_t cap, const char *k, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        out[o++] = (k[i] >= 0x20 && k[i] < 0x7f) ? k[i] : '?';
    out[o] = '\0';
}

wy_code svc_params_add(struct svc_params *ps, const char *key, size_t klen,
                       const char *val, size_t vlen, struct wy_err *err)
{
    char nm[SVC_PARAM_KEY_MAX + 1];
    safe_name(nm, sizeof(nm), key, klen);
    if (ps->n >= SVC_PARAMS_MAX)
        return wy_err_set(err, WY_ETOOBIG, "more than %d arguments (at '%s')",
                          SVC_PARAMS_MAX, nm);
    if (klen > SVC_PARAM_KEY_MAX)
        return wy_err_set(err, WY_ETOOBIG,
                          "argument name '%s...' is longer than %d bytes", nm,
                          SVC_PARAM_KEY_MAX);
    if (vlen > SVC_PARAM_VAL_MAX)
        return wy_err_set(err, WY_ETOOBIG,
                          "argument '%s' is longer than %d bytes", nm,
                          SVC_PARAM_VAL_MAX);
    for (size_t i = 0; i < klen; i++)
        if ((unsigned char)key[i] < 0x20 || key[i] == 0x7f)
            return wy_err_set(err, WY_EINVAL,
                              "argument name '%s' holds a control character",
                              nm);
    if (!svc_utf8_valid(key, klen))
        return wy_err_set(err, WY_EINVAL,
                          "argument name '%s' is not valid UTF-8", nm);
    if (memchr(val, '\0', vlen))
        return wy_err_set(err, WY_EINVAL, "argument '%s' holds a NUL byte", nm);
    if (!svc_utf8_valid(val, vlen))
        return wy_err_set(err, WY_EINVAL, "argument '%s' is not valid UTF-8",
                          nm);
    char *k = wy_strndup(key, klen);
    char *v = wy_strndup(val, vlen);
    if (!k || !v) {
        free(k);
        free(v);
        return wy_err_set(err, WY_ENOMEM, "no memory for argument '%s'", nm);
    }
    ps->p[ps->n].key = k;
    ps->p[ps->n].val = v;
    ps->p[ps->n].vlen = vlen;
    ps->n++;
    return WY_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes p[0..n) into out (room for n bytes); returns the length or
   (size_t)-1 on a malformed escape. */
static size_t decode(const char *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '+') {
            out[o++] = ' ';
        } else if (p[i] == '%') {
            int h, l;
            if (n - i < 3 || (h = hexval(p[i + 1])) < 0 ||
                (l = hexval(p[i + 2])) < 0)
                return (size_t)-1;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    return o;
}

wy_code svc_params_parse(struct svc_params *ps, const char *p, size_t n,
                         struct wy_err *err)
{
    size_t i = 0;
    while (i < n) {
        const char *seg = p + i;
        const char *amp = memchr(seg, '&', n - i);
        size_t slen = amp ? (size_t)(amp - seg) : n - i;
        i += slen + 1;
        if (slen == 0)
            continue;
        const char *eq = memchr(seg, '=', slen);
        size_t kraw = eq ? (size_t)(eq - seg) : slen;
        const char *vp = eq ? eq + 1 : seg + slen;
        size_t vraw = eq ? slen - kraw - 1 : 0;
        /* check the raw lengths before decoding: decoding only shrinks */
        char nm[SVC_PARAM_KEY_MAX + 1];
        safe_name(nm, sizeof(nm), seg, kraw);
        if (kraw > 3 * SVC_PARAM_KEY_MAX || vraw > 3 * SVC_PARAM_VAL_MAX)
            return wy_err_set(err, WY_ETOOBIG,
                              "argument '%s' is too long (%zu bytes encoded)",
                              nm, eq ? vraw : kraw);
        char *buf = wy_malloc(kraw + vraw + 2);
        if (!buf)
            return wy_err_set(err, WY_ENOMEM, "no memory for argument '%s'",
                              nm);
        size_t kl = decode(seg, kraw, buf);
        size_t vl = kl == (size_t)-1 ? 0 : decode(vp, vraw, buf + kl + 1);
        wy_code rc;
        if (kl == (size_t)-1 || vl == (size_t)-1)
            rc = wy_err_set(err, WY_EINVAL,
                            "malformed %%-escape in argument '%s'", nm);
        else
            rc = svc_params_add(ps, buf, kl, buf + kl + 1, vl, err);
        free(buf);
        if (rc != WY_OK)
            return rc;
    }
    return WY_OK;
}

const char *svc_params_get(const struct svc_params *ps, const char *key)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->p[i].key, key))
            return ps->p[i].val;
    return NULL;
}

size_t svc_params_count(const struct svc_params *ps, const char *key)
{
    size_t c = 0;
    for (size_t i = 0; i < ps->n; i++)
        c += !strcmp(ps->p[i].key, key);
    return c;
}

const char *svc_params_repeated(const struct svc_params *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        for (size_t j = i + 1; j < ps->n; j++)
            if (!strcmp(ps->p[i].key, ps->p[j].key))
                return ps->p[i].key;
    return NULL;
}

void svc_params_release(struct svc_params *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->p[i].key);
        free(ps->p[i].val);
    }
    ps->n = 0;
}
