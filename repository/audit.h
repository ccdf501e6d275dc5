/* repository/audit.h: the fixity audit of the OCFL store.
 *
 * Re-hashes every content file of every object (or a random sample of the
 * objects) against the digests of its root inventory, and reports files
 * that are missing, changed, or present without being in the manifest
 * (unexpected). Objects are visited in the byte order of their paths, and
 * after each object a small state file (written whole with
 * wy_file_replace) records the last one finished and the totals so far, so
 * an interrupted audit resumes where it stopped. The state file is removed
 * when the audit completes.
 *
 * Errors (the return value): WY_ENOTFOUND/WY_EFORMAT no storage root,
 * WY_EIO the state file cannot be written, or whatever a callback returned
 * (the audit stops there; the state keeps what was finished). Problems in
 * the objects are not errors: they are reported through the sink and
 * counted in the result.
 */
#ifndef WY_REPOSITORY_AUDIT_H
#define WY_REPOSITORY_AUDIT_H

#include <stdint.h>

#include "core/err.h"
#include "core/log.h"

enum audit_kind {
    AUDIT_MISSING,    /* in the manifest, not on disk */
    AUDIT_CHANGED,    /* on disk with another digest */
    AUDIT_UNEXPECTED, /* on disk, not in the manifest */
    AUDIT_BROKEN      /* the inventory itself is unreadable or altered */
};

/* borrowed: every pointer is valid during the callback only */
struct audit_problem {
    enum audit_kind kind;
    const char *object_id;   /* the inventory's id ("" if unreadable) */
    const char *object_path; /* relative to the storage root */
    const char *path;        /* content path, relative to the object root */
    const char *detail;      /* a sentence */
};

struct audit_object {
    const char *object_id, *object_path; /* borrowed, as above */
    uint64_t files, bytes;
    unsigned problems; /* 0: the object is intact */
};

struct audit_result {
    uint64_t objects, files, bytes; /* checked, whole audit */
    uint64_t missing, changed, unexpected, broken;
    uint64_t objects_this_run; /* without the resumed part */
    uint64_t bytes_this_run;
    uint64_t objects_total; /* in the store */
    double seconds;         /* of this run */
    int resumed;            /* continued an earlier run */
};

struct audit_opts {
    double sample;          /* fraction of objects, (0, 1]; 0 means 1 */
    int resume;             /* continue from state_path if it exists */
    const char *state_path; /* NULL: no resume state is kept */
    struct wy_log *log;     /* progress (may be NULL) */
    /* may be NULL; a non-WY_OK return from object_done stops the audit */
    void (*problem)(void *ctx, const struct audit_problem *p);
    wy_code (*object_done)(void *ctx, const struct audit_object *o,
                           struct wy_err *err);
    void *ctx;
};

/* Audits the storage root at root. *res is filled even on error (what was
 * done). */
wy_code audit_run(const char *root, const struct audit_opts *opts,
                  struct audit_result *res, struct wy_err *err);

/* "missing", "changed", "unexpected", "broken" */
const char *audit_kind_name(enum audit_kind k);

/* Whether the audit found anything wrong. */
int audit_failed(const struct audit_result *res);

#endif
