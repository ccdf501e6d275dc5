/* repository/profile_report.h: per-batch profile reports, over the records
   a batch wrote to the catalog (its change-log range) or over a file. */
#ifndef WY_REPOSITORY_PROFILE_REPORT_H
#define WY_REPOSITORY_PROFILE_REPORT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "repository/catalog.h"
#include "repository/profile.h"

/*
 * Checks every live record changed after after_seq (what an import, a
 * harvest or an ingest batch just wrote) whose collection has a profile,
 * against that profile. One line per finding goes to out ("SOURCE:ID:
 * error: 卷数 (juan): missing (required element)"), then one summary per
 * profile that had records. *checked (may be NULL) gets how many records
 * were checked, *with_errors (may be NULL) how many had errors.
 * Errors: those of the catalog (WY_EDB, WY_EFORMAT for damaged stored
 * JSON, named by record id), WY_ENOMEM, WY_ETOOBIG (out's limit).
 */
wy_code prof_report_changes(struct cat *c, int64_t after_seq,
                            struct wy_buf *out, size_t *checked,
                            size_t *with_errors, struct wy_err *err);

/*
 * Reads every record of the file at path (format: a handler name, or NULL
 * to detect) and checks it against b's profile, adding to b: findings named
 * "PATH: record N (ID)", then the summary. Unreadable records are findings too
 * ("unreadable:"). Errors: WY_EIO, WY_EFORMAT (format not detected), WY_EINVAL
 * (unknown format), WY_ENOMEM.
 */
wy_code prof_report_file(const char *path, const char *format,
                         struct prof_batch *b, struct wy_buf *out,
                         struct wy_err *err);

#endif
