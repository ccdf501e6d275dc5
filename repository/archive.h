/* repository/archive.h: reading zip and tar(.gz/.bz2/.xz/.zst) archives
   for ingest as a stream of checked entries, with libarchive.

   Nothing is extracted to disk (entries are streamed into the store's
   staging), so libarchive's ARCHIVE_EXTRACT_SECURE_* flags, which guard
   archive_write_disk, have nothing to guard here; their checks are done on
   every entry instead: wy_path_unsafe (no absolute paths, no "..", no empty
   or "." segments, no backslashes) and no links or special files at all.

   Entry names: zip entries flagged UTF-8 and tar names in UTF-8 are taken
   as they are; other names are converted from the charset given (libarchive's
   hdrcharset option, e.g. CP936 for zips made on Chinese Windows) or, when
   none is given and the bytes are not valid UTF-8, from GB18030 (a superset
   of GBK/CP936) if they convert cleanly. libarchive converts names through
   the current locale, so each call runs under a thread-local C.UTF-8
   locale (uselocale), leaving the process locale alone. */
#ifndef WY_REPOSITORY_ARCHIVE_H
#define WY_REPOSITORY_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct ingest_archive;

struct ingest_archive_entry {
    const char *name; /* UTF-8, checked, "./" and trailing "/" dropped;
                         borrowed until the next call */
    int is_dir;
    int64_t size;        /* -1 when the header does not say */
    size_t index;        /* 1-based entry number, for messages */
    const char *charset; /* the charset the name was converted from, or
                            NULL when it was UTF-8 */
};

/* Whether path is an archive libarchive can read (it bids on the first
   bytes); a plain file or a folder is not. */
int ingest_archive_probe(const char *path);

/* Opens path. charset: names' charset when not UTF-8, or NULL. new: *out,
   close with ingest_archive_close(). WY_EIO, WY_EFORMAT (not an archive). */
wy_code ingest_archive_open(struct ingest_archive **out, const char *path,
                            const char *charset, struct wy_err *err);

/* The next file or folder entry. WY_EOF at the end. WY_EFORMAT (naming the
   archive, entry number and name) for an unsafe name, a link or special
   file, or an undecodable name; WY_EIO for a damaged or truncated archive.
   After an error the archive is unusable. */
wy_code ingest_archive_next(struct ingest_archive *a,
                            struct ingest_archive_entry *e, struct wy_err *err);

/* Reads the current entry's data: up to cap bytes, *got 0 at its end.
   WY_EIO (naming the archive and entry) when the data is damaged or cut
   short. */
wy_code ingest_archive_read(struct ingest_archive *a, void *buf, size_t cap,
                            size_t *got, struct wy_err *err);

void ingest_archive_close(struct ingest_archive *a);

/*
 * A file name from outside (an archive entry, a folder copied from a
 * Windows share) as UTF-8: appended to out as it is when it is valid UTF-8,
 * else converted from charset, or from GB18030 when charset is NULL.
 * *used gets the charset converted from, or NULL. Returns 0 when the name
 * is not valid UTF-8 and does not convert.
 */
int ingest_name_utf8(const char *raw, const char *charset, struct wy_buf *out,
                     const char **used);

#endif
