/* formats/mods.c: MODS 3 reader and writer over the descriptive view. */
#include "formats/mods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "formats/crosswalk.h"
#include "formats/dc.h"
#include "formats/format.h"
#include "formats/xmlstream.h"

/* ---- reading ------------------------------------------------------------ */

struct mr {
    struct wy_record *r;
    struct wy_buf b; /* scratch for joining parts */
    int ok;
    long main_title;        /* index of the untyped titleInfo, or -1 */
    int any_primary;        /* a name had usage="primary" */
    unsigned char *primary; /* per name: usage="primary" (heap) */
    size_t nprimary;
    const char *written_date;
    int written_rank;
    int enc_from, enc_to, enc_rank;
};

static int is_mods(const xmlNode *n, const char *local)
{
    return fmt_xml_is(n, FMT_NS_MODS, local);
}

static const char *text(struct mr *m, const xmlNode *n)
{
    return fmt_xml_text(m->r, n, &m->ok);
}

/* The scratch buffer as an arena string; NULL when empty. */
static const char *buf_str(struct mr *m)
{
    if (m->b.error != WY_OK) {
        m->ok = 0;
        return NULL;
    }
    if (!m->b.len)
        return NULL;
    const char *s = wy_arena_strndup(m->r->arena, m->b.p, m->b.len);
    if (!s)
        m->ok = 0;
    return s;
}

static void append(struct mr *m, const char *sep, const char *s)
{
    if (!s)
        return;
    if (m->b.len)
        wy_buf_adds(&m->b, sep);
    wy_buf_adds(&m->b, s);
}

static int has_element_children(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static void title_info(struct mr *m, const xmlNode *n)
{
    wy_buf_reset(&m->b);
    if (!has_element_children(n)) {
        append(m, " ", text(m, n)); /* DSpace writes the title bare */
    } else {
        for (const xmlNode *c = n->children; c; c = c->next)
            if (is_mods(c, "nonSort") || is_mods(c, "title") ||
                is_mods(c, "subTitle") || is_mods(c, "partNumber") ||
                is_mods(c, "partName"))
                append(m, " ", text(m, c));
    }
    const char *t = buf_str(m);
    if (!t)
        return;
    struct wy_desc *d = &m->r->desc;
    int is_main = m->main_title < 0 && (!xmlHasProp(n, BAD_CAST "type") ||
                                        fmt_xml_attr_is(n, "usage", "primary"));
    if (!wy_desc_add_title(m->r, t, strlen(t))) {
        m->ok = 0;
        return;
    }
    if (is_main)
        m->main_title = (long)d->ntitles - 1;
}

static void name(struct mr *m, const xmlNode *n)
{
    struct wy_name nm = {NULL, NULL, NULL, NULL, 1, 0};
    const char *family = NULL, *given = NULL, *role_code = NULL;
    const char *terms = NULL, *display = NULL;
    if (fmt_xml_attr_is(n, "type", "corporate") ||
        fmt_xml_attr_is(n, "type", "conference"))
        nm.personal = 0;
    wy_buf_reset(&m->b);
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is_mods(c, "namePart")) {
            const char *v = text(m, c);
            if (!v)
                continue;
            if (fmt_xml_attr_is(c, "type", "date"))
                nm.dates = nm.dates ? nm.dates : v;
            else if (fmt_xml_attr_is(c, "type", "family"))
                family = family ? family : v;
            else if (fmt_xml_attr_is(c, "type", "given"))
                given = given ? given : v;
            else if (fmt_xml_attr_is(c, "type", "termsOfAddress")) {
                const char *dy;
                size_t dl, len = strlen(v);
                if (!nm.dynasty && xwalk_dynasty(v, len, &dy, &dl) == len) {
                    nm.dynasty = wy_arena_strndup(m->r->arena, dy, dl);
                    if (!nm.dynasty)
                        m->ok = 0;
                } else if (!terms) {
                    terms = v;
                }
            } else {
                append(m, " ", v);
            }
        } else if (is_mods(c, "displayForm")) {
            display = display ? display : text(m, c);
        } else if (is_mods(c, "role") && !nm.role) {
            for (const xmlNode *t = c->children; t; t = t->next) {
                if (!is_mods(t, "roleTerm"))
                    continue;
                if (fmt_xml_attr_is(t, "type", "code"))
                    role_code = role_code ? role_code : text(m, t);
                else
                    nm.role = nm.role ? nm.role : text(m, t);
            }
        }
    }
    if (!m->b.len) {
        if (family && given) {
            append(m, "", family);
            append(m, ", ", given);
        } else {
            append(m, "", family ? family : given);
        }
    }
    if (!m->b.len)
        append(m, "", display);
    if (!m->b.len && !has_element_children(n))
        append(m, "", text(m, n));
    if (terms)
        append(m, ", ", terms);
    nm.name = buf_str(m);
    if (!nm.name)
        return;
    const char *dy;
    size_t dl, len = strlen(nm.name), k = xwalk_dynasty(nm.name, len, &dy, &dl);
    if (k && k < len) {
        if (!nm.dynasty) {
            nm.dynasty = wy_arena_strndup(m->r->arena, dy, dl);
            if (!nm.dynasty)
                m->ok = 0;
        }
        nm.name += k;
        while (*nm.name == ' ')
            nm.name++;
    }
    if (!nm.role)
        nm.role = role_code;
    if (!m->ok || !wy_desc_add_creator(m->r, &nm)) {
        m->ok = 0;
        return;
    }
    int primary = fmt_xml_attr_is(n, "usage", "primary");
    m->any_primary |= primary;
    unsigned char *p = wy_realloc(m->primary, m->nprimary + 1);
    if (!p) {
        m->ok = 0;
        return;
    }
    m->primary = p;
    m->primary[m->nprimary++] = (unsigned char)primary;
}

