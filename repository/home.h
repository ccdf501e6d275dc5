/* repository/home.h: a Wenyuan home directory and the handles a command
   needs (STYLE rule 14): HOME/catalog.db (SQLite), HOME/store/ (the OCFL
   storage root), HOME/index/ (Xapian, owned by the indexer). */
#ifndef WY_REPOSITORY_HOME_H
#define WY_REPOSITORY_HOME_H

#include "core/err.h"
#include "repository/catalog.h"

struct wy_home {
    char *path;         /* HOME as given */
    char *catalog_path; /* HOME/catalog.db */
    char *store_path;   /* HOME/store */
    char *index_path;   /* HOME/index */
    struct cat *cat;    /* open catalog */
};

/* The environment variable that names the home when -H is not given. */
#define WY_HOME_ENV "WENYUAN_HOME"

/*
 * Creates a home at path (the directory may exist but must not already hold
 * a catalog): the directory, catalog.db with the schema and the standard
 * collections, store/ (an OCFL storage root) and index/. On failure nothing
 * that this call created is left behind.
 * Errors: WY_ESTATE (already a home), WY_EIO, WY_EDB.
 */
wy_code home_init(const char *path, struct wy_err *err);

enum home_open_flags {
    HOME_READONLY = 1 /* open the catalog read-only */
};

/*
 * Opens the home at path, or, when path is NULL or empty, at
 * $WENYUAN_HOME. new: *out, close with home_close().
 * Errors: WY_EINVAL when neither names a home; WY_ENOTFOUND when the
 * directory holds no catalog ("not a Wenyuan home: run 'wenyuan init
 * DIR'"); WY_EDB.
 */
wy_code home_open(struct wy_home **out, const char *path, int flags,
                  struct wy_err *err);

/* Closes the catalog and frees the handle; NULL is a no-op. */
void home_close(struct wy_home *h);

#endif
