/* repository/archive.c: checked, streamed archive entries for ingest. */
#define _GNU_SOURCE 1 /* newlocale/uselocale */
#include "repository/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <iconv.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"

struct ingest_archive {
    struct archive *a;
    char *path;
    char *charset; /* given, or NULL */
    locale_t utf8; /* (locale_t)0 when C.UTF-8 is missing */
    struct wy_buf name;
    size_t index;
    const char *cur; /* current entry name, in name */
};

static locale_t enter(struct ingest_archive *a)
{
    return a->utf8 ? uselocale(a->utf8) : (locale_t)0;
}

static void leave(struct ingest_archive *a, locale_t old)
{
    if (a->utf8)
        uselocale(old);
}

static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k = c < 0x80                 ? 1
                   : c >= 0xc2 && c <= 0xdf ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        if (!k || n - i < k)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return 0;
        if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
            (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
            return 0;
        i += k;
    }
    return 1;
}

/* Converts n bytes from cs to UTF-8 into out; 0 when they do not convert. */
static int to_utf8(const char *s, size_t n, const char *cs, struct wy_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1)
        return 0;
    char *in = (char *)s;
    size_t left = n;
    int ok = 1;
    while (left && ok) {
        char *dst = wy_buf_reserve(out, 256);
        if (!dst) {
            ok = 0;
            break;
        }
        char *d = dst;
        size_t room = 256;
        size_t r = iconv(cd, &in, &left, &d, &room);
        wy_buf_commit(out, (size_t)(d - dst));
        if (r == (size_t)-1 && errno != E2BIG)
            ok = 0;
    }
    iconv_close(cd);
    return ok;
}

int ingest_name_utf8(const char *raw, const char *charset, struct wy_buf *out,
                     const char **used)
{
    size_t n = strlen(raw);
    *used = NULL;
    if (valid_utf8((const unsigned char *)raw, n)) {
        wy_buf_add(out, raw, n);
        return 1;
    }
    const char *cs = charset ? charset : "GB18030";
    size_t mark = out->len;
    if (!to_utf8(raw, n, cs, out) || out->error ||
        !valid_utf8((const unsigned char *)out->p + mark, out->len - mark))
        return 0;
    *used = cs;
    return 1;
}

static struct archive *new_reader(const char *charset)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_all(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_cpio(a);
    if (charset) {
        /* formats that do not know the option ignore it */
        (void)archive_read_set_format_option(a, "zip", "hdrcharset", charset);
        (void)archive_read_set_format_option(a, "tar", "hdrcharset", charset);
    }
    return a;
}

/* The signatures of what we read; a damaged archive still has them, while
   libarchive may refuse to even open it (a truncated gzip stream). */
static int has_signature(const char *path)
{
    unsigned char h[262];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t n = fread(h, 1, sizeof(h), fp);
    fclose(fp);
    static const struct {
        size_t off, len;
        const char *sig;
    } sigs[] = {
        {0, 4, "PK\3\4"},
        {0, 4, "PK\5\6"},   /* zip */
        {0, 2, "\x1f\x8b"}, /* gzip */
        {0, 3, "BZh"},      /* bzip2 */
        {0, 6,
         "\xfd"
         "7zXZ\0"},                   /* xz */
        {0, 4, "\x28\xb5\x2f\xfd"},   /* zstd */
        {0, 6, "7z\xbc\xaf\x27\x1c"}, /* 7-Zip */
        {257, 5, "ustar"},            /* tar */
    };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (n >= sigs[i].off + sigs[i].len &&
            !memcmp(h + sigs[i].off, sigs[i].sig, sigs[i].len))
            return 1;
    return 0;
}

int ingest_archive_probe(const char *path)
{
    if (has_signature(path))
        return 1;
    struct archive *a = new_reader(NULL);
    if (!a)
        return 0;
    struct archive_entry *e;
    int yes = archive_read_open_filename(a, path, 65536) == ARCHIVE_OK;
    if (yes) {
        int r = archive_read_next_header(a, &e);
        /* an empty archive is still an archive; so is a damaged one whose
           compression or format was recognized (the real read reports the
           damage) */
        yes = r == ARCHIVE_OK || r == ARCHIVE_WARN || archive_format(a) != 0 ||
              archive_filter_count(a) > 1;
    }
    archive_read_free(a);
    return yes;
}