static int creator_role(const char *role)
{
    static const char *const roles[] = {
        "creator", "author", "cre", "aut", "撰", "著", "作者", "著者", "撰者"};
    if (!role)
        return 0;
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (!strcasecmp(role, roles[i]))
            return 1;
    return 0;
}

/* Dates: the one shown is the first dateIssued (else dateCreated, else
   copyrightDate) as written, preferring one without an encoding; the year
   range comes from encoded dates (w3cdtf, marc, iso8601, edtf), point="start"
   and point="end" making a range. */
static void date(struct mr *m, const xmlNode *n, int kind)
{
    const char *v = text(m, n);
    if (!v)
        return;
    int encoded = xmlHasProp(n, BAD_CAST "encoding") != NULL;
    int rank = kind * 2 + encoded;
    if (!m->written_date || rank < m->written_rank) {
        m->written_date = v;
        m->written_rank = rank;
    }
    if (!encoded)
        return;
    int lo, hi;
    if (!xwalk_year_range(v, strlen(v), &lo, &hi))
        return;
    if (fmt_xml_attr_is(n, "point", "end")) {
        if (m->enc_rank == kind && m->enc_from != WY_YEAR_NONE &&
            hi >= m->enc_from)
            m->enc_to = hi;
        return;
    }
    if (m->enc_from == WY_YEAR_NONE || kind < m->enc_rank) {
        m->enc_from = lo;
        m->enc_to = hi;
        m->enc_rank = kind;
    }
}

static void origin_info(struct mr *m, const xmlNode *n)
{
    struct wy_desc *d = &m->r->desc;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is_mods(c, "place")) {
            for (const xmlNode *t = c->children; t; t = t->next)
                if (is_mods(t, "placeTerm") && !d->place &&
                    !fmt_xml_attr_is(t, "type", "code"))
                    d->place = text(m, t);
        } else if (is_mods(c, "publisher")) {
            if (!d->publisher)
                d->publisher = text(m, c);
        } else if (is_mods(c, "dateIssued")) {
            date(m, c, 0);
        } else if (is_mods(c, "dateCreated")) {
            date(m, c, 1);
        } else if (is_mods(c, "copyrightDate")) {
            date(m, c, 2);
        } else if (is_mods(c, "edition")) {
            if (!d->edition)
                d->edition = text(m, c);
        }
    }
}

