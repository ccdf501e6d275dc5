/* repository/store.c: the OCFL 1.1 archival store: the storage root
 * (create/open/close, layout, NFC paths) and recovery of interrupted commits.
 * See store.h and docs/OCFL.md for the layout, the staging area and the commit
 * protocol; the other pieces are store_version.c, store_copy.c,
 * store_inventory.c and store_object.c (shared parts: store_int.h). */
#define _GNU_SOURCE
#include "repository/store_int.h"

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
        p = wy_strf("%s/%s", root, names[i]);
        if (!p)
            return oom(err);
        rc = mkdirs_of(p, err);
        if (rc == WY_OK)
            rc = wy_file_replace(p, texts[i], strlen(texts[i]), err);
        free(p);
    }
    if (rc == WY_OK) {
        p = wy_strf("%s/extensions/" LAYOUT_EXT, root);
        rc = p ? wy_fsync_dir(p, err) : oom(err);
        free(p);
        p = wy_strf("%s/extensions", root);
        if (rc == WY_OK)
            rc = p ? wy_fsync_dir(p, err) : oom(err);
        free(p);
    }
    return rc;
}

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
        rc = store_recover_object(s, de->d_name, err);
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
    s->staging = wy_strf("%s/" STAGING_REL, root);
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

wy_code store_id_hash(const char *id, char out[65], struct wy_err *err)
{
    if (!id || !*id)
        return wy_err_set(err, WY_EINVAL, "empty object id");
    return digest_hex("sha256", id, strlen(id), out, err);
}

char *store_relpath_of_hash(const char *h)
{
    return wy_strf("%.3s/%.3s/%.3s/%s", h, h + 3, h + 6, h);
}

wy_code store_object_relpath(const struct store *s, const char *object_id,
                             struct wy_buf *out, struct wy_err *err)
{
    (void)s;
    char h[65];
    wy_code rc = store_id_hash(object_id, h, err);
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
/* recovery */

void store_rmdir_tuples(struct store *s, const char *h)
{
    char *p = wy_strf("%s/%.3s/%.3s/%.3s", s->root, h, h + 3, h + 6);
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
        unsigned n = store_vnum(de->d_name);
        if (n > top)
            top = n;
    }
    closedir(d);
    if (!top)
        return WY_OK;
    char *vd = wy_strf("%s/v%u", objdir, top);
    char *vi = wy_strf("%s/v%u/inventory.json", objdir, top);
    char *vs = wy_strf("%s/v%u/inventory.json.sha512", objdir, top);
    char *ri = wy_strf("%s/inventory.json", objdir);
    char *rs = wy_strf("%s/inventory.json.sha512", objdir);
    wy_code rc = (vd && vi && vs && ri && rs) ? WY_OK : oom(err);
    json_t *inv = NULL;
    if (rc == WY_OK && store_load_inventory(vd, &inv, err) != WY_OK) {
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

wy_code store_recover_object(struct store *s, const char *h, struct wy_err *err)
{
    char *sd = wy_strf("%s/%s", s->staging, h);
    char *lk = wy_strf("%s/%s/lock", s->staging, h);
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
        od = wy_strf("%s/%.3s/%.3s/%.3s/%s", s->root, h, h + 3, h + 6, h);
        rc = od ? roll_forward(od, err) : oom(err);
    }
    if (rc == WY_OK)
        rc = wy_rmtree(sd, err);
    if (fd >= 0)
        close(fd);
    if (rc == WY_OK && strlen(h) == 64)
        store_rmdir_tuples(s, h);
    if (rc == WY_OK)
        rc = wy_fsync_dir(s->staging, err);
out:
    free(sd);
    free(lk);
    free(od);
    return rc;
}
