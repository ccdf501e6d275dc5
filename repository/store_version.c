/* repository/store_version.c: staging a version of an object (begin, add,
 * remove, carry forward) and its commit or abort. */
#define _GNU_SOURCE
#include "repository/store_int.h"

/* ------------------------------------------------------------------ */
/* staging a version */

static void version_free(struct store_version *v)
{
    if (!v)
        return;
    if (v->lockfd >= 0)
        close(v->lockfd);
    json_decref(v->old);
    json_decref(v->state);
    json_decref(v->dirs);
    json_decref(v->newc);
    json_decref(v->cpaths);
    json_decref(v->cdirs);
    free(v->id);
    free(v->objrel);
    free(v->objdir);
    free(v->stagedir);
    free(v->newobj);
    free(v->vdir);
    free(v->cdir);
    free(v->contentdir);
    free(v->message);
    free(v->uname);
    free(v->uaddr);
    free(v->buf);
    free(v);
}

/* Removes the staging of v and frees it (the lock goes last). */
static void version_drop(struct store_version *v)
{
    struct wy_err e = WY_ERR_INIT;
    if (v->stagedir && v->lockfd >= 0) {
        (void)wy_rmtree(v->stagedir, &e);
        store_rmdir_tuples(v->s, v->hash);
        rmdir(v->s->staging);
    }
    wy_err_release(&e);
    version_free(v);
}

void store_version_abort(struct store_version *v)
{
    if (v)
        version_drop(v);
}

static wy_code take_lock(struct store_version *v, struct wy_err *err)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        wy_code rc = mkdir1(v->s->staging, err);
        if (rc != WY_OK)
            return rc;
        if (mkdir(v->stagedir, 0777) == 0) {
            char *lk = wy_strf("%s/lock", v->stagedir);
            if (!lk)
                return oom(err);
            v->lockfd = open(lk, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
            int e = errno;
            free(lk);
            if (v->lockfd < 0)
                return wy_err_set(err, WY_EIO, "cannot create lock in '%s': %s",
                                  v->stagedir, strerror(e));
            if (flock(v->lockfd, LOCK_EX | LOCK_NB) != 0) {
                /* someone cleaning it up raced us; try again */
                close(v->lockfd);
                v->lockfd = -1;
                continue;
            }
            return WY_OK;
        }
        if (errno == ENOENT)
            continue; /* the staging dir was removed under us */
        if (errno != EEXIST)
            return wy_err_set(err, WY_EIO, "cannot create directory '%s': %s",
                              v->stagedir, strerror(errno));
        /* exists: stale (crash) or in use by another version/process */
        char *lk = wy_strf("%s/lock", v->stagedir);
        if (!lk)
            return oom(err);
        int fd = open(lk, O_RDWR | O_CLOEXEC);
        free(lk);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            return wy_err_set(err, WY_ESTATE,
                              "object '%s': a version is already being staged",
                              v->id);
        }
        if (fd >= 0)
            close(fd);
        char hcopy[65];
        memcpy(hcopy, v->hash, sizeof(hcopy));
        rc = store_recover_object(v->s, hcopy, err);
        if (rc != WY_OK)
            return rc;
    }
    return wy_err_set(err, WY_EIO, "object '%s': cannot lock '%s'", v->id,
                      v->stagedir);
}

static wy_code json_fail(struct wy_err *err)
{
    return oom(err);
}

