/* repository/store.c: the OCFL 1.1 archival store. See store.h and
 * docs/OCFL.md for the layout, the staging area and the commit protocol. */
#define _GNU_SOURCE
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

/* ------------------------------------------------------------------ */
/* small helpers */

static char *strf(const char *fmt, ...) WY_PRINTF(1, 2);
static char *strf(const char *fmt, ...)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return wy_buf_take(&b, NULL);
}

static wy_code oom(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory");
}

static int hook(const struct store *s, const char *step)
{
    return s->hook ? s->hook(s->hook_ctx, step) : 0;
}

static wy_code step(const struct store *s, const char *name, struct wy_err *err)
{
    if (hook(s, name))
        return wy_err_set(err, WY_EIO, "commit step '%s': injected failure",
                          name);
    return WY_OK;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char x[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[d[i] >> 4];
        out[2 * i + 1] = x[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static wy_code digest_hex(const char *alg, const void *p, size_t n, char *out,
                          struct wy_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(p, n, md, &len, EVP_get_digestbyname(alg), NULL))
        return wy_err_set(err, WY_ENOMEM, "cannot compute %s", alg);
    hex(md, len, out);
    return WY_OK;
}

static wy_code write_all_fd(int fd, const char *path, const void *p, size_t n,
                            struct wy_err *err)
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
static wy_code sync_fs(const char *dir, struct wy_err *err)
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
static wy_code write_new_file(const char *path, const void *p, size_t n,
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

static wy_code mkdir1(const char *path, struct wy_err *err)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return wy_err_set(err, WY_EIO, "cannot create directory '%s': %s", path,
                          strerror(errno));
    return WY_OK;
}

/* mkdir -p of the directory holding path */
static wy_code mkdirs_of(const char *path, struct wy_err *err)
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
/* Unicode NFC */

wy_code store_path_nfc(const char *s, char **out, struct wy_err *err)
{
    UErrorCode ue = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&ue);
    int32_t n16 = 0;
    size_t n = strlen(s);
    *out = NULL;
    if (n > (1u << 20))
        return wy_err_set(err, WY_ETOOBIG, "path of %zu bytes", n);
    if (U_FAILURE(ue))
        return wy_err_set(err, WY_EINVAL, "no NFC normalizer: %s",
                          u_errorName(ue));
    u_strFromUTF8(NULL, 0, &n16, s, (int32_t)n, &ue);
    if (ue != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(ue))
        return wy_err_set(err, WY_EINVAL, "'%s' is not valid UTF-8", s);
    ue = U_ZERO_ERROR;
    UChar *a = wy_malloc(((size_t)n16 + 1) * sizeof(UChar));
    UChar *b = NULL;
    wy_code rc = WY_OK;
    if (!a)
        return oom(err);
    u_strFromUTF8(a, n16 + 1, NULL, s, (int32_t)n, &ue);
    if (U_FAILURE(ue)) {
        rc = wy_err_set(err, WY_EINVAL, "'%s' is not valid UTF-8", s);
        goto done;
    }
    if (unorm2_quickCheck(nfc, a, n16, &ue) == UNORM_YES && !U_FAILURE(ue)) {
        *out = wy_strdup(s);
        rc = *out ? WY_OK : oom(err);
        goto done;
    }
    ue = U_ZERO_ERROR;
    int32_t cap = n16 * 3 + 16;
    b = wy_malloc((size_t)cap * sizeof(UChar));
    if (!b) {
        rc = oom(err);
        goto done;
    }
    int32_t m = unorm2_normalize(nfc, a, n16, b, cap, &ue);
    int32_t n8 = 0;
    if (!U_FAILURE(ue)) {
        u_strToUTF8(NULL, 0, &n8, b, m, &ue);
        if (ue == U_BUFFER_OVERFLOW_ERROR)
            ue = U_ZERO_ERROR;
    }
    if (U_FAILURE(ue)) {
        rc = wy_err_set(err, WY_EINVAL, "cannot normalize '%s': %s", s,
                        u_errorName(ue));
        goto done;
    }
    *out = wy_malloc((size_t)n8 + 1);
    if (!*out) {
        rc = oom(err);
        goto done;
    }
    u_strToUTF8(*out, n8 + 1, NULL, b, m, &ue);
done:
    free(a);
    free(b);
    return rc;
}

/* ------------------------------------------------------------------ */
/* storage root */

static const char layout_json[] =
    "{\n  \"extension\": \"" LAYOUT_EXT "\",\n"
    "  \"description\": \"OCFL object identifiers are hashed with sha256; "
    "the first 9 hex characters give 3 directories of 3 characters, then the "
    "full digest names the object root\"\n}\n";
static const char layout_config[] =
    "{\n  \"extensionName\": \"" LAYOUT_EXT "\",\n"
    "  \"digestAlgorithm\": \"sha256\",\n  \"tupleSize\": 3,\n"
    "  \"numberOfTuples\": 3,\n  \"shortObjectRoot\": false\n}\n";
static const char spec_text[] =
    "This directory is an OCFL Storage Root conforming to the Oxford Common\n"
    "File Layout (OCFL) specification, version 1.1.\n\n"
    "The specification is published at https://ocfl.io/1.1/spec/\n"
    "Its validation codes: https://ocfl.io/1.1/spec/validation-codes.html\n\n"
    "Objects are arranged by the storage layout extension named in\n"
    "ocfl_layout.json (" LAYOUT_EXT "):\n"
    "the sha256 digest of an object's id, as lowercase hex, gives three\n"
    "directories of three characters each, and the full digest names the\n"
    "object root, e.g. 0d5/a6e/c3a/0d5a6ec3a.../\n\n"
    "Each object root holds 0=ocfl_object_1.1, inventory.json (+ .sha512)\n"
    "and version directories v1, v2, ... with their content.\n"
    "Written by Wenyuan (wenyuan validate checks this root).\n";

wy_code store_create(const char *root, struct wy_err *err)
{
    wy_code rc = wy_mkdirs(root, err);
    if (rc != WY_OK)
        return rc;
    DIR *d = opendir(root);
    if (!d)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", root,
                          strerror(errno));
    struct dirent *de;
    int nonempty = 0, ours = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        nonempty = 1;
        if (!strncmp(de->d_name, "0=ocfl_", 7))
            ours = 1;
    }
    closedir(d);
    if (ours)
        return wy_err_set(err, WY_ESTATE,
                          "'%s' already holds an OCFL storage root", root);
    if (nonempty)
        return wy_err_set(err, WY_ESTATE,
                          "'%s' is not empty; an OCFL storage root must be "
                          "created in an empty directory",
                          root);
    char *p = NULL;
    /* the declaration is written last: without it the root is not a root */
    const char *names[] = {"ocfl_1.1.txt", "ocfl_layout.json",
                           "extensions/" LAYOUT_EXT "/config.json",
                           "0=ocfl_1.1"};
    const char *texts[] = {spec_text, layout_json, layout_config, "ocfl_1.1\n"};
    for (size_t i = 0; rc == WY_OK && i < 4; i++) {
        p = strf("%s/%s", root, names[i]);
        if (!p)
            return oom(err);
        rc = mkdirs_of(p, err);
        if (rc == WY_OK)
            rc = wy_file_replace(p, texts[i], strlen(texts[i]), err);
        free(p);
    }
    if (rc == WY_OK) {
        p = strf("%s/extensions/" LAYOUT_EXT, root);
        rc = p ? wy_fsync_dir(p, err) : oom(err);
        free(p);
        p = strf("%s/extensions", root);
        if (rc == WY_OK)
            rc = p ? wy_fsync_dir(p, err) : oom(err);
        free(p);
    }
    return rc;
}

