/* repository/store_inventory.c: reading and checking inventory.json and its
 * sidecar, and building and writing the inventory of a new version. */
#define _GNU_SOURCE
#include "repository/store_int.h"

/* ------------------------------------------------------------------ */
/* inventories */

/* Parses inventory.json of dir and checks its sidecar. new: *out. */
wy_code store_load_inventory(const char *dir, json_t **out, struct wy_err *err)
{
    *out = NULL;
    char *p = wy_strf("%s/inventory.json", dir);
    char *q = wy_strf("%s/inventory.json.sha512", dir);
    struct wy_buf inv = WY_BUF_INIT((size_t)1 << 30);
    struct wy_buf side = WY_BUF_INIT(1 << 20);
    wy_code rc = (p && q) ? WY_OK : oom(err);
    if (rc == WY_OK)
        rc = wy_file_read(p, &inv, err);
    if (rc == WY_OK)
        rc = wy_file_read(q, &side, err);
    char d[STORE_SHA512_HEX + 1];
    if (rc == WY_OK)
        rc = digest_hex("sha512", inv.p ? inv.p : "", inv.len, d, err);
    if (rc == WY_OK && (side.len < STORE_SHA512_HEX ||
                        strncasecmp(side.p, d, STORE_SHA512_HEX) != 0))
        rc = wy_err_set(err, WY_EFIXITY,
                        "'%s' does not hold the sha512 of inventory.json", q);
    if (rc == WY_OK) {
        json_error_t je;
        *out = json_loadb(inv.p, inv.len, JSON_REJECT_DUPLICATES, &je);
        if (!*out || !json_is_object(*out))
            rc = wy_err_set(err, WY_EFORMAT, "%s: line %d: %s", p, je.line,
                            *out ? "not a JSON object" : je.text);
    }
    if (rc != WY_OK) {
        json_decref(*out);
        *out = NULL;
    }
    free(p);
    free(q);
    wy_buf_release(&inv);
    wy_buf_release(&side);
    return rc;
}

/* "v12" -> 12; 0 if not a non-padded version name */
unsigned store_vnum(const char *v)
{
    if (!v || v[0] != 'v' || v[1] < '1' || v[1] > '9')
        return 0;
    unsigned long n = 0;
    for (const char *c = v + 1; *c; c++) {
        if (*c < '0' || *c > '9' || n > 100000000ul)
            return 0;
        n = n * 10 + (unsigned long)(*c - '0');
    }
    return (unsigned)n;
}

/* Checks what the store relies on in an inventory it reads. */
wy_code store_check_inventory(const json_t *inv, const char *id,
                              const char *where, struct wy_err *err)
{
    const char *iid = json_string_value(json_object_get(inv, "id"));
    const char *alg =
        json_string_value(json_object_get(inv, "digestAlgorithm"));
    const char *head = json_string_value(json_object_get(inv, "head"));
    if (!iid || !alg || !head ||
        !json_is_object(json_object_get(inv, "manifest")) ||
        !json_is_object(json_object_get(inv, "versions")))
        return wy_err_set(err, WY_EFORMAT,
                          "%s: inventory lacks id, digestAlgorithm, head, "
                          "manifest or versions",
                          where);
    if (id && strcmp(iid, id) != 0)
        return wy_err_set(err, WY_EFORMAT, "%s: inventory id is '%s', not '%s'",
                          where, iid, id);
    if (strcmp(alg, "sha512") != 0)
        return wy_err_set(err, WY_EFORMAT,
                          "%s: digestAlgorithm '%s' is not supported (only "
                          "sha512)",
                          where, alg);
    if (!store_vnum(head) || !json_is_object(json_object_get(
                           json_object_get(inv, "versions"), head)))
        return wy_err_set(err, WY_EFORMAT,
                          "%s: head '%s' is not a version the store can "
                          "extend (zero-padded names are not supported)",
                          where, head);
    return WY_OK;
}

/* ------------------------------------------------------------------ */
/* building inventories */

int store_state_equal(const json_t *a, const json_t *b)
{
    /* both: digest -> [paths]; compare as sets of (path, digest) */
    return json_equal((json_t *)a, (json_t *)b);
}

