/* sign: see sign.h. One static function per step of spec 5.2. */
#include "sign.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SIGN_ALGORITHM "SDK-HMAC-SHA256"
#define SIGN_ERR "SignError"
#define SIGN_DATE_LEN 16
#define SIGN_NOW_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

_Static_assert(sizeof(((struct sign_output *)0)->sdk_date) == SIGN_DATE_LEN + 1,
	       "sdk_date holds YYYYMMDDTHHMMSSZ and a NUL");

/* The pieces of an absolute URL; every pointer points into the URL string. */
struct sign_url {
	const char *scheme;
	size_t scheme_len;
	const char *hostname; /* includes the brackets of an IPv6 literal */
	size_t hostname_len;
	const char *port; /* digits after ':'; port_len 0 when absent */
	size_t port_len;
	const char *path; /* from the first '/' up to '?' or the end */
	size_t path_len;
	const char *query; /* after the first '?' */
	size_t query_len;
};

/*
 * One query parameter: offsets into a shared store buf (offsets stay valid
 * while the store grows; the store is read through the pointer only after).
 */
struct sign_param {
	const struct buf *store;
	size_t raw_name, raw_name_len;
	size_t raw_value, raw_value_len;
	size_t enc_name, enc_name_len;
	size_t enc_value, enc_value_len;
};

/* One header to sign; name is the owned lower-case copy, value is trimmed and borrowed. */
struct sign_hdr {
	char *name;
	const char *value;
	size_t value_len;
};

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

int sign_escape(const char *s, size_t n, struct buf *out)
{
	static const char digits[] = "0123456789ABCDEF";
	struct buf tmp;
	char chunk[3];
	size_t i;
	int rc = -1;

	/* Encode into a scratch buf so that a failure leaves out untouched. */
	buf_init(&tmp, out->max);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c)) {
			if (buf_append(&tmp, &s[i], 1) != 0)
				goto out;
			continue;
		}
		chunk[0] = '%';
		chunk[1] = digits[c >> 4];
		chunk[2] = digits[c & 0x0f];
		if (buf_append(&tmp, chunk, sizeof(chunk)) != 0)
			goto out;
	}
	rc = buf_append(out, buf_str(&tmp), tmp.len);
out:
	buf_release(&tmp);
	return rc;
}

/* Appends s[0..n) to out with every valid %XX decoded; anything else is literal. */
static int unescape(const char *s, size_t n, struct buf *out)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;
		unsigned char c;

		if (s[i] != '%' || n - i < 3)
			continue;
		hi = hex_value((unsigned char)s[i + 1]);
		lo = hex_value((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0)
			continue;
		c = (unsigned char)(hi * 16 + lo);
		if (buf_append(out, s + start, i - start) != 0 ||
		    buf_append(out, &c, 1) != 0)
			return -1;
		i += 2;
		start = i + 1;
	}
	return buf_append(out, s + start, n - start);
}

/* Appends the canonical form of one path segment or query name/value: decode, then encode. */
static int canonical_component(const char *s, size_t n, struct buf *scratch, struct buf *out)
{
	int rc;

	buf_clear(scratch);
	if (unescape(s, n, scratch) != 0)
		return -1;
	rc = sign_escape(buf_str(scratch), scratch->len, out);
	buf_clear(scratch);
	return rc;
}