/* Removes the staging of one object if no process holds its lock. Also
 * drops tuple directories a crashed first commit left empty, and rolls a
 * version that was already renamed into place forward. */
static wy_code recover_object(struct store *s, const char *hashname,
                              struct wy_err *err);

static wy_code clean_staging(struct store *s, struct wy_err *err)
{
    DIR *d = opendir(s->staging);
    if (!d)
        return errno == ENOENT
                   ? WY_OK
                   : wy_err_set(err, WY_EIO, "cannot open directory '%s': %s",
                                s->staging, strerror(errno));
    wy_code rc = WY_OK;
    struct dirent *de;
    while (rc == WY_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        rc = recover_object(s, de->d_name, err);
    }
    closedir(d);
    rmdir(s->staging); /* only when empty; another process may use it */
    return rc;
}

wy_code store_open(struct store **out, const char *root, struct wy_err *err)
{
    *out = NULL;
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    wy_buf_addf(&b, "%s/0=ocfl_1.1", root);
    if (wy_buf_status(&b, err) != WY_OK)
        return err->code;
    if (!wy_is_file(b.p)) {
        wy_buf_release(&b);
        if (!wy_is_dir(root))
            return wy_err_set(err, WY_ENOTFOUND, "no OCFL storage root at '%s'",
                              root);
        return wy_err_set(err, WY_EFORMAT,
                          "'%s' is not an OCFL 1.1 storage root (no "
                          "'0=ocfl_1.1')",
                          root);
    }
    wy_buf_reset(&b);
    wy_buf_addf(&b, "%s/ocfl_layout.json", root);
    struct wy_buf lay = WY_BUF_INIT(1 << 20);
    wy_code rc = wy_buf_status(&b, err);
    if (rc == WY_OK)
        rc = wy_file_read(b.p, &lay, err);
    wy_buf_release(&b);
    if (rc == WY_OK && !strstr(wy_buf_cstr(&lay), "\"" LAYOUT_EXT "\""))
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s/ocfl_layout.json: the store supports only the "
                        "layout extension '" LAYOUT_EXT "'",
                        root);
    wy_buf_release(&lay);
    if (rc != WY_OK)
        return rc;
    struct store *s = wy_calloc(1, sizeof(*s));
    if (!s)
        return oom(err);
    s->root = wy_strdup(root);
    s->staging = strf("%s/" STAGING_REL, root);
    if (!s->root || !s->staging) {
        store_close(s);
        return oom(err);
    }
    rc = clean_staging(s, err);
    if (rc != WY_OK) {
        store_close(s);
        return wy_err_prefix(err, "cleaning the staging area of '%s'", root);
    }
    *out = s;
    return WY_OK;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    free(s->root);
    free(s->staging);
    free(s);
}

