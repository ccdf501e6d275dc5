/* tests/fuzz/xml_roundtrip.h: the body shared by the DC, MODS and METS
   fuzz targets: read every record with one handler, write each back as DC
   and as MODS (the writers work from the view). */
#ifndef WY_TESTS_FUZZ_XML_ROUNDTRIP_H
#define WY_TESTS_FUZZ_XML_ROUNDTRIP_H

#include "core/buf.h"
#include "formats/dc.h"
#include "formats/format.h"
#include "formats/mods.h"

static inline void wy_fuzz_xml_roundtrip(const struct fmt_handler *h,
                                         const uint8_t *data, size_t size)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    if (fmt_reader_open_mem(&r, h, data, size, "fuzz", &err) == WY_OK) {
        struct wy_record *rec;
        wy_code rc;
        struct wy_buf out = WY_BUF_INIT(4u << 20);
        while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
            if (rc != WY_OK) {
                wy_err_release(&err);
                if (rc != WY_EFORMAT)
                    break;
                continue;
            }
            wy_buf_reset(&out);
            (void)dc_write(rec, &out, &err);
            wy_err_release(&err);
            wy_buf_reset(&out);
            (void)mods_write(rec, &out, &err);
            wy_err_release(&err);
        }
        wy_buf_release(&out);
    }
    fmt_reader_free(r);
    wy_err_release(&err);
}

#endif
