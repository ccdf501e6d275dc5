/* formats/xwalk_marc.h: the field-level crosswalk between MARC 21 and
   UNIMARC/CNMARC bibliographic records, after the Library of Congress /
   IFLA conversion tables (the mapping actually implemented is the table in
   docs/MARC.md, "MARC 21 <-> UNIMARC"). Nothing is lost silently: a field
   with no equivalent is kept whole in MARC 21 887 / UNIMARC 886 ("data not
   converted from source format"), local fields (9XX, X9X, letter tags) are
   carried over unchanged, and both are listed in the report. */
#ifndef WY_FORMATS_XWALK_MARC_H
#define WY_FORMATS_XWALK_MARC_H

#include <stddef.h>

#include "core/err.h"
#include "formats/record.h"

/* What a conversion could not map one to one. */
struct xwalk_marc_report {
    size_t unmapped; /* source fields kept whole in 887 (MARC 21) or 886
                        (UNIMARC) */
    size_t local;    /* local fields carried over under their own tag */
    size_t dropped;  /* subfields or coded values with no place in the
                        target (each named in a warning) */
    char **warn;     /* heap: one sentence each ("102: no MARC 21 field;
                        kept in 887") */
    size_t nwarn, capwarn;
};

#define XWALK_MARC_REPORT_INIT                                                 \
    {                                                                          \
        0, 0, 0, NULL, 0, 0                                                    \
    }

/* Frees the warnings and zeroes the counts (the report can be reused). */
void xwalk_marc_report_release(struct xwalk_marc_report *rep);

/* Whether the report says something was not mapped one to one. */
int xwalk_marc_lossy(const struct xwalk_marc_report *rep);

/*
 * Converts `in` (borrowed; kind WY_UNIMARC) into `out` (an empty record from
 * wy_record_new or wy_record_clear, filled here: leader, fields in tag
 * order, kind WY_MARC21, and the view through xwalk_describe). Text stays
 * UTF-8 and the leader says so (leader/09 'a'). rep (may be NULL) gets the
 * counts and warnings appended. Errors: WY_EINVAL when `in` is not
 * UNIMARC, WY_ENOMEM.
 */
wy_code xwalk_unimarc_to_marc21(const struct wy_record *in,
                                struct wy_record *out,
                                struct xwalk_marc_report *rep,
                                struct wy_err *err);

/*
 * The reverse: `in` of kind WY_MARC21 into `out` as UNIMARC (kind
 * WY_UNIMARC, 100 $a/26-29 "50  ": UTF-8). 887 fields written by
 * xwalk_unimarc_to_marc21 give their UNIMARC field back. Errors as above.
 */
wy_code xwalk_marc21_to_unimarc(const struct wy_record *in,
                                struct wy_record *out,
                                struct xwalk_marc_report *rep,
                                struct wy_err *err);

#endif
