/* runtime: see runtime.h. */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backoff.h"
#include "wire.h"

#define RUNTIME_CONNECT_MS 3000L
#define RUNTIME_POST_TIMEOUT_MS 30000L

struct runtime {
	struct wire *wire;
	struct buf base; /* "http://host:port/v1/runtime/invocation" */
	struct buf next; /* base + "/request" */
	struct buf url;  /* scratch */
	struct http_resp post_resp;
};

void invocation_init(struct invocation *inv)
{
	inv->request_id[0] = '\0';
	http_resp_init(&inv->resp, BUF_MAX_EVENT);
	inv->received_ms = 0;
}

void invocation_release(struct invocation *inv)
{
	if (inv == NULL)
		return;
	http_resp_release(&inv->resp);
}

void invocation_headers(const struct invocation *inv, const char *const *names, size_t n,
			const char **vals, size_t *lens)
{
	const char *p = buf_str(&inv->resp.headers), *eol, *colon, *v, *end;
	size_t nlen[16], i, k, left = n;

	for (i = 0; i < n; i++) {
		vals[i] = NULL;
		lens[i] = 0;
		if (i < sizeof(nlen) / sizeof(nlen[0]))
			nlen[i] = strlen(names[i]);
	}
	/*
	 * Line by line as http_resp_header() reads them; no name holds a ':', so
	 * "the name, then ':'" is "the text before the line's first ':'". The
	 * first line with a name wins.
	 */
	for (; *p && left > 0; p = eol + (*eol ? 1 : 0)) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		k = colon != NULL ? (size_t)(colon - p) : 0;
		for (i = 0; colon != NULL && i < n; i++) {
			if (vals[i] != NULL || (i < sizeof(nlen) / sizeof(nlen[0]) ? nlen[i] : strlen(names[i])) != k ||
			    strncasecmp(p, names[i], k) != 0)
				continue;
			for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			for (end = eol; end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'); end--)
				;
			vals[i] = v;
			lens[i] = (size_t)(end - v);
			left--;
			break;
		}
		if (*eol == '\0')
			break;
	}
}

struct runtime *runtime_new(const char *addr, struct err *e)
{
	struct runtime *rt = calloc(1, sizeof(*rt));

	if (rt == NULL) {
		err_set(e, "OutOfMemory", "out of memory");
		return NULL;
	}
	buf_init(&rt->base, BUF_MAX_SMALL);
	buf_init(&rt->next, BUF_MAX_SMALL);
	buf_init(&rt->url, BUF_MAX_SMALL);
	http_resp_init(&rt->post_resp, BUF_MAX_SMALL);
	if (strncmp(addr, "http://", 7) == 0)
		addr += 7;
	if (*addr == '\0' || strpbrk(addr, "/?# \t\r\n") != NULL) {
		err_set(e, "ConfigError", "RUNTIME_API_ADDR '%.64s' is not host:port", addr);
		goto fail;
	}
	if (buf_printf(&rt->base, "http://%s/v1/runtime/invocation", addr) != 0 ||
	    buf_printf(&rt->next, "%s/request", buf_str(&rt->base)) != 0) {
		err_set(e, "ConfigError", "RUNTIME_API_ADDR too long");
		goto fail;
	}
	if ((rt->wire = wire_new(addr, e)) == NULL)
		goto fail;
	return rt;
fail:
	runtime_free(rt);
	return NULL;
}

void runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	wire_free(rt->wire);
	buf_release(&rt->base);
	buf_release(&rt->next);
	buf_release(&rt->url);
	http_resp_release(&rt->post_resp);
	free(rt);
}

int runtime_next(struct runtime *rt, struct invocation *inv, volatile sig_atomic_t *stop,
		 struct err *e)
{
	struct http_req req = {0};
	const char *id;
	size_t n;

	req.method = "GET";
	req.url = buf_str(&rt->next);
	req.connect_timeout_ms = RUNTIME_CONNECT_MS;
	req.timeout_ms = 0; /* long poll: the platform answers when an event arrives */
	req.abort_flag = stop;
	inv->request_id[0] = '\0';
	if (wire_do(rt->wire, &req, &inv->resp, e) != 0) {
		/*
		 * An event that was oversized or cut off after its headers arrived
		 * still has a request id: the caller can answer that invocation.
		 */
		if (strcmp(e->code, HTTP_ERR_ABORTED) != 0 &&
		    http_resp_header(&inv->resp, "X-Cff-Request-Id", &id, &n) == 0 && n > 0 &&
		    n < sizeof(inv->request_id) && memchr(id, '/', n) == NULL && memchr(id, '?', n) == NULL) {
			memcpy(inv->request_id, id, n);
			inv->request_id[n] = '\0';
			inv->received_ms = backoff_now_ms();
			if (strcmp(e->code, HTTP_ERR_TOOBIG) == 0)
				err_set(e, HTTP_ERR_TOOBIG, "the event is larger than %u bytes", BUF_MAX_EVENT);
			else
				err_prefix(e, "the event arrived incomplete");
		}
		return -1;
	}
	inv->received_ms = backoff_now_ms();
	if (inv->resp.status != 200)
		return err_set(e, "RuntimeAPI", "GET next invocation: HTTP %ld", inv->resp.status);
	if (http_resp_header(&inv->resp, "X-Cff-Request-Id", &id, &n) != 0 || n == 0)
		return err_set(e, "RuntimeAPI", "GET next invocation: no X-Cff-Request-Id header");
	if (n >= sizeof(inv->request_id) || memchr(id, '/', n) != NULL || memchr(id, '?', n) != NULL)
		return err_set(e, "RuntimeAPI", "GET next invocation: unusable request id");
	memcpy(inv->request_id, id, n);
	inv->request_id[n] = '\0';
	return 0;
}

int runtime_post(struct runtime *rt, const char *request_id, int is_error, const char *body,
		 size_t len, long *status, struct err *e)
{
	static const struct http_header hdr[] = {{"Content-Type", "application/json"}};
	struct http_req req = {0};

	*status = 0;
	buf_clear(&rt->url);
	if (buf_append(&rt->url, rt->base.data, rt->base.len) != 0 ||
	    buf_puts(&rt->url, is_error ? "/error/" : "/response/") != 0 ||
	    buf_puts(&rt->url, request_id) != 0)
		return err_set(e, "OutOfMemory", "out of memory");
	req.method = "POST";
	req.url = buf_str(&rt->url);
	req.headers = hdr;
	req.nheaders = 1;
	req.body = body;
	req.body_len = len;
	req.connect_timeout_ms = RUNTIME_CONNECT_MS;
	req.timeout_ms = RUNTIME_POST_TIMEOUT_MS;
	if (wire_do(rt->wire, &req, &rt->post_resp, e) != 0)
		return -1;
	*status = rt->post_resp.status;
	if (*status < 200 || *status > 299)
		return err_set(e, "RuntimeAPI", "POST %s: HTTP %ld", is_error ? "error" : "response", *status);
	return 0;
}
