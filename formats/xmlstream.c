/* formats/xmlstream.c: record elements streamed out of an XML document. */
#include "formats/xmlstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"

/* Looks for "<!DOCTYPE" before the first element; returns 1 if found.
   The last bytes of a chunk are carried over, so a split keyword is seen. */
static int scan_prolog(struct fmt_xml_stream *s, const char *p, size_t n)
{
    static const char key[] = "<!DOCTYPE";
    const size_t k = sizeof(key) - 1;
    for (size_t i = 0; i < n && !s->prolog_done; i++) {
        char c = p[i];
        if (c == '\n')
            s->line++;
        if (s->ncarry == k) {
            memmove(s->carry, s->carry + 1, k - 1);
            s->ncarry--;
        }
        s->carry[s->ncarry++] = c;
        if (s->ncarry == k && !memcmp(s->carry, key, k)) {
            s->doctype_line = s->line + 1;
            return 1;
        }
        /* "<x": an element starts, the prolog is over */
        if (s->ncarry >= 2 && s->carry[s->ncarry - 2] == '<' && c != '?' &&
            c != '!')
            s->prolog_done = 1;
    }
    return 0;
}

static int input_read(void *ctx, char *buf, int len)
{
    struct fmt_xml_stream *s = ctx;
    size_t got = 0;
    if (len <= 0 || s->doctype_line)
        return s->doctype_line ? -1 : 0;
    wy_code rc = fmt_input_read(s->in, buf, (size_t)len, &got, &s->iomsg);
    if (rc != WY_OK) {
        s->ioerr = rc;
        return -1;
    }
    if (!s->prolog_done && scan_prolog(s, buf, got))
        return -1;
    return (int)got;
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    struct fmt_xml_stream *s = ctx;
    if (!e || e->level < XML_ERR_ERROR)
        return;
    if (s->nerr++)
        return;
    s->errline = e->line;
    s->errcol = e->int2;
    const char *m = e->message ? e->message : "malformed XML";
    size_t n = strcspn(m, "\n"); /* one line: libxml2 may add a second */
    while (n && m[n - 1] == ' ')
        n--;
    s->errmsg = wy_strndup(m, n); /* NULL: the generic text is used */
}

wy_code fmt_xml_stream_open(struct fmt_xml_stream *s, struct fmt_input *in,
                            fmt_xml_match match, struct wy_err *err)
{
    memset(s, 0, sizeof(*s));
    s->in = in;
    s->match = match;
    wy_code rc = wy_xml_reader_io(&s->rd, input_read, s, "XML", NULL, err);
    if (rc == WY_OK)
        xmlTextReaderSetStructuredErrorHandler(s->rd, on_error, s);
    return rc;
}

void fmt_xml_stream_close(struct fmt_xml_stream *s)
{
    if (s->rd)
        xmlFreeTextReader(s->rd);
    s->rd = NULL;
    free(s->errmsg);
    s->errmsg = NULL;
    wy_err_release(&s->iomsg);
    free(s->oai_id);
    s->oai_id = NULL;
}

/* Ends the stream with the first cause: input error, parse error, or ours. */
static wy_code fail(struct fmt_xml_stream *s, struct wy_err *err)
{
    s->done = 1;
    if (s->doctype_line)
        return wy_err_set(err, WY_EFORMAT,
                          "line %d: a <!DOCTYPE> declaration is refused: no "
                          "DTDs or entities in records",
                          s->doctype_line);
    if (s->ioerr != WY_OK) {
        wy_err_move(err, &s->iomsg);
        return s->ioerr;
    }
    /* the parser reads ahead, so the error may lie in a record after the
       last one handed out (or, in a small document, stop the first) */
    int line = s->nerr ? s->errline : xmlTextReaderGetParserLineNumber(s->rd);
    const char *msg = s->nerr && s->errmsg ? s->errmsg : "malformed XML";
    if (!s->nerr)
        s->errcol = 0;
    if (s->nrec)
        return wy_err_set(err, WY_EFORMAT,
                          "line %d, column %d: %s (malformed "
                          "after record %zu)",
                          line, s->errcol, msg, s->nrec);
    return wy_err_set(err, WY_EFORMAT, "line %d, column %d: %s", line,
                      s->errcol, msg);
}

/* Remembers an OAI-PMH record header's identifier and status. */
static wy_code oai_header(struct fmt_xml_stream *s, xmlNodePtr h,
                          struct wy_err *err)
{
    free(s->oai_id);
    s->oai_id = NULL;
    s->oai_deleted = fmt_xml_attr_is(h, "status", "deleted");
    for (xmlNodePtr c = h->children; c; c = c->next) {
        if (!fmt_xml_is(c, FMT_NS_OAI, "identifier"))
            continue;
        xmlChar *t = xmlNodeGetContent(c);
        if (!t)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        /* trim: identifiers are URIs without spaces */
        char *p = (char *)t, *e = p + strlen(p);
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' ||
                         e[-1] == '\r'))
            e--;
        s->oai_id = wy_strndup(p, (size_t)(e - p));
        xmlFree(t);
        if (!s->oai_id)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        break;
    }
    return WY_OK;
}

