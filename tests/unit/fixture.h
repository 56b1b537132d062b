/*
 * fixture: what the configuration-facing unit tests share: a fake getenv
 * over a NULL-terminated list of name, value pairs, and a string list
 * joined with commas for comparisons. Tests only.
 */
#ifndef FG_TEST_FIXTURE_H
#define FG_TEST_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "strlist.h"

/* The fake environment: a NULL-terminated list of name, value pairs. */
static const char *const *fake_env;

static inline const char *fake_getenv(const char *name)
{
	size_t i;

	for (i = 0; fake_env != NULL && fake_env[i] != NULL; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

/* l joined with commas, into a static string (overwritten by the next call). */
static inline const char *joined(const struct strlist *l)
{
	static char out[4096];
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && used < sizeof(out); i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s", i ? "," : "", l->v[i]);
	return out;
}

#endif
