/* tests/fuzz/fuzz_libreg.c: a library register file (what a union
   catalogue centre ships) on arbitrary bytes: imported into an in-memory
   catalog, exported and imported again, a few names resolved, then rolled
   back so every input starts from an empty register. */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>

#include "core/buf.h"
#include "repository/libraries.h"

WY_FUZZ_TARGET(libreg)
{
    /* one catalog for the process: opening one loads the schema, and the
       normalizer (OpenCC) is loaded once with it */
    static struct cat *c;
    struct wy_err err = WY_ERR_INIT;
    if (!c && cat_open(&c, ":memory:", CAT_CREATE, &err) != WY_OK) {
        wy_err_release(&err);
        return 0;
    }
    if (cat_begin(c, &err) != WY_OK) {
        wy_err_release(&err);
        return 0;
    }
    size_t nl = 0, na = 0;
    if (lib_import_tsv_mem(c, "fuzz.tsv", data, size, &nl, &na, &err) ==
        WY_OK) {
        struct wy_buf out = WY_BUF_INIT(1u << 24);
        if (lib_export_tsv(c, &out, &err) == WY_OK &&
            lib_import_tsv_mem(c, "export.tsv", wy_buf_cstr(&out), out.len, &nl,
                               &na, &err) == WY_OK &&
            na != 0)
            abort(); /* the export of a register adds nothing to it */
        wy_buf_release(&out);
        static const char *const names[] = {"BNU", "北京師範大學圖書館",
                                            "86BNU_INST", ""};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            char *code = NULL, *disp = NULL;
            wy_err_release(&err);
            lib_resolve(c, names[i], &code, &disp, &err);
            free(code);
            free(disp);
        }
    }
    cat_rollback(c);
    wy_err_release(&err);
    return 0;
}
