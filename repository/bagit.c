/* repository/bagit.c: BagIt (RFC 8493) parsing and verification. */
#include "repository/bagit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/path.h"
#include "repository/store.h"
#include "repository/walk.h"

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")
#define TAG_FILE_MAX (64u << 20) /* a manifest of millions of lines */
#define MAX_PROBLEMS 50

static const struct {
    const char *name;
    size_t hexlen;
} algs[BAG_NALG] = {
    [BAG_MD5] = {"md5", 32},
    [BAG_SHA1] = {"sha1", 40},
    [BAG_SHA256] = {"sha256", 64},
    [BAG_SHA512] = {"sha512", 128},
};

int bag_alg_from_name(const char *name, size_t n)
{
    for (int i = 0; i < BAG_NALG; i++)
        if (strlen(algs[i].name) == n && !strncasecmp(algs[i].name, name, n))
            return i;
    return -1;
}

const char *bag_alg_name(enum bag_alg a)
{
    return algs[a].name;
}

static const EVP_MD *alg_md(int a)
{
    switch (a) {
    case BAG_MD5:
        return EVP_md5();
    case BAG_SHA1:
        return EVP_sha1();
    case BAG_SHA256:
        return EVP_sha256();
    default:
        return EVP_sha512();
    }
}

/* ---- decoding --------------------------------------------------------- */

/* Offset of the first invalid UTF-8 byte, or n. */
static size_t utf8_check(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k;
        unsigned cp, min;
        if (c < 0x80) {
            if (c == 0)
                return i;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return i;
        }
        if (n - i < k)
            return i;
        for (size_t j = 1; j < k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += k;
    }
    return n;
}

static int is_utf8_name(const char *e)
{
    return !strcasecmp(e, "UTF-8") || !strcasecmp(e, "UTF8");
}

static wy_code convert(const char *name, const unsigned char *p, size_t n,
                       const char *from, struct wy_buf *out, struct wy_err *err)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return wy_err_set(err, WY_EFORMAT,
                          "%s: unknown character encoding '%s'", name, from);
    char *in = (char *)p;
    size_t left = n;
    wy_code rc = WY_OK;
    while (left) {
        char *dst = wy_buf_reserve(out, 4096);
        if (!dst) {
            rc = wy_buf_status(out, err);
            break;
        }
        size_t room = 4096;
        char *d = dst;
        size_t r = iconv(cd, &in, &left, &d, &room);
        wy_buf_commit(out, (size_t)(d - dst));
        if (r == (size_t)-1 && errno != E2BIG) {
            rc =
                wy_err_set(err, WY_EFORMAT, "%s: byte %zu is not valid %s",
                           name, (size_t)((const unsigned char *)in - p), from);
            break;
        }
    }
    iconv_close(cd);
    if (rc == WY_OK && memchr(wy_buf_cstr(out), 0, out->len))
        rc = wy_err_set(err, WY_EFORMAT, "%s: contains a NUL character", name);
    return rc;
}

wy_code bag_decode(const char *name, const unsigned char *p, size_t n,
                   const char *encoding, struct wy_buf *out, struct wy_err *err)
{
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        p += 3;
        n -= 3;
        encoding = NULL;
    } else if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) {
        return convert(name, p + 2, n - 2, "UTF-16LE", out, err);
    } else if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
        return convert(name, p + 2, n - 2, "UTF-16BE", out, err);
    }
    if (encoding && !is_utf8_name(encoding))
        return convert(name, p, n, encoding, out, err);
    size_t bad = utf8_check(p, n);
    if (bad < n)
        return wy_err_set(err, WY_EFORMAT, "%s: byte %zu is not valid UTF-8%s",
                          name, bad, p[bad] ? "" : " (a NUL byte)");
    wy_buf_add(out, p, n);
    return wy_buf_status(out, err);
}

/* ---- lines ------------------------------------------------------------ */

/* Next line of p[*pos..n): start and length without the terminator (CR,
   LF or CRLF). 0 at the end. */
