/* repository/ingest_intent.c: the ingest intent (see catalog.h and
 * ingest.h): what the catalog must record for a version, written before the
 * OCFL commit, and the recovery that finishes or drops the intents a crash
 * left. The catalog rows of an item are written here, for ingest and for
 * recovery alike. */
#include "repository/ingest_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "formats/iso2709.h"
#include "repository/libsets.h"
#include "repository/recjson.h"
#include "repository/store.h"

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")

wy_code ingesti_write_catalog(struct cat *c, const struct ingest_row *r,
                              struct wy_err *err)
{
    struct cat_put in = {0};
    in.source = CAT_LOCAL_SOURCE;
    in.local_id = r->local_id;
    in.collection = r->collection;
    in.rec = r->rec;
    in.orig = r->orig;
    in.orig_len = r->orig_len;
    in.orig_format = r->orig_format;
    struct cat_put_result res;
    wy_code rc = libset_put_record(c, &in, &res, err);
    struct cat_object o = {0};
    o.ocfl_id = (char *)r->ocfl_id;
    o.record_id = res.id;
    o.head = (char *)r->head;
    o.files = (int64_t)r->nfiles;
    o.bytes = r->bytes;
    if (rc == WY_OK)
        rc = cat_object_put(c, &o, err);
    if (rc == WY_OK)
        rc = cat_object_set_files(c, r->ocfl_id, r->files, r->nfiles, err);
    if (rc == WY_OK && r->batch)
        rc = cat_journal_item(c, r->batch, r->item, CAT_ITEM_DONE, r->ocfl_id,
                              r->head, err);
    return rc;
}

/* ---- the payload ------------------------------------------------------ */

/* Building the payload: the first problem is kept in *rc, later calls do
   nothing (the sticky-error pattern of wy_buf). */
struct pb {
    wy_code rc;
    const char *ocfl_id;
    struct wy_err *err;
};

/* a text as a JSON string, or as {"hex": "..."} when it is not UTF-8 (a
   folder name in GBK becomes the item's identifier and journal key): the
   bytes come back as they were */
static json_t *pb_str(struct pb *p, const char *s)
{
    if (p->rc)
        return NULL;
    if (!s)
        return json_null();
    size_t n = strlen(s), bad;
    json_t *j = NULL;
    if (iso2709_utf8_valid((const unsigned char *)s, n, &bad))
        j = json_string(s);
    else {
        char *hx = wy_malloc(2 * n + 1);
        for (size_t i = 0; hx && i < n; i++)
            snprintf(hx + 2 * i, 3, "%02x", (unsigned char)s[i]);
        if (hx)
            j = json_pack("{s:s}", "hex", hx);
        free(hx);
    }
    if (!j)
        p->rc = wy_err_set(p->err, WY_ENOMEM, "out of memory");
    return j;
}

/* steals v */
static void pb_set(struct pb *p, json_t *o, const char *k, json_t *v)
{
    if (!p->rc && (!v || json_object_set_new(o, k, v) != 0))
        p->rc = wy_err_set(p->err, WY_ENOMEM, "out of memory");
    else if (p->rc)
        json_decref(v);
}

static void pb_push(struct pb *p, json_t *a, json_t *v)
{
    if (!p->rc && (!v || json_array_append_new(a, v) != 0))
        p->rc = wy_err_set(p->err, WY_ENOMEM, "out of memory");
    else if (p->rc)
        json_decref(v);
}

