/* tests/xw_marc.h: MARC records for the crosswalk tests, built field by
   field from a MARCXML document (any namespace: MARC 21 slim, CNMARC's
   http://www.nlc.cn/) with libxml2, independently of the formats' own
   MARCXML reader. */
#ifndef WY_TESTS_XW_MARC_H
#define WY_TESTS_XW_MARC_H

#include <stddef.h>

#include "formats/record.h"

/* new: the records of the MARCXML file at path, each of kind `kind`, with
   the view filled by xwalk_describe(); *n gets the count. Fails the test on
   any error. Free with xw_free_records(). */
struct wy_record **xw_load_marcxml(const char *path, enum wy_marc_kind kind,
                                   size_t *n);
void xw_free_records(struct wy_record **recs, size_t n);

/* new: the records a handler reads from a file (view filled). */
struct wy_record **xw_read_all(const char *handler, const char *path,
                               size_t *n);

#endif
