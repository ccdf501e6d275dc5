/* service/cite.h: citation export of a record's description (RIS for
   reference managers, BibTeX for LaTeX users). */
#ifndef WY_SERVICE_CITE_H
#define WY_SERVICE_CITE_H

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

/* Appends a RIS record (TY .. ER, CRLF line ends, UTF-8) built from
   r->desc; id is the catalog id, url the record's permalink (may be NULL).
   Errors from the buffer. */
wy_code svc_cite_ris(const struct wy_record *r, const char *id, const char *url,
                     struct wy_buf *out, struct wy_err *err);

/* Appends a BibTeX @book entry with key "wenyuanID"; braces, backslashes
   and other special characters in values are escaped. */
wy_code svc_cite_bibtex(const struct wy_record *r, const char *id,
                        const char *url, struct wy_buf *out,
                        struct wy_err *err);

#endif
