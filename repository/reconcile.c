/* repository/reconcile.c: the catalog against the OCFL store (see
 * reconcile.h). */
#include "repository/reconcile.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/path.h"
#include "repository/store.h"

struct run {
    struct cat *c;
    const struct store *s;
    void (*fn)(void *ctx, const struct reconcile_problem *p);
    void *ctx;
    uint64_t problems;
    json_t *stored; /* ids of the store's objects */
};

static void report(struct run *r, enum reconcile_kind k, const char *id,
                   const char *store_head, const char *cat_head)
{
    struct reconcile_problem p = {k, id, store_head, cat_head};
    r->problems++;
    if (r->fn)
        r->fn(r->ctx, &p);
}

static wy_code one_stored(void *ctx, const char *rel, struct wy_err *err)
{
    struct run *r = ctx;
    char *ip = wy_strf("%s/%s/inventory.json", store_root(r->s), rel);
    struct wy_buf raw = WY_BUF_INIT((size_t)256 << 20);
    struct wy_err e = WY_ERR_INIT;
    json_t *inv = NULL;
    if (!ip)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    if (wy_file_read(ip, &raw, &e) == WY_OK)
        inv = json_loadb(raw.p ? raw.p : "", raw.len, 0, NULL);
    wy_err_release(&e);
    wy_buf_release(&raw);
    free(ip);
    const char *id = json_string_value(json_object_get(inv, "id"));
    const char *head = json_string_value(json_object_get(inv, "head"));
    wy_code rc = WY_OK;
    if (!id || !head) {
        report(r, RECONCILE_UNREADABLE, rel, NULL, NULL);
        json_decref(inv);
        return WY_OK;
    }
    if (json_object_set(r->stored, id, json_true()) != 0)
        rc = wy_err_set(err, WY_ENOMEM, "out of memory");
    struct cat_object o;
    wy_code got = rc ? rc : cat_object_get(r->c, id, &o, err);
    if (got == WY_ENOTFOUND) {
        wy_err_release(err);
        report(r, RECONCILE_UNCATALOGUED, id, head, NULL);
    } else if (got == WY_OK) {
        if (strcmp(o.head, head) != 0)
            report(r, RECONCILE_HEAD, id, head, o.head);
        cat_object_release(&o);
    } else
        rc = got;
    json_decref(inv);
    return rc;
}

static wy_code one_catalogued(void *ctx, const struct cat_object *o,
                              struct wy_err *err)
{
    struct run *r = ctx;
    (void)err;
    if (!json_object_get(r->stored, o->ocfl_id))
        report(r, RECONCILE_NOT_STORED, o->ocfl_id, NULL, o->head);
    return WY_OK;
}

wy_code reconcile_run(struct cat *c, struct store *s,
                      void (*fn)(void *ctx, const struct reconcile_problem *p),
                      void *ctx, uint64_t *problems, struct wy_err *err)
{
    struct run r = {c, s, fn, ctx, 0, json_object()};
    *problems = 0;
    if (!r.stored)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_code rc = store_walk(s, one_stored, &r, err);
    if (rc == WY_OK)
        rc = cat_object_list(c, one_catalogued, &r, err);
    json_decref(r.stored);
    *problems = r.problems;
    return rc;
}

const char *reconcile_kind_name(enum reconcile_kind k)
{
    switch (k) {
    case RECONCILE_UNCATALOGUED:
        return "uncatalogued";
    case RECONCILE_HEAD:
        return "head";
    case RECONCILE_NOT_STORED:
        return "not-stored";
    case RECONCILE_UNREADABLE:
        return "unreadable";
    }
    return "?";
}
