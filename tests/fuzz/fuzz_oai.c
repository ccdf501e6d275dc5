/* tests/fuzz/fuzz_oai.c: the OAI-PMH response parser (repair, streaming
   reader, resynchronisation after broken records, metadata readers). */
#include <string.h>

#include "tests/fuzz/fuzz.h"

#include "core/err.h"
#include "harvester/oai_parse.h"

static wy_code touch(void *ctx, const struct oai_item *it, struct wy_err *err)
{
    size_t *sum = ctx;
    (void)err;
    *sum += strlen(it->identifier) + strlen(it->datestamp) + it->nsets +
            it->metadata_len;
    for (size_t i = 0; i < it->nsets; i++)
        *sum += strlen(it->sets[i]);
    return WY_OK;
}

WY_FUZZ_TARGET(oai)
{
    size_t sum = 0;
    struct wy_err err = WY_ERR_INIT;
    struct oai_parse_opts o;
    memset(&o, 0, sizeof(o));
    /* the first byte picks the metadata reader, so all of them get fuzzed */
    static const char *const prefixes[] = {"oai_dc", "marc21", "mods", NULL};
    o.prefix = size ? prefixes[data[0] & 3] : NULL;
    o.ctx = &sum;
    o.item = touch;
    struct oai_response r;
    oai_parse(data, size, "fuzz", &o, &r, &err);
    if (r.token.present)
        sum += strlen(r.token.value);
    oai_response_release(&r);
    wy_err_release(&err);
    return sum == (size_t)-1;
}