static int is_scheme_char(unsigned char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/* Host characters: a registered name, an IPv4 address, or a bracketed IPv6 literal. */
static int is_host_char(unsigned char c)
{
	return is_unreserved(c) || c == '[' || c == ']' || c == ':' || c == '%';
}

static int url_split(const char *url, struct sign_url *u, struct err *e)
{
	const char *p, *auth, *auth_end, *colon = NULL;

	memset(u, 0, sizeof(*u));
	if (url == NULL || url[0] == '\0')
		return err_set(e, SIGN_ERR, "sign: empty URL");

	/* Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://". */
	for (p = url; is_scheme_char((unsigned char)*p, p == url); p++)
		;
	if (p == url || strncmp(p, "://", 3) != 0)
		return err_set(e, SIGN_ERR, "sign: URL has no scheme://");
	u->scheme = url;
	u->scheme_len = (size_t)(p - url);

	/* Authority: up to the first '/' or '?'. */
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(auth_end - auth)) != NULL)
		return err_set(e, SIGN_ERR, "sign: URL with user info is not supported");
	if (auth < auth_end && auth[0] == '[') {
		const char *rb = memchr(auth, ']', (size_t)(auth_end - auth));

		if (rb == NULL)
			return err_set(e, SIGN_ERR, "sign: URL has an unterminated IPv6 host");
		if (rb + 1 < auth_end && rb[1] != ':')
			return err_set(e, SIGN_ERR, "sign: URL has junk after the IPv6 host");
		if (rb + 1 < auth_end)
			colon = rb + 1;
	} else {
		colon = memchr(auth, ':', (size_t)(auth_end - auth));
	}
	u->hostname = auth;
	u->hostname_len = (size_t)((colon ? colon : auth_end) - auth);
	if (u->hostname_len == 0)
		return err_set(e, SIGN_ERR, "sign: URL has no host");
	for (p = auth; p < auth + u->hostname_len; p++) {
		if (!is_host_char((unsigned char)*p))
			return err_set(e, SIGN_ERR, "sign: URL host has an invalid character");
	}
	if (colon != NULL) {
		u->port = colon + 1;
		u->port_len = (size_t)(auth_end - u->port);
		if (u->port_len > 5)
			return err_set(e, SIGN_ERR, "sign: URL port is invalid");
		for (p = u->port; p < auth_end; p++) {
			if (*p < '0' || *p > '9')
				return err_set(e, SIGN_ERR, "sign: URL port is invalid");
		}
	}

	/* Path up to the first '?', then the query. */
	u->path = auth_end;
	u->path_len = strcspn(auth_end, "?");
	if (u->path[u->path_len] == '?') {
		u->query = u->path + u->path_len + 1;
		u->query_len = strlen(u->query);
	}
	return 0;
}

/* True when port (digits) is the default for scheme: 443 https, 80 http. */
static int is_default_port(const struct sign_url *u)
{
	const char *dflt;
	size_t i;

	if (u->port_len == 0)
		return 1;
	if (u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0)
		dflt = "443";
	else if (u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0)
		dflt = "80";
	else
		return 0;
	/* Compare numerically so that "0443" counts too. */
	for (i = 0; i + 1 < u->port_len && u->port[i] == '0'; i++)
		;
	return u->port_len - i == strlen(dflt) &&
	       strncmp(u->port + i, dflt, strlen(dflt)) == 0;
}

int sign_host(const char *url, struct buf *host, struct err *e)
{
	struct sign_url u;
	struct buf tmp;
	int rc = -1;

	buf_init(&tmp, BUF_MAX_SMALL);
	if (url_split(url, &u, e) != 0)
		goto out;
	if (buf_append(&tmp, u.hostname, u.hostname_len) != 0)
		goto too_long;
	if (!is_default_port(&u) &&
	    (buf_puts(&tmp, ":") != 0 || buf_append(&tmp, u.port, u.port_len) != 0))
		goto too_long;
	if (buf_append(host, buf_str(&tmp), tmp.len) != 0)
		goto too_long;
	rc = 0;
	goto out;
too_long:
	err_set(e, SIGN_ERR, "sign: host is too long");
out:
	buf_release(&tmp);
	return rc;
}

/*
 * Canonical URI into canon (always ending in '/') and the wire path into
 * wire (same bytes without the signing-only trailing '/', "/" if empty).
 */
static int canonical_uri(const struct sign_url *u, struct buf *canon, struct buf *wire)
{
	struct buf scratch;
	const char *seg = u->path, *end = u->path + u->path_len;
	int rc = -1;

	buf_init(&scratch, BUF_MAX_SMALL);
	while (seg < end) {
		const char *slash = memchr(seg, '/', (size_t)(end - seg));
		const char *seg_end = slash ? slash : end;

		if (canonical_component(seg, (size_t)(seg_end - seg), &scratch, wire) != 0)
			goto out;
		if (slash == NULL)
			break;
		if (buf_puts(wire, "/") != 0)
			goto out;
		seg = slash + 1;
	}
	if (wire->len == 0 && buf_puts(wire, "/") != 0)
		goto out;
	if (buf_append(canon, buf_str(wire), wire->len) != 0)
		goto out;
	if (buf_str(wire)[wire->len - 1] != '/' && buf_puts(canon, "/") != 0)
		goto out;
	rc = 0;
out:
	buf_release(&scratch);
	return rc;
}

