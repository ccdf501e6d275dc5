/* tests/fuzz/fuzz_marcxml.c: read every MARCXML record, write it as
   MARCXML and ISO 2709; the MARCXML written must read back to a record
   that writes the same ISO 2709 bytes. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "formats/format.h"
#include "tests/fuzz/fuzz.h"

WY_FUZZ_TARGET(marcxml)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    if (fmt_reader_open_mem(&r, &marcxml_handler, data, size, "fuzz", &err) !=
        WY_OK) {
        wy_err_release(&err);
        return 0;
    }
    struct wy_buf xml = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf iso = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_buf iso2 = WY_BUF_INIT(WY_BUF_NOLIMIT);
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
        wy_buf_reset(&xml);
        wy_buf_reset(&iso);
        wy_buf_reset(&iso2);
        if (fmt_write_one(&marcxml_handler, rec, &xml, &err) != WY_OK)
            abort();
        const struct fmt_handler *isoh =
            rec->kind == WY_UNIMARC ? &unimarc_handler : &marc21_handler;
        if (isoh->write(rec, &iso, &err) != WY_OK) {
            wy_err_release(&err);
            continue;
        }
        struct fmt_reader *r2 = NULL;
        struct wy_record *rec2;
        if (fmt_reader_open_mem(&r2, &marcxml_handler, xml.p, xml.len, "again",
                                &err) != WY_OK ||
            fmt_reader_next(r2, &rec2, &err) != WY_OK ||
            isoh->write(rec2, &iso2, &err) != WY_OK || iso.len != iso2.len ||
            memcmp(iso.p, iso2.p, iso.len))
            abort();
        fmt_reader_free(r2);
    }
    wy_buf_release(&xml);
    wy_buf_release(&iso);
    wy_buf_release(&iso2);
    fmt_reader_free(r);
    return 0;
}
