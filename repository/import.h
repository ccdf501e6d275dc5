/* repository/import.h: loading catalogue records from files (any format
   formats/ reads) into the catalog, without digital objects. */
#ifndef WY_REPOSITORY_IMPORT_H
#define WY_REPOSITORY_IMPORT_H

#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "repository/catalog.h"

struct cat_import_opts {
    const char *source;     /* NULL: CAT_LOCAL_SOURCE */
    const char *collection; /* collection code for the records, or NULL */
    const char *format;     /* handler name, or NULL to detect per file */
    size_t batch;           /* records per transaction; 0: 1000 */
    struct wy_log *log;     /* bad records are reported here; may be NULL */
};

struct cat_import_stats {
    uint64_t records; /* read, good and bad */
    uint64_t added, updated, unchanged, deleted, bad;
};

/*
 * Reads every record of the file at path and puts it into the catalog by
 * (source, identifier): the record's own identifier (desc.id, else field
 * 001, else a "control" identifier). A record whose leader says deleted
 * (leader/05 'd') becomes a tombstone. Bad records (unreadable, no
 * identifier) are reported through opts->log with file, record number and
 * byte offset, counted in stats->bad and skipped. Records are committed in
 * transactions of opts->batch records; on an error that stops the file (I/O,
 * the catalog) the current batch is rolled back and earlier batches stay
 * (re-running the import is idempotent). stats is added to, not reset.
 * Errors: WY_EIO, WY_EFORMAT (format not detected), WY_EINVAL (unknown
 * --from format or collection), WY_EDB.
 */
wy_code cat_import_file(struct cat *c, const char *path,
                        const struct cat_import_opts *opts,
                        struct cat_import_stats *stats, struct wy_err *err);

/* The identifier a record is filed under, or NULL: desc.id, else the value
   of field 001, else the first "control" or "local" identifier. borrowed
   from rec. */
const char *cat_record_identifier(const struct wy_record *rec);

#endif
