/* tests/fuzz/fuzz_params.c: HTTP query parameters (query string or form
   body), then OAI-PMH argument validation and resumption token decoding,
   all of which take outside input on /oai. */
#include <string.h>

#include "tests/fuzz/fuzz.h"

#include "service/oai_args.h"
#include "service/oai_token.h"
#include "service/params.h"

static const unsigned char key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

WY_FUZZ_TARGET(params)
{
    struct svc_params ps = SVC_PARAMS_INIT;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf msg = WY_BUF_INIT(4096);
    struct oai_token t;
    if (svc_params_parse(&ps, (const char *)data, size, &err) == WY_OK) {
        struct oai_request rq;
        if (oai_parse_request(&ps, &rq, &msg) == OAI_OK && rq.token &&
            oai_token_decode(rq.token, strlen(rq.token), key, sizeof(key),
                             1700000000, 86400, &t, &err) == WY_OK)
            oai_token_release(&t);
        svc_params_repeated(&ps);
    }
    wy_err_release(&err);
    /* the raw bytes as a token too: most fail the signature early, which
       is exactly the path hostile tokens take */
    if (oai_token_decode((const char *)data, size, key, sizeof(key),
                         1700000000, 86400, &t, &err) == WY_OK)
        oai_token_release(&t);
    wy_err_release(&err);
    wy_buf_release(&msg);
    svc_params_release(&ps);
    return 0;
}
