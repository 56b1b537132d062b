/*
 * http: the only module that talks to libcurl.
 *
 * A struct http is one libcurl multi handle and the transfers queued on it.
 * The multi handle owns the connection cache, so connections (and TLS
 * sessions) are kept alive and reused by every transfer made through the same
 * struct http. Transfers run one at a time (http_do) or many at once
 * (http_add, then http_run or http_wait), at most http_set_parallel() of them
 * in flight together.
 *
 * TLS always verifies the peer: the CA store is chosen once per process
 * (system bundle first, the compiled-in Mozilla bundle as the fallback) and
 * there is no switch to turn verification off. Proxies come from the
 * environment as libcurl reads it (http_proxy, https_proxy, all_proxy,
 * no_proxy, ...), unless a request says it is direct. Response bodies and
 * headers are read into bounded bufs.
 */
#ifndef FG_HTTP_H
#define FG_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct http;

struct http_header {
	const char *name;
	const char *value;
};

/*
 * One request. The strings (method, url, headers) are copied when the
 * transfer is queued; body is borrowed until the transfer completes.
 */
struct http_req {
	const char *method; /* "GET", "POST", ... */
	const char *url;    /* absolute http:// or https:// URL */
	const struct http_header *headers;
	size_t nheaders;
	const void *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	long connect_timeout_ms; /* 0: libcurl default */
	long timeout_ms;         /* whole transfer; 0: no limit (long poll) */
	int direct;              /* 1: never through a proxy (a loopback service) */
	volatile sig_atomic_t *abort_flag; /* when set and non-zero, the transfer ends
					    * with HTTP_ERR_ABORTED (SIGTERM in a long poll);
					    * looked at every 100 ms and on EINTR */
};

/* Filled by a transfer; fields are read-only for callers. */
struct http_resp {
	long status;        /* HTTP status, 0 when no response arrived */
	struct buf body;    /* the body, bounded by the max given to http_resp_init */
	struct buf headers; /* "Name: value\r\n" lines of the final response; kept
			     * when the body then fails (too large, cut off) */
};

/* Error codes of a failed transfer. */
#define HTTP_ERR_CONNECT "ConnectError" /* refused, unreachable, DNS, reset, cut off */
#define HTTP_ERR_TIMEOUT "Timeout"
#define HTTP_ERR_TOOBIG "ResponseTooLarge"
#define HTTP_ERR_TLS "TLSError"
#define HTTP_ERR_ABORTED "Aborted"
#define HTTP_ERR_OTHER "HttpError"

/* Transfers in flight at once on one struct http unless set otherwise. */
#define HTTP_PARALLEL_DEFAULT 16

/* Once per process, before any other http_ call. Returns 0 or -1 with e set. */
int http_global_init(struct err *e) FG_WUR;
void http_global_cleanup(void);

/* Describes the CA store in use: a path, "(embedded)" or "(none: ...)". Borrowed. */
const char *http_ca_source(void);

/* Returns a new handle owned by the caller, or NULL with e set. */
struct http *http_new(struct err *e);

/* Frees h and closes its connections. h may be NULL. */
void http_free(struct http *h);

/*
 * Sets how many transfers http_run() and http_wait() keep in flight at once
 * (1 or more; HTTP_PARALLEL_DEFAULT until set). Idle connections up to that
 * number are kept open for reuse.
 */
void http_set_parallel(struct http *h, unsigned n);

/* Initialises r with a body ceiling of max_body bytes. */
void http_resp_init(struct http_resp *r, size_t max_body);

/* Empties r for reuse (keeps its ceiling). */
void http_resp_clear(struct http_resp *r);

/* Frees r's memory. r may be NULL. */
void http_resp_release(struct http_resp *r);

/*
 * Performs req and fills resp (which must have been initialised; it is
 * cleared first). Returns 0 when an HTTP response arrived, whatever its
 * status; -1 on a transport failure, with e->code one of HTTP_ERR_*.
 * A batch of one: -1 (HTTP_ERR_OTHER) while transfers queued with http_add()
 * are unfinished; the results of a finished batch are dropped.
 */
int http_do(struct http *h, const struct http_req *req, struct http_resp *resp,
	    struct err *e) FG_WUR;

/*
 * Many transfers at once:
 *
 *	id1 = http_add(h, &req1, &resp1, &e);
 *	id2 = http_add(h, &req2, &resp2, &e);
 *	http_run(h, &e);          (or: while (http_wait(h, &id, &e) == 1) ...)
 *	http_result(h, id1, &e1); http_result(h, id2, &e2);
 *
 * A batch is what was added since nothing was left in flight; ids count from
 * 0 within a batch. Each transfer keeps its own timeouts and abort_flag.
 * Adding while a batch runs (from between two http_wait calls, to retry one
 * transfer, say) is allowed. Results stay readable until the first http_add()
 * of the next batch.
 */

/*
 * Queues req; resp (initialised, cleared here) receives its answer. Nothing
 * is sent until http_run(), http_wait() or http_do(). Returns the transfer's
 * id (>= 0), or -1 with e set (memory, a header line over BUF_MAX_SMALL).
 */
int http_add(struct http *h, const struct http_req *req, struct http_resp *resp,
	     struct err *e) FG_WUR;

/*
 * Runs queued transfers until one completes: returns 1 with *id set to that
 * transfer (read it with http_result), 0 when none is queued or in flight,
 * -1 with e set when libcurl's multi interface itself fails (every
 * unfinished transfer then fails with HTTP_ERR_OTHER).
 */
int http_wait(struct http *h, int *id, struct err *e) FG_WUR;

/*
 * http_wait() that gives up at until_ms (a monotonic time as
 * backoff_now_ms() counts it; negative: never): returns 2 when it came first,
 * with nothing reported and every transfer still running.
 */
int http_wait_until(struct http *h, long long until_ms, int *id, struct err *e) FG_WUR;

/*
 * Runs queued transfers until all have completed. Returns how many failed
 * (0 when every one got a response), or -1 as http_wait().
 */
int http_run(struct http *h, struct err *e) FG_WUR;

/*
 * The outcome of a completed transfer: 0 when its response is in the resp
 * given to http_add(), -1 with e set (e->code one of HTTP_ERR_*) when it
 * failed or has not completed.
 */
int http_result(const struct http *h, int id, struct err *e) FG_WUR;

/*
 * Finds header name (case-insensitive) in the len bytes of "Name: value\r\n"
 * lines at headers (a bare "\n" also ends a line). On success returns 0 and
 * points *val at the first such header's value (borrowed, not NUL-terminated)
 * with *vlen bytes, surrounding white space removed; -1 when absent.
 */
int http_header_find(const char *headers, size_t len, const char *name, const char **val,
		     size_t *vlen) FG_WUR;

/* http_header_find() over resp's headers. */
int http_resp_header(const struct http_resp *resp, const char *name, const char **val,
		     size_t *len) FG_WUR;

#endif
