/* repository/libsets.h: the holding libraries as OAI-PMH sets.

   A record held by a library is in the set "library:<code>", a child of
   the set "library". <code> is ASCII and stable: the institution string
   itself when it is already a setSpec token ([A-Za-z0-9_.!~*'()-]+, at
   most LIBSET_TOKEN_MAX bytes, e.g. a MARC organization code CN-BJ-NLC or
   BNU), else the first 12 hex digits of the SHA-256 of its Unicode NFC
   form (北京师范大学图书馆 -> "library:" + 12 hex). The library's name is
   kept in the catalog's meta table under "set.library:<code>" so that
   ListSets can give it as setName.

   With the library register (repository/libraries.h), a holding that
   resolves to a registered library is in "library:<the library's code>"
   instead, whatever the spelling, and the set is named by the register. */
#ifndef WY_REPOSITORY_LIBSETS_H
#define WY_REPOSITORY_LIBSETS_H

#include "core/err.h"
#include "formats/record.h"
#include "repository/catalog.h"

#define LIBSET_PARENT "library"
#define LIBSET_PREFIX "library:"
#define LIBSET_TOKEN_MAX 64
/* "library:" + a code + NUL */
#define LIBSET_SPEC_MAX (8 + LIBSET_TOKEN_MAX + 1)
/* The meta key prefix of a set's name: "set." + setSpec. */
#define LIBSET_META_PREFIX "set."

/*
 * The setSpec "library:<code>" of a holding institution, into out.
 * Leading and trailing blanks of the name are ignored. Returns 0, or -1 when
 * the name is empty (no set).
 */
int libset_spec(const char *institution, char out[LIBSET_SPEC_MAX]);

/*
 * cat_put_record with in->sets plus the library sets of in->rec's
 * holdings (deduplicated, after the given ones), recording each
 * unregistered library's name in the meta table when it is not the code
 * itself and not yet recorded, and the holding names in the register's
 * library_holdings (lib_put_record). The one place importers, the
 * harvester and ingest write records through. in is borrowed; res may be
 * NULL. Errors: those of cat_put_record, cat_meta_set and lib_resolve,
 * WY_ENOMEM.
 */
wy_code libset_put_record(struct cat *c, const struct cat_put *in,
                          struct cat_put_result *res, struct wy_err *err);

/*
 * What a change to the library register (repository/libraries.h) means
 * for records already in the catalog: the records holding a name whose
 * resolution changed (a new alias, a renamed library) get their library
 * sets recomputed; when the sets change, the record's datestamp moves and
 * a 'put' enters the change log (an OAI harvester sees the new setSpecs),
 * otherwise a 'put' alone (the index's library facet and the clusters'
 * holdings follow at the next 'wenyuan index' and cluster sync). full (and
 * the first apply in a catalog) also backfills every live record: library
 * sets for records written before holding libraries were sets, and the
 * holding names the register keeps. stats may be NULL.
 */
struct libset_apply_stats {
    size_t names;        /* names whose resolution changed */
    size_t records;      /* records looked at */
    size_t sets_changed; /* of which the sets changed */
    size_t touched;      /* of which only logged as changed */
};
wy_code libset_apply(struct cat *c, int full, struct libset_apply_stats *stats,
                     struct wy_err *err);

/*
 * The name of a set that is not a collection: for "library" 收藏馆
 * (holding libraries), for "library:<code>" the register's preferred name
 * of a registered library, else the recorded library name (or
 * the code when none is recorded), otherwise NULL. new: *out (free()), or
 * NULL.
 */
wy_code libset_name(struct cat *c, const char *spec, char **out,
                    struct wy_err *err);

#endif
