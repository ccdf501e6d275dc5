/* service/params.h: request arguments (query string or an
   application/x-www-form-urlencoded body), kept in order with repeats, with
   caps on their number and length. */
#ifndef WY_SERVICE_PARAMS_H
#define WY_SERVICE_PARAMS_H

#include <stddef.h>

#include "core/err.h"

/* Caps: a request is refused rather than cut (Taler's 512-byte URL rule).
   OAI tokens are well under the value cap; a search query is too. */
#define SVC_PARAMS_MAX 32      /* arguments per request */
#define SVC_PARAM_KEY_MAX 64   /* bytes in a name */
#define SVC_PARAM_VAL_MAX 4096 /* bytes in a value */

struct svc_param {
    char *key; /* owned; NUL-terminated, valid UTF-8 */
    char *val; /* owned; "" for an argument without '=' */
    size_t vlen;
};

struct svc_params {
    struct svc_param p[SVC_PARAMS_MAX];
    size_t n;
};

#define SVC_PARAMS_INIT                                                        \
    {                                                                          \
        .n = 0                                                                 \
    }

/*
 * Adds one decoded argument (copied). WY_ETOOBIG past a cap, WY_EINVAL for a
 * name or value that holds a NUL byte, control characters in the name, or is
 * not valid UTF-8; the message names the parameter.
 */
wy_code svc_params_add(struct svc_params *ps, const char *key, size_t klen,
                       const char *val, size_t vlen, struct wy_err *err);

/*
 * Parses a query string or form body ("a=1&b=%E6%96%87+x") of n bytes, not
 * NUL-terminated, decoding %XX and '+'. Empty segments ("a=1&&b=2") are
 * skipped. WY_EINVAL for a malformed %-escape, as svc_params_add otherwise.
 */
wy_code svc_params_parse(struct svc_params *ps, const char *p, size_t n,
                         struct wy_err *err);

/* borrowed (until release): the first value of key, or NULL. */
const char *svc_params_get(const struct svc_params *ps, const char *key);
/* How many times key occurs. */
size_t svc_params_count(const struct svc_params *ps, const char *key);
/* borrowed: the first name that occurs more than once, or NULL. */
const char *svc_params_repeated(const struct svc_params *ps);

/* Frees every argument; ps is empty afterwards. */
void svc_params_release(struct svc_params *ps);

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int svc_utf8_valid(const char *s, size_t n);

#endif
