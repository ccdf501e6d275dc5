/* formats/crosswalk.h: MARC fields to the normalized descriptive view,
   following the Library of Congress MARC-to-DC / MARC-to-MODS mappings for
   MARC 21 and IFLA's UNIMARC-to-DC mapping for UNIMARC/CNMARC (the tables
   actually implemented are in docs/FORMATS.md). The DC and MODS writers
   work from the view, so every input reaches every output through here. */
#ifndef WY_FORMATS_CROSSWALK_H
#define WY_FORMATS_CROSSWALK_H

#include <stddef.h>

#include "core/err.h"
#include "formats/record.h"

/*
 * Fills r->desc from r's MARC fields according to r->kind (MARC 21 or
 * UNIMARC); a record with kind WY_MARC_NONE (read from DC or MODS, whose
 * readers fill the view themselves) is left as it is. Strings go into r's
 * arena. Errors: WY_ENOMEM (or WY_ETOOBIG for a field over 1 MiB).
 */
wy_code xwalk_describe(struct wy_record *r, struct wy_err *err);

/*
 * The year range of a date as written: "1765", "c1994.", "[18--]" (1800 to
 * 1899), "197-?" (1970 to 1979), "19uu", "1994-1996", "清乾隆三十年[1765]".
 * Arabic years of four places win; without one, reign eras, sexagenary
 * years and dynasties are read by fmt_date_years_n ("清乾隆三十年" gives
 * 1765). Returns 1 and sets *from, *to when found.
 */
int xwalk_year_range(const char *s, size_t n, int *from, int *to);

/*
 * A dynasty marker at the start of s: "(清)", "（清）", "[清]" or "〔清〕"
 * around one to four non-ASCII characters, as Chinese catalogues write it
 * before a name or in MARC $c/$d, UNIMARC $c/$f. Returns the marker's length
 * in bytes (0: none) and points *dyn, *dlen at the dynasty inside (borrowed
 * from s).
 */
size_t xwalk_dynasty(const char *s, size_t n, const char **dyn, size_t *dlen);

/* borrowed: the DCMI Type term ("Text", "StillImage", ...) for a type as
   written in DC or a MODS typeOfResource ("text", "still image", ...); NULL
   when it is not one of them. */
const char *xwalk_dcmi_type(const char *s);

/* borrowed: the MODS typeOfResource for a DCMI Type term; NULL if none. */
const char *xwalk_mods_type(const char *dcmi);

#endif
