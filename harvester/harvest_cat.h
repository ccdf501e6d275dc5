/* harvester/harvest_cat.h: the harvester's sink on the SQLite catalog, and
 * harvesting several sources of a catalog in parallel (a bounded number of
 * threads, one catalog connection each; SQLite in WAL mode lets them take
 * turns at writing, one page transaction at a time).
 */
#ifndef WY_HARVESTER_HARVEST_CAT_H
#define WY_HARVESTER_HARVEST_CAT_H

#include "core/err.h"
#include "harvester/harvest.h"
#include "repository/catalog.h"

/* The sink on one catalog connection for one source. Embedded; the strings
   are borrowed for its life. */
struct oai_catsink {
    struct cat *cat;
    const char *source;
    const char *collection; /* given to new records; may be NULL */
    const char *prefix;     /* format name of metadata no reader knows */
    struct wy_log *log;
    char *learned_prefix; /* owned */
};

/* Fills sink with callbacks on s (which must outlive the sink's use). */
void oai_catsink_init(struct oai_catsink *s, struct cat *cat,
                      const char *source, struct wy_log *log,
                      struct oai_sink *sink);
void oai_catsink_release(struct oai_catsink *s);

/* The catalog meta key that keeps the responseDate of the first page of a
   harvest in progress (written with each page's checkpoint). */
#define OAI_META_STARTED "harvest.started."
/* ... and the prefix the harvester chose for a source configured without
   one (the source's prefix then holds it too): while they agree, the
   prefix counts as chosen, so the completion pass still runs. */
#define OAI_META_CHOSEN "harvest.chosen."

/* Forgets the prefix the harvester chose for source `name` (call when the
   source is configured again: a prefix given then is the user's). */
wy_code oai_source_forget_choice(struct cat *c, const char *name,
                                 struct wy_err *err);

/* A source as the catalog keeps it, turned into the harvester's view. */
struct oai_source_state {
    struct cat_source src;
    char *setcopy, **sets, *started, *chosen;
    struct oai_source_cfg cfg; /* borrows from the fields above */
};

/* Loads source `name` and its checkpoint from c into st (release with
   oai_source_state_release even on error). WY_ENOTFOUND: no such source. */
wy_code oai_source_load(struct cat *c, const char *name,
                        struct oai_source_state *st, struct wy_err *err);
void oai_source_state_release(struct oai_source_state *st);

/*
 * Harvests one source of the catalog c with opts (log, progress). The
 * source's configuration and checkpoint come from the catalog.
 * counts may be NULL. Errors: WY_ENOTFOUND (no such source), and those of
 * oai_harvest().
 */
wy_code oai_harvest_source(struct cat *c, const char *name,
                           const struct oai_harvest_opts *opts,
                           struct oai_counts *counts, struct wy_err *err);

/* oai_harvest_one on a source of the catalog. */
wy_code oai_harvest_source_one(struct cat *c, const char *name,
                               const char *identifier,
                               const struct oai_harvest_opts *opts,
                               struct oai_counts *counts, struct wy_err *err);

/* One source's outcome in oai_harvest_sources. */
struct oai_result {
    const char *name; /* borrowed from the names given */
    wy_code code;
    char *msg; /* owned; NULL when code is WY_OK */
    struct oai_counts counts;
    double seconds;
};

/*
 * Harvests the n named sources of the catalog at catalog_path with up to
 * `threads` threads (each opens its own connection). results[n] is filled
 * (free the messages with oai_results_release). opts->log is shared: its
 * messages are serialised; opts->progress is called under the same lock.
 * Returns WY_OK when every source succeeded, else the first failure's code
 * (each source's own error is in its result).
 */
wy_code oai_harvest_sources(const char *catalog_path, const char *const *names,
                            size_t n, int threads,
                            const struct oai_harvest_opts *opts,
                            struct oai_result *results, struct wy_err *err);
void oai_results_release(struct oai_result *results, size_t n);

#endif
