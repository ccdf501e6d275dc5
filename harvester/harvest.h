/* harvester/harvest.h: the harvesting loop of one source.
 *
 * Identify first (granularity), the richest metadataPrefix the provider
 * offers unless one is configured (marc21/marcxml, then unimarc, then mods,
 * then oai_dc),
 * then ListRecords paged by resumptionToken (or ListIdentifiers + GetRecord
 * for providers whose ListRecords is broken), set by set. Each page's
 * records and the token to go on with are handed to the sink between
 * begin_page and commit_page, which the sink makes ONE transaction: a
 * harvest killed at any moment resumes from the last committed page, with
 * no gap and no duplicate.
 *
 * Incremental: without --from/--full, `from` is the responseDate of the
 * first page of the previous complete harvest, cut to the provider's
 * granularity. noRecordsMatch is success. Guards against looping
 * providers: a repeated token, pages that are empty but carry a token, a
 * page limit; a completeListSize that disagrees with what arrived is
 * warned about. An expired token (badResumptionToken) restarts the list
 * once with the same window.
 *
 * Completion: when the prefix was chosen (not configured) and is not
 * oai_dc, a provider may hold items it cannot send in it (UNIMARC records
 * are not MARC 21), so after the main pass the oai_dc ListIdentifiers of
 * the same window (every item has oai_dc) is walked; each item the sink
 * does not hold at that datestamp (sink->held) is fetched with GetRecord in
 * the next richest prefix offered (cannotDisseminateFormat: the next one).
 * Its pages are committed with a checkpoint "wy-complete:SET:TOKEN" like the
 * main pass's, so a killed harvest resumes inside it. It is skipped when
 * the main pass (not resumed, whole repository or one set) received as
 * many items as the oai_dc list's completeListSize.
 *
 * The catalog stays behind `struct oai_sink`, so this file knows nothing of
 * SQLite; harvester/harvest_cat.c implements the sink on the catalog.
 */
#ifndef WY_HARVESTER_HARVEST_H
#define WY_HARVESTER_HARVEST_H

#include <stddef.h>

#include "core/err.h"
#include "core/log.h"
#include "harvester/oai_client.h"
#include "harvester/oai_parse.h"

/* Where an interrupted harvest stands; all strings borrowed. */
struct oai_checkpoint {
    const char *token;        /* NULL: no harvest in progress */
    long long cursor;         /* items seen so far in this harvest */
    long long pages;          /* pages committed so far in this harvest */
    const char *from, *until; /* the window of the harvest in progress */
    const char *started;      /* responseDate of its first page: the next
                                 incremental harvest's from */
};

/* What the harvester knows about a source; all strings borrowed. */
struct oai_source_cfg {
    const char *name, *url;
    const char *prefix;      /* NULL: choose the richest offered */
    int prefix_chosen;       /* prefix was chosen by an earlier harvest
                                (not configured): completion applies */
    const char *const *sets; /* NULL/0: the whole repository */
    size_t nsets;
    const char *last_response_date; /* NULL: never harvested completely */
    struct oai_checkpoint cp;       /* cp.token NULL: nothing to resume */
};

struct oai_counts {
    long long added, updated, unchanged, deleted, bad;
    long long pages, items;       /* pages and items (records + deleted) */
    long long complete_list_size; /* the provider's last figure, -1 none */
    long long reconciled;         /* records marked deleted by reconcile */
    long long completed;          /* records fetched by the completion pass in a
                                     prefix other than the main one */
};

