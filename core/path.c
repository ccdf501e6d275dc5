/* core/path.c: paths and whole-file writes. */
#define _GNU_SOURCE
#include "core/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void wy_path_join(struct wy_buf *out, const char *a, const char *b)
{
    size_t n = strlen(a);
    wy_buf_add(out, a, n);
    if (n && a[n - 1] != '/')
        wy_buf_addc(out, '/');
    while (*b == '/')
        b++;
    wy_buf_adds(out, b);
}

int wy_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int wy_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

wy_code wy_mkdirs(const char *path, struct wy_err *err)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_adds(&b, path);
    if (wy_buf_status(&b, err) != WY_OK)
        return err->code;
    char *p = b.p;
    wy_code rc = WY_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                rc = wy_err_set(err, WY_EIO, "cannot create directory '%s': %s",
                                p, strerror(errno));
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (rc == WY_OK && !wy_is_dir(p))
        rc = wy_err_set(err, WY_EIO, "'%s' exists and is not a directory", p);
    wy_buf_release(&b);
    return rc;
}

wy_code wy_file_read(const char *path, struct wy_buf *out, struct wy_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wy_err_set(err, errno == ENOENT ? WY_ENOTFOUND : WY_EIO,
                          "cannot open '%s': %s", path, strerror(errno));
    wy_code rc = WY_OK;
    for (;;) {
        char *d = wy_buf_reserve(out, 65536);
        if (!d) {
            /* near the limit: try a smaller read before giving up */
            d = wy_buf_reserve(out, 1);
            if (!d) {
                rc = wy_buf_status(out, err);
                wy_err_prefix(err, "%s", path);
                break;
            }
            char c;
            ssize_t r = read(fd, &c, 1);
            if (r == 0)
                break;
            rc = wy_err_set(err, WY_ETOOBIG, "'%s' is larger than %zu bytes",
                            path, out->limit);
            break;
        }
        ssize_t r = read(fd, d, 65536);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = wy_err_set(err, WY_EIO, "cannot read '%s': %s", path,
                            strerror(errno));
            break;
        }
        if (r == 0)
            break;
        wy_buf_commit(out, (size_t)r);
    }
    close(fd);
    return rc;
}

static wy_code write_all(int fd, const char *path, const void *p, size_t n,
                         struct wy_err *err)
{
    const char *s = p;
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return wy_err_set(err, WY_EIO, "cannot write '%s': %s", path,
                              strerror(errno));
        }
        s += w;
        n -= (size_t)w;
    }
    return WY_OK;
}

wy_code wy_fsync_dir(const char *dir, struct wy_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", dir,
                          strerror(errno));
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r != 0 && e != EINVAL)
        return wy_err_set(err, WY_EIO, "cannot sync directory '%s': %s", dir,
                          strerror(e));
    return WY_OK;
}

wy_code wy_fsync_dir_of(const char *path, struct wy_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return wy_fsync_dir(".", err);
    if (slash == path)
        return wy_fsync_dir("/", err);
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_code rc = wy_fsync_dir(dir, err);
    free(dir);
    return rc;
}

wy_code wy_file_replace(const char *path, const void *p, size_t n,
                        struct wy_err *err)
{
    struct wy_buf tmp = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_addf(&tmp, "%s.tmp", path);
    if (wy_buf_status(&tmp, err) != WY_OK)
        return err->code;
    wy_code rc = WY_OK;
    int fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        rc = wy_err_set(err, WY_EIO, "cannot create '%s': %s", tmp.p,
                        strerror(errno));
        goto out;
    }
    rc = write_all(fd, tmp.p, p, n, err);
    if (rc == WY_OK && fsync(fd) != 0)
        rc = wy_err_set(err, WY_EIO, "cannot sync '%s': %s", tmp.p,
                        strerror(errno));
    if (close(fd) != 0 && rc == WY_OK)
        rc = wy_err_set(err, WY_EIO, "cannot close '%s': %s", tmp.p,
                        strerror(errno));
    if (rc == WY_OK && rename(tmp.p, path) != 0)
        rc = wy_err_set(err, WY_EIO, "cannot rename '%s' to '%s': %s", tmp.p,
                        path, strerror(errno));
    if (rc != WY_OK)
        unlink(tmp.p);
    else
        rc = wy_fsync_dir_of(path, err);
out:
    wy_buf_release(&tmp);
    return rc;
}

wy_code wy_rmtree(const char *path, struct wy_err *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? WY_OK
                               : wy_err_set(err, WY_EIO, "cannot stat '%s': %s",
                                            path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0)
            return wy_err_set(err, WY_EIO, "cannot remove '%s': %s", path,
                              strerror(errno));
        return WY_OK;
    }
    DIR *d = opendir(path);
    if (!d)
        return wy_err_set(err, WY_EIO, "cannot open directory '%s': %s", path,
                          strerror(errno));
    wy_code rc = WY_OK;
    struct dirent *de;
    while (rc == WY_OK && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct wy_buf sub = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_path_join(&sub, path, de->d_name);
        rc = wy_buf_status(&sub, err);
        if (rc == WY_OK)
            rc = wy_rmtree(sub.p, err);
        wy_buf_release(&sub);
    }
    closedir(d);
    if (rc == WY_OK && rmdir(path) != 0)
        rc = wy_err_set(err, WY_EIO, "cannot remove directory '%s': %s", path,
                        strerror(errno));
    return rc;
}

const char *wy_path_unsafe(const char *rel)
{
    if (!rel || !*rel)
        return "empty path";
    if (rel[0] == '/')
        return "absolute path";
    if (strchr(rel, '\\'))
        return "backslash in path";
    const char *s = rel;
    for (;;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0)
            return "empty path segment";
        if (n == 1 && s[0] == '.')
            return "'.' path segment";
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return "'..' path segment";
        if (!e)
            break;
        s = e + 1;
    }
    return NULL;
}
