/* formats/json.c: the record model as JSON: one object per line (JSON
   Lines), MARC fields in the MARC-in-JSON layout that yaz-marcdump -o json,
   pymarc and Catmandu share, plus "desc", the normalized view. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
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
    case WY_MARC21:
        return "marc21";
    case WY_UNIMARC:
        return "unimarc";
    case WY_MARC_NONE:
        break;
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

/* ---- reading JSON Lines back --------------------------------------------- */

/* One line holds one record; a record of 99,999 ISO 2709 bytes escapes to
   well under this. */
#define MAX_LINE (16u * 1024u * 1024u)

struct jr {
    struct fmt_input *in;
    struct wy_buf line;
    unsigned char block[64 * 1024];
    size_t pos, len;
    size_t lineno, recno;
    int eof;
};

static wy_code jr_open(void **state, struct fmt_input *in, struct wy_err *err)
{
    struct jr *j = wy_calloc(1, sizeof(*j));
    *state = j;
    if (!j)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    j->in = in;
    wy_buf_init(&j->line, MAX_LINE);
    return WY_OK;
}

static void jr_close(void *state)
{
    struct jr *j = state;
    if (!j)
        return;
    wy_buf_release(&j->line);
    free(j);
}

/* The next non-blank line into j->line; 0 at the end. */
static wy_code next_line(struct jr *j, int *got, struct wy_err *err)
{
    *got = 0;
    for (;;) {
        wy_buf_reset(&j->line);
        int have = 0;
        for (;;) {
            if (j->pos == j->len) {
                if (j->eof)
                    break;
                size_t n = 0;
                wy_code rc =
                    fmt_input_read(j->in, j->block, sizeof(j->block), &n, err);
                if (rc != WY_OK)
                    return rc;
                j->pos = 0;
                j->len = n;
                if (n == 0) {
                    j->eof = 1;
                    break;
                }
            }
            have = 1;
            unsigned char *nl =
                memchr(j->block + j->pos, '\n', j->len - j->pos);
            size_t k =
                nl ? (size_t)(nl - (j->block + j->pos)) : j->len - j->pos;
            wy_buf_add(&j->line, j->block + j->pos, k);
            j->pos += k;
            if (nl) {
                j->pos++;
                break;
            }
        }
        if (!have)
            return WY_OK;
        j->lineno++;
        if (j->line.error) {
            /* too long: the rest of the line was dropped */
            wy_buf_reset(&j->line);
            j->recno++;
            return wy_err_set(err, WY_EFORMAT,
                              "record %zu (line %zu): longer than %u bytes",
                              j->recno, j->lineno, MAX_LINE);
        }
        const char *p = wy_buf_cstr(&j->line);
        size_t i = 0;
        while (i < j->line.len && strchr(" \t\r", p[i]))
            i++;
        if (i < j->line.len) {
            *got = 1;
            return WY_OK;
        }
    }
}

static int one_ascii(json_t *v, char *c)
{
    const char *s = json_string_value(v);
    if (!s || json_string_length(v) != 1 || (unsigned char)s[0] < 0x20 ||
        (unsigned char)s[0] >= 0x7F)
        return 0;
    *c = s[0];
    return 1;
}

/* MARC delimiters and the C0 controls XML cannot carry (TAB, LF and CR
   are allowed), as the ISO 2709 reader refuses them too. */
static int has_delim(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return 1;
    }
    return 0;
}

static wy_code bad(struct wy_err *err, const char *what)
{
    return wy_err_set(err, WY_EFORMAT, "%s", what);
}

