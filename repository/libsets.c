/* repository/libsets.c: the holding libraries as OAI-PMH sets. */
#include "repository/libsets.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "repository/libraries.h"
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

/* The library sets and holding names of a record's holdings. */
struct libs {
    char (*specs)[LIBSET_SPEC_MAX];
    size_t nspecs;
    char **names; /* trimmed, distinct */
    size_t nnames;
};

static void libs_release(struct libs *l)
{
    for (size_t i = 0; i < l->nnames; i++)
        free(l->names[i]);
    free(l->names);
    free(l->specs);
    memset(l, 0, sizeof(*l));
}

static wy_code record_libs(struct cat *c, const struct wy_desc *d,
                           struct libs *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!d || !d->nholdings)
        return WY_OK;
    out->specs = wy_calloc(d->nholdings, sizeof(*out->specs));
    out->names = wy_calloc(d->nholdings, sizeof(*out->names));
    if (!out->specs || !out->names) {
        libs_release(out);
        return wy_err_set(err, WY_ENOMEM, "no memory for the record's sets");
    }
    wy_code rc = WY_OK;
    for (size_t i = 0; i < d->nholdings && rc == WY_OK; i++) {
        const char *s = d->holdings[i].institution;
        if (!s)
            continue;
        while (is_blank((unsigned char)*s))
            s++;
        size_t n = strlen(s);
        while (n && is_blank((unsigned char)s[n - 1]))
            n--;
        if (!n)
            continue;
        size_t k;
        for (k = 0; k < out->nnames; k++)
            if (strlen(out->names[k]) == n && !memcmp(out->names[k], s, n))
                break;
        if (k < out->nnames)
            continue;
        char *name = wy_strndup(s, n), *code = NULL;
        if (!name) {
            rc = wy_err_set(err, WY_ENOMEM, "no memory for the record's sets");
            break;
        }
        out->names[out->nnames++] = name;
        rc = lib_resolve(c, name, &code, NULL, err);
        char spec[LIBSET_SPEC_MAX];
        if (rc == WY_OK && code)
            snprintf(spec, sizeof(spec), "%s%s", LIBSET_PREFIX, code);
        else if (rc == WY_OK && libset_spec(name, spec) != 0)
            spec[0] = '\0';
        int registered = code != NULL;
        free(code);
        if (rc || !spec[0])
            continue;
        for (k = 0; k < out->nspecs; k++)
            if (!strcmp(out->specs[k], spec))
                break;
        if (k < out->nspecs)
            continue;
        memcpy(out->specs[out->nspecs++], spec, sizeof(spec));
        /* a registered library is named by the register (libset_name) */
        if (!registered)
            rc = note_name(c, spec, name, err);
    }
    if (rc)
        libs_release(out);
    return rc;
}

/* base (borrowed) plus the library sets, not repeating any. new: *out
   (free() the array only). */
static wy_code merge_sets(const char *const *base, size_t nbase,
                          const struct libs *l, const char ***out, size_t *n,
                          struct wy_err *err)
{
    *n = 0;
    *out = wy_calloc(nbase + l->nspecs + 1, sizeof(**out));
    if (!*out)
        return wy_err_set(err, WY_ENOMEM, "no memory for the record's sets");
    for (size_t i = 0; i < nbase; i++)
        (*out)[(*n)++] = base[i];
    for (size_t i = 0; i < l->nspecs; i++) {
        size_t k;
        for (k = 0; k < *n; k++)
            if (!strcmp((*out)[k], l->specs[i]))
                break;
        if (k == *n)
            (*out)[(*n)++] = l->specs[i];
    }
    return WY_OK;
}

wy_code libset_put_record(struct cat *c, const struct cat_put *in,
                          struct cat_put_result *res, struct wy_err *err)
{
    struct libs l;
    wy_code rc = record_libs(c, in->rec ? &in->rec->desc : NULL, &l, err);
    if (rc)
        return rc;
    const char **sets = NULL;
    size_t n = 0;
    rc = merge_sets(in->sets, in->nsets, &l, &sets, &n, err);
    if (rc == WY_OK) {
        struct cat_put p = *in;
        p.sets = sets;
        p.nsets = n;
        rc = lib_put_record(c, &p, (const char *const *)l.names, l.nnames, res,
                            err);
    }
    free(sets);
    libs_release(&l);
    return rc;
}

/* ---- applying the register to records already in the catalog ----------- */

/* Recomputes the library sets and holding names of one live record;
 *changed: whether its sets changed (and so its datestamp). */
static wy_code refresh(struct cat *c, int64_t id, int *changed,
                       struct wy_err *err)
{
    *changed = 0;
    struct cat_record *cr = NULL;
    struct wy_record *rec = NULL;
    struct libs l = {0};
    const char **base = NULL, **sets = NULL;
    size_t nbase = 0, n = 0;
    wy_code rc = cat_get_record(c, id, CAT_LOAD_ALL, &cr, err);
    if (rc == WY_OK && cr->deleted)
        goto out;
    if (rc == WY_OK)
        rc = cat_record_model(cr, &rec, err);
    if (rc == WY_OK)
        rc = record_libs(c, &rec->desc, &l, err);
    if (rc == WY_OK && !(base = wy_calloc(cr->nsets + 1, sizeof(*base))))
        rc = wy_err_set(err, WY_ENOMEM, "no memory for the record's sets");
    for (size_t i = 0; rc == WY_OK && i < cr->nsets; i++)
        if (strncmp(cr->sets[i], LIBSET_PREFIX, strlen(LIBSET_PREFIX)))
            base[nbase++] = cr->sets[i];
    if (rc == WY_OK)
        rc = merge_sets(base, nbase, &l, &sets, &n, err);
    if (rc == WY_OK)
        rc = cat_record_set_sets(c, id, sets, n, changed, err);
    if (rc == WY_OK)
        rc = lib_set_holdings(c, id, (const char *const *)l.names, l.nnames,
                              err);
out:
    free(sets);
    free(base);
    libs_release(&l);
    wy_record_free(rec);
    cat_record_free(cr);
    if (rc)
        wy_err_prefix(err, "record %lld", (long long)id);
    return rc;
}

