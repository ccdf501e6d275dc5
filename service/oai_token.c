/* service/oai_token.c: signed keyset resumption tokens. */
#include "service/oai_token.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/alloc.h"

#define MAC_LEN 16 /* HMAC-SHA256 cut to 128 bits: plenty for a token */
#define NFIELDS 11

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url(struct wy_buf *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        wy_buf_addc(out, b64[(v >> 18) & 63]);
        wy_buf_addc(out, b64[(v >> 12) & 63]);
        if (i + 1 < n)
            wy_buf_addc(out, b64[(v >> 6) & 63]);
        if (i + 2 < n)
            wy_buf_addc(out, b64[v & 63]);
    }
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* Decodes base64url (no padding) into out (room for n bytes); returns the
   length or -1. */
static long unb64url(const char *s, size_t n, unsigned char *out)
{
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        size_t k = n - i < 4 ? n - i : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = j < k ? b64val(s[i + j]) : 0;
            if (d < 0)
                return -1;
            v = v << 6 | (uint32_t)d;
        }
        out[o++] = (unsigned char)(v >> 16);
        if (k > 2)
            out[o++] = (unsigned char)(v >> 8);
        if (k > 3)
            out[o++] = (unsigned char)v;
    }
    return (long)o;
}

/* A string field: '%' and '\n' escaped so fields split on '\n'. */
static void add_str(struct wy_buf *b, const char *s)
{
    if (!s) {
        wy_buf_adds(b, "%-"); /* NULL, distinct from "" */
    } else {
        for (; *s; s++) {
            if (*s == '%')
                wy_buf_adds(b, "%25");
            else if (*s == '\n')
                wy_buf_adds(b, "%0A");
            else
                wy_buf_addc(b, *s);
        }
    }
    wy_buf_addc(b, '\n');
}

static void mac(const unsigned char *key, size_t keylen, const void *p,
                size_t n, unsigned char out[32])
{
    unsigned int ml = 32;
    HMAC(EVP_sha256(), key, (int)keylen, p, n, out, &ml);
}

void oai_token_encode(const struct oai_token *t, const unsigned char *key,
                      size_t keylen, struct wy_buf *out)
{
    struct wy_buf p = WY_BUF_INIT(OAI_TOKEN_MAX);
    wy_buf_addf(&p, "1\n%d\n", t->verb);
    add_str(&p, t->prefix);
    add_str(&p, t->set);
    wy_buf_addf(&p, "%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n", t->from,
                t->until, t->last_ds);
    add_str(&p, t->last_id);
    wy_buf_addf(&p, "%" PRIu64 "\n%" PRIu64 "\n%" PRId64 "\n", t->cursor,
                t->total, t->issued);
    if (p.error != WY_OK) {
        /* too long for a token: make out fail the same way */
        out->error = p.error;
        wy_buf_release(&p);
        return;
    }
    unsigned char m[32];
    mac(key, keylen, p.p, p.len, m);
    b64url(out, (const unsigned char *)p.p, p.len);
    wy_buf_addc(out, '.');
    b64url(out, m, MAC_LEN);
    wy_buf_release(&p);
}

static char *dup_field(const char *s, size_t n, int *bad)
{
    if (n == 2 && s[0] == '%' && s[1] == '-')
        return NULL;
    char *d = wy_malloc(n + 1);
    if (!d) {
        *bad = 2;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i >= 3 && s[i + 1] == '2' && s[i + 2] == '5')
                d[o++] = '%';
            else if (n - i >= 3 && s[i + 1] == '0' && s[i + 2] == 'A')
                d[o++] = '\n';
            else
                *bad = 1;
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    return d;
}

static int num(const char *s, size_t n, int sign, int64_t *v)
{
    char tmp[24];
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    if (!sign && tmp[0] == '-')
        return -1;
    long long x = strtoll(tmp, &end, 10);
    if (*end || (tmp[0] != '-' && (tmp[0] < '0' || tmp[0] > '9')))
        return -1;
    *v = x;
    return 0;
}

wy_code oai_token_decode(const char *s, size_t n, const unsigned char *key,
                         size_t keylen, int64_t now, int64_t ttl,
                         struct oai_token *t, struct wy_err *err)
{
    memset(t, 0, sizeof(*t));
    if (n == 0 || n > OAI_TOKEN_MAX)
        return wy_err_set(err, WY_EFORMAT, "the resumptionToken has %zu bytes",
                          n);
    const char *dot = memchr(s, '.', n);
    if (!dot)
        return wy_err_set(err, WY_EFORMAT,
                          "the resumptionToken is not one of ours");
    size_t pl = (size_t)(dot - s), ml = n - pl - 1;
    unsigned char pay[OAI_TOKEN_MAX], m[OAI_TOKEN_MAX], want[32];
    long pn = unb64url(s, pl, pay);
    long mn = unb64url(dot + 1, ml, m);
    if (pn <= 0 || mn != MAC_LEN)
        return wy_err_set(err, WY_EFORMAT,
                          "the resumptionToken is not one of ours");
    mac(key, keylen, pay, (size_t)pn, want);
    if (CRYPTO_memcmp(want, m, MAC_LEN) != 0)
        return wy_err_set(err, WY_EFORMAT,
                          "the resumptionToken's signature does not match");

    const char *f[NFIELDS];
    size_t fl[NFIELDS];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i < (size_t)pn; i++) {
        if (pay[i] != '\n')
            continue;
        if (nf == NFIELDS)
            return wy_err_set(err, WY_EFORMAT,
                              "the resumptionToken has too many fields");
        f[nf] = (const char *)pay + start;
        fl[nf++] = i - start;
        start = i + 1;
    }
    if (nf != NFIELDS || start != (size_t)pn || fl[0] != 1 || f[0][0] != '1')
        return wy_err_set(err, WY_EFORMAT,
                          "the resumptionToken has an unknown layout");
    int64_t verb, cursor, total;
    int bad = 0;
    if (num(f[1], fl[1], 0, &verb) || num(f[4], fl[4], 1, &t->from) ||
        num(f[5], fl[5], 1, &t->until) || num(f[6], fl[6], 1, &t->last_ds) ||
        num(f[8], fl[8], 0, &cursor) || num(f[9], fl[9], 0, &total) ||
        num(f[10], fl[10], 1, &t->issued))
        return wy_err_set(err, WY_EFORMAT,
                          "the resumptionToken has a bad number");
    t->verb = (int)verb;
    t->cursor = (uint64_t)cursor;
    t->total = (uint64_t)total;
    t->prefix = dup_field(f[2], fl[2], &bad);
    t->set = dup_field(f[3], fl[3], &bad);
    t->last_id = dup_field(f[7], fl[7], &bad);
    if (bad || !t->prefix || !t->last_id) {
        oai_token_release(t);
        return wy_err_set(err, bad == 2 ? WY_ENOMEM : WY_EFORMAT,
                          "the resumptionToken has a bad field");
    }
    if (now - t->issued > ttl) {
        oai_token_release(t);
        return wy_err_set(err, WY_ESTATE, "the resumptionToken has expired");
    }
    return WY_OK;
}

void oai_token_release(struct oai_token *t)
{
    free(t->prefix);
    free(t->set);
    free(t->last_id);
    t->prefix = t->set = t->last_id = NULL;
}
