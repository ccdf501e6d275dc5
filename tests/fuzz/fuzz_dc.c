/* tests/fuzz/fuzz_dc.c: the DC reader, records written back as DC and MODS. */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/xml_roundtrip.h"

WY_FUZZ_TARGET(dc)
{
    wy_fuzz_xml_roundtrip(&dc_handler, data, size);
    return 0;
}
