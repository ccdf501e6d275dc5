/* repository/catalog_int.h: PRIVATE to the catalog files (catalog.c,
   cat_*.c and the library register libraries.c in repository/); nothing
   else includes it. The body of struct cat,
   the prepared statement cache and the helpers the pieces share. */
#ifndef WY_REPOSITORY_CATALOG_INT_H
#define WY_REPOSITORY_CATALOG_INT_H

#include "repository/catalog.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"

#define REC_HDR                                                                \
    "id, source, local_id, oai_id, datestamp, src_datestamp, deleted, "        \
    "collection, orig_format, hash, created, updated"
#define REC_ALL REC_HDR ", orig, model, desc"

enum stmt {
    S_FIND_LOCAL,
    S_COLL_EXISTS,
    S_REC_INSERT,
    S_REC_UPDATE,
    S_SETS_DELETE,
    S_SETS_INSERT,
    S_CHANGE_INSERT,
    S_TOMB_UPDATE,
    S_TOMB_INSERT,
    S_GET_ID_HDR,
    S_GET_ID_ALL,
    S_GET_LOCAL_HDR,
    S_GET_LOCAL_ALL,
    S_GET_OAI_HDR,
    S_GET_OAI_ALL,
    S_SETS_GET,
    S_CHANGES,
    S_CHANGES_LIMIT,
    S_LAST_SEQ,
    S_EARLIEST,
    S_COLL_PUT,
    S_COLL_GET,
    S_COLL_LIST,
    S_COLL_USED,
    S_COLL_DELETE,
    S_SRC_PUT,
    S_SRC_GET,
    S_SRC_LIST,
    S_SRC_DELETE,
    S_SRC_CHECKPOINT,
    S_SRC_FINISH,
    S_SRC_FAIL,
    S_HARVEST_LOG,
    S_REC_EXISTS,
    S_OBJ_PUT,
    S_OBJ_GET,
    S_OBJ_GET_REC,
    S_OBJ_LIST,
    S_OBJ_EXISTS,
    S_FILES_DELETE,
    S_FILES_INSERT,
    S_FILES_GET,
    S_AUDIT_BEGIN,
    S_AUDIT_RESULT,
    S_AUDIT_MARK,
    S_AUDIT_DONE,
    S_AUDIT_END,
    S_AUDIT_UNFINISHED,
    S_BATCH_FIND,
    S_BATCH_INSERT,
    S_ITEM_PUT,
    S_ITEM_GET,
    S_BATCH_END,
    S_INTENT_PUT,
    S_INTENT_DELETE,
    S_INTENT_LIST,
    S_INTENT_GET,
    S_META_GET,
    S_META_SET,
    S_NSTMT
};

/* Listing statements, prepared once per shape of query (which conditions,
   which columns) and kept with the connection. */
#define LIST_CACHE 32
struct list_stmt {
    unsigned key;
    int busy; /* being stepped (a nested cat_list gets its own) */
    sqlite3_stmt *s;
};

struct cat {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmt[S_NSTMT];
    struct list_stmt lst[LIST_CACHE];
    size_t nlst;
    int in_txn;
    int wdepth; /* nested write scopes open */
    char *now;  /* fixed clock for tests, or NULL */
    struct lib_state *libs; /* the library register's state (libraries.c):
                               its normalizer and statements, or NULL */
};

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")

/* Frees the library register's state (libraries.c); NULL is a no-op. */
struct lib_state;
void cati_libs_free(struct lib_state *ls);
/* Forgets what the register's state cached (a rollback may have undone
   register writes); NULL is a no-op. */
void cati_libs_forget(struct lib_state *ls);

/* The SQL of each cached statement (catalog.c). */
extern const char *const cati_stmt_sql[S_NSTMT];

/* Sets err to WY_EDB naming the catalog file and what failed. */
wy_code cati_db_fail(struct cat *c, struct wy_err *err, const char *what);
/* borrowed: the cached statement, reset and with bindings cleared. */
sqlite3_stmt *cati_st(struct cat *c, enum stmt id, struct wy_err *err);
int cati_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Steps a statement that returns no rows (or whose rows are ignored). */
wy_code cati_step_done(struct cat *c, sqlite3_stmt *s, const char *what,
                       struct wy_err *err);
/* new: column i as a string, or NULL; clears *ok when out of memory. */
char *cati_col_dup(sqlite3_stmt *s, int i, int *ok);
/* A write scope (see catalog.c): every w_begin is matched by a w_end. */
wy_code cati_w_begin(struct cat *c, struct wy_err *err);
wy_code cati_w_end(struct cat *c, wy_code rc, struct wy_err *err);
/* A write of one statement: cati_w_stmt begins a write scope and returns
   the cached statement (NULL, the scope ended and err set, on failure);
   bind it, then cati_w_step steps it and ends the scope. */
sqlite3_stmt *cati_w_stmt(struct cat *c, enum stmt id, struct wy_err *err);
wy_code cati_w_step(struct cat *c, sqlite3_stmt *s, const char *what,
                    struct wy_err *err);
int cati_is_utc_stamp(const char *s);
wy_code cati_collection_exists(struct cat *c, const char *code, int *yes,
                               struct wy_err *err);
wy_code cati_load_sets(struct cat *c, struct cat_record *r, struct wy_err *err);
wy_code cati_row_record(struct cat *c, sqlite3_stmt *s, int all,
                        struct cat_record **out, struct wy_err *err);
wy_code cati_one_int(struct cat *c, sqlite3_stmt *s, int64_t *out,
                     const char *what, struct wy_err *err);
wy_code cati_collect(struct cat *c, sqlite3_stmt *s, void **arr, size_t *n,
                     size_t elem,
                     wy_code (*row)(sqlite3_stmt *, void *, struct wy_err *),
                     const char *what, struct wy_err *err);

#endif
