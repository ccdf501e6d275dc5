/* tests/fuzz/fuzz_cql.c: an SRU query (CQL, from the HTTP request) through
   YAZ's CQL parser and our mapping onto the index's query. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#include "service/params.h"
#include "service/sru.h"

WY_FUZZ_TARGET(cql)
{
    /* the service refuses longer values before SRU sees them */
    if (size > SVC_PARAM_VAL_MAX || memchr(data, 0, size))
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct idx_query q = IDX_QUERY_INIT;
    struct sru_diag d = {0, NULL};
    char *text = NULL;
    sru_cql_to_query(s, &q, &text, &d);
    free(text);
    free(d.details);
    free(s);
    return 0;
}
