/* service/oai_provider.h: the OAI-PMH 2.0 data provider at /oai. */
#ifndef WY_SERVICE_OAI_PROVIDER_H
#define WY_SERVICE_OAI_PROVIDER_H

#include "service/http.h"

/* The prefix of our OAI identifiers: "oai:wenyuan:" + the catalog id. */
#define OAI_ID_PREFIX "oai:wenyuan:"

/*
 * GET or POST /oai (the library records) and /oai/union (the union
 * catalogue's clusters, service/oai_union.c): all six verbs. Protocol errors are <error code="...">
 * in a 200 reply (the spec keeps them apart from HTTP statuses); list
 * replies are streamed page by page with signed keyset resumption tokens.
 */
enum MHD_Result svc_oai(struct svc_req *req);

#endif