static int next_line(const char *p, size_t n, size_t *pos, const char **ls,
                     size_t *ll)
{
    if (*pos >= n)
        return 0;
    size_t i = *pos;
    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    *ls = p + *pos;
    *ll = i - *pos;
    if (i < n && p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
        i += 2;
    else if (i < n)
        i++;
    *pos = i;
    return 1;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 8493 2.1.3: only CR, LF and % are percent-encoded in paths. */
static void decode_path(const char *s, size_t n, struct wy_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
            int v = a >= 0 && b >= 0 ? a * 16 + b : -1;
            if (v == 0x0d || v == 0x0a || v == 0x25) {
                wy_buf_addc(out, (char)v);
                i += 2;
                continue;
            }
        }
        wy_buf_addc(out, s[i]);
    }
}

static const char *path_problem(const char *path)
{
    const char *why = wy_path_unsafe(path);
    if (why)
        return why;
    if (path[0] == '~')
        return "path starts with '~'";
    return NULL;
}

wy_code bag_parse_manifest(const char *name, const char *p, size_t n, int alg,
                           bag_manifest_fn fn, void *ctx, struct wy_err *err)
{
    size_t pos = 0, line = 0, ll;
    const char *ls;
    struct wy_buf dig = WY_BUF_INIT(1024), path = WY_BUF_INIT(64 * 1024);
    wy_code rc = WY_OK;
    while (rc == WY_OK && next_line(p, n, &pos, &ls, &ll)) {
        line++;
        if (is_blank(ls, ll))
            continue;
        size_t i = 0;
        while (i < ll && ls[i] != ' ' && ls[i] != '\t')
            i++;
        size_t dl = i;
        while (i < ll && (ls[i] == ' ' || ls[i] == '\t'))
            i++;
        if (!dl || i == dl || i >= ll) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "%s: line %zu: not 'CHECKSUM PATH'", name, line);
            break;
        }
        size_t want = alg >= 0 ? algs[alg].hexlen : 0;
        if ((want && dl != want) || (!want && (dl % 2 || dl > 256))) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "%s: line %zu: checksum has %zu characters, "
                            "expected %zu",
                            name, line, dl, want);
            break;
        }
        wy_buf_reset(&dig);
        for (size_t k = 0; k < dl; k++) {
            int v = hexval(ls[k]);
            if (v < 0) {
                rc = wy_err_set(err, WY_EFORMAT,
                                "%s: line %zu: checksum is not hexadecimal",
                                name, line);
                break;
            }
            wy_buf_addc(&dig, "0123456789abcdef"[v]);
        }
        if (rc)
            break;
        wy_buf_reset(&path);
        decode_path(ls + i, ll - i, &path);
        if ((rc = wy_buf_status(&path, err)))
            break;
        const char *why =
            memchr(path.p, 0, path.len) ? "NUL in path" : path_problem(path.p);
        if (why) {
            rc = wy_err_set(err, WY_EFORMAT, "%s: line %zu: path '%s': %s",
                            name, line, path.p, why);
            break;
        }
        rc = fn(ctx, wy_buf_cstr(&dig), path.p, line, err);
    }
    wy_buf_release(&dig);
    wy_buf_release(&path);
    return rc;
}

