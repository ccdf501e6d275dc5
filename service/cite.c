/* service/cite.c: RIS and BibTeX. */
#include "service/cite.h"

#include <stdio.h>
#include <string.h>

/* RIS fields are one line each: line breaks in values become spaces. */
static void ris(struct wy_buf *b, const char *tag, const char *v)
{
    if (!v || !*v)
        return;
    wy_buf_addf(b, "%s  - ", tag);
    for (; *v; v++)
        wy_buf_addc(b, (*v == '\r' || *v == '\n') ? ' ' : *v);
    wy_buf_adds(b, "\r\n");
}

static const char *ris_type(const char *dcmi)
{
    if (!dcmi)
        return "BOOK";
    if (!strcmp(dcmi, "StillImage") || !strcmp(dcmi, "Image"))
        return "ART";
    if (!strcmp(dcmi, "Cartographic") || strstr(dcmi, "Map"))
        return "MAP";
    if (!strcmp(dcmi, "Sound"))
        return "SOUND";
    if (strstr(dcmi, "Manuscript"))
        return "MANSCPT";
    return "BOOK";
}

wy_code svc_cite_ris(const struct wy_record *r, const char *id, const char *url,
                     struct wy_buf *out, struct wy_err *err)
{
    const struct wy_desc *d = &r->desc;
    ris(out, "TY", ris_type(d->type));
    ris(out, "ID", id);
    if (d->ntitles)
        ris(out, "TI", d->titles[0]);
    for (size_t i = 1; i < d->ntitles; i++)
        ris(out, "T2", d->titles[i]);
    for (size_t i = 0; i < d->ncreators; i++)
        ris(out, "AU", d->creators[i].name);
    if (d->year_from != WY_YEAR_NONE)
        wy_buf_addf(out, "PY  - %d\r\n", d->year_from);
    ris(out, "DA", d->date);
    ris(out, "PB", d->publisher);
    ris(out, "CY", d->place);
    ris(out, "ET", d->edition);
    for (size_t i = 0; i < d->nsubjects; i++)
        ris(out, "KW", d->subjects[i]);
    for (size_t i = 0; i < d->nlanguages; i++)
        ris(out, "LA", d->languages[i]);
    for (size_t i = 0; i < d->nidents; i++)
        if (!strcmp(d->idents[i].type, "isbn") ||
            !strcmp(d->idents[i].type, "issn"))
            ris(out, "SN", d->idents[i].value);
    for (size_t i = 0; i < d->nholdings; i++) {
        ris(out, "AV", d->holdings[i].institution);
        ris(out, "CN", d->holdings[i].callno);
    }
    for (size_t i = 0; i < d->nnotes; i++)
        ris(out, "N1", d->notes[i]);
    ris(out, "UR", url);
    wy_buf_adds(out, "ER  - \r\n");
    return wy_buf_status(out, err);
}

/* A BibTeX value inside braces: the characters TeX treats specially are
   escaped, so a title cannot close the field or run a macro. */
static void bib(struct wy_buf *b, const char *field, const char *v)
{
    if (!v || !*v)
        return;
    wy_buf_addf(b, ",\n  %s = {", field);
    for (; *v; v++) {
        switch (*v) {
        case '{':
        case '}':
        case '%':
        case '&':
        case '#':
        case '$':
        case '_':
            wy_buf_addc(b, '\\');
            wy_buf_addc(b, *v);
            break;
        case '\\':
            wy_buf_adds(b, "\\textbackslash{}");
            break;
        case '^':
            wy_buf_adds(b, "\\^{}");
            break;
        case '~':
            wy_buf_adds(b, "\\~{}");
            break;
        case '\r':
        case '\n':
            wy_buf_addc(b, ' ');
            break;
        default:
            wy_buf_addc(b, *v);
        }
    }
    wy_buf_addc(b, '}');
}

wy_code svc_cite_bibtex(const struct wy_record *r, const char *id,
                        const char *url, struct wy_buf *out, struct wy_err *err)
{
    const struct wy_desc *d = &r->desc;
    wy_buf_adds(out, "@book{wenyuan");
    for (const char *p = id; *p; p++) /* keys: letters and digits only */
        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
            (*p >= 'A' && *p <= 'Z'))
            wy_buf_addc(out, *p);
    if (d->ntitles)
        bib(out, "title", d->titles[0]);
    if (d->ncreators) {
        struct wy_buf a = WY_BUF_INIT(64 * 1024);
        for (size_t i = 0; i < d->ncreators; i++) {
            if (i)
                wy_buf_adds(&a, " and ");
            /* braces keep a Chinese name (or a corporate body) whole */
            wy_buf_adds(&a, d->creators[i].name ? d->creators[i].name : "");
        }
        bib(out, "author", wy_buf_cstr(&a));
        wy_buf_release(&a);
    }
    if (d->year_from != WY_YEAR_NONE) {
        char y[16];
        snprintf(y, sizeof(y), "%d", d->year_from);
        bib(out, "year", y);
    }
    bib(out, "date", d->date);
    bib(out, "publisher", d->publisher);
    bib(out, "address", d->place);
    bib(out, "edition", d->edition);
    for (size_t i = 0; i < d->nidents; i++)
        if (!strcmp(d->idents[i].type, "isbn"))
            bib(out, "isbn", d->idents[i].value);
    if (d->nlanguages)
        bib(out, "language", d->languages[0]);
    if (d->nholdings)
        bib(out, "library", d->holdings[0].institution);
    bib(out, "url", url);
    wy_buf_adds(out, "\n}\n");
    return wy_buf_status(out, err);
}
