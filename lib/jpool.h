/*
 * jpool: a cache of small blocks under jansson's allocations.
 *
 * Every invocation builds and drops a hundred-odd small JSON nodes (the
 * event, each cloud answer, the report). Through musl's allocator each
 * malloc/free pair costs a few hundred instructions, and a size class that
 * empties at the end of an invocation has its page unmapped, then mapped
 * again by the next one (two system calls). jpool_install() routes jansson's
 * allocations through free lists, one per 16-byte size class up to 256 bytes,
 * that keep freed blocks (at most JPOOL_MAX_CACHED bytes in all) for reuse;
 * larger blocks go straight to malloc. Thread-safe (one lock).
 *
 * Once installed, memory that jansson hands out (json_dumps) must be freed
 * with jpool_free(), not free(): fgboot dumps with json_dump_callback() only.
 */
#ifndef FG_JPOOL_H
#define FG_JPOOL_H

#include <stddef.h>

#define JPOOL_MAX_CACHED (256u * 1024u)

/* Makes jansson allocate through jpool. Call before any other jansson call. */
void jpool_install(void);

/* jansson's allocation functions (json_malloc_t, json_free_t). */
void *jpool_malloc(size_t n);
void jpool_free(void *p);

/* Frees the cached blocks (blocks in use are untouched). */
void jpool_drain(void);

/* Bytes cached for reuse (for tests). */
size_t jpool_cached(void);

#endif
