/*
 * http: the only module that talks to libcurl.
 *
 * A struct http wraps one curl easy handle, driven through a multi handle of
 * its own, so connections (and TLS sessions) are kept alive and reused across
 * calls to the same host. TLS always verifies the peer: the CA store is chosen
 * once per process (system bundle first, the compiled-in Mozilla bundle as the
 * fallback) and there is no switch to turn verification off. Proxies come from
 * the environment as libcurl reads it (http_proxy, https_proxy, all_proxy,
 * no_proxy, ...). Response bodies and headers are read into bounded bufs.
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

/* One request; all pointers are borrowed for the duration of http_do(). */
struct http_req {
	const char *method; /* "GET", "POST", ... */
	const char *url;    /* absolute http:// or https:// URL */
	const struct http_header *headers;
	size_t nheaders;
	const void *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	long connect_timeout_ms; /* 0: libcurl default */
	long timeout_ms;         /* whole transfer; 0: no limit (long poll) */
	volatile sig_atomic_t *abort_flag; /* when set and non-zero, the transfer ends
					    * with HTTP_ERR_ABORTED (SIGTERM in a long poll);
					    * looked at every 100 ms and on EINTR */
};

/* Filled by http_do(); fields are read-only for callers. */
struct http_resp {
	long status;         /* HTTP status, 0 when no response arrived */
	struct buf body;     /* the body, bounded by the max given to http_resp_init */
	struct buf headers;  /* "Name: value\r\n" lines of the final response */
};

/* Error codes written by http_do(). */
#define HTTP_ERR_CONNECT "ConnectError" /* refused, unreachable, DNS, reset */
#define HTTP_ERR_TIMEOUT "Timeout"
#define HTTP_ERR_TOOBIG "ResponseTooLarge"
#define HTTP_ERR_TLS "TLSError"
#define HTTP_ERR_ABORTED "Aborted"
#define HTTP_ERR_OTHER "HttpError"

/* Once per process, before any other http_ call. Returns 0 or -1 with e set. */
int http_global_init(struct err *e) FG_WUR;
void http_global_cleanup(void);

/* Describes the CA store in use: a path, "(embedded)" or "(none: ...)". Borrowed. */
const char *http_ca_source(void);

/* Returns a new handle owned by the caller, or NULL with e set. */
struct http *http_new(struct err *e);

/* Frees h and closes its connections. h may be NULL. */
void http_free(struct http *h);

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
 */
int http_do(struct http *h, const struct http_req *req, struct http_resp *resp,
	    struct err *e) FG_WUR;

/*
 * Finds header name (case-insensitive) in resp. On success returns 0 and
 * points *val at its value (borrowed from resp, not NUL-terminated) with
 * *len bytes, surrounding white space removed; -1 when absent.
 */
int http_resp_header(const struct http_resp *resp, const char *name, const char **val,
		     size_t *len);

#endif