const char *store_root(const struct store *s)
{
    return s->root;
}

void store_set_hook(struct store *s, int (*h)(void *ctx, const char *step),
                    void *ctx)
{
    s->hook = h;
    s->hook_ctx = ctx;
}

static wy_code id_hash(const char *id, char out[65], struct wy_err *err)
{
    if (!id || !*id)
        return wy_err_set(err, WY_EINVAL, "empty object id");
    return digest_hex("sha256", id, strlen(id), out, err);
}

static char *relpath_of_hash(const char *h)
{
    return strf("%.3s/%.3s/%.3s/%s", h, h + 3, h + 6, h);
}

wy_code store_object_relpath(const struct store *s, const char *object_id,
                             struct wy_buf *out, struct wy_err *err)
{
    (void)s;
    char h[65];
    wy_code rc = id_hash(object_id, h, err);
    if (rc != WY_OK)
        return rc;
    wy_buf_addf(out, "%.3s/%.3s/%.3s/%s", h, h + 3, h + 6, h);
    return wy_buf_status(out, err);
}

int store_object_exists(const struct store *s, const char *object_id)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_err e = WY_ERR_INIT;
    wy_buf_addf(&b, "%s/", s->root);
    int ok = store_object_relpath(s, object_id, &b, &e) == WY_OK;
    wy_buf_adds(&b, "/inventory.json");
    ok = ok && wy_buf_status(&b, &e) == WY_OK && wy_is_file(b.p);
    wy_buf_release(&b);
    wy_err_release(&e);
    return ok;
}

/* ------------------------------------------------------------------ */
/* inventories */

