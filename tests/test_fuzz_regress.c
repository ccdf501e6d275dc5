/* tests/test_fuzz_regress.c: replays every input kept in
   tests/fuzz-regress/<target>/ through its fuzz target (SQLite's fuzzcheck),
   so a crash once found cannot come back. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define X(name) int wy_fuzz_##name(const uint8_t *data, size_t size);
#include "fuzz_targets.h"
#undef X

static const struct {
    const char *name;
    int (*fn)(const uint8_t *, size_t);
} targets[] = {
#define X(name) {#name, wy_fuzz_##name},
#include "fuzz_targets.h"
#undef X
    {NULL, NULL},
};

static void replay_all(void **state)
{
    (void)state;
    size_t replayed = 0;
    for (size_t t = 0; targets[t].name; t++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/tests/fuzz-regress/%s", WY_SRCDIR,
                 targets[t].name);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char path[8192];
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            size_t n;
            char *data = wy_test_slurp(path, &n);
            targets[t].fn((const uint8_t *)data, n);
            free(data);
            replayed++;
        }
        closedir(d);
    }
    /* the replay itself is the test: ASan/UBSan abort on any fault */
    print_message("replayed %zu fuzz regression inputs\n", replayed);
}

WY_GROUP(fuzz_regress, NULL, NULL, cmocka_unit_test(replay_all))
