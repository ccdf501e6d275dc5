/* core/alloc.c: allocation wrappers. */
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

/* The only mutable globals in the library: a test hook, off in production. */
static long fail_after = -1;
static long counted;

static int should_fail(void)
{
    if (fail_after < 0)
        return 0;
    if (fail_after == 0)
        return 1;
    fail_after--;
    counted++;
    return 0;
}

long wy_alloc_fail_after(long n)
{
    long c = counted;
    counted = 0;
    fail_after = n;
    return c;
}

void *wy_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *wy_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *wy_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

char *wy_strndup(const char *s, size_t n)
{
    char *d = wy_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *wy_strdup(const char *s)
{
    return wy_strndup(s, strlen(s));
}