/* Parses inventory.json of dir and checks its sidecar. new: *out. */
static wy_code load_inventory(const char *dir, json_t **out, struct wy_err *err)
{
    *out = NULL;
    char *p = strf("%s/inventory.json", dir);
    char *q = strf("%s/inventory.json.sha512", dir);
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
static unsigned vnum(const char *v)
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
static wy_code check_inventory(const json_t *inv, const char *id,
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
    if (!vnum(head) || !json_is_object(json_object_get(
                           json_object_get(inv, "versions"), head)))
        return wy_err_set(err, WY_EFORMAT,
                          "%s: head '%s' is not a version the store can "
                          "extend (zero-padded names are not supported)",
                          where, head);
    return WY_OK;
}

/* ------------------------------------------------------------------ */
/* recovery */

static void rmdir_tuples(struct store *s, const char *h)
{
    char *p = strf("%s/%.3s/%.3s/%.3s", s->root, h, h + 3, h + 6);
    if (!p)
        return;
    /* only removes directories that are empty; errors are harmless */
    for (int i = 0; i < 3; i++) {
        if (rmdir(p) != 0)
            break;
        char *sl = strrchr(p, '/');
        *sl = '\0';
    }
    free(p);
}

static int same_file_bytes(const char *a, const char *b)
{
    struct wy_buf x = WY_BUF_INIT((size_t)1 << 30);
    struct wy_buf y = WY_BUF_INIT((size_t)1 << 30);
    struct wy_err e = WY_ERR_INIT;
    int same = wy_file_read(a, &x, &e) == WY_OK &&
               wy_file_read(b, &y, &e) == WY_OK && x.len == y.len &&
               (x.len == 0 || !memcmp(x.p, y.p, x.len));
    wy_buf_release(&x);
    wy_buf_release(&y);
    wy_err_release(&e);
    return same;
}

/* After a crash between renaming vN into place and replacing the root
 * inventory: the highest version directory holds a complete inventory, so
 * the root inventory and sidecar are rolled forward to it. */
static wy_code roll_forward(const char *objdir, struct wy_err *err)
{
    DIR *d = opendir(objdir);
    if (!d)
        return errno == ENOENT
                   ? WY_OK
                   : wy_err_set(err, WY_EIO, "cannot open directory '%s': %s",
                                objdir, strerror(errno));
    unsigned top = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned n = vnum(de->d_name);
        if (n > top)
            top = n;
    }
    closedir(d);
    if (!top)
        return WY_OK;
    char *vd = strf("%s/v%u", objdir, top);
    char *vi = strf("%s/v%u/inventory.json", objdir, top);
    char *vs = strf("%s/v%u/inventory.json.sha512", objdir, top);
    char *ri = strf("%s/inventory.json", objdir);
    char *rs = strf("%s/inventory.json.sha512", objdir);
    wy_code rc = (vd && vi && vs && ri && rs) ? WY_OK : oom(err);
    json_t *inv = NULL;
    if (rc == WY_OK && load_inventory(vd, &inv, err) != WY_OK) {
        /* never happens with our protocol (vN is renamed complete) */
        rc = wy_err_prefix(err, "recovering '%s'", objdir);
        goto out;
    }
    if (rc == WY_OK && !(same_file_bytes(vi, ri) && same_file_bytes(vs, rs))) {
        struct wy_buf x = WY_BUF_INIT((size_t)1 << 30);
        rc = wy_file_read(vi, &x, err);
        if (rc == WY_OK)
            rc = wy_file_replace(ri, x.p ? x.p : "", x.len, err);
        wy_buf_reset(&x);
        if (rc == WY_OK)
            rc = wy_file_read(vs, &x, err);
        if (rc == WY_OK)
            rc = wy_file_replace(rs, x.p ? x.p : "", x.len, err);
        wy_buf_release(&x);
    }
out:
    json_decref(inv);
    free(vd);
    free(vi);
    free(vs);
    free(ri);
    free(rs);
    return rc;
}