wy_code bag_parse_tags(const char *name, const char *p, size_t n, bag_tag_fn fn,
                       void *ctx, struct wy_err *err)
{
    size_t pos = 0, line = 0, ll, tag_line = 0;
    const char *ls;
    struct wy_buf label = WY_BUF_INIT(4096), value = WY_BUF_INIT(1u << 20);
    int have = 0;
    wy_code rc = WY_OK;
    while (rc == WY_OK && next_line(p, n, &pos, &ls, &ll)) {
        line++;
        if (ll && (ls[0] == ' ' || ls[0] == '\t')) {
            if (!have) {
                if (is_blank(ls, ll))
                    continue;
                rc = wy_err_set(err, WY_EFORMAT,
                                "%s: line %zu: continuation line without a "
                                "tag",
                                name, line);
                break;
            }
            size_t i = 0;
            while (i < ll && (ls[i] == ' ' || ls[i] == '\t'))
                i++;
            if (i < ll) {
                wy_buf_addc(&value, ' ');
                wy_buf_add(&value, ls + i, ll - i);
            }
            continue;
        }
        if (have) {
            if (!(rc = wy_buf_status(&value, err)) &&
                !(rc = wy_buf_status(&label, err)))
                rc = fn(ctx, label.p, wy_buf_cstr(&value), tag_line, err);
            have = 0;
            if (rc)
                break;
        }
        if (!ll)
            continue;
        const char *colon = memchr(ls, ':', ll);
        if (!colon) {
            rc = wy_err_set(err, WY_EFORMAT, "%s: line %zu: no ':' in tag",
                            name, line);
            break;
        }
        size_t lab = (size_t)(colon - ls);
        while (lab && (ls[lab - 1] == ' ' || ls[lab - 1] == '\t'))
            lab--;
        if (!lab) {
            rc = wy_err_set(err, WY_EFORMAT, "%s: line %zu: empty tag label",
                            name, line);
            break;
        }
        wy_buf_reset(&label);
        wy_buf_add(&label, ls, lab);
        const char *v = colon + 1, *end = ls + ll;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        wy_buf_reset(&value);
        wy_buf_add(&value, v, (size_t)(end - v));
        have = 1;
        tag_line = line;
    }
    if (rc == WY_OK && have) {
        if (!(rc = wy_buf_status(&value, err)) &&
            !(rc = wy_buf_status(&label, err)))
            rc = fn(ctx, label.p, wy_buf_cstr(&value), tag_line, err);
    }
    wy_buf_release(&label);
    wy_buf_release(&value);
    return rc;
}

/* ---- the bag ---------------------------------------------------------- */

struct kv {
    char *label, *value;
};

struct ent { /* one manifest line, before grouping */
    char *path, *digest;
    int alg;
    size_t line;
};

struct bag {
    char *dir;
    char *version, *encoding;
    struct kv *info;
    size_t ninfo;
    struct bag_file *files;
    size_t nfiles;
    uint64_t bytes;
    /* while verifying */
    struct ent *ents;
    size_t nents, capents;
    int cur_alg;
    struct wy_buf problems;
    size_t nproblems;
    int only_fixity;
    unsigned char *seen;
    struct wy_log *log;
    struct wy_progress pr;
    uint64_t walked_files, walked_bytes;
};

static void problem(struct bag *b, int fixity, const char *fmt, ...)
    WY_PRINTF(3, 4);
static void problem(struct bag *b, int fixity, const char *fmt, ...)
{
    if (!fixity)
        b->only_fixity = 0;
    if (b->nproblems++ >= MAX_PROBLEMS)
        return;
    if (b->problems.len)
        wy_buf_adds(&b->problems, "; ");
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b->problems, fmt, ap);
    va_end(ap);
}

void bag_free(struct bag *b)
{
    if (!b)
        return;
    free(b->dir);
    free(b->version);
    free(b->encoding);
    for (size_t i = 0; i < b->ninfo; i++) {
        free(b->info[i].label);
        free(b->info[i].value);
    }
    free(b->info);
    for (size_t i = 0; i < b->nfiles; i++) {
        free(b->files[i].path);
        free(b->files[i].fs_path);
        for (int a = 0; a < BAG_NALG; a++)
            free(b->files[i].digest[a]);
    }
    free(b->files);
    for (size_t i = 0; i < b->nents; i++) {
        free(b->ents[i].path);
        free(b->ents[i].digest);
    }
    free(b->ents);
    free(b->seen);
    wy_buf_release(&b->problems);
    free(b);
}

int bag_is_bag(const char *dir)
{
    struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_path_join(&p, dir, "bagit.txt");
    int yes = !p.error && wy_is_file(p.p);
    wy_buf_release(&p);
    return yes;
}

const char *bag_info(const struct bag *b, const char *label)
{
    for (size_t i = 0; i < b->ninfo; i++)
        if (!strcasecmp(b->info[i].label, label))
            return b->info[i].value;
    return NULL;
}

size_t bag_nfiles(const struct bag *b)
{
    return b->nfiles;
}

