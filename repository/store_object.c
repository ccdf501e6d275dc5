/* repository/store_object.c: reading committed objects: object info, path
 * lookup and the walk over the storage root. */
#define _GNU_SOURCE
#include "repository/store_int.h"

/* ------------------------------------------------------------------ */
/* reading objects */

static json_t *version_block(const json_t *inv, unsigned version, char *vname,
                             size_t vn)
{
    const char *head = json_string_value(json_object_get(inv, "head"));
    if (version == 0)
        snprintf(vname, vn, "%s", head ? head : "");
    else
        snprintf(vname, vn, "v%u", version);
    return json_object_get(json_object_get(inv, "versions"), vname);
}

static wy_code open_inventory(const struct store *s, const char *id,
                              json_t **inv, char **objdir, struct wy_err *err)
{
    char h[65];
    *inv = NULL;
    *objdir = NULL;
    wy_code rc = store_id_hash(id, h, err);
    if (rc != WY_OK)
        return rc;
    *objdir = wy_strf("%s/%.3s/%.3s/%.3s/%s", s->root, h, h + 3, h + 6, h);
    if (!*objdir)
        return oom(err);
    if (!wy_is_dir(*objdir))
        return wy_err_set(err, WY_ENOTFOUND, "no object '%s' in the store", id);
    rc = store_load_inventory(*objdir, inv, err);
    if (rc == WY_OK)
        rc = store_check_inventory(*inv, id, *objdir, err);
    if (rc != WY_OK) {
        json_decref(*inv);
        *inv = NULL;
        return wy_err_prefix(err, "object '%s'", id);
    }
    return WY_OK;
}

/* digest -> first content path */
static const char *content_of(const json_t *inv, const char *digest)
{
    return json_string_value(json_array_get(
        json_object_get(json_object_get(inv, "manifest"), digest), 0));
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct store_entry *)a)->logical_path,
                  ((const struct store_entry *)b)->logical_path);
}

void store_object_info_release(struct store_object_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->nfiles; i++) {
        free(info->files[i].logical_path);
        free(info->files[i].content_path);
    }
    free(info->files);
    free(info->id);
    free(info->created);
    free(info->message);
    memset(info, 0, sizeof(*info));
}

static uint64_t file_size(const char *objdir, const char *rel)
{
    char *p = wy_strf("%s/%s", objdir, rel);
    struct stat st;
    uint64_t n = (p && stat(p, &st) == 0) ? (uint64_t)st.st_size : 0;
    free(p);
    return n;
}

wy_code store_object_info(const struct store *s, const char *object_id,
                          unsigned version, struct store_object_info *out,
                          struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    json_t *inv;
    char *objdir;
    wy_code rc = open_inventory(s, object_id, &inv, &objdir, err);
    if (rc != WY_OK) {
        free(objdir);
        return rc;
    }
    char vname[32];
    json_t *ver = version_block(inv, version, vname, sizeof(vname));
    if (!ver) {
        rc = wy_err_set(err, WY_ENOTFOUND, "object '%s' has no version '%s'",
                        object_id, vname);
        goto out;
    }
    out->head = store_vnum(json_string_value(json_object_get(inv, "head")));
    out->id = wy_strdup(object_id);
    const char *c = json_string_value(json_object_get(ver, "created"));
    const char *m = json_string_value(json_object_get(ver, "message"));
    out->created = wy_strdup(c ? c : "");
    out->message = m ? wy_strdup(m) : NULL;
    if (!out->id || !out->created || (m && !out->message)) {
        rc = oom(err);
        goto out;
    }
    const char *d;
    json_t *paths, *st = json_object_get(ver, "state");
    size_t n = 0;
    json_object_foreach(st, d, paths) n += json_array_size(paths);
    out->files = wy_calloc(n + 1, sizeof(*out->files));
    if (!out->files) {
        rc = oom(err);
        goto out;
    }
    json_object_foreach(st, d, paths)
    {
        size_t i;
        json_t *lp;
        const char *cp = content_of(inv, d);
        uint64_t sz = cp ? file_size(objdir, cp) : 0;
        json_array_foreach(paths, i, lp)
        {
            struct store_entry *e = &out->files[out->nfiles];
            e->logical_path =
                wy_strdup(json_string_value(lp) ? json_string_value(lp) : "");
            e->content_path = wy_strdup(cp ? cp : "");
            snprintf(e->sha512, sizeof(e->sha512), "%s", d);
            e->size = sz;
            out->nfiles++;
            if (!e->logical_path || !e->content_path) {
                rc = oom(err);
                goto out;
            }
            out->bytes += sz;
        }
    }
    qsort(out->files, out->nfiles, sizeof(*out->files), entry_cmp);
    json_t *cps;
    json_object_foreach(json_object_get(inv, "manifest"), d, cps)
    {
        out->stored_bytes +=
            file_size(objdir, json_string_value(json_array_get(cps, 0)));
    }
out:
    if (rc != WY_OK)
        store_object_info_release(out);
    json_decref(inv);
    free(objdir);
    return rc;
}