/* The catalog as the harvester sees it. Every callback gets ctx first. */
struct oai_sink {
    void *ctx;
    /* Opens the page's transaction. */
    wy_code (*begin_page)(void *ctx, struct wy_err *err);
    /* Stores a record (it->rec may be NULL when no reader knows the
       format: then only it->metadata is there) or, when it->deleted, marks
       it deleted; adds to counts (added/updated/unchanged/deleted). */
    wy_code (*record)(void *ctx, const struct oai_item *it,
                      struct oai_counts *counts, struct wy_err *err);
    /* Writes the checkpoint (cp->token NULL: the list is done) and
       commits, all in the transaction begin_page opened. */
    wy_code (*commit_page)(void *ctx, const struct oai_checkpoint *cp,
                           struct wy_err *err);
    /* Commits the open transaction without touching the checkpoint (a
       single GetRecord). */
    wy_code (*commit)(void *ctx, struct wy_err *err);
    /* Rolls the page back; never fails. */
    void (*abort_page)(void *ctx);
    /* Remembers what Identify/ListMetadataFormats told (may be NULL). */
    wy_code (*learned)(void *ctx, const char *granularity, const char *prefix,
                       struct wy_err *err);
    /* The harvest ended well: the next from is response_date. */
    wy_code (*finish)(void *ctx, const char *response_date,
                      const struct oai_counts *c, struct wy_err *err);
    /* The harvest failed with msg; the checkpoint stays for a resume. */
    wy_code (*fail)(void *ctx, const char *msg, const struct oai_counts *c,
                    struct wy_err *err);
    /* Completion pass: 1 when the catalog already holds the identifier at
       this datestamp (deleted as said), 0 when not, -1 with err set on
       failure. NULL: no completion pass. */
    int (*held)(void *ctx, const char *identifier, const char *datestamp,
                int deleted, struct wy_err *err);
    /* Reconcile: the provider holds exactly these live identifiers (sorted,
       strcmp order); mark every other live record of the source deleted
       and add their number to c->reconciled. */
    wy_code (*reconcile)(void *ctx, const char *const *ids, size_t n,
                         struct oai_counts *c, struct wy_err *err);
};

enum oai_mode {
    OAI_MODE_LISTRECORDS = 0,
    OAI_MODE_GETRECORD /* ListIdentifiers + GetRecord */
};

struct oai_progress {
    const char *source;
    const struct oai_counts *counts;
    double started; /* wy_now() at the start */
};

struct oai_harvest_opts {
    const char *from, *until; /* override the window (NULL: none) */
    int full;                 /* ignore the previous harvest's date */
    int reconcile;            /* list identifiers, mark the missing */
    enum oai_mode mode;
    long max_pages;      /* 0: 1,000,000 */
    int max_empty_pages; /* empty pages with a token in a row
                            before giving up; 0: 5 */
    struct oai_client_opts http;
    struct wy_log *log;
    void (*progress)(void *ctx, const struct oai_progress *p);
    void *progress_ctx;
};

/* Fills o with the defaults (and the client's defaults). */
void oai_harvest_opts_default(struct oai_harvest_opts *o);

/*
 * Harvests one source into the sink. counts (may be NULL) gets what was
 * done. On failure the sink's fail() has been called (the checkpoint of the
 * last committed page stays) and the error names the source, the page and
 * the URL. Errors: WY_EHTTP (network, HTTP status, or an OAI-PMH error
 * reported by code and message), WY_EFORMAT (a page that cannot be read),
 * WY_ESTATE (a provider that loops), whatever the sink returns.
 */
wy_code oai_harvest(const struct oai_source_cfg *src,
                    const struct oai_sink *sink,
                    const struct oai_harvest_opts *o, struct oai_counts *counts,
                    struct wy_err *err);

/*
 * Fetches one record with GetRecord (the source's prefix, or the richest
 * offered; when the prefix was chosen, not configured, the poorer ones
 * offered on cannotDisseminateFormat) and stores it (or its deletion) in one
 * transaction; the checkpoint and the incremental window are left alone. Errors
 * as for oai_harvest; an OAI error such as idDoesNotExist is WY_EHTTP naming
 * it.
 */
wy_code oai_harvest_one(const struct oai_source_cfg *src,
                        const struct oai_sink *sink,
                        const struct oai_harvest_opts *o,
                        const char *identifier, struct oai_counts *counts,
                        struct wy_err *err);

/* The from of an incremental harvest: date cut to the granularity
   ("YYYY-MM-DD" keeps the day). new: free(); NULL when date is NULL. */
char *oai_from_for(const char *date, const char *granularity);

/* Picks the richest prefix among the n offered; borrowed from them, NULL
   when none of marc21/marcxml, unimarc, mods, oai_dc is offered. */
const char *oai_pick_prefix(const char *const *offered, size_t n);

#endif
