/* repository/ingest_int.h: PRIVATE to the ingest files (ingest.c and
 * ingest_intent.c); nothing else includes it. What the catalog records for
 * one written item, shared by ingest and by the recovery of an intent. */
#ifndef WY_REPOSITORY_INGEST_INT_H
#define WY_REPOSITORY_INGEST_INT_H

#include "repository/catalog.h"
#include "repository/ingest.h"

/* One item's catalog rows: its record, object, file list and journal entry.
   Every pointer is borrowed. */
struct ingest_row {
    const char *local_id;
    const char *collection; /* NULL: keep the record's */
    const struct wy_record *rec;
    const char *orig; /* NULL: rec->orig */
    size_t orig_len;
    const char *orig_format; /* NULL: rec->format */
    const char *ocfl_id;
    const char *head; /* "v3": the version the object now has */
    const struct cat_file *files;
    size_t nfiles;
    int64_t bytes;
    int64_t batch;    /* journal batch; 0: none */
    const char *item; /* journal key of the item */
};

/* Writes the rows (the caller holds a catalog transaction). */
wy_code ingesti_write_catalog(struct cat *c, const struct ingest_row *r,
                              struct wy_err *err);

/* Writes and commits the intent for r (r->head is the version about to be
   committed to the store). Errors: WY_EFORMAT when a text is not UTF-8,
   WY_ENOMEM, WY_EDB. */
wy_code ingesti_intent_put(struct cat *c, const struct ingest_row *r,
                           struct wy_err *err);

#endif
