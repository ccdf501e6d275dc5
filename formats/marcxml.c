/* formats/marcxml.c: MARCXML reading (streaming) and writing. */
#include "formats/marcxml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/xml.h"
#include "formats/format.h"
#include "formats/iso2709.h"

/* ---- one record from a DOM subtree -------------------------------------- */

static int is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

int marcxml_is_record(xmlNodePtr node)
{
    if (!node || !is_el(node, "record"))
        return 0;
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (is_el(c, "leader") || is_el(c, "controlfield") ||
            is_el(c, "datafield"))
            return 1;
    return 0;
}

/* The text of an element: its one text child when it has just one (no
   copy), else the concatenation in scratch. */
static const char *text_of(xmlNodePtr el, struct wy_buf *scratch, size_t *n)
{
    xmlNodePtr c = el->children;
    if (!c) {
        *n = 0;
        return "";
    }
    if (!c->next &&
        (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)) {
        const char *s = c->content ? (const char *)c->content : "";
        *n = strlen(s);
        return s;
    }
    wy_buf_reset(scratch);
    for (; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
            c->content)
            wy_buf_adds(scratch, (const char *)c->content);
    *n = scratch->len;
    return wy_buf_cstr(scratch);
}

static int tag_ok(const char *t)
{
    if (!t || strlen(t) != 3)
        return 0;
    for (int i = 0; i < 3; i++) {
        char c = t[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
              (c >= 'a' && c <= 'z')))
            return 0;
    }
    return 1;
}

/* One printable ASCII character; *c gets it (a missing or empty attribute
   is a blank for indicators when blank_ok). */
static int one_char(const xmlChar *v, int blank_ok, char *c)
{
    if (!v || !v[0]) {
        *c = ' ';
        return blank_ok;
    }
    if (v[1] || v[0] < 0x20 || v[0] >= 0x7F || (!blank_ok && v[0] == ' '))
        return 0;
    *c = (char)v[0];
    return 1;
}

/* Values must be what ISO 2709 can carry: no delimiter bytes. XML 1.0
   already excludes the other C0 controls. */
static int value_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ISO2709_RS || c == ISO2709_FS || c == ISO2709_US)
            return 0;
    }
    return 1;
}

#define ATTR(n, a) xmlGetProp((n), (const xmlChar *)(a))

static wy_code bad(struct wy_err *err, xmlNodePtr n, const char *what,
                   const xmlChar *v)
{
    return wy_err_set(err, WY_EFORMAT, "line %ld: %s '%s'", xmlGetLineNo(n),
                      what, v ? (const char *)v : "");
}

