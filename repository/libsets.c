/* repository/libsets.c: the holding libraries as OAI-PMH sets. */
#include "repository/libsets.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "repository/store.h"

static int token_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || (ch && strchr("-_.!~*'()", ch));
}

static int is_blank(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int libset_spec(const char *institution, char out[LIBSET_SPEC_MAX])
{
    if (!institution)
        return -1;
    const char *s = institution;
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return -1;
    size_t k = 0;
    while (k < n && token_char((unsigned char)s[k]))
        k++;
    if (k == n && n <= LIBSET_TOKEN_MAX) {
        memcpy(out, LIBSET_PREFIX, 8);
        memcpy(out + 8, s, n);
        out[8 + n] = '\0';
        return 0;
    }
    /* a hex digest of the NFC form (the raw bytes when not UTF-8) */
    char *trim = wy_strndup(s, n), *nfc = NULL;
    const char *h = s;
    size_t hn = n;
    if (trim) {
        struct wy_err e = WY_ERR_INIT;
        if (store_path_nfc(trim, &nfc, &e) == WY_OK) {
            h = nfc;
            hn = strlen(nfc);
        }
        wy_err_release(&e);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(h, hn, md, &mdlen, EVP_sha256(), NULL);
    free(nfc);
    free(trim);
    if (!ok || mdlen < 6)
        return -1;
    memcpy(out, LIBSET_PREFIX, 8);
    for (int i = 0; i < 6; i++)
        snprintf(out + 8 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* Records the name of spec unless it is the code itself or already
   recorded as such. */
static wy_code note_name(struct cat *c, const char *spec, const char *inst,
                         struct wy_err *err)
{
    const char *s = inst;
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    if (strlen(spec + 8) == n && !memcmp(spec + 8, s, n))
        return WY_OK;
    char key[sizeof(LIBSET_META_PREFIX) + LIBSET_SPEC_MAX];
    snprintf(key, sizeof(key), "%s%s", LIBSET_META_PREFIX, spec);
    char *name = wy_strndup(s, n), *have = NULL;
    if (!name)
        return wy_err_set(err, WY_ENOMEM, "no memory for library '%s'", spec);
    wy_code rc = cat_meta_get(c, key, &have, err);
    if (rc == WY_OK && (!have || strcmp(have, name)))
        rc = cat_meta_set(c, key, name, err);
    free(have);
    free(name);
    return rc;
}

wy_code libset_put_record(struct cat *c, const struct cat_put *in,
                          struct cat_put_result *res, struct wy_err *err)
{
    const struct wy_desc *d = in->rec ? &in->rec->desc : NULL;
    if (!d || d->nholdings == 0)
        return cat_put_record(c, in, res, err);
    size_t cap = in->nsets + d->nholdings;
    const char **sets = wy_calloc(cap, sizeof(*sets));
    char(*specs)[LIBSET_SPEC_MAX] = wy_calloc(d->nholdings, sizeof(*specs));
    wy_code rc = WY_OK;
    if (!sets || !specs) {
        rc = wy_err_set(err, WY_ENOMEM, "no memory for the record's sets");
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < in->nsets; i++)
        sets[n++] = in->sets[i];
    for (size_t i = 0; i < d->nholdings && rc == WY_OK; i++) {
        const char *inst = d->holdings[i].institution;
        if (libset_spec(inst, specs[i]) != 0)
            continue;
        size_t k;
        for (k = 0; k < n; k++)
            if (!strcmp(sets[k], specs[i]))
                break;
        if (k < n)
            continue;
        sets[n++] = specs[i];
        rc = note_name(c, specs[i], inst, err);
    }
    if (rc == WY_OK) {
        struct cat_put p = *in;
        p.sets = sets;
        p.nsets = n;
        rc = cat_put_record(c, &p, res, err);
    }
out:
    free(sets);
    free(specs);
    return rc;
}

wy_code libset_name(struct cat *c, const char *spec, char **out,
                    struct wy_err *err)
{
    *out = NULL;
    if (!strcmp(spec, LIBSET_PARENT)) {
        if (!(*out = wy_strdup("收藏馆 Holding libraries")))
            return wy_err_set(err, WY_ENOMEM, "no memory for set names");
        return WY_OK;
    }
    if (strncmp(spec, LIBSET_PREFIX, 8) || strlen(spec) >= LIBSET_SPEC_MAX)
        return WY_OK;
    char key[sizeof(LIBSET_META_PREFIX) + LIBSET_SPEC_MAX];
    snprintf(key, sizeof(key), "%s%s", LIBSET_META_PREFIX, spec);
    wy_code rc = cat_meta_get(c, key, out, err);
    if (rc == WY_OK && !*out && !(*out = wy_strdup(spec + 8)))
        rc = wy_err_set(err, WY_ENOMEM, "no memory for set names");
    return rc;
}
