/* service/union_api.h: the union catalogue over JSON: one hit per cluster
   ("held by N libraries") and a cluster's members and holdings. */
#ifndef WY_SERVICE_UNION_API_H
#define WY_SERVICE_UNION_API_H

#include "service/http.h"

/* GET /api/union/search?q=&collection=&page=&size=: the search of
   /api/search with the hits grouped by cluster in rank order; each hit is
   the best-ranked record of its cluster with "cluster", "records" and
   "held_by" (distinct libraries). Grouping is done over the first 1,000
   matching records. */
enum MHD_Result svc_union_search(struct svc_req *req);

/* GET /api/clusters/ID (a cluster id or any member's record id): members
   with score, keys and why they are tied; the display record; holdings
   with links to each library's own record. 404 when not clustered. */
enum MHD_Result svc_union_cluster(struct svc_req *req);

/* GET /api/clusters?since=&until=&after=&size=: the clusters in order
   of change (datestamp, id), live and deleted (a vanished id), each with
   id, datestamp, deleted and href; since/until inclusive (YYYY-MM-DD or
   YYYY-MM-DDThh:mm:ssZ); "next" is the URL of the following page (after=
   DATESTAMP/ID of the last item) or null. size 1 to 1000 (100). */
enum MHD_Result svc_union_clusters(struct svc_req *req);

#endif
