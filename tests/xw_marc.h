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

/* Reads every record of path with handler, writing each as DC and MODS,
   with the Nth allocation failing for N = 0, 1, ... until the whole run
   succeeds: each failing run must end in WY_ENOMEM (ASan checks leaks).
   Returns the record count of the successful run. */
size_t xw_alloc_failures(const char *handler, const char *path);

#endif
