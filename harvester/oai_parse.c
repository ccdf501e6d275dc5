/* harvester/oai_parse.c: OAI-PMH 2.0 responses read as a stream. */
#include "harvester/oai_parse.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/xml.h"
#include "formats/crosswalk.h"
#include "formats/dc.h"
#include "formats/marcxml.h"
#include "formats/mods.h"

/* ---- repair: illegal characters and bad UTF-8 -------------------------- */

/* Length of a well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
   surrogates, nothing past U+10FFFF), 0 if there is none. *cp gets the code
   point. */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned long *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t k;
    unsigned long v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return k;
}

static int xml_char_ok(unsigned long c)
{
    if (c < 0x20)
        return c == 0x9 || c == 0xA || c == 0xD;
    if (c >= 0xD800 && c <= 0xDFFF)
        return 0;
    return c != 0xFFFE && c != 0xFFFF && c <= 0x10FFFF;
}

/* A character reference "&#NNN;" or "&#xHHH;" at p: its length, 0 if p is
   not one (or is too long to be a sane one). */
static size_t charref(const unsigned char *p, size_t n, unsigned long *cp)
{
    if (n < 4 || p[0] != '&' || p[1] != '#')
        return 0;
    size_t i = 2;
    int hex = 0;
    if (p[i] == 'x') {
        hex = 1;
        i++;
    }
    unsigned long v = 0;
    size_t start = i;
    for (; i < n && i < start + 10; i++) {
        unsigned c = p[i];
        int d;
        if (c >= '0' && c <= '9')
            d = (int)(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = (int)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = (int)(c - 'A' + 10);
        else
            break;
        v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (i == start || i >= n || p[i] != ';')
        return 0;
    *cp = v;
    return i + 1;
}

/* The encoding named in the XML declaration, copied into enc (empty when
   there is none). */
static void declared_encoding(const unsigned char *p, size_t n, char *enc,
                              size_t encsz)
{
    enc[0] = 0;
    if (n < 5 || memcmp(p, "<?xml", 5) != 0)
        return;
    size_t end = 5;
    while (end + 1 < n && end < 300 && !(p[end] == '?' && p[end + 1] == '>'))
        end++;
    for (size_t i = 5; i + 8 < end; i++) {
        if (memcmp(p + i, "encoding", 8) != 0)
            continue;
        size_t j = i + 8;
        while (j < end && (p[j] == ' ' || p[j] == '=' || p[j] == '\t'))
            j++;
        if (j >= end || (p[j] != '"' && p[j] != '\''))
            return;
        unsigned char q = p[j++];
        size_t k = 0;
        while (j < end && p[j] != q && k + 1 < encsz)
            enc[k++] = (char)p[j++];
        enc[k] = 0;
        return;
    }
}

struct scan {
    size_t illegal, bad, good_multi;
};

static void scan_text(const unsigned char *p, size_t n, struct scan *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        unsigned long cp;
        if (c < 0x80) {
            if (c == '&') {
                size_t k = charref(p + i, n - i, &cp);
                if (k) {
                    if (!xml_char_ok(cp))
                        s->illegal++;
                    i += k;
                    continue;
                }
            } else if (!xml_char_ok(c)) {
                s->illegal++;
            }
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (!k) {
            s->bad++;
            i++;
            continue;
        }
        s->good_multi++;
        if (!xml_char_ok(cp))
            s->illegal++;
        i += k;
    }
}

/* Copies p to out, dropping illegal characters and turning bytes that are
   not UTF-8 into U+FFFD. */
static void clean_copy(const unsigned char *p, size_t n, struct wy_buf *out,
                       size_t *stripped, size_t *replaced)
{
    size_t run = 0; /* start of the pending run of good bytes */
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        unsigned long cp;
        size_t k;
        int drop = 0, bad = 0;
        if (c < 0x80) {
            k = 1;
            if (c == '&') {
                size_t r = charref(p + i, n - i, &cp);
                if (r) {
                    k = r;
                    drop = !xml_char_ok(cp);
                }
            } else {
                drop = !xml_char_ok(c);
            }
        } else {
            k = utf8_seq(p + i, n - i, &cp);
            if (!k) {
                k = 1;
                bad = 1;
            } else {
                drop = !xml_char_ok(cp);
            }
        }
        if (drop || bad) {
            wy_buf_add(out, p + run, i - run);
            if (bad) {
                wy_buf_add(out, "\xEF\xBF\xBD", 3);
                (*replaced)++;
            } else {
                (*stripped)++;
            }
            run = i + k;
        }
        i += k;
    }
    wy_buf_add(out, p + run, n - run);
}

/* Decodes GB18030 into UTF-8; 0 when the bytes are not GB18030. */
static int from_gb18030(const unsigned char *p, size_t n, struct wy_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return 0;
    char *in = (char *)p;
    size_t inleft = n;
    int ok = 1;
    while (inleft && ok) {
        size_t room = inleft * 2 + 16;
        char *o = wy_buf_reserve(out, room);
        if (!o) {
            ok = 0;
            break;
        }
        char *ostart = o;
        size_t oleft = room;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        wy_buf_commit(out, (size_t)(o - ostart));
        if (r == (size_t)-1 && errno != E2BIG)
            ok = 0;
    }
    iconv_close(cd);
    return ok;
}

wy_code oai_repair(const unsigned char *p, size_t n, struct wy_buf *out,
                   size_t *stripped, size_t *replaced,
                   const char **recoded_from, struct wy_err *err)
{
    *stripped = *replaced = 0;
    *recoded_from = NULL;
    char enc[64];
    declared_encoding(p, n, enc, sizeof(enc));
    /* a page that names another encoding is decoded by libxml2 itself;
       UTF-16 (a BOM or NULs up front) is left alone too */
    if ((enc[0] && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8")) ||
        (n >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) ||
                    (p[0] == 0xFF && p[1] == 0xFE) || p[0] == 0 || p[1] == 0)))
        return WY_OK;
    struct scan s;
    scan_text(p, n, &s);
    if (!s.illegal && !s.bad)
        return WY_OK;
    if (s.bad > s.good_multi) {
        /* mostly not UTF-8: a GB18030 page labelled UTF-8 is the usual
           story in Chinese systems; re-decode if it reads cleanly */
        struct wy_buf gb = WY_BUF_INIT(out->limit);
        if (from_gb18030(p, n, &gb) && gb.error == WY_OK) {
            clean_copy((const unsigned char *)gb.p, gb.len, out, stripped,
                       replaced);
            wy_buf_release(&gb);
            *recoded_from = "GB18030";
            return wy_buf_status(out, err);
        }
        if (gb.error != WY_OK) {
            wy_code rc = wy_buf_status(&gb, err);
            wy_buf_release(&gb);
            return rc;
        }
        wy_buf_release(&gb);
    }
    clean_copy(p, n, out, stripped, replaced);
    return wy_buf_status(out, err);
}

