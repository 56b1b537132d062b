/*
 * serve: the HTTP server of container-image mode (`bootstrap serve`).
 *
 * FunctionGraph runs a container image as an HTTP server on port 8000 and
 * calls POST /init once and POST /invoke per event, with the same platform
 * headers (request id, agency credentials) the runtime API sends. This module
 * owns the socket side only, on GNU libmicrohttpd: routing (/init, /invoke;
 * 404 for other paths, 405 for other methods), a bounded request body,
 * per-connection threads with a sized stack, and an idle timeout so a slow or
 * broken client only ever holds its own connection. What an event means is
 * the caller's business: it passes a callback, so lib/ never reaches into
 * handlers/. Like the rest of lib/, it never prints and never exits.
 */
#ifndef FG_SERVE_H
#define FG_SERVE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Looks up a request header of the /invoke request being handled
 * (case-insensitive) and writes its value into out ("" when absent). Returns
 * -1 when it does not fit. The same shape as ctx_header_fn, so it can be passed
 * to ctx_from_headers() directly; hdrs is only valid during the callback.
 */
typedef int serve_header_fn(const void *hdrs, const char *name, struct buf *out);

/*
 * Handles one POST /invoke: body (NUL-terminated, len bytes, borrowed) is the
 * event, which began to arrive at received_ms (monotonic milliseconds, the
 * clock of backoff_now_ms()); the answer goes into out (ceiling
 * BUF_MAX_RESULT). Returns the HTTP status to answer with. Calls never
 * overlap: the server serialises them, so a call may start well after
 * received_ms.
 */
typedef int serve_handle_fn(void *ud, serve_header_fn *get, const void *hdrs, long long received_ms,
			    const char *body, size_t len, struct buf *out);

/* What the caller fills in; zero fields take the defaults named below. */
struct serve_opts {
	unsigned port;            /* TCP port on every IPv4 address; 0 picks a free one */
	unsigned timeout_s;       /* idle connection timeout, default 15 */
	unsigned total_timeout_s; /* to receive a whole request (headers and body), default 10;
				   * a connection over it is closed. Handling time is not counted. */
	unsigned max_conns;       /* simultaneous connections, default 128; from three quarters
				   * full on, each new one closes the oldest one not being handled */
	size_t max_body;          /* request body ceiling, default BUF_MAX_EVENT */
	size_t max_buffered;      /* request body bytes held across all connections, default
				   * 16 MiB; a request past it is answered 413 */
	size_t stack_size;        /* per-connection thread stack, default 1 MiB */
	serve_handle_fn *handle;  /* required */
	void *ud;                 /* borrowed, passed to handle */
};

struct serve;

/*
 * Starts listening and serving in background threads. Returns the server
 * (owned by caller, release with serve_free) or NULL with e set when the port
 * cannot be bound or the threads cannot start.
 */
struct serve *serve_new(const struct serve_opts *o, struct err *e) FG_WUR;

/* The port actually bound (useful when o->port was 0). */
unsigned serve_port(const struct serve *s);

/*
 * Stops accepting, lets requests in progress finish their answers, joins
 * every thread and frees s. s may be NULL.
 */
void serve_free(struct serve *s);

#endif
