/*
 * strindex: a hash index of strings that live in the caller's array.
 *
 * The index maps a key to its position in the caller's array (open
 * addressing, FNV-1a, linear probing). It never copies a key: it asks the
 * caller for item i's key through a strindex_key_fn, passed on every call. lib/strlist (ids and
 * tags) and lib/ecs (listed servers by id) both index their arrays with it.
 */
#ifndef FG_STRINDEX_H
#define FG_STRINDEX_H

#include <stddef.h>

#include "err.h"

#define STRINDEX_NONE ((size_t)-1)

/* The key of item i of items, NUL-terminated. */
typedef const char *strindex_key_fn(const void *items, size_t i);

/* All zero is an empty index. Every call on one index passes the same key_of and items. */
struct strindex {
	size_t *slot; /* private: item i + 1, 0 for an empty slot */
	size_t nslot; /* private: a power of two, at least twice the item count; 0 while empty */
};

void strindex_init(struct strindex *x);
void strindex_release(struct strindex *x);

/* The position in items of the key's n bytes (no NUL among them), or STRINDEX_NONE. */
size_t strindex_find(const struct strindex *x, strindex_key_fn *key_of, const void *items, const char *key,
		     size_t n);

/*
 * Makes room for one more item beside the n that items holds (all indexed).
 * 0, or -1 when memory ran out (the index unchanged, still valid).
 */
int strindex_reserve(struct strindex *x, strindex_key_fn *key_of, const void *items, size_t n) FG_WUR;

/*
 * Indexes item i (its key not yet indexed; room reserved). items must
 * already hold it.
 */
void strindex_put(struct strindex *x, strindex_key_fn *key_of, const void *items, size_t i);

#endif
