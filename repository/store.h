/* repository/store.h: the OCFL 1.1 archival store (storage root + objects).
 *
 * A storage root holds `0=ocfl_1.1`, `ocfl_1.1.txt`, `ocfl_layout.json` and
 * objects placed by extension 0004-hashed-n-tuple-storage-layout (sha256 of
 * the id, 3 tuples of 3 hex characters, then the full digest):
 *   root/abc/def/123/abcdef123.../  (object root: 0=ocfl_object_1.1, ...)
 * Versions are staged under root/extensions/0000-wenyuan-staging/ (extra
 * files are allowed only under extensions/, see docs/OCFL.md) and renamed
 * into place when complete and fsynced; the object root's inventory.json is
 * written last, so a crash leaves either the old or the new version.
 *
 * Content is addressed by sha512 (lowercase hex); a fixity block keeps md5.
 * Logical paths are kept byte for byte as given (Chinese stays Chinese) and
 * compared after Unicode NFC: two spellings of one name are one file.
 *
 * Errors: WY_EINVAL bad argument (unsafe path, bad id), WY_ENOTFOUND no such
 * object/version/path, WY_EFORMAT a broken storage root or inventory,
 * WY_EIO file system failure (full disk included), WY_ESTATE misuse (for
 * example two versions of one object staged at once), WY_ENOMEM.
 * Messages name the object id, the logical path or the file.
 */
#ifndef WY_REPOSITORY_STORE_H
#define WY_REPOSITORY_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"

struct store;         /* an open OCFL storage root; opaque */
struct store_version; /* a version being staged; opaque */

#define STORE_SHA512_HEX 128
#define STORE_MD5_HEX 32

/* What adding one file produced. */
struct store_file_info {
    char sha512[STORE_SHA512_HEX + 1]; /* lowercase hex */
    char md5[STORE_MD5_HEX + 1];
    uint64_t size;
    int stored; /* 1: new content written; 0: deduplicated (already in an
                   earlier version or earlier in this version) */
};

/* Creates an empty storage root at root (the directory may exist but must
 * be empty or absent). WY_ESTATE if a storage root is already there. */
wy_code store_create(const char *root, struct wy_err *err);

/* Opens an existing storage root (checks 0=ocfl_1.1 and the layout) and
 * removes any staging left by a crash. new: *out, free with store_close. */
wy_code store_open(struct store **out, const char *root, struct wy_err *err);

/* Closes the store; NULL is a no-op. Versions still staged must have been
 * committed or aborted before. */
void store_close(struct store *s);

/* borrowed: the storage root path, valid until store_close. */
const char *store_root(const struct store *s);

/* Appends the object root of id, relative to the storage root (by the
 * 0004 layout), to out. Works whether or not the object exists. */
wy_code store_object_relpath(const struct store *s, const char *object_id,
                             struct wy_buf *out, struct wy_err *err);

/* Whether the object exists (its root inventory is there). */
int store_object_exists(const struct store *s, const char *object_id);

/*
 * Starts a new version of object_id (v1 if the object does not exist yet).
 * The version starts EMPTY: call store_version_carry_forward to start from
 * the head state instead. Only one version per object may be staged at a
 * time (WY_ESTATE otherwise, also across processes: a lock file).
 * new: *out, released by store_version_commit or store_version_abort.
 */
wy_code store_version_begin(struct store *s, const char *object_id,
                            struct store_version **out, struct wy_err *err);

/* The head version number the new version follows (0 for a new object). */
unsigned store_version_prev(const struct store_version *v);

/* Message and user of the version (strings are copied; NULL leaves a field
 * out). Without a user name no user block is written. */
wy_code store_version_set_meta(struct store_version *v, const char *message,
                               const char *user_name, const char *user_address,
                               struct wy_err *err);

/* Copies the head version's state into the new version (no content is
 * copied: unchanged files keep pointing at their earlier content).
 * A no-op for a new object. */
wy_code store_version_carry_forward(struct store_version *v,
                                    struct wy_err *err);

/*
 * Adds (or replaces) logical_path with the bytes of the file src_path /
 * of fd (read to its end, from its current offset; the fd stays open and
 * borrowed) / of a read callback. Copy and sha512 + md5 happen in one read
 * pass; content already in the object (same sha512) is not stored again.
 * logical_path: UTF-8, checked with wy_path_unsafe and for conflicts with
 * other paths ("a" and "a/b"); compared after NFC. info may be NULL.
 * On error the version stays usable without that file.
 */
