/* tests/xw_marc.c: see xw_marc.h. */
#include "xw_marc.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/xml.h"
#include "formats/crosswalk.h"
#include "formats/dc.h"
#include "formats/format.h"
#include "formats/mods.h"

static char *prop(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

static int is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static struct wy_record *build(xmlNodePtr rec, enum wy_marc_kind kind)
{
    struct wy_record *r = wy_record_new();
    assert_non_null(r);
    r->kind = kind;
    for (xmlNodePtr c = rec->children; c; c = c->next) {
        if (is(c, "leader")) {
            xmlChar *t = xmlNodeGetContent(c);
            size_t n = strlen((char *)t);
            memcpy(r->leader, t, n < 24 ? n : 24);
            xmlFree(t);
        } else if (is(c, "controlfield")) {
            char *tag = prop(c, "tag");
            xmlChar *t = xmlNodeGetContent(c);
            assert_non_null(
                wy_record_add_control(r, tag, (char *)t, strlen((char *)t)));
            xmlFree(t);
            xmlFree(tag);
        } else if (is(c, "datafield")) {
            char *tag = prop(c, "tag"), *i1 = prop(c, "ind1"),
                 *i2 = prop(c, "ind2");
            struct wy_field *f = wy_record_add_field(
                r, tag, i1 && *i1 ? *i1 : ' ', i2 && *i2 ? *i2 : ' ');
            assert_non_null(f);
            for (xmlNodePtr s = c->children; s; s = s->next) {
                if (!is(s, "subfield"))
                    continue;
                char *code = prop(s, "code");
                xmlChar *t = xmlNodeGetContent(s);
                assert_true(wy_field_add_sub(r, f, code ? code[0] : '?',
                                             (char *)t, strlen((char *)t)));
                xmlFree(t);
                xmlFree(code);
            }
            xmlFree(tag);
            xmlFree(i1);
            xmlFree(i2);
        }
    }
    struct wy_err err = WY_ERR_INIT;
    if (xwalk_describe(r, &err) != WY_OK)
        fail_msg("xwalk_describe: %s", wy_err_msg(&err));
    return r;
}

static void collect(xmlNodePtr n, enum wy_marc_kind kind,
                    struct wy_record ***recs, size_t *cnt)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        /* a MARC record, not SRU's <record> envelope */
        int marc = is(n, "record");
        if (marc) {
            marc = 0;
            for (xmlNodePtr c = n->children; c; c = c->next)
                if (is(c, "leader"))
                    marc = 1;
        }
        if (marc) {
            *recs = realloc(*recs, (*cnt + 1) * sizeof(**recs));
            (*recs)[(*cnt)++] = build(n, kind);
        } else {
            collect(n->children, kind, recs, cnt);
        }
    }
}

struct wy_record **xw_load_marcxml(const char *path, enum wy_marc_kind kind,
                                   size_t *n)
{
    size_t len;
    char *buf = wy_test_slurp(path, &len);
    xmlDocPtr doc;
    struct wy_err err = WY_ERR_INIT;
    if (wy_xml_doc_mem(&doc, buf, len, path, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct wy_record **recs = NULL;
    *n = 0;
    collect(xmlDocGetRootElement(doc), kind, &recs, n);
    xmlFreeDoc(doc);
    free(buf);
    return recs;
}

void xw_free_records(struct wy_record **recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wy_record_free(recs[i]);
    free(recs);
}

/* Each record is moved out of the reader by swapping it with a fresh one
   (the reader clears its record before filling it again). Bad records
   (WY_EFORMAT) are skipped, as the convert command does. */
struct wy_record **xw_read_all(const char *handler, const char *path, size_t *n)
{
    size_t len;
    char *buf = wy_test_slurp(path, &len);
    struct wy_err err = WY_ERR_INIT;
    struct wy_record **recs = NULL;
    *n = 0;
    struct fmt_reader *rd;
    if (fmt_reader_open_mem(&rd, handler ? fmt_find(handler) : NULL, buf, len,
                            path, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    for (;;) {
        struct wy_record *rec = NULL;
        wy_code rc = fmt_reader_next(rd, &rec, &err);
        if (rc == WY_EOF)
            break;
        if (rc == WY_EFORMAT) {
            wy_err_release(&err);
            continue;
        }
        if (rc != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        struct wy_record *keep = wy_record_new();
        assert_non_null(keep);
        struct wy_record tmp = *keep;
        *keep = *rec;
        *rec = tmp;
        recs = realloc(recs, (*n + 1) * sizeof(*recs));
        recs[(*n)++] = keep;
    }
    fmt_reader_free(rd);
    free(buf);
    return recs;
}

size_t xw_alloc_failures(const char *handler, const char *path)
{
    size_t len;
    char *buf = wy_test_slurp(path, &len);
    size_t good = 0;
    for (long k = 0;; k++) {
        struct wy_err err = WY_ERR_INIT;
        struct fmt_reader *r = NULL;
        struct wy_buf out = WY_BUF_INIT(1u << 22);
        wy_alloc_fail_after(k);
        wy_code rc =
            fmt_reader_open_mem(&r, fmt_find(handler), buf, len, path, &err);
        good = 0;
        while (rc == WY_OK) {
            struct wy_record *rec;
            rc = fmt_reader_next(r, &rec, &err);
            if (rc == WY_OK) {
                good++;
                wy_buf_reset(&out);
                rc = dc_write(rec, &out, &err);
                if (rc == WY_OK) {
                    wy_buf_reset(&out);
                    rc = mods_write(rec, &out, &err);
                }
            }
        }
        fmt_reader_free(r);
        wy_buf_release(&out);
        wy_alloc_fail_after(-1);
        if (rc == WY_EOF) {
            wy_err_release(&err);
            break;
        }
        if (rc != WY_ENOMEM)
            fail_msg("allocation %ld failing: %s", k, wy_err_msg(&err));
        wy_err_release(&err);
        assert_true(k < 100000);
    }
    free(buf);
    return good;
}
