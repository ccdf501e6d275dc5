/* service/routes.h: the route table and the dispatcher. */
#ifndef WY_SERVICE_ROUTES_H
#define WY_SERVICE_ROUTES_H

#include "service/http.h"

/* A route: path exact, or a prefix when it ends in '/'. GET routes also
   answer HEAD. */
struct svc_route {
    const char *method, *path;
    enum MHD_Result (*handle)(struct svc_req *req);
};

/* Runs the handler of the route matching the request: 404 for an unknown
   path, 405 with Allow for a known path and another method. */
enum MHD_Result svc_route(struct svc_req *req);

#endif
