/* formats/dc.c: Dublin Core (oai_dc) reader and writer over the view. */
#include "formats/dc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "formats/crosswalk.h"
#include "formats/format.h"
#include "formats/xmlstream.h"

/* ---- identifiers -------------------------------------------------------- */

static int isbn_checksum(const char *s, size_t n)
{
    int d[13], k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-' || s[i] == ' ')
            continue;
        if (k >= 13)
            return 0;
        if (s[i] >= '0' && s[i] <= '9')
            d[k++] = s[i] - '0';
        else if ((s[i] == 'X' || s[i] == 'x') && k == 9 && i + 1 == n)
            d[k++] = 10;
        else
            return 0;
    }
    int sum = 0;
    if (k == 10) {
        for (int i = 0; i < 10; i++)
            sum += (10 - i) * d[i];
        return sum % 11 == 0;
    }
    if (k == 13 && d[0] == 9 && d[1] == 7 && (d[2] == 8 || d[2] == 9)) {
        for (int i = 0; i < 13; i++)
            sum += d[i] * (i % 2 ? 3 : 1);
        return sum % 10 == 0;
    }
    return 0;
}

const char *dc_ident_type(const char *s, size_t *skip)
{
    static const struct {
        const char *prefix, *type;
        int keep; /* 1: the prefix is part of the identifier */
    } p[] = {
        {"URN:ISBN:", "isbn", 0},  {"ISBN:", "isbn", 0},   {"ISBN ", "isbn", 0},
        {"URN:ISSN:", "issn", 0},  {"ISSN:", "issn", 0},   {"ISSN ", "issn", 0},
        {"info:lccn/", "lccn", 0}, {"LCCN ", "lccn", 0},   {"oai:", "oai", 1},
        {"http://", "uri", 1},     {"https://", "uri", 1}, {"urn:", "uri", 1},
        {"info:", "uri", 1},       {"doi:", "uri", 1},     {"hdl:", "uri", 1},
        {"ark:", "uri", 1},
    };
    *skip = 0;
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        size_t k = strlen(p[i].prefix);
        if (!strncasecmp(s, p[i].prefix, k)) {
            *skip = p[i].keep ? 0 : k;
            return p[i].type;
        }
    }
    size_t n = strlen(s);
    if (isbn_checksum(s, n))
        return "isbn";
    if (s[0] == '(' && strchr(s, ')'))
        return "control"; /* MARC 035 style: "(OCoLC)12345" */
    return "local";
}

/* ---- reading ------------------------------------------------------------ */

struct dcr {
    struct wy_record *r;
    int ok;
    const char *publishers[2]; /* the first two dc:publisher values */
    size_t npub;
    int have_id;
    int type_is_dcmi;
};

static void add_name(struct dcr *d, const char *v, int secondary)
{
    struct wy_name nm = {v, NULL, NULL, NULL, 1, secondary};
    const char *dyn;
    size_t dl, m = xwalk_dynasty(v, strlen(v), &dyn, &dl);
    if (m && v[m]) {
        nm.dynasty = wy_arena_strndup(d->r->arena, dyn, dl);
        if (!nm.dynasty)
            d->ok = 0;
        nm.name = v + m;
        while (*nm.name == ' ')
            nm.name++;
    }
    if (d->ok && !wy_desc_add_creator(d->r, &nm))
        d->ok = 0;
}