/* new: *out (free()) */
static wy_code payload_build(const struct ingest_row *r, char **out,
                             struct wy_err *err)
{
    *out = NULL;
    struct pb p = {WY_OK, r->ocfl_id, err};
    struct wy_buf model = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf desc = WY_BUF_INIT(WY_BUF_NOLIMIT);
    p.rc = cat_json_model(r->rec, &model, err);
    if (p.rc == WY_OK)
        p.rc = cat_json_desc(r->rec, &desc, err);
    json_t *j = json_object(), *files = json_array();
    if (p.rc == WY_OK && (!j || !files))
        p.rc = NOMEM();
    for (size_t i = 0; p.rc == WY_OK && i < r->nfiles; i++) {
        const struct cat_file *f = &r->files[i];
        json_t *a = json_array();
        pb_push(&p, a, pb_str(&p, f->path));
        pb_push(&p, a, json_integer((json_int_t)f->size));
        pb_push(&p, a, pb_str(&p, f->sha512));
        pb_push(&p, a, pb_str(&p, f->md5));
        pb_push(&p, a, pb_str(&p, f->mime));
        pb_push(&p, a, pb_str(&p, f->format_check));
        pb_push(&p, files, a);
    }
    pb_set(&p, j, "files", files);
    pb_set(&p, j, "local_id", pb_str(&p, r->local_id));
    pb_set(&p, j, "collection", pb_str(&p, r->collection));
    pb_set(&p, j, "model", pb_str(&p, wy_buf_cstr(&model)));
    pb_set(&p, j, "desc", pb_str(&p, wy_buf_cstr(&desc)));
    pb_set(&p, j, "orig_format",
           pb_str(&p, r->orig_format ? r->orig_format : r->rec->format));
    pb_set(&p, j, "bytes", json_integer((json_int_t)r->bytes));
    pb_set(&p, j, "batch", json_integer((json_int_t)r->batch));
    pb_set(&p, j, "item", pb_str(&p, r->item));
    if (p.rc == WY_OK && !(*out = json_dumps(j, JSON_COMPACT)))
        p.rc = NOMEM();
    json_decref(j);
    wy_buf_release(&model);
    wy_buf_release(&desc);
    return p.rc;
}

wy_code ingesti_intent_put(struct cat *c, const struct ingest_row *r,
                           struct wy_err *err)
{
    char *payload = NULL;
    wy_code rc = payload_build(r, &payload, err);
    const char *orig = r->orig ? r->orig : r->rec->orig;
    size_t orig_len = r->orig ? r->orig_len : r->rec->orig_len;
    if (rc == WY_OK)
        rc = cat_intent_put(c, r->ocfl_id, r->head, payload, orig, orig_len,
                            err);
    free(payload);
    return rc;
}

/* ---- recovery --------------------------------------------------------- */

/* Texts read back from the payload: borrowed from the JSON, or decoded from
   {"hex": ...} into memory kept here until the intent is done. */
struct texts {
    char **v;
    size_t n, cap;
    int bad; /* out of memory or malformed hex */
};

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                    : -1;
}

/* borrowed: v as text; NULL when absent, null or malformed (then t->bad) */
static const char *text(struct texts *t, json_t *v)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    const char *hx = json_string_value(json_object_get(v, "hex"));
    size_t n = hx ? strlen(hx) : 1;
    char *d = n % 2 == 0 ? wy_malloc(n / 2 + 1) : NULL;
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 8;
        char **nv = wy_realloc(t->v, nc * sizeof(*nv));
        if (!nv) {
            free(d);
            d = NULL;
        } else {
            t->v = nv;
            t->cap = nc;
        }
    }
    for (size_t i = 0; d && i < n / 2; i++) {
        int hi = hexval(hx[2 * i]), lo = hexval(hx[2 * i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(d);
            d = NULL;
        } else
            d[i] = (char)(hi << 4 | lo);
    }
    if (!d) {
        t->bad = 1;
        return NULL;
    }
    d[n / 2] = '\0';
    t->v[t->n++] = d;
    return d;
}

static void texts_release(struct texts *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
}

static const char *jget(struct texts *t, json_t *o, const char *k)
{
    return text(t, json_object_get(o, k));
}

/* Writes the catalog rows an intent describes, in one transaction that also
   deletes the intent. */
