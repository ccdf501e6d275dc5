/* service/oai_token.h: keyset resumption tokens. A token carries the whole
   position of a list request (no server memory), so it survives restarts
   and every page costs the same: the verb, metadataPrefix, set, from, a
   frozen until, the last (datestamp, identifier) sent, the cursor, the list
   size and when it was issued, signed with HMAC-SHA256 under the home's
   secret. The text is base64url: safe in a URL and in XML unescaped. */
#ifndef WY_SERVICE_OAI_TOKEN_H
#define WY_SERVICE_OAI_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct oai_token {
    int verb;        /* enum oai_verb of the list request */
    char *prefix;    /* owned */
    char *set;       /* owned; NULL: no set */
    int64_t from;    /* OAI_TIME_NONE: none */
    int64_t until;   /* frozen at the first page */
    int64_t last_ds; /* datestamp of the last record sent */
    char *last_id;   /* owned: its identifier */
    uint64_t cursor; /* records sent before the next page */
    uint64_t total;  /* completeListSize, counted at the first page */
    int64_t issued;  /* when the first page was served */
};

/* Longest token text accepted (they are about 200 bytes). */
#define OAI_TOKEN_MAX 2048

/* Appends the signed token text to out; errors through out's sticky error. */
void oai_token_encode(const struct oai_token *t, const unsigned char *key,
                      size_t keylen, struct wy_buf *out);

/*
 * Verifies and decodes s[0..n). now and ttl: a token issued more than ttl
 * seconds before now has expired. WY_EFORMAT for anything else than a token
 * we signed (bad text, bad signature, bad fields), WY_ESTATE when expired;
 * the message says which. On success *t is new: oai_token_release().
 */
wy_code oai_token_decode(const char *s, size_t n, const unsigned char *key,
                         size_t keylen, int64_t now, int64_t ttl,
                         struct oai_token *t, struct wy_err *err);

/* Frees the strings; NULL-safe fields. */
void oai_token_release(struct oai_token *t);

#endif
