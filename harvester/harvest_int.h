/* harvester/harvest_int.h: PRIVATE to the harvest files
   (harvester/harvest*.c); nothing else includes it. The state of one
   harvest and the helpers the pieces share. The public API is
   harvester/harvest.h. */
#ifndef WY_HARVESTER_HARVEST_INT_H
#define WY_HARVESTER_HARVEST_INT_H

#include "harvester/harvest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"

#define RANK_DC 3

struct seen {
    uint64_t *h;
    size_t n, cap;
};

struct run {
    const struct oai_source_cfg *src;
    const struct oai_sink *sink;
    const struct oai_harvest_opts *o;
    struct wy_log *log;
    struct oai_client *cl;
    struct oai_counts c;
    struct wy_buf body;
    char *granularity;
    char *prefix;
    char *from, *until; /* the window (owned) */
    char *started;      /* responseDate of the harvest's first page */
    long long base_items, base_pages; /* from the checkpoint resumed */
    struct seen tokens;
    double t0;
    /* reconcile */
    char **ids;
    size_t nids, capids;
    /* GetRecord mode: the headers of one ListIdentifiers page */
    struct hdr *hdrs;
    size_t nhdrs, caphdrs;
    /* completion: the prefixes to try after the main one, richest first
       (owned; NULL: no completion pass) */
    char *alt[RANK_DC + 1];
    size_t nalt;
    long long main_items; /* items of the main pass, -1 when resumed */
};

struct hdr {
    char *id, *datestamp;
    char **sets;
    size_t nsets;
    int deleted;
};

wy_code harvi_commit_checkpoint(struct run *r, const char *token,
                                struct wy_err *err);
void harvi_hdrs_clear(struct run *r);
wy_code harvi_nomem(struct wy_err *err);
const char *harvi_url_of(const struct run *r);
wy_code harvi_ask(struct run *r, const char *const *kv, size_t n,
                  const struct oai_parse_opts *popts, struct oai_response *resp,
                  struct wy_err *err);
wy_code harvi_oai_failed(struct run *r, const struct oai_response *resp,
                         struct wy_err *err);
wy_code harvi_identify(struct run *r, struct wy_err *err);
char *harvi_cp_token(const struct run *r, size_t set, const char *tok);
char *harvi_cp_token_complete(size_t set, const char *tok);
int harvi_cp_parse_complete(const struct run *r, const char *stored,
                            size_t *set, const char **tok);
int harvi_cp_parse(const struct run *r, const char *stored, size_t *set,
                   const char **tok);
int harvi_seen_add(struct seen *st, const char *s);
wy_code harvi_on_item(void *ctx, const struct oai_item *it, struct wy_err *err);
wy_code harvi_on_header(void *ctx, const struct oai_item *it,
                        struct wy_err *err);
void harvi_progress(struct run *r);
wy_code harvi_run_list(struct run *r, size_t set_index, const char *token0,
                       struct wy_err *err);
wy_code harvi_complete_list(struct run *r, size_t set_index, const char *token0,
                            struct wy_err *err);

/* Refuses a resumptionToken next the provider sent before in this list (or
   equal to the one just asked with, token): WY_ESTATE, naming the URL.
   WY_ENOMEM. */
wy_code harvi_check_token(struct run *r, const char *token, const char *next,
                          struct wy_err *err);

/* The next page: *token becomes a copy of next (the old one freed); resp
   is released either way. WY_ENOMEM (then *token is unchanged). */
wy_code harvi_next_token(char **token, const char *next,
                         struct oai_response *resp, struct wy_err *err);

/* Stores the deletion the page's header i announces. */
wy_code harvi_deliver_deleted(struct run *r, size_t i, struct wy_err *err);

#endif
