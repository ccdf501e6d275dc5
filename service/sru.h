/* service/sru.h: SRU 2.0 (and 1.1/1.2) at /sru: searchRetrieve and explain
   over the search index, CQL parsed by YAZ's CQL parser. See
   docs/UNION-CATALOGUE.md for the indexes, schemas and diagnostics. */
#ifndef WY_SERVICE_SRU_H
#define WY_SERVICE_SRU_H

#include "core/buf.h"
#include "core/err.h"
#include "indexer/idx.h"
#include "service/http.h"

/* GET or POST /sru. SRU reports its errors as diagnostics inside a 200
   reply (SRU 2.0 section 7); only a failure of the server itself is a
   500. */
enum MHD_Result svc_sru(struct svc_req *req);

/* An SRU diagnostic: number in info:srw/diagnostic/1/, details. */
struct sru_diag {
    int code;
    char *details; /* owned, may be NULL */
};

/*
 * Maps a CQL query onto the index's query: the text goes to q->q (new:
 * *text, free()), a dc.date clause ANDed at the top becomes q->from_year /
 * q->to_year, sortby dc.date/dc.title q->sort. Returns 0, or the SRU
 * diagnostic number (10 syntax error, 16 unsupported index, 19 unsupported
 * relation, 20 unsupported relation modifier, 37 unsupported boolean
 * operator, 48 unsupported query feature, 80 unsupported sort) with
 * details in d.
 */
int sru_cql_to_query(const char *cql, struct idx_query *q, char **text,
                     struct sru_diag *d);

#endif
