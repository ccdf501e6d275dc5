/* tests/fuzz/fuzz_inventory.c: bytes as an OCFL inventory.json, through
 * the validator's inventory checks (structure, values, paths, versions). */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#include "repository/validate.h"

WY_FUZZ_TARGET(inventory)
{
    struct validate_sink sink;
    struct wy_err err = WY_ERR_INIT;
    memset(&sink, 0, sizeof(sink));
    /* the first byte picks the declared OCFL version */
    const char *spec = size && (data[0] & 1) ? "1.0" : "1.1";
    (void)validate_inventory(data, size, "inventory.json", spec, &sink, &err);
    wy_err_release(&err);
    return 0;
}
