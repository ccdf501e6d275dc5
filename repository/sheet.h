/* repository/sheet.h: CSV batch sheets (RFC 4180) for batch ingest: one row
   per item, a header row naming the columns.

   Our own small reader rather than libcsv: libcsv is not among the
   project's Debian packages, and a sheet is small, read whole, and needs
   exact line numbers in its messages. Handles a UTF-8 BOM, CRLF/LF/CR line
   ends, quoted fields with "" and line breaks inside, and sheets saved by
   Excel on Chinese Windows in GB18030/GBK (converted with iconv: named
   with a charset, or detected when the bytes are not valid UTF-8). */
#ifndef WY_REPOSITORY_SHEET_H
#define WY_REPOSITORY_SHEET_H

#include <stddef.h>

#include "core/err.h"

struct sheet;

/* A sheet larger than this is refused (WY_ETOOBIG). */
#define SHEET_MAX_BYTES (64u << 20)
#define SHEET_MAX_FIELDS 1000

/*
 * Opens a sheet from memory (copied) or a file. charset: NULL to use UTF-8
 * or detect GB18030 when the bytes are not UTF-8; otherwise an iconv name
 * ("GBK", "GB18030", "UTF-8"). new: *out, free with sheet_free().
 * Errors: WY_EIO, WY_ETOOBIG, WY_EFORMAT (bad bytes for the charset,
 * naming the byte offset).
 */
wy_code sheet_open_mem(struct sheet **out, const char *name, const void *p,
                       size_t n, const char *charset, struct wy_err *err);
wy_code sheet_open_file(struct sheet **out, const char *path,
                        const char *charset, struct wy_err *err);
void sheet_free(struct sheet *s);

/* The charset the bytes were read as ("UTF-8", or the given or detected
   one); borrowed. */
const char *sheet_charset(const struct sheet *s);

/* One row; borrowed until the next call. Fields are NUL-terminated (a
   field holding a NUL byte is refused). line is the 1-based line the row
   starts on. */
struct sheet_row {
    size_t nfields;
    const char *const *fields;
    size_t line;
};

/*
 * The next non-blank row (the header included). WY_EOF at the end;
 * WY_EFORMAT naming the sheet and line (an unterminated quote, text after a
 * closing quote, too many fields); the sheet is unusable afterwards.
 */
wy_code sheet_next_row(struct sheet *s, const struct sheet_row **row,
                       struct wy_err *err);

/* An item of a batch sheet; strings borrowed until the next call, NULL
   when the column is absent or the cell empty (after trimming blanks). */
struct sheet_item {
    const char *identifier, *collection, *title, *creator, *date, *path;
    size_t line;
};

/*
 * Reads the header (first call) and returns the next item. Column names
 * (case-insensitive, in English or Chinese): identifier/id/标识符/编号,
 * collection/专题库, title/题名, creator/author/责任者/作者, date/日期/年代,
 * path/file/folder/路径/文件. A header without a path column, or a row with
 * an empty path, is WY_EFORMAT naming the sheet and line.
 */
wy_code sheet_next_item(struct sheet *s, struct sheet_item *it,
                        struct wy_err *err);

#endif
