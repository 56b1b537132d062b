/*
 * check: the unit-test harness. CHECK(expr) records a pass or prints
 * file:line and the expression; CHECK_STR compares two C strings.
 * check_done() prints "unit: N passed, N failed" and returns the exit status.
 */
#ifndef FG_CHECK_H
#define FG_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(expr)                                                            \
	do {                                                                   \
		if (expr) {                                                    \
			check_passed++;                                        \
		} else {                                                       \
			check_failed++;                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,  \
				__LINE__, #expr);                              \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {         \
			check_passed++;                                        \
		} else {                                                       \
			check_failed++;                                        \
			fprintf(stderr,                                        \
				"%s:%d: CHECK_STR failed: %s\n  got:  %s\n  want: %s\n", \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)",  \
				w_ ? w_ : "(null)");                           \
		}                                                              \
	} while (0)

static inline int check_done(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
