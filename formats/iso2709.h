/* formats/iso2709.h: ISO 2709 exchange records, shared by MARC 21 and
   UNIMARC/CNMARC: a streaming splitter, a parser that checks every length
   against the bytes actually there, and a writer. */
#ifndef WY_FORMATS_ISO2709_H
#define WY_FORMATS_ISO2709_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/format.h"
#include "formats/record.h"

#define ISO2709_RS 0x1D /* record terminator */
#define ISO2709_FS 0x1E /* field terminator */
#define ISO2709_US 0x1F /* subfield delimiter */
/* The leader holds the record length in five digits. */
#define ISO2709_MAX_RECORD 99999

/*
 * The splitter: yields one record's bytes at a time, cut at the record
 * terminator, reading through fmt_input_read in blocks, so memory stays
 * flat in the number of records. Whitespace between records (CR, LF) is
 * skipped.
 */
struct iso2709_reader;

/* new: a splitter over in (borrowed for the splitter's life); free with
   iso2709_reader_free(). WY_ENOMEM only. */
wy_code iso2709_reader_new(struct iso2709_reader **out, struct fmt_input *in,
                           struct wy_err *err);
void iso2709_reader_free(struct iso2709_reader *r);

/*
 * The next record: *p and *n (borrowed until the next call) include the
 * terminator; *recno (1-based) and *offset (of its first byte) name it.
 * WY_EOF at the end. WY_EFORMAT when no terminator follows within 99999
 * bytes or the input ends inside a record: the bytes are skipped to the
 * next terminator and the message says "record N at byte OFFSET: ...".
 * WY_EIO / WY_ENOMEM leave the splitter unusable.
 */
wy_code iso2709_reader_next(struct iso2709_reader *r, const unsigned char **p,
                            size_t *n, size_t *recno,
                            unsigned long long *offset, struct wy_err *err);

/* How to read the text of a record. */
enum iso2709_charset {
    ISO2709_UTF8,     /* UTF-8 whatever the leader says (UNIMARC) */
    ISO2709_BY_LEADER /* MARC 21: leader/09 'a' UTF-8, blank MARC-8 */
};

/* MARC-8 to UTF-8 conversion through YAZ, opened on first use. */
struct iso2709_marc8;
/* new: NULL when out of memory or YAZ lacks the converter (then the
   parser reports MARC-8 records as errors). */
struct iso2709_marc8 *iso2709_marc8_new(void);
void iso2709_marc8_free(struct iso2709_marc8 *m);

/*
 * Parses one record (p, n: the bytes from iso2709_reader_next) into rec
 * (cleared by the caller). Every length in the leader and directory is
 * checked against the bytes actually there before it is used; tags must
 * be three letters or digits, text valid UTF-8 (after MARC-8 conversion
 * when the leader says MARC-8; leader/09 then becomes 'a'). m may be NULL
 * for ISO2709_UTF8. WY_EFORMAT names the field, directory entry or byte
 * offset within the record; WY_ENOMEM.
 */
wy_code iso2709_parse(const unsigned char *p, size_t n, enum iso2709_charset cs,
                      struct iso2709_marc8 *m, struct wy_record *rec,
                      struct wy_err *err);

/*
 * Appends rec as one ISO 2709 record: leader positions 0-4 (length), 10-11
 * ("22"), 12-16 (base address) and 20-22 ("450") are computed, the rest is
 * kept; utf8_flag sets leader/09 to 'a'. WY_ETOOBIG when a field passes
 * 9999 bytes or the record 99999; WY_EFORMAT when a value holds a
 * delimiter byte or a tag is not three letters or digits.
 */
wy_code iso2709_write(const struct wy_record *rec, int utf8_flag,
                      struct wy_buf *out, struct wy_err *err);

/*
 * Detection: 0 when p does not start like an ISO 2709 record, otherwise a
 * bid, with *marc21 and *unimarc counting tell-tale tags found in the first
 * record's directory (245, 008, leader/09 'a' for MARC 21; 200, 100 with no
 * 245 for UNIMARC).
 */
int iso2709_detect(const unsigned char *p, size_t n, int *marc21, int *unimarc);

/* Whether s[0..n) is well-formed UTF-8; *bad gets the first bad byte. */
int iso2709_utf8_valid(const unsigned char *s, size_t n, size_t *bad);

/*
 * What the marc21 and unimarc handlers share: open a splitter (plus a
 * MARC-8 converter when needed) over in; next() parses the next record
 * into rec, keeps its bytes in rec->orig, and prefixes errors with
 * "record N at byte OFFSET". On WY_EFORMAT the splitter is already at the
 * next record.
 */
wy_code iso2709_stream_open(void **state, struct fmt_input *in,
                            enum iso2709_charset cs, struct wy_err *err);
wy_code iso2709_stream_next(void *state, struct wy_record *rec,
                            struct wy_err *err);
void iso2709_stream_close(void *state);

#endif
