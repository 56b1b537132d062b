/* jpool: see jpool.h. */
#include "jpool.h"

#include <jansson.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define JPOOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JPOOL_ASAN 1
#endif
#endif
#ifdef JPOOL_ASAN
#include <sanitizer/asan_interface.h>
/* A cached block is poisoned: a use after jansson freed it is still reported. */
#define JPOOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define JPOOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define JPOOL_POISON(p, n) ((void)(p), (void)(n))
#define JPOOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define JPOOL_GRAIN 16u
#define JPOOL_CLASSES 16u          /* blocks of 16, 32, ... 256 bytes */
#define JPOOL_BIG JPOOL_CLASSES    /* the class of a block from plain malloc */
#define JPOOL_HDR 16u              /* header bytes before each block: keeps malloc's alignment */

/* The header in front of every block. */
struct jpool_hdr {
	struct jpool_hdr *next; /* in a free list */
	size_t cls;             /* size class, or JPOOL_BIG */
};

/*
 * A spin lock: held for a few instructions, and almost never contended (the
 * container-image mode runs one handler at a time). A pthread mutex's unlock
 * alone cost more than the rest of jpool_free().
 */
static atomic_flag jpool_busy = ATOMIC_FLAG_INIT;
static struct jpool_hdr *jpool_lists[JPOOL_CLASSES];
static size_t jpool_bytes; /* cached in the lists */

static void jpool_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&jpool_busy, memory_order_acquire))
		sched_yield();
}

static void jpool_unlock(void)
{
	atomic_flag_clear_explicit(&jpool_busy, memory_order_release);
}

void jpool_install(void)
{
	json_set_alloc_funcs(jpool_malloc, jpool_free);
}

static void *jpool_user(struct jpool_hdr *b)
{
	return (char *)b + JPOOL_HDR;
}

void *jpool_malloc(size_t n)
{
	struct jpool_hdr *b = NULL;
	size_t cls = n > 0 ? (n - 1) / JPOOL_GRAIN : 0, size;

	if (cls >= JPOOL_CLASSES) {
		if (n > SIZE_MAX - JPOOL_HDR || (b = malloc(JPOOL_HDR + n)) == NULL)
			return NULL;
		b->cls = JPOOL_BIG;
		return jpool_user(b);
	}
	size = (cls + 1) * JPOOL_GRAIN;
	jpool_lock();
	if ((b = jpool_lists[cls]) != NULL) {
		jpool_lists[cls] = b->next;
		jpool_bytes -= size;
	}
	jpool_unlock();
	if (b != NULL)
		JPOOL_UNPOISON(jpool_user(b), size);
	else if ((b = malloc(JPOOL_HDR + size)) == NULL)
		return NULL;
	b->cls = cls;
	return jpool_user(b);
}

void jpool_free(void *p)
{
	struct jpool_hdr *b;
	size_t size;

	if (p == NULL)
		return;
	b = (struct jpool_hdr *)(void *)((char *)p - JPOOL_HDR);
	if (b->cls < JPOOL_CLASSES) {
		size = (b->cls + 1) * JPOOL_GRAIN;
		jpool_lock();
		if (jpool_bytes + size <= JPOOL_MAX_CACHED) {
			JPOOL_POISON(p, size);
			b->next = jpool_lists[b->cls];
			jpool_lists[b->cls] = b;
			jpool_bytes += size;
			b = NULL;
		}
		jpool_unlock();
	}
	free(b);
}

void jpool_drain(void)
{
	struct jpool_hdr *b;
	size_t i;

	jpool_lock();
	for (i = 0; i < JPOOL_CLASSES; i++) {
		while ((b = jpool_lists[i]) != NULL) {
			jpool_lists[i] = b->next;
			JPOOL_UNPOISON(jpool_user(b), (i + 1) * JPOOL_GRAIN);
			free(b);
		}
	}
	jpool_bytes = 0;
	jpool_unlock();
}

size_t jpool_cached(void)
{
	size_t n;

	jpool_lock();
	n = jpool_bytes;
	jpool_unlock();
	return n;
}
