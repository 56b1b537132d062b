/*
 * err: the one error record that lib/ fills in and callers read.
 *
 * lib/ never prints and never exits; a failing function returns -1 (or NULL)
 * and writes what went wrong into a caller-provided struct err at the point of
 * detection. The caller decides whether to log it, retry, or report it.
 */
#ifndef FG_ERR_H
#define FG_ERR_H

#include <stdarg.h>

#if defined(__GNUC__)
#define FG_WUR __attribute__((warn_unused_result))
#define FG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FG_WUR
#define FG_PRINTF(a, b)
#endif

/*
 * A short machine-readable code (e.g. "ConfigError", "CloudError",
 * "InvalidEvent") and a human message. Both are always NUL-terminated; an
 * empty code means "no error". Never holds a secret.
 */
struct err {
	char code[48];
	char msg[512];
};

/* Clears e (code and message become empty). e may be NULL. */
void err_clear(struct err *e);

/*
 * Sets code and a printf-formatted message, truncating silently. Returns -1 so
 * that callers can write `return err_set(e, ...);`. e may be NULL.
 */
int err_set(struct err *e, const char *code, const char *fmt, ...) FG_PRINTF(3, 4);

/* Prefixes the existing message with "context: ". e may be NULL. */
void err_prefix(struct err *e, const char *fmt, ...) FG_PRINTF(2, 3);

#endif
