/* core/xml.h: the one place libxml2 is configured for hostile input. */
#ifndef WY_CORE_XML_H
#define WY_CORE_XML_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "core/err.h"

/*
 * Parser options used everywhere: never NOENT, DTDLOAD, DTDATTR or HUGE, and
 * always NONET: no external entities, no DTDs from disk or network, no
 * billion laughs.
 */
#define WY_XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT)

/*
 * Collects libxml2's errors for one reader or document, so they never go to
 * stderr; the first error (with line and column) is kept.
 */
struct wy_xml_errors {
    struct wy_err err;
    const char *name;       /* borrowed: file or URL, for messages */
    unsigned count;
};

/* new: an xmlTextReader over memory (borrowed until the reader is freed).
   Errors go to errs (borrowed for the reader's life). */
wy_code wy_xml_reader_mem(xmlTextReaderPtr *out, const char *buf, size_t len,
                          const char *name, struct wy_xml_errors *errs,
                          struct wy_err *err);

/* new: an xmlTextReader over an open file descriptor (borrowed). */
wy_code wy_xml_reader_fd(xmlTextReaderPtr *out, int fd, const char *name,
                         struct wy_xml_errors *errs, struct wy_err *err);

/* new: an xmlTextReader pulling its bytes through read(ctx, buf, len),
   which returns the bytes read, 0 at the end or -1 on error (then the
   reader reports an error). ctx is borrowed for the reader's life. */
wy_code wy_xml_reader_io(xmlTextReaderPtr *out,
                         int (*read)(void *ctx, char *buf, int len),
                         void *ctx, const char *name,
                         struct wy_xml_errors *errs, struct wy_err *err);

/* new: a whole document parsed from memory; free with xmlFreeDoc(). */
wy_code wy_xml_doc_mem(xmlDocPtr *out, const char *buf, size_t len,
                       const char *name, struct wy_err *err);

/* Validates a document against an XSD file (offline); a failure names the
   first invalid line. */
wy_code wy_xml_validate(xmlDocPtr doc, const char *xsd_path,
                        struct wy_err *err);

/* Whether a document has a DOCTYPE declaration: we refuse those outright. */
int wy_xml_has_dtd(const char *buf, size_t len);

#endif