const struct bag_file *bag_file(const struct bag *b, size_t i)
{
    return i < b->nfiles ? &b->files[i] : NULL;
}

uint64_t bag_bytes(const struct bag *b)
{
    return b->bytes;
}

/* Reads and decodes a tag file; WY_ENOTFOUND when absent. */
static wy_code read_tag_file(struct bag *b, const char *name,
                             const char *encoding, struct wy_buf *out,
                             struct wy_err *err)
{
    struct wy_buf path = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf raw = WY_BUF_INIT(TAG_FILE_MAX);
    wy_path_join(&path, b->dir, name);
    wy_code rc = wy_buf_status(&path, err);
    if (rc == WY_OK && !wy_is_file(path.p))
        rc = WY_ENOTFOUND;
    if (rc == WY_OK)
        rc = wy_file_read(path.p, &raw, err);
    if (rc == WY_OK)
        rc = bag_decode(name, (const unsigned char *)wy_buf_cstr(&raw), raw.len,
                        encoding, out, err);
    wy_buf_release(&path);
    wy_buf_release(&raw);
    return rc;
}

struct decl {
    char *version, *encoding;
};

static wy_code on_decl(void *ctx, const char *label, const char *value,
                       size_t line, struct wy_err *err)
{
    struct decl *d = ctx;
    char **slot = !strcmp(label, "BagIt-Version")                 ? &d->version
                  : !strcmp(label, "Tag-File-Character-Encoding") ? &d->encoding
                                                                  : NULL;
    if (!slot)
        return wy_err_set(err, WY_EFORMAT,
                          "bagit.txt: line %zu: unexpected tag '%s'", line,
                          label);
    if (*slot)
        return wy_err_set(err, WY_EFORMAT,
                          "bagit.txt: line %zu: '%s' given twice", line, label);
    *slot = wy_strdup(value);
    return *slot ? WY_OK : NOMEM();
}

static wy_code on_info(void *ctx, const char *label, const char *value,
                       size_t line, struct wy_err *err)
{
    (void)line;
    struct bag *b = ctx;
    struct kv *n = wy_realloc(b->info, (b->ninfo + 1) * sizeof(*n));
    if (!n)
        return NOMEM();
    b->info = n;
    n[b->ninfo].label = wy_strdup(label);
    n[b->ninfo].value = wy_strdup(value);
    b->ninfo++;
    if (!n[b->ninfo - 1].label || !n[b->ninfo - 1].value)
        return NOMEM();
    return WY_OK;
}

static wy_code on_manifest(void *ctx, const char *digest, const char *path,
                           size_t line, struct wy_err *err)
{
    struct bag *b = ctx;
    if (b->nents == b->capents) {
        size_t nc = b->capents ? 2 * b->capents : 64;
        struct ent *n = wy_realloc(b->ents, nc * sizeof(*n));
        if (!n)
            return NOMEM();
        b->ents = n;
        b->capents = nc;
    }
    struct ent *e = &b->ents[b->nents];
    wy_code rc = store_path_nfc(path, &e->path, err);
    if (rc) {
        e->path = NULL;
        return rc;
    }
    e->digest = wy_strdup(digest);
    e->alg = b->cur_alg;
    e->line = line;
    b->nents++;
    if (!e->digest)
        return NOMEM();
    return WY_OK;
}

static int ent_cmp(const void *x, const void *y)
{
    const struct ent *a = x, *b = y;
    int c = strcmp(a->path, b->path);
    if (c)
        return c;
    if (a->alg != b->alg)
        return a->alg - b->alg;
    return (a->line > b->line) - (a->line < b->line);
}

static int file_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct bag_file *)elem)->path);
}

