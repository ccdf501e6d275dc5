/* indexer/cjk.c: NFKC (ICU), OpenCC t2s, our variant table, rare-character
   tokens. See cjk.h for the order and the reasons. */
#include "indexer/cjk.h"

#include <opencc/opencc.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "core/alloc.h"

struct cjk {
    opencc_t cc;
    const UNormalizer2 *nfkc; /* owned by ICU, never freed */
};

wy_code cjk_new(struct cjk **out, struct wy_err *err)
{
    *out = NULL;
    struct cjk *c = wy_calloc(1, sizeof(*c));
    if (!c)
        return wy_err_set(err, WY_ENOMEM, "out of memory for the normalizer");
    UErrorCode ue = U_ZERO_ERROR;
    c->nfkc = unorm2_getNFKCInstance(&ue);
    if (U_FAILURE(ue)) {
        free(c);
        return wy_err_set(err, WY_EINDEX, "cannot load ICU's NFKC data: %s",
                          u_errorName(ue));
    }
    c->cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
    if (c->cc == (opencc_t)-1) {
        const char *why = opencc_error();
        free(c);
        return wy_err_set(err, WY_EINDEX, "cannot load OpenCC config '%s': %s",
                          OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP,
                          why ? why : "unknown error");
    }
    *out = c;
    return WY_OK;
}

void cjk_free(struct cjk *c)
{
    if (!c)
        return;
    opencc_close(c->cc);
    free(c);
}

const char *cjk_version(void)
{
    return cjk_variants_version;
}

int cjk_is_rare(uint32_t cp)
{
    return (cp >= 0x20000 && cp <= 0x2FFFF) || (cp >= 0x30000 && cp <= 0x323AF);
}

int cjk_is_han(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || cjk_is_rare(cp);
}

uint32_t cjk_utf8_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = n - *i;
    unsigned char c = p[0];
    uint32_t cp, min;
    size_t len;
    if (c < 0x80) {
        *i += 1;
        return c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        *i += 1;
        return 0xFFFD;
    }
    if (left < len) {
        *i += 1;
        return 0xFFFD;
    }
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *i += 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i += 1;
        return 0xFFFD;
    }
    *i += len;
    return cp;
}

void cjk_utf8_put(struct wy_buf *out, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    wy_buf_add(out, b, n);
}

static uint32_t variant_of(uint32_t cp)
{
    size_t lo = 0, hi = cjk_nvariants;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cjk_variants[mid].from == cp)
            return cjk_variants[mid].to;
        if (cjk_variants[mid].from < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

/* Steps 3-5 over valid UTF-8 (the output of ICU or OpenCC, or ASCII). */
static void finish(const char *s, size_t n, struct wy_buf *out)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp = cjk_utf8_next(s, n, &i);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
            cp == 0xFFFD) {
            wy_buf_addc(out, ' ');
            continue;
        }
        if (cp < 0x80) {
            wy_buf_addc(out, (char)cp);
            continue;
        }
        cp = variant_of(cp);
        if (cjk_is_rare(cp))
            wy_buf_addf(out, " u%x ", (unsigned)cp);
        else
            cjk_utf8_put(out, cp);
    }
}

static wy_code icu_fail(struct wy_err *err, const char *what, UErrorCode ue)
{
    if (ue == U_MEMORY_ALLOCATION_ERROR)
        return wy_err_set(err, WY_ENOMEM, "out of memory in ICU (%s)", what);
    return wy_err_set(err, WY_EINDEX, "ICU %s: %s", what, u_errorName(ue));
}

