/* core/xml.c: libxml2 set up for hostile input. */
#include "core/xml.h"

#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

static void collect(void *ctx, const xmlError *e)
{
    struct wy_xml_errors *x = ctx;
    if (!x || e->level < XML_ERR_ERROR)
        return;
    x->count++;
    if (x->err.code != WY_OK)
        return;
    size_t n = e->message ? strlen(e->message) : 0;
    while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
        n--;
    wy_err_set(&x->err, WY_EFORMAT, "%s: line %d, column %d: %.*s",
               x->name ? x->name : "XML", e->line, e->int2, (int)n,
               e->message ? e->message : "malformed XML");
}

/* libxml2 2.9 declares the handler with a non-const pointer. */
static void collect_nc(void *ctx, xmlErrorPtr e)
{
    collect(ctx, e);
}

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_globals(void)
{
    /* the generic handler would print to stderr from inside libxml2 */
    xmlSetGenericErrorFunc(NULL, silent);
    xmlSetStructuredErrorFunc(NULL, NULL);
}

wy_code wy_xml_reader_mem(xmlTextReaderPtr *out, const char *buf, size_t len,
                          const char *name, struct wy_xml_errors *errs,
                          struct wy_err *err)
{
    *out = NULL;
    if (len > INT_MAX)
        return wy_err_set(err, WY_ETOOBIG, "%s: %zu bytes of XML is too large",
                          name, len);
    quiet_globals();
    *out = xmlReaderForMemory(buf, (int)len, name, NULL, WY_XML_OPTS);
    if (!*out)
        return wy_err_set(err, WY_ENOMEM, "%s: cannot create an XML reader",
                          name);
    if (errs) {
        errs->name = name;
        xmlTextReaderSetStructuredErrorHandler(*out, collect_nc, errs);
    }
    return WY_OK;
}

wy_code wy_xml_reader_fd(xmlTextReaderPtr *out, int fd, const char *name,
                         struct wy_xml_errors *errs, struct wy_err *err)
{
    quiet_globals();
    *out = xmlReaderForFd(fd, name, NULL, WY_XML_OPTS);
    if (!*out)
        return wy_err_set(err, WY_ENOMEM, "%s: cannot create an XML reader",
                          name);
    if (errs) {
        errs->name = name;
        xmlTextReaderSetStructuredErrorHandler(*out, collect_nc, errs);
    }
    return WY_OK;
}

wy_code wy_xml_reader_io(xmlTextReaderPtr *out,
                         int (*read)(void *ctx, char *buf, int len),
                         void *ctx, const char *name,
                         struct wy_xml_errors *errs, struct wy_err *err)
{
    quiet_globals();
    *out = xmlReaderForIO(read, NULL, ctx, name, NULL, WY_XML_OPTS);
    if (!*out)
        return wy_err_set(err, WY_ENOMEM, "%s: cannot create an XML reader",
                          name);
    if (errs) {
        errs->name = name;
        xmlTextReaderSetStructuredErrorHandler(*out, collect_nc, errs);
    }
    return WY_OK;
}

wy_code wy_xml_doc_mem(xmlDocPtr *out, const char *buf, size_t len,
                       const char *name, struct wy_err *err)
{
    *out = NULL;
    if (len > INT_MAX)
        return wy_err_set(err, WY_ETOOBIG, "%s: %zu bytes of XML is too large",
                          name, len);
    quiet_globals();
    struct wy_xml_errors x = {WY_ERR_INIT, name, 0};
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx)
        return wy_err_set(err, WY_ENOMEM, "%s: cannot create an XML parser",
                          name);
    xmlSetStructuredErrorFunc(&x, collect_nc);
    xmlDocPtr doc = xmlCtxtReadMemory(ctx, buf, (int)len, name, NULL,
                                      WY_XML_OPTS);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctx);
    if (!doc || x.count) {
        xmlFreeDoc(doc);
        if (x.err.code == WY_OK)
            wy_err_set(&x.err, WY_EFORMAT, "%s: not well-formed XML", name);
        wy_code c = x.err.code;
        wy_err_move(err, &x.err);
        return c;
    }
    *out = doc;
    return WY_OK;
}

wy_code wy_xml_validate(xmlDocPtr doc, const char *xsd_path,
                        struct wy_err *err)
{
    quiet_globals();
    struct wy_xml_errors x = {WY_ERR_INIT, "schema validation", 0};
    wy_code rc = WY_OK;
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd_path);
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vc = NULL;
    if (pc) {
        xmlSchemaSetParserStructuredErrors(pc, collect_nc, &x);
        schema = xmlSchemaParse(pc);
    }
    if (!schema) {
        wy_err_release(&x.err);
        rc = wy_err_set(err, WY_EIO, "cannot load the schema '%s'", xsd_path);
        goto done;
    }
    vc = xmlSchemaNewValidCtxt(schema);
    if (!vc) {
        rc = wy_err_set(err, WY_ENOMEM, "cannot create a schema validator");
        goto done;
    }
    xmlSchemaSetValidStructuredErrors(vc, collect_nc, &x);
    if (xmlSchemaValidateDoc(vc, doc) != 0) {
        if (x.err.code == WY_OK)
            wy_err_set(&x.err, WY_EFORMAT, "document is not valid against '%s'",
                       xsd_path);
        rc = x.err.code;
        wy_err_move(err, &x.err);
    }
done:
    wy_err_release(&x.err);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    return rc;
}

int wy_xml_has_dtd(const char *buf, size_t len)
{
    static const char key[] = "<!DOCTYPE";
    size_t k = sizeof(key) - 1;
    for (size_t i = 0; i + k <= len; i++)
        if (buf[i] == '<' && memcmp(buf + i, key, k) == 0)
            return 1;
    return 0;
}
