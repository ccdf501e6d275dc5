/* formats/dates.h: dates as cataloguers write them, to a range of years.
   Handles Western years ("1765", "[18--]", "1765-1770"), Chinese reign eras
   (清乾隆三十年, 明萬曆間, 民國二十年), sexagenary years within an era
   (乾隆乙酉) and bare dynasties (明刻本), in simplified or traditional
   characters. The original text is always kept by the caller. */
#ifndef WY_FORMATS_DATES_H
#define WY_FORMATS_DATES_H

#include <stddef.h>

/*
 * Parses s (UTF-8) into an inclusive year range. Returns 1 and sets *from,
 * *to when a date was recognized, else 0 (and leaves them untouched).
 * Precedence: an explicit Western year wins, then a reign era (with its
 * year, or its whole span when the year is missing or given as 間/间),
 * then a dynasty.
 */
int fmt_date_years(const char *s, int *from, int *to);

/* The same for n bytes at s (not necessarily NUL-terminated). A text of
   FMT_DATE_MAX bytes or more is not a date as written and gives 0. */
#define FMT_DATE_MAX 512
int fmt_date_years_n(const char *s, size_t n, int *from, int *to);

/* The dynasty (simplified: "明", "清", "民国", ...) whose span holds year,
   or NULL. borrowed: a static string. */
const char *fmt_date_dynasty(int year);

#endif
