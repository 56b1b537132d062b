/* runtime: see runtime.h. */
#include "runtime.h"

#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "backoff.h"

#define RUNTIME_CONNECT_MS 3000L
#define RUNTIME_POST_TIMEOUT_MS 30000L

struct runtime {
	struct http *http;
	struct buf base; /* "http://host:port/v1/runtime/invocation" */
	struct buf next; /* base + "/request" */
	struct buf url;  /* scratch */
	struct http_resp post_resp;
};

void runtime_event_init(struct runtime_event *ev)
{
	ev->request_id[0] = '\0';
	http_resp_init(&ev->resp, BUF_MAX_EVENT);
	ev->received_ms = 0;
}

void runtime_event_release(struct runtime_event *ev)
{
	if (ev == NULL)
		return;
	http_resp_release(&ev->resp);
}

int runtime_event_header(const struct runtime_event *ev, const char *name, const char **val,
			 size_t *len)
{
	return http_resp_header(&ev->resp, name, val, len);
}

/* 1 when addr is "host:port" with a port of 1 to 5 digits. */
static int runtime_hostport(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	size_t n;

	if (colon == NULL || colon == addr)
		return 0;
	n = strlen(colon + 1);
	return n >= 1 && n <= 5 && strspn(colon + 1, "0123456789") == n;
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
	if (*addr == '\0' || strpbrk(addr, "/?# \t\r\n") != NULL || !runtime_hostport(addr)) {
		err_set(e, "ConfigError", "RUNTIME_API_ADDR '%.64s' is not host:port", addr);
		goto fail;
	}
	if (buf_printf(&rt->base, "http://%s/v1/runtime/invocation", addr) != 0 ||
	    buf_printf(&rt->next, "%s/request", buf_str(&rt->base)) != 0) {
		err_set(e, "ConfigError", "RUNTIME_API_ADDR too long");
		goto fail;
	}
	if ((rt->http = http_new(e)) == NULL)
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
	http_free(rt->http);
	buf_release(&rt->base);
	buf_release(&rt->next);
	buf_release(&rt->url);
	http_resp_release(&rt->post_resp);
	free(rt);
}

int runtime_next(struct runtime *rt, struct runtime_event *ev, volatile sig_atomic_t *stop,
		 struct err *e)
{
	struct http_req req = {0};
	const char *id;
	size_t n;

	req.method = "GET";
	req.url = buf_str(&rt->next);
	req.connect_timeout_ms = RUNTIME_CONNECT_MS;
	req.timeout_ms = 0; /* long poll: the platform answers when an event arrives */
	req.direct = 1;
	req.abort_flag = stop;
	ev->request_id[0] = '\0';
	if (http_do(rt->http, &req, &ev->resp, e) != 0) {
		/*
		 * An event that was oversized or cut off after its headers arrived
		 * still has a request id: the caller can answer that invocation.
		 */
		if (strcmp(e->code, HTTP_ERR_ABORTED) != 0 &&
		    runtime_event_header(ev, "X-Cff-Request-Id", &id, &n) == 0 && runtime_id_ok(id, n)) {
			memcpy(ev->request_id, id, n);
			ev->request_id[n] = '\0';
			ev->received_ms = backoff_now_ms();
			if (strcmp(e->code, HTTP_ERR_TOOBIG) == 0)
				err_set(e, HTTP_ERR_TOOBIG, "the event is larger than %u bytes", BUF_MAX_EVENT);
			else
				err_prefix(e, "the event arrived incomplete");
		}
		return -1;
	}
	ev->received_ms = backoff_now_ms();
	if (ev->resp.status != 200)
		return err_set(e, "RuntimeAPI", "GET next invocation: HTTP %ld", ev->resp.status);
	if (runtime_event_header(ev, "X-Cff-Request-Id", &id, &n) != 0 || n == 0)
		return err_set(e, "RuntimeAPI", "GET next invocation: no X-Cff-Request-Id header");
	if (!runtime_id_ok(id, n))
		return err_set(e, "RuntimeAPI", "GET next invocation: unusable request id (not 1 to %d "
			       "characters of [A-Za-z0-9._-])", RUNTIME_ID_MAX - 1);
	memcpy(ev->request_id, id, n);
	ev->request_id[n] = '\0';
	return 0;
}

int runtime_id_ok(const char *id, size_t n)
{
	size_t i;

	if (id == NULL || n == 0 || n >= RUNTIME_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
			return 0;
	return 1;
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
	req.direct = 1;
	if (http_do(rt->http, &req, &rt->post_resp, e) != 0)
		return -1;
	*status = rt->post_resp.status;
	if (*status < 200 || *status > 299)
		return err_set(e, "RuntimeAPI", "POST %s: HTTP %ld", is_error ? "error" : "response", *status);
	return 0;
}