static wy_code from_json(json_t *o, struct wy_record *rec, struct wy_err *err)
{
    if (!json_is_object(o))
        return bad(err, "not a JSON object");
    json_t *leader = json_object_get(o, "leader");
    if (leader) {
        const char *l = json_string_value(leader);
        if (!l || json_string_length(leader) != 24)
            return bad(err, "\"leader\" is not a string of 24 characters");
        for (int i = 0; i < 24; i++)
            if ((unsigned char)l[i] < 0x20 || (unsigned char)l[i] >= 0x7F)
                return bad(err, "\"leader\" is not printable ASCII");
        memcpy(rec->leader, l, 24);
    }
    json_t *fields = json_object_get(o, "fields");
    if (!json_is_array(fields))
        return bad(err, "no \"fields\" array");
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f)
    {
        if (!json_is_object(f) || json_object_size(f) != 1)
            return wy_err_set(err, WY_EFORMAT,
                              "field %zu is not an object with one tag", i + 1);
        void *it = json_object_iter(f);
        const char *tag = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        int ok = strlen(tag) == 3;
        for (int k = 0; ok && k < 3; k++)
            ok = (tag[k] >= '0' && tag[k] <= '9') ||
                 (tag[k] >= 'A' && tag[k] <= 'Z') ||
                 (tag[k] >= 'a' && tag[k] <= 'z');
        if (!ok)
            return wy_err_set(err, WY_EFORMAT,
                              "field %zu: tag is not three letters or digits",
                              i + 1);
        if (wy_tag_is_control(tag)) {
            if (!json_is_string(v) ||
                has_delim(json_string_value(v), json_string_length(v)))
                return wy_err_set(err, WY_EFORMAT,
                                  "field %s: the value is not a string "
                                  "without control characters",
                                  tag);
            if (!wy_record_add_control(rec, tag, json_string_value(v),
                                       json_string_length(v)))
                return wy_err_set(err, WY_ENOMEM, "out of memory");
            continue;
        }
        char i1 = ' ', i2 = ' ';
        json_t *subs = json_object_get(v, "subfields");
        json_t *j1 = json_object_get(v, "ind1"),
               *j2 = json_object_get(v, "ind2");
        if (!json_is_object(v) || !json_is_array(subs) ||
            (j1 && !one_ascii(j1, &i1)) || (j2 && !one_ascii(j2, &i2)))
            return wy_err_set(err, WY_EFORMAT,
                              "field %s: needs \"subfields\" and one-character "
                              "indicators",
                              tag);
        struct wy_field *df = wy_record_add_field(rec, tag, i1, i2);
        if (!df)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        size_t k;
        json_t *sf;
        json_array_foreach(subs, k, sf)
        {
            void *sit = json_is_object(sf) && json_object_size(sf) == 1
                            ? json_object_iter(sf)
                            : NULL;
            const char *code = sit ? json_object_iter_key(sit) : NULL;
            json_t *sv = sit ? json_object_iter_value(sit) : NULL;
            if (!code || strlen(code) != 1 || (unsigned char)code[0] <= 0x20 ||
                (unsigned char)code[0] >= 0x7F || !json_is_string(sv) ||
                has_delim(json_string_value(sv), json_string_length(sv)))
                return wy_err_set(err, WY_EFORMAT,
                                  "field %s: subfield %zu is not {\"code\": "
                                  "\"text\"}",
                                  tag, k + 1);
            if (!wy_field_add_sub(rec, df, code[0], json_string_value(sv),
                                  json_string_length(sv)))
                return wy_err_set(err, WY_ENOMEM, "out of memory");
        }
    }
    const char *kind = json_string_value(json_object_get(o, "kind"));
    if (kind && !strcmp(kind, "unimarc"))
        rec->kind = WY_UNIMARC;
    else if (kind && !strcmp(kind, "marc21"))
        rec->kind = WY_MARC21;
    else
        rec->kind = !wy_record_field(rec, "245", NULL) &&
                            wy_record_field(rec, "200", NULL)
                        ? WY_UNIMARC
                        : WY_MARC21;
    return WY_OK;
}

static wy_code jr_next(void *state, struct wy_record *rec, struct wy_err *err)
{
    struct jr *j = state;
    int got;
    wy_code rc = next_line(j, &got, err);
    if (rc != WY_OK)
        return rc;
    if (!got)
        return WY_EOF;
    j->recno++;
    json_error_t je;
    json_t *o = json_loadb(j->line.p, j->line.len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        rc = wy_err_set(err, WY_EFORMAT, "column %d: %s", je.column, je.text);
    else
        rc = from_json(o, rec, err);
    json_decref(o);
    if (rc != WY_OK)
        return wy_err_prefix(err, "record %zu (line %zu)", j->recno, j->lineno);
    return WY_OK;
}

static int json_detect(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", p[i]) && p[i])
        i++;
    if (i + 10 > n || p[i] != '{')
        return 0;
    static const char key[] = "\"leader\"";
    for (size_t k = i; k + sizeof(key) - 1 <= n && k < i + 64; k++)
        if (!memcmp(p + k, key, sizeof(key) - 1))
            return 80;
    return 0;
}

const struct fmt_handler json_handler = {
    .name = "json",
    .title = "the record model as JSON Lines (MARC-in-JSON fields + desc)",
    .detect = json_detect,
    .open = jr_open,
    .next = jr_next,
    .close = jr_close,
    .write = json_write,
};
