/* repository/walk.h: walking a folder of files to ingest, safely. */
#ifndef WY_REPOSITORY_WALK_H
#define WY_REPOSITORY_WALK_H

#include <stdint.h>
#include <sys/stat.h>

#include "core/err.h"

/* One regular file found by ingest_walk; everything borrowed for the
   call. */
struct ingest_walk_entry {
    const char *rel;       /* path relative to the root, '/'-separated */
    const char *path;      /* root/rel, for opening */
    const struct stat *st; /* lstat of the file */
};

typedef wy_code (*ingest_walk_fn)(void *ctx, const struct ingest_walk_entry *e,
                                  struct wy_err *err);

/*
 * Calls fn for every regular file under root, in byte order of the relative
 * paths within each directory (so the order is stable across runs). Symbolic
 * links, devices, sockets and FIFOs are refused (WY_EFORMAT naming the
 * path): an ingested object holds only regular files. fn returning non-WY_OK
 * stops the walk and is returned.
 */
wy_code ingest_walk(const char *root, ingest_walk_fn fn, void *ctx,
                    struct wy_err *err);

#endif
