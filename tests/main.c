/* tests/main.c: runs every test group, or those named on the command line,
   and ends with the line CI reads: "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define X(name) int wy_group_##name(size_t *ntests);
#include "test_groups.h"
#undef X

struct group {
    const char *name;
    int (*run)(size_t *ntests);
};

static const struct group groups[] = {
#define X(name) {#name, wy_group_##name},
#include "test_groups.h"
#undef X
    {NULL, NULL},
};

static int selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    size_t passed = 0, failed = 0, ran = 0;
    for (const struct group *g = groups; g->name; g++) {
        if (!selected(g->name, argc, argv))
            continue;
        size_t n = 0;
        int f = g->run(&n);
        ran++;
        failed += (size_t)f;
        passed += n - (size_t)f;
    }
    if (argc > 1 && ran == 0) {
        fprintf(stderr, "run-tests: no such group; groups are:");
        for (const struct group *g = groups; g->name; g++)
            fprintf(stderr, " %s", g->name);
        fprintf(stderr, "\n");
        return 2;
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? 1 : 0;
}
