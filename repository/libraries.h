/* repository/libraries.h: the register of member libraries (a library
   authority, as union catalogues keep one: a library is known by a code,
   ISIL-style such as CN-... where one is known, or a local code).

   Holdings name their library as each member writes it: 905 $a "BNU",
   Alma's AVA $a "86BNU_INST", a source "bnu", 北京師範大學圖書館. The
   register maps every such spelling to one code, so that "held by N
   libraries", the holding-library facet and the library OAI sets count
   libraries, not spellings.

   - A library: code (a setSpec token, [A-Za-z0-9_.!~*'()-], at most
     LIB_CODE_MAX bytes; it becomes the set "library:<code>"), a preferred
     name (Chinese), an optional English name.
   - Aliases: names and codes it is also written as. The code, the name
     and the English name are aliases from the start.
   - Resolution looks an alias up by its key (lib_key): NFKC, OpenCC t2s
     and the variant table (indexer/cjk.h, as the index folds Chinese),
     ASCII lower-cased, everything but letters, digits and ideographs
     dropped, and a trailing 图书馆 / "library" dropped. So 北京師範大學圖書館,
     "北京师范大学" and " 北京师范大学图书馆 " resolve alike without staff
     work. A name that resolves to nothing stays itself (trimmed); such
     names are listed by lib_names so staff can map them.

   Tables (catalog schema 4, docs/UNION-CATALOGUE.md): libraries,
   library_aliases (key -> code), library_holdings (the holding names of
   each record as written, kept by lib_put_record) and library_names (the
   resolution last applied to each holding or source name, so that
   libset_apply finds the records an alias changes).

   Functions take the catalog (one per thread); every write is atomic
   (inside a caller's cat_begin .. cat_commit it joins that transaction).
   Errors: WY_EINVAL (a bad argument, named), WY_ENOTFOUND (no such
   library), WY_EFORMAT (a register file, naming file and line), WY_EDB,
   WY_EINDEX (the normalizer cannot be loaded), WY_ENOMEM. */
#ifndef WY_REPOSITORY_LIBRARIES_H
#define WY_REPOSITORY_LIBRARIES_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "repository/catalog.h"

#define LIB_CODE_MAX 64
#define LIB_NAME_MAX 1024

/* A library of the register. Strings owned by the struct. */
struct lib_library {
    char *code, *name;
    char *name_en;   /* NULL when none */
    char **aliases;  /* as written, ordered */
    size_t naliases; /* (the code and names included) */
};
void lib_library_release(struct lib_library *l);
void lib_libraries_free(struct lib_library *v, size_t n);

/* Whether code can be a library code (see above). */
int lib_code_valid(const char *code);

/* Appends the resolution key of name to out ("" when it has no letter,
   digit or ideograph). WY_EINDEX, WY_ENOMEM. */
wy_code lib_key(struct cat *c, const char *name, struct wy_buf *out,
                struct wy_err *err);

/*
 * Registers a library with its code and names as aliases. name_en may be
 * NULL. WY_EINVAL: a bad code, an empty or overlong name, not UTF-8, the
 * code already registered, or a name that already stands for another
 * library (the message names both).
 */
wy_code lib_add(struct cat *c, const char *code, const char *name,
                const char *name_en, struct wy_err *err);

/*
 * Adds alias to the library named by code (or by any name resolving to
 * it). *added (may be NULL): 0 when the alias was already there.
 * WY_ENOTFOUND (no such library), WY_EINVAL (empty, nothing to match on,
 * or it already stands for another library).
 */
wy_code lib_alias(struct cat *c, const char *code, const char *alias,
                  int *added, struct wy_err *err);

/*
 * Removes the alias (any spelling with its key) from the library named by
 * code (or by any name resolving to it): the names it matched resolve to
 * nothing again, or to another alias of the library. WY_ENOTFOUND (no such
 * library, or not its alias), WY_EINVAL (the library's code).
 */
wy_code lib_unalias(struct cat *c, const char *code, const char *alias,
                    struct wy_err *err);

/* The library with this code, or whose alias name resolves to; fills
 *out (release with lib_library_release). WY_ENOTFOUND. */