/* ---- handlers by metadataPrefix ---------------------------------------- */

static int has_marc(const char *s)
{
    for (; *s; s++)
        if (!strncasecmp(s, "marc", 4))
            return 1;
    return 0;
}

/* The handlers are named here (not only looked up by name) so that a
   program linking the harvester always gets them from the library. */
const struct fmt_handler *oai_handler_for(const char *prefix)
{
    if (!prefix)
        return NULL;
    if (!strcasecmp(prefix, "oai_dc") || !strcasecmp(prefix, "dc"))
        return &dc_handler;
    if (!strcasecmp(prefix, "mods"))
        return &mods_handler;
    if (!strcasecmp(prefix, "mets"))
        return &mets_handler;
    if (has_marc(prefix)) /* marc21, marcxml, MARC21, usmarc, unimarc */
        return &marcxml_handler;
    return NULL;
}

/* The handler for metadata whose prefix says nothing we know
   (melinda_marc, ...): its root element decides. */
static const struct fmt_handler *handler_by_root(const char *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n &&
               (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
            i++;
        if (i + 1 < n && p[i] == '<' && (p[i + 1] == '?' || p[i + 1] == '!')) {
            while (i < n && p[i] != '>')
                i++;
            i++;
            continue;
        }
        break;
    }
    if (i >= n || p[i] != '<')
        return NULL;
    size_t s = ++i;
    while (i < n && p[i] != ' ' && p[i] != '>' && p[i] != '/' && p[i] != '\t' &&
           p[i] != '\n' && p[i] != '\r')
        i++;
    const char *name = p + s;
    size_t len = i - s;
    for (size_t k = 0; k < len; k++)
        if (name[k] == ':') {
            name += k + 1;
            len -= k + 1;
            break;
        }
#define IS(lit) (len == sizeof(lit) - 1 && !memcmp(name, lit, len))
    if (IS("mets"))
        return &mets_handler;
    if (IS("mods") || IS("modsCollection"))
        return &mods_handler;
    if (IS("record") || IS("collection"))
        return &marcxml_handler;
    if (IS("dc"))
        return &dc_handler;
#undef IS
    return NULL;
}

/* ---- the streaming parser ---------------------------------------------- */

enum list_kind { LIST_NONE, LIST_RECORDS, LIST_IDENTIFIERS };

struct xml_fail { /* the first libxml2 error of a pass */
    int line, col;
    unsigned count;
    struct wy_err err;
    const char *name;
};

struct item_state {
    int active;
    int depth;        /* depth of <record> (or ListIdentifiers <header>) */
    int header_depth; /* depth of <header>, -1 before it */
    const char *identifier, *datestamp;
    const char **sets;
    size_t nsets, capsets;
    int deleted;
    char *metadata; /* xmlChar from libxml2; xmlFree */
    size_t mlen;
    int read; /* 1: read into pass->rec; -1: bad (why) */
    const char *why;
};

struct pass {
    xmlTextReaderPtr r;
    const char *name;
    const struct oai_parse_opts *o;
    struct oai_response *resp;
    struct wy_arena *ia; /* item strings */
    struct xml_fail xf;
    struct wy_record *rec; /* reused for metadata read in place */
    enum list_kind kind;
    const char *d1; /* local name of the current depth-1 element */
    struct item_state it;
    struct oai_format fmt;
    struct oai_set set;
    int in_fmt, in_set;
    size_t consumed;     /* records of this pass's buffer done */
    size_t ordinal_base; /* records of the page before this pass */
    size_t gap;          /* index where a broken record was cut */
    int seen_root, seen_end;
};

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    struct xml_fail *x = ctx;
    if (!x || e->level < XML_ERR_ERROR)
        return;
    if (x->count++)
        return;
    x->line = e->line;
    x->col = e->int2;
    size_t n = e->message ? strlen(e->message) : 0;
    while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
        n--;
    wy_err_set(&x->err, WY_EFORMAT, "%s: line %d, column %d: %.*s", x->name,
               e->line, e->int2, (int)n,
               e->message ? e->message : "malformed XML");
}