static void element(struct dcr *d, const xmlNode *n)
{
    struct wy_record *r = d->r;
    struct wy_desc *ds = &r->desc;
    const char *name = (const char *)n->name;
    const char *v = fmt_xml_text(r, n, &d->ok);
    if (!v)
        return;
    size_t len = strlen(v);
    if (!strcmp(name, "title") || !strcmp(name, "alternative")) {
        if (!wy_desc_add_title(r, v, len))
            d->ok = 0;
    } else if (!strcmp(name, "creator")) {
        add_name(d, v, 0);
    } else if (!strcmp(name, "contributor")) {
        add_name(d, v, 1);
    } else if (!strcmp(name, "subject") || !strcmp(name, "coverage") ||
               !strcmp(name, "spatial") || !strcmp(name, "temporal")) {
        if (!wy_desc_add_subject(r, v, len))
            d->ok = 0;
    } else if (!strcmp(name, "description") || !strcmp(name, "abstract") ||
               !strcmp(name, "tableOfContents")) {
        if (!wy_desc_add_note(r, v, len))
            d->ok = 0;
    } else if (!strcmp(name, "publisher")) {
        if (d->npub < 2)
            d->publishers[d->npub++] = v;
    } else if (!strcmp(name, "date") || !strcmp(name, "issued") ||
               !strcmp(name, "created")) {
        if (!ds->date) {
            ds->date = v;
            int a, b;
            if (xwalk_year_range(v, len, &a, &b)) {
                ds->year_from = a;
                ds->year_to = b;
            }
        }
    } else if (!strcmp(name, "type")) {
        /* a DCMI Type term wins over other vocabularies (info:eu-repo/...) */
        const char *t = xwalk_dcmi_type(v);
        if (!ds->type || (t && !d->type_is_dcmi)) {
            ds->type = t ? t : v;
            d->type_is_dcmi = t != NULL;
        }
    } else if (!strcmp(name, "format") || !strcmp(name, "extent")) {
        if (!ds->extent)
            ds->extent = v;
    } else if (!strcmp(name, "identifier")) {
        size_t skip;
        const char *type = dc_ident_type(v, &skip);
        if (!d->have_id && !ds->id) {
            ds->id = v;
            d->have_id = 1;
        } else if (!wy_desc_add_ident(r, type, v + skip, len - skip)) {
            d->ok = 0;
        }
    } else if (!strcmp(name, "language")) {
        if (!wy_desc_add_language(r, v, len))
            d->ok = 0;
    } else if (!strcmp(name, "rights") || !strcmp(name, "accessRights") ||
               !strcmp(name, "license")) {
        if (!ds->rights)
            ds->rights = v;
    }
}

wy_code dc_describe_node(struct wy_record *r, const xmlNode *dc,
                         struct wy_err *err)
{
    struct dcr d = {r, 1, {NULL, NULL}, 0, r->desc.id != NULL, 0};
    r->kind = WY_MARC_NONE;
    for (const xmlNode *n = dc->children; n && d.ok; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !n->ns || !n->ns->href)
            continue;
        const char *ns = (const char *)n->ns->href;
        if (strcmp(ns, FMT_NS_DC) && strcmp(ns, FMT_NS_DCTERMS))
            continue;
        element(&d, n);
    }
    if (!d.ok)
        return wy_err_set(err, WY_ENOMEM, "out of memory reading DC");
    /* "place : publisher" as LoC's MARC to DC writes 260 $a $b; two
       dc:publisher values, as Alma's SRU DC gives them, are place and
       publisher in that order */
    if (d.npub == 1) {
        const char *p = d.publishers[0], *c = strstr(p, " : ");
        if (c) {
            r->desc.place = wy_arena_strndup(r->arena, p, (size_t)(c - p));
            r->desc.publisher = c + 3;
            if (!r->desc.place)
                return wy_err_set(err, WY_ENOMEM, "out of memory reading DC");
        } else {
            r->desc.publisher = p;
        }
    } else if (d.npub == 2) {
        r->desc.place = d.publishers[0];
        r->desc.publisher = d.publishers[1];
    }
    return WY_OK;
}

static int match_dc(const xmlChar *ns, const xmlChar *local)
{
    if (!ns || !local || strcmp((const char *)local, "dc"))
        return 0;
    return !strcmp((const char *)ns, FMT_NS_OAI_DC) ||
           !strcmp((const char *)ns, FMT_NS_SRW_DC);
}

static int dc_detect(const unsigned char *p, size_t n)
{
    if (fmt_bytes_has(p, n, FMT_NS_OAI_DC) ||
        fmt_bytes_has(p, n, FMT_NS_SRW_DC))
        return fmt_xml_root_is(p, n, "dc") ? 95 : 70;
    return 0;
}

static wy_code dc_open(void **state, struct fmt_input *in, struct wy_err *err)
{
    return fmt_xml_reader_open(state, in, match_dc, err);
}

static wy_code dc_next(void *state, struct wy_record *rec, struct wy_err *err)
{
    return fmt_xml_reader_next(state, rec, dc_describe_node, err);
}

/* ---- writing ------------------------------------------------------------ */

static void el(struct wy_buf *b, const char *name, const char *v)
{
    if (!v || !*v)
        return;
    wy_buf_addf(b, "<dc:%s>", name);
    wy_buf_add_xml(b, v, strlen(v));
    wy_buf_addf(b, "</dc:%s>\n", name);
}

