/* formats/mets.h: METS documents. The mets handler (formats/format.h) reads
   a METS document's descriptive metadata (dmdSec mdWrap MODS or DC) into the
   record view; mets_parse_structure() gives ingest the files and page order. */
#ifndef WY_FORMATS_METS_H
#define WY_FORMATS_METS_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

struct mets_file {
    const char *id;           /* the file's ID (unique in the document) */
    const char *href;         /* FLocat xlink:href, as written; or NULL */
    const char *mimetype;     /* MIMETYPE, or NULL */
    const char *checksum;     /* CHECKSUM (hex as written), or NULL */
    const char *checksumtype; /* CHECKSUMTYPE ("SHA-512", "MD5"), or NULL */
    const char *use;          /* USE of the file, else of its nearest
                                 fileGrp ("masters", "thumbnail"); or NULL */
    long long size;           /* SIZE in bytes, or -1 when not given */
};

struct mets_page {
    const char *id;    /* the div's ID, or NULL */
    const char *label; /* ORDERLABEL, else LABEL; or NULL */
    long order;        /* ORDER, or 0 when not given */
    size_t *files;     /* indexes into mets_structure.files, in
                          fptr order */
    size_t nfiles;
};

/* Everything lives in `arena`: free the whole with mets_structure_free(). */
struct mets_structure {
    const char *objid;       /* OBJID, or NULL */
    const char *label;       /* LABEL, or NULL */
    const char *structmap;   /* TYPE of the structMap used, or NULL */
    struct mets_file *files; /* fileSec in document order */
    size_t nfiles;
    struct mets_page *pages; /* divs that point at files, in reading order */
    size_t npages;
    struct wy_arena *arena;
};

/*
 * Parses a METS document (the first <mets:mets> in it, so an OAI-PMH
 * response holding one works too) from memory (borrowed for the call).
 * Pages come from the structMap of TYPE "physical" (any case), else the
 * first structMap: every div with an fptr is a page, in document order with
 * sibling divs sorted by ORDER when all of them carry one (ORDER restarts in
 * each volume, so it is never compared across parents).
 * new: *out, free with mets_structure_free().
 * Errors: WY_EFORMAT for malformed XML, a DOCTYPE, no <mets> element, a file
 * without an ID, a duplicate file ID, or an fptr naming no file (the
 * message names the line, the div or the ID); WY_ENOMEM.
 */
wy_code mets_parse_structure(const char *buf, size_t len, const char *name,
                             struct mets_structure **out, struct wy_err *err);

/* Frees the structure and every string in it; NULL is a no-op. */
void mets_structure_free(struct mets_structure *s);

#endif
