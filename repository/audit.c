/* repository/audit.c: the fixity audit (see audit.h). */
#define _GNU_SOURCE
#include "repository/audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"
#include "repository/store.h"

#define IOBUF (1u << 20)

const char *audit_kind_name(enum audit_kind k)
{
    switch (k) {
    case AUDIT_MISSING:
        return "missing";
    case AUDIT_CHANGED:
        return "changed";
    case AUDIT_UNEXPECTED:
        return "unexpected";
    case AUDIT_BROKEN:
        return "broken";
    }
    return "?";
}

int audit_failed(const struct audit_result *r)
{
    return r->missing || r->changed || r->unexpected || r->broken;
}

struct run {
    const struct audit_opts *o;
    struct audit_result *res;
    struct wy_progress prog;
    unsigned char *buf;
    const char *root;
    /* the object being audited */
    const char *id, *rel;
    char *idcopy; /* owns id */
    unsigned problems;
    uint64_t files, bytes;
};

static void problem(struct run *r, enum audit_kind k, const char *path,
                    const char *fmt, ...) WY_PRINTF(4, 5);
static void problem(struct run *r, enum audit_kind k, const char *path,
                    const char *fmt, ...)
{
    struct wy_buf b = WY_BUF_INIT(65536);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    r->problems++;
    switch (k) {
    case AUDIT_MISSING:
        r->res->missing++;
        break;
    case AUDIT_CHANGED:
        r->res->changed++;
        break;
    case AUDIT_UNEXPECTED:
        r->res->unexpected++;
        break;
    case AUDIT_BROKEN:
        r->res->broken++;
        break;
    }
    if (r->o->problem) {
        struct audit_problem p = {k, r->id ? r->id : "", r->rel, path,
                                  wy_buf_cstr(&b)};
        r->o->problem(r->o->ctx, &p);
    }
    wy_buf_release(&b);
}

static const EVP_MD *md_of(const char *alg)
{
    if (!strcmp(alg, "sha512"))
        return EVP_sha512();
    if (!strcmp(alg, "sha256"))
        return EVP_sha256();
    return NULL;
}

