/* harvester/oai_parse.h: a streaming parser of OAI-PMH 2.0 responses.
 *
 * One response (a "page") is read with an xmlTextReader, never as a whole
 * DOM: each <record> (or ListIdentifiers <header>) is handed to a callback as
 * soon as it has been read, with its <metadata> child serialized on its own
 * and read into a wy_record by the formats handler of the metadataPrefix.
 * Memory is flat in the number of records on a page.
 *
 * Real providers send broken pages, so the parser repairs what is safe
 * before libxml2 sees the bytes, and says so in the response's counters:
 *  - characters XML 1.0 forbids (C0 controls other than TAB/LF/CR, U+FFFE,
 *    U+FFFF, and character references to them) are removed;
 *  - bytes that are not UTF-8 in a page labelled (or defaulting to) UTF-8:
 *    if the page reads cleanly as GB18030 (common in Chinese systems) it is
 *    re-decoded from GB18030, else each bad byte becomes U+FFFD;
 *  - a record that breaks the XML (or whose metadata no handler can read) is
 *    skipped, logged with its identifier and the reason, and the rest of the
 *    page is kept.
 * OAI-PMH protocol errors (<error code=...>) are not failures of the parser:
 * they are returned in the response for the harvester to judge.
 */
#ifndef WY_HARVESTER_OAI_PARSE_H
#define WY_HARVESTER_OAI_PARSE_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "formats/format.h"
#include "formats/record.h"

/* One item of a list: a ListRecords/GetRecord record or a ListIdentifiers
   header. Everything is borrowed for the duration of the callback. */
struct oai_item {
    const char *identifier;  /* never NULL or empty */
    const char *datestamp;   /* "" when the provider gave none */
    const char *const *sets; /* setSpec values, in order */
    size_t nsets;
    int deleted;          /* header status="deleted" */
    const char *metadata; /* the <metadata> child as a standalone
                             XML document; NULL when absent */
    size_t metadata_len;
    struct wy_record *rec; /* the metadata read by the handler;
                              NULL when deleted, absent, not asked
                              for, or no handler reads the format */
    size_t ordinal;        /* 1-based position on the page */
};

struct oai_format {
    const char *prefix, *schema, *ns;
};

struct oai_set {
    const char *spec, *name;
};

struct oai_error {
    const char *code;    /* "badResumptionToken", ... ("" if none) */
    const char *message; /* "" when the provider gave none */
};

struct oai_identify {
    const char *repository_name, *base_url, *protocol_version;
    const char *earliest_datestamp; /* also from <earliestTimestamp> */
    const char *deleted_record;     /* no, transient, persistent */
    const char *granularity;        /* YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ */
    const char **compression;
    size_t ncompression, capcompression;
    const char **admin_email;
    size_t nadmin_email, capadmin_email;
};

struct oai_token {
    int present;                  /* a <resumptionToken> element was seen */
    const char *value;            /* byte for byte; "" on the last page */
    long long cursor;             /* -1 when absent */
    long long complete_list_size; /* -1 when absent */
    const char *expiration_date;  /* NULL when absent */
};

/* What was read from one response. Strings live in `arena`; release with
   oai_response_release(). */
struct oai_response {
    struct wy_arena *arena;
    const char *response_date; /* NULL when absent */
    const char *request_url;   /* text of <request> */
    const char *verb;          /* the verb element present (Identify,
                                  ListRecords, ...), or NULL */
    const char *req_verb, *req_prefix, *req_set, *req_from, *req_until,
        *req_token, *req_identifier; /* attributes of <request> */
    struct oai_error *errors;
    size_t nerrors, caperrors;
    struct oai_identify identify; /* filled for Identify */
    struct oai_token token;
    size_t nitems;   /* items handed to the callback */
    size_t ndeleted; /* of which deleted */
    size_t nbad;     /* records skipped as broken */
    size_t nformats, nsets;
    size_t stripped;          /* illegal XML characters removed */
    size_t replaced;          /* bad UTF-8 bytes replaced by U+FFFD */
    const char *recoded_from; /* "GB18030" when the page was re-decoded */
};

struct oai_parse_opts {
    /* Reads <metadata>; NULL: the handler is chosen by the metadataPrefix
       given here (oai_handler_for) or, failing that, detected per record. */
    const struct fmt_handler *handler;
    const char *prefix; /* the metadataPrefix asked for; may be NULL */
    int no_records;     /* 1: do not read metadata into records
                           (reconcile, counting) */
    void *ctx;
    /* Each callback may be NULL. An error they return stops the parse and is
       returned by oai_parse. */
    wy_code (*item)(void *ctx, const struct oai_item *it, struct wy_err *err);
    wy_code (*format)(void *ctx, const struct oai_format *f,
                      struct wy_err *err);
    wy_code (*set)(void *ctx, const struct oai_set *s, struct wy_err *err);
    struct wy_log *log; /* warnings: repairs, skipped records */
};

/*
 * Parses one response of n bytes at p (borrowed; not modified). `name` (the
 * URL or file name) starts every message. Fills *resp (which the caller
 * releases with oai_response_release even on error).
 * Returns WY_OK when the response was read, including responses that carry
 * OAI-PMH errors (see resp->errors); WY_EFORMAT when it is not a readable
 * OAI-PMH response (the message names line and column); WY_ENOMEM; or the
 * error a callback returned.
 */
wy_code oai_parse(const unsigned char *p, size_t n, const char *name,
                  const struct oai_parse_opts *opts, struct oai_response *resp,
                  struct wy_err *err);

/* Frees what the response holds; it is zeroed afterwards. */
void oai_response_release(struct oai_response *resp);

/* borrowed: the first OAI-PMH error with this code, or NULL. */
const struct oai_error *oai_response_error(const struct oai_response *resp,
                                           const char *code);

/* borrowed: the handler that reads a metadataPrefix (marc21, marcxml, MARC21,
   oai_dc, mods, ...) or NULL when none is linked or the prefix is unknown. */
const struct fmt_handler *oai_handler_for(const char *prefix);

/*
 * The repair pass on its own (used by oai_parse, exposed for tests): if the
 * n bytes at p need no repair, *out is left empty and WY_OK returned;
 * otherwise *out gets the repaired bytes and the counters are set.
 * recoded_from is set to a static string ("GB18030") when re-decoded.
 */
wy_code oai_repair(const unsigned char *p, size_t n, struct wy_buf *out,
                   size_t *stripped, size_t *replaced,
                   const char **recoded_from, struct wy_err *err);

#endif
