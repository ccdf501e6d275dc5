/* tests/fuzz/fuzz_params.c: HTTP query parameters (query string or form
   body), then OAI-PMH argument validation and resumption token decoding,
   all of which take outside input on /oai. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tests/fuzz/fuzz.h"

#include "service/oai_args.h"
#include "service/oai_token.h"
#include "service/params.h"

static const unsigned char key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

/* Signs data as a token payload, so the field parser behind the signature
   check is fuzzed too (a fuzzer cannot forge the HMAC). */
static void signed_token(const uint8_t *data, size_t size, struct wy_buf *b)
{
    static const char d[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char mac[32];
    unsigned int ml = 32;
    HMAC(EVP_sha256(), key, sizeof(key), data, size, mac, &ml);
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = part ? mac : data;
        size_t n = part ? 16 : size;
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)p[i] << 16;
            if (i + 1 < n)
                v |= (uint32_t)p[i + 1] << 8;
            if (i + 2 < n)
                v |= p[i + 2];
            wy_buf_addc(b, d[(v >> 18) & 63]);
            wy_buf_addc(b, d[(v >> 12) & 63]);
            if (i + 1 < n)
                wy_buf_addc(b, d[(v >> 6) & 63]);
            if (i + 2 < n)
                wy_buf_addc(b, d[v & 63]);
        }
        if (!part)
            wy_buf_addc(b, '.');
    }
}

WY_FUZZ_TARGET(params)
{
    struct svc_params ps = SVC_PARAMS_INIT;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf msg = WY_BUF_INIT(4096);
    struct oai_token t;
    if (svc_params_parse(&ps, (const char *)data, size, &err) == WY_OK) {
        struct oai_request rq;
        if (oai_parse_request(&ps, &rq, &msg) == OAI_OK && rq.token &&
            oai_token_decode(rq.token, strlen(rq.token), key, sizeof(key),
                             1700000000, 86400, &t, &err) == WY_OK)
            oai_token_release(&t);
        svc_params_repeated(&ps);
    }
    wy_err_release(&err);
    /* the raw bytes as a token too: most fail the signature early, which
       is exactly the path hostile tokens take */
    if (oai_token_decode((const char *)data, size, key, sizeof(key), 1700000000,
                         86400, &t, &err) == WY_OK)
        oai_token_release(&t);
    wy_err_release(&err);
    struct wy_buf tok = WY_BUF_INIT(4 * WY_FUZZ_MAX);
    signed_token(data, size, &tok);
    if (tok.error == WY_OK &&
        oai_token_decode(tok.p, tok.len, key, sizeof(key), 1700000000, 86400,
                         &t, &err) == WY_OK)
        oai_token_release(&t);
    wy_err_release(&err);
    wy_buf_release(&tok);
    wy_buf_release(&msg);
    svc_params_release(&ps);
    return 0;
}
