/*
 * strlist: an owned list of distinct strings, used for target ids.
 *
 * Ids go into URL paths, so strlist_add_id() accepts only a safe alphabet:
 * an id can never smuggle "/", "?" or "%" into a request.
 */
#ifndef FG_STRLIST_H
#define FG_STRLIST_H

#include <stddef.h>

#include "err.h"

#define STRLIST_MAX 10000 /* targets in one invocation */
#define STRLIST_ID_MAX 128

struct strlist {
	char **v; /* read-only for callers */
	size_t n;
	size_t cap;
};

void strlist_init(struct strlist *l);

/* Frees every string and the array. l may be NULL. */
void strlist_release(struct strlist *l);

/* Appends a copy of s unless already present. Returns 0 or -1 (memory, or over STRLIST_MAX). */
int strlist_add(struct strlist *l, const char *s, size_t n) FG_WUR;

/*
 * Like strlist_add after validating an id: 1 to STRLIST_ID_MAX bytes of
 * [A-Za-z0-9._-]. what names the list in the error ("clusterId").
 */
int strlist_add_id(struct strlist *l, const char *s, size_t n, const char *what, struct err *e) FG_WUR;

/*
 * Splits a comma-separated list of ids (white space around items ignored,
 * empty items skipped) and adds each with strlist_add_id.
 */
int strlist_add_csv(struct strlist *l, const char *csv, const char *what, struct err *e) FG_WUR;

/* Returns 1 when s is in l. */
int strlist_has(const struct strlist *l, const char *s);

#endif
