/* tests/fuzz/fuzz_iso2709.c: read every record, write it back, re-read the
   written bytes: the second reading must succeed and give the same fields
   (the round-trip invariant), and nothing may crash or leak. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "formats/format.h"
#include "formats/iso2709.h"
#include "tests/fuzz/fuzz.h"

static int same(const struct wy_record *a, const struct wy_record *b)
{
    if (a->nfields != b->nfields)
        return 0;
    for (size_t i = 0; i < a->nfields; i++) {
        const struct wy_field *f = &a->fields[i], *g = &b->fields[i];
        if (memcmp(f->tag, g->tag, 3) || f->len != g->len ||
            f->nsub != g->nsub || (f->data && memcmp(f->data, g->data, f->len)))
            return 0;
        for (size_t s = 0; s < f->nsub; s++)
            if (f->sub[s].code != g->sub[s].code ||
                f->sub[s].len != g->sub[s].len ||
                memcmp(f->sub[s].data, g->sub[s].data, f->sub[s].len))
                return 0;
    }
    return 1;
}

static void roundtrip(const struct fmt_handler *h, const uint8_t *data,
                      size_t size)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    if (fmt_reader_open_mem(&r, h, data, size, "fuzz", &err) != WY_OK) {
        wy_err_release(&err);
        return;
    }
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (int guard = 0; guard < 100000; guard++) {
        struct wy_record *rec;
        wy_code rc = fmt_reader_next(r, &rec, &err);
        if (rc == WY_EOF)
            break;
        if (rc != WY_OK) {
            wy_err_release(&err);
            if (rc == WY_EFORMAT)
                continue;
            break;
        }
        wy_buf_reset(&out);
        if (h->write(rec, &out, &err) != WY_OK) {
            wy_err_release(&err);
            continue;
        }
        /* the written record must read back to the same fields */
        struct wy_record *rec2 = wy_record_new();
        if (!rec2)
            abort();
        if (iso2709_parse((const unsigned char *)out.p, out.len, ISO2709_UTF8,
                          NULL, rec2, &err) != WY_OK ||
            !same(rec, rec2))
            abort();
        wy_record_free(rec2);
    }
    wy_buf_release(&out);
    fmt_reader_free(r);
}

WY_FUZZ_TARGET(iso2709)
{
    roundtrip(&marc21_handler, data, size);
    roundtrip(&unimarc_handler, data, size);
    return 0;
}
