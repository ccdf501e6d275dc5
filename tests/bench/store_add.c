/* tests/bench/store_add.c: the bench driver for tests/bench/ingest_store.sh:
 * stores FILES into a fresh OCFL storage root through the store API, PER
 * files per object (one version each), as the ingest will.
 * usage: store_add ROOT PER FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repository/store.h"

int main(int argc, char **argv)
{
    struct wy_err err = WY_ERR_INIT;
    struct store *s = NULL;
    if (argc < 4) {
        fprintf(stderr, "usage: store_add ROOT PER FILE...\n");
        return 2;
    }
    int per = (int)strtol(argv[2], NULL, 10);
    if (per < 1)
        per = 1;
    if (store_create(argv[1], &err) != WY_OK ||
        store_open(&s, argv[1], &err) != WY_OK)
        goto fail;
    for (int i = 3, obj = 0; i < argc; obj++) {
        char id[64];
        snprintf(id, sizeof(id), "urn:wenyuan:bench:书-%04d", obj);
        struct store_version *v;
        if (store_version_begin(s, id, &v, &err) != WY_OK)
            goto fail;
        for (int k = 0; k < per && i < argc; k++, i++) {
            const char *base = strrchr(argv[i], '/');
            char lp[512];
            snprintf(lp, sizeof(lp), "扫描/%s", base ? base + 1 : argv[i]);
            if (store_version_add_file(v, lp, argv[i], NULL, &err) != WY_OK) {
                store_version_abort(v);
                goto fail;
            }
        }
        if (store_version_set_meta(v, "bench", "bench",
                                   "mailto:bench@example.org", &err) != WY_OK ||
            store_version_commit(v, NULL, &err) != WY_OK)
            goto fail;
    }
    store_close(s);
    return 0;
fail:
    fprintf(stderr, "store_add: %s\n", wy_err_msg(&err));
    store_close(s);
    return 1;
}
