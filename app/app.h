/*
 * app: what lives for the whole process, and the one dispatch that every
 * front end (the runtime-API loop, `bootstrap invoke`, container-image mode)
 * calls: event + configuration + context -> handler -> answer.
 *
 * app/ sits between bootstrap.c and the rest: unlike lib/, it knows the
 * handler table; like lib/, it never exits (it logs through lib/log).
 */
#ifndef FG_APP_H
#define FG_APP_H

#include <signal.h>
#include <stddef.h>

#include "../lib/buf.h"
#include "../lib/config.h"
#include "../lib/context.h"
#include "../lib/err.h"
#include "../lib/runtime.h"

#ifndef FGBOOT_VERSION
#define FGBOOT_VERSION "0.1.0"
#endif

/* getenv() as cfg_load() takes it: the process environment. */
const char *app_getenv(const char *name);

/* Read-only for the front ends, once app_init() has filled it. */
struct app {
	struct cfg cfg;
	struct cloud *cloud;
	volatile sig_atomic_t *stop; /* borrowed: set by SIGTERM/SIGINT */
};

/*
 * Loads the configuration (invoke_mode also reads `token`), applies its log
 * settings, pins its secrets in the log's redaction list and creates the
 * cloud client. An unusable configuration is not a failure here: every
 * invocation reports it. Returns 0, or -1 with e set (out of memory, no
 * client). Release with app_release() in either case.
 */
int app_init(struct app *a, int invoke_mode, volatile sig_atomic_t *stop, struct err *e) FG_WUR;
void app_release(struct app *a);

/* "ok", or "UNUSABLE: <why>" for the start-up log line. Borrowed from a. */
const char *app_config_state(const struct app *a);

/* What app_dispatch() answered. */
#define APP_OK 0          /* success: post as the response */
#define APP_ERROR 1       /* an error result: post to /error (HTTP 500 in container mode) */
#define APP_APIG_ERROR 2  /* an error inside the APIG envelope, whose statusCode tells the
			     caller: post as the response (HTTP 200 in container mode) */

/*
 * Runs one event (len bytes of body, borrowed) for the invocation ctx and
 * renders the answer into out (emptied first). Logs the one summary line.
 * Returns APP_OK, APP_ERROR or APP_APIG_ERROR (an APIG event's failure).
 */
int app_dispatch(struct app *a, const struct ctx *ctx, const char *body, size_t len,
		 struct buf *out);

/*
 * Renders the answer of an invocation that failed before any handler ran
 * (no context, an unreadable event), logging why. Returns 1 (an error).
 */
int app_fail(const struct err *e, struct buf *out);

/*
 * The platform's request id (len bytes, may be NULL) when it keeps the one
 * rule of every front end (runtime_id_ok()), else a fresh local one
 * ("local-<ms>-<n>"). Writes it into id (APP_ID_MAX bytes) and returns 1 when
 * the platform's id was kept.
 */
#define APP_ID_MAX RUNTIME_ID_MAX
int app_request_id(const char *given, size_t len, char *id);

/* Starts an invocation's log lines with id (borrowed until app_end()). */
void app_begin(const char *id);

/* Forgets the ended invocation's credentials and id; keeps the configured secrets. */
void app_end(void);

#endif