static void subject(struct mr *m, const xmlNode *n)
{
    wy_buf_reset(&m->b);
    if (!has_element_children(n)) {
        append(m, "--", text(m, n));
    } else {
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || is_mods(c, "cartographics") ||
                is_mods(c, "geographicCode"))
                continue;
            if (is_mods(c, "name")) {
                const char *part = NULL;
                for (const xmlNode *p = c->children; p; p = p->next)
                    if (is_mods(p, "namePart") && !part)
                        part = text(m, p);
                append(m, "--", part);
            } else if (is_mods(c, "hierarchicalGeographic")) {
                for (const xmlNode *p = c->children; p; p = p->next)
                    if (p->type == XML_ELEMENT_NODE)
                        append(m, "--", text(m, p));
            } else {
                append(m, "--", text(m, c));
            }
        }
    }
    const char *s = buf_str(m);
    if (s && !wy_desc_add_subject(m->r, s, strlen(s)))
        m->ok = 0;
}

static void identifier(struct mr *m, const xmlNode *n)
{
    if (fmt_xml_attr_is(n, "invalid", "yes"))
        return;
    const char *v = text(m, n);
    if (!v)
        return;
    static const char *const known[] = {"isbn",   "issn",    "lccn",
                                        "uri",    "oai",     "callno",
                                        "census", "control", "local"};
    const char *type = NULL;
    size_t skip = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !type; i++)
        if (fmt_xml_attr_is(n, "type", known[i]))
            type = known[i];
    if (!type && (fmt_xml_attr_is(n, "type", "doi") ||
                  fmt_xml_attr_is(n, "type", "hdl") ||
                  fmt_xml_attr_is(n, "type", "handle")))
        type = "uri";
    if (!type && xmlHasProp(n, BAD_CAST "type"))
        type = "local";
    if (!type)
        type = dc_ident_type(v, &skip);
    if (!wy_desc_add_ident(m->r, type, v + skip, strlen(v) - skip))
        m->ok = 0;
}

static void language(struct mr *m, const xmlNode *n)
{
    const char *code = NULL, *txt = NULL;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_mods(c, "languageTerm"))
            continue;
        if (fmt_xml_attr_is(c, "type", "text"))
            txt = txt ? txt : text(m, c);
        else
            code = code ? code : text(m, c);
    }
    const char *v = code ? code : txt;
    if (v && !wy_desc_add_language(m->r, v, strlen(v)))
        m->ok = 0;
}

static void location(struct mr *m, const xmlNode *n)
{
    struct wy_holding h = {NULL, NULL, NULL, NULL};
    const char *code = NULL;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is_mods(c, "physicalLocation")) {
            if (fmt_xml_attr_is(c, "type", "code") ||
                fmt_xml_attr_is(c, "authority", "marcorg"))
                code = code ? code : text(m, c);
            else if (!h.institution)
                h.institution = text(m, c);
        } else if (is_mods(c, "shelfLocator")) {
            h.callno = h.callno ? h.callno : text(m, c);
        } else if (is_mods(c, "url")) {
            const char *u = text(m, c);
            if (u && !wy_desc_add_ident(m->r, "uri", u, strlen(u)))
                m->ok = 0;
        } else if (is_mods(c, "holdingSimple")) {
            for (const xmlNode *ci = c->children; ci; ci = ci->next) {
                if (!is_mods(ci, "copyInformation"))
                    continue;
                for (const xmlNode *e = ci->children; e; e = e->next) {
                    if (is_mods(e, "shelfLocator") && !h.callno)
                        h.callno = text(m, e);
                    else if (is_mods(e, "note") && !h.note)
                        h.note = text(m, e);
                    else if (is_mods(e, "itemIdentifier") && !h.census &&
                             fmt_xml_attr_is(e, "type", "census"))
                        h.census = text(m, e);
                }
            }
        }
    }
    if (!h.institution)
        h.institution = code;
    if ((h.institution || h.callno || h.census) &&
        !wy_desc_add_holding(m->r, &h))
        m->ok = 0;
}