/* Hashes a file with the algorithms in mask; hex digests into hex[]. */
static wy_code hash_file(const char *path, unsigned mask,
                         char hex[BAG_NALG][129], uint64_t *size,
                         struct wy_progress *pr, uint64_t *bytes_done,
                         uint64_t files_done, struct wy_err *err)
{
    EVP_MD_CTX *ctx[BAG_NALG] = {0};
    wy_code rc = WY_OK;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return wy_err_set(err, WY_EIO, "cannot open '%s': %s", path,
                          strerror(errno));
    for (int a = 0; a < BAG_NALG; a++) {
        if (!(mask & (1u << a)))
            continue;
        if (!(ctx[a] = EVP_MD_CTX_new()) ||
            EVP_DigestInit_ex(ctx[a], alg_md(a), NULL) != 1) {
            rc = wy_err_set(err, WY_EIO, "cannot set up %s", algs[a].name);
            goto out;
        }
    }
    size_t cap = 1u << 20;
    unsigned char *buf = wy_malloc(cap);
    if (!buf) {
        rc = NOMEM();
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = wy_err_set(err, WY_EIO, "cannot read '%s': %s", path,
                            strerror(errno));
            break;
        }
        if (r == 0)
            break;
        for (int a = 0; a < BAG_NALG; a++)
            if (ctx[a] && EVP_DigestUpdate(ctx[a], buf, (size_t)r) != 1)
                rc = wy_err_set(err, WY_EIO, "cannot hash '%s'", path);
        if (rc)
            break;
        *size += (uint64_t)r;
        *bytes_done += (uint64_t)r;
        wy_progress_update(pr, files_done, *bytes_done);
    }
    free(buf);
    for (int a = 0; rc == WY_OK && a < BAG_NALG; a++) {
        if (!ctx[a])
            continue;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (EVP_DigestFinal_ex(ctx[a], md, &len) != 1) {
            rc = wy_err_set(err, WY_EIO, "cannot hash '%s'", path);
            break;
        }
        for (unsigned i = 0; i < len; i++) {
            hex[a][2 * i] = "0123456789abcdef"[md[i] >> 4];
            hex[a][2 * i + 1] = "0123456789abcdef"[md[i] & 15];
        }
        hex[a][2 * len] = '\0';
    }
out:
    for (int a = 0; a < BAG_NALG; a++)
        EVP_MD_CTX_free(ctx[a]);
    close(fd);
    return rc;
}

static wy_code on_payload(void *ctx, const struct ingest_walk_entry *e,
                          struct wy_err *err)
{
    struct bag *b = ctx;
    struct wy_buf rel = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char *nfc = NULL;
    wy_code rc = store_path_nfc(e->rel, &nfc, err);
    if (rc)
        return rc;
    wy_buf_adds(&rel, "data/");
    wy_buf_adds(&rel, nfc);
    free(nfc);
    rc = wy_buf_status(&rel, err);
    if (rc)
        return rc;
    b->walked_files++;
    struct bag_file *f = b->nfiles ? bsearch(rel.p, b->files, b->nfiles,
                                             sizeof(*b->files), file_cmp)
                                   : NULL;
    if (!f) {
        problem(b, 0, "%s: not listed in the payload manifests", rel.p);
        b->walked_bytes += (uint64_t)e->st->st_size;
        wy_buf_release(&rel);
        return WY_OK;
    }
    size_t idx = (size_t)(f - b->files);
    if (b->seen[idx]) {
        problem(b, 0,
                "%s: two files with this name in different Unicode "
                "normalizations",
                rel.p);
        wy_buf_release(&rel);
        return WY_OK;
    }
    b->seen[idx] = 1;
    if (!(f->fs_path = wy_strdup(e->path))) {
        wy_buf_release(&rel);
        return NOMEM();
    }
    unsigned mask = 0;
    for (int a = 0; a < BAG_NALG; a++)
        if (f->digest[a])
            mask |= 1u << a;
    char hex[BAG_NALG][129];
    uint64_t size;
    rc = hash_file(e->path, mask, hex, &size, &b->pr, &b->walked_bytes,
                   b->walked_files, err);
    if (rc == WY_OK) {
        f->size = size;
        for (int a = 0; a < BAG_NALG; a++)
            if (f->digest[a] && strcmp(f->digest[a], hex[a]))
                problem(b, 1,
                        "%s: %s checksum mismatch (manifest %s, file "
                        "%s)",
                        rel.p, algs[a].name, f->digest[a], hex[a]);
    }
    wy_buf_release(&rel);
    return rc;
}