/* Compares two byte strings the way the SDKs' string sort does. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static int param_cmp(const void *pa, const void *pb)
{
	const struct sign_param *a = pa, *b = pb;
	const char *sa = buf_str(a->store), *sb = buf_str(b->store);
	int c;

	c = bytes_cmp(sa + a->raw_name, a->raw_name_len, sb + b->raw_name, b->raw_name_len);
	if (c != 0)
		return c;
	return bytes_cmp(sa + a->raw_value, a->raw_value_len, sb + b->raw_value, b->raw_value_len);
}

/* Decodes one "name[=value]" piece into the store as raw and encoded forms. */
static int param_add(const char *s, size_t n, struct buf *store, struct buf *scratch,
		     struct sign_param *p)
{
	const char *eq = memchr(s, '=', n);
	size_t name_len = eq ? (size_t)(eq - s) : n;
	const char *value = eq ? eq + 1 : s + n;
	size_t value_len = eq ? n - name_len - 1 : 0;

	p->store = store;
	p->raw_name = store->len;
	if (unescape(s, name_len, store) != 0)
		return -1;
	p->raw_name_len = store->len - p->raw_name;
	p->raw_value = store->len;
	if (unescape(value, value_len, store) != 0)
		return -1;
	p->raw_value_len = store->len - p->raw_value;
	p->enc_name = store->len;
	if (canonical_component(s, name_len, scratch, store) != 0)
		return -1;
	p->enc_name_len = store->len - p->enc_name;
	p->enc_value = store->len;
	if (canonical_component(value, value_len, scratch, store) != 0)
		return -1;
	p->enc_value_len = store->len - p->enc_value;
	return 0;
}

/*
 * Canonical query string into out: each parameter decoded, sorted by raw
 * name then raw value (byte order, as the SDKs sort before encoding), then
 * emitted encoded as name=value and joined with '&'.
 */
static int canonical_query(const struct sign_url *u, struct buf *out, struct err *e)
{
	struct sign_param *params = NULL;
	struct buf store, scratch;
	const char *q = u->query, *end;
	size_t i, n = 0, max = 1;
	int rc = -1;

	buf_init(&store, BUF_MAX_SMALL);
	buf_init(&scratch, BUF_MAX_SMALL);
	if (u->query_len == 0) {
		rc = 0;
		goto out;
	}
	end = q + u->query_len; /* only now: q is NULL when the URL has no query */
	for (i = 0; i < u->query_len; i++)
		max += q[i] == '&';
	params = calloc(max, sizeof(*params));
	if (params == NULL) {
		err_set(e, SIGN_ERR, "sign: out of memory");
		goto out;
	}

	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *piece_end = amp ? amp : end;

		if (piece_end > q &&
		    param_add(q, (size_t)(piece_end - q), &store, &scratch, &params[n++]) != 0)
			goto too_long;
		q = amp ? amp + 1 : end;
	}

	qsort(params, n, sizeof(*params), param_cmp);

	for (i = 0; i < n; i++) {
		const char *s = buf_str(&store);

		if ((i > 0 && buf_puts(out, "&") != 0) ||
		    buf_append(out, s + params[i].enc_name, params[i].enc_name_len) != 0 ||
		    buf_puts(out, "=") != 0 ||
		    buf_append(out, s + params[i].enc_value, params[i].enc_value_len) != 0)
			goto too_long;
	}
	rc = 0;
	goto out;
too_long:
	err_set(e, SIGN_ERR, "sign: query string is too long");
out:
	free(params);
	buf_release(&store);
	buf_release(&scratch);
	return rc;
}

