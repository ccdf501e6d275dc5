/* formats/record.c: the record model. */
#include "formats/record.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static void desc_init(struct wy_desc *d)
{
    memset(d, 0, sizeof(*d));
    d->year_from = d->year_to = WY_YEAR_NONE;
}

struct wy_record *wy_record_new(void)
{
    struct wy_record *r = wy_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->arena = wy_arena_new();
    if (!r->arena) {
        free(r);
        return NULL;
    }
    memset(r->leader, ' ', 24);
    r->leader[24] = '\0';
    desc_init(&r->desc);
    return r;
}

void wy_record_free(struct wy_record *r)
{
    if (!r)
        return;
    wy_arena_free(r->arena);
    free(r);
}

void wy_record_clear(struct wy_record *r)
{
    struct wy_arena *a = r->arena;
    wy_arena_reset(a);
    memset(r, 0, sizeof(*r));
    r->arena = a;
    memset(r->leader, ' ', 24);
    desc_init(&r->desc);
}

int wy_tag_is_control(const char *tag)
{
    return tag[0] == '0' && tag[1] == '0';
}

static struct wy_field *new_field(struct wy_record *r, const char *tag)
{
    struct wy_field *f = wy_arena_grow(r->arena, r->fields, &r->capfields,
                                       r->nfields + 1, sizeof(*f));
    if (!f)
        return NULL;
    r->fields = f;
    f = &r->fields[r->nfields++];
    memset(f, 0, sizeof(*f));
    memcpy(f->tag, tag, 3);
    f->tag[3] = '\0';
    f->ind1 = f->ind2 = ' ';
    return f;
}

struct wy_field *wy_record_add_control(struct wy_record *r, const char *tag,
                                       const char *data, size_t len)
{
    char *d = wy_arena_strndup(r->arena, data, len);
    if (!d)
        return NULL;
    struct wy_field *f = new_field(r, tag);
    if (f) {
        f->data = d;
        f->len = len;
    }
    return f;
}

struct wy_field *wy_record_add_field(struct wy_record *r, const char *tag,
                                     char ind1, char ind2)
{
    struct wy_field *f = new_field(r, tag);
    if (f) {
        f->ind1 = ind1;
        f->ind2 = ind2;
    }
    return f;
}

int wy_field_add_sub(struct wy_record *r, struct wy_field *f, char code,
                     const char *data, size_t len)
{
    char *d = wy_arena_strndup(r->arena, data, len);
    if (!d)
        return 0;
    struct wy_subfield *s = wy_arena_grow(r->arena, f->sub, &f->capsub,
                                          f->nsub + 1, sizeof(*s));
    if (!s)
        return 0;
    f->sub = s;
    s[f->nsub].code = code;
    s[f->nsub].data = d;
    s[f->nsub].len = len;
    f->nsub++;
    return 1;
}

const struct wy_field *wy_record_field(const struct wy_record *r,
                                       const char *tag,
                                       const struct wy_field *after)
{
    size_t i = after ? (size_t)(after - r->fields) + 1 : 0;
    for (; i < r->nfields; i++)
        if (!memcmp(r->fields[i].tag, tag, 3))
            return &r->fields[i];
    return NULL;
}

const char *wy_field_sub(const struct wy_field *f, char code)
{
    for (size_t i = 0; i < f->nsub; i++)
        if (f->sub[i].code == code)
            return f->sub[i].data;
    return NULL;
}

const char *wy_record_subfield(const struct wy_record *r, const char *tag,
                               char code)
{
    const struct wy_field *f = wy_record_field(r, tag, NULL);
    return f ? wy_field_sub(f, code) : NULL;
}

static const char *dup(struct wy_record *r, const char *s, size_t n)
{
    return wy_arena_strndup(r->arena, s, n);
}

#define APPEND(r, arr, n, cap, val)                                           \
    do {                                                                      \
        void *p_ = wy_arena_grow((r)->arena, (void *)(arr), &(cap), (n) + 1,  \
                                 sizeof(*(arr)));                             \
        if (!p_)                                                              \
            return 0;                                                         \
        (arr) = p_;                                                           \
        (arr)[(n)++] = (val);                                                 \
    } while (0)

static int add_str(struct wy_record *r, const char ***arr, size_t *n,
                   size_t *cap, const char *s, size_t len)
{
    if (!s || !len)
        return 1;
    const char *d = dup(r, s, len);
    if (!d)
        return 0;
    APPEND(r, *arr, *n, *cap, d);
    return 1;
}

int wy_desc_add_title(struct wy_record *r, const char *s, size_t n)
{
    struct wy_desc *d = &r->desc;
    return add_str(r, &d->titles, &d->ntitles, &d->captitles, s, n);
}

int wy_desc_add_subject(struct wy_record *r, const char *s, size_t n)
{
    struct wy_desc *d = &r->desc;
    return add_str(r, &d->subjects, &d->nsubjects, &d->capsubjects, s, n);
}

int wy_desc_add_language(struct wy_record *r, const char *s, size_t n)
{
    struct wy_desc *d = &r->desc;
    return add_str(r, &d->languages, &d->nlanguages, &d->caplanguages, s, n);
}

int wy_desc_add_note(struct wy_record *r, const char *s, size_t n)
{
    struct wy_desc *d = &r->desc;
    return add_str(r, &d->notes, &d->nnotes, &d->capnotes, s, n);
}

static const char *dupz(struct wy_record *r, const char *s, int *ok)
{
    if (!s || !*s)
        return NULL;
    const char *d = dup(r, s, strlen(s));
    if (!d)
        *ok = 0;
    return d;
}

int wy_desc_add_creator(struct wy_record *r, const struct wy_name *nm)
{
    if (!nm->name || !*nm->name)
        return 1;
    int ok = 1;
    struct wy_name c = {dupz(r, nm->name, &ok), dupz(r, nm->role, &ok),
                        dupz(r, nm->dynasty, &ok), dupz(r, nm->dates, &ok),
                        nm->personal, nm->secondary};
    if (!ok)
        return 0;
    struct wy_desc *d = &r->desc;
    APPEND(r, d->creators, d->ncreators, d->capcreators, c);
    return 1;
}

int wy_desc_add_ident(struct wy_record *r, const char *type, const char *v,
                      size_t n)
{
    if (!v || !n)
        return 1;
    struct wy_ident id = {dup(r, type, strlen(type)), dup(r, v, n)};
    if (!id.type || !id.value)
        return 0;
    struct wy_desc *d = &r->desc;
    APPEND(r, d->idents, d->nidents, d->capidents, id);
    return 1;
}

int wy_desc_add_holding(struct wy_record *r, const struct wy_holding *h)
{
    int ok = 1;
    struct wy_holding c = {dupz(r, h->institution, &ok),
                           dupz(r, h->callno, &ok), dupz(r, h->census, &ok),
                           dupz(r, h->note, &ok)};
    if (!ok)
        return 0;
    struct wy_desc *d = &r->desc;
    APPEND(r, d->holdings, d->nholdings, d->capholdings, c);
    return 1;
}

int wy_desc_set(struct wy_record *r, const char **slot, const char *s,
                size_t n)
{
    if (*slot || !s || !n)
        return 1;
    *slot = dup(r, s, n);
    return *slot != NULL;
}

const char *wy_desc_ident(const struct wy_record *r, const char *type)
{
    for (size_t i = 0; i < r->desc.nidents; i++)
        if (!strcmp(r->desc.idents[i].type, type))
            return r->desc.idents[i].value;
    return NULL;
}
