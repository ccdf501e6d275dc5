/* repository/recjson.h: the record model as JSON, as the catalog stores it:
   the MARC structure in MARC-in-JSON form (plus "kind" and "format") and the
   normalized descriptive view. Both load back into a wy_record, so every
   writer in formats/ can serve a stored record. */
#ifndef WY_REPOSITORY_RECJSON_H
#define WY_REPOSITORY_RECJSON_H

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

/*
 * Appends the MARC structure:
 *   {"kind":"marc21"|"unimarc"|"none","format":"marcxml","leader":"...",
 *    "fields":[{"001":"..."},{"245":{"ind1":"1","ind2":"0",
 *              "subfields":[{"a":"..."}]}}]}
 * Bytes that are not valid UTF-8 become U+FFFD, so the JSON always parses.
 * Errors come from the buffer (WY_ENOMEM, WY_ETOOBIG).
 */
wy_code cat_json_model(const struct wy_record *r, struct wy_buf *out,
                       struct wy_err *err);

/*
 * Appends the normalized view: {"id","titles":[],"creators":[{"name","role",
 * "dynasty","dates","personal","secondary"}],"date","year_from","year_to","publisher",
 * "place","edition","extent","subjects":[],"identifiers":[{"type","value"}],
 * "languages":[],"type","rights","notes":[],"holdings":[{"institution",
 * "callno","census","note"}]}; absent values are left out.
 */
wy_code cat_json_desc(const struct wy_record *r, struct wy_buf *out,
                      struct wy_err *err);

/*
 * Fills a cleared record r from JSON written by the functions above (either
 * may be NULL). Strings go into r's arena. WY_EFORMAT (naming the part and
 * JSON position) on malformed input, WY_ENOMEM.
 */
wy_code cat_json_load(struct wy_record *r, const char *model, const char *desc,
                      struct wy_err *err);

/* Appends a JSON string literal of s[0..n), with invalid UTF-8 replaced by
   U+FFFD. */
void cat_json_str(struct wy_buf *out, const char *s, size_t n);

#endif