/* UTF-8 (possibly invalid) -> NFKC UTF-8, new in *res (free()). */
static wy_code nfkc(struct cjk *c, const char *s, size_t n, char **res,
                    size_t *rlen, struct wy_err *err)
{
    UErrorCode ue = U_ZERO_ERROR;
    UChar *u16 = NULL, *norm = NULL;
    char *u8 = NULL;
    wy_code rc = WY_OK;
    int32_t ulen = 0, nlen = 0, olen = 0;
    *res = NULL;

    u16 = wy_malloc((n + 1) * sizeof(UChar));
    if (!u16)
        goto nomem;
    u_strFromUTF8WithSub(u16, (int32_t)n + 1, &ulen, s, (int32_t)n, 0xFFFD,
                         NULL, &ue);
    if (U_FAILURE(ue)) {
        rc = icu_fail(err, "decoding UTF-8", ue);
        goto out;
    }
    /* NFKC may expand (up to 18x for a few characters): preflight on
       overflow rather than reserving the worst case */
    int32_t cap = ulen + ulen / 2 + 16;
    for (int pass = 0; pass < 2; pass++) {
        norm = wy_malloc((size_t)cap * sizeof(UChar));
        if (!norm)
            goto nomem;
        ue = U_ZERO_ERROR;
        nlen = unorm2_normalize(c->nfkc, u16, ulen, norm, cap, &ue);
        if (ue != U_BUFFER_OVERFLOW_ERROR)
            break;
        free(norm);
        norm = NULL;
        cap = nlen + 1;
    }
    if (U_FAILURE(ue) || !norm) {
        rc = icu_fail(err, "normalizing to NFKC", ue);
        goto out;
    }
    ue = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &olen, norm, nlen, &ue);
    if (ue != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(ue)) {
        rc = icu_fail(err, "encoding UTF-8", ue);
        goto out;
    }
    u8 = wy_malloc((size_t)olen + 1);
    if (!u8)
        goto nomem;
    ue = U_ZERO_ERROR;
    u_strToUTF8(u8, olen + 1, &olen, norm, nlen, &ue);
    if (U_FAILURE(ue)) {
        rc = icu_fail(err, "encoding UTF-8", ue);
        goto out;
    }
    *res = u8;
    *rlen = (size_t)olen;
    u8 = NULL;
    goto out;
nomem:
    rc = wy_err_set(err, WY_ENOMEM, "out of memory normalizing %zu bytes", n);
out:
    free(u16);
    free(norm);
    free(u8);
    return rc;
}

wy_code cjk_normalize(struct cjk *c, const char *s, size_t n,
                      struct wy_buf *out, struct wy_err *err)
{
    if (n > CJK_MAX_INPUT)
        return wy_err_set(err, WY_ETOOBIG,
                          "text of %zu bytes is over the limit of %u", n,
                          CJK_MAX_INPUT);
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) { /* NFKC- and t2s-stable: the common case for English */
        finish(s, n, out);
        return wy_buf_status(out, err);
    }
    char *norm = NULL;
    size_t nlen = 0;
    wy_code rc = nfkc(c, s, n, &norm, &nlen, err);
    if (rc != WY_OK)
        return rc;
    /* OpenCC's C API catches its own exceptions and returns NULL */
    char *simp = opencc_convert_utf8(c->cc, norm, nlen);
    if (!simp) {
        free(norm);
        return wy_err_set(err, WY_EINDEX, "OpenCC t2s failed on %zu bytes",
                          nlen);
    }
    finish(simp, strlen(simp), out);
    opencc_convert_utf8_free(simp);
    free(norm);
    return wy_buf_status(out, err);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

void cjk_restore_rare(const char *s, size_t n, struct wy_buf *out)
{
    size_t i = 0;
    while (i < n) {
        /* " u2xxxx " as written by finish(); the spaces are optional at
           the ends of the text and may be eaten by a snippet's cut */
        if (s[i] == 'u' && i + 6 <= n && (s[i + 1] == '2' || s[i + 1] == '3') &&
            (i == 0 || s[i - 1] == ' ' || (unsigned char)s[i - 1] >= 0x80 ||
             s[i - 1] == '>') &&
            (i + 6 == n || !((s[i + 6] >= '0' && s[i + 6] <= '9') ||
                             (s[i + 6] >= 'a' && s[i + 6] <= 'z')))) {
            uint32_t cp = 0;
            int ok = 1;
            for (size_t k = 1; k < 6 && ok; k++) {
                int h = hexval(s[i + k]);
                ok = h >= 0;
                cp = cp * 16 + (uint32_t)(h < 0 ? 0 : h);
            }
            if (ok && cjk_is_rare(cp)) {
                if (out->len && wy_buf_cstr(out)[out->len - 1] == ' ')
                    wy_buf_truncate(out, out->len - 1);
                cjk_utf8_put(out, cp);
                i += 6;
                if (i < n && s[i] == ' ')
                    i++;
                continue;
            }
        }
        wy_buf_addc(out, s[i]);
        i++;
    }
}
