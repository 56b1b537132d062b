/* strindex: see strindex.h. */
#include "strindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void strindex_init(struct strindex *x)
{
	x->slot = NULL;
	x->nslot = 0;
}

void strindex_release(struct strindex *x)
{
	free(x->slot);
	x->slot = NULL;
	x->nslot = 0;
}

/* FNV-1a over n bytes. */
static size_t strindex_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* The slot holding key (n bytes), or the empty slot where it would go (one always is). */
static size_t strindex_slot(const struct strindex *x, strindex_key_fn *key_of, const void *items,
			    const char *key, size_t n)
{
	size_t mask = x->nslot - 1, i = strindex_hash(key, n) & mask;
	const char *k;

	for (; x->slot[i] != 0; i = (i + 1) & mask) {
		k = key_of(items, x->slot[i] - 1);
		if (strncmp(k, key, n) == 0 && k[n] == '\0')
			break;
	}
	return i;
}

size_t strindex_find(const struct strindex *x, strindex_key_fn *key_of, const void *items, const char *key,
		     size_t n)
{
	if (x->nslot == 0)
		return STRINDEX_NONE;
	return x->slot[strindex_slot(x, key_of, items, key, n)] - 1; /* 0 - 1: STRINDEX_NONE */
}

int strindex_reserve(struct strindex *x, strindex_key_fn *key_of, const void *items, size_t n)
{
	size_t nslot = 16, i, *old = x->slot, oldn = x->nslot;
	const char *k;

	if ((n + 1) * 2 <= x->nslot)
		return 0;
	while (nslot < (n + 1) * 2)
		nslot *= 2;
	if ((x->slot = calloc(nslot, sizeof(*x->slot))) == NULL) {
		x->slot = old;
		x->nslot = oldn;
		return -1;
	}
	x->nslot = nslot;
	for (i = 0; i < n; i++) {
		k = key_of(items, i);
		x->slot[strindex_slot(x, key_of, items, k, strlen(k))] = i + 1;
	}
	free(old);
	return 0;
}

void strindex_put(struct strindex *x, strindex_key_fn *key_of, const void *items, size_t i)
{
	const char *k = key_of(items, i);

	x->slot[strindex_slot(x, key_of, items, k, strlen(k))] = i + 1;
}
