/* formats/line.c: the readable dump used by `wenyuan show`. */
#include "formats/line.h"

#include <string.h>

void line_write_marc(const struct wy_record *rec, struct wy_buf *out)
{
    if (rec->nfields == 0)
        return;
    wy_buf_add(out, rec->leader, 24);
    wy_buf_addc(out, '\n');
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct wy_field *f = &rec->fields[i];
        wy_buf_add(out, f->tag, 3);
        if (wy_tag_is_control(f->tag)) {
            wy_buf_addc(out, ' ');
            if (f->data)
                wy_buf_add(out, f->data, f->len);
        } else {
            wy_buf_addc(out, ' ');
            wy_buf_addc(out, f->ind1);
            wy_buf_addc(out, f->ind2);
            for (size_t s = 0; s < f->nsub; s++) {
                wy_buf_adds(out, " $");
                wy_buf_addc(out, f->sub[s].code);
                wy_buf_addc(out, ' ');
                wy_buf_add(out, f->sub[s].data, f->sub[s].len);
            }
        }
        wy_buf_addc(out, '\n');
    }
}

static void item(struct wy_buf *out, const char *label, const char *v)
{
    if (!v || !*v)
        return;
    wy_buf_addf(out, "  %-10s %s\n", label, v);
}

void line_write_desc(const struct wy_record *rec, struct wy_buf *out)
{
    const struct wy_desc *d = &rec->desc;
    wy_buf_adds(out, "-- description\n");
    item(out, "id:", d->id);
    for (size_t i = 0; i < d->ntitles; i++)
        item(out, i ? "variant:" : "title:", d->titles[i]);
    for (size_t i = 0; i < d->ncreators; i++) {
        const struct wy_name *n = &d->creators[i];
        wy_buf_addf(out, "  %-10s ", n->secondary ? "contrib:" : "creator:");
        if (n->dynasty)
            wy_buf_addf(out, "(%s) ", n->dynasty);
        wy_buf_adds(out, n->name ? n->name : "");
        if (n->dates)
            wy_buf_addf(out, ", %s", n->dates);
        if (n->role)
            wy_buf_addf(out, " [%s]", n->role);
        wy_buf_addc(out, '\n');
    }
    if (d->date || d->year_from != WY_YEAR_NONE) {
        wy_buf_addf(out, "  %-10s %s", "date:", d->date ? d->date : "");
        if (d->year_from != WY_YEAR_NONE)
            wy_buf_addf(out, " (%d-%d)", d->year_from, d->year_to);
        wy_buf_addc(out, '\n');
    }
    item(out, "publisher:", d->publisher);
    item(out, "place:", d->place);
    item(out, "edition:", d->edition);
    item(out, "extent:", d->extent);
    for (size_t i = 0; i < d->nsubjects; i++)
        item(out, "subject:", d->subjects[i]);
    for (size_t i = 0; i < d->nidents; i++)
        wy_buf_addf(out, "  %-10s %s %s\n",
                    "ident:", d->idents[i].type ? d->idents[i].type : "",
                    d->idents[i].value ? d->idents[i].value : "");
    for (size_t i = 0; i < d->nlanguages; i++)
        item(out, "language:", d->languages[i]);
    item(out, "type:", d->type);
    item(out, "rights:", d->rights);
    for (size_t i = 0; i < d->nnotes; i++)
        item(out, "note:", d->notes[i]);
    for (size_t i = 0; i < d->nholdings; i++) {
        const struct wy_holding *h = &d->holdings[i];
        wy_buf_addf(out, "  %-10s %s",
                    "holding:", h->institution ? h->institution : "");
        if (h->callno)
            wy_buf_addf(out, " %s", h->callno);
        if (h->census)
            wy_buf_addf(out, " (census %s)", h->census);
        wy_buf_addc(out, '\n');
    }
}
