/* service/oai_union.h: /oai/union, the union catalogue's clusters as an
   OAI-PMH 2.0 repository of its own (docs/UNION-CATALOGUE.md, "OAI-PMH"). */
#ifndef WY_SERVICE_OAI_UNION_H
#define WY_SERVICE_OAI_UNION_H

#include <stdint.h>

#include "repository/home.h"
#include "service/http.h"
#include "service/oai_args.h"

/* Answers a request svc_oai has parsed (rq borrowed); home is the thread's
   open home. Protocol errors are 200 replies as on /oai. */
enum MHD_Result oai_union(struct svc_req *req, struct wy_home *home,
                          const struct oai_request *rq, int64_t now);

#endif
