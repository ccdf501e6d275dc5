/* formats/convert.h: reading records in one format and writing them in
   another, streaming, with bad records reported and skipped. */
#ifndef WY_FORMATS_CONVERT_H
#define WY_FORMATS_CONVERT_H

#include <stddef.h>

#include "core/err.h"
#include "core/log.h"
#include "formats/format.h"

struct fmt_convert_stats {
    size_t good; /* records written */
    size_t bad;  /* records skipped (reported through the log) */
    /* MARC 21 <-> UNIMARC crosswalk (formats/xwalk_marc.h), when the
       output family differs from the input's */
    size_t crosswalked; /* records converted field by field */
    size_t lossy;       /* of those, records not mapped one to one */
    size_t unmapped, local, dropped; /* summed over the records */
};

/*
 * Reads every record from r (borrowed) and writes it with `to` to fd
 * (borrowed; not closed), flushing in blocks so memory stays flat. A bad
 * record (WY_EFORMAT from reading, or WY_EFORMAT/WY_ETOOBIG from writing
 * it) is reported through log as an error naming input, record and byte
 * offset, counted in st->bad, and skipped. Progress is drawn on log when
 * it is a terminal; in_size (0 if unknown) gives the ETA. Returns WY_OK
 * when the whole input was read (even with bad records); any other error
 * (I/O, memory, a format that cannot be written) stops the conversion.
 */
wy_code fmt_convert(struct fmt_reader *r, const struct fmt_handler *to, int fd,
                    const char *outname, unsigned long long in_size,
                    struct wy_log *log, struct fmt_convert_stats *st,
                    struct wy_err *err);

#endif