static wy_code data_field(xmlNodePtr el, struct wy_record *rec,
                          struct wy_buf *scratch, struct wy_err *err)
{
    wy_code rc = WY_OK;
    xmlChar *tag = ATTR(el, "tag");
    xmlChar *i1 = ATTR(el, "ind1"), *i2 = ATTR(el, "ind2");
    char c1 = ' ', c2 = ' ';
    if (!tag_ok((const char *)tag) || wy_tag_is_control((const char *)tag))
        rc = bad(err, el, "datafield tag", tag);
    else if (!one_char(i1, 1, &c1))
        rc = bad(err, el, "datafield ind1", i1);
    else if (!one_char(i2, 1, &c2))
        rc = bad(err, el, "datafield ind2", i2);
    struct wy_field *f = NULL;
    if (rc == WY_OK) {
        f = wy_record_add_field(rec, (const char *)tag, c1, c2);
        if (!f)
            rc = wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    for (xmlNodePtr s = el->children; rc == WY_OK && s; s = s->next) {
        if (!is_el(s, "subfield"))
            continue;
        xmlChar *code = ATTR(s, "code");
        char c;
        if (!one_char(code, 0, &c)) {
            rc = bad(err, s, "subfield code", code);
        } else {
            size_t n;
            const char *v = text_of(s, scratch, &n);
            if (scratch->error)
                rc = wy_buf_status(scratch, err);
            else if (!value_ok(v, n))
                rc = wy_err_set(err, WY_EFORMAT,
                                "line %ld: subfield $%c holds a MARC "
                                "delimiter character",
                                xmlGetLineNo(s), c);
            else if (!wy_field_add_sub(rec, f, c, v, n))
                rc = wy_err_set(err, WY_ENOMEM, "out of memory");
        }
        xmlFree(code);
    }
    xmlFree(tag);
    xmlFree(i1);
    xmlFree(i2);
    return rc;
}

int marcxml_ns_is_unimarc(const char *ns)
{
    if (!ns)
        return 0;
    if (!strcmp(ns, UNIMARCXML_NS) || !strncmp(ns, "http://www.nlc.cn/", 18))
        return 1;
    for (const char *s = ns; *s; s++)
        if (!strncasecmp(s, "unimarc", 7))
            return 1;
    return 0;
}

static wy_code parse_node(xmlNodePtr node, struct wy_record *rec,
                          struct wy_buf *scratch, struct wy_err *err)
{
    int have_leader = 0;
    if (node->ns && marcxml_ns_is_unimarc((const char *)node->ns->href))
        rec->kind = WY_UNIMARC;
    memcpy(rec->leader, "00000nam a2200000   4500", 24);
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        wy_code rc = WY_OK;
        if (is_el(c, "leader")) {
            size_t n;
            const char *v = text_of(c, scratch, &n);
            if (have_leader++)
                rc = wy_err_set(err, WY_EFORMAT, "line %ld: a second leader",
                                xmlGetLineNo(c));
            else if (n != 24)
                rc = wy_err_set(err, WY_EFORMAT,
                                "line %ld: the leader is %zu bytes, not 24",
                                xmlGetLineNo(c), n);
            for (size_t i = 0; rc == WY_OK && i < 24; i++)
                if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7F)
                    rc = wy_err_set(err, WY_EFORMAT,
                                    "line %ld: leader byte %zu is not "
                                    "printable ASCII",
                                    xmlGetLineNo(c), i);
            if (rc == WY_OK)
                memcpy(rec->leader, v, 24);
        } else if (is_el(c, "controlfield")) {
            xmlChar *tag = ATTR(c, "tag");
            size_t n;
            const char *v = text_of(c, scratch, &n);
            if (!tag_ok((const char *)tag) ||
                !wy_tag_is_control((const char *)tag))
                rc = bad(err, c, "controlfield tag", tag);
            else if (!value_ok(v, n))
                rc = wy_err_set(err, WY_EFORMAT,
                                "line %ld: controlfield %s holds a MARC "
                                "delimiter character",
                                xmlGetLineNo(c), tag);
            else if (!wy_record_add_control(rec, (const char *)tag, v, n))
                rc = wy_err_set(err, WY_ENOMEM, "out of memory");
            xmlFree(tag);
        } else if (is_el(c, "datafield")) {
            rc = data_field(c, rec, scratch, err);
        }
        if (rc == WY_OK && scratch->error)
            rc = wy_buf_status(scratch, err);
        if (rc != WY_OK)
            return rc;
    }
    return WY_OK;
}

wy_code marcxml_parse_node(xmlNodePtr node, struct wy_record *rec,
                           struct wy_err *err)
{
    struct wy_buf scratch = WY_BUF_INIT(ISO2709_MAX_RECORD * 16);
    wy_code rc = parse_node(node, rec, &scratch, err);
    wy_buf_release(&scratch);
    return rc;
}

/* ---- the streaming reader ------------------------------------------------ */

struct mx {
    struct fmt_input *in;
    xmlTextReaderPtr rd;
    struct wy_xml_errors xerr;
    struct wy_err ioerr;
    struct wy_buf scratch;
    size_t recno;
    int done, broken;
};

static int mx_read(void *ctx, char *buf, int len)
{
    struct mx *m = ctx;
    size_t got = 0;
    if (len <= 0)
        return 0;
    if (fmt_input_read(m->in, buf, (size_t)len, &got, &m->ioerr) != WY_OK)
        return -1;
    return (int)got;
}