static void top(struct mr *m, const xmlNode *n)
{
    struct wy_record *r = m->r;
    struct wy_desc *d = &r->desc;
    if (is_mods(n, "titleInfo")) {
        title_info(m, n);
    } else if (is_mods(n, "name")) {
        name(m, n);
    } else if (is_mods(n, "typeOfResource")) {
        if (!d->type) {
            const char *v = text(m, n);
            const char *t = xwalk_dcmi_type(v);
            d->type = t ? t : v;
        }
    } else if (is_mods(n, "originInfo")) {
        origin_info(m, n);
    } else if (is_mods(n, "language")) {
        language(m, n);
    } else if (is_mods(n, "physicalDescription")) {
        if (d->extent)
            return;
        wy_buf_reset(&m->b);
        for (const xmlNode *c = n->children; c; c = c->next)
            if (is_mods(c, "extent"))
                append(m, " ; ", text(m, c));
        d->extent = buf_str(m);
    } else if (is_mods(n, "subject")) {
        subject(m, n);
    } else if (is_mods(n, "identifier")) {
        identifier(m, n);
    } else if (is_mods(n, "accessCondition")) {
        if (!d->rights)
            d->rights = text(m, n);
    } else if (is_mods(n, "note") || is_mods(n, "abstract") ||
               is_mods(n, "tableOfContents")) {
        const char *v = text(m, n);
        if (v && !wy_desc_add_note(r, v, strlen(v)))
            m->ok = 0;
    } else if (is_mods(n, "location")) {
        location(m, n);
    } else if (is_mods(n, "recordInfo")) {
        for (const xmlNode *c = n->children; c; c = c->next)
            if (is_mods(c, "recordIdentifier") && !d->id)
                d->id = text(m, c);
    }
}

wy_code mods_describe_node(struct wy_record *r, const xmlNode *mods,
                           struct wy_err *err)
{
    struct mr m = {r,
                   WY_BUF_INIT(1u << 20),
                   1,
                   -1,
                   0,
                   NULL,
                   0,
                   NULL,
                   0,
                   WY_YEAR_NONE,
                   WY_YEAR_NONE,
                   0};
    r->kind = WY_MARC_NONE;
    for (const xmlNode *n = mods->children; n && m.ok; n = n->next)
        top(&m, n);
    struct wy_desc *d = &r->desc;
    if (m.ok && m.main_title > 0) {
        const char *t = d->titles[m.main_title];
        memmove(d->titles + 1, d->titles,
                (size_t)m.main_title * sizeof(*d->titles));
        d->titles[0] = t;
    }
    /* LoC's MODS to DC: a name is a creator when it is the primary one
       (usage="primary", MARC 1XX) or its role says creator or author;
       every other name is a contributor. */
    if (m.ok)
        for (size_t i = 0; i < d->ncreators && i < m.nprimary; i++)
            d->creators[i].secondary =
                !m.primary[i] && !creator_role(d->creators[i].role);
    if (m.ok && m.written_date) {
        d->date = m.written_date;
        if (m.enc_from != WY_YEAR_NONE) {
            d->year_from = m.enc_from;
            d->year_to = m.enc_to;
        } else if (!xwalk_year_range(d->date, strlen(d->date), &d->year_from,
                                     &d->year_to)) {
            d->year_from = d->year_to = WY_YEAR_NONE;
        }
    }
    free(m.primary);
    wy_buf_release(&m.b);
    if (!m.ok)
        return wy_err_set(err, WY_ENOMEM, "out of memory reading MODS");
    return WY_OK;
}