/* Groups the payload manifest lines by path into b->files. */
static wy_code group_payload(struct bag *b, unsigned algs_present,
                             struct wy_err *err)
{
    if (b->nents)
        qsort(b->ents, b->nents, sizeof(*b->ents), ent_cmp);
    b->files = wy_calloc(b->nents ? b->nents : 1, sizeof(*b->files));
    if (!b->files)
        return NOMEM();
    for (size_t i = 0; i < b->nents; i++) {
        struct ent *e = &b->ents[i];
        if (i && !strcmp(e->path, b->ents[i - 1].path) &&
            e->alg == b->ents[i - 1].alg) {
            problem(b, 0,
                    "%s: listed twice in manifest-%s.txt (lines %zu "
                    "and %zu)",
                    e->path, algs[e->alg].name, b->ents[i - 1].line, e->line);
            continue;
        }
        if (strncmp(e->path, "data/", 5)) {
            problem(b, 0,
                    "%s: payload manifest-%s.txt line %zu lists a path "
                    "outside data/",
                    e->path, algs[e->alg].name, e->line);
            continue;
        }
        struct bag_file *f = b->nfiles ? &b->files[b->nfiles - 1] : NULL;
        if (!f || strcmp(f->path, e->path)) {
            f = &b->files[b->nfiles++];
            if (!(f->path = wy_strdup(e->path)))
                return NOMEM();
        }
        f->digest[e->alg] = e->digest;
        e->digest = NULL;
    }
    for (size_t i = 0; i < b->nfiles; i++)
        for (int a = 0; a < BAG_NALG; a++)
            if ((algs_present & (1u << a)) && !b->files[i].digest[a])
                problem(b, 0, "%s: not listed in manifest-%s.txt",
                        b->files[i].path, algs[a].name);
    for (size_t i = 0; i < b->nents; i++) {
        free(b->ents[i].path);
        free(b->ents[i].digest);
    }
    b->nents = 0;
    return WY_OK;
}

static wy_code check_tag_manifest(struct bag *b, struct wy_err *err)
{
    for (size_t i = 0; i < b->nents; i++) {
        struct ent *e = &b->ents[i];
        if (!strncmp(e->path, "data/", 5)) {
            problem(b, 0,
                    "tagmanifest-%s.txt line %zu lists payload file "
                    "'%s'",
                    algs[e->alg].name, e->line, e->path);
            continue;
        }
        struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_path_join(&p, b->dir, e->path);
        wy_code rc = wy_buf_status(&p, err);
        if (rc)
            return rc;
        if (!wy_is_file(p.p)) {
            problem(b, 0, "%s: listed in tagmanifest-%s.txt but missing",
                    e->path, algs[e->alg].name);
            wy_buf_release(&p);
            continue;
        }
        char hex[BAG_NALG][129];
        uint64_t size, done = 0;
        rc = hash_file(p.p, 1u << e->alg, hex, &size, &b->pr, &done, 0, err);
        wy_buf_release(&p);
        if (rc)
            return rc;
        if (strcmp(hex[e->alg], e->digest))
            problem(b, 1, "%s: %s checksum mismatch (tagmanifest %s, file %s)",
                    e->path, algs[e->alg].name, e->digest, hex[e->alg]);
    }
    return WY_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted manifest-*.txt (tag 0) or tagmanifest-*.txt (tag 1) names. */
static wy_code list_manifests(const char *dir, int tag, char ***out, size_t *n,
                              struct wy_err *err)
{
    const char *pre = tag ? "tagmanifest-" : "manifest-";
    size_t pl = strlen(pre);
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", dir,
                          strerror(errno));
    struct dirent *de;
    wy_code rc = WY_OK;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l <= pl + 4 || strncmp(de->d_name, pre, pl) ||
            strcmp(de->d_name + l - 4, ".txt"))
            continue;
        char **nv = wy_realloc(*out, (*n + 1) * sizeof(*nv));
        if (!nv || !(nv[*n] = wy_strdup(de->d_name))) {
            if (nv)
                *out = nv;
            rc = NOMEM();
            break;
        }
        *out = nv;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof(**out), cmp_names);
    return rc;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Parses every manifest of one kind into b->ents; returns the algorithm
   mask found. */
