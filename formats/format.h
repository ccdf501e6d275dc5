/* formats/format.h: the format table (libarchive-style handlers) and the
   generic streaming reader and writer over it. */
#ifndef WY_FORMATS_FORMAT_H
#define WY_FORMATS_FORMAT_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

/*
 * Where a reader's bytes come from: a file descriptor (streamed) or memory.
 * Bytes peeked for detection are replayed first, so detection never loses
 * input, even on a pipe.
 */
struct fmt_input {
    const char *name;              /* borrowed: file name or "-", for messages */
    int fd;                        /* -1 when reading memory */
    const unsigned char *mem;      /* borrowed */
    size_t memlen, mempos;
    unsigned char *head;           /* peeked bytes not yet consumed (owned) */
    size_t headlen, headpos;
    unsigned long long offset;     /* bytes consumed so far */
};

/* Reads up to n bytes; *got is 0 at end of input. */
wy_code fmt_input_read(struct fmt_input *in, void *buf, size_t n, size_t *got,
                       struct wy_err *err);

struct fmt_handler {
    const char *name;              /* "marc21", "marcxml", "dc", ... */
    const char *title;             /* one line for --help */
    /* How sure the handler is that these first bytes are its format:
       0 (no) to 100 (certain). NULL: never auto-detected. */
    int (*detect)(const unsigned char *p, size_t n);

    /* Reading (all NULL when the format cannot be read). open() builds the
       handler's state; next() fills a cleared record and returns WY_OK,
       WY_EOF at the end, or an error. On WY_EFORMAT the handler has already
       skipped to the next record, so the caller may report and go on; the
       message names the record number and byte offset. Any other error
       leaves the reader unusable. */
    wy_code (*open)(void **state, struct fmt_input *in, struct wy_err *err);
    wy_code (*next)(void *state, struct wy_record *rec, struct wy_err *err);
    void (*close)(void *state);

    /* Writing (NULL when the format cannot be written). begin/end frame a
       collection (XML root element; nothing for ISO 2709). write() appends
       one record; errors are reported through the buffer's sticky error or
       err (e.g. a record too long for ISO 2709). */
    void (*write_begin)(struct wy_buf *out);
    wy_code (*write)(const struct wy_record *r, struct wy_buf *out,
                     struct wy_err *err);
    void (*write_end)(struct wy_buf *out);
};

/* borrowed: the NULL-terminated table of every handler. */
const struct fmt_handler *const *fmt_handlers(void);
/* borrowed: the handler called name, or NULL. */
const struct fmt_handler *fmt_find(const char *name);
/* borrowed: the handler that bids highest for these first bytes, or NULL. */
const struct fmt_handler *fmt_detect(const unsigned char *p, size_t n);

struct fmt_reader;

/*
 * new: a reader over fd (borrowed; not closed) or memory (borrowed until the
 * reader is freed). h NULL: detect the format from the first bytes.
 * Free with fmt_reader_free().
 */
wy_code fmt_reader_open_fd(struct fmt_reader **out, const struct fmt_handler *h,
                           int fd, const char *name, struct wy_err *err);
wy_code fmt_reader_open_mem(struct fmt_reader **out,
                            const struct fmt_handler *h, const void *p,
                            size_t n, const char *name, struct wy_err *err);
/*
 * Reads the next record. *out is borrowed until the next call. The
 * normalized view (desc) is filled by the crosswalk. On WY_EFORMAT the
 * reader has skipped to the next record, so the caller may report and
 * continue; any other error leaves the reader unusable. WY_EOF at the end.
 */
wy_code fmt_reader_next(struct fmt_reader *r, struct wy_record **out,
                        struct wy_err *err);
/* borrowed: the handler in use (detected or given). */
const struct fmt_handler *fmt_reader_handler(const struct fmt_reader *r);
/* Records returned so far (good and bad). */
size_t fmt_reader_count(const struct fmt_reader *r);
/* Bytes of input consumed so far (for progress). */
unsigned long long fmt_reader_bytes(const struct fmt_reader *r);
/* borrowed: the input's name given at open ("-" for stdin). */
const char *fmt_reader_input_name(const struct fmt_reader *r);
void fmt_reader_free(struct fmt_reader *r);

/* Writes one whole record as a standalone document (begin, record, end). */
wy_code fmt_write_one(const struct fmt_handler *h, const struct wy_record *r,
                      struct wy_buf *out, struct wy_err *err);

/* The handlers, each defined in its own file. */
extern const struct fmt_handler marc21_handler, unimarc_handler,
    marcxml_handler, dc_handler, mods_handler, mets_handler, json_handler;

#endif