wy_code store_version_begin(struct store *s, const char *object_id,
                            struct store_version **out, struct wy_err *err)
{
    *out = NULL;
    struct store_version *v = wy_calloc(1, sizeof(*v));
    if (!v)
        return oom(err);
    v->s = s;
    v->lockfd = -1;
    wy_code rc = store_id_hash(object_id, v->hash, err);
    if (rc != WY_OK) {
        version_free(v);
        return rc;
    }
    v->id = wy_strdup(object_id);
    v->objrel = store_relpath_of_hash(v->hash);
    v->objdir = wy_strf("%s/%s", s->root, v->objrel ? v->objrel : "");
    v->stagedir = wy_strf("%s/%s", s->staging, v->hash);
    v->state = json_object();
    v->dirs = json_object();
    v->newc = json_object();
    v->cpaths = json_object();
    v->cdirs = json_object();
    v->buf = wy_malloc(NBUF * (size_t)IOBUF);
    if (!v->id || !v->objrel || !v->objdir || !v->stagedir || !v->state ||
        !v->dirs || !v->newc || !v->cpaths || !v->cdirs || !v->buf) {
        version_free(v);
        return oom(err);
    }
    rc = take_lock(v, err);
    if (rc != WY_OK) {
        version_free(v); /* the staging dir is not ours: keep it */
        return rc;
    }
    char *inv = wy_strf("%s/inventory.json", v->objdir);
    if (!inv) {
        version_drop(v);
        return oom(err);
    }
    int exists = wy_is_file(inv);
    free(inv);
    if (exists) {
        rc = store_load_inventory(v->objdir, &v->old, err);
        if (rc == WY_OK)
            rc = store_check_inventory(v->old, object_id, v->objdir, err);
        if (rc != WY_OK) {
            version_drop(v);
            return wy_err_prefix(err, "object '%s'", object_id);
        }
        v->prev = store_vnum(json_string_value(json_object_get(v->old, "head")));
        const char *cd =
            json_string_value(json_object_get(v->old, "contentDirectory"));
        v->contentdir = wy_strdup(cd ? cd : "content");
    } else {
        v->contentdir = wy_strdup("content");
    }
    v->num = v->prev + 1;
    snprintf(v->vname, sizeof(v->vname), "v%u", v->num);
    if (v->prev == 0)
        v->newobj = wy_strf("%s/obj", v->stagedir);
    v->vdir = wy_strf("%s/%s", v->newobj ? v->newobj : v->stagedir, v->vname);
    v->cdir = v->vdir ? wy_strf("%s/%s", v->vdir, v->contentdir) : NULL;
    if (!v->contentdir || (v->prev == 0 && !v->newobj) || !v->vdir ||
        !v->cdir) {
        version_drop(v);
        return oom(err);
    }
    rc = v->newobj ? mkdir1(v->newobj, err) : WY_OK;
    if (rc == WY_OK)
        rc = mkdir1(v->vdir, err);
    if (rc != WY_OK) {
        version_drop(v);
        return rc;
    }
    *out = v;
    return WY_OK;
}

unsigned store_version_prev(const struct store_version *v)
{
    return v->prev;
}

size_t store_version_file_count(const struct store_version *v)
{
    return json_object_size(v->state);
}

wy_code store_version_set_meta(struct store_version *v, const char *message,
                               const char *user_name, const char *user_address,
                               struct wy_err *err)
{
    char *m = message ? wy_strdup(message) : NULL;
    char *n = user_name ? wy_strdup(user_name) : NULL;
    char *a = user_address ? wy_strdup(user_address) : NULL;
    if ((message && !m) || (user_name && !n) || (user_address && !a)) {
        free(m);
        free(n);
        free(a);
        return oom(err);
    }
    free(v->message);
    free(v->uname);
    free(v->uaddr);
    v->message = m;
    v->uname = n;
    v->uaddr = a;
    return WY_OK;
}

/* adds delta to the count of every directory prefix of path in dirs */
static wy_code dirs_adjust(json_t *dirs, const char *path, int delta,
                           struct wy_err *err)
{
    size_t n = strlen(path);
    char *p = wy_strndup(path, n);
    if (!p)
        return oom(err);
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '/')
            continue;
        p[i] = '\0';
        json_int_t c = json_integer_value(json_object_get(dirs, p)) + delta;
        int r = c > 0 ? json_object_set_new(dirs, p, json_integer(c))
                      : json_object_del(dirs, p);
        p[i] = '/';
        if (r != 0 && c > 0) {
            free(p);
            return json_fail(err);
        }
    }
    free(p);
    return WY_OK;
}

/* whether path conflicts with keys/dirs ("a" vs "a/b"); exact match of a
 * key is not a conflict (a replacement) */
static const char *conflict(const json_t *keys, const json_t *dirs,
                            const char *path, char **prefix_out)
{
    if (json_object_get(dirs, path))
        return "is a directory of another path";
    size_t n = strlen(path);
    char *p = wy_strndup(path, n);
    if (!p)
        return "out of memory";
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '/')
            continue;
        p[i] = '\0';
        if (json_object_get(keys, p)) {
            *prefix_out = p;
            return "lies under the file";
        }
        p[i] = '/';
    }
    free(p);
    return NULL;
}

static wy_code state_set(struct store_version *v, const char *nfc,
                         const char *logical, const char *digest,
                         struct wy_err *err)
{
    int had = json_object_get(v->state, nfc) != NULL;
    json_t *e = json_pack("[ss]", logical, digest);
    if (!e || json_object_set_new(v->state, nfc, e) != 0)
        return json_fail(err);
    return had ? WY_OK : dirs_adjust(v->dirs, nfc, 1, err);
}

