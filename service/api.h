/* service/api.h: the JSON API: search, records (in every format, and as
   citations), collections and digital objects. Errors are JSON
   {"error": code, "message": ...} with the HTTP status; a bad parameter is
   a 400 whose message names it. */
#ifndef WY_SERVICE_API_H
#define WY_SERVICE_API_H

#include "service/http.h"

/* Caps: a page of search results, and a page number (deep paging costs the
   index; nobody reads page 10,000). */
#define SVC_SEARCH_SIZE_MAX 100
#define SVC_SEARCH_PAGE_MAX 10000
#define SVC_QUERY_MAX 1000 /* bytes of q */

/* GET /api/search?q=&collection=&facet=NAME:VALUE...&from=&to=&sort=
   &page=&size= */
enum MHD_Result svc_api_search(struct svc_req *req);
/* GET /api/records/ID[?format=json|marcxml|mods|oai_dc|marc21] and
   /api/records/ID/cite?style=ris|bibtex */
enum MHD_Result svc_api_record(struct svc_req *req);
/* GET /api/collections */
enum MHD_Result svc_api_collections(struct svc_req *req);
/* GET /api/objects/ID: files (size, MIME type, checksums) and versions. */
enum MHD_Result svc_api_object(struct svc_req *req);

#endif