static wy_code read_manifests(struct bag *b, int tag, unsigned *mask,
                              struct wy_err *err)
{
    char **names = NULL;
    size_t n = 0;
    *mask = 0;
    wy_code rc = list_manifests(b->dir, tag, &names, &n, err);
    size_t pl = tag ? strlen("tagmanifest-") : strlen("manifest-");
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        const char *an = names[i] + pl;
        int a = bag_alg_from_name(an, strlen(an) - 4);
        if (a < 0) {
            wy_warn(b->log,
                    "%s/%s: checksum algorithm not supported: not "
                    "verified",
                    b->dir, names[i]);
            continue;
        }
        struct wy_buf text = WY_BUF_INIT(WY_BUF_NOLIMIT);
        rc = read_tag_file(b, names[i], b->encoding, &text, err);
        b->cur_alg = a;
        if (rc == WY_OK)
            rc = bag_parse_manifest(names[i], wy_buf_cstr(&text), text.len, a,
                                    on_manifest, b, err);
        wy_buf_release(&text);
        if (rc == WY_EFORMAT) {
            problem(b, 0, "%s", wy_err_msg(err));
            wy_err_release(err);
            rc = WY_OK;
        }
        *mask |= 1u << a;
    }
    free_list(names, n);
    return rc;
}

static wy_code check_oxum(struct bag *b)
{
    const char *ox = bag_info(b, "Payload-Oxum");
    if (!ox)
        return WY_OK;
    char *end;
    errno = 0;
    unsigned long long octets = strtoull(ox, &end, 10);
    if (end == ox || *end != '.' || errno) {
        problem(b, 0,
                "bag-info.txt: Payload-Oxum '%s' is not "
                "'OCTETS.COUNT'",
                ox);
        return WY_OK;
    }
    const char *c = end + 1;
    unsigned long long count = strtoull(c, &end, 10);
    if (end == c || *end || errno) {
        problem(b, 0,
                "bag-info.txt: Payload-Oxum '%s' is not "
                "'OCTETS.COUNT'",
                ox);
        return WY_OK;
    }
    if (octets != b->walked_bytes || count != b->walked_files)
        problem(b, 1,
                "Payload-Oxum %s disagrees with the payload: %llu "
                "bytes in %llu files",
                ox, (unsigned long long)b->walked_bytes,
                (unsigned long long)b->walked_files);
    return WY_OK;
}

