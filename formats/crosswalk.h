/* formats/crosswalk.h: MARC fields to the normalized descriptive view, and
   between formats, following the Library of Congress and IFLA mappings
   (tables in docs/FORMATS.md). */
#ifndef WY_FORMATS_CROSSWALK_H
#define WY_FORMATS_CROSSWALK_H

#include "core/err.h"
#include "formats/record.h"

/* Fills r->desc from r's MARC fields according to r->kind (MARC 21 or
   UNIMARC); a record with kind WY_MARC_NONE is left as it is. */
wy_code xwalk_describe(struct wy_record *r, struct wy_err *err);

#endif
