/*
 * strlist: an owned list of distinct strings, used for target ids and tags.
 *
 * Ids go into URL paths, so strlist_add_id() accepts only a safe alphabet:
 * an id can never smuggle "/", "?" or "%" into a request. Tags go into a
 * query (escaped) and must hold no comma or control character.
 */
#ifndef FG_STRLIST_H
#define FG_STRLIST_H

#include <stddef.h>

#include "err.h"
#include "strindex.h"

#define STRLIST_MAX 10000 /* targets in one invocation */
#define STRLIST_ID_MAX 128
#define STRLIST_TAG_MAX 256

struct strlist {
	char **v; /* read-only for callers */
	size_t n;
	size_t cap;
	struct strindex idx; /* private: v's index */
};

void strlist_init(struct strlist *l);

/* Frees every string and the array. l may be NULL. */
void strlist_release(struct strlist *l);

/*
 * Appends a copy of s (its first n bytes, up to a NUL) unless already
 * present: a hash lookup, so n adds cost O(n). Returns 0 or -1 (memory, or
 * over STRLIST_MAX).
 */
int strlist_add(struct strlist *l, const char *s, size_t n) FG_WUR;

/*
 * Adds n bytes of s to l after validating them as one item; what names the
 * list in the error ("clusterId"). Returns 0, or -1 with e->code
 * "InvalidParameter" and a message that starts with "<what>: ".
 */
typedef int strlist_add_fn(struct strlist *l, const char *s, size_t n, const char *what,
			   struct err *e);

/*
 * An id: 1 to STRLIST_ID_MAX bytes of [A-Za-z0-9._-], the first a letter or
 * a digit (so never ".", ".." or a leading "-").
 */
strlist_add_fn strlist_add_id FG_WUR;

/*
 * Checks n bytes of s as an id (the rule of strlist_add_id) without adding
 * it. Returns 0, or -1 with e->code "InvalidParameter" and "<what>: ...".
 */
int strlist_check_id(const char *s, size_t n, const char *what, struct err *e) FG_WUR;

/*
 * A tag selector: "key=value" or "key", 1 to STRLIST_TAG_MAX bytes, not
 * starting with '=', without a comma or a control character.
 */
strlist_add_fn strlist_add_tag FG_WUR;

/*
 * Splits a comma-separated list (spaces and tabs around items ignored, empty
 * items skipped) and adds each item with add (strlist_add_id or
 * strlist_add_tag). Returns 0, or add's -1.
 */
int strlist_add_csv(struct strlist *l, const char *csv, strlist_add_fn *add, const char *what,
		    struct err *e) FG_WUR;

/* Appends a copy of every item of src not already in l. Returns 0 or -1 (memory, cap). */
int strlist_add_all(struct strlist *l, const struct strlist *src) FG_WUR;

#define STRLIST_NONE STRINDEX_NONE

/* The index of s in l->v, or STRLIST_NONE (a hash lookup). */
size_t strlist_index(const struct strlist *l, const char *s);

/* Returns 1 when s is in l (a hash lookup). */
int strlist_has(const struct strlist *l, const char *s);

#endif