static wy_code mx_open(void **state, struct fmt_input *in, struct wy_err *err)
{
    *state = NULL;
    struct mx *m = wy_calloc(1, sizeof(*m));
    if (!m)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    m->in = in;
    wy_buf_init(&m->scratch, ISO2709_MAX_RECORD * 16);
    wy_code rc = wy_xml_reader_io(&m->rd, mx_read, m, in->name, &m->xerr, err);
    if (rc != WY_OK) {
        free(m);
        return rc;
    }
    m->xerr.name = "XML";
    *state = m;
    return WY_OK;
}

static void mx_close(void *state)
{
    struct mx *m = state;
    if (!m)
        return;
    xmlFreeTextReader(m->rd);
    wy_err_release(&m->xerr.err);
    wy_err_release(&m->ioerr);
    wy_buf_release(&m->scratch);
    free(m);
}

/* A broken document ends the reading: the error names the record being
   read and libxml2's line and column; the next call returns WY_EOF. */
static wy_code mx_fatal(struct mx *m, struct wy_err *err)
{
    m->done = 1;
    if (m->ioerr.code != WY_OK) {
        wy_err_move(err, &m->ioerr);
        return err->code;
    }
    if (m->xerr.err.code != WY_OK)
        wy_err_move(err, &m->xerr.err);
    else
        wy_err_set(err, WY_EFORMAT, "line %d: malformed XML",
                   xmlTextReaderGetParserLineNumber(m->rd));
    /* libxml2 stops delivering nodes once a chunk holds an error, so the
       place is the last good record and libxml2's line and column */
    if (m->recno == 0)
        return wy_err_prefix(err, "before the first record");
    return wy_err_prefix(err, "after record %zu", m->recno);
}

static wy_code mx_next(void *state, struct wy_record *rec, struct wy_err *err)
{
    struct mx *m = state;
    rec->kind = WY_MARC21;
    if (m->done)
        return WY_EOF;
    if (m->broken)
        return mx_fatal(m, err);
    for (;;) {
        /* libxml2 may report an error ahead of the nodes it still
           delivers; only a failed read ends the records */
        int ret = xmlTextReaderRead(m->rd);
        if (ret < 0 || m->ioerr.code != WY_OK)
            return mx_fatal(m, err);
        if (ret == 0) {
            m->done = 1;
            return WY_EOF;
        }
        int type = xmlTextReaderNodeType(m->rd);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            m->done = 1;
            wy_err_set(err, WY_EFORMAT,
                       "line %d: DOCTYPE declarations are refused (no DTDs "
                       "or entities in records)",
                       xmlTextReaderGetParserLineNumber(m->rd));
            return wy_err_prefix(err, "record %zu", m->recno + 1);
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        const xmlChar *name = xmlTextReaderConstLocalName(m->rd);
        if (!name || strcmp((const char *)name, "record"))
            continue;
        const xmlChar *ns = xmlTextReaderConstNamespaceUri(m->rd);
        int marc = !ns || !strcmp((const char *)ns, MARCXML_NS);
        xmlNodePtr node = xmlTextReaderExpand(m->rd);
        if (!node || m->ioerr.code != WY_OK)
            return mx_fatal(m, err);
        if (!marc && !marcxml_is_record(node))
            continue; /* a wrapper such as OAI-PMH's or SRU's record */
        m->recno++;
        wy_code rc = parse_node(node, rec, &m->scratch, err);
        /* CNMARC-XML looks like MARCXML; its fields say which it is */
        if (rc == WY_OK && !wy_record_field(rec, "245", NULL) &&
            wy_record_field(rec, "200", NULL))
            rec->kind = WY_UNIMARC;
        if (xmlTextReaderNext(m->rd) < 0)
            m->broken = 1; /* reported on the next call */
        if (rc != WY_OK)
            return wy_err_prefix(err, "record %zu", m->recno);
        return WY_OK;
    }
}