wy_code store_version_add_file(struct store_version *v,
                               const char *logical_path, const char *src_path,
                               struct store_file_info *info,
                               struct wy_err *err);
wy_code store_version_add_fd(struct store_version *v, const char *logical_path,
                             int fd, struct store_file_info *info,
                             struct wy_err *err);
/* read: fills up to cap bytes of buf, sets *got (0 at end of stream) and
 * returns WY_OK, or an error (set in err) that aborts this file. */
wy_code
store_version_add_stream(struct store_version *v, const char *logical_path,
                         wy_code (*read)(void *ctx, void *buf, size_t cap,
                                         size_t *got, struct wy_err *err),
                         void *ctx, struct store_file_info *info,
                         struct wy_err *err);

/* Removes logical_path from the new version's state (compared after NFC).
 * WY_ENOTFOUND if the version holds no such path. */
wy_code store_version_remove_file(struct store_version *v,
                                  const char *logical_path, struct wy_err *err);

/* Number of files in the new version's state so far. */
size_t store_version_file_count(const struct store_version *v);

/*
 * Writes the inventory (+ sidecar) into the staged version, fsyncs
 * everything and moves it into place (see the file comment). takes: v is
 * released whether or not it succeeds; on error the staging is removed and
 * the object is exactly as before. *version_out (may be NULL) gets the new
 * version number. A version with the same state as the head is still
 * written (the caller decides whether a change happened:
 * store_version_changed).
 */
wy_code store_version_commit(struct store_version *v, unsigned *version_out,
                             struct wy_err *err);

/* Whether the new version's state differs from the head's (always 1 for a
 * new object). */
int store_version_changed(const struct store_version *v);

/* Drops the staged version and its staging directory; NULL is a no-op. */
void store_version_abort(struct store_version *v);

/* One logical file of a version's state. */
struct store_entry {
    char *logical_path; /* as given, UTF-8 */
    char *content_path; /* relative to the object root: "v1/content/..." */
    char sha512[STORE_SHA512_HEX + 1];
    uint64_t size;
};

/* What an object holds. */
struct store_object_info {
    unsigned head; /* head version number, 1.. */
    char *id;
    char *created;             /* of the head version, RFC 3339 */
    char *message;             /* of the head version; may be NULL */
    size_t nfiles;             /* files in the head state */
    uint64_t bytes;            /* bytes in the head state */
    uint64_t stored_bytes;     /* bytes of content stored over all versions */
    struct store_entry *files; /* nfiles entries, sorted by logical path */
};

/* Reads the object's root inventory. The object info is filled for
 * `version` (0: head). Release with store_object_info_release. */
wy_code store_object_info(const struct store *s, const char *object_id,
                          unsigned version, struct store_object_info *out,
                          struct wy_err *err);
void store_object_info_release(struct store_object_info *info);

/*
 * Appends the absolute path of the content of logical_path in `version`
 * (0: head) to out, for delivery. The path stays valid while the object
 * exists (content is never rewritten in place). WY_ENOTFOUND when the
 * version holds no such path. *size gets its size when size is not NULL.
 */
wy_code store_object_path(const struct store *s, const char *object_id,
                          unsigned version, const char *logical_path,
                          struct wy_buf *out, uint64_t *size,
                          struct wy_err *err);

/*
 * Calls fn for every object root under the storage root (relative path,
 * borrowed for the call), in byte order of the relative paths, skipping
 * extensions/. fn returning non-WY_OK stops the walk and is returned.
 */
wy_code store_walk(const struct store *s,
                   wy_code (*fn)(void *ctx, const char *relpath,
                                 struct wy_err *err),
                   void *ctx, struct wy_err *err);

/* Unicode NFC of a UTF-8 string (how logical paths are compared).
 * new: *out, free(). WY_EINVAL if s is not valid UTF-8. */
wy_code store_path_nfc(const char *s, char **out, struct wy_err *err);

/*
 * Test hook: called at each step of a commit with the step's name
 * ("content", "version-inventory", "staged", "renamed", "root-inventory",
 * ...). A non-zero return fails the commit there with WY_EIO, as a full
 * disk would; a child process may also _exit() in it (crash tests).
 * NULL removes the hook.
 */
void store_set_hook(struct store *s, int (*hook)(void *ctx, const char *step),
                    void *ctx);

#endif
