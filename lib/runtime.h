/*
 * runtime: the FunctionGraph custom-runtime API (spec 1.3).
 *
 * GET  http://$RUNTIME_API_ADDR/v1/runtime/invocation/request   next event
 * POST http://$RUNTIME_API_ADDR/v1/runtime/invocation/response/{id}
 * POST http://$RUNTIME_API_ADDR/v1/runtime/invocation/error/{id}
 *
 * Plain HTTP through lib/http, never through a proxy; one kept-alive
 * connection serves every call. Each function makes one attempt; the caller
 * owns the retry policy (see bootstrap.c).
 */
#ifndef FG_RUNTIME_H
#define FG_RUNTIME_H

#include <stddef.h>

#include "err.h"
#include "http.h"

struct runtime;

#define RUNTIME_ID_MAX 128

/* One event as delivered. Fields are read-only for callers. */
struct runtime_event {
	char request_id[RUNTIME_ID_MAX];
	struct http_resp resp; /* body = the event bytes; headers = the platform's */
	long long received_ms; /* backoff_now_ms() when the event arrived */
};

void runtime_event_init(struct runtime_event *ev);
void runtime_event_release(struct runtime_event *ev);

/*
 * Finds the platform header name (case-insensitive) of ev, as
 * http_header_find() does: 0 with *val (borrowed from ev, not
 * NUL-terminated) and *len set, -1 when absent.
 */
int runtime_event_header(const struct runtime_event *ev, const char *name, const char **val,
			 size_t *len) FG_WUR;

/* addr is "host:port" (an "http://" prefix is tolerated). NULL with e set on failure. */
struct runtime *runtime_new(const char *addr, struct err *e);
void runtime_free(struct runtime *rt);

/*
 * Long-polls for the next event (no read timeout, 3 s connect timeout); the
 * wait ends early with e->code HTTP_ERR_ABORTED once *stop is non-zero.
 * Returns 0 with ev filled, or -1 with e set: transport failure, a non-200
 * status, or a response without X-Cff-Request-Id. e->code is "RuntimeAPI" for
 * status errors so that the caller can tell them from transport errors. An
 * event over BUF_MAX_EVENT (HTTP_ERR_TOOBIG), or one cut off after its
 * headers, fails with ev->request_id set, so that the caller can still
 * answer that invocation; otherwise ev->request_id is "".
 */
int runtime_next(struct runtime *rt, struct runtime_event *ev, volatile sig_atomic_t *stop,
		 struct err *e) FG_WUR;

/*
 * The one rule for request ids, whatever the front end: 1 to RUNTIME_ID_MAX - 1
 * characters of [A-Za-z0-9._-] (safe in a URL path and in a log line). An id
 * from the runtime API that breaks it cannot be answered. 1 when id (n bytes) keeps it.
 */
int runtime_id_ok(const char *id, size_t n);

/*
 * Posts body to /response/{id} (is_error 0) or /error/{id} (is_error 1) as
 * application/json. Returns 0 on a 2xx answer; -1 otherwise with *status the
 * HTTP status (0 on a transport failure).
 */
int runtime_post(struct runtime *rt, const char *request_id, int is_error, const char *body,
		 size_t len, long *status, struct err *e) FG_WUR;

#endif