wy_code fmt_xml_stream_next(struct fmt_xml_stream *s, xmlNodePtr *node,
                            struct wy_err *err)
{
    *node = NULL;
    if (s->done)
        return WY_EOF;
    for (;;) {
        int ret;
        if (s->skip) {
            s->skip = 0;
            ret = xmlTextReaderNext(s->rd);
        } else {
            ret = xmlTextReaderRead(s->rd);
        }
        /* the parser runs ahead of the reader: nodes before an error are
           still handed out, and the error surfaces when the reader reaches
           it (ret < 0) or the end */
        if (ret < 0 || s->ioerr || (ret == 0 && s->nerr))
            return fail(s, err);
        if (ret == 0) {
            s->done = 1;
            return WY_EOF;
        }
        int type = xmlTextReaderNodeType(s->rd);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            s->done = 1;
            return wy_err_set(err, WY_EFORMAT,
                              "a <!DOCTYPE> declaration (before line %d) is "
                              "refused: no DTDs or entities in records",
                              xmlTextReaderGetParserLineNumber(s->rd));
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        const xmlChar *ns = xmlTextReaderConstNamespaceUri(s->rd);
        const xmlChar *local = xmlTextReaderConstLocalName(s->rd);
        int is_header = ns && local && !strcmp((const char *)ns, FMT_NS_OAI) &&
                        !strcmp((const char *)local, "header");
        if (!is_header && !s->match(ns, local))
            continue;
        /* an error with a complete subtree lies beyond it: the record is
           good and the error is reported by the next call */
        xmlNodePtr n = xmlTextReaderExpand(s->rd);
        if (!n && s->nerr && !s->ioerr && !s->doctype_line) {
            /* the parser failed further on; the element is complete when
               a sibling follows it (libxml2's own test in DoExpand) */
            xmlNodePtr cur = xmlTextReaderCurrentNode(s->rd);
            if (cur && cur->next)
                n = cur;
        }
        if (!n || s->ioerr)
            return fail(s, err);
        s->skip = 1;
        if (is_header) {
            wy_code rc = oai_header(s, n, err);
            if (rc != WY_OK) {
                s->done = 1;
                return rc;
            }
            continue;
        }
        s->nrec++;
        *node = n;
        return WY_OK;
    }
}

int fmt_xml_is(const xmlNode *n, const char *ns, const char *local)
{
    if (!n || n->type != XML_ELEMENT_NODE || !n->name)
        return 0;
    if (strcmp((const char *)n->name, local))
        return 0;
    if (!ns)
        return 1;
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *fmt_xml_text(struct wy_record *r, const xmlNode *n, int *ok)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (!t) {
        /* an element with no text gives "" here; NULL means no memory */
        if (n->children)
            *ok = 0;
        return NULL;
    }
    size_t len = strlen((const char *)t), o = 0;
    char *d = wy_arena_alloc(r->arena, len + 1);
    if (!d) {
        xmlFree(t);
        *ok = 0;
        return NULL;
    }
    int pending = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = t[i];
        if (is_space(c)) {
            pending = o > 0;
            continue;
        }
        if (pending)
            d[o++] = ' ';
        pending = 0;
        d[o++] = (char)c;
    }
    d[o] = '\0';
    xmlFree(t);
    return o ? d : NULL;
}

const char *fmt_xml_attr(struct wy_record *r, const xmlNode *n,
                         const char *name, int *ok)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *d = wy_arena_strdup(r->arena, (const char *)v);
    xmlFree(v);
    if (!d)
        *ok = 0;
    return d;
}

int fmt_xml_attr_is(const xmlNode *n, const char *name, const char *value)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return 0;
    int eq = !strcasecmp((const char *)v, value);
    xmlFree(v);
    return eq;
}

int fmt_bytes_has(const unsigned char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (!k || k > n)
        return 0;
    for (size_t i = 0; i + k <= n; i++)
        if (p[i] == (unsigned char)needle[0] && !memcmp(p + i, needle, k))
            return 1;
    return 0;
}

int fmt_xml_root_is(const unsigned char *p, size_t n, const char *local)
{
    size_t i = 0;
    for (;;) {
        while (i < n && p[i] != '<')
            i++;
        if (i + 1 >= n)
            return 0;
        if (p[i + 1] != '?' && p[i + 1] != '!')
            break;
        i++; /* a declaration, comment or processing instruction */
    }
    size_t j = ++i;
    while (j < n && p[j] != ' ' && p[j] != '>' && p[j] != '\n' &&
           p[j] != '\t' && p[j] != '\r' && p[j] != '/')
        j++;
    size_t k = i;
    for (size_t m = i; m < j; m++)
        if (p[m] == ':')
            k = m + 1;
    return j - k == strlen(local) && !memcmp(p + k, local, j - k);
}

wy_code fmt_xml_reader_open(void **state, struct fmt_input *in,
                            fmt_xml_match match, struct wy_err *err)
{
    struct fmt_xml_stream *s = wy_calloc(1, sizeof(*s));
    if (!s)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_code rc = fmt_xml_stream_open(s, in, match, err);
    if (rc != WY_OK) {
        fmt_xml_reader_close(s);
        return rc;
    }
    *state = s;
    return WY_OK;
}

void fmt_xml_reader_close(void *state)
{
    if (!state)
        return;
    fmt_xml_stream_close(state);
    free(state);
}

wy_code fmt_xml_reader_next(void *state, struct wy_record *rec,
                            fmt_xml_describe describe, struct wy_err *err)
{
    struct fmt_xml_stream *s = state;
    xmlNodePtr node;
    wy_code rc = fmt_xml_stream_next(s, &node, err);
    if (rc != WY_OK)
        return rc;
    if (s->oai_id &&
        !wy_desc_set(rec, &rec->desc.id, s->oai_id, strlen(s->oai_id)))
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    rc = describe(rec, node, err);
    if (rc != WY_OK)
        return wy_err_prefix(err, "record %zu", s->nrec);
    return WY_OK;
}
