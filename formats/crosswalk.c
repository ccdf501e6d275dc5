/* formats/crosswalk.c: MARC 21 and UNIMARC to the descriptive view. */
#include "formats/crosswalk.h"

#include <string.h>

static wy_code nomem(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory describing a record");
}

static int add_sub(struct wy_record *r, const char *tag, char code,
                   int (*add)(struct wy_record *, const char *, size_t))
{
    for (const struct wy_field *f = wy_record_field(r, tag, NULL); f;
         f = wy_record_field(r, tag, f))
        for (size_t i = 0; i < f->nsub; i++)
            if (f->sub[i].code == code &&
                !add(r, f->sub[i].data, f->sub[i].len))
                return 0;
    return 1;
}

static wy_code describe_marc21(struct wy_record *r, struct wy_err *err)
{
    const struct wy_field *f = wy_record_field(r, "001", NULL);
    if (f && !wy_desc_set(r, &r->desc.id, f->data, f->len))
        return nomem(err);
    if (!add_sub(r, "245", 'a', wy_desc_add_title))
        return nomem(err);
    const char *name = wy_record_subfield(r, "100", 'a');
    if (name) {
        struct wy_name n = {name, NULL, NULL, NULL, 1};
        if (!wy_desc_add_creator(r, &n))
            return nomem(err);
    }
    return WY_OK;
}

static wy_code describe_unimarc(struct wy_record *r, struct wy_err *err)
{
    const struct wy_field *f = wy_record_field(r, "001", NULL);
    if (f && !wy_desc_set(r, &r->desc.id, f->data, f->len))
        return nomem(err);
    if (!add_sub(r, "200", 'a', wy_desc_add_title))
        return nomem(err);
    return WY_OK;
}

wy_code xwalk_describe(struct wy_record *r, struct wy_err *err)
{
    switch (r->kind) {
    case WY_MARC21: return describe_marc21(r, err);
    case WY_UNIMARC: return describe_unimarc(r, err);
    case WY_MARC_NONE: break;
    }
    return WY_OK;
}
