/* strlist: see strlist.h. */
#include "strlist.h"

#include <stdlib.h>
#include <string.h>

void strlist_init(struct strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
	strindex_init(&l->idx);
}

void strlist_release(struct strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	strindex_release(&l->idx);
	strlist_init(l);
}

static const char *strlist_key(const void *items, size_t i)
{
	return ((char *const *)items)[i];
}

size_t strlist_index(const struct strlist *l, const char *s)
{
	return strindex_find(&l->idx, strlist_key, l->v, s, strlen(s));
}

int strlist_has(const struct strlist *l, const char *s)
{
	return strlist_index(l, s) != STRLIST_NONE;
}

int strlist_add(struct strlist *l, const char *s, size_t n)
{
	char *copy, **v;

	n = strnlen(s, n);
	if (strindex_find(&l->idx, strlist_key, l->v, s, n) != STRINDEX_NONE)
		return 0;
	if (l->n >= STRLIST_MAX || strindex_reserve(&l->idx, strlist_key, l->v, l->n) != 0)
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
	l->v[l->n] = copy;
	strindex_put(&l->idx, strlist_key, l->v, l->n++);
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