static wy_code recover_object(struct store *s, const char *h,
                              struct wy_err *err)
{
    char *sd = strf("%s/%s", s->staging, h);
    char *lk = strf("%s/%s/lock", s->staging, h);
    char *od = NULL;
    wy_code rc = (sd && lk) ? WY_OK : oom(err);
    if (rc != WY_OK)
        goto out;
    int fd = open(lk, O_RDWR | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd); /* a live process is staging this object */
        goto out;
    }
    if (strlen(h) == 64) {
        od = strf("%s/%.3s/%.3s/%.3s/%s", s->root, h, h + 3, h + 6, h);
        rc = od ? roll_forward(od, err) : oom(err);
    }
    if (rc == WY_OK)
        rc = wy_rmtree(sd, err);
    if (fd >= 0)
        close(fd);
    if (rc == WY_OK && strlen(h) == 64)
        rmdir_tuples(s, h);
    if (rc == WY_OK)
        rc = wy_fsync_dir(s->staging, err);
out:
    free(sd);
    free(lk);
    free(od);
    return rc;
}

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
        rmdir_tuples(v->s, v->hash);
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
            char *lk = strf("%s/lock", v->stagedir);
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
        char *lk = strf("%s/lock", v->stagedir);
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
        rc = recover_object(v->s, hcopy, err);
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
    wy_code rc = id_hash(object_id, v->hash, err);
    if (rc != WY_OK) {
        version_free(v);
        return rc;
    }
    v->id = wy_strdup(object_id);
    v->objrel = relpath_of_hash(v->hash);
    v->objdir = strf("%s/%s", s->root, v->objrel ? v->objrel : "");
    v->stagedir = strf("%s/%s", s->staging, v->hash);
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
    char *inv = strf("%s/inventory.json", v->objdir);
    if (!inv) {
        version_drop(v);
        return oom(err);
    }
    int exists = wy_is_file(inv);
    free(inv);
    if (exists) {
        rc = load_inventory(v->objdir, &v->old, err);
        if (rc == WY_OK)
            rc = check_inventory(v->old, object_id, v->objdir, err);
        if (rc != WY_OK) {
            version_drop(v);
            return wy_err_prefix(err, "object '%s'", object_id);
        }
        v->prev = vnum(json_string_value(json_object_get(v->old, "head")));
        const char *cd =
            json_string_value(json_object_get(v->old, "contentDirectory"));
        v->contentdir = wy_strdup(cd ? cd : "content");
    } else {
        v->contentdir = wy_strdup("content");
    }
    v->num = v->prev + 1;
    snprintf(v->vname, sizeof(v->vname), "v%u", v->num);
    if (v->prev == 0)
        v->newobj = strf("%s/obj", v->stagedir);
    v->vdir = strf("%s/%s", v->newobj ? v->newobj : v->stagedir, v->vname);
    v->cdir = v->vdir ? strf("%s/%s", v->vdir, v->contentdir) : NULL;
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
    char *p = strf("%s/%s", v->cdir, rel);
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

/* the copy + hash loop: one read pass */
struct src {
    wy_code (*read)(void *ctx, void *buf, size_t cap, size_t *got,
                    struct wy_err *err);
    void *ctx;
};

/*
 * The copy is a pipeline over NBUF blocks of IOBUF bytes: this thread reads
 * a block and hashes it with sha512, a second thread hashes it with md5 and
 * a third writes it, so a slow write() does not stall reading (files of
 * one block or less are done inline). A block is reused once both workers
 * are past it. One mutex and one condition variable guard the counters.
 */
struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *buf;
    size_t len[NBUF];
    uint64_t posted, md5_done, write_done;
    int quit, failed;         /* failed: the writer hit an error */
    EVP_MD_CTX *md5;
    int fd;
    const char *tmp;
    struct wy_err werr;       /* the writer's error */
};

