/* repository/home.c: creating and opening a Wenyuan home. */
#include "repository/home.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"
#include "repository/store.h"

static char *join(const char *a, const char *b)
{
    struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_path_join(&p, a, b);
    return wy_buf_take(&p, NULL);
}

void home_close(struct wy_home *h)
{
    if (!h)
        return;
    cat_close(h->cat);
    free(h->path);
    free(h->catalog_path);
    free(h->store_path);
    free(h->index_path);
    free(h);
}

static struct wy_home *home_new(const char *path)
{
    struct wy_home *h = wy_calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->path = wy_strdup(path);
    h->catalog_path = join(path, "catalog.db");
    h->store_path = join(path, "store");
    h->index_path = join(path, "index");
    if (!h->path || !h->catalog_path || !h->store_path || !h->index_path) {
        home_close(h);
        return NULL;
    }
    return h;
}

static wy_code make_dir(const char *path, int *created, struct wy_err *err)
{
    *created = 0;
    if (mkdir(path, 0777) == 0) {
        *created = 1;
        return WY_OK;
    }
    if (errno == EEXIST && wy_is_dir(path))
        return WY_OK;
    return wy_err_set(err, WY_EIO, "cannot create directory '%s': %s", path,
                      strerror(errno));
}

wy_code home_init(const char *path, struct wy_err *err)
{
    if (!path || !*path)
        return wy_err_set(err, WY_EINVAL, "no home directory given");
    struct wy_home *h = home_new(path);
    if (!h)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_code rc = WY_OK;
    int made_home = 0, made_store = 0, made_index = 0, made_cat = 0;
    if (access(h->catalog_path, F_OK) == 0) {
        rc = wy_err_set(err, WY_ESTATE, "'%s' is already a Wenyuan home", path);
        goto out;
    }
    if (!wy_is_dir(path)) {
        /* the parent must exist: a typo should not create a tree */
        if (mkdir(path, 0777) != 0) {
            rc = wy_err_set(err, WY_EIO, "cannot create directory '%s': %s",
                            path, strerror(errno));
            goto out;
        }
        made_home = 1;
    }
    if (wy_is_dir(h->store_path) || wy_is_file(h->store_path)) {
        rc = wy_err_set(err, WY_ESTATE,
                        "'%s' already exists: not creating a home over it",
                        h->store_path);
        goto out;
    }
    made_store = 1;
    rc = store_create(h->store_path, err); /* the OCFL storage root */
    if (rc == WY_OK)
        rc = make_dir(h->index_path, &made_index, err);
    if (rc == WY_OK) {
        made_cat = 1;
        rc = cat_open(&h->cat, h->catalog_path, CAT_CREATE, err);
    }
    if (rc == WY_OK)
        rc = cat_seed(h->cat, err);
    if (rc == WY_OK)
        rc = wy_fsync_dir(path, err);
    if (rc)
        wy_err_prefix(err, "cannot create home '%s'", path);
out:
    cat_close(h->cat);
    h->cat = NULL;
    if (rc) {
        struct wy_err e2 = WY_ERR_INIT;
        if (made_home) {
            (void)wy_rmtree(path, &e2);
        } else {
            if (made_cat) {
                static const char *const sfx[] = {"", "-wal", "-shm",
                                                  "-journal"};
                for (size_t i = 0; i < 4; i++) {
                    struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
                    wy_buf_adds(&p, h->catalog_path);
                    wy_buf_adds(&p, sfx[i]);
                    if (!p.error)
                        unlink(p.p);
                    wy_buf_release(&p);
                }
            }
            if (made_store)
                (void)wy_rmtree(h->store_path, &e2);
            if (made_index)
                (void)wy_rmtree(h->index_path, &e2);
        }
        wy_err_release(&e2);
    }
    home_close(h);
    return rc;
}

wy_code home_open(struct wy_home **out, const char *path, int flags,
                  struct wy_err *err)
{
    *out = NULL;
    if (!path || !*path)
        path = getenv(WY_HOME_ENV);
    if (!path || !*path)
        return wy_err_set(err, WY_EINVAL,
                          "no Wenyuan home given: use -H HOME or set "
                          "WENYUAN_HOME (create one with 'wenyuan init DIR')");
    struct wy_home *h = home_new(path);
    if (!h)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    if (!wy_is_file(h->catalog_path)) {
        wy_code rc = wy_err_set(err, WY_ENOTFOUND,
                                "'%s' is not a Wenyuan home: run 'wenyuan "
                                "init DIR'",
                                path);
        home_close(h);
        return rc;
    }
    wy_code rc = cat_open(&h->cat, h->catalog_path,
                          (flags & HOME_READONLY) ? CAT_READONLY : 0, err);
    if (rc) {
        home_close(h);
        return wy_err_prefix(err, "home '%s'", path);
    }
    *out = h;
    return WY_OK;
}
