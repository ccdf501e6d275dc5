/* formats/json.c: the record model as JSON: one object per line (JSON
   Lines), MARC fields in the MARC-in-JSON layout that yaz-marcdump -o json,
   pymarc and Catmandu share, plus "desc", the normalized view. */
#include <string.h>

#include "formats/format.h"

static void key(struct wy_buf *b, const char *k)
{
    wy_buf_addc(b, '"');
    wy_buf_adds(b, k);
    wy_buf_adds(b, "\":");
}

static void str(struct wy_buf *b, const char *s)
{
    wy_buf_add_json(b, s, strlen(s));
}

/* ,"k":"v" when v is set */
static void opt(struct wy_buf *b, const char *k, const char *v)
{
    if (!v)
        return;
    wy_buf_addc(b, ',');
    key(b, k);
    str(b, v);
}

static void strs(struct wy_buf *b, const char *k, const char **v, size_t n)
{
    if (!n)
        return;
    wy_buf_addc(b, ',');
    key(b, k);
    wy_buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            wy_buf_addc(b, ',');
        str(b, v[i]);
    }
    wy_buf_addc(b, ']');
}

static void desc(struct wy_buf *b, const struct wy_desc *d)
{
    wy_buf_adds(b, "{\"id\":");
    if (d->id)
        str(b, d->id);
    else
        wy_buf_adds(b, "null");
    strs(b, "titles", d->titles, d->ntitles);
    if (d->ncreators) {
        wy_buf_adds(b, ",\"creators\":[");
        for (size_t i = 0; i < d->ncreators; i++) {
            const struct wy_name *n = &d->creators[i];
            wy_buf_adds(b, i ? ",{" : "{");
            key(b, "name");
            str(b, n->name ? n->name : "");
            opt(b, "role", n->role);
            opt(b, "dynasty", n->dynasty);
            opt(b, "dates", n->dates);
            wy_buf_adds(b, n->personal ? ",\"personal\":true"
                                       : ",\"personal\":false");
            wy_buf_adds(b, n->secondary ? ",\"secondary\":true}" : "}");
        }
        wy_buf_addc(b, ']');
    }
    opt(b, "date", d->date);
    if (d->year_from != WY_YEAR_NONE)
        wy_buf_addf(b, ",\"year_from\":%d", d->year_from);
    if (d->year_to != WY_YEAR_NONE)
        wy_buf_addf(b, ",\"year_to\":%d", d->year_to);
    opt(b, "publisher", d->publisher);
    opt(b, "place", d->place);
    opt(b, "edition", d->edition);
    opt(b, "extent", d->extent);
    strs(b, "subjects", d->subjects, d->nsubjects);
    if (d->nidents) {
        wy_buf_adds(b, ",\"identifiers\":[");
        for (size_t i = 0; i < d->nidents; i++) {
            wy_buf_adds(b, i ? ",{" : "{");
            key(b, "type");
            str(b, d->idents[i].type ? d->idents[i].type : "");
            opt(b, "value", d->idents[i].value);
            wy_buf_addc(b, '}');
        }
        wy_buf_addc(b, ']');
    }
    strs(b, "languages", d->languages, d->nlanguages);
    opt(b, "type", d->type);
    opt(b, "rights", d->rights);
    strs(b, "notes", d->notes, d->nnotes);
    if (d->nholdings) {
        wy_buf_adds(b, ",\"holdings\":[");
        for (size_t i = 0; i < d->nholdings; i++) {
            const struct wy_holding *h = &d->holdings[i];
            wy_buf_adds(b, i ? ",{" : "{");
            key(b, "institution");
            str(b, h->institution ? h->institution : "");
            opt(b, "callno", h->callno);
            opt(b, "census", h->census);
            opt(b, "note", h->note);
            wy_buf_addc(b, '}');
        }
        wy_buf_addc(b, ']');
    }
    wy_buf_addc(b, '}');
}

static const char *kind_name(enum wy_marc_kind k)
{
    switch (k) {
    case WY_MARC21: return "marc21";
    case WY_UNIMARC: return "unimarc";
    case WY_MARC_NONE: break;
    }
    return NULL;
}

static wy_code json_write(const struct wy_record *r, struct wy_buf *b,
                          struct wy_err *err)
{
    wy_buf_adds(b, "{\"leader\":");
    wy_buf_add_json(b, r->leader, 24);
    wy_buf_adds(b, ",\"fields\":[");
    for (size_t i = 0; i < r->nfields; i++) {
        const struct wy_field *f = &r->fields[i];
        wy_buf_adds(b, i ? ",{" : "{");
        wy_buf_add_json(b, f->tag, 3);
        wy_buf_addc(b, ':');
        if (wy_tag_is_control(f->tag)) {
            wy_buf_add_json(b, f->data ? f->data : "", f->data ? f->len : 0);
            wy_buf_addc(b, '}');
            continue;
        }
        wy_buf_adds(b, "{\"subfields\":[");
        for (size_t s = 0; s < f->nsub; s++) {
            wy_buf_adds(b, s ? ",{" : "{");
            wy_buf_add_json(b, &f->sub[s].code, 1);
            wy_buf_addc(b, ':');
            wy_buf_add_json(b, f->sub[s].data, f->sub[s].len);
            wy_buf_addc(b, '}');
        }
        wy_buf_adds(b, "],\"ind1\":");
        wy_buf_add_json(b, &f->ind1, 1);
        wy_buf_adds(b, ",\"ind2\":");
        wy_buf_add_json(b, &f->ind2, 1);
        wy_buf_adds(b, "}}");
    }
    wy_buf_addc(b, ']');
    opt(b, "kind", kind_name(r->kind));
    opt(b, "format", r->format);
    wy_buf_adds(b, ",\"desc\":");
    desc(b, &r->desc);
    wy_buf_adds(b, "}\n");
    return wy_buf_status(b, err);
}

const struct fmt_handler json_handler = {
    .name = "json",
    .title = "the record model as JSON Lines (MARC-in-JSON fields + desc)",
    .write = json_write,
};