/* ---- writing ------------------------------------------------------------- */

/* Escapes for content and attribute values; CR as a reference, since XML
   parsers turn a literal CR into LF. */
static void add_esc(struct wy_buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\r':
            rep = "&#13;";
            break;
        default:
            continue;
        }
        wy_buf_add(b, s + run, i - run);
        wy_buf_adds(b, rep);
        run = i + 1;
    }
    wy_buf_add(b, s + run, n - run);
}

wy_code marcxml_write_record(const struct wy_record *rec, struct wy_buf *out,
                             struct wy_err *err)
{
    wy_buf_adds(out, "<record>\n  <leader>");
    char leader[24];
    memcpy(leader, rec->leader, 24);
    if (rec->kind != WY_UNIMARC)
        leader[9] = 'a'; /* the text is UTF-8 whatever it was read as */
    add_esc(out, leader, 24);
    wy_buf_adds(out, "</leader>\n");
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct wy_field *f = &rec->fields[i];
        if (wy_tag_is_control(f->tag)) {
            wy_buf_adds(out, "  <controlfield tag=\"");
            add_esc(out, f->tag, 3);
            wy_buf_adds(out, "\">");
            if (f->data)
                add_esc(out, f->data, f->len);
            wy_buf_adds(out, "</controlfield>\n");
            continue;
        }
        wy_buf_adds(out, "  <datafield tag=\"");
        add_esc(out, f->tag, 3);
        wy_buf_adds(out, "\" ind1=\"");
        add_esc(out, &f->ind1, 1);
        wy_buf_adds(out, "\" ind2=\"");
        add_esc(out, &f->ind2, 1);
        wy_buf_adds(out, "\">\n");
        for (size_t s = 0; s < f->nsub; s++) {
            wy_buf_adds(out, "    <subfield code=\"");
            add_esc(out, &f->sub[s].code, 1);
            wy_buf_adds(out, "\">");
            add_esc(out, f->sub[s].data, f->sub[s].len);
            wy_buf_adds(out, "</subfield>\n");
        }
        wy_buf_adds(out, "  </datafield>\n");
    }
    wy_buf_adds(out, "</record>\n");
    return wy_buf_status(out, err);
}

static void mx_begin(struct wy_buf *out)
{
    wy_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<collection xmlns=\"" MARCXML_NS "\">\n");
}

static void mx_end(struct wy_buf *out)
{
    wy_buf_adds(out, "</collection>\n");
}

static wy_code mx_write(const struct wy_record *r, struct wy_buf *out,
                        struct wy_err *err)
{
    if (r->nfields == 0 && r->kind == WY_MARC_NONE)
        return wy_err_set(err, WY_EINVAL,
                          "the record has no MARC fields to write as "
                          "MARCXML");
    return marcxml_write_record(r, out, err);
}

static int has(const unsigned char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (p[i] == (unsigned char)needle[0] && !memcmp(p + i, needle, k))
            return 1;
    return 0;
}

/* Bids on the document's opening: a MARC 21 slim namespace or a bare
   <record>/<collection> root with MARC children. */
static int mx_detect(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' ||
                     p[i] == '\t' || p[i] >= 0x80))
        i++; /* blanks and a byte-order mark */
    if (i >= n || p[i] != '<')
        return 0;
    if (has(p, n, MARCXML_NS))
        return 90;
    if ((has(p, n, "<record") || has(p, n, "<collection")) &&
        (has(p, n, "<datafield") || has(p, n, "<controlfield") ||
         has(p, n, "<leader")))
        return 70;
    if (has(p, n, ":datafield") || has(p, n, ":leader>"))
        return 50;
    return 0;
}

const struct fmt_handler marcxml_handler = {
    .name = "marcxml",
    .title = "MARCXML (MARC 21 slim; CNMARC-XML look-alikes read too)",
    .detect = mx_detect,
    .open = mx_open,
    .next = mx_next,
    .close = mx_close,
    .write_begin = mx_begin,
    .write = mx_write,
    .write_end = mx_end,
};
