/* service/web.h: the researchers' web page, its assets compiled in. */
#ifndef WY_SERVICE_WEB_H
#define WY_SERVICE_WEB_H

#include "service/http.h"

/* GET /: the single-page interface (index.html). */
enum MHD_Result svc_web_index(struct svc_req *req);
/* GET /assets/NAME: a compiled-in asset, or 404. */
enum MHD_Result svc_web_asset(struct svc_req *req);

#endif
