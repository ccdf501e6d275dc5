/* formats/mods.h: MODS 3 read and write. */
#ifndef WY_FORMATS_MODS_H
#define WY_FORMATS_MODS_H

#include <libxml/tree.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

/*
 * Fills r->desc from a MODS container: a <mods> element, or any element
 * whose children are MODS elements (DSpace's METS xmlData holds them bare).
 * relatedItem and extension subtrees are not read. Sets r->kind to
 * WY_MARC_NONE. mods is borrowed. Errors: WY_ENOMEM.
 */
wy_code mods_describe_node(struct wy_record *r, const xmlNode *mods,
                           struct wy_err *err);

/* Appends one record as a MODS 3.8 <mods> element (with its namespace)
   built from r->desc, valid against mods-3-8.xsd. Errors from the buffer. */
wy_code mods_write(const struct wy_record *r, struct wy_buf *out,
                   struct wy_err *err);

#endif
