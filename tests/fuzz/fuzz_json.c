/* tests/fuzz/fuzz_json.c: read JSON Lines records, write them as JSON and
   read that again: the second reading must succeed with the same number of
   fields. */
#include <stdlib.h>

#include "core/buf.h"
#include "formats/format.h"
#include "tests/fuzz/fuzz.h"

WY_FUZZ_TARGET(json)
{
    struct wy_err err = WY_ERR_INIT;
    struct fmt_reader *r = NULL;
    if (fmt_reader_open_mem(&r, &json_handler, data, size, "fuzz", &err)) {
        wy_err_release(&err);
        return 0;
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
        if (json_handler.write(rec, &out, &err) != WY_OK)
            abort();
        struct fmt_reader *r2 = NULL;
        struct wy_record *rec2;
        if (fmt_reader_open_mem(&r2, &json_handler, out.p, out.len, "again",
                                &err) != WY_OK ||
            fmt_reader_next(r2, &rec2, &err) != WY_OK ||
            rec2->nfields != rec->nfields)
            abort();
        fmt_reader_free(r2);
    }
    wy_buf_release(&out);
    fmt_reader_free(r);
    return 0;
}
