/* formats/marcxml.h: MARCXML (MARC 21 slim): a streaming reader over
   xmlTextReader and a writer whose output validates against
   MARC21slim.xsd. */
#ifndef WY_FORMATS_MARCXML_H
#define WY_FORMATS_MARCXML_H

#include <libxml/tree.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

#define MARCXML_NS "http://www.loc.gov/MARC21/slim"
/* UNIMARC in MARCXML syntax as Ex Libris Alma serves it (SRU schema
   "unimarcxml"); there is no official XSD. */
#define UNIMARCXML_NS "info:srw/schema/8/unimarcxml-v0.1"

/* Whether a namespace URI names UNIMARC/CNMARC in MARCXML syntax
   (UNIMARCXML_NS, CNMARC-XML's "http://www.nlc.cn/", or any URI holding
   "unimarc"); NULL is not. */
int marcxml_ns_is_unimarc(const char *ns);

/*
 * Fills rec (cleared by the caller) from a <record> element (borrowed) of
 * MARCXML or of a look-alike in another namespace (CNMARC-XML): <leader>,
 * <controlfield tag>, <datafield tag ind1 ind2> with <subfield code>.
 * Tags must be three letters or digits, control fields 00X and data fields
 * not; indicators and codes one printable ASCII character; the leader 24
 * ASCII characters (a missing leader becomes "     nam a22     uu 4500" with
 * blanks for the lengths). rec->kind becomes WY_UNIMARC when the element's
 * namespace is a UNIMARC one (marcxml_ns_is_unimarc), else it is left as
 * the caller set it. WY_EFORMAT names the element's line; WY_ENOMEM.
 * Harvested OAI-PMH <metadata> can be handed over element by element.
 */
wy_code marcxml_parse_node(xmlNodePtr node, struct wy_record *rec,
                           struct wy_err *err);

/* Whether the element looks like a MARCXML record: named "record" with a
   leader, controlfield or datafield child. */
int marcxml_is_record(xmlNodePtr node);

/* Appends one <record> element (no XML declaration), indented for a
   <collection>. */
wy_code marcxml_write_record(const struct wy_record *rec, struct wy_buf *out,
                             struct wy_err *err);

#endif