static int match_mods(const xmlChar *ns, const xmlChar *local)
{
    return ns && local && !strcmp((const char *)local, "mods") &&
           !strcmp((const char *)ns, FMT_NS_MODS);
}

static int mods_detect(const unsigned char *p, size_t n)
{
    if (!fmt_bytes_has(p, n, FMT_NS_MODS))
        return 0;
    /* a MODS root wins over MARCXML: LoC's MARC-to-MODS output declares
       the MARC 21 slim namespace (xmlns:marc) */
    return fmt_xml_root_is(p, n, "mods") ||
                   fmt_xml_root_is(p, n, "modsCollection")
               ? 95
               : 75;
}

static wy_code mods_open(void **state, struct fmt_input *in, struct wy_err *err)
{
    return fmt_xml_reader_open(state, in, match_mods, err);
}

static wy_code mods_next(void *state, struct wy_record *rec, struct wy_err *err)
{
    return fmt_xml_reader_next(state, rec, mods_describe_node, err);
}

/* ---- writing ------------------------------------------------------------ */

static void x(struct wy_buf *b, const char *s)
{
    wy_buf_add_xml(b, s, strlen(s));
}

static void el(struct wy_buf *b, const char *open, const char *close,
               const char *v)
{
    if (!v || !*v)
        return;
    wy_buf_adds(b, open);
    x(b, v);
    wy_buf_adds(b, close);
}

static int is_relator_code(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' &&
           s[1] <= 'z' && s[2] >= 'a' && s[2] <= 'z';
}

static int is_language_code(const char *s)
{
    return is_relator_code(s);
}

/* A w3cdtf year: four digits (MODS dates are xs:string, but w3cdtf
   promises YYYY). */
static int w3c_year(int y)
{
    return y >= 0 && y <= 9999;
}

