/*
 * wire: a minimal HTTP/1.1 client over one kept-alive TCP connection, for the
 * platform's local, plain-HTTP runtime API.
 *
 * The runtime API is three fixed endpoints on loopback, called twice per
 * invocation; libcurl's generality (URL parsing, option handling, a poll loop
 * of several system calls per transfer) was a third of fgboot's CPU per
 * invocation there. wire does one write and the reads the answer needs. It
 * speaks only what that API needs: GET and POST, Content-Length and chunked
 * bodies, keep-alive, 1xx skipped; no TLS, no proxies, no redirects. Cloud
 * APIs (HTTPS) stay on lib/http.
 */
#ifndef FG_WIRE_H
#define FG_WIRE_H

#include <stddef.h>

#include "err.h"
#include "http.h"

struct wire;

/*
 * hostport is "host:port" (a numeric IPv4/IPv6 address or a name). Nothing
 * connects until the first wire_do(). Returns NULL with e set when hostport
 * is malformed or memory ran out.
 */
struct wire *wire_new(const char *hostport, struct err *e);

/* Closes the connection and frees w. w may be NULL. */
void wire_free(struct wire *w);

/*
 * Sends req (its url is only used for its path: "http://host:port/path" or
 * "/path") and reads the answer into resp, like http_do(): 0 when a response
 * arrived, whatever its status; -1 on a transport failure with e->code one of
 * HTTP_ERR_*. Headers are in resp->headers as soon as they arrive, so a
 * failure while reading the body (HTTP_ERR_TOOBIG, HTTP_ERR_CONNECT) still
 * leaves them readable. A kept-alive connection the server closed while idle
 * is replaced once, transparently.
 */
int wire_do(struct wire *w, const struct http_req *req, struct http_resp *resp,
	    struct err *e) FG_WUR;

/* What the head of a response says (pure parsing, exposed for the fuzzer). */
struct wire_head {
	int status;         /* 100..599 */
	int chunked;        /* Transfer-Encoding: chunked */
	long long length;   /* Content-Length, -1 when absent */
	int close;          /* Connection: close */
	size_t header_len;  /* bytes up to and including the blank line */
};

/*
 * Parses the status line and headers at the start of buf (len bytes, which
 * must include the terminating blank line). Returns 0, or -1 when it is not
 * a well-formed HTTP/1.x response head.
 */
int wire_parse_head(const char *buf, size_t len, struct wire_head *h) FG_WUR;

#endif
