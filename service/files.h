/* service/files.h: delivery of stored files, resolved only through the
   object's OCFL inventory. */
#ifndef WY_SERVICE_FILES_H
#define WY_SERVICE_FILES_H

#include "service/http.h"

/*
 * GET /files/OBJECT/PATH: the head version's file PATH of OBJECT, with its
 * MIME type, a strong ETag (from its sha512) and single Range requests.
 * PATH must pass wy_path_unsafe and name a file in the inventory; nothing
 * else on disk can be reached (no "..", no absolute path, no symlink, no
 * directory listing). Errors: 400 unsafe path, 404 unknown object or path.
 */
enum MHD_Result svc_files(struct svc_req *req);

/* A MIME type guessed from a file name's extension (borrowed, static). */
const char *svc_mime_of(const char *path);

#endif
