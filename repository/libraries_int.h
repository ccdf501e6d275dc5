/* repository/libraries_int.h: PRIVATE to the library register files
   (repository/libraries.c and lib_*.c); nothing else includes it. The
   register's statements, its per-connection state and the helpers the
   pieces share. The public API is repository/libraries.h. */
#ifndef WY_REPOSITORY_LIBRARIES_INT_H
#define WY_REPOSITORY_LIBRARIES_INT_H

#include "repository/libraries.h"

#include <stdio.h>

#include "core/path.h"
#include "indexer/cjk.h"
#include "repository/catalog_int.h"

enum {
    L_HAVE,
    L_ANY,
    L_FIND_KEY,
    L_LIB_GET,
    L_LIB_INS,
    L_LIB_UPD,
    L_ALIAS_INS,
    L_ALIAS_DEL,
    L_ALIASES_OF,
    L_LIB_LIST,
    L_HOLD_DEL,
    L_HOLD_ADD,
    L_NAME_GET,
    L_NAME_SET,
    L_NAME_ADD,
    L_HOLD_NAMES,
    L_SOURCE_NAMES,
    L_RECS_OF_NAME,
    L_RECS_OF_SOURCE,
    L_DATA_VERSION,
    L_N
};

/* Resolutions are cached per connection: a union catalogue's holdings
   repeat a few hundred names, and normalizing one costs tens of
   microseconds. The cache is emptied when another connection commits
   (PRAGMA data_version) and by every register write of this one. */
#define CACHE_SLOTS 4096 /* a power of two; emptied when half full */
struct cached {
    char *name;    /* NULL: a free slot */
    char *code;    /* NULL: unresolved */
    char *display; /* the preferred name, NULL when unresolved */
};

struct lib_state {
    sqlite3 *db; /* borrowed from the catalog: statements belong to it */
    sqlite3_stmt *st[L_N];
    struct cjk *cjk; /* loaded on first use (~20 ms) */
    struct wy_buf norm;
    int have; /* -1 unknown, 0 no register tables, 1 yes */
    int any;  /* -1 unknown, else whether the register has a library */
    struct cached *cache;
    size_t ncached;
    int64_t data_version;
};

void libi_cache_clear(struct lib_state *ls);
struct lib_state *libi_state(struct cat *c, struct wy_err *err);
sqlite3_stmt *libi_lst(struct cat *c, int id, struct wy_err *err);
wy_code libi_have_tables(struct cat *c, int *yes, struct wy_err *err);
wy_code libi_put_alias(struct cat *c, const char *code, const char *alias,
                       int *added, struct wy_err *err);
wy_code libi_put_library(struct cat *c, const char *code, const char *name,
                         const char *name_en, int update, int *created,
                         size_t *naliases, struct wy_err *err);
const char *libi_trim(const char *s, size_t *n);
int libi_valid_utf8(const char *s, size_t n);
wy_code libi_find_key(struct cat *c, const char *key, char **code, char **name,
                      struct wy_err *err);
void libi_forget(struct cat *c);
wy_code libi_load(struct cat *c, const char *code, struct lib_library *out,
                  int *found, struct wy_err *err);
wy_code libi_find_library(struct cat *c, const char *code_or_name, char **code,
                          struct wy_err *err);
wy_code libi_not_found(const char *what, struct wy_err *err);

#endif