wy_code ingest_archive_open(struct ingest_archive **out, const char *path,
                            const char *charset, struct wy_err *err)
{
    *out = NULL;
    struct ingest_archive *a = wy_calloc(1, sizeof(*a));
    if (!a || !(a->path = wy_strdup(path)) ||
        (charset && !(a->charset = wy_strdup(charset)))) {
        if (a)
            free(a->path);
        free(a);
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    wy_buf_init(&a->name, 64 * 1024);
    a->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (charset) {
        iconv_t cd = iconv_open("UTF-8", charset);
        if (cd == (iconv_t)-1) {
            ingest_archive_close(a);
            return wy_err_set(err, WY_EINVAL, "unknown file name charset '%s'",
                              charset);
        }
        iconv_close(cd);
    }
    locale_t old = enter(a);
    a->a = new_reader(charset);
    wy_code rc = WY_OK;
    if (!a->a)
        rc = wy_err_set(err, WY_ENOMEM, "out of memory");
    else if (archive_read_open_filename(a->a, path, 1u << 20) != ARCHIVE_OK)
        rc = wy_err_set(err, WY_EIO, "cannot open archive '%s': %s", path,
                        archive_error_string(a->a));
    leave(a, old);
    if (rc) {
        ingest_archive_close(a);
        return rc;
    }
    *out = a;
    return WY_OK;
}

void ingest_archive_close(struct ingest_archive *a)
{
    if (!a)
        return;
    if (a->a) {
        locale_t old = enter(a);
        archive_read_free(a->a);
        leave(a, old);
    }
    if (a->utf8)
        freelocale(a->utf8);
    wy_buf_release(&a->name);
    free(a->path);
    free(a->charset);
    free(a);
}

/* The entry's name as UTF-8 into a->name; the charset used into *cs. */
static wy_code entry_name(struct ingest_archive *a, struct archive_entry *e,
                          const char **cs, struct wy_err *err)
{
    wy_buf_reset(&a->name);
    *cs = NULL;
    const char *u = archive_entry_pathname_utf8(e);
    const char *raw = archive_entry_pathname(e);
    if (u && (!raw || valid_utf8((const unsigned char *)u, strlen(u)))) {
        if (a->charset && raw && strcmp(u, raw))
            *cs = a->charset;
        wy_buf_adds(&a->name, u);
        return wy_buf_status(&a->name, err);
    }
    if (!raw)
        return wy_err_set(err, WY_EFORMAT,
                          "archive '%s': entry %zu: name cannot be decoded%s%s",
                          a->path, a->index, a->charset ? " from " : "",
                          a->charset ? a->charset : "");
    size_t n = strlen(raw);
    if (valid_utf8((const unsigned char *)raw, n)) {
        wy_buf_add(&a->name, raw, n);
        return wy_buf_status(&a->name, err);
    }
    const char *try = a->charset ? a->charset : "GB18030";
    if (!to_utf8(raw, n, try, &a->name) || a->name.error)
        return wy_err_set(err, WY_EFORMAT,
                          "archive '%s': entry %zu: name is neither UTF-8 "
                          "nor %s: name its charset with --filename-charset",
                          a->path, a->index, try);
    *cs = try;
    return WY_OK;
}

wy_code ingest_archive_next(struct ingest_archive *a,
                            struct ingest_archive_entry *out,
                            struct wy_err *err)
{
    memset(out, 0, sizeof(*out));
    locale_t old = enter(a);
    wy_code rc = WY_OK;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a->a, &e);
        if (r == ARCHIVE_EOF) {
            rc = WY_EOF;
            break;
        }
        a->index++;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = wy_err_set(err, WY_EIO, "archive '%s': entry %zu: %s", a->path,
                            a->index, archive_error_string(a->a));
            break;
        }
        const char *cs;
        if ((rc = entry_name(a, e, &cs, err)))
            break;
        /* "./x" and "x/" name the same things as "x" */
        char *nm = a->name.p ? a->name.p : "";
        while (nm[0] == '.' && nm[1] == '/')
            nm += 2;
        size_t len = strlen(nm);
        while (len && nm[len - 1] == '/')
            nm[--len] = '\0';
        if (!len || (len == 1 && nm[0] == '.'))
            continue; /* the archive's root folder itself */
        const char *why = wy_path_unsafe(nm);
        if (why) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "archive '%s': entry %zu '%s': %s: refused",
                            a->path, a->index, nm, why);
            break;
        }
        mode_t type = archive_entry_filetype(e);
        if (archive_entry_hardlink(e)) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "archive '%s': entry %zu '%s' is a hard link to "
                            "'%s': links are refused",
                            a->path, a->index, nm, archive_entry_hardlink(e));
            break;
        }
        if (type == AE_IFLNK) {
            const char *t = archive_entry_symlink(e);
            rc = wy_err_set(err, WY_EFORMAT,
                            "archive '%s': entry %zu '%s' is a symbolic link "
                            "to '%s': links are refused",
                            a->path, a->index, nm, t ? t : "?");
            break;
        }
        if (type != AE_IFREG && type != AE_IFDIR) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "archive '%s': entry %zu '%s' is a special file: "
                            "refused",
                            a->path, a->index, nm);
            break;
        }
        out->name = nm;
        out->is_dir = type == AE_IFDIR;
        out->size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
        out->index = a->index;
        out->charset = cs;
        a->cur = nm;
        break;
    }
    leave(a, old);
    return rc;
}

wy_code ingest_archive_read(struct ingest_archive *a, void *buf, size_t cap,
                            size_t *got, struct wy_err *err)
{
    *got = 0;
    locale_t old = enter(a);
    la_ssize_t r = archive_read_data(a->a, buf, cap);
    wy_code rc = WY_OK;
    if (r < 0)
        rc = wy_err_set(err, WY_EIO, "archive '%s': entry %zu '%s': %s",
                        a->path, a->index, a->cur ? a->cur : "",
                        archive_error_string(a->a));
    else
        *got = (size_t)r;
    leave(a, old);
    return rc;
}
