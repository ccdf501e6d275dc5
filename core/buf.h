/* core/buf.h: the growable byte buffer, with a ceiling and a sticky error. */
#ifndef WY_CORE_BUF_H
#define WY_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

/*
 * Every buffer states how big it may grow (`limit`, in bytes, excluding the
 * terminating NUL). After an allocation failure or the limit is hit, the
 * buffer is in error: further appends do nothing, wy_buf_cstr() returns "",
 * wy_buf_take() returns NULL, and wy_buf_status() reports the error. So a
 * writer with many appends checks once, at the end.
 * The content is always NUL-terminated but may contain NULs.
 * Keep offsets, never pointers, into a buffer that may still grow.
 */
struct wy_buf {
    char *p;
    size_t len, cap, limit;
    wy_code error;   /* WY_OK, WY_ENOMEM or WY_ETOOBIG */
};

#define WY_BUF_INIT(lim) { NULL, 0, 0, (lim), WY_OK }
#define WY_BUF_NOLIMIT ((size_t)-1 / 2)

void wy_buf_init(struct wy_buf *b, size_t limit);
void wy_buf_add(struct wy_buf *b, const void *p, size_t n);
void wy_buf_adds(struct wy_buf *b, const char *s);
void wy_buf_addc(struct wy_buf *b, char c);
void wy_buf_addf(struct wy_buf *b, const char *fmt, ...) WY_PRINTF(2, 3);
void wy_buf_vaddf(struct wy_buf *b, const char *fmt, va_list ap);
/* Appends text escaped for XML content and attribute values (<>&"'). Bytes
   that XML 1.0 forbids (C0 controls other than TAB, LF, CR) are dropped. */
void wy_buf_add_xml(struct wy_buf *b, const char *s, size_t n);
/* Appends a JSON string literal, with its quotes. */
void wy_buf_add_json(struct wy_buf *b, const char *s, size_t n);
/* Ensures room for n more bytes; returns a pointer to write them or NULL. The
   caller then calls wy_buf_commit(b, written). */
char *wy_buf_reserve(struct wy_buf *b, size_t n);
void wy_buf_commit(struct wy_buf *b, size_t n);

/* borrowed: valid until the next change; "" when empty or in error. */
const char *wy_buf_cstr(const struct wy_buf *b);
/* Drops the content, keeps the memory; clears the error. */
void wy_buf_reset(struct wy_buf *b);
/* Cuts the content to n bytes (n <= len). */
void wy_buf_truncate(struct wy_buf *b, size_t n);
/* takes: the bytes leave the buffer (caller frees with free()); *len gets
   their length if len is not NULL. NULL if the buffer is in error. The buffer
   is empty afterwards, its error cleared. */
char *wy_buf_take(struct wy_buf *b, size_t *len);
/* Frees the memory; the buffer is empty, with the same limit. */
void wy_buf_release(struct wy_buf *b);
/* new: the formatted text (free with free()); NULL when out of memory. The
   one-call form of WY_BUF_INIT + wy_buf_addf + wy_buf_take, for paths and
   keys. */
char *wy_strf(const char *fmt, ...) WY_PRINTF(1, 2);
/* WY_OK, or the sticky error turned into a message in err. */
wy_code wy_buf_status(const struct wy_buf *b, struct wy_err *err);

#endif
