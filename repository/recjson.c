/* repository/recjson.c: the record model to JSON and back. */
#include "repository/recjson.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t k;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

void cat_json_str(struct wy_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, bad = 0;
    while (i < n) {
        size_t k = utf8_len(p + i, n - i);
        if (!k) {
            bad = 1;
            break;
        }
        i += k;
    }
    if (!bad) {
        wy_buf_add_json(out, s, n);
        return;
    }
    struct wy_buf clean = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (i = 0; i < n;) {
        size_t k = utf8_len(p + i, n - i);
        if (k) {
            wy_buf_add(&clean, p + i, k);
            i += k;
        } else {
            wy_buf_add(&clean, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    if (clean.error) {
        /* make the output buffer carry the failure */
        out->error = clean.error;
    } else {
        wy_buf_add_json(out, clean.p ? clean.p : "", clean.len);
    }
    wy_buf_release(&clean);
}

static void key_str(struct wy_buf *b, int *first, const char *key,
                    const char *v)
{
    if (!v)
        return;
    if (!*first)
        wy_buf_addc(b, ',');
    *first = 0;
    wy_buf_addf(b, "\"%s\":", key);
    cat_json_str(b, v, strlen(v));
}

static const char *kind_name(enum wy_marc_kind k)
{
    return k == WY_MARC21 ? "marc21" : k == WY_UNIMARC ? "unimarc" : "none";
}

wy_code cat_json_model(const struct wy_record *r, struct wy_buf *b,
                       struct wy_err *err)
{
    wy_buf_addf(b, "{\"kind\":\"%s\"", kind_name(r->kind));
    if (r->format) {
        wy_buf_adds(b, ",\"format\":");
        cat_json_str(b, r->format, strlen(r->format));
    }
    wy_buf_adds(b, ",\"leader\":");
    cat_json_str(b, r->leader, strnlen(r->leader, 24));
    wy_buf_adds(b, ",\"fields\":[");
    for (size_t i = 0; i < r->nfields; i++) {
        const struct wy_field *f = &r->fields[i];
        if (i)
            wy_buf_addc(b, ',');
        wy_buf_addc(b, '{');
        cat_json_str(b, f->tag, strnlen(f->tag, 3));
        wy_buf_addc(b, ':');
        if (f->data) {
            cat_json_str(b, f->data, f->len);
        } else {
            wy_buf_adds(b, "{\"ind1\":");
            cat_json_str(b, &f->ind1, 1);
            wy_buf_adds(b, ",\"ind2\":");
            cat_json_str(b, &f->ind2, 1);
            wy_buf_adds(b, ",\"subfields\":[");
            for (size_t j = 0; j < f->nsub; j++) {
                if (j)
                    wy_buf_addc(b, ',');
                wy_buf_addc(b, '{');
                cat_json_str(b, &f->sub[j].code, 1);
                wy_buf_addc(b, ':');
                cat_json_str(b, f->sub[j].data, f->sub[j].len);
                wy_buf_addc(b, '}');
            }
            wy_buf_adds(b, "]}");
        }
        wy_buf_addc(b, '}');
    }
    wy_buf_adds(b, "]}");
    return wy_buf_status(b, err);
}

static void str_array(struct wy_buf *b, int *first, const char *key,
                      const char *const *v, size_t n)
{
    if (!n)
        return;
    if (!*first)
        wy_buf_addc(b, ',');
    *first = 0;
    wy_buf_addf(b, "\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            wy_buf_addc(b, ',');
        cat_json_str(b, v[i] ? v[i] : "", v[i] ? strlen(v[i]) : 0);
    }
    wy_buf_addc(b, ']');
}

static void open_array(struct wy_buf *b, int *first, const char *key)
{
    if (!*first)
        wy_buf_addc(b, ',');
    *first = 0;
    wy_buf_addf(b, "\"%s\":[", key);
}

wy_code cat_json_desc(const struct wy_record *r, struct wy_buf *b,
                      struct wy_err *err)
{
    const struct wy_desc *d = &r->desc;
    int first = 1;
    wy_buf_addc(b, '{');
    key_str(b, &first, "id", d->id);
    str_array(b, &first, "titles", d->titles, d->ntitles);
    if (d->ncreators) {
        open_array(b, &first, "creators");
        for (size_t i = 0; i < d->ncreators; i++) {
            const struct wy_name *nm = &d->creators[i];
            int f2 = 1;
            wy_buf_adds(b, i ? ",{" : "{");
            key_str(b, &f2, "name", nm->name ? nm->name : "");
            key_str(b, &f2, "role", nm->role);
            key_str(b, &f2, "dynasty", nm->dynasty);
            key_str(b, &f2, "dates", nm->dates);
            wy_buf_addf(b, ",\"personal\":%s", nm->personal ? "true" : "false");
            if (nm->secondary)
                wy_buf_adds(b, ",\"secondary\":true");
            wy_buf_addc(b, '}');
        }
        wy_buf_addc(b, ']');
    }
    key_str(b, &first, "date", d->date);
    if (d->year_from != WY_YEAR_NONE) {
        wy_buf_addf(b, "%s\"year_from\":%d", first ? "" : ",", d->year_from);
        first = 0;
    }
    if (d->year_to != WY_YEAR_NONE) {
        wy_buf_addf(b, "%s\"year_to\":%d", first ? "" : ",", d->year_to);
        first = 0;
    }
    key_str(b, &first, "publisher", d->publisher);
    key_str(b, &first, "place", d->place);
    key_str(b, &first, "edition", d->edition);
    key_str(b, &first, "extent", d->extent);
    str_array(b, &first, "subjects", d->subjects, d->nsubjects);
    if (d->nidents) {
        open_array(b, &first, "identifiers");
        for (size_t i = 0; i < d->nidents; i++) {
            int f2 = 1;
            wy_buf_adds(b, i ? ",{" : "{");
            key_str(b, &f2, "type", d->idents[i].type ? d->idents[i].type : "");
            key_str(b, &f2, "value",
                    d->idents[i].value ? d->idents[i].value : "");
            wy_buf_addc(b, '}');
        }
        wy_buf_addc(b, ']');
    }
    str_array(b, &first, "languages", d->languages, d->nlanguages);
    key_str(b, &first, "type", d->type);
    key_str(b, &first, "rights", d->rights);
    str_array(b, &first, "notes", d->notes, d->nnotes);
    if (d->nholdings) {
        open_array(b, &first, "holdings");
        for (size_t i = 0; i < d->nholdings; i++) {
            const struct wy_holding *h = &d->holdings[i];
            int f2 = 1;
            wy_buf_adds(b, i ? ",{" : "{");
            key_str(b, &f2, "institution", h->institution);
            key_str(b, &f2, "callno", h->callno);
            key_str(b, &f2, "census", h->census);
            key_str(b, &f2, "note", h->note);
            wy_buf_addc(b, '}');
        }
        wy_buf_addc(b, ']');
    }
    wy_buf_addc(b, '}');
    return wy_buf_status(b, err);
}

/* ---- loading ---------------------------------------------------------- */

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")

static const char *jstr(json_t *o, const char *key, size_t *len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}

static wy_code bad(struct wy_err *err, const char *what, const char *detail)
{
    return wy_err_set(err, WY_EFORMAT, "stored %s JSON: %s", what, detail);
}

static wy_code load_model(struct wy_record *r, const char *s,
                          struct wy_err *err)
{
    json_error_t je;
    json_t *root = json_loads(s, JSON_ALLOW_NUL, &je);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return wy_err_set(err, WY_EFORMAT,
                          "stored model JSON: %s at line %d column %d",
                          root ? "not an object" : je.text, je.line, je.column);
    }
    wy_code rc = WY_OK;
    const char *k = jstr(root, "kind", NULL);
    r->kind = !k                      ? WY_MARC_NONE
              : !strcmp(k, "marc21")  ? WY_MARC21
              : !strcmp(k, "unimarc") ? WY_UNIMARC
                                      : WY_MARC_NONE;
    size_t n;
    const char *fmt = jstr(root, "format", &n);
    if (fmt && !(r->format = wy_arena_strndup(r->arena, fmt, n)))
        rc = NOMEM();
    const char *ld = jstr(root, "leader", &n);
    if (ld && n == 24)
        memcpy(r->leader, ld, 24);
    json_t *fields = json_object_get(root, "fields");
    if (fields && !json_is_array(fields))
        rc = rc ? rc : bad(err, "model", "'fields' is not an array");
    size_t i;
    json_t *fo;
    json_array_foreach(fields, i, fo)
    {
        if (rc)
            break;
        const char *tag;
        json_t *fv;
        if (!json_is_object(fo) || json_object_size(fo) != 1) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "stored model JSON: field %zu is not a "
                            "one-key object",
                            i + 1);
            break;
        }
        json_object_foreach(fo, tag, fv)
        {
            if (strlen(tag) != 3) {
                rc = wy_err_set(err, WY_EFORMAT,
                                "stored model JSON: field %zu: tag '%s' is "
                                "not 3 characters",
                                i + 1, tag);
                break;
            }
            if (json_is_string(fv)) {
                if (!wy_record_add_control(r, tag, json_string_value(fv),
                                           json_string_length(fv)))
                    rc = NOMEM();
                continue;
            }
            size_t l1 = 0, l2 = 0;
            const char *i1 = jstr(fv, "ind1", &l1), *i2 = jstr(fv, "ind2", &l2);
            json_t *subs = json_object_get(fv, "subfields");
            if (!json_is_object(fv) || !json_is_array(subs)) {
                rc = wy_err_set(err, WY_EFORMAT,
                                "stored model JSON: field %zu ('%s') has no "
                                "subfield array",
                                i + 1, tag);
                break;
            }
            struct wy_field *f = wy_record_add_field(
                r, tag, i1 && l1 ? i1[0] : ' ', i2 && l2 ? i2[0] : ' ');
            if (!f) {
                rc = NOMEM();
                break;
            }
            size_t j;
            json_t *so;
            json_array_foreach(subs, j, so)
            {
                const char *code;
                json_t *sv;
                json_object_foreach(so, code, sv)
                {
                    if (!json_is_string(sv) || strlen(code) != 1) {
                        rc = wy_err_set(err, WY_EFORMAT,
                                        "stored model JSON: field %zu ('%s') "
                                        "subfield %zu is malformed",
                                        i + 1, tag, j + 1);
                        break;
                    }
                    if (!wy_field_add_sub(r, f, code[0], json_string_value(sv),
                                          json_string_length(sv))) {
                        rc = NOMEM();
                        break;
                    }
                }
                if (rc)
                    break;
            }
        }
    }
    json_decref(root);
    return rc;
}