static int hdr_cmp(const void *pa, const void *pb)
{
	const struct sign_hdr *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

/* RFC 9110 token characters. */
static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Fills h from one caller header: lower-case owned name, trimmed borrowed value. */
static int hdr_make(const struct sign_header *in, struct sign_hdr *h, struct err *e)
{
	const char *v, *v_end;
	size_t i, n;

	h->name = NULL;
	if (in->name == NULL || in->name[0] == '\0' || in->value == NULL) {
		err_set(e, SIGN_ERR, "sign: header with a NULL or empty name or a NULL value");
		return -1;
	}
	n = strlen(in->name);
	for (i = 0; i < n; i++) {
		if (!is_tchar((unsigned char)in->name[i])) {
			err_set(e, SIGN_ERR, "sign: header name has an invalid character");
			return -1;
		}
	}
	if (strpbrk(in->value, "\r\n") != NULL) {
		err_set(e, SIGN_ERR, "sign: header %s: value contains CR or LF", in->name);
		return -1;
	}
	v = in->value;
	v_end = v + strlen(v);
	while (v < v_end && (*v == ' ' || *v == '\t'))
		v++;
	while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
		v_end--;
	h->name = malloc(n + 1);
	if (h->name == NULL) {
		err_set(e, SIGN_ERR, "sign: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		char c = in->name[i];

		h->name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	h->name[n] = '\0';
	h->value = v;
	h->value_len = (size_t)(v_end - v);
	return 0;
}

/* True when s is "YYYYMMDDTHHMMSSZ". */
static int is_sdk_date(const char *s, size_t n)
{
	size_t i;

	if (n != SIGN_DATE_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		int ok = i == 8 ? s[i] == 'T' : i == 15 ? s[i] == 'Z' : (s[i] >= '0' && s[i] <= '9');

		if (!ok)
			return 0;
	}
	return 1;
}

/* Formats now as YYYYMMDDTHHMMSSZ into date[17]. */
static int format_date(long long now, char *date, struct err *e)
{
	struct tm tm;
	time_t t;

	if (now < 0 || now > SIGN_NOW_MAX)
		return err_set(e, SIGN_ERR, "sign: time %lld is out of range", now);
	t = (time_t)now;
	if ((long long)t != now || gmtime_r(&t, &tm) == NULL)
		return err_set(e, SIGN_ERR, "sign: time %lld cannot be converted", now);
	if (strftime(date, SIGN_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != SIGN_DATE_LEN)
		return err_set(e, SIGN_ERR, "sign: time %lld cannot be formatted", now);
	return 0;
}

/*
 * Builds the sorted list of signed headers: the caller's, minus names with
 * '_', plus x-sdk-date when not given. Sets out->sdk_date and *payload
 * (borrowed from the headers, or NULL to hash the body).
 */
static int collect_headers(const struct sign_input *in, struct sign_output *out,
			   struct sign_hdr **list, size_t *count, const char **payload,
			   size_t *payload_len, struct err *e)
{
	struct sign_hdr *h;
	size_t i, n = 0;
	int have_date = 0;

	*list = NULL;
	*count = 0;
	*payload = NULL;
	*payload_len = 0;
	if (in->nheaders > 0 && in->headers == NULL)
		return err_set(e, SIGN_ERR, "sign: headers is NULL but nheaders is %zu", in->nheaders);
	if (in->nheaders > (size_t)-1 / sizeof(*h) - 1)
		return err_set(e, SIGN_ERR, "sign: too many headers");
	h = calloc(in->nheaders + 1, sizeof(*h));
	if (h == NULL)
		return err_set(e, SIGN_ERR, "sign: out of memory");
	*list = h;

	/* *count always covers every slot whose name is allocated, for free_headers(). */
	for (i = 0; i < in->nheaders; i++) {
		struct sign_hdr *cur = &h[n];

		if (hdr_make(&in->headers[i], cur, e) != 0)
			return -1;
		*count = n + 1;
		if (strchr(cur->name, '_') != NULL) {
			free(cur->name);
			cur->name = NULL;
			*count = n;
			continue;
		}
		if (strcmp(cur->name, "x-sdk-date") == 0) {
			if (!is_sdk_date(cur->value, cur->value_len))
				return err_set(e, SIGN_ERR,
					       "sign: X-Sdk-Date must look like YYYYMMDDTHHMMSSZ");
			memcpy(out->sdk_date, cur->value, SIGN_DATE_LEN);
			out->sdk_date[SIGN_DATE_LEN] = '\0';
			have_date = 1;
		} else if (strcmp(cur->name, "x-sdk-content-sha256") == 0) {
			if (cur->value_len == 0)
				return err_set(e, SIGN_ERR, "sign: X-Sdk-Content-Sha256 is empty");
			*payload = cur->value;
			*payload_len = cur->value_len;
		}
		n++;
	}
	if (!have_date) {
		if (format_date(in->now, out->sdk_date, e) != 0)
			return -1;
		h[n].name = malloc(sizeof("x-sdk-date"));
		if (h[n].name == NULL)
			return err_set(e, SIGN_ERR, "sign: out of memory");
		memcpy(h[n].name, "x-sdk-date", sizeof("x-sdk-date"));
		h[n].value = out->sdk_date;
		h[n].value_len = SIGN_DATE_LEN;
		*count = ++n;
	}

	qsort(h, n, sizeof(*h), hdr_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(h[i - 1].name, h[i].name) == 0)
			return err_set(e, SIGN_ERR, "sign: header %s given twice", h[i].name);
	}
	return 0;
}

static void free_headers(struct sign_hdr *list, size_t count)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < count; i++)
		free(list[i].name);
	free(list);
}

/* Appends the lower-case hex SHA-256 of p[0..n) to out. */
static int sha256_hex(const void *p, size_t n, struct buf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int md_len = 0;

	if (EVP_Digest(p, n, md, &md_len, EVP_sha256(), NULL) != 1)
		return -1;
	hex_encode(md, md_len, hex);
	return buf_append(out, hex, 2 * (size_t)md_len);
}

static int check_method(const char *m)
{
	const char *p;

	if (m == NULL || m[0] == '\0')
		return -1;
	for (p = m; *p != '\0'; p++) {
		if (*p < 'A' || *p > 'Z')
			return -1;
	}
	return 0;
}

static int check_ak(const char *ak)
{
	const char *p;

	if (ak == NULL || ak[0] == '\0')
		return -1;
	for (p = ak; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == ',')
			return -1;
	}
	return 0;
}

