/* core/path.h: paths and files, written whole or not at all. */
#ifndef WY_CORE_PATH_H
#define WY_CORE_PATH_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Appends "a/b" to out (a single slash between them). */
void wy_path_join(struct wy_buf *out, const char *a, const char *b);

/* mkdir -p with mode 0777 & ~umask. */
wy_code wy_mkdirs(const char *path, struct wy_err *err);

/* Whether path exists as a directory / a regular file. */
int wy_is_dir(const char *path);
int wy_is_file(const char *path);

/* Reads a whole file into out (appending); WY_ETOOBIG past out's limit. */
wy_code wy_file_read(const char *path, struct wy_buf *out, struct wy_err *err);

/*
 * Replaces path with n bytes, whole or not at all: written to path.tmp in
 * the same directory, fsynced, renamed over path, and the directory fsynced.
 * On error nothing is left behind and path is as it was.
 */
wy_code wy_file_replace(const char *path, const void *p, size_t n,
                        struct wy_err *err);

/* fsyncs the directory holding path, making a rename in it durable. */
wy_code wy_fsync_dir_of(const char *path, struct wy_err *err);
wy_code wy_fsync_dir(const char *dir, struct wy_err *err);

/* rm -rf; a missing path is not an error. */
wy_code wy_rmtree(const char *path, struct wy_err *err);

/*
 * Whether a relative path from outside input is safe to place under a root:
 * not empty, not absolute, no "." or ".." segment, no empty segment, no NUL
 * or backslash. Returns NULL when safe, or the reason.
 */
const char *wy_path_unsafe(const char *rel);

#endif
