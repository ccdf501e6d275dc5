/* tests/fuzz/fuzz_bagit.c: the BagIt tag-file decoder, tag parser and
   manifest parser on arbitrary bytes. The first byte picks the declared
   encoding and the manifest algorithm. */
#include "tests/fuzz/fuzz.h"

#include "core/buf.h"
#include "repository/bagit.h"

static wy_code on_tag(void *ctx, const char *label, const char *value,
                      size_t line, struct wy_err *err)
{
    (void)ctx; (void)label; (void)value; (void)line; (void)err;
    return WY_OK;
}

static wy_code on_line(void *ctx, const char *digest, const char *path,
                       size_t line, struct wy_err *err)
{
    (void)ctx; (void)digest; (void)path; (void)line; (void)err;
    return WY_OK;
}

WY_FUZZ_TARGET(bagit)
{
    static const char *const enc[] = {NULL, "UTF-8", "GB18030",
                                      "ISO-8859-1"};
    if (!size)
        return 0;
    unsigned sel = data[0];
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf text = WY_BUF_INIT(1u << 22);
    if (bag_decode("fuzz.txt", data + 1, size - 1, enc[sel & 3], &text,
                   &err) == WY_OK) {
        const char *p = wy_buf_cstr(&text);
        wy_err_release(&err);
        (void)bag_parse_tags("fuzz.txt", p, text.len, on_tag, NULL, &err);
        wy_err_release(&err);
        int alg = (int)((sel >> 2) % (BAG_NALG + 1)) - 1;
        (void)bag_parse_manifest("fuzz.txt", p, text.len, alg, on_line, NULL,
                                 &err);
    }
    wy_err_release(&err);
    wy_buf_release(&text);
    return 0;
}
