/* strlist: see strlist.h. */
#include "strlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void strlist_init(struct strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
	l->slot = NULL;
	l->nslot = 0;
}

void strlist_release(struct strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->slot);
	strlist_init(l);
}

/* FNV-1a over n bytes. */
static size_t strlist_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/*
 * The slot where s (n bytes, no NUL) is, or the empty slot where it would go.
 * l->nslot > l->n, so an empty slot always exists.
 */
static size_t strlist_find(const struct strlist *l, const char *s, size_t n)
{
	size_t mask = l->nslot - 1, i = strlist_hash(s, n) & mask;
	const char *v;

	for (; l->slot[i] != 0; i = (i + 1) & mask) {
		v = l->v[l->slot[i] - 1];
		if (strncmp(v, s, n) == 0 && v[n] == '\0')
			return i;
	}
	return i;
}

/* Rebuilds the index with room for at least twice want items. 0 or -1. */
static int strlist_rehash(struct strlist *l, size_t want)
{
	size_t nslot = 16, i, *old = l->slot;

	while (nslot < want * 2)
		nslot *= 2;
	if ((l->slot = calloc(nslot, sizeof(*l->slot))) == NULL) {
		l->slot = old;
		return -1;
	}
	free(old);
	l->nslot = nslot;
	for (i = 0; i < l->n; i++)
		l->slot[strlist_find(l, l->v[i], strlen(l->v[i]))] = i + 1;
	return 0;
}

size_t strlist_index(const struct strlist *l, const char *s)
{
	if (l->nslot == 0)
		return STRLIST_NONE;
	return l->slot[strlist_find(l, s, strlen(s))] - 1; /* 0 - 1: STRLIST_NONE */
}

int strlist_has(const struct strlist *l, const char *s)
{
	return strlist_index(l, s) != STRLIST_NONE;
}

int strlist_add(struct strlist *l, const char *s, size_t n)
{
	char *copy, **v;
	size_t at;

	n = strnlen(s, n);
	if (l->nslot == 0 && strlist_rehash(l, 8) != 0)
		return -1;
	if (l->slot[strlist_find(l, s, n)] != 0)
		return 0;
	if (l->n >= STRLIST_MAX)
		return -1;
	if ((l->n + 1) * 2 > l->nslot && strlist_rehash(l, l->n + 1) != 0)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	at = strlist_find(l, copy, n);
	l->v[l->n++] = copy;
	l->slot[at] = l->n;
	return 0;
}

static int strlist_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int strlist_check_id(const char *s, size_t n, const char *what, struct err *e)
{
	size_t i;

	if (n == 0 || n > STRLIST_ID_MAX)
		return err_set(e, "InvalidParameter", "%s: an id must be 1 to %d characters",
			       what, STRLIST_ID_MAX);
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!strlist_id_char(c) && c != '-' && c != '_' && c != '.')
			return err_set(e, "InvalidParameter",
				       "%s: id '%.*s' has a character outside [A-Za-z0-9._-]", what,
				       (int)(n > 64 ? 64 : n), s);
	}
	if (!strlist_id_char(s[0]))
		return err_set(e, "InvalidParameter",
			       "%s: id '%.*s' must start with a letter or a digit", what,
			       (int)(n > 64 ? 64 : n), s);
	return 0;
}

int strlist_add_id(struct strlist *l, const char *s, size_t n, const char *what, struct err *e)
{
	if (strlist_check_id(s, n, what, e) != 0)
		return -1;
	if (strlist_add(l, s, n) != 0)
		return err_set(e, "InvalidParameter", "%s: too many ids (at most %d)", what,
			       STRLIST_MAX);
	return 0;
}

int strlist_add_tag(struct strlist *l, const char *s, size_t n, const char *what, struct err *e)
{
	size_t i;

	if (n == 0 || n > STRLIST_TAG_MAX || s[0] == '=')
		return err_set(e, "InvalidParameter", "%s: '%.*s' is not key=value", what,
			       (int)(n > 64 ? 64 : n), s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == ',' || s[i] == 0x7f)
			return err_set(e, "InvalidParameter", "%s: '%.*s' has a comma or a control character",
				       what, (int)(n > 64 ? 64 : n), s);
	if (strlist_add(l, s, n) != 0)
		return err_set(e, "InvalidParameter", "%s: too many", what);
	return 0;
}

int strlist_add_all(struct strlist *l, const struct strlist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (strlist_add(l, src->v[i], strlen(src->v[i])) != 0)
			return -1;
	return 0;
}

int strlist_add_csv(struct strlist *l, const char *csv, strlist_add_fn *add, const char *what,
		    struct err *e)
{
	const char *p = csv, *end, *a, *b;

	while (*p) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		a = p;
		b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a && add(l, a, (size_t)(b - a), what, e) != 0)
			return -1;
		p = *end ? end + 1 : end;
	}
	return 0;
}
