/* tests/fuzz/fuzz_xwalk_marc.c: every record read by the UNIMARC and MARC 21
   ISO 2709 handlers goes through the MARC 21 <-> UNIMARC crosswalk there
   and back. The crosswalk parses text of its own from the input (887 and
   886 fields, 100 $a and 008 positions, $6 linkage), so this is outside
   input. Invariants: no crash or leak, and what the crosswalk builds can
   always be written as ISO 2709 (only WY_ETOOBIG may refuse it). */
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "formats/format.h"
#include "formats/xwalk_marc.h"
#include "tests/fuzz/fuzz.h"

static void check_write(const struct fmt_handler *h, const struct wy_record *r)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_code rc = h->write(r, &out, &err);
    if (rc != WY_OK && rc != WY_ETOOBIG && rc != WY_ENOMEM) {
        /* the crosswalk built a record ISO 2709 cannot hold */
        fprintf(stderr, "%s: %s\n", h->name, wy_err_msg(&err));
        abort();
    }
    wy_err_release(&err);
    wy_buf_release(&out);
}

static void crosswalk(const struct wy_record *rec)
{
    struct wy_err err = WY_ERR_INIT;
    struct xwalk_marc_report rep = XWALK_MARC_REPORT_INIT;
    struct wy_record *a = wy_record_new(), *b = wy_record_new();
    if (!a || !b)
        abort();
    int to21 = rec->kind == WY_UNIMARC;
    wy_code rc = to21 ? xwalk_unimarc_to_marc21(rec, a, &rep, &err)
                      : xwalk_marc21_to_unimarc(rec, a, &rep, &err);
    if (rc == WY_OK) {
        check_write(to21 ? &marc21_handler : &unimarc_handler, a);
        rc = to21 ? xwalk_marc21_to_unimarc(a, b, &rep, &err)
                  : xwalk_unimarc_to_marc21(a, b, &rep, &err);
        if (rc == WY_OK)
            check_write(to21 ? &unimarc_handler : &marc21_handler, b);
    }
    if (rc != WY_OK && rc != WY_ENOMEM && rc != WY_ETOOBIG)
        abort();
    wy_err_release(&err);
    xwalk_marc_report_release(&rep);
    wy_record_free(a);
    wy_record_free(b);
}

static void run(const struct fmt_handler *h, const uint8_t *data, size_t size)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    if (fmt_reader_open_mem(&r, h, data, size, "fuzz", &err) != WY_OK) {
        wy_err_release(&err);
        return;
    }
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
        crosswalk(rec);
    }
    fmt_reader_free(r);
}

WY_FUZZ_TARGET(xwalk_marc)
{
    run(&unimarc_handler, data, size);
    run(&marc21_handler, data, size);
    return 0;
}
