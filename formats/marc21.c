/* formats/marc21.c: the MARC 21 handler (ISO 2709, UTF-8 or MARC-8). */
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
    wy_code rc = xwalk_unimarc_to_marc21(r, x, NULL, err);
    if (rc == WY_OK)
        rc = iso2709_write(x, 1, out, err);
    wy_record_free(x);
    return rc;
}

static int marc21_detect(const unsigned char *p, size_t n)
{
    int m21, uni;
    int bid = iso2709_detect(p, n, &m21, &uni);
    if (!bid)
        return 0;
    /* a tie with UNIMARC (neither 245/008 nor 200 seen) makes the reader
       ask for --from */
    if (m21 > uni)
        return bid + 10;
    return m21 < uni ? bid - 10 : bid;
}

static wy_code marc21_open(void **state, struct fmt_input *in,
                           struct wy_err *err)
{
    return iso2709_stream_open(state, in, ISO2709_BY_LEADER, err);
}

static wy_code marc21_next(void *state, struct wy_record *rec,
                           struct wy_err *err)
{
    wy_code rc = iso2709_stream_next(state, rec, err);
    rec->kind = WY_MARC21;
    return rc;
}

static wy_code marc21_write(const struct wy_record *r, struct wy_buf *out,
                            struct wy_err *err)
{
    if (r->kind == WY_UNIMARC)
        return write_crosswalked(r, out, err);
    /* text is always UTF-8 once read, so say so in leader/09 */
    return iso2709_write(r, 1, out, err);
}

const struct fmt_handler marc21_handler = {
    .name = "marc21",
    .title = "MARC 21 in ISO 2709 (UTF-8; MARC-8 read and converted)",
    .detect = marc21_detect,
    .open = marc21_open,
    .next = marc21_next,
    .close = iso2709_stream_close,
    .write = marc21_write,
};