static wy_code nomem(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory");
}

/* A copy of s in arena a, with surrounding white space removed when trim. */
static const char *keep(struct wy_arena *a, const char *s, int trim)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    if (trim) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                     s[n - 1] == '\r'))
            n--;
    }
    return wy_arena_strndup(a, s, n);
}

/* The text content of the current element, kept in arena a. NULL: the
   subtree is broken (p->xf says why) or memory ran out. */
static const char *text_of(struct pass *p, struct wy_arena *a, int trim)
{
    if (xmlTextReaderIsEmptyElement(p->r))
        return keep(a, "", 0);
    xmlChar *s = xmlTextReaderReadString(p->r);
    if (!s && p->xf.count)
        return NULL;
    const char *k = keep(a, (const char *)s, trim);
    xmlFree(s);
    return k;
}

static const char *attr_of(struct pass *p, struct wy_arena *a, const char *name)
{
    xmlChar *s = xmlTextReaderGetAttribute(p->r, (const xmlChar *)name);
    if (!s)
        return NULL;
    const char *k = keep(a, (const char *)s, 1);
    xmlFree(s);
    return k ? k : ""; /* out of memory: treated as empty */
}

static long long number_attr(struct pass *p, const char *name)
{
    const char *s = attr_of(p, p->resp->arena, name);
    if (!s || !*s)
        return -1;
    long long v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || v > 1000000000000LL) {
            wy_warn(p->o->log, "%s: resumptionToken %s '%s' is not a number",
                    p->name, name, s);
            return -1;
        }
        v = v * 10 + (*c - '0');
    }
    return v;
}

static int is_verb(const char *n)
{
    static const char *const verbs[] = {
        "Identify",        "ListMetadataFormats", "ListSets", "ListRecords",
        "ListIdentifiers", "GetRecord",           NULL};
    for (size_t i = 0; verbs[i]; i++)
        if (!strcmp(n, verbs[i]))
            return 1;
    return 0;
}

static void item_reset(struct pass *p)
{
    xmlFree(p->it.metadata);
    memset(&p->it, 0, sizeof(p->it));
    p->it.header_depth = -1;
    wy_arena_reset(p->ia);
}

static void log_bad(struct pass *p, size_t ordinal, const char *id,
                    const char *reason)
{
    p->resp->nbad++;
    wy_warn(p->o->log, "%s: record %zu '%s' skipped: %s", p->name, ordinal,
            id && *id ? id : "(no identifier)", reason);
}

/* The reader of an item's metadata: the one asked for, the one of the
   metadataPrefix, the one its root element names, or the best bidder. */
static const struct fmt_handler *handler_for(const struct pass *p,
                                             const char *md, size_t n)
{
    const struct fmt_handler *h = p->o->handler;
    if (!h)
        h = oai_handler_for(p->o->prefix);
    if (!h)
        h = handler_by_root(md, n);
    if (!h)
        h = fmt_detect((const unsigned char *)md, n);
    return h;
}

/* MARCXML, DC and MODS are read from the subtree the reader has already
   built (no second parse); node is borrowed until the reader moves. The
   outcome goes into p->it.read. Returns WY_OK or a fatal error. */
static wy_code read_in_place(struct pass *p, xmlNodePtr node,
                             const struct fmt_handler *h, struct wy_err *err)
{
    struct wy_record *rec = p->rec;
    wy_record_clear(rec);
    rec->format = h->name;
    struct wy_err e = WY_ERR_INIT;
    wy_code rc;
    if (h == &marcxml_handler) {
        rec->kind = WY_MARC21;
        rc = marcxml_parse_node(node, rec, &e);
        /* CNMARC-XML looks like MARCXML; its fields say which it is */
        if (rc == WY_OK && !wy_record_field(rec, "245", NULL) &&
            wy_record_field(rec, "200", NULL))
            rec->kind = WY_UNIMARC;
    } else if (h == &dc_handler) {
        rc = dc_describe_node(rec, node, &e);
    } else {
        rc = mods_describe_node(rec, node, &e);
    }
    if (rc == WY_OK)
        rc = xwalk_describe(rec, &e);
    if (rc == WY_OK) {
        p->it.read = 1;
        return WY_OK;
    }
    if (rc == WY_EFORMAT) {
        p->it.read = -1;
        p->it.why = wy_arena_strdup(p->ia, wy_err_msg(&e));
        wy_err_release(&e);
        return p->it.why ? WY_OK : nomem(err);
    }
    wy_err_move(err, &e);
    return rc;
}

/* The position on the original page of record j of this pass (1-based);
   exact when at most one record per pass was cut, which is for messages. */
static size_t ordinal_of(const struct pass *p, size_t j)
{
    return p->ordinal_base + j + 1 + (j >= p->gap ? 1 : 0);
}

