/* repository/bagit.h: BagIt bags (RFC 8493): parsing the tag files and
   verifying a bag completely before anything of it enters the store.

   Traps handled (docs/REPOSITORY.md, /work/shared/NOTES.md): CR, LF and CRLF
   line endings; a UTF-8 byte order mark; tag files in UTF-16 (with a BOM) or
   in the encoding bagit.txt names (Tag-File-Character-Encoding, converted
   with iconv); only %0D, %0A and %25 are decoded in manifest paths (a name
   that literally contains %7E stays so); a path listed twice; path escapes
   ("..", absolute paths, "~"); payload paths outside data/; symbolic links;
   fetch.txt (remote payload is refused). */
#ifndef WY_REPOSITORY_BAGIT_H
#define WY_REPOSITORY_BAGIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"

/* The checksum algorithms we verify (others are reported as unsupported). */
enum bag_alg { BAG_MD5, BAG_SHA1, BAG_SHA256, BAG_SHA512, BAG_NALG };

/* The algorithm named in "manifest-NAME.txt", or -1. */
int bag_alg_from_name(const char *name, size_t n);
const char *bag_alg_name(enum bag_alg a);

/*
 * Decodes a tag file to UTF-8 into out: a UTF-8 BOM is dropped, a UTF-16
 * BOM selects UTF-16, otherwise `encoding` (NULL: UTF-8) is converted from.
 * UTF-8 input is checked. WY_EFORMAT names the file and byte offset.
 */
wy_code bag_decode(const char *name, const unsigned char *p, size_t n,
                   const char *encoding, struct wy_buf *out,
                   struct wy_err *err);

/* A manifest line: digest (lowercased) and the decoded path, borrowed for
   the call; line is 1-based. */
typedef wy_code (*bag_manifest_fn)(void *ctx, const char *digest,
                                   const char *path, size_t line,
                                   struct wy_err *err);

/*
 * Parses a manifest (already UTF-8, e.g. from bag_decode): lines of
 * "DIGEST<space(s)>PATH", any line ending, blank lines skipped. The digest
 * must be hex of the algorithm's length (alg < 0: any even length); the
 * path is percent-decoded (%0D %0A %25 only) and checked (no escapes).
 * WY_EFORMAT names the file and line.
 */
wy_code bag_parse_manifest(const char *name, const char *p, size_t n, int alg,
                           bag_manifest_fn fn, void *ctx, struct wy_err *err);

/* A tag "Label: value" (continuation lines folded into value with a
   space); borrowed for the call. */
typedef wy_code (*bag_tag_fn)(void *ctx, const char *label, const char *value,
                              size_t line, struct wy_err *err);

/* Parses bagit.txt / bag-info.txt style tag files (UTF-8). WY_EFORMAT names
   the file and line. */
wy_code bag_parse_tags(const char *name, const char *p, size_t n, bag_tag_fn fn,
                       void *ctx, struct wy_err *err);

/* A payload file of a verified bag. */
struct bag_file {
    char *path; /* "data/..." as listed (decoded), in Unicode
                   NFC: a manifest and a file system that
                   spell a name differently still match */
    uint64_t size;
    char *digest[BAG_NALG]; /* lowercase hex, NULL when not listed */
    char *fs_path;          /* the file as found on disk (bag dir joined
                               with its name as the file system spells
                               it), for reading */
};

struct bag;

/*
 * Reads and verifies the bag in directory dir: bagit.txt (version and
 * encoding), bag-info.txt, every payload manifest and tag manifest; every
 * file under data/ must be listed in every payload manifest and every
 * listed file must exist and match every checksum; Payload-Oxum must match.
 * On failure the error lists every problem found (up to 50), naming each
 * file: WY_EFIXITY when only checksums or sizes disagree, WY_EFORMAT for
 * anything else. Progress (files, bytes) goes to log (may be NULL).
 * new: *out, free with bag_free().
 */
wy_code bag_open(struct bag **out, const char *dir, struct wy_log *log,
                 struct wy_err *err);
void bag_free(struct bag *b);

/* Whether dir looks like a bag (holds bagit.txt). */
int bag_is_bag(const char *dir);

/* borrowed: the first value of a bag-info label (case-insensitive), or
   NULL. */
const char *bag_info(const struct bag *b, const char *label);
/* The payload files, sorted by path; borrowed until bag_free. */
size_t bag_nfiles(const struct bag *b);
const struct bag_file *bag_file(const struct bag *b, size_t i);
/* Total payload bytes. */
uint64_t bag_bytes(const struct bag *b);

#endif
