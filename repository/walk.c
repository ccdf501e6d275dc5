/* repository/walk.c: a sorted, link-refusing directory walk. */
#include "repository/walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* new: the sorted names in dir (without . and ..). */
static wy_code list_dir(const char *dir, char ***out, size_t *n,
                        struct wy_err *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", dir,
                          strerror(errno));
    size_t cap = 0;
    char **v = NULL;
    struct dirent *de;
    wy_code rc = WY_OK;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nv = wy_realloc(v, nc * sizeof(*nv));
            if (!nv) {
                rc = wy_err_set(err, WY_ENOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = nc;
        }
        if (!(v[*n] = wy_strdup(de->d_name))) {
            rc = wy_err_set(err, WY_ENOMEM, "out of memory");
            break;
        }
        (*n)++;
        errno = 0;
    }
    if (rc == WY_OK && errno)
        rc = wy_err_set(err, WY_EIO, "cannot read directory '%s': %s", dir,
                        strerror(errno));
    closedir(d);
    if (rc) {
        free_names(v, *n);
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(v, *n, sizeof(*v), cmp);
    *out = v;
    return WY_OK;
}

static wy_code walk(const char *root, const char *rel, ingest_walk_fn fn,
                    void *ctx, int depth, struct wy_err *err)
{
    if (depth > 64)
        return wy_err_set(err, WY_EFORMAT,
                          "'%s/%s': folders nested more than 64 deep", root,
                          rel);
    struct wy_buf dir = WY_BUF_INIT(WY_BUF_NOLIMIT);
    if (*rel)
        wy_path_join(&dir, root, rel);
    else
        wy_buf_adds(&dir, root);
    wy_code rc = wy_buf_status(&dir, err);
    char **names = NULL;
    size_t n = 0;
    if (rc == WY_OK)
        rc = list_dir(dir.p, &names, &n, err);
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        struct wy_buf r = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
        if (*rel)
            wy_path_join(&r, rel, names[i]);
        else
            wy_buf_adds(&r, names[i]);
        wy_path_join(&p, dir.p, names[i]);
        rc = wy_buf_status(&r, err);
        if (rc == WY_OK)
            rc = wy_buf_status(&p, err);
        struct stat st;
        if (rc == WY_OK && lstat(p.p, &st) != 0)
            rc = wy_err_set(err, WY_EIO, "cannot stat '%s': %s", p.p,
                            strerror(errno));
        if (rc == WY_OK) {
            if (S_ISDIR(st.st_mode)) {
                rc = walk(root, r.p, fn, ctx, depth + 1, err);
            } else if (S_ISREG(st.st_mode)) {
                struct ingest_walk_entry e = {r.p, p.p, &st};
                rc = fn(ctx, &e, err);
            } else {
                rc = wy_err_set(err, WY_EFORMAT,
                                "'%s' is %s, not a regular file: refused", p.p,
                                S_ISLNK(st.st_mode) ? "a symbolic link"
                                                    : "a special file");
            }
        }
        wy_buf_release(&r);
        wy_buf_release(&p);
    }
    free_names(names, n);
    wy_buf_release(&dir);
    return rc;
}

wy_code ingest_walk(const char *root, ingest_walk_fn fn, void *ctx,
                    struct wy_err *err)
{
    return walk(root, "", fn, ctx, 0, err);
}