wy_code lib_get(struct cat *c, const char *code_or_name,
                struct lib_library *out, struct wy_err *err);

/* The same by the code alone (no resolution, so no normalizer is
   loaded: the OAI provider names sets with it). WY_ENOTFOUND. */
wy_code lib_get_by_code(struct cat *c, const char *code,
                        struct lib_library *out, struct wy_err *err);

/* new: every library, ordered by code (lib_libraries_free). */
wy_code lib_list(struct cat *c, struct lib_library **out, size_t *n,
                 struct wy_err *err);

/*
 * Resolves a holding institution as written. new: *code (the library's
 * code, or NULL when unresolved) and *display (the preferred name, or the
 * trimmed input when unresolved; NULL for a blank input); either pointer
 * may be NULL when not wanted. A catalog without the register (an old
 * schema opened read-only) resolves nothing.
 */
wy_code lib_resolve(struct cat *c, const char *name, char **code,
                    char **display, struct wy_err *err);

/* A holding (or source) name seen in live records. */
struct lib_name_count {
    char *name;      /* as written, trimmed */
    char *code;      /* what it resolves to, or NULL */
    int64_t records; /* live records with it */
    int source;      /* 1: a source name (for records without holdings) */
};
void lib_name_counts_free(struct lib_name_count *v, size_t n);
/* new: the names, by descending record count then name; with
   unmapped_only only those that resolve to nothing. Names of records
   written before the register (not yet in library_holdings) are missing
   until libset_apply runs. */
wy_code lib_names(struct cat *c, int unmapped_only, struct lib_name_count **out,
                  size_t *n, struct wy_err *err);

/*
 * cat_put_record plus the record's holding names (trimmed, non-empty;
 * borrowed) kept in library_holdings when the record was added or
 * changed, in one transaction. The one writer libset_put_record uses.
 */
wy_code lib_put_record(struct cat *c, const struct cat_put *in,
                       const char *const *names, size_t nnames,
                       struct cat_put_result *res, struct wy_err *err);
/* Replaces the holding names kept for record id (backfill). */
wy_code lib_set_holdings(struct cat *c, int64_t id, const char *const *names,
                         size_t nnames, struct wy_err *err);

/*
 * The names whose resolution differs from the one last applied (a new
 * alias, a renamed library), with the new resolution recorded. For each,
 * fn(ctx, name, is_source, err) is called first (inside the transaction;
 * its error stops and undoes everything). A name seen for the first time
 * counts as changed only when it now resolves.
 */
typedef wy_code (*lib_name_fn)(void *ctx, const char *name, int is_source,
                               struct wy_err *err);
wy_code lib_changed_names(struct cat *c, lib_name_fn fn, void *ctx,
                          struct wy_err *err);

/* Calls fn(ctx, id) for the live records that hold name (is_source: the
   live records of that source without holdings), in id order. */
typedef wy_code (*lib_record_fn)(void *ctx, int64_t id, struct wy_err *err);
wy_code lib_records_of_name(struct cat *c, const char *name, int is_source,
                            lib_record_fn fn, void *ctx, struct wy_err *err);

/*
 * Loads a register file (UTF-8, tab-separated, '#' comments and blank
 * lines skipped): code, name, English name (may be empty), aliases
 * separated by '|' (may be absent). A code already registered gets the
 * names of the file (aliases are added, none removed). All or nothing:
 * on any error nothing is changed. WY_EFORMAT naming 'path: line N' and
 * the column; WY_EIO. *nlibs / *naliases (may be NULL): libraries
 * written, aliases added.
 */
wy_code lib_import_tsv(struct cat *c, const char *path, size_t *nlibs,
                       size_t *naliases, struct wy_err *err);
/* The same on a file's bytes (borrowed); name is used in messages. */
wy_code lib_import_tsv_mem(struct cat *c, const char *name, const void *data,
                           size_t size, size_t *nlibs, size_t *naliases,
                           struct wy_err *err);
/* Appends the register in the format lib_import_tsv reads. */
wy_code lib_export_tsv(struct cat *c, struct wy_buf *out, struct wy_err *err);

#endif