struct ids {
    int64_t *v;
    size_t n, cap;
};

static wy_code add_id(void *ctx, int64_t id, struct wy_err *err)
{
    struct ids *ids = ctx;
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 256;
        int64_t *v = wy_realloc(ids->v, cap * sizeof(*v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM, "no memory for record ids");
        ids->v = v;
        ids->cap = cap;
    }
    ids->v[ids->n++] = id;
    return WY_OK;
}

struct changed_ctx {
    struct cat *c;
    struct ids *ids;
    size_t names;
};

static wy_code on_changed(void *ctx, const char *name, int is_source,
                          struct wy_err *err)
{
    struct changed_ctx *x = ctx;
    x->names++;
    return lib_records_of_name(x->c, name, is_source, add_id, x->ids, err);
}

static wy_code on_listed(void *ctx, const struct cat_record *r,
                         struct wy_err *err)
{
    return add_id(ctx, r->id, err);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Refreshes the records ids (sorted, distinct), touching those whose sets
   stay the same (what the index and clusters derive may still change). */
static wy_code refresh_all(struct cat *c, const struct ids *ids, int touch,
                           const struct ids *done,
                           struct libset_apply_stats *st, struct wy_err *err)
{
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < ids->n; i++) {
        if (i && ids->v[i] == ids->v[i - 1])
            continue;
        if (done && done->n &&
            bsearch(&ids->v[i], done->v, done->n, sizeof(*done->v), cmp_id))
            continue; /* refreshed already */
        int changed = 0;
        rc = refresh(c, ids->v[i], &changed, err);
        if (rc == WY_OK && !changed && touch)
            rc = cat_record_touch(c, ids->v[i], err);
        if (rc == WY_OK) {
            st->records++;
            st->sets_changed += (size_t)changed;
            st->touched += (size_t)(!changed && touch);
        }
    }
    return rc;
}

#define APPLY_BATCH 1000
#define META_BACKFILL "library.backfill"

wy_code libset_apply(struct cat *c, int full, struct libset_apply_stats *stats,
                     struct wy_err *err)
{
    struct libset_apply_stats st = {0};
    struct ids ids = {NULL, 0, 0};
    char *done = NULL;
    wy_code rc = cat_meta_get(c, META_BACKFILL, &done, err);
    if (rc)
        return rc;
    if (!done)
        full = 1; /* records written before the register: no names kept */
    free(done);
    int own = !cat_in_transaction(c);
    /* the names whose resolution changed, and their records, at once */
    if (own && (rc = cat_begin(c, err)))
        return rc;
    struct changed_ctx x = {c, &ids, 0};
    rc = lib_changed_names(c, on_changed, &x, err);
    if (rc == WY_OK && ids.n)
        qsort(ids.v, ids.n, sizeof(*ids.v), cmp_id);
    if (rc == WY_OK)
        rc = refresh_all(c, &ids, 1, NULL, &st, err);
    st.names = x.names;
    if (own && rc == WY_OK)
        rc = cat_commit(c, err);
    else if (own)
        cat_rollback(c);
    /* every live record, in batches (a rerun finishes the job) */
    struct ids all = {NULL, 0, 0};
    if (rc == WY_OK && full) {
        struct cat_list_query q = {0};
        q.what = CAT_LOAD_LIST;
        rc = cat_list(c, &q, on_listed, &all, NULL, err);
        for (size_t i = 0; rc == WY_OK && i < all.n; i += APPLY_BATCH) {
            struct ids part = {
                all.v + i, all.n - i < APPLY_BATCH ? all.n - i : APPLY_BATCH,
                0};
            if (own && (rc = cat_begin(c, err)))
                break;
            rc = refresh_all(c, &part, 0, &ids, &st, err);
            if (own && rc == WY_OK)
                rc = cat_commit(c, err);
            else if (own)
                cat_rollback(c);
        }
        char now[21];
        cat_now(c, now);
        if (rc == WY_OK)
            rc = cat_meta_set(c, META_BACKFILL, now, err);
    }
    free(ids.v);
    free(all.v);
    if (stats)
        *stats = st;
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
    struct lib_library l;
    wy_code rc = lib_get_by_code(c, spec + 8, &l, err);
    if (rc == WY_OK) {
        *out = l.name;
        l.name = NULL;
    }
    lib_library_release(&l);
    if (rc == WY_ENOTFOUND) {
        wy_err_release(err);
        rc = WY_OK;
    }
    if (rc || *out)
        return rc;
    char key[sizeof(LIBSET_META_PREFIX) + LIBSET_SPEC_MAX];
    snprintf(key, sizeof(key), "%s%s", LIBSET_META_PREFIX, spec);
    rc = cat_meta_get(c, key, out, err);
    if (rc == WY_OK && !*out && !(*out = wy_strdup(spec + 8)))
        rc = wy_err_set(err, WY_ENOMEM, "no memory for set names");
    return rc;
}
