/* tests/fuzz/fuzz_sheet.c: the CSV batch sheet reader on arbitrary bytes:
   every row, then every item. */
#include "tests/fuzz/fuzz.h"

#include "repository/sheet.h"

WY_FUZZ_TARGET(sheet)
{
    struct wy_err err = WY_ERR_INIT;
    struct sheet *s = NULL;
    if (sheet_open_mem(&s, "fuzz.csv", data, size, NULL, &err) == WY_OK) {
        const struct sheet_row *r;
        size_t n = 0;
        while (sheet_next_row(s, &r, &err) == WY_OK)
            for (size_t i = 0; i < r->nfields; i++)
                n += r->fields[i][0] != 0;
        (void)n;
        sheet_free(s);
        wy_err_release(&err);
        if (sheet_open_mem(&s, "fuzz.csv", data, size, NULL, &err) == WY_OK) {
            struct sheet_item it;
            while (sheet_next_item(s, &it, &err) == WY_OK)
                ;
        }
    }
    sheet_free(s);
    wy_err_release(&err);
    return 0;
}
