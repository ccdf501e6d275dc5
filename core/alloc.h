/* core/alloc.h: allocation with a failure-injection hook for tests. */
#ifndef WY_CORE_ALLOC_H
#define WY_CORE_ALLOC_H

#include <stddef.h>

/*
 * All library allocations go through these, so a test can make the Nth
 * allocation fail (curl's torture mode) and check for WY_ENOMEM, no leak and
 * no crash. Memory from them is released with free().
 */
void *wy_malloc(size_t n);
void *wy_calloc(size_t n, size_t size);
void *wy_realloc(void *p, size_t n);
char *wy_strdup(const char *s);
char *wy_strndup(const char *s, size_t n);

/*
 * Test hook: after `n` more successful allocations, every further one fails
 * (n < 0 switches the hook off). Returns how many allocations succeeded since
 * the last call. Not thread-safe; tests only.
 */
long wy_alloc_fail_after(long n);

#endif