/* Reads the metadata into a record and hands the item over. */
static wy_code item_finish(struct pass *p, struct wy_err *err)
{
    struct item_state *it = &p->it;
    const struct oai_parse_opts *o = p->o;
    size_t ordinal = ordinal_of(p, p->consumed);
    p->consumed++;
    wy_code rc = WY_OK;
    struct fmt_reader *fr = NULL;
    struct oai_item out = {0};
    if (!it->identifier || !*it->identifier) {
        log_bad(p, ordinal, NULL, "the header has no identifier");
        goto done;
    }
    out.identifier = it->identifier;
    out.datestamp = it->datestamp ? it->datestamp : "";
    out.sets = it->sets;
    out.nsets = it->nsets;
    out.deleted = it->deleted;
    out.ordinal = ordinal;
    out.metadata = it->metadata;
    out.metadata_len = it->mlen;
    if (p->kind == LIST_RECORDS && !it->deleted && !o->no_records) {
        if (!it->metadata) {
            log_bad(p, ordinal, it->identifier, "the record has no metadata");
            goto done;
        }
        const struct fmt_handler *h =
            it->read ? NULL : handler_for(p, it->metadata, it->mlen);
        if (it->read < 0) {
            log_bad(p, ordinal, it->identifier, it->why);
            goto done;
        }
        if (it->read > 0) {
            struct wy_record *rec = p->rec;
            rec->orig = it->metadata;
            rec->orig_len = it->mlen;
            if ((!rec->desc.id &&
                 !wy_desc_set(rec, &rec->desc.id, it->identifier,
                              strlen(it->identifier))) ||
                !wy_desc_add_ident(rec, "oai", it->identifier,
                                   strlen(it->identifier))) {
                rc = nomem(err);
                goto done;
            }
            out.rec = rec;
        } else if (h && h->open) {
            struct wy_err e = WY_ERR_INIT;
            struct wy_record *rec = NULL;
            rc = fmt_reader_open_mem(&fr, h, it->metadata, it->mlen,
                                     it->identifier, &e);
            if (rc == WY_OK)
                rc = fmt_reader_next(fr, &rec, &e);
            if (rc == WY_EOF) {
                char why[128];
                snprintf(why, sizeof(why),
                         "the '%s' reader found no record "
                         "in the metadata",
                         h->name);
                log_bad(p, ordinal, it->identifier, why);
                rc = WY_OK;
                goto done;
            }
            if (rc == WY_EFORMAT) {
                log_bad(p, ordinal, it->identifier, wy_err_msg(&e));
                wy_err_release(&e);
                rc = WY_OK;
                goto done;
            }
            if (rc != WY_OK) {
                wy_err_move(err, &e);
                goto done;
            }
            rec->orig = it->metadata;
            rec->orig_len = it->mlen;
            if ((!rec->desc.id &&
                 !wy_desc_set(rec, &rec->desc.id, it->identifier,
                              strlen(it->identifier))) ||
                !wy_desc_add_ident(rec, "oai", it->identifier,
                                   strlen(it->identifier))) {
                rc = nomem(err);
                goto done;
            }
            out.rec = rec;
        }
    }
    p->resp->nitems++;
    if (it->deleted)
        p->resp->ndeleted++;
    if (o->item)
        rc = o->item(o->ctx, &out, err);
done:
    fmt_reader_free(fr);
    item_reset(p);
    return rc;
}

/* Handles <metadata>: the first element child is kept as a standalone
   document (libxml2 declares the namespaces it borrows from ancestors on the
   copy's root); MARCXML, DC and MODS are read into a record on the spot.
   Leaves the reader on </metadata>. Returns the reader's status (1 ok);
   0 with *rc set on a fatal error. */
static int read_metadata(struct pass *p, int depth, wy_code *rc,
                         struct wy_err *err)
{
    int ret = xmlTextReaderRead(p->r);
    while (ret == 1) {
        int type = xmlTextReaderNodeType(p->r);
        int d = xmlTextReaderDepth(p->r);
        if (type == XML_READER_TYPE_END_ELEMENT && d == depth)
            break;
        if (type == XML_READER_TYPE_ELEMENT && d == depth + 1) {
            if (!p->it.metadata) {
                xmlChar *x = xmlTextReaderReadOuterXml(p->r);
                if (!x)
                    return -1;
                p->it.metadata = (char *)x;
                p->it.mlen = strlen((const char *)x);
                const struct fmt_handler *h =
                    handler_for(p, p->it.metadata, p->it.mlen);
                xmlNodePtr node = xmlTextReaderCurrentNode(p->r);
                const char *ln =
                    (const char *)xmlTextReaderConstLocalName(p->r);
                if (node && ln &&
                    ((h == &marcxml_handler && !strcmp(ln, "record")) ||
                     (h == &dc_handler && !strcmp(ln, "dc")) ||
                     (h == &mods_handler && !strcmp(ln, "mods")))) {
                    *rc = read_in_place(p, node, h, err);
                    if (*rc != WY_OK)
                        return 0;
                }
            }
            ret = xmlTextReaderNext(p->r);
            continue;
        }
        ret = xmlTextReaderRead(p->r);
    }
    return ret;
}

static int push_set(struct pass *p, const char *s)
{
    struct item_state *it = &p->it;
    const char **v = wy_arena_grow(p->ia, (void *)it->sets, &it->capsets,
                                   it->nsets + 1, sizeof(*v));
    if (!v)
        return 0;
    it->sets = v;
    v[it->nsets++] = s;
    return 1;
}

