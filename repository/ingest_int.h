/* repository/ingest_int.h: PRIVATE to the ingest files
 * (repository/ingest*.c); nothing else includes it. What the catalog records
 * for one written item, shared by ingest and by the recovery of an intent;
 * below, the state of a run and its items, shared by the pieces of ingest. */
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

/* ---- the run: shared by ingest.c, ingest_format.c, ingest_scan.c,
   ingest_plan.c and ingest_write.c ---------------------------------- */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <magic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"
#include "formats/dates.h"
#include "formats/format.h"
#include "formats/iso2709.h"
#include "formats/mets.h"
#include "repository/archive.h"
#include "repository/bagit.h"
#include "repository/import.h"
#include "repository/sheet.h"
#include "repository/store.h"
#include "repository/walk.h"

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")
#define META_MAX (64u << 20) /* a METS file of a many-volume work */
#define HEAD 8192            /* bytes libmagic and the checks look at */
#define COPY_BUF (1u << 20)
#define ID_MAX 1024

struct pfile {
    char *logical; /* path in the object */
    char *src;     /* file to read (folders, bags); NULL for
                      archive entries */
    uint64_t size;
};

enum kind { K_DIR, K_BAG, K_ARCHIVE };

struct item {
    enum kind kind;
    char *path;  /* the folder, bag or archive */
    char *key;   /* journal key: the real path */
    char *where; /* for messages */
    char *id;
    char *ocfl_id; /* "urn:wenyuan:" + id, percent-encoded */
    char *collection;
    struct pfile *files;
    size_t nfiles, capfiles;
    char *strip; /* archive: common top folder + "/" or NULL */
    uint64_t bytes;
    struct wy_buf meta;        /* metadata bytes (package file or dc.xml) */
    char *meta_name;           /* logical path of the metadata file */
    const char *meta_format;   /* handler name */
    struct fmt_reader *reader; /* owns rec when read from meta */
    struct wy_record *rec;     /* borrowed from reader, or own_rec */
    struct wy_record *own_rec;
    int synth; /* write meta as dc.xml into the object */
    struct bag *bag;
};

struct run {
    struct wy_home *h;
    struct store *store;
    const struct ingest_opts *o;
    struct ingest_stats *st;
    struct item *items;
    size_t nitems;
    magic_t magic;
    struct wy_progress pr;
    uint64_t total_bytes, done_bytes, done_items;
    unsigned char *buf;
    char what[64]; /* the progress line's unit, with files */
};

struct walk_ctx {
    struct run *run;
    struct item *it;
    int warned;
};

void ingesti_progress(struct run *run);
int ingesti_ends_with(const char *s, const char *sfx);
void ingesti_item_release(struct item *it);
wy_code ingesti_add_pfile(struct item *it, const char *logical, const char *src,
                          uint64_t size, struct wy_err *err);
wy_code ingesti_on_dir_file(void *ctx, const struct ingest_walk_entry *e,
                            struct wy_err *err);
wy_code ingesti_read_meta_file(struct item *it, struct wy_err *err);
wy_code ingesti_scan_archive(struct run *run, struct item *it,
                             struct wy_err *err);
wy_code ingesti_plan(struct run *run, const char *const *paths, size_t n,
                     struct wy_err *err);
wy_code ingesti_write_item(struct run *run, struct item *it, int64_t batch,
                           struct wy_err *err);

#endif