/* the new version's state block: digest -> [logical paths, sorted] */
json_t *store_state_block(const struct store_version *v)
{
    json_t *st = json_object();
    if (!st)
        return NULL;
    const char **keys =
        wy_calloc(json_object_size(v->state) + 1, sizeof(*keys));
    if (!keys) {
        json_decref(st);
        return NULL;
    }
    size_t n = 0;
    const char *k;
    json_t *e;
    json_object_foreach(v->state, k, e) keys[n++] = k;
    /* sorted by NFC key so the output does not depend on add order */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        e = json_object_get(v->state, keys[i]);
        const char *d = json_string_value(json_array_get(e, 1));
        json_t *arr = json_object_get(st, d);
        if (!arr) {
            arr = json_array();
            if (!arr || json_object_set_new(st, d, arr) != 0) {
                json_decref(st);
                st = NULL;
                break;
            }
        }
        if (json_array_append(arr, json_array_get(e, 0)) != 0) {
            json_decref(st);
            st = NULL;
            break;
        }
    }
    free(keys);
    return st;
}

json_t *store_build_inventory(struct store_version *v)
{
    json_t *inv = v->old ? json_deep_copy(v->old) : json_object();
    if (!inv)
        return NULL;
    int bad = 0;
    if (!v->old) {
        json_t *fx = json_object();
        bad |= json_object_set_new(inv, "id", json_string(v->id));
        bad |= json_object_set_new(inv, "type", json_string(INV_TYPE));
        bad |=
            json_object_set_new(inv, "digestAlgorithm", json_string("sha512"));
        bad |= json_object_set_new(inv, "manifest", json_object());
        bad |= json_object_set_new(inv, "versions", json_object());
        bad |= json_object_set_new(fx, "md5", json_object());
        bad |= json_object_set_new(inv, "fixity", fx);
    }
    bad |= json_object_set_new(inv, "type", json_string(INV_TYPE));
    bad |= json_object_set_new(inv, "head", json_string(v->vname));
    json_t *man = json_object_get(inv, "manifest");
    json_t *fx = json_object_get(inv, "fixity");
    json_t *md5 = json_object_get(fx, "md5");
    if (!md5 && (!fx || json_object_size(fx) == 0)) {
        if (!fx) {
            fx = json_object();
            bad |= json_object_set_new(inv, "fixity", fx);
        }
        md5 = json_object();
        bad |= json_object_set_new(fx, "md5", md5);
    }
    /* new content, only what the final state uses */
    const char *d;
    json_t *nc;
    json_object_foreach(v->newc, d, nc)
    {
        char *cp = wy_strf("%s/%s/%s", v->vname, v->contentdir,
                           json_string_value(json_object_get(nc, "path")));
        if (!cp)
            bad = 1;
        else {
            bad |= json_object_set_new(man, d, json_pack("[s]", cp));
            if (md5) {
                const char *m = json_string_value(json_object_get(nc, "md5"));
                json_t *arr = json_object_get(md5, m);
                if (arr)
                    bad |= json_array_append_new(arr, json_string(cp));
                else
                    bad |= json_object_set_new(md5, m, json_pack("[s]", cp));
            }
        }
        free(cp);
    }
    /* the version block */
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *ver = json_object();
    json_t *st = store_state_block(v);
    if (!ver || !st)
        bad = 1;
    else {
        bad |= json_object_set_new(ver, "created", json_string(created));
        if (v->message)
            bad |= json_object_set_new(ver, "message", json_string(v->message));
        if (v->uname) {
            json_t *u = json_pack("{s:s}", "name", v->uname);
            if (u && v->uaddr)
                bad |= json_object_set_new(u, "address", json_string(v->uaddr));
            bad |= json_object_set_new(ver, "user", u);
        }
        bad |= json_object_set_new(ver, "state", st);
        st = NULL;
        bad |= json_object_set_new(json_object_get(inv, "versions"), v->vname,
                                   ver);
        ver = NULL;
    }
    json_decref(st);
    json_decref(ver);
    if (bad) {
        json_decref(inv);
        return NULL;
    }
    return inv;
}

/* writes inventory.json + sidecar into dir (new files, fsynced) */
wy_code store_write_inventory(const char *dir, const char *text, size_t n,
                              struct wy_err *err)
{
    char d[STORE_SHA512_HEX + 1];
    char *p = wy_strf("%s/inventory.json", dir);
    char *q = wy_strf("%s/inventory.json.sha512", dir);
    char *side = NULL;
    wy_code rc = (p && q) ? digest_hex("sha512", text, n, d, err) : oom(err);
    if (rc == WY_OK) {
        side = wy_strf("%s inventory.json\n", d);
        rc = side ? write_new_file(p, text, n, err) : oom(err);
    }
    if (rc == WY_OK)
        rc = write_new_file(q, side, strlen(side), err);
    free(p);
    free(q);
    free(side);
    return rc;
}
