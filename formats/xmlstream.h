/* formats/xmlstream.h: record elements streamed out of an XML document
   (DC, MODS, METS readers), one expanded subtree at a time, plus the small
   DOM helpers those readers share. */
#ifndef WY_FORMATS_XMLSTREAM_H
#define WY_FORMATS_XMLSTREAM_H

#include <stddef.h>

#include "core/err.h"
#include "core/xml.h"
#include "formats/format.h"
#include "formats/record.h"

#define FMT_NS_OAI "http://www.openarchives.org/OAI/2.0/"
#define FMT_NS_OAI_DC "http://www.openarchives.org/OAI/2.0/oai_dc/"
#define FMT_NS_SRW_DC "info:srw/schema/1/dc-schema"
#define FMT_NS_DC "http://purl.org/dc/elements/1.1/"
#define FMT_NS_DCTERMS "http://purl.org/dc/terms/"
#define FMT_NS_MODS "http://www.loc.gov/mods/v3"
#define FMT_NS_METS "http://www.loc.gov/METS/"
#define FMT_NS_XLINK "http://www.w3.org/1999/xlink"

/* Whether an element (namespace URI, local name) starts a record. */
typedef int (*fmt_xml_match)(const xmlChar *ns, const xmlChar *local);

/*
 * The state of one streamed document. Elements for which match() is true
 * are expanded (only that subtree is in memory) and handed out one by one.
 * An OAI-PMH <header> seen before a record gives its identifier and
 * deletion status. A <!DOCTYPE> is refused: no DTDs, no entities.
 */
struct fmt_xml_stream {
    xmlTextReaderPtr rd;
    /* the first libxml2 error, kept raw: the parser reads ahead, so an
       error met while expanding record N may belong to record N+1; the
       message is written when the stream fails, naming the right one */
    unsigned nerr;
    int errline, errcol;
    char *errmsg;
    /* the prolog is scanned as it streams in, so a DOCTYPE is refused
       before libxml2 reads its internal subset (entities) */
    int prolog_done, doctype_line, line;
    char carry[9];
    size_t ncarry;
    struct fmt_input *in; /* borrowed */
    wy_code ioerr;        /* first error of the input callback */
    struct wy_err iomsg;
    fmt_xml_match match;
    size_t nrec; /* records handed out so far */
    int skip;    /* the current subtree is still open */
    int done;
    char *oai_id; /* header identifier (heap) or NULL */
    int oai_deleted;
};

/* Opens the stream over in (borrowed until close). */
wy_code fmt_xml_stream_open(struct fmt_xml_stream *s, struct fmt_input *in,
                            fmt_xml_match match, struct wy_err *err);

/*
 * The next record element: *node is borrowed until the next call (the
 * reader frees it). WY_EOF at the end. A malformed document or a DOCTYPE
 * gives WY_EFORMAT naming the record number, line and column; the stream
 * then ends (WY_EOF next), since XML cannot be resynchronized.
 */
wy_code fmt_xml_stream_next(struct fmt_xml_stream *s, xmlNodePtr *node,
                            struct wy_err *err);
void fmt_xml_stream_close(struct fmt_xml_stream *s);

/* A format's reader over the stream (the handlers' open/next/close for the
   XML formats): new state in *state, freed by fmt_xml_reader_close (NULL is
   a no-op). fmt_xml_reader_next fills rec from the next record element with
   describe(), the record's id taken from its OAI-PMH header when there is
   one; errors name the record number. */
typedef wy_code (*fmt_xml_describe)(struct wy_record *r, const xmlNode *node,
                                    struct wy_err *err);
wy_code fmt_xml_reader_open(void **state, struct fmt_input *in,
                            fmt_xml_match match, struct wy_err *err);
wy_code fmt_xml_reader_next(void *state, struct wy_record *rec,
                            fmt_xml_describe describe, struct wy_err *err);
void fmt_xml_reader_close(void *state);

/* Whether the first n bytes contain needle (for detect functions). */
int fmt_bytes_has(const unsigned char *p, size_t n, const char *needle);

/* Whether the root element of the document starting at p has this local
   name (any prefix), looking past the XML declaration, comments and
   processing instructions (for detect functions). */
int fmt_xml_root_is(const unsigned char *p, size_t n, const char *local);

/* Whether n is an element with that namespace (NULL: any) and local name. */
int fmt_xml_is(const xmlNode *n, const char *ns, const char *local);
/* The element's text with runs of white space collapsed to one space and
   trimmed, copied into r's arena. NULL when empty; *ok = 0 on ENOMEM. */
const char *fmt_xml_text(struct wy_record *r, const xmlNode *n, int *ok);
/* The attribute's value copied into r's arena; NULL when absent. */
const char *fmt_xml_attr(struct wy_record *r, const xmlNode *n,
                         const char *name, int *ok);
/* Whether the attribute equals value (ASCII case-insensitive). */
int fmt_xml_attr_is(const xmlNode *n, const char *name, const char *value);

#endif
