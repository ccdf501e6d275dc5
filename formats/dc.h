/* formats/dc.h: Dublin Core (oai_dc; also SRU's srw_dc) read and write. */
#ifndef WY_FORMATS_DC_H
#define WY_FORMATS_DC_H

#include <libxml/tree.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

/*
 * Fills r->desc from a DC container: an <oai_dc:dc> or <srw_dc:dc> element,
 * or any element whose children are dc:* / dcterms:* elements (a METS
 * xmlData). Sets r->kind to WY_MARC_NONE. dc is borrowed. Errors: WY_ENOMEM.
 */
wy_code dc_describe_node(struct wy_record *r, const xmlNode *dc,
                         struct wy_err *err);

/* The identifier type ("isbn", "issn", "lccn", "uri", "oai", "control",
   "local") of an identifier as DC or MODS write it, and in *skip the length
   of a prefix such as "URN:ISBN:" to drop. borrowed static string. */
const char *dc_ident_type(const char *s, size_t *skip);

/* Appends one record as an <oai_dc:dc> element (with its namespaces) built
   from r->desc, valid against oai_dc.xsd. Errors from the buffer. */
wy_code dc_write(const struct wy_record *r, struct wy_buf *out,
                 struct wy_err *err);

#endif
