/* core/arena.c: the bump allocator. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define BLOCK_MIN 8192

struct block {
    struct block *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
};

struct wy_arena {
    struct block *head;
    size_t total;
};

static struct block *block_new(size_t cap)
{
    struct block *b = wy_malloc(sizeof(*b) + cap);
    if (b) {
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
    }
    return b;
}

struct wy_arena *wy_arena_new(void)
{
    struct wy_arena *a = wy_calloc(1, sizeof(*a));
    return a;
}

void wy_arena_free(struct wy_arena *a)
{
    if (!a)
        return;
    struct block *b = a->head;
    while (b) {
        struct block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void wy_arena_reset(struct wy_arena *a)
{
    if (!a->head)
        return;
    /* keep the last (oldest) block: the list is newest first */
    struct block *b = a->head;
    while (b->next) {
        struct block *n = b->next;
        free(b);
        b = n;
    }
    b->used = 0;
    a->head = b;
    a->total = 0;
}

void *wy_arena_alloc(struct wy_arena *a, size_t n)
{
    const size_t al = alignof(max_align_t);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + al - 1) & ~(al - 1);
    if (n == 0)
        n = al;
    struct block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = b ? b->cap * 2 : BLOCK_MIN;
        if (cap > (1u << 20))
            cap = 1u << 20;
        if (cap < n)
            cap = n;
        struct block *nb = block_new(cap);
        if (!nb)
            return NULL;
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *wy_arena_strndup(struct wy_arena *a, const char *s, size_t n)
{
    char *d = wy_arena_alloc(a, n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *wy_arena_strdup(struct wy_arena *a, const char *s)
{
    return wy_arena_strndup(a, s, strlen(s));
}

void *wy_arena_grow(struct wy_arena *a, void *arr, size_t *cap, size_t need,
                    size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need)
        nc *= 2;
    if (nc > SIZE_MAX / elem)
        return NULL;
    void *n = wy_arena_alloc(a, nc * elem);
    if (!n)
        return NULL;
    if (arr && *cap)
        memcpy(n, arr, *cap * elem);
    *cap = nc;
    return n;
}

size_t wy_arena_used(const struct wy_arena *a)
{
    return a->total;
}
