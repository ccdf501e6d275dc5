/* core/arena.h: a bump allocator; everything in it is freed at once. */
#ifndef WY_CORE_ARENA_H
#define WY_CORE_ARENA_H

#include <stddef.h>

struct wy_arena;

/* new: free with wy_arena_free(). NULL when out of memory. */
struct wy_arena *wy_arena_new(void);
/* Frees every block; NULL is a no-op. */
void wy_arena_free(struct wy_arena *a);
/* Keeps the first block, drops the rest: reuse for the next record. */
void wy_arena_reset(struct wy_arena *a);
/* borrowed: valid until the arena is freed or reset. NULL when out of memory.
   Memory is aligned for any type and zeroed. */
void *wy_arena_alloc(struct wy_arena *a, size_t n);
/* A NUL-terminated copy of n bytes in the arena. */
char *wy_arena_strndup(struct wy_arena *a, const char *s, size_t n);
char *wy_arena_strdup(struct wy_arena *a, const char *s);
/* Grows an array kept in the arena to hold at least need elements; *cap is
   updated. Returns the (possibly moved) array or NULL when out of memory. */
void *wy_arena_grow(struct wy_arena *a, void *arr, size_t *cap, size_t need,
                    size_t elem);
/* Bytes handed out since creation or the last reset. */
size_t wy_arena_used(const struct wy_arena *a);

#endif