wy_code store_version_carry_forward(struct store_version *v, struct wy_err *err)
{
    if (!v->old)
        return WY_OK;
    json_t *st = json_object_get(
        json_object_get(json_object_get(v->old, "versions"),
                        json_string_value(json_object_get(v->old, "head"))),
        "state");
    const char *digest;
    json_t *paths;
    json_object_foreach(st, digest, paths)
    {
        size_t i;
        json_t *lp;
        json_array_foreach(paths, i, lp)
        {
            const char *l = json_string_value(lp);
            char *nfc = NULL;
            if (!l)
                return wy_err_set(err, WY_EFORMAT,
                                  "object '%s': head state holds a non-string "
                                  "path",
                                  v->id);
            wy_code rc = store_path_nfc(l, &nfc, err);
            if (rc == WY_OK)
                rc = state_set(v, nfc, l, digest, err);
            free(nfc);
            if (rc != WY_OK)
                return wy_err_prefix(err, "object '%s'", v->id);
        }
    }
    return WY_OK;
}

wy_code store_version_remove_file(struct store_version *v,
                                  const char *logical_path, struct wy_err *err)
{
    char *nfc = NULL;
    wy_code rc = store_path_nfc(logical_path, &nfc, err);
    if (rc != WY_OK)
        return rc;
    if (!json_object_get(v->state, nfc)) {
        free(nfc);
        return wy_err_set(err, WY_ENOTFOUND,
                          "object '%s': no file '%s' in the new version", v->id,
                          logical_path);
    }
    json_object_del(v->state, nfc);
    rc = dirs_adjust(v->dirs, nfc, -1, err);
    free(nfc);
    return rc;
}

/* whether digest is referenced by the new state */
static int state_uses(const struct store_version *v, const char *digest)
{
    const char *k;
    json_t *e;
    json_object_foreach(v->state, k, e)
    {
        if (!strcmp(json_string_value(json_array_get(e, 1)), digest))
            return 1;
    }
    return 0;
}

/* drops new content of this version no longer in the state */
static wy_code drop_new_content(struct store_version *v, const char *digest,
                                struct wy_err *err)
{
    json_t *nc = json_object_get(v->newc, digest);
    if (!nc)
        return WY_OK;
    const char *rel = json_string_value(json_object_get(nc, "path"));
    char *p = wy_strf("%s/%s", v->cdir, rel);
    if (!p)
        return oom(err);
    if (unlink(p) != 0 && errno != ENOENT) {
        wy_code rc = wy_err_set(err, WY_EIO, "cannot remove '%s': %s", p,
                                strerror(errno));
        free(p);
        return rc;
    }
    /* remove directories left empty (E024) */
    char *sl;
    while ((sl = strrchr(p, '/')) && (size_t)(sl - p) > strlen(v->cdir)) {
        *sl = '\0';
        if (rmdir(p) != 0)
            break;
    }
    free(p);
    wy_code rc = dirs_adjust(v->cdirs, rel, -1, err);
    json_object_del(v->cpaths, rel);
    json_object_del(v->newc, digest); /* rel is freed here: used above */
    return rc;
}
/* is digest in the old manifest? (case-insensitive for foreign objects) */
static int old_has(const struct store_version *v, const char *digest)
{
    if (!v->old)
        return 0;
    json_t *m = json_object_get(v->old, "manifest");
    if (json_object_get(m, digest))
        return 1;
    const char *k;
    json_t *x;
    json_object_foreach(m, k, x)
    {
        if (!strcasecmp(k, digest))
            return 1;
    }
    return 0;
}

