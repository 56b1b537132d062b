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
 *
 * A call to a cloud API (lib/cloud) also describes the exchange: the HTTP
 * status of the last answer, the cloud's own error code (CCE.xxx, Ecs.xxx,
 * APIGW.xxx, or "HTTP.<status>" when the body had none; empty when no error
 * answer came, e.g. a timeout) and request id, and how many attempts were
 * retries. For a cloud error answer code is "CloudError" and msg is the
 * cloud's message, as the cloud wrote it.
 */
struct err {
	char code[48];
	char msg[512];
	long status;          /* HTTP status of the last answer; 0 when none arrived */
	char cloud_code[64];  /* the cloud's error code; "" when not an error answer */
	char request_id[128]; /* X-Request-Id or the body's request_id; "" when unknown */
	int retries;          /* attempts beyond the first */
};

/* Clears e (every field becomes empty or zero). e may be NULL. */
void err_clear(struct err *e);

/*
 * Sets code and a printf-formatted message, truncating silently; the cloud
 * fields are left as they are (a caller rejecting a cloud answer keeps its
 * status). Returns -1 so that callers can write `return err_set(e, ...);`.
 * e may be NULL.
 */
int err_set(struct err *e, const char *code, const char *fmt, ...) FG_PRINTF(3, 4);

/* Prefixes the existing message with "context: ". e may be NULL. */
void err_prefix(struct err *e, const char *fmt, ...) FG_PRINTF(2, 3);

/*
 * Folds a cloud answer into the message, for a one-line summary:
 * "HTTP 403 APIGW.0301: <msg> (request <id>)". Leaves e as it is when it
 * carries no cloud error code. e may be NULL.
 */
void err_inline_cloud(struct err *e);

#endif