wy_code store_object_path(const struct store *s, const char *object_id,
                          unsigned version, const char *logical_path,
                          struct wy_buf *out, uint64_t *size,
                          struct wy_err *err)
{
    json_t *inv;
    char *objdir, *want = NULL;
    wy_code rc = open_inventory(s, object_id, &inv, &objdir, err);
    if (rc == WY_OK)
        rc = store_path_nfc(logical_path, &want, err);
    if (rc != WY_OK) {
        json_decref(inv);
        free(objdir);
        return rc;
    }
    char vname[32];
    json_t *ver = version_block(inv, version, vname, sizeof(vname));
    const char *found = NULL;
    const char *d;
    json_t *paths;
    json_object_foreach(json_object_get(ver, "state"), d, paths)
    {
        size_t i;
        json_t *lp;
        json_array_foreach(paths, i, lp)
        {
            const char *l = json_string_value(lp);
            char *nfc = NULL;
            struct wy_err e = WY_ERR_INIT;
            if (l && store_path_nfc(l, &nfc, &e) == WY_OK && !strcmp(nfc, want))
                found = d;
            free(nfc);
            wy_err_release(&e);
        }
        if (found)
            break;
    }
    const char *cp = found ? content_of(inv, found) : NULL;
    if (!ver)
        rc = wy_err_set(err, WY_ENOTFOUND, "object '%s' has no version '%s'",
                        object_id, vname);
    else if (!cp)
        rc = wy_err_set(err, WY_ENOTFOUND, "object '%s' %s has no file '%s'",
                        object_id, vname, logical_path);
    else {
        size_t mark = out->len;
        wy_buf_addf(out, "%s/%s", objdir, cp);
        rc = wy_buf_status(out, err);
        if (rc == WY_OK && size) {
            struct stat st;
            if (stat(out->p + mark, &st) != 0)
                rc = wy_err_set(err, WY_EIO, "cannot stat '%s': %s",
                                out->p + mark, strerror(errno));
            else
                *size = (uint64_t)st.st_size;
        }
    }
    free(want);
    json_decref(inv);
    free(objdir);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted entries of a directory (no dot entries). new: free each + array */
static wy_code list_dir(const char *dir, char ***names, size_t *n,
                        struct wy_err *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", dir,
                          strerror(errno));
    size_t cap = 0;
    wy_code rc = WY_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = wy_realloc(*names, cap * sizeof(char *));
            if (!nn) {
                rc = oom(err);
                break;
            }
            *names = nn;
        }
        if (!((*names)[*n] = wy_strdup(de->d_name))) {
            rc = oom(err);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof(char *), name_cmp);
    return rc;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static wy_code walk(const char *root, const char *rel,
                    wy_code (*fn)(void *, const char *, struct wy_err *),
                    void *ctx, struct wy_err *err)
{
    char *dir = *rel ? wy_strf("%s/%s", root, rel) : wy_strdup(root);
    if (!dir)
        return oom(err);
    char **names;
    size_t n;
    wy_code rc = list_dir(dir, &names, &n, err);
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        if (!strncmp(names[i], "0=ocfl_object_", 14)) {
            rc = fn(ctx, rel, err);
            goto out;
        }
    }
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        if (!*rel && !strcmp(names[i], "extensions"))
            continue;
        char *sub =
            *rel ? wy_strf("%s/%s", rel, names[i]) : wy_strdup(names[i]);
        char *abs = sub ? wy_strf("%s/%s", root, sub) : NULL;
        if (!abs)
            rc = oom(err);
        else if (wy_is_dir(abs))
            rc = walk(root, sub, fn, ctx, err);
        free(sub);
        free(abs);
    }
out:
    free_names(names, n);
    free(dir);
    return rc;
}

wy_code store_walk(const struct store *s,
                   wy_code (*fn)(void *ctx, const char *relpath,
                                 struct wy_err *err),
                   void *ctx, struct wy_err *err)
{
    return walk(s->root, "", fn, ctx, err);
}