static wy_code add_common(struct store_version *v, const char *logical,
                          const struct src *src, struct store_file_info *info,
                          struct wy_err *err)
{
    const char *why = wy_path_unsafe(logical);
    if (why)
        return wy_err_set(err, WY_EINVAL, "object '%s': logical path '%s': %s",
                          v->id, logical, why);
    char *nfc = NULL, *pre = NULL, *tmp = NULL, *dst = NULL;
    wy_code rc = store_path_nfc(logical, &nfc, err);
    if (rc != WY_OK)
        return wy_err_prefix(err, "object '%s'", v->id);
    why = conflict(v->state, v->dirs, nfc, &pre);
    if (why) {
        rc = wy_err_set(
            err, WY_EINVAL, "object '%s': logical path '%s' %s%s%s%s", v->id,
            logical, why, pre ? " '" : "", pre ? pre : "", pre ? "'" : "");
        goto out;
    }
    tmp = wy_strf("%s/tmp.%lu", v->stagedir, ++v->tmpseq);
    if (!tmp) {
        rc = oom(err);
        goto out;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        rc = wy_err_set(err, WY_EIO, "cannot create '%s': %s", tmp,
                        strerror(errno));
        goto out;
    }
    struct store_file_info fi;
    memset(&fi, 0, sizeof(fi));
    rc = store_copy_hash(v, src, fd, tmp, fi.sha512, fi.md5, &fi.size, err);
    if (rc == WY_OK && step(v->s, "content", err) != WY_OK)
        rc = WY_EIO;
    /* the data is made durable at commit (sync_fs), before the switch */
    if (close(fd) != 0 && rc == WY_OK)
        rc = wy_err_set(err, WY_EIO, "cannot close '%s': %s", tmp,
                        strerror(errno));
    if (rc != WY_OK) {
        unlink(tmp);
        rc = wy_err_prefix(err, "object '%s': adding '%s'", v->id, logical);
        goto out;
    }
    /* the previous content of this path in this version, if only it used it */
    json_t *prev = json_object_get(v->state, nfc);
    char *prevd =
        prev ? wy_strdup(json_string_value(json_array_get(prev, 1))) : NULL;
    if (prev && !prevd) {
        unlink(tmp);
        rc = oom(err);
        goto out;
    }
    rc = state_set(v, nfc, logical, fi.sha512, err);
    if (rc == WY_OK && prevd && strcmp(prevd, fi.sha512) != 0 &&
        !state_uses(v, prevd))
        rc = drop_new_content(v, prevd, err);
    free(prevd);
    if (rc != WY_OK) {
        unlink(tmp);
        goto out;
    }
    if (old_has(v, fi.sha512) || json_object_get(v->newc, fi.sha512)) {
        unlink(tmp); /* forward-delta: the content is already stored */
        fi.stored = 0;
    } else {
        /* the content path is the logical path as given; on a clash with
           content still in use, the digest names it instead */
        const char *cp = logical;
        const char *cwhy;
        char *cpre = NULL;
        json_t *occ = json_object_get(v->cpaths, cp);
        if (occ && !state_uses(v, json_string_value(occ))) {
            char *d = wy_strdup(json_string_value(occ));
            rc = d ? drop_new_content(v, d, err) : oom(err);
            free(d);
        }
        if (rc == WY_OK &&
            (json_object_get(v->cpaths, cp) ||
             (cwhy = conflict(v->cpaths, v->cdirs, cp, &cpre)) != NULL)) {
            free(cpre);
            cpre = NULL;
            cp = fi.sha512;
            if (json_object_get(v->cpaths, cp) ||
                conflict(v->cpaths, v->cdirs, cp, &cpre))
                rc = wy_err_set(err, WY_ESTATE,
                                "object '%s': no free content path for '%s'",
                                v->id, logical);
            free(cpre);
        }
        if (rc == WY_OK) {
            dst = wy_strf("%s/%s", v->cdir, cp);
            rc = dst ? mkdirs_of(dst, err) : oom(err);
        }
        if (rc == WY_OK && rename(tmp, dst) != 0)
            rc = wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s", tmp,
                            dst, strerror(errno));
        if (rc == WY_OK) {
            json_t *nc = json_pack("{s:s,s:s,s:I}", "path", cp, "md5", fi.md5,
                                   "size", (json_int_t)fi.size);
            if (!nc || json_object_set_new(v->newc, fi.sha512, nc) != 0 ||
                json_object_set_new(v->cpaths, cp, json_string(fi.sha512)))
                rc = json_fail(err);
        }
        if (rc == WY_OK)
            rc = dirs_adjust(v->cdirs, cp, 1, err);
        if (rc != WY_OK) {
            unlink(tmp);
            /* keep the state consistent: the path has no content */
            json_object_del(v->state, nfc);
            (void)dirs_adjust(v->dirs, nfc, -1, err);
            goto out;
        }
        fi.stored = 1;
    }
    if (info)
        *info = fi;
out:
    free(nfc);
    free(pre);
    free(tmp);
    free(dst);
    return rc;
}

struct fdsrc {
    int fd;
    const char *name;
};