static void name_el(struct wy_buf *b, const char *el_name,
                    const struct wy_name *nm)
{
    wy_buf_addf(b, "<dc:%s>", el_name);
    if (nm->dynasty) {
        wy_buf_adds(b, "(");
        wy_buf_add_xml(b, nm->dynasty, strlen(nm->dynasty));
        wy_buf_adds(b, ")");
    }
    wy_buf_add_xml(b, nm->name, strlen(nm->name));
    if (nm->dates) {
        wy_buf_adds(b, ", ");
        wy_buf_add_xml(b, nm->dates, strlen(nm->dates));
    }
    if (nm->role) {
        wy_buf_adds(b, " ");
        wy_buf_add_xml(b, nm->role, strlen(nm->role));
    }
    wy_buf_addf(b, "</dc:%s>\n", el_name);
}

wy_code dc_write(const struct wy_record *r, struct wy_buf *b,
                 struct wy_err *err)
{
    const struct wy_desc *d = &r->desc;
    wy_buf_adds(b, "<oai_dc:dc xmlns:oai_dc=\"" FMT_NS_OAI_DC
                   "\" xmlns:dc=\"" FMT_NS_DC
                   "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                   "xsi:schemaLocation=\"" FMT_NS_OAI_DC
                   " http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n");
    for (size_t i = 0; i < d->ntitles; i++)
        el(b, "title", d->titles[i]);
    for (size_t i = 0; i < d->ncreators; i++)
        if (!d->creators[i].secondary)
            name_el(b, "creator", &d->creators[i]);
    for (size_t i = 0; i < d->ncreators; i++)
        if (d->creators[i].secondary)
            name_el(b, "contributor", &d->creators[i]);
    for (size_t i = 0; i < d->nsubjects; i++)
        el(b, "subject", d->subjects[i]);
    for (size_t i = 0; i < d->nnotes; i++)
        el(b, "description", d->notes[i]);
    if (d->publisher || d->place) {
        wy_buf_adds(b, "<dc:publisher>");
        if (d->place)
            wy_buf_add_xml(b, d->place, strlen(d->place));
        if (d->place && d->publisher)
            wy_buf_adds(b, " : ");
        if (d->publisher)
            wy_buf_add_xml(b, d->publisher, strlen(d->publisher));
        wy_buf_adds(b, "</dc:publisher>\n");
    }
    if (d->date)
        el(b, "date", d->date);
    else if (d->year_from != WY_YEAR_NONE && d->year_to != d->year_from)
        wy_buf_addf(b, "<dc:date>%d-%d</dc:date>\n", d->year_from, d->year_to);
    else if (d->year_from != WY_YEAR_NONE)
        wy_buf_addf(b, "<dc:date>%d</dc:date>\n", d->year_from);
    el(b, "type", d->type);
    el(b, "format", d->extent);
    el(b, "identifier", d->id);
    for (size_t i = 0; i < d->nidents; i++) {
        const struct wy_ident *id = &d->idents[i];
        if (d->id && !strcmp(id->value, d->id))
            continue;
        wy_buf_adds(b, "<dc:identifier>");
        if (!strcmp(id->type, "isbn"))
            wy_buf_adds(b, "URN:ISBN:");
        else if (!strcmp(id->type, "issn"))
            wy_buf_adds(b, "URN:ISSN:");
        else if (!strcmp(id->type, "lccn"))
            wy_buf_adds(b, "info:lccn/");
        wy_buf_add_xml(b, id->value, strlen(id->value));
        wy_buf_adds(b, "</dc:identifier>\n");
    }
    for (size_t i = 0; i < d->nlanguages; i++)
        el(b, "language", d->languages[i]);
    el(b, "rights", d->rights);
    wy_buf_adds(b, "</oai_dc:dc>\n");
    return wy_buf_status(b, err);
}

static void dc_write_begin(struct wy_buf *out)
{
    /* oai_dc has one record per document; several are wrapped the way an
       OAI-PMH ListRecords page holds them, without the envelope */
    wy_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<collection>\n");
}

static void dc_write_end(struct wy_buf *out)
{
    wy_buf_adds(out, "</collection>\n");
}

const struct fmt_handler dc_handler = {
    .name = "dc",
    .title = "Dublin Core (oai_dc; reads SRU srw_dc and OAI-PMH pages too)",
    .detect = dc_detect,
    .open = dc_open,
    .next = dc_next,
    .close = fmt_xml_reader_close,
    .write_begin = dc_write_begin,
    .write = dc_write,
    .write_end = dc_write_end,
};
