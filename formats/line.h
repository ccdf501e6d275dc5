/* formats/line.h: a record as readable text: the MARC fields in
   yaz-marcdump's line format, and the normalized view. */
#ifndef WY_FORMATS_LINE_H
#define WY_FORMATS_LINE_H

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

/*
 * Appends the MARC fields as yaz-marcdump -o line prints them: the leader,
 * then "001 value" for control fields and "245 10 $a ... $c ..." for data
 * fields, one per line. A record with no MARC fields adds only nothing.
 */
void line_write_marc(const struct wy_record *rec, struct wy_buf *out);

/* Appends the normalized view, one "label: value" per line. */
void line_write_desc(const struct wy_record *rec, struct wy_buf *out);

#endif
