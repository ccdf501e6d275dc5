/* service/oai_common.h: what the two OAI-PMH repositories of the service
   share (/oai: the library records, service/oai_provider.c; /oai/union: the
   clusters, service/oai_union.c): the envelope, errors, embedding a
   writer's output. */
#ifndef WY_SERVICE_OAI_COMMON_H
#define WY_SERVICE_OAI_COMMON_H

#include <stdint.h>

#include "core/buf.h"
#include "formats/record.h"
#include "service/http.h"
#include "service/oai_args.h"

/* Whether the request is for the union repository (path /oai/union). */
int oai_is_union(const struct svc_req *req);

/* Appends the site's URL without a trailing '/' ("http://HOST" or the
   configured base URL), raw (not escaped). */
void oai_site_url(struct svc_req *req, struct wy_buf *b);
/* Appends the repository's baseURL, XML-escaped: the site + "/oai" or
   "/oai/union". */
void oai_base_url(struct svc_req *req, struct wy_buf *b);

/* Appends the reply's head up to the verb's element; rq NULL: the request
   element carries no attributes (badVerb, badArgument: section 3.2). */
void oai_head(struct svc_req *req, struct wy_buf *b,
              const struct oai_request *rq, int64_t now);

/* A protocol error reply (200, <error code=...>). */
enum MHD_Result oai_reply_error(struct svc_req *req,
                                const struct oai_request *rq, int64_t now,
                                enum oai_error e, const char *msg);

/* Copies a format writer's output x[0..n) into b as one element in
   namespace ns (an XML declaration dropped, the namespace added to a root
   start tag without it). */
void oai_add_metadata_xml(struct wy_buf *b, const char *x, size_t n,
                          const char *ns);

/* Whether rec can be sent as MARC 21 slim (MARC21slim.xsd's leader). */
int oai_marc21_ok(const struct wy_record *rec);

#endif