static void *md5_worker(void *arg)
{
    struct pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->md5_done == p->posted && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->md5_done == p->posted)
            break;
        uint64_t k = p->md5_done;
        pthread_mutex_unlock(&p->mu);
        EVP_DigestUpdate(p->md5, p->buf + (k % NBUF) * (size_t)IOBUF,
                         p->len[k % NBUF]);
        pthread_mutex_lock(&p->mu);
        p->md5_done++;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void *write_worker(void *arg)
{
    struct pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->write_done == p->posted && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->write_done == p->posted)
            break;
        uint64_t k = p->write_done;
        int failed = p->failed;
        pthread_mutex_unlock(&p->mu);
        wy_code rc = WY_OK;
        if (!failed)
            rc = write_all_fd(p->fd, p->tmp,
                              p->buf + (k % NBUF) * (size_t)IOBUF,
                              p->len[k % NBUF], &p->werr);
        pthread_mutex_lock(&p->mu);
        if (rc != WY_OK)
            p->failed = 1;
        p->write_done++;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static wy_code copy_hash(struct store_version *v, const struct src *src,
                         int outfd, const char *tmp, char *sha, char *md5,
                         uint64_t *size, struct wy_err *err)
{
    EVP_MD_CTX *a = EVP_MD_CTX_new(), *b = EVP_MD_CTX_new();
    wy_code rc = WY_OK;
    struct pipe p;
    pthread_t th_md5, th_write;
    int threads = 0;   /* 0 inline, 2 pipeline running */
    memset(&p, 0, sizeof(p));
    p.buf = v->buf;
    p.md5 = b;
    p.fd = outfd;
    p.tmp = tmp;
    if (!a || !b || !EVP_DigestInit_ex(a, EVP_sha512(), NULL) ||
        !EVP_DigestInit_ex(b, EVP_md5(), NULL)) {
        rc = wy_err_set(err, WY_ENOMEM, "cannot set up sha512/md5");
        goto out;
    }
    *size = 0;
    for (uint64_t k = 0;; k++) {
        unsigned char *buf = v->buf + (k % NBUF) * (size_t)IOBUF;
        if (threads) {
            /* wait until both workers are past the block's last use */
            pthread_mutex_lock(&p.mu);
            while (k - p.md5_done >= NBUF || k - p.write_done >= NBUF)
                pthread_cond_wait(&p.cv, &p.mu);
            int failed = p.failed;
            pthread_mutex_unlock(&p.mu);
            if (failed)
                break;
        }
        size_t got = 0;
        rc = src->read(src->ctx, buf, IOBUF, &got, err);
        if (rc != WY_OK || got == 0)
            break;
        if (got > IOBUF)
            WY_BUG("read callback overran its buffer");
        if (!threads && got == IOBUF && k == 0 &&
            pthread_mutex_init(&p.mu, NULL) == 0) {
            if (pthread_cond_init(&p.cv, NULL) != 0)
                pthread_mutex_destroy(&p.mu);
            else if (pthread_create(&th_md5, NULL, md5_worker, &p) != 0) {
                pthread_cond_destroy(&p.cv);
                pthread_mutex_destroy(&p.mu);
            } else if (pthread_create(&th_write, NULL, write_worker, &p) !=
                       0) {
                pthread_mutex_lock(&p.mu);
                p.quit = 1;
                pthread_cond_broadcast(&p.cv);
                pthread_mutex_unlock(&p.mu);
                pthread_join(th_md5, NULL);
                pthread_cond_destroy(&p.cv);
                pthread_mutex_destroy(&p.mu);
            } else
                threads = 2;
        }
        EVP_DigestUpdate(a, buf, got);
        *size += got;
        if (threads) {
            pthread_mutex_lock(&p.mu);
            p.len[k % NBUF] = got;
            p.posted++;
            pthread_cond_broadcast(&p.cv);
            pthread_mutex_unlock(&p.mu);
        } else {
            EVP_DigestUpdate(b, buf, got);
            rc = write_all_fd(outfd, tmp, buf, got, err);
            if (rc != WY_OK)
                break;
        }
    }
    if (threads) {
        pthread_mutex_lock(&p.mu);
        p.quit = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(th_md5, NULL);
        pthread_join(th_write, NULL);
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        if (p.failed && rc == WY_OK) {
            wy_err_move(err, &p.werr);
            rc = err->code;
        }
    }
    if (rc == WY_OK) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        EVP_DigestFinal_ex(a, md, &n);
        hex(md, n, sha);
        EVP_DigestFinal_ex(b, md, &n);
        hex(md, n, md5);
    }
