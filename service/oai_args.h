/* service/oai_args.h: OAI-PMH 2.0 request arguments: which verb, which
   arguments it allows, datestamps (protocol sections 3.1.1, 3.3, 3.6). */
#ifndef WY_SERVICE_OAI_ARGS_H
#define WY_SERVICE_OAI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "service/params.h"

enum oai_verb {
    OAI_NOVERB = 0,
    OAI_IDENTIFY,
    OAI_LIST_METADATA_FORMATS,
    OAI_LIST_SETS,
    OAI_GET_RECORD,
    OAI_LIST_IDENTIFIERS,
    OAI_LIST_RECORDS
};

/* The protocol's error codes (section 3.6); OAI_OK for none. */
enum oai_error {
    OAI_OK = 0,
    OAI_BAD_ARGUMENT,
    OAI_BAD_RESUMPTION_TOKEN,
    OAI_BAD_VERB,
    OAI_CANNOT_DISSEMINATE_FORMAT,
    OAI_ID_DOES_NOT_EXIST,
    OAI_NO_RECORDS_MATCH,
    OAI_NO_METADATA_FORMATS,
    OAI_NO_SET_HIERARCHY
};

#define OAI_TIME_NONE INT64_MIN

struct oai_request {
    enum oai_verb verb;
    /* borrowed from the params; NULL when absent */
    const char *identifier, *prefix, *from_s, *until_s, *set, *token;
    int64_t from, until; /* seconds since the epoch, UTC; _NONE */
};

/* The verb's name ("ListRecords"), or NULL. */
const char *oai_verb_name(enum oai_verb v);
/* The error code as the protocol spells it ("badArgument"). */
const char *oai_error_name(enum oai_error e);

/*
 * Checks the arguments against the verb: a missing, unknown or repeated verb
 * is badVerb; a repeated, unknown, missing or malformed argument, or an
 * argument besides an exclusive resumptionToken, is badArgument. Returns
 * OAI_OK and fills rq, or the error with a sentence in msg (which names the
 * argument). `until` of day granularity covers that whole day; from and
 * until must share a granularity and from may not follow until.
 */
enum oai_error oai_parse_request(const struct svc_params *ps,
                                 struct oai_request *rq, struct wy_buf *msg);

/*
 * Parses a UTCdatetime: "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" (n bytes).
 * end_of_day: a day means its last second (for until). Returns 0 and sets
 * *t and *day (1 for day granularity), or -1.
 */
int oai_parse_datestamp(const char *s, size_t n, int end_of_day, int64_t *t,
                        int *day);

/* Writes "YYYY-MM-DDThh:mm:ssZ" (true UTC) into out (at least 21 bytes). */
void oai_format_datestamp(int64_t t, char out[21]);

/* Whether s is a valid metadataPrefix / setSpec per the OAI-PMH schema:
   [A-Za-z0-9\-_.!~*'()]+ (setSpec: such parts joined by ':'). */
int oai_valid_prefix(const char *s);
int oai_valid_setspec(const char *s);

#endif