static int push_str(struct wy_arena *a, const char ***arr, size_t *n,
                    size_t *cap, const char *s)
{
    const char **v = wy_arena_grow(a, (void *)*arr, cap, *n + 1, sizeof(*v));
    if (!v)
        return 0;
    *arr = v;
    v[(*n)++] = s;
    return 1;
}

/* Identify's children. */
static int identify_child(struct pass *p, const char *ln)
{
    struct oai_identify *id = &p->resp->identify;
    struct wy_arena *a = p->resp->arena;
    const char **slot = NULL;
    if (!strcmp(ln, "repositoryName"))
        slot = &id->repository_name;
    else if (!strcmp(ln, "baseURL"))
        slot = &id->base_url;
    else if (!strcmp(ln, "protocolVersion") ||
             !strcmp(ln, "procotolVersion")) /* sic, Melinda */
        slot = &id->protocol_version;
    else if (!strcmp(ln, "earliestDatestamp") ||
             !strcmp(ln, "earliestTimestamp"))
        slot = &id->earliest_datestamp;
    else if (!strcmp(ln, "deletedRecord"))
        slot = &id->deleted_record;
    else if (!strcmp(ln, "granularity"))
        slot = &id->granularity;
    if (slot) {
        const char *s = text_of(p, a, 1);
        if (!s)
            return 0;
        *slot = s;
        return 1;
    }
    if (!strcmp(ln, "compression") || !strcmp(ln, "adminEmail")) {
        const char *s = text_of(p, a, 1);
        if (!s)
            return 0;
        if (ln[0] == 'c')
            return push_str(a, &id->compression, &id->ncompression,
                            &id->capcompression, s);
        return push_str(a, &id->admin_email, &id->nadmin_email,
                        &id->capadmin_email, s);
    }
    return 1;
}