static int check_input(const struct sign_input *in, struct err *e)
{
	if (in == NULL)
		return err_set(e, SIGN_ERR, "sign: no input");
	if (check_method(in->method) != 0)
		return err_set(e, SIGN_ERR, "sign: method must be a non-empty upper-case word");
	if (in->url == NULL || in->url[0] == '\0')
		return err_set(e, SIGN_ERR, "sign: empty URL");
	if (check_ak(in->ak) != 0)
		return err_set(e, SIGN_ERR,
			       "sign: access key is empty or has spaces, commas or control characters");
	if (in->sk == NULL || in->sk[0] == '\0')
		return err_set(e, SIGN_ERR, "sign: secret key is empty");
	if (strlen(in->sk) > INT_MAX)
		return err_set(e, SIGN_ERR, "sign: secret key is too long");
	if (in->body == NULL && in->body_len > 0)
		return err_set(e, SIGN_ERR, "sign: body is NULL but body_len is %zu", in->body_len);
	return 0;
}

/*
 * Canonical request (spec 5.2 item 2): method, URI, query, header lines,
 * signed header names and payload hash, joined by '\n'. Appends the signed
 * header names to signed_names as well.
 */
static int build_canonical(const struct sign_input *in, const struct sign_url *u,
			   const struct sign_hdr *h, size_t nh, const char *payload,
			   size_t payload_len, struct sign_output *out,
			   struct buf *signed_names, struct err *e)
{
	struct buf *cr = &out->canonical_request, *wire = &out->path_and_query;
	struct buf query;
	size_t i;
	int rc = -1;

	buf_init(&query, BUF_MAX_SMALL);
	if (buf_puts(cr, in->method) != 0 || buf_puts(cr, "\n") != 0 ||
	    canonical_uri(u, cr, wire) != 0 || buf_puts(cr, "\n") != 0)
		goto too_long;
	if (canonical_query(u, &query, e) != 0)
		goto out;
	if (buf_append(cr, buf_str(&query), query.len) != 0 || buf_puts(cr, "\n") != 0)
		goto too_long;
	if (query.len > 0 && (buf_puts(wire, "?") != 0 ||
			      buf_append(wire, buf_str(&query), query.len) != 0))
		goto too_long;