out:
    wy_err_release(&p.werr);
    EVP_MD_CTX_free(a);
    EVP_MD_CTX_free(b);
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
    tmp = strf("%s/tmp.%lu", v->stagedir, ++v->tmpseq);
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
    rc = copy_hash(v, src, fd, tmp, fi.sha512, fi.md5, &fi.size, err);
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
            dst = strf("%s/%s", v->cdir, cp);
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

static int state_equal(const json_t *a, const json_t *b)
{
    /* both: digest -> [paths]; compare as sets of (path, digest) */
    return json_equal((json_t *)a, (json_t *)b);
}

/* the new version's state block: digest -> [logical paths, sorted] */
static json_t *state_block(const struct store_version *v)
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

int store_version_changed(const struct store_version *v)
{
    if (!v->old)
        return 1;
    json_t *st = state_block(v);
    json_t *hs = json_object_get(
        json_object_get(json_object_get(v->old, "versions"),
                        json_string_value(json_object_get(v->old, "head"))),
        "state");
    int changed = !st || !state_equal(st, hs);
    json_decref(st);
    return changed;
}

static json_t *build_inventory(struct store_version *v)
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
        char *cp = strf("%s/%s/%s", v->vname, v->contentdir,
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
    json_t *st = state_block(v);
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
static wy_code write_inventory(const char *dir, const char *text, size_t n,
                               struct wy_err *err)
{
    char d[STORE_SHA512_HEX + 1];
    char *p = strf("%s/inventory.json", dir);
    char *q = strf("%s/inventory.json.sha512", dir);
    char *side = NULL;
    wy_code rc = (p && q) ? digest_hex("sha512", text, n, d, err) : oom(err);
    if (rc == WY_OK) {
        side = strf("%s inventory.json\n", d);
        rc = side ? write_new_file(p, text, n, err) : oom(err);
    }
    if (rc == WY_OK)
        rc = write_new_file(q, side, strlen(side), err);
    free(p);
    free(q);
    free(side);
    return rc;
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
    json_t *inv = build_inventory(v);
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
        rc = write_inventory(v->vdir, text, n, err);
    if (rc == WY_OK && v->newobj) {
        char *decl = strf("%s/0=ocfl_object_1.1", v->newobj);
        rc = decl ? write_new_file(decl, "ocfl_object_1.1\n", 16, err)
                  : oom(err);
        free(decl);
    }
    if (rc == WY_OK)
        rc = step(s, "root-inventory", err);
    if (rc == WY_OK)
        rc = write_inventory(top, text, n, err);
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
        a[0] = strf("%s/%s", v->objdir, v->vname);
        a[1] = strf("%s/inventory.json", v->stagedir);
        a[2] = strf("%s/inventory.json", v->objdir);
        a[3] = strf("%s/inventory.json.sha512", v->stagedir);
        a[4] = strf("%s/inventory.json.sha512", v->objdir);
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
    wy_code rc = id_hash(id, h, err);
    if (rc != WY_OK)
        return rc;
    *objdir = strf("%s/%.3s/%.3s/%.3s/%s", s->root, h, h + 3, h + 6, h);
    if (!*objdir)
        return oom(err);
    if (!wy_is_dir(*objdir))
        return wy_err_set(err, WY_ENOTFOUND, "no object '%s' in the store", id);
    rc = load_inventory(*objdir, inv, err);
    if (rc == WY_OK)
        rc = check_inventory(*inv, id, *objdir, err);
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
    char *p = strf("%s/%s", objdir, rel);
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
    out->head = vnum(json_string_value(json_object_get(inv, "head")));
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
    char *dir = *rel ? strf("%s/%s", root, rel) : wy_strdup(root);
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
        char *sub = *rel ? strf("%s/%s", rel, names[i]) : wy_strdup(names[i]);
        char *abs = sub ? strf("%s/%s", root, sub) : NULL;
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