wy_code mods_write(const struct wy_record *r, struct wy_buf *b,
                   struct wy_err *err)
{
    const struct wy_desc *d = &r->desc;
    wy_buf_adds(b, "<mods xmlns=\"" FMT_NS_MODS "\" "
                   "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                   "version=\"3.8\" xsi:schemaLocation=\"" FMT_NS_MODS
                   " http://www.loc.gov/standards/mods/v3/mods-3-8.xsd\">\n");
    /* MODS needs one element at least: an untitled record gets an empty
       title, which reads back as none */
    if (!d->ntitles)
        wy_buf_adds(b, "<titleInfo><title/></titleInfo>\n");
    for (size_t i = 0; i < d->ntitles; i++)
        el(b,
           i ? "<titleInfo type=\"alternative\"><title>" : "<titleInfo><title>",
           "</title></titleInfo>\n", d->titles[i]);
    for (size_t i = 0; i < d->ncreators; i++) {
        const struct wy_name *nm = &d->creators[i];
        wy_buf_addf(b, "<name type=\"%s\"%s>",
                    nm->personal ? "personal" : "corporate",
                    nm->secondary ? "" : " usage=\"primary\"");
        el(b, "<namePart>", "</namePart>", nm->name);
        if (nm->dynasty) {
            wy_buf_adds(b, "<namePart type=\"termsOfAddress\">(");
            x(b, nm->dynasty);
            wy_buf_adds(b, ")</namePart>");
        }
        el(b, "<namePart type=\"date\">", "</namePart>", nm->dates);
        if (nm->role && is_relator_code(nm->role))
            el(b, "<role><roleTerm authority=\"marcrelator\" type=\"code\">",
               "</roleTerm></role>", nm->role);
        else
            el(b, "<role><roleTerm type=\"text\">", "</roleTerm></role>",
               nm->role);
        wy_buf_adds(b, "</name>\n");
    }
    if (d->type) {
        const char *t = xwalk_mods_type(d->type);
        if (t)
            el(b, "<typeOfResource>", "</typeOfResource>\n", t);
    }
    int have_years = d->year_from != WY_YEAR_NONE && w3c_year(d->year_from) &&
                     w3c_year(d->year_to);
    if (d->place || d->publisher || d->date || d->edition || have_years) {
        wy_buf_adds(b, "<originInfo>");
        el(b, "<place><placeTerm type=\"text\">", "</placeTerm></place>",
           d->place);
        el(b, "<publisher>", "</publisher>", d->publisher);
        el(b, "<dateIssued>", "</dateIssued>", d->date);
        if (have_years && d->year_to != d->year_from)
            wy_buf_addf(b,
                        "<dateIssued encoding=\"w3cdtf\" keyDate=\"yes\" "
                        "point=\"start\">%04d</dateIssued>"
                        "<dateIssued encoding=\"w3cdtf\" point=\"end\">"
                        "%04d</dateIssued>",
                        d->year_from, d->year_to);
        else if (have_years)
            wy_buf_addf(b,
                        "<dateIssued encoding=\"w3cdtf\" keyDate=\"yes\">"
                        "%04d</dateIssued>",
                        d->year_from);
        el(b, "<edition>", "</edition>", d->edition);
        wy_buf_adds(b, "</originInfo>\n");
    }
    for (size_t i = 0; i < d->nlanguages; i++) {
        if (is_language_code(d->languages[i]))
            el(b,
               "<language><languageTerm authority=\"iso639-2b\" "
               "type=\"code\">",
               "</languageTerm></language>\n", d->languages[i]);
        else
            el(b, "<language><languageTerm type=\"text\">",
               "</languageTerm></language>\n", d->languages[i]);
    }
    el(b, "<physicalDescription><extent>", "</extent></physicalDescription>\n",
       d->extent);
    for (size_t i = 0; i < d->nsubjects; i++)
        el(b, "<subject><topic>", "</topic></subject>\n", d->subjects[i]);
    for (size_t i = 0; i < d->nnotes; i++)
        el(b, "<note>", "</note>\n", d->notes[i]);
    for (size_t i = 0; i < d->nidents; i++) {
        wy_buf_addf(b, "<identifier type=\"%s\">", d->idents[i].type);
        x(b, d->idents[i].value);
        wy_buf_adds(b, "</identifier>\n");
    }
    el(b, "<accessCondition type=\"use and reproduction\">",
       "</accessCondition>\n", d->rights);
    for (size_t i = 0; i < d->nholdings; i++) {
        const struct wy_holding *h = &d->holdings[i];
        wy_buf_adds(b, "<location>");
        el(b, "<physicalLocation>", "</physicalLocation>", h->institution);
        el(b, "<shelfLocator>", "</shelfLocator>", h->callno);
        if (h->census || h->note) {
            wy_buf_adds(b, "<holdingSimple><copyInformation>");
            el(b, "<note>", "</note>", h->note);
            el(b, "<itemIdentifier type=\"census\">", "</itemIdentifier>",
               h->census);
            wy_buf_adds(b, "</copyInformation></holdingSimple>");
        }
        wy_buf_adds(b, "</location>\n");
    }
    if (d->id)
        el(b, "<recordInfo><recordIdentifier>",
           "</recordIdentifier></recordInfo>\n", d->id);
    wy_buf_adds(b, "</mods>\n");
    return wy_buf_status(b, err);
}

static void mods_write_begin(struct wy_buf *out)
{
    wy_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<modsCollection xmlns=\"" FMT_NS_MODS "\" "
                     "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                     "xsi:schemaLocation=\"" FMT_NS_MODS
                     " http://www.loc.gov/standards/mods/v3/mods-3-8.xsd\">\n");
}

static void mods_write_end(struct wy_buf *out)
{
    wy_buf_adds(out, "</modsCollection>\n");
}

const struct fmt_handler mods_handler = {
    .name = "mods",
    .title = "MODS 3 (modsCollection, SRU, OAI-PMH; writes MODS 3.8)",
    .detect = mods_detect,
    .open = mods_open,
    .next = mods_next,
    .close = fmt_xml_reader_close,
    .write_begin = mods_write_begin,
    .write = mods_write,
    .write_end = mods_write_end,
};
