/* repository/store_int.h: PRIVATE to the store files (repository/store*.c);
 * nothing else includes it. The struct bodies and the helpers the pieces of
 * the OCFL store share. The public API is repository/store.h. */
#ifndef WY_REPOSITORY_STORE_INT_H
#define WY_REPOSITORY_STORE_INT_H

#include "repository/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "core/alloc.h"
#include "core/path.h"

#define STAGING_REL "extensions/wenyuan-staging"
#define LAYOUT_EXT "0004-hashed-n-tuple-storage-layout"
#define INV_TYPE "https://ocfl.io/1.1/spec/#inventory"
#define IOBUF (1u << 20)
#define NBUF 4 /* blocks in the copy pipeline */
#define WRITE_SLICE ((size_t)128 << 10)

struct store {
    char *root;
    char *staging;
    int (*hook)(void *ctx, const char *step);
    void *hook_ctx;
};

struct store_version {
    struct store *s;
    char *id;
    char hash[65];    /* sha256 hex of the id: staging and layout name */
    char *objrel;     /* object root relative to the storage root */
    char *objdir;     /* absolute object root */
    char *stagedir;   /* root/extensions/wenyuan-staging/<hash> */
    char *newobj;     /* stagedir/obj for a new object, else NULL */
    char *vdir;       /* the staged version directory */
    char *cdir;       /* its content directory */
    char *contentdir; /* content directory name ("content") */
    char vname[16];   /* "v3" */
    int lockfd;
    unsigned prev, num;
    json_t *old;    /* root inventory of the head, or NULL */
    json_t *state;  /* nfc path -> [logical path, digest] */
    json_t *dirs;   /* nfc directory prefixes of the state -> count */
    json_t *newc;   /* digest -> {"path": rel-to-content, "md5", "size"} */
    json_t *cpaths; /* content path (rel to content dir) -> digest */
    json_t *cdirs;  /* directory prefixes of cpaths -> count */
    char *message, *uname, *uaddr;
    unsigned long tmpseq;
    unsigned char *buf;
};

/* the copy + hash loop: one read pass */
struct src {
    wy_code (*read)(void *ctx, void *buf, size_t cap, size_t *got,
                    struct wy_err *err);
    void *ctx;
};

/* ------------------------------------------------------------------ */
/* small helpers */

static inline wy_code oom(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory");
}

static inline int hook(const struct store *s, const char *step)
{
    return s->hook ? s->hook(s->hook_ctx, step) : 0;
}

static inline wy_code step(const struct store *s, const char *name,
                           struct wy_err *err)
{
    if (hook(s, name))
        return wy_err_set(err, WY_EIO, "commit step '%s': injected failure",
                          name);
    return WY_OK;
}

static inline void hex(const unsigned char *d, size_t n, char *out)
{
    static const char x[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[d[i] >> 4];
        out[2 * i + 1] = x[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static inline wy_code digest_hex(const char *alg, const void *p, size_t n,
                                 char *out, struct wy_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(p, n, md, &len, EVP_get_digestbyname(alg), NULL))
        return wy_err_set(err, WY_ENOMEM, "cannot compute %s", alg);
    hex(md, len, out);
    return WY_OK;
}

static inline wy_code write_all_fd(int fd, const char *path, const void *p,
                                   size_t n, struct wy_err *err)
{
    const char *c = p;
    while (n) {
        /* 128 KiB writes: on the ext4 volumes measured, 1 MiB writes were
           throttled several times harder (docs/PERFORMANCE.md) */
        ssize_t w = write(fd, c, n < WRITE_SLICE ? n : WRITE_SLICE);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return wy_err_set(err, WY_EIO, "cannot write '%s': %s", path,
                              strerror(errno));
        }
        c += w;
        n -= (size_t)w;
    }
    return WY_OK;
}

/* Makes everything written on the file system holding dir durable: one
 * journal commit and one cache flush (syncfs), where an fsync per file and
 * directory costs one each. */
static inline wy_code sync_fs(const char *dir, struct wy_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", dir,
                          strerror(errno));
    int r = syncfs(fd);
    int e = errno;
    close(fd);
    if (r != 0)
        return wy_err_set(err, WY_EIO, "cannot sync the file system of '%s': %s",
                          dir, strerror(e));
    return WY_OK;
}

/* Creates path (must not exist) with n bytes; made durable by the commit's
 * sync_fs. */
static inline wy_code write_new_file(const char *path, const void *p, size_t n,
                                     struct wy_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return wy_err_set(err, WY_EIO, "cannot create '%s': %s", path,
                          strerror(errno));
    wy_code rc = write_all_fd(fd, path, p, n, err);
    if (close(fd) != 0 && rc == WY_OK)
        rc = wy_err_set(err, WY_EIO, "cannot close '%s': %s", path,
                        strerror(errno));
    if (rc != WY_OK)
        unlink(path);
    return rc;
}

static inline wy_code mkdir1(const char *path, struct wy_err *err)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return wy_err_set(err, WY_EIO, "cannot create directory '%s': %s", path,
                          strerror(errno));
    return WY_OK;
}

/* mkdir -p of the directory holding path */
static inline wy_code mkdirs_of(const char *path, struct wy_err *err)
{
    const char *sl = strrchr(path, '/');
    if (!sl)
        return WY_OK;
    char *d = wy_strndup(path, (size_t)(sl - path));
    if (!d)
        return oom(err);
    wy_code rc = wy_is_dir(d) ? WY_OK : wy_mkdirs(d, err);
    free(d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* shared between the store files (defined where noted) */

/* store.c: sha256 hex of an object id (the layout name) */
wy_code store_id_hash(const char *id, char out[65], struct wy_err *err);
/* store.c: "aaa/bbb/ccc/<h>"; new, NULL when out of memory */
char *store_relpath_of_hash(const char *h);
/* store.c: removes the tuple directories of h that are empty */
void store_rmdir_tuples(struct store *s, const char *h);
/* store.c: Removes the staging of one object if no process holds its lock.
 * Also drops tuple directories a crashed first commit left empty, and rolls
 * a version that was already renamed into place forward. */
wy_code store_recover_object(struct store *s, const char *hashname,
                             struct wy_err *err);

/* store_inventory.c: parses inventory.json of dir and checks its sidecar.
 * new: *out. */
wy_code store_load_inventory(const char *dir, json_t **out, struct wy_err *err);
/* store_inventory.c: "v12" -> 12; 0 if not a non-padded version name */
unsigned store_vnum(const char *v);
/* store_inventory.c: checks what the store relies on in an inventory */
wy_code store_check_inventory(const json_t *inv, const char *id,
                              const char *where, struct wy_err *err);
/* store_inventory.c: equality of two state blocks */
int store_state_equal(const json_t *a, const json_t *b);
/* store_inventory.c: the new version's state block; new, NULL on OOM */
json_t *store_state_block(const struct store_version *v);
/* store_inventory.c: the inventory of the staged version; new, NULL on OOM */
json_t *store_build_inventory(struct store_version *v);
/* store_inventory.c: writes inventory.json + sidecar into dir (new files) */
wy_code store_write_inventory(const char *dir, const char *text, size_t n,
                              struct wy_err *err);

/* store_copy.c: copies src to outfd (tmp names it) hashing sha512 and md5
 * in the same read pass; see the pipeline comment there. */
wy_code store_copy_hash(struct store_version *v, const struct src *src,
                        int outfd, const char *tmp, char *sha, char *md5,
                        uint64_t *size, struct wy_err *err);

#endif
