/*
 * context: everything one invocation knows about itself.
 *
 * The request id and the agency credentials come from the headers of the
 * runtime API's GET answer (spec 1.4); the project from the configuration;
 * the deadline from RUNTIME_TIMEOUT counted from the event's arrival. Every
 * credential is registered with log_secret() and wiped by ctx_release().
 */
#ifndef FG_CONTEXT_H
#define FG_CONTEXT_H

#include "config.h"
#include "err.h"
#include "runtime.h"

#define CTX_PROJECT_MAX 64 /* longest X-CFF-Project-Id taken (project ids have 32 characters) */

/* Credential strings are owned (NULL when absent); read-only for callers. */
struct ctx {
	char *token;               /* X-CFF-Auth-Token (or `token` in invoke mode) */
	char *access_key;          /* X-CFF-Access-Key */
	char *secret_key;          /* X-CFF-Secret-Key */
	char *security_access_key; /* X-CFF-Security-Access-Key */
	char *security_secret_key; /* X-CFF-Security-Secret-Key */
	char *security_token;      /* X-CFF-Security-Token */
	const char *project_id;    /* the configuration's, or project_header */
	long long deadline_ms;     /* monotonic: the event's arrival + timeout_s */
	long timeout_s;            /* the configuration's, or X-CFF-Timeout's */
	const char *project_from;  /* where project_id came from, for the log */
	const char *timeout_from;  /* where timeout_s came from, for the log */
	char project_header[CTX_PROJECT_MAX + 1]; /* X-CFF-Project-Id, when valid */
};

void ctx_init(struct ctx *c);

/* Wipes and frees the credentials. c may be NULL. */
void ctx_release(struct ctx *c);

/*
 * Looks up a request header by name (case-insensitive); writes its value into
 * out ("" when absent). Returns -1 when it does not fit.
 */
typedef int ctx_header_fn(const void *ud, const char *name, struct buf *out);

/*
 * Fills c from any source of platform headers (an /invoke request in
 * container-image mode) and the configuration. received_ms starts the
 * deadline. The project and the timeout come from the HTTP-function headers
 * X-CFF-Project-Id and X-CFF-Timeout (seconds, 1-259200) when they hold a
 * valid value, else from the configuration (projectId / RUNTIME_PROJECT_ID,
 * RUNTIME_TIMEOUT); project_from and timeout_from say which. -1 with e set.
 */
int ctx_from_headers(struct ctx *c, ctx_header_fn *get, const void *ud, long long received_ms,
		     const struct cfg *cfg, struct err *e) FG_WUR;

/*
 * Fills c from a runtime event's headers and the configuration, exactly as
 * ctx_from_headers() would. -1 with e set.
 */
int ctx_from_invocation(struct ctx *c, const struct runtime_event *ev, const struct cfg *cfg,
			struct err *e) FG_WUR;

/* Fills c for `bootstrap invoke`: credentials from the configuration. */
int ctx_for_local(struct ctx *c, const struct cfg *cfg, long long now_ms, struct err *e) FG_WUR;

/* Milliseconds left before the deadline (negative once past it). */
long long ctx_remaining_ms(const struct ctx *c);

#endif