static wy_code verify(struct bag *b, struct wy_err *err)
{
    /* bagit.txt: the declaration, always UTF-8 */
    struct wy_buf text = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct decl d = {0};
    wy_code rc = read_tag_file(b, "bagit.txt", NULL, &text, err);
    if (rc == WY_ENOTFOUND)
        rc = wy_err_set(err, WY_EFORMAT, "no bagit.txt");
    if (rc == WY_OK)
        rc = bag_parse_tags("bagit.txt", wy_buf_cstr(&text), text.len, on_decl,
                            &d, err);
    wy_buf_release(&text);
    if (rc == WY_OK && (!d.version || !d.encoding))
        rc = wy_err_set(err, WY_EFORMAT, "bagit.txt: missing '%s'",
                        !d.version ? "BagIt-Version"
                                   : "Tag-File-Character-Encoding");
    b->version = d.version;
    b->encoding = d.encoding;
    if (rc)
        return rc;
    /* bag-info.txt (optional) */
    wy_buf_init(&text, WY_BUF_NOLIMIT);
    rc = read_tag_file(b, "bag-info.txt", b->encoding, &text, err);
    if (rc == WY_OK)
        rc = bag_parse_tags("bag-info.txt", wy_buf_cstr(&text), text.len,
                            on_info, b, err);
    else if (rc == WY_ENOTFOUND)
        rc = WY_OK;
    wy_buf_release(&text);
    if (rc == WY_EFORMAT) {
        problem(b, 0, "%s", wy_err_msg(err));
        wy_err_release(err);
        rc = WY_OK;
    }
    if (rc)
        return rc;
    /* fetch.txt: a bag whose payload is elsewhere is not complete */
    wy_buf_init(&text, WY_BUF_NOLIMIT);
    rc = read_tag_file(b, "fetch.txt", b->encoding, &text, err);
    if (rc == WY_OK && !is_blank(wy_buf_cstr(&text), text.len) &&
        strspn(wy_buf_cstr(&text), " \t\r\n") != text.len)
        problem(b, 0, "fetch.txt lists payload to download: not supported");
    if (rc == WY_ENOTFOUND || rc == WY_EFORMAT) {
        wy_err_release(err);
        rc = WY_OK;
    }
    wy_buf_release(&text);
    if (rc)
        return rc;
    /* payload manifests */
    unsigned mask;
    if ((rc = read_manifests(b, 0, &mask, err)))
        return rc;
    if (!mask)
        problem(b, 0,
                "no payload manifest with a supported algorithm "
                "(md5, sha1, sha256, sha512)");
    if ((rc = group_payload(b, mask, err)))
        return rc;
    b->seen = wy_calloc(b->nfiles ? b->nfiles : 1, 1);
    if (!b->seen)
        return NOMEM();
    /* the payload itself */
    struct wy_buf data = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_path_join(&data, b->dir, "data");
    if ((rc = wy_buf_status(&data, err)))
        return rc;
    wy_progress_begin(&b->pr, b->log, "files", b->nfiles, 0);
    if (!wy_is_dir(data.p)) {
        problem(b, 0, "no data/ folder");
    } else {
        rc = ingest_walk(data.p, on_payload, b, err);
        if (rc == WY_EFORMAT) {
            /* a link or special file in the payload */
            problem(b, 0, "%s", wy_err_msg(err));
            wy_err_release(err);
            rc = WY_OK;
        }
    }
    wy_progress_end(&b->pr);
    wy_buf_release(&data);
    if (rc)
        return rc;
    for (size_t i = 0; i < b->nfiles; i++) {
        if (!b->seen[i])
            problem(b, 0, "%s: listed in the manifest but missing",
                    b->files[i].path);
        b->bytes += b->files[i].size;
    }
    check_oxum(b);
    /* tag manifests */
    if ((rc = read_manifests(b, 1, &mask, err)))
        return rc;
    if (b->nents)
        qsort(b->ents, b->nents, sizeof(*b->ents), ent_cmp);
    for (size_t i = 1; i < b->nents; i++)
        if (!strcmp(b->ents[i].path, b->ents[i - 1].path) &&
            b->ents[i].alg == b->ents[i - 1].alg)
            problem(b, 0, "%s: listed twice in tagmanifest-%s.txt",
                    b->ents[i].path, algs[b->ents[i].alg].name);
    return check_tag_manifest(b, err);
}

wy_code bag_open(struct bag **out, const char *dir, struct wy_log *log,
                 struct wy_err *err)
{
    *out = NULL;
    struct bag *b = wy_calloc(1, sizeof(*b));
    if (!b || !(b->dir = wy_strdup(dir))) {
        free(b);
        return NOMEM();
    }
    wy_buf_init(&b->problems, 1u << 20);
    b->only_fixity = 1;
    b->log = log;
    wy_code rc = verify(b, err);
    if (rc == WY_OK && b->nproblems) {
        rc = wy_err_set(err, b->only_fixity ? WY_EFIXITY : WY_EFORMAT,
                        "%zu problem%s: %s%s", b->nproblems,
                        b->nproblems == 1 ? "" : "s", wy_buf_cstr(&b->problems),
                        b->nproblems > MAX_PROBLEMS ? "; ..." : "");
    }
    if (rc) {
        bag_free(b);
        return wy_err_prefix(err, "bag '%s' is invalid", dir);
    }
    for (size_t i = 0; i < b->nents; i++) {
        free(b->ents[i].path);
        free(b->ents[i].digest);
    }
    free(b->ents);
    b->ents = NULL;
    b->nents = b->capents = 0;
    *out = b;
    return WY_OK;
}