static int only_space(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

/* One pass of the reader over buf. Returns WY_OK when the document was read
   to its end, WY_EFORMAT with p->xf set when the XML broke, or another
   error (callback, memory). */
static wy_code run_pass(struct pass *p, const char *buf, size_t len,
                        struct wy_err *err)
{
    struct oai_response *resp = p->resp;
    struct wy_arena *a = resp->arena;
    wy_code rc = wy_xml_reader_mem(&p->r, buf, len, p->name, NULL, err);
    if (rc != WY_OK)
        return rc;
    xmlTextReaderSetStructuredErrorHandler(p->r, on_xml_error, &p->xf);
    int ret = xmlTextReaderRead(p->r);
    while (ret == 1) {
        int type = xmlTextReaderNodeType(p->r);
        int depth = xmlTextReaderDepth(p->r);
        const char *ln = (const char *)xmlTextReaderConstLocalName(p->r);
        if (!ln)
            ln = "";
        if (type == XML_READER_TYPE_END_ELEMENT) {
            if (depth == 0) {
                p->seen_end = 1;
            } else if (p->it.active && depth == p->it.depth) {
                rc = item_finish(p, err);
                if (rc != WY_OK)
                    goto out;
            } else if (depth == 2 && p->in_fmt &&
                       !strcmp(ln, "metadataFormat")) {
                p->in_fmt = 0;
                resp->nformats++;
                if (p->fmt.prefix && p->o->format &&
                    (rc = p->o->format(p->o->ctx, &p->fmt, err)) != WY_OK)
                    goto out;
            } else if (depth == 2 && p->in_set && !strcmp(ln, "set")) {
                p->in_set = 0;
                resp->nsets++;
                if (p->set.spec && p->o->set &&
                    (rc = p->o->set(p->o->ctx, &p->set, err)) != WY_OK)
                    goto out;
            }
            ret = xmlTextReaderRead(p->r);
            continue;
        }
        if (type != XML_READER_TYPE_ELEMENT) {
            ret = xmlTextReaderRead(p->r);
            continue;
        }
        int empty = xmlTextReaderIsEmptyElement(p->r);
        if (depth == 0) {
            if (strcmp(ln, "OAI-PMH")) {
                rc = wy_err_set(err, WY_EFORMAT,
                                "%s: not an OAI-PMH response (the root "
                                "element is '%s')",
                                p->name, ln);
                goto out;
            }
            p->seen_root = 1;
            if (empty)
                p->seen_end = 1;
            ret = xmlTextReaderRead(p->r);
            continue;
        }
        if (depth == 1) {
            p->d1 = NULL;
            if (!strcmp(ln, "responseDate")) {
                const char *s = text_of(p, a, 1);
                if (!s)
                    break;
                if (!resp->response_date)
                    resp->response_date = s;
            } else if (!strcmp(ln, "request") && !resp->request_url) {
                resp->req_verb = attr_of(p, a, "verb");
                resp->req_prefix = attr_of(p, a, "metadataPrefix");
                resp->req_set = attr_of(p, a, "set");
                resp->req_from = attr_of(p, a, "from");
                resp->req_until = attr_of(p, a, "until");
                resp->req_token = attr_of(p, a, "resumptionToken");
                resp->req_identifier = attr_of(p, a, "identifier");
                if (!(resp->request_url = text_of(p, a, 1)))
                    break;
            } else if (!strcmp(ln, "error")) {
                struct oai_error *e =
                    wy_arena_grow(a, resp->errors, &resp->caperrors,
                                  resp->nerrors + 1, sizeof(*e));
                if (!e) {
                    rc = nomem(err);
                    goto out;
                }
                resp->errors = e;
                e += resp->nerrors;
                e->code = attr_of(p, a, "code");
                if (!e->code)
                    e->code = "";
                if (!(e->message = text_of(p, a, 1)))
                    break;
                resp->nerrors++;
            } else if (is_verb(ln)) {
                p->d1 = keep(a, ln, 0);
                if (!resp->verb)
                    resp->verb = p->d1;
                if (!strcmp(ln, "ListRecords") || !strcmp(ln, "GetRecord"))
                    p->kind = LIST_RECORDS;
                else if (!strcmp(ln, "ListIdentifiers"))
                    p->kind = LIST_IDENTIFIERS;
            }
            ret = xmlTextReaderRead(p->r);
            continue;
        }
        if (!p->d1) { /* inside something we do not read */
            ret = xmlTextReaderRead(p->r);
            continue;
        }
        if (depth == 2) {
            if (p->kind != LIST_NONE && !strcmp(ln, "resumptionToken")) {
                struct oai_token *t = &resp->token;
                t->cursor = number_attr(p, "cursor");
                t->complete_list_size = number_attr(p, "completeListSize");
                t->expiration_date = attr_of(p, a, "expirationDate");
                const char *v = text_of(p, a, 0);
                if (!v)
                    break;
                t->value = only_space(v) ? "" : v;
                t->present = 1;
            } else if (!strcmp(ln, "record") ||
                       (p->kind == LIST_IDENTIFIERS && !strcmp(ln, "header"))) {
                /* ListIdentifiers headers wrapped in <record> (Melinda)
                   are taken as they come */
                item_reset(p);
                p->it.active = 1;
                p->it.depth = depth;
                if (ln[0] == 'h') {
                    p->it.header_depth = depth;
                    const char *st = attr_of(p, p->ia, "status");
                    p->it.deleted = st && !strcmp(st, "deleted");
                }
                if (empty && (rc = item_finish(p, err)) != WY_OK)
                    goto out;
            } else if (!strcmp(p->d1, "Identify")) {
                if (!strcmp(ln, "description")) {
                    ret = xmlTextReaderNext(p->r);
                    continue;
                }
                if (!identify_child(p, ln)) {
                    if (!p->xf.count) {
                        rc = nomem(err);
                        goto out;
                    }
                    break;
                }
            } else if (!strcmp(p->d1, "ListMetadataFormats") &&
                       !strcmp(ln, "metadataFormat")) {
                memset(&p->fmt, 0, sizeof(p->fmt));
                p->in_fmt = !empty;
            } else if (!strcmp(p->d1, "ListSets") && !strcmp(ln, "set")) {
                memset(&p->set, 0, sizeof(p->set));
                p->in_set = !empty;
            }
            ret = xmlTextReaderRead(p->r);
            continue;
        }
        if (depth == 3 && p->in_fmt) {
            const char **slot = !strcmp(ln, "metadataPrefix") ? &p->fmt.prefix
                                : !strcmp(ln, "schema")       ? &p->fmt.schema
                                : !strcmp(ln, "metadataNamespace") ? &p->fmt.ns
                                                                   : NULL;
            if (slot && !(*slot = text_of(p, a, 1)))
                break;
        } else if (depth == 3 && p->in_set) {
            if (!strcmp(ln, "setDescription")) {
                ret = xmlTextReaderNext(p->r);
                continue;
            }
            const char **slot = !strcmp(ln, "setSpec")   ? &p->set.spec
                                : !strcmp(ln, "setName") ? &p->set.name
                                                         : NULL;
            if (slot && !(*slot = text_of(p, a, 1)))
                break;
        } else if (p->it.active && depth == p->it.depth + 1 &&
                   p->it.header_depth != p->it.depth) {
            if (!strcmp(ln, "header")) {
                p->it.header_depth = depth;
                const char *st = attr_of(p, p->ia, "status");
                p->it.deleted = st && !strcmp(st, "deleted");
            } else if (!strcmp(ln, "metadata") && !empty) {
                if (p->o->no_records || p->it.deleted ||
                    p->kind != LIST_RECORDS) {
                    ret = xmlTextReaderNext(p->r);
                    continue;
                }
                ret = read_metadata(p, depth, &rc, err);
                if (rc != WY_OK)
                    goto out;
                if (ret != 1)
                    break;
            } else if (!strcmp(ln, "about")) {
                ret = xmlTextReaderNext(p->r);
                continue;
            }
        }
        if (p->it.active && p->it.header_depth >= 0 &&
            depth == p->it.header_depth + 1) {
            if (!strcmp(ln, "identifier")) {
                if (!(p->it.identifier = text_of(p, p->ia, 1)))
                    break;
            } else if (!strcmp(ln, "datestamp")) {
                if (!(p->it.datestamp = text_of(p, p->ia, 1)))
                    break;
            } else if (!strcmp(ln, "setSpec")) {
                const char *s = text_of(p, p->ia, 1);
                if (!s)
                    break;
                if (!push_set(p, s)) {
                    rc = nomem(err);
                    goto out;
                }
            }
        }
        ret = xmlTextReaderRead(p->r);
    }
    if (p->xf.count || ret < 0) {
        if (!p->xf.count)
            wy_err_set(&p->xf.err, WY_EFORMAT, "%s: malformed XML", p->name);
        rc = WY_EFORMAT;
    } else if (ret == 1) {
        rc = nomem(err); /* a text or attribute copy failed */
    } else if (!p->seen_root) {
        wy_err_set(&p->xf.err, WY_EFORMAT, "%s: the response is empty",
                   p->name);
        rc = WY_EFORMAT;
    }
out:
    xmlFreeTextReader(p->r);
    p->r = NULL;
    return rc;
}

/* ---- resynchronising after a broken record ----------------------------- */

struct anchors {
    size_t *at;  /* offsets of the item starts (<record> or <header>) */
    size_t *hdr; /* offsets of the <header> tags */
    size_t n, cap;
    size_t first; /* where the first item starts */
    size_t tail;  /* where the list's closing part starts */
};

/* Offset of "<name" (with any namespace prefix) at or after `from` that is a
   start tag (or an end tag when close). n when not found. */
static size_t find_tag(const char *b, size_t n, size_t from, const char *name,
                       int close)
{
    size_t k = strlen(name);
    for (size_t i = from; i < n; i++) {
        if (b[i] != '<')
            continue;
        size_t j = i + 1;
        if (close) {
            if (j >= n || b[j] != '/')
                continue;
            j++;
        }
        size_t q = j;
        while (q < n && q - j < 64 &&
               ((b[q] >= 'a' && b[q] <= 'z') || (b[q] >= 'A' && b[q] <= 'Z') ||
                (b[q] >= '0' && b[q] <= '9') || b[q] == '_' || b[q] == '-' ||
                b[q] == '.'))
            q++;
        if (q < n && b[q] == ':')
            j = q + 1;
        if (j + k < n && !memcmp(b + j, name, k) &&
            (b[j + k] == '>' || b[j + k] == '/' || b[j + k] == ' ' ||
             b[j + k] == '\t' || b[j + k] == '\n' || b[j + k] == '\r'))
            return i;
    }
    return n;
}

/* 1: found; 0: the page does not have the expected shape; -1: ENOMEM. */
static int find_anchors(const char *b, size_t n, enum list_kind kind,
                        struct anchors *an)
{
    memset(an, 0, sizeof(*an));
    for (size_t i = find_tag(b, n, 0, "header", 0); i < n;
         i = find_tag(b, n, i + 1, "header", 0)) {
        size_t start = i;
        /* the <record> start tag just before the header, if any */
        size_t j = i;
        while (j > 0 && (b[j - 1] == ' ' || b[j - 1] == '\t' ||
                         b[j - 1] == '\n' || b[j - 1] == '\r'))
            j--;
        if (j > 0 && b[j - 1] == '>') {
            while (j > 0 && b[j - 1] != '<')
                j--;
            if (j > 0 && find_tag(b, i, j - 1, "record", 0) == j - 1)
                start = j - 1;
        }
        if (kind == LIST_RECORDS && start == i)
            return 0;
        if (an->n == an->cap) {
            size_t cap = an->cap ? an->cap * 2 : 64;
            size_t *at = wy_realloc(an->at, cap * sizeof(*at));
            if (!at)
                return -1;
            an->at = at;
            size_t *h = wy_realloc(an->hdr, cap * sizeof(*h));
            if (!h)
                return -1;
            an->hdr = h;
            an->cap = cap;
        }
        an->hdr[an->n] = i;
        an->at[an->n++] = start;
    }
    if (!an->n)
        return 0;
    an->first = an->at[0];
    size_t last = an->hdr[an->n - 1];
    size_t t = find_tag(b, n, last, "resumptionToken", 0);
    static const char *const lists[] = {"ListRecords", "ListIdentifiers",
                                        "GetRecord"};
    for (size_t i = 0; i < 3; i++) {
        size_t c = find_tag(b, n, last, lists[i], 1);
        if (c < t)
            t = c;
    }
    if (t >= n)
        return 0;
    an->tail = t;
    return 1;
}

static void anchors_free(struct anchors *an)
{
    free(an->at);
    free(an->hdr);
}

/* Byte offset of (line, col) in b (libxml2 counts columns in characters). */
static size_t offset_of(const char *b, size_t n, int line, int col)
{
    size_t i = 0;
    for (int l = 1; l < line && i < n; i++)
        if (b[i] == '\n')
            l++;
    for (int c = 1; c < col && i < n && b[i] != '\n'; c++) {
        i++;
        while (i < n && ((unsigned char)b[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* The text of the first <identifier> between from and to, for messages. */
static const char *ident_between(struct wy_arena *a, const char *b, size_t from,
                                 size_t to)
{
    size_t i = find_tag(b, to, from, "identifier", 0);
    if (i >= to)
        return NULL;
    while (i < to && b[i] != '>')
        i++;
    size_t s = ++i;
    while (i < to && b[i] != '<' && i - s < 256)
        i++;
    char *v = wy_arena_strndup(a, b + s, i - s);
    return v ? keep(a, v, 1) : NULL;
}

#define MAX_PASSES 256

wy_code oai_parse(const unsigned char *p, size_t n, const char *name,
                  const struct oai_parse_opts *opts, struct oai_response *resp,
                  struct wy_err *err)
{
    memset(resp, 0, sizeof(*resp));
    resp->token.cursor = resp->token.complete_list_size = -1;
    resp->arena = wy_arena_new();
    if (!resp->arena)
        return nomem(err);
    struct wy_log *log = opts->log;
    struct wy_buf fixed = WY_BUF_INIT(3 * n + 1024);
    wy_code rc = oai_repair(p, n, &fixed, &resp->stripped, &resp->replaced,
                            &resp->recoded_from, err);
    if (rc != WY_OK)
        goto done;
    if (resp->recoded_from)
        wy_warn(log, "%s: the page is not UTF-8 as it says; read it as %s",
                name, resp->recoded_from);
    if (resp->replaced)
        wy_warn(log, "%s: %zu bytes that are not UTF-8 replaced by U+FFFD",
                name, resp->replaced);
    if (resp->stripped)
        wy_warn(log, "%s: %zu characters that XML forbids removed", name,
                resp->stripped);
    const char *buf = fixed.len ? fixed.p : (const char *)p;
    size_t len = fixed.len ? fixed.len : n;

    struct pass ps;
    memset(&ps, 0, sizeof(ps));
    ps.name = name;
    ps.o = opts;
    ps.resp = resp;
    ps.gap = (size_t)-1;
    ps.ia = wy_arena_new();
    ps.rec = wy_record_new();
    if (!ps.ia || !ps.rec) {
        wy_arena_free(ps.ia);
        wy_record_free(ps.rec);
        rc = nomem(err);
        goto done;
    }
    char *synth = NULL; /* the page less the records already handled */
    for (int passno = 0;; passno++) {
        ps.xf.name = name;
        ps.it.header_depth = -1;
        rc = run_pass(&ps, buf, len, err);
        enum list_kind kind = ps.kind;
        item_reset(&ps);
        if (rc != WY_EFORMAT || err->code != WY_OK)
            break;
        /* the XML broke: if it broke inside one record of a list whose end
           is intact, skip that record and read the rest again */
        struct anchors an;
        size_t at = offset_of(buf, len, ps.xf.line, ps.xf.col);
        memset(&an, 0, sizeof(an));
        int ok = kind != LIST_NONE && passno < MAX_PASSES
                     ? find_anchors(buf, len, kind, &an)
                     : 0;
        if (ok < 0) {
            anchors_free(&an);
            rc = nomem(err);
            break;
        }
        if (!ok || at < an.first || at >= an.tail) {
            anchors_free(&an);
            wy_err_move(err, &ps.xf.err);
            break;
        }
        size_t b = 0;
        while (b + 1 < an.n && an.at[b + 1] <= at)
            b++;
        if (b < ps.consumed)
            b = ps.consumed;
        if (b >= an.n) {
            anchors_free(&an);
            wy_err_move(err, &ps.xf.err);
            break;
        }
        size_t end = b + 1 < an.n ? an.at[b + 1] : an.tail;
        const char *id = ident_between(resp->arena, buf, an.hdr[b], end);
        log_bad(&ps, ordinal_of(&ps, b), id, wy_err_msg(&ps.xf.err));
        size_t keep_from = ps.consumed < an.n ? an.at[ps.consumed] : an.tail;
        size_t mid = an.at[b] > keep_from ? an.at[b] - keep_from : 0;
        size_t nlen = an.first + mid + (len - end);
        char *nb = wy_malloc(nlen + 1);
        if (!nb) {
            anchors_free(&an);
            rc = nomem(err);
            break;
        }
        memcpy(nb, buf, an.first);
        memcpy(nb + an.first, buf + keep_from, mid);
        memcpy(nb + an.first + mid, buf + end, len - end);
        nb[nlen] = 0;
        /* the records between the kept ones and the broken one are read
           again first; the broken one counts as handled */
        ps.ordinal_base = ordinal_of(&ps, ps.consumed) - 1;
        ps.gap = b - ps.consumed;
        anchors_free(&an);
        free(synth);
        synth = nb;
        buf = nb;
        len = nlen;
        wy_err_release(&ps.xf.err);
        memset(&ps.xf, 0, sizeof(ps.xf));
        ps.consumed = 0;
        ps.kind = LIST_NONE;
        ps.d1 = NULL;
        ps.seen_root = ps.seen_end = 0;
        ps.in_fmt = ps.in_set = 0;
    }
    free(synth);
    wy_err_release(&ps.xf.err);
    wy_arena_free(ps.ia);
    wy_record_free(ps.rec);
    if (rc == WY_OK && !resp->verb && !resp->nerrors)
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s: the response holds neither a verb element nor "
                        "an error",
                        name);
done:
    wy_buf_release(&fixed);
    return rc;
}

void oai_response_release(struct oai_response *resp)
{
    if (!resp)
        return;
    wy_arena_free(resp->arena);
    memset(resp, 0, sizeof(*resp));
}

const struct oai_error *oai_response_error(const struct oai_response *resp,
                                           const char *code)
{
    for (size_t i = 0; i < resp->nerrors; i++)
        if (!strcmp(resp->errors[i].code, code))
            return &resp->errors[i];
    return NULL;
}
