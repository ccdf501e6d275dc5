/* repository/ingest.h: putting digitized items (scans and their metadata)
   into the OCFL store and the catalog.

   An item is a folder, a zip or tar(.gz/.bz2/.xz/.zst) archive (read with
   libarchive as a stream, never unpacked to a temporary folder), a BagIt bag
   (verified completely first), or a row of a CSV batch sheet naming one of
   those. Every PATH of a run is planned first: folders walked, bags
   verified, archives listed (unsafe names, links and unreadable headers
   found), sheet rows resolved, metadata read and identifiers fixed, so a bad
   bag, a bad archive entry or a sheet row naming a missing folder stops the
   run before anything is written. Then each item is written whole or not at
   all: a new OCFL version (unchanged content is not stored twice; an
   unchanged item writes nothing) and, in one catalog transaction, its
   record, object, file list and journal entry. A failure while writing (a
   truncated archive body, a full disk) stops the run; the failed item leaves
   the store and the catalog as they were, items done before it stay, and
   `--resume` carries on from the journal.

   The store and the catalog cannot commit together, so a changed item is
   written in three steps: an intent in the catalog (committed), the OCFL
   version, then the catalog rows with the intent deleted (one transaction).
   A crash between the last two leaves a version the catalog does not list
   and its intent; ingest_recover, run by every ingest and by `wenyuan
   audit`, records it from the intent. */
#ifndef WY_REPOSITORY_INGEST_H
#define WY_REPOSITORY_INGEST_H

#include <signal.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "repository/home.h"

struct ingest_opts {
    const char *id;               /* the identifier; only with one PATH */
    const char *collection;       /* collection code for every item (a
                                     sheet's collection column wins) */
    const char *filename_charset; /* charset of archive entry names that
                                     are not UTF-8 (e.g. "CP936"); NULL:
                                     detect GB18030 when not UTF-8 */
    const char *sheet_charset;    /* charset of CSV sheets; NULL: detect */
    int dry_run;                  /* check everything, write nothing */
    int resume;                   /* skip items the journal says are done */
    const char *user;             /* OCFL version user name, or NULL */
    const char *user_address;     /* its URI ("mailto:..."), or NULL */
    struct wy_log *log;           /* warnings and progress; may be NULL */
    /* Set (e.g. by a SIGINT handler) to stop between files; the current
       item is abandoned cleanly and the batch marked interrupted. */
    volatile sig_atomic_t *cancel;
    /* Tests only: called at each named step ("intent": the intent is
       committed; "stored": the OCFL version is committed, the catalog rows
       not yet) and passed on to the store (store_set_hook). A non-zero
       return fails the step with WY_EIO; a crash test may kill the process
       in it. NULL: none. */
    int (*hook)(void *ctx, const char *step);
    void *hook_ctx;
};

struct ingest_stats {
    uint64_t items;        /* planned */
    uint64_t added;        /* new objects */
    uint64_t versioned;    /* new versions of existing objects */
    uint64_t unchanged;    /* same files and metadata */
    uint64_t skipped;      /* done in an earlier run (--resume) */
    uint64_t files;        /* files read */
    uint64_t bytes;        /* bytes read */
    uint64_t bytes_stored; /* bytes of new content written */
    double seconds;
    int64_t batch; /* the journal batch id (0 in dry runs) */
};

/*
 * Ingests the items named by paths (n of them) into the home h (its
 * catalog; the store is opened at h->store_path). stats is filled.
 * Errors (messages name the path, archive entry, bag file or sheet line):
 * WY_EINVAL (bad options, unknown collection, --id with several items, two
 * items with one identifier), WY_ENOTFOUND (a missing path), WY_EFORMAT
 * (an invalid bag, unsafe or linked archive entry, unreadable metadata or
 * sheet), WY_EFIXITY (a bag checksum mismatch), WY_EIO (I/O, a truncated
 * archive, a full disk), WY_ESTATE (cancelled), WY_EDB.
 */
wy_code ingest_run(struct wy_home *h, const char *const *paths, size_t n,
                   const struct ingest_opts *opts, struct ingest_stats *stats,
                   struct wy_err *err);

/* What ingest_recover did. */
struct ingest_recovery {
    uint64_t finished; /* versions in the store now recorded in the catalog */
    uint64_t dropped;  /* intents whose version never reached the store */
    uint64_t busy;     /* left for later: another process is committing */
    uint64_t damaged;  /* intents that cannot be read (kept, warned about) */
};

struct store;

/*
 * Finishes what an interrupted ingest left: for each intent in the catalog
 * c, takes the object's staging lock in the store s and, when the store
 * holds the intended version as its head, writes the catalog rows the
 * intent carries (record, object, files, journal entry: what the ingest
 * would have written) and deletes the intent in one transaction; when the
 * version never reached the store, deletes the intent. An object another
 * process is committing is left alone (counted as busy). Each recorded
 * version is logged (info); an intent whose payload cannot be read is kept
 * and a warning names its object (counted as damaged: ingesting the item
 * again writes the rows and replaces it). *out is filled.
 * Errors (naming the object): WY_EIO, WY_EDB, WY_ENOMEM.
 */
wy_code ingest_recover(struct cat *c, struct store *s, struct wy_log *log,
                       struct ingest_recovery *out, struct wy_err *err);

/* OCFL object ids are URIs (OCFL 1.1 W005): an item's identifier becomes
   INGEST_OCFL_PREFIX + the identifier, with bytes outside RFC 8141's NSS
   characters percent-encoded (Chinese identifiers included). The catalog
   keeps both (records.local_id, objects.ocfl_id). new: *out (free()). */
#define INGEST_OCFL_PREFIX "urn:wenyuan:"
wy_code ingest_ocfl_id(const char *id, char **out, struct wy_err *err);

/* What the content check found for a file of this name and first bytes:
   NULL when no check applies (not a .tif/.tiff/.jpg/.jpeg/.jp2/.pdf name),
   "ok" when the header fits the extension, else a static description such
   as "not TIFF". */
const char *ingest_format_check(const char *name, const unsigned char *head,
                                size_t n);

#endif
