/* tests/fuzz/fuzz_mets.c: the METS reader (descriptive metadata written
   back as DC and MODS) and mets_parse_structure(). */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/xml_roundtrip.h"

#include "formats/mets.h"

WY_FUZZ_TARGET(mets)
{
    wy_fuzz_xml_roundtrip(&mets_handler, data, size);
    struct wy_err err = WY_ERR_INIT;
    struct mets_structure *s = NULL;
    (void)mets_parse_structure((const char *)data, size, "fuzz", &s, &err);
    mets_structure_free(s);
    wy_err_release(&err);
    return 0;
}