/* hashes a file; 1 ok, 0 missing, -1 unreadable (errno kept in *e) */
static int hash_file(struct run *r, const char *path, const EVP_MD *md,
                     char *hex, uint64_t *size, int *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *e = errno;
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, md, NULL);
    *size = 0;
    ssize_t n;
    while (ok && (n = read(fd, r->buf, IOBUF)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *e = errno;
            ok = 0;
            break;
        }
        EVP_DigestUpdate(c, r->buf, (size_t)n);
        *size += (uint64_t)n;
        r->bytes += (uint64_t)n;
        wy_progress_update(&r->prog, r->res->objects_this_run,
                           r->res->bytes + r->bytes);
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (ok && EVP_DigestFinal_ex(c, d, &len)) {
        for (unsigned i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
    } else if (ok) {
        *e = ENOMEM;
        ok = 0;
    }
    EVP_MD_CTX_free(c);
    close(fd);
    return ok ? 1 : -1;
}

/* files on disk under objdir/rel that the manifest does not list */
static void walk_unexpected(struct run *r, const char *objdir, const char *rel,
                            json_t *known)
{
    char *dir = wy_strf("%s/%s", objdir, rel);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *sub = wy_strf("%s/%s", rel, de->d_name);
        char *abs = wy_strf("%s/%s", dir, de->d_name);
        struct stat st;
        if (sub && abs && lstat(abs, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                walk_unexpected(r, objdir, sub, known);
            else if (!json_object_get(known, sub))
                problem(r, AUDIT_UNEXPECTED, sub,
                        "'%s' is not in the inventory", sub);
        }
        free(sub);
        free(abs);
    }
    closedir(d);
    free(dir);
}

/* extra entries at the object root and in version directories */
static void check_layout(struct run *r, const char *objdir, json_t *inv,
                         json_t *known)
{
    const char *alg =
        json_string_value(json_object_get(inv, "digestAlgorithm"));
    const char *cd =
        json_string_value(json_object_get(inv, "contentDirectory"));
    json_t *versions = json_object_get(inv, "versions");
    char *side = wy_strf("inventory.json.%s", alg ? alg : "sha512");
    DIR *d = opendir(objdir);
    struct dirent *de;
    while (d && side && (de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strncmp(n, "0=", 2) ||
            !strcmp(n, "inventory.json") || !strcmp(n, side) ||
            !strcmp(n, "logs") || !strcmp(n, "extensions"))
            continue;
        if (!json_object_get(versions, n)) {
            problem(r, AUDIT_UNEXPECTED, n, "'%s' is not part of the object",
                    n);
            continue;
        }
        char *vd = wy_strf("%s/%s", objdir, n);
        DIR *v = vd ? opendir(vd) : NULL;
        struct dirent *ve;
        while (v && (ve = readdir(v))) {
            const char *m = ve->d_name;
            if (!strcmp(m, ".") || !strcmp(m, "..") ||
                !strcmp(m, "inventory.json") || !strcmp(m, side))
                continue;
            char *sub = wy_strf("%s/%s", n, m);
            if (sub && !strcmp(m, cd ? cd : "content"))
                walk_unexpected(r, objdir, sub, known);
            else if (sub)
                problem(r, AUDIT_UNEXPECTED, sub,
                        "'%s' is not part of the object", sub);
            free(sub);
        }
        if (v)
            closedir(v);
        free(vd);
    }
    if (d)
        closedir(d);
    free(side);
}

static void audit_object(struct run *r, const char *rel)
{
    char *objdir = wy_strf("%s/%s", r->root, rel);
    char *ip = objdir ? wy_strf("%s/inventory.json", objdir) : NULL;
    struct wy_buf raw = WY_BUF_INIT((size_t)1 << 30);
    struct wy_err e = WY_ERR_INIT;
    json_t *inv = NULL, *known = json_object();
    r->id = NULL;
    free(r->idcopy);
    r->idcopy = NULL;
    r->rel = rel;
    if (!ip || !known || wy_file_read(ip, &raw, &e) != WY_OK) {
        problem(r, AUDIT_BROKEN, "inventory.json",
                "cannot read the inventory: %s", wy_err_msg(&e));
        goto out;
    }
    json_error_t je;
    inv = json_loadb(raw.p ? raw.p : "", raw.len, 0, &je);
    const char *alg =
        json_string_value(json_object_get(inv, "digestAlgorithm"));
    const EVP_MD *md = alg ? md_of(alg) : NULL;
    if (!inv || !md || !json_is_object(json_object_get(inv, "manifest"))) {
        problem(r, AUDIT_BROKEN, "inventory.json",
                "the inventory is not a usable OCFL inventory%s%s",
                inv ? "" : ": ", inv ? "" : je.text);
        goto out;
    }
    const char *id = json_string_value(json_object_get(inv, "id"));
    free(r->idcopy);
    r->idcopy = id ? wy_strdup(id) : NULL;
    r->id = r->idcopy;
    /* the inventory against its sidecar */
    char *sp = wy_strf("%s.%s", ip, alg);
    struct wy_buf side = WY_BUF_INIT(1 << 20);
    wy_err_release(&e);
    if (!sp || wy_file_read(sp, &side, &e) != WY_OK)
        problem(r, AUDIT_MISSING, "inventory.json.sha512",
                "cannot read the inventory sidecar: %s", wy_err_msg(&e));
    else {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        EVP_Digest(raw.p ? raw.p : "", raw.len, d, &len, md, NULL);
        for (unsigned i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        if (side.len < 2 * len ||
            strncasecmp(side.p, hex, 2 * (size_t)len) != 0)
            problem(r, AUDIT_CHANGED, "inventory.json",
                    "the inventory does not match its sidecar digest");
    }
    free(sp);
    wy_buf_release(&side);
    /* every content file against its digest */
    const char *digest;
    json_t *paths;
    json_object_foreach(json_object_get(inv, "manifest"), digest, paths)
    {
        size_t i;
        json_t *p;
        json_array_foreach(paths, i, p)
        {
            const char *cp = json_string_value(p);
            if (!cp || wy_path_unsafe(cp)) {
                problem(r, AUDIT_BROKEN, "inventory.json",
                        "the manifest lists an unsafe content path");
                continue;
            }
            json_object_set(known, cp, json_true());
            char *abs = wy_strf("%s/%s", objdir, cp);
            char hex[2 * EVP_MAX_MD_SIZE + 1];
            uint64_t size = 0;
            int en = 0;
            int h = abs ? hash_file(r, abs, md, hex, &size, &en) : -1;
            free(abs);
            r->files++;
            if (h == 0)
                problem(r, AUDIT_MISSING, cp, "'%s' is missing", cp);
            else if (h < 0)
                problem(r, AUDIT_MISSING, cp, "'%s' cannot be read: %s", cp,
                        strerror(en));
            else if (strcasecmp(hex, digest) != 0)
                problem(r, AUDIT_CHANGED, cp,
                        "'%s' has %s %.16s..., the inventory says %.16s...", cp,
                        alg, hex, digest);
        }
    }
    check_layout(r, objdir, inv, known);
out:
    json_decref(inv);
    json_decref(known);
    wy_buf_release(&raw);
    wy_err_release(&e);
    free(ip);
    free(objdir);
}

/* ---- the object list, sampling and the resume state ---- */

struct list {
    char **v;
    size_t n, cap;
};

static wy_code collect(void *ctx, const char *rel, struct wy_err *err)
{
    struct list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **nv = wy_realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        l->v = nv;
        l->cap = cap;
    }
    if (!(l->v[l->n] = wy_strdup(rel)))
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    l->n++;
    return WY_OK;
}

static uint64_t fnv(uint64_t seed, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

struct state {
    uint64_t seed;
    double sample;
    char *last;
    struct audit_result totals;
};

static int read_u64(const char *line, const char *key, uint64_t *out)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ' ')
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(line + k + 1, &end, 10);
    if (errno || end == line + k + 1)
        return 0;
    *out = v;
    return 1;
}