static wy_code set1(struct wy_record *r, const char **slot, json_t *o,
                    const char *key, struct wy_err *err)
{
    size_t n;
    const char *s = jstr(o, key, &n);
    if (s && !wy_desc_set(r, slot, s, n))
        return NOMEM();
    return WY_OK;
}

static wy_code strs(struct wy_record *r, json_t *o, const char *key,
                    int (*add)(struct wy_record *, const char *, size_t),
                    struct wy_err *err)
{
    json_t *a = json_object_get(o, key);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) &&
            !add(r, json_string_value(v), json_string_length(v)))
            return NOMEM();
    }
    return WY_OK;
}

static const char *adup(struct wy_record *r, json_t *o, const char *key,
                        int *ok)
{
    size_t n;
    const char *s = jstr(o, key, &n);
    if (!s)
        return NULL;
    const char *d = wy_arena_strndup(r->arena, s, n);
    if (!d)
        *ok = 0;
    return d;
}

static wy_code load_desc(struct wy_record *r, const char *s, struct wy_err *err)
{
    json_error_t je;
    json_t *o = json_loads(s, JSON_ALLOW_NUL, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return wy_err_set(err, WY_EFORMAT,
                          "stored desc JSON: %s at line %d column %d",
                          o ? "not an object" : je.text, je.line, je.column);
    }
    struct wy_desc *d = &r->desc;
    wy_code rc = set1(r, &d->id, o, "id", err);
    if (!rc)
        rc = strs(r, o, "titles", wy_desc_add_title, err);
    json_t *a = json_object_get(o, "creators");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (rc)
            break;
        int ok = 1;
        struct wy_name nm = {0};
        nm.name = adup(r, v, "name", &ok);
        nm.role = adup(r, v, "role", &ok);
        nm.dynasty = adup(r, v, "dynasty", &ok);
        nm.dates = adup(r, v, "dates", &ok);
        nm.personal = json_is_true(json_object_get(v, "personal"));
        nm.secondary = json_is_true(json_object_get(v, "secondary"));
        if (!ok || (nm.name && !wy_desc_add_creator(r, &nm)))
            rc = NOMEM();
    }
    if (!rc)
        rc = set1(r, &d->date, o, "date", err);
    json_t *y = json_object_get(o, "year_from");
    if (json_is_integer(y))
        d->year_from = (int)json_integer_value(y);
    y = json_object_get(o, "year_to");
    if (json_is_integer(y))
        d->year_to = (int)json_integer_value(y);
    if (!rc)
        rc = set1(r, &d->publisher, o, "publisher", err);
    if (!rc)
        rc = set1(r, &d->place, o, "place", err);
    if (!rc)
        rc = set1(r, &d->edition, o, "edition", err);
    if (!rc)
        rc = set1(r, &d->extent, o, "extent", err);
    if (!rc)
        rc = strs(r, o, "subjects", wy_desc_add_subject, err);
    a = json_object_get(o, "identifiers");
    json_array_foreach(a, i, v)
    {
        if (rc)
            break;
        size_t n;
        const char *t = jstr(v, "type", NULL), *val = jstr(v, "value", &n);
        if (t && val && !wy_desc_add_ident(r, t, val, n))
            rc = NOMEM();
    }
    if (!rc)
        rc = strs(r, o, "languages", wy_desc_add_language, err);
    if (!rc)
        rc = set1(r, &d->type, o, "type", err);
    if (!rc)
        rc = set1(r, &d->rights, o, "rights", err);
    if (!rc)
        rc = strs(r, o, "notes", wy_desc_add_note, err);
    a = json_object_get(o, "holdings");
    json_array_foreach(a, i, v)
    {
        if (rc)
            break;
        int ok = 1;
        struct wy_holding h = {0};
        h.institution = adup(r, v, "institution", &ok);
        h.callno = adup(r, v, "callno", &ok);
        h.census = adup(r, v, "census", &ok);
        h.note = adup(r, v, "note", &ok);
        if (!ok || !wy_desc_add_holding(r, &h))
            rc = NOMEM();
    }
    json_decref(o);
    return rc;
}

wy_code cat_json_load(struct wy_record *r, const char *model, const char *desc,
                      struct wy_err *err)
{
    wy_code rc = WY_OK;
    if (model && *model)
        rc = load_model(r, model, err);
    if (!rc && desc && *desc)
        rc = load_desc(r, desc, err);
    return rc;
}
