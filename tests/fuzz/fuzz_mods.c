/* tests/fuzz/fuzz_mods.c: the MODS reader, records written back as DC and MODS.
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/xml_roundtrip.h"

WY_FUZZ_TARGET(mods)
{
    wy_fuzz_xml_roundtrip(&mods_handler, data, size);
    return 0;
}