/* reads the state file; 1 if it holds a run to resume */
static int load_state(const char *path, struct state *st)
{
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    struct wy_err e = WY_ERR_INIT;
    int ok = 0;
    if (wy_file_read(path, &b, &e) != WY_OK ||
        strncmp(wy_buf_cstr(&b), "wenyuan-audit 1\n", 16) != 0)
        goto out;
    char *s = b.p + 16;
    for (char *line = s, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        uint64_t v;
        struct audit_result *t = &st->totals;
        if (!strncmp(line, "last ", 5)) {
            free(st->last);
            st->last = wy_strdup(line + 5);
            ok = st->last != NULL;
        } else if (read_u64(line, "seed", &v))
            st->seed = v;
        else if (read_u64(line, "sample-ppm", &v))
            st->sample = (double)v / 1e6;
        else if (read_u64(line, "objects", &v))
            t->objects = v;
        else if (read_u64(line, "files", &v))
            t->files = v;
        else if (read_u64(line, "bytes", &v))
            t->bytes = v;
        else if (read_u64(line, "missing", &v))
            t->missing = v;
        else if (read_u64(line, "changed", &v))
            t->changed = v;
        else if (read_u64(line, "unexpected", &v))
            t->unexpected = v;
        else if (read_u64(line, "broken", &v))
            t->broken = v;
    }
out:
    wy_buf_release(&b);
    wy_err_release(&e);
    return ok;
}