static wy_code fd_read(void *ctx, void *buf, size_t cap, size_t *got,
                       struct wy_err *err)
{
    struct fdsrc *f = ctx;
    for (;;) {
        ssize_t r = read(f->fd, buf, cap);
        if (r >= 0) {
            *got = (size_t)r;
            return WY_OK;
        }
        if (errno != EINTR)
            return wy_err_set(err, WY_EIO, "cannot read '%s': %s", f->name,
                              strerror(errno));
    }
}

wy_code store_version_add_fd(struct store_version *v, const char *logical_path,
                             int fd, struct store_file_info *info,
                             struct wy_err *err)
{
    struct fdsrc f = {fd, logical_path};
    struct src s = {fd_read, &f};
    return add_common(v, logical_path, &s, info, err);
}

wy_code store_version_add_file(struct store_version *v,
                               const char *logical_path, const char *src_path,
                               struct store_file_info *info, struct wy_err *err)
{
    int fd = open(src_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wy_err_set(err, errno == ENOENT ? WY_ENOTFOUND : WY_EIO,
                          "cannot open '%s': %s", src_path, strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    struct fdsrc f = {fd, src_path};
    struct src s = {fd_read, &f};
    wy_code rc = add_common(v, logical_path, &s, info, err);
    close(fd);
    return rc;
}

wy_code
store_version_add_stream(struct store_version *v, const char *logical_path,
                         wy_code (*read)(void *ctx, void *buf, size_t cap,
                                         size_t *got, struct wy_err *err),
                         void *ctx, struct store_file_info *info,
                         struct wy_err *err)
{
    struct src s = {read, ctx};
    return add_common(v, logical_path, &s, info, err);
}

/* ------------------------------------------------------------------ */
/* commit */


int store_version_changed(const struct store_version *v)
{
    if (!v->old)
        return 1;
    json_t *st = store_state_block(v);
    json_t *hs = json_object_get(
        json_object_get(json_object_get(v->old, "versions"),
                        json_string_value(json_object_get(v->old, "head"))),
        "state");
    int changed = !st || !store_state_equal(st, hs);
    json_decref(st);
    return changed;
}

static wy_code move(const char *from, const char *to, struct wy_err *err)
{
    if (rename(from, to) != 0)
        return wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s", from,
                          to, strerror(errno));
    return WY_OK;
}

/*
 * Everything is written and fsynced in the staging directory first, so a
 * full disk fails before anything changes. Then renames only:
 * new object:  staging/<h>/obj -> object root          (the switch)
 * new version: staging/<h>/vN -> object/vN, then staging/<h>/inventory.json
 *              and its sidecar over the object root's  (the switch)
 * A kill between the renames of a new version leaves staging/<h> behind;
 * store_open then completes the switch from vN's own inventory copy.
 */
wy_code store_version_commit(struct store_version *v, unsigned *version_out,
                             struct wy_err *err)
{
    struct store *s = v->s;
    wy_code rc = WY_OK;
    char *text = NULL;
    char *a[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    int phase = 0; /* 1: vN in place; 2: root inventory moved */
    /* drop content the final state no longer uses */
    {
        json_t *used = json_object(), *gone = json_array();
        const char *k, *d;
        json_t *e, *nc;
        if (!used || !gone)
            rc = oom(err);
        json_object_foreach(v->state, k, e)
        {
            if (rc == WY_OK &&
                json_object_set(used, json_string_value(json_array_get(e, 1)),
                                json_true()) != 0)
                rc = oom(err);
        }
        json_object_foreach(v->newc, d, nc)
        {
            if (rc == WY_OK && !json_object_get(used, d) &&
                json_array_append_new(gone, json_string(d)) != 0)
                rc = oom(err);
        }
        size_t i;
        json_array_foreach(gone, i, e)
        {
            if (rc == WY_OK)
                rc = drop_new_content(v, json_string_value(e), err);
        }
        json_decref(used);
        json_decref(gone);
        if (rc != WY_OK)
            goto fail;
    }
    /* no empty content directory (W003) */
    if (json_object_size(v->newc) == 0)
        rmdir(v->cdir);
    json_t *inv = store_build_inventory(v);
    if (!inv) {
        rc = oom(err);
        goto fail;
    }
    text = json_dumps(inv, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(inv);
    if (!text) {
        rc = oom(err);
        goto fail;
    }
    size_t n = strlen(text);
    const char *top = v->newobj ? v->newobj : v->stagedir;
    rc = step(s, "version-inventory", err);
    if (rc == WY_OK)
        rc = store_write_inventory(v->vdir, text, n, err);
    if (rc == WY_OK && v->newobj) {
        char *decl = wy_strf("%s/0=ocfl_object_1.1", v->newobj);
        rc = decl ? write_new_file(decl, "ocfl_object_1.1\n", 16, err)
                  : oom(err);
        free(decl);
    }
    if (rc == WY_OK)
        rc = step(s, "root-inventory", err);
    if (rc == WY_OK)
        rc = store_write_inventory(top, text, n, err);
    /* content, inventories and directories durable before the switch */
    if (rc == WY_OK)
        rc = sync_fs(v->stagedir, err);
    if (rc == WY_OK)
        rc = step(s, "staged", err);
    if (rc != WY_OK)
        goto fail;
    if (v->newobj) {
        if (wy_is_dir(v->objdir)) {
            rc = wy_err_set(err, WY_ESTATE,
                            "object '%s': '%s' exists but has no inventory",
                            v->id, v->objdir);
            goto fail;
        }
        /* another process aborting an object with the same tuple prefix
           may remove an empty tuple directory under us: retry */
        for (int attempt = 0;; attempt++) {
            rc = mkdirs_of(v->objdir, err);
            if (rc == WY_OK && rename(v->newobj, v->objdir) != 0) {
                if (errno == ENOENT && attempt < 3)
                    continue;
                rc = wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s",
                                v->newobj, v->objdir, strerror(errno));
            }
            break;
        }
        if (rc != WY_OK)
            goto fail;
        phase = 2;
        /* make the rename (and new tuple directories) durable */
        rc = sync_fs(v->objdir, err);
    } else {
        a[0] = wy_strf("%s/%s", v->objdir, v->vname);
        a[1] = wy_strf("%s/inventory.json", v->stagedir);
        a[2] = wy_strf("%s/inventory.json", v->objdir);
        a[3] = wy_strf("%s/inventory.json.sha512", v->stagedir);
        a[4] = wy_strf("%s/inventory.json.sha512", v->objdir);
        for (int i = 0; i < 5; i++)
            if (!a[i])
                rc = oom(err);
        if (rc == WY_OK)
            rc = move(v->vdir, a[0], err);
        if (rc != WY_OK)
            goto fail;
        phase = 1;
        rc = step(s, "renamed", err);
        if (rc == WY_OK)
            rc = move(a[1], a[2], err);
        if (rc != WY_OK)
            goto fail;
        phase = 2;
        rc = step(s, "root-renamed", err);
        if (rc == WY_OK)
            rc = move(a[3], a[4], err);
        if (rc == WY_OK)
            rc = sync_fs(v->objdir, err);
    }
    if (rc == WY_OK)
        rc = step(s, "done", err);
    if (rc != WY_OK)
        goto fail;
    if (version_out)
        *version_out = v->num;
    free(text);
    for (int i = 0; i < 6; i++)
        free(a[i]);
    version_drop(v);
    return WY_OK;
fail:
    free(text);
    if (phase == 1) {
        /* vN is in place but the root inventory is the old one: undo */
        struct wy_err e2 = WY_ERR_INIT;
        if (move(a[0], v->vdir, &e2) != WY_OK) {
            /* keep the staging: store_open completes the switch */
            wy_err_release(&e2);
            for (int i = 0; i < 6; i++)
                free(a[i]);
            wy_err_prefix(err, "object '%s': committing %s", v->id, v->vname);
            version_free(v);
            return err->code;
        }
        (void)wy_fsync_dir(v->objdir, &e2);
        wy_err_release(&e2);
    } else if (phase == 2) {
        /* the switch happened: finish it (a rename, no space needed) */
        struct wy_err e2 = WY_ERR_INIT;
        if (!v->newobj && wy_is_file(a[3]) && move(a[3], a[4], &e2) != WY_OK) {
            wy_err_release(&e2);
            for (int i = 0; i < 6; i++)
                free(a[i]);
            wy_err_prefix(err, "object '%s': committing %s", v->id, v->vname);
            version_free(v); /* staging kept for store_open */
            return err->code;
        }
        wy_err_release(&e2);
        wy_err_release(err);
        if (version_out)
            *version_out = v->num;
        for (int i = 0; i < 6; i++)
            free(a[i]);
        version_drop(v);
        return WY_OK;
    }
    for (int i = 0; i < 6; i++)
        free(a[i]);
    wy_err_prefix(err, "object '%s': committing %s", v->id, v->vname);
    version_drop(v);
    return err->code;
}
