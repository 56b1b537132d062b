/*
 * sign: the Huawei Cloud API Gateway "SDK-HMAC-SHA256" request signer
 * (spec 5.2-5.4).
 *
 * Pure and deterministic: no clock, no environment, no I/O, no printing. The
 * caller supplies the time and the keys; the module returns the X-Sdk-Date
 * value, the Authorization value and the exact path and query to put on the
 * wire. The secret key is used only as the HMAC key: it is never copied,
 * stored in an output, or written into an error message.
 *
 * Typical use:
 *
 *	struct sign_output so;
 *	sign_output_init(&so);
 *	if (sign_request(&in, &so, &e) != 0)
 *		goto out;
 *	send "X-Sdk-Date: so.sdk_date", "Authorization: buf_str(&so.authorization)"
 *	and every header in in.headers, to buf_str(&so.path_and_query);
 *	...
 * out:
 *	sign_output_release(&so);
 */
#ifndef FG_SIGN_H
#define FG_SIGN_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* One request header; both strings borrowed. */
struct sign_header {
	const char *name;
	const char *value;
};

/* Everything the signature covers. All pointers are borrowed for the call. */
struct sign_input {
	/* Upper-case token: "GET", "POST", ... Sent and signed as given. */
	const char *method;
	/*
	 * Absolute URL scheme://host[:port][/path][?query]. No user info. There
	 * is no fragment: '#' is ordinary data and is encoded as %23. In the
	 * path and the query every valid %XX is decoded before re-encoding, so
	 * already-encoded input is not double-encoded; any other byte
	 * (including '+', a space, or a '%' not followed by two hex digits) is
	 * taken literally. Query parameters are split on '&' and at the first
	 * '='; empty pieces ("a=1&&b=2") are dropped.
	 */
	const char *url;
	/*
	 * The headers to sign, besides X-Sdk-Date (names any case, values
	 * trimmed of spaces and tabs when signed). Nothing is added implicitly:
	 * to sign Host, pass it (see sign_host()). Every signed header must be
	 * sent with the same value. Names containing '_' are left out of the
	 * signature, as the official SDKs do. Two headers with the same name
	 * (ignoring case) are an error.
	 *
	 * If an X-Sdk-Date header is present its value (YYYYMMDDTHHMMSSZ) is
	 * used instead of formatting `now`; this reproduces published vectors.
	 * If an X-Sdk-Content-Sha256 header is present its value replaces the
	 * body hash (e.g. "UNSIGNED-PAYLOAD"), as in the official SDKs.
	 */
	const struct sign_header *headers;
	size_t nheaders;
	/* Exact body bytes; may be NULL when body_len is 0. */
	const void *body;
	size_t body_len;
	/* UNIX seconds, UTC, 0..253402300799; formatted into X-Sdk-Date. */
	long long now;
	/* Access key (printed in Authorization) and secret key (HMAC key only). */
	const char *ak;
	const char *sk;
};

/*
 * The result. The caller owns the struct: sign_output_init() before use,
 * sign_output_release() after. The bufs are read with buf_str(); their fields
 * are read-only. Contains no secret.
 */
struct sign_output {
	/* X-Sdk-Date value to send: "YYYYMMDDTHHMMSSZ". */
	char sdk_date[17];
	/* Authorization value: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=...". */
	struct buf authorization;
	/*
	 * The request target to send after the host: the path (each segment
	 * percent-decoded and re-encoded, exactly as signed but without the
	 * signing-only trailing '/'; "/" when the URL has no path), then "?" and
	 * the canonical query string when it is not empty. The wire query is
	 * byte for byte the query that was signed (spec 5.2 item 9).
	 */
	struct buf path_and_query;
	/* The canonical request, for tests and debugging. */
	struct buf canonical_request;
};

/* Prepares an empty output (each buf capped at BUF_MAX_SMALL). */
void sign_output_init(struct sign_output *o);

/* Frees the output's memory; o stays initialised and reusable. o may be NULL. */
void sign_output_release(struct sign_output *o);

/*
 * Signs the request described by in. out must have been initialised; its
 * previous contents are replaced. Returns 0 with out filled, or -1 with e set
 * (code "SignError") and out emptied. Fails on a NULL or empty method, url, ak
 * or sk, a URL without scheme://host, a malformed header or X-Sdk-Date, a
 * `now` out of range, or an output longer than its buf ceiling.
 */
int sign_request(const struct sign_input *in, struct sign_output *out, struct err *e) FG_WUR;

/*
 * Appends to host the Host header value for url: the host, plus ":port" only
 * when the port is not the scheme's default (443 for https, 80 for http;
 * scheme compared ignoring case). Returns 0, or -1 with e set ("SignError")
 * and host unchanged.
 */
int sign_host(const char *url, struct buf *host, struct err *e) FG_WUR;

/*
 * Appends the n bytes at s to out, percent-encoded per spec 5.2 item 3:
 * A-Z a-z 0-9 - _ . ~ are kept, every other byte becomes %XX with upper-case
 * hex. No decoding is done. Returns 0, or -1 when out's ceiling or memory is
 * exhausted (out is then left as it was).
 */
int sign_escape(const char *s, size_t n, struct buf *out) FG_WUR;

#endif
