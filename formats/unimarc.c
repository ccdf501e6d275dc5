/* formats/unimarc.c: the UNIMARC / CNMARC handler (ISO 2709, UTF-8). */
#include "formats/format.h"
#include "formats/iso2709.h"
#include "formats/xwalk_marc.h"

/* A record of the other MARC family goes through the crosswalk first (its
   warnings are not reported here: fmt_convert reports them). */
static wy_code write_crosswalked(const struct wy_record *r, struct wy_buf *out,
                                 struct wy_err *err)
{
    struct wy_record *x = wy_record_new();
    if (!x)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_code rc = xwalk_marc21_to_unimarc(r, x, NULL, err);
    if (rc == WY_OK)
        rc = iso2709_write(x, 0, out, err);
    wy_record_free(x);
    return rc;
}

static int unimarc_detect(const unsigned char *p, size_t n)
{
    int m21, uni;
    int bid = iso2709_detect(p, n, &m21, &uni);
    if (!bid)
        return 0;
    if (uni > m21)
        return bid + 10;
    return uni < m21 ? bid - 10 : bid;
}

/* UNIMARC names its character sets in 100 $a/26-29; Chinese and European
   files met in practice are UTF-8 ("50"), so text is read as UTF-8 and a
   record in another set fails the UTF-8 check with a clear message. */
static wy_code unimarc_open(void **state, struct fmt_input *in,
                            struct wy_err *err)
{
    return iso2709_stream_open(state, in, ISO2709_UTF8, err);
}

static wy_code unimarc_next(void *state, struct wy_record *rec,
                            struct wy_err *err)
{
    wy_code rc = iso2709_stream_next(state, rec, err);
    rec->kind = WY_UNIMARC;
    return rc;
}

static wy_code unimarc_write(const struct wy_record *r, struct wy_buf *out,
                             struct wy_err *err)
{
    if (r->kind == WY_MARC21)
        return write_crosswalked(r, out, err);
    /* leader/09 is undefined in UNIMARC: kept as read */
    return iso2709_write(r, 0, out, err);
}

const struct fmt_handler unimarc_handler = {
    .name = "unimarc",
    .title = "UNIMARC and CNMARC in ISO 2709 (UTF-8)",
    .detect = unimarc_detect,
    .open = unimarc_open,
    .next = unimarc_next,
    .close = iso2709_stream_close,
    .write = unimarc_write,
};