static wy_code finish(struct cat *c, const struct cat_intent *t,
                      struct wy_err *err)
{
    json_error_t je;
    json_t *j = json_loads(t->payload, 0, &je);
    json_t *jf = json_object_get(j, "files");
    struct texts tx = {0};
    struct ingest_row r = {0};
    r.local_id = jget(&tx, j, "local_id");
    r.collection = jget(&tx, j, "collection");
    const char *model = jget(&tx, j, "model"), *desc = jget(&tx, j, "desc");
    r.orig_format = jget(&tx, j, "orig_format");
    r.item = jget(&tx, j, "item");
    r.batch = json_integer_value(json_object_get(j, "batch"));
    r.bytes = json_integer_value(json_object_get(j, "bytes"));
    r.orig = t->orig;
    r.orig_len = t->orig_len;
    r.ocfl_id = t->ocfl_id;
    r.head = t->version;
    size_t nf = json_array_size(jf);
    struct cat_file *files = wy_calloc(nf ? nf : 1, sizeof(*files));
    for (size_t i = 0; files && i < nf; i++) {
        json_t *a = json_array_get(jf, i);
        files[i].path = (char *)text(&tx, json_array_get(a, 0));
        files[i].size = json_integer_value(json_array_get(a, 1));
        files[i].sha512 = (char *)text(&tx, json_array_get(a, 2));
        files[i].md5 = (char *)text(&tx, json_array_get(a, 3));
        files[i].mime = (char *)text(&tx, json_array_get(a, 4));
        files[i].format_check = (char *)text(&tx, json_array_get(a, 5));
        if (!files[i].path || !files[i].sha512)
            tx.bad = 1;
    }
    r.files = files;
    r.nfiles = nf;
    struct wy_record *rec = wy_record_new();
    wy_code rc = WY_OK;
    if (!j || !json_is_array(jf) || !r.local_id || !model || !desc || tx.bad ||
        (r.batch && !r.item))
        rc = wy_err_set(err, WY_EFORMAT, "the payload is damaged%s%s",
                        j ? "" : ": ", j ? "" : je.text);
    else if (!rec || !files)
        rc = NOMEM();
    if (rc == WY_OK)
        rc = cat_json_load(rec, model, desc, err);
    r.rec = rec;
    if (rc == WY_OK)
        rc = cat_begin(c, err);
    if (rc == WY_OK) {
        rc = ingesti_write_catalog(c, &r, err);
        if (rc == WY_OK)
            rc = cat_intent_delete(c, t->ocfl_id, err);
        if (rc == WY_OK)
            rc = cat_commit(c, err);
        if (rc)
            cat_rollback(c);
    }
    free(files); /* the strings belong to j and tx */
    texts_release(&tx);
    wy_record_free(rec);
    json_decref(j);
    return rc;
}

/* "v3" -> 3; 0 when not a version name */
static unsigned vnum(const char *s)
{
    if (!s || s[0] != 'v' || !s[1] || strlen(s) > 10)
        return 0;
    unsigned long n = 0;
    for (const char *p = s + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    return (unsigned)n;
}

static wy_code recover_one(struct cat *c, struct store *s, const char *id,
                           struct wy_log *log, struct ingest_recovery *out,
                           struct wy_err *err)
{
    /* the object's staging lock: no other process is committing it while
       we look (a stale staging left by a crash is recovered here first) */
    struct store_version *v = NULL;
    wy_code rc = store_version_begin(s, id, &v, err);
    if (rc == WY_ESTATE) {
        wy_err_release(err);
        out->busy++;
        return WY_OK;
    }
    if (rc)
        return rc;
    /* read again under the lock: another ingest may have replaced it */
    struct cat_intent *t = NULL;
    rc = cat_intent_get(c, id, &t, err);
    if (rc || !t) {
        store_version_abort(v);
        return rc;
    }
    unsigned head = store_version_prev(v), want = vnum(t->version);
    if (want && head == want) {
        rc = finish(c, t, err);
        if (rc == WY_OK) {
            out->finished++;
            wy_info(log,
                    "object '%s': version %s is in the store but was not in "
                    "the catalog (an interrupted ingest); recorded it",
                    t->ocfl_id, t->version);
        } else if (rc == WY_EFORMAT) {
            /* kept, and said every time, until an ingest of the item
               writes the catalog rows (and replaces the intent) */
            out->damaged++;
            wy_warn(log,
                    "object '%s': version %s may be missing from the "
                    "catalog: its ingest intent cannot be used (%s); ingest "
                    "the item again",
                    t->ocfl_id, t->version, wy_err_msg(err));
            wy_err_release(err);
            rc = WY_OK;
        }
    } else {
        /* the version never reached the store (or a later one replaced it,
           whose own catalog write covers it) */
        rc = cat_intent_delete(c, t->ocfl_id, err);
        if (rc == WY_OK)
            out->dropped++;
    }
    cat_intents_free(t, 1);
    store_version_abort(v);
    return rc;
}

wy_code ingest_recover(struct cat *c, struct store *s, struct wy_log *log,
                       struct ingest_recovery *out, struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    struct cat_intent *v = NULL;
    size_t n = 0;
    wy_code rc = cat_intent_list(c, &v, &n, err);
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        rc = recover_one(c, s, v[i].ocfl_id, log, out, err);
        if (rc)
            wy_err_prefix(err, "ingest intent of object '%s'", v[i].ocfl_id);
    }
    cat_intents_free(v, n);
    return rc;
}