	for (i = 0; i < nh; i++) {
		if (buf_puts(cr, h[i].name) != 0 || buf_puts(cr, ":") != 0 ||
		    buf_append(cr, h[i].value, h[i].value_len) != 0 ||
		    buf_puts(cr, "\n") != 0)
			goto too_long;
		if ((i > 0 && buf_puts(signed_names, ";") != 0) ||
		    buf_puts(signed_names, h[i].name) != 0)
			goto too_long;
	}
	if (buf_puts(cr, "\n") != 0 ||
	    buf_append(cr, buf_str(signed_names), signed_names->len) != 0 ||
	    buf_puts(cr, "\n") != 0)
		goto too_long;

	if (payload != NULL) {
		if (buf_append(cr, payload, payload_len) != 0)
			goto too_long;
	} else if (sha256_hex(in->body != NULL ? in->body : "", in->body_len, cr) != 0) {
		goto too_long;
	}
	rc = 0;
	goto out;
too_long:
	err_set(e, SIGN_ERR, "sign: canonical request is too long or hashing failed");
out:
	buf_release(&query);
	return rc;
}

/* String to sign, HMAC with the SK, and the Authorization value. */
static int build_authorization(const struct sign_input *in, const struct buf *signed_names,
			       struct sign_output *out, struct err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char sig[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int md_len = 0;
	struct buf sts;
	int rc = -1;

	buf_init(&sts, BUF_MAX_SMALL);
	if (buf_puts(&sts, SIGN_ALGORITHM "\n") != 0 || buf_puts(&sts, out->sdk_date) != 0 ||
	    buf_puts(&sts, "\n") != 0 ||
	    sha256_hex(buf_str(&out->canonical_request), out->canonical_request.len, &sts) != 0) {
		err_set(e, SIGN_ERR, "sign: cannot build the string to sign");
		goto out;
	}
	/* The SK goes straight in as the key; HMAC() wipes its own key schedule. */
	if (HMAC(EVP_sha256(), in->sk, (int)strlen(in->sk), (const unsigned char *)buf_str(&sts),
		 sts.len, md, &md_len) == NULL) {
		err_set(e, SIGN_ERR, "sign: HMAC-SHA256 failed");
		goto out;
	}
	hex_encode(md, md_len, sig);
	if (buf_printf(&out->authorization, SIGN_ALGORITHM " Access=%s, SignedHeaders=%s, Signature=%s",
		       in->ak, buf_str(signed_names), sig) != 0) {
		err_set(e, SIGN_ERR, "sign: Authorization header is too long");
		goto out;
	}
	rc = 0;
out:
	buf_release(&sts);
	return rc;
}

void sign_output_init(struct sign_output *o)
{
	o->sdk_date[0] = '\0';
	buf_init(&o->authorization, BUF_MAX_SMALL);
	buf_init(&o->path_and_query, BUF_MAX_SMALL);
	buf_init(&o->canonical_request, BUF_MAX_SMALL);
}

void sign_output_release(struct sign_output *o)
{
	if (o == NULL)
		return;
	o->sdk_date[0] = '\0';
	buf_release(&o->authorization);
	buf_release(&o->path_and_query);
	buf_release(&o->canonical_request);
}

int sign_request(const struct sign_input *in, struct sign_output *out, struct err *e)
{
	struct sign_hdr *hdrs = NULL;
	size_t nhdrs = 0, payload_len = 0;
	const char *payload = NULL;
	struct buf signed_names;
	struct sign_url u;
	int rc = -1;

	buf_init(&signed_names, BUF_MAX_SMALL);
	out->sdk_date[0] = '\0';
	buf_clear(&out->authorization);
	buf_clear(&out->path_and_query);
	buf_clear(&out->canonical_request);

	if (check_input(in, e) != 0 || url_split(in->url, &u, e) != 0)
		goto out;
	if (collect_headers(in, out, &hdrs, &nhdrs, &payload, &payload_len, e) != 0)
		goto out;
	if (build_canonical(in, &u, hdrs, nhdrs, payload, payload_len, out, &signed_names, e) != 0)
		goto out;
	if (build_authorization(in, &signed_names, out, e) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		out->sdk_date[0] = '\0';
		buf_clear(&out->authorization);
		buf_clear(&out->path_and_query);
		buf_clear(&out->canonical_request);
	}
	free_headers(hdrs, nhdrs);
	buf_release(&signed_names);
	return rc;
}