static wy_code save_state(const char *path, const struct state *st,
                          const char *last, const struct audit_result *t,
                          struct wy_err *err)
{
    struct wy_buf b = WY_BUF_INIT(1 << 20);
    wy_buf_addf(&b,
                "wenyuan-audit 1\nseed %" PRIu64 "\nsample-ppm %" PRIu64
                "\nobjects %" PRIu64 "\nfiles %" PRIu64 "\nbytes %" PRIu64
                "\nmissing %" PRIu64 "\nchanged %" PRIu64
                "\nunexpected %" PRIu64 "\nbroken %" PRIu64 "\nlast %s\n",
                st->seed, (uint64_t)(st->sample * 1e6 + 0.5), t->objects,
                t->files, t->bytes, t->missing, t->changed, t->unexpected,
                t->broken, last);
    wy_code rc = wy_buf_status(&b, err);
    if (rc == WY_OK)
        rc = wy_file_replace(path, b.p, b.len, err);
    wy_buf_release(&b);
    return rc;
}

wy_code audit_run(const char *root, const struct audit_opts *o,
                  struct audit_result *res, struct wy_err *err)
{
    memset(res, 0, sizeof(*res));
    struct store *s = NULL;
    wy_code rc = store_open(&s, root, err);
    if (rc != WY_OK)
        return rc;
    struct list l = {NULL, 0, 0};
    rc = store_walk(s, collect, &l, err);
    store_close(s);
    struct state st;
    memset(&st, 0, sizeof(st));
    st.sample = o->sample > 0 && o->sample < 1 ? o->sample : 1;
    st.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (rc == WY_OK && o->resume && o->state_path &&
        load_state(o->state_path, &st)) {
        *res = st.totals;
        res->objects_this_run = res->bytes_this_run = 0;
        res->resumed = 1;
    }
    struct run r;
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.res = res;
    r.root = root;
    r.buf = wy_malloc(IOBUF);
    if (rc == WY_OK && !r.buf)
        rc = wy_err_set(err, WY_ENOMEM, "out of memory");
    /* the objects of this run */
    uint64_t threshold = (uint64_t)(st.sample * 1e6 + 0.5);
    size_t todo = 0;
    for (size_t i = 0; i < l.n; i++) {
        int in = fnv(st.seed, l.v[i]) % 1000000u < threshold;
        int done = st.last && strcmp(l.v[i], st.last) <= 0;
        if (!in || done) {
            free(l.v[i]);
            l.v[i] = NULL;
        } else
            todo++;
    }
    res->objects_total = l.n;
    double start = wy_now();
    wy_progress_begin(&r.prog, o->log, "objects", todo, 0);
    for (size_t i = 0; rc == WY_OK && i < l.n; i++) {
        if (!l.v[i])
            continue;
        r.problems = 0;
        r.files = r.bytes = 0;
        audit_object(&r, l.v[i]);
        res->objects++;
        res->objects_this_run++;
        res->files += r.files;
        res->bytes += r.bytes;
        res->bytes_this_run += r.bytes;
        wy_progress_update(&r.prog, res->objects_this_run, res->bytes);
        if (o->object_done) {
            struct audit_object ao = {r.id ? r.id : "", l.v[i], r.files,
                                      r.bytes, r.problems};
            rc = o->object_done(o->ctx, &ao, err);
        }
        if (o->state_path) {
            struct wy_err e2 = WY_ERR_INIT;
            wy_code src = save_state(o->state_path, &st, l.v[i], res, &e2);
            if (src != WY_OK && rc == WY_OK) {
                wy_err_move(err, &e2);
                rc = src;
            }
            wy_err_release(&e2);
        }
    }
    wy_progress_end(&r.prog);
    res->seconds = wy_now() - start;
    if (rc == WY_OK && o->state_path)
        unlink(o->state_path); /* complete: nothing to resume */
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i]);
    free(l.v);
    free(st.last);
    free(r.buf);
    free(r.idcopy);
    return rc;
}
