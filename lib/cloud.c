/* cloud: see cloud.h. */
#include "cloud.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "http.h"
#include "log.h"
#include "sign.h"

#define CLOUD_CONNECT_MS 5000L
#define CLOUD_CALL_MAX_MS 30000L /* one attempt never waits longer than this */
#define CLOUD_MAX_ATTEMPTS 5
#define CLOUD_BACKOFF_BASE_MS 200L
#define CLOUD_BACKOFF_CAP_MS 5000L
#define CLOUD_CONTENT_TYPE "application/json;charset=utf-8"

struct cloud {
	struct http *http;
	const struct ctx *ctx;
	const struct cfg *cfg;
	struct http_resp resp;
	struct buf url;
	struct buf wire_url; /* signed requests: origin + path and query as signed */
	struct buf body;     /* the JSON body of the current request */
	struct backoff backoff;
	int calls;
	int retries;
	int budget; /* attempts allowed since cloud_begin; 0: no limit */
	volatile sig_atomic_t *stop;
};

struct cloud *cloud_new(struct err *e)
{
	struct cloud *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		err_set(e, "OutOfMemory", "out of memory");
		return NULL;
	}
	http_resp_init(&c->resp, BUF_MAX_CLOUD);
	buf_init(&c->url, BUF_MAX_SMALL);
	buf_init(&c->wire_url, BUF_MAX_SMALL);
	buf_init(&c->body, BUF_MAX_CLOUD);
	backoff_init(&c->backoff, CLOUD_BACKOFF_BASE_MS, CLOUD_BACKOFF_CAP_MS);
	if ((c->http = http_new(e)) == NULL) {
		cloud_free(c);
		return NULL;
	}
	return c;
}

void cloud_free(struct cloud *c)
{
	if (c == NULL)
		return;
	http_free(c->http);
	http_resp_release(&c->resp);
	buf_release(&c->url);
	buf_release(&c->wire_url);
	buf_release(&c->body);
	free(c);
}

void cloud_begin(struct cloud *c, const struct ctx *ctx, const struct cfg *cfg)
{
	c->ctx = ctx;
	c->cfg = cfg;
	c->calls = 0;
	c->retries = 0;
	c->budget = 0;
}

void cloud_set_budget(struct cloud *c, int calls)
{
	c->budget = calls > 0 ? calls : 0;
}

int cloud_budget_left(const struct cloud *c)
{
	if (c->budget == 0)
		return INT_MAX;
	return c->calls < c->budget ? c->budget - c->calls : 0;
}

int cloud_calls(const struct cloud *c)
{
	return c->calls;
}

int cloud_retries(const struct cloud *c)
{
	return c->retries;
}

/* Time kept in reserve at the deadline to post the answer: 10 %, within [200 ms, 2 s]. */
static long long cloud_margin_ms(const struct cloud *c)
{
	long long m = (long long)c->ctx->timeout_s * 100; /* the invocation's own timeout */

	return m < 200 ? 200 : m > 2000 ? 2000 : m;
}

int cloud_sleep(struct cloud *c, long ms)
{
	return backoff_sleep(ms, c->stop);
}

void cloud_set_stop(struct cloud *c, volatile sig_atomic_t *stop)
{
	c->stop = stop;
}

long long cloud_time_left_ms(const struct cloud *c)
{
	if (c->stop != NULL && *c->stop)
		return -1;
	return ctx_remaining_ms(c->ctx) - cloud_margin_ms(c);
}

static int cloud_build_url(struct cloud *c, enum cfg_service svc, const char *path, struct err *e)
{
	const char *p, *hit, *base;

	buf_clear(&c->url);
	if ((base = cfg_base_url(c->cfg, svc, e)) == NULL)
		return -1;
	if (buf_puts(&c->url, base) != 0)
		return err_set(e, "ConfigError", "URL too long");
	if (c->ctx->project_id == NULL)
		return err_set(e, "ConfigError",
			       "project id unknown: RUNTIME_PROJECT_ID is empty and projectId is not set");
	for (p = path; (hit = strstr(p, "{project}")) != NULL; p = hit + 9)
		if (buf_append(&c->url, p, (size_t)(hit - p)) != 0 ||
		    buf_puts(&c->url, c->ctx->project_id) != 0)
			return err_set(e, "ConfigError", "URL too long");
	if (buf_puts(&c->url, p) != 0)
		return err_set(e, "ConfigError", "URL too long");
	return 0;
}

/*
 * Copies a JSON string member into dst when present, scrubbed of secrets
 * before it is cut to fit (a cloud may echo a token of any length).
 */
static void cloud_copy(char *dst, size_t n, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v) && dst[0] == '\0')
		log_scrub_copy(dst, n, json_string_value(v), json_string_length(v));
}

/*
 * Reads an error answer in any of the three shapes of spec 3.8/4.7/5.5:
 * {"errorCode","errorMessage"} (CCE), {"error_code","error_msg"} (gateway,
 * IAM) and {"error":{"code","message"}} (ECS), plus {"code","message"}.
 */
static void cloud_parse_error(struct err *e, const struct http_resp *resp)
{
	const char *v;
	size_t n;

	cloud_error_from_body(e, resp->status, buf_str(&resp->body), resp->body.len);
	if (http_resp_header(resp, "X-Request-Id", &v, &n) == 0 && n > 0 && n < sizeof(e->request_id))
		log_scrub_copy(e->request_id, sizeof(e->request_id), v, n);
}

void cloud_error_from_body(struct err *e, long status, const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, 0, NULL), *inner;

	snprintf(e->code, sizeof(e->code), "CloudError");
	e->cloud_code[0] = e->msg[0] = '\0';
	if (json_is_object(root)) {
		inner = json_object_get(root, "error");
		cloud_copy(e->cloud_code, sizeof(e->cloud_code), root, "errorCode");
		cloud_copy(e->msg, sizeof(e->msg), root, "errorMessage");
		cloud_copy(e->cloud_code, sizeof(e->cloud_code), root, "error_code");
		cloud_copy(e->msg, sizeof(e->msg), root, "error_msg");
		if (json_is_object(inner)) {
			cloud_copy(e->cloud_code, sizeof(e->cloud_code), inner, "code");
			cloud_copy(e->msg, sizeof(e->msg), inner, "message");
		}
		cloud_copy(e->cloud_code, sizeof(e->cloud_code), root, "code");
		cloud_copy(e->msg, sizeof(e->msg), root, "message");
		cloud_copy(e->request_id, sizeof(e->request_id), root, "request_id");
	}
	json_decref(root);
	e->status = status;
	if (e->cloud_code[0] == '\0')
		snprintf(e->cloud_code, sizeof(e->cloud_code), "HTTP.%ld", status);
	if (e->msg[0] == '\0')
		snprintf(e->msg, sizeof(e->msg), "%s", len ? "unrecognised error body" : "empty error body");
}

/* Retry-After in seconds (the HTTP-date form is treated as absent). */
static long cloud_retry_after_ms(const struct http_resp *resp)
{
	const char *v;
	size_t n, i;
	long s = 0;

	if (http_resp_header(resp, "Retry-After", &v, &n) != 0 || n == 0 || n > 6)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		s = s * 10 + (v[i] - '0');
	}
	return s * 1000;
}

/* The credentials one call uses, chosen in the documented order. Borrowed. */
struct cloud_creds {
	const char *token;
	const char *ak;
	const char *sk;
	const char *security_token;
};

/*
 * 1. the agency token; 2. the temporary agency keys (security keys, else the
 * plain agency keys) with the security token; 3. the configured ak/sk.
 * `auth=token` or `auth=aksk` in the configuration keeps only that way.
 */
static int cloud_creds(const struct cloud *c, struct cloud_creds *cr, struct err *e)
{
	const struct ctx *x = c->ctx;
	enum cfg_auth force = c->cfg->auth;

	memset(cr, 0, sizeof(*cr));
	if (force != CFG_AUTH_AKSK && x->token != NULL) {
		cr->token = x->token;
		return 0;
	}
	if (force != CFG_AUTH_TOKEN) {
		if (x->security_access_key != NULL && x->security_secret_key != NULL) {
			cr->ak = x->security_access_key;
			cr->sk = x->security_secret_key;
		} else if (x->access_key != NULL && x->secret_key != NULL) {
			cr->ak = x->access_key;
			cr->sk = x->secret_key;
		}
		if (cr->ak != NULL) {
			cr->security_token = x->security_token;
			return 0;
		}
		if (c->cfg->ak != NULL && c->cfg->sk != NULL) {
			cr->ak = c->cfg->ak;
			cr->sk = c->cfg->sk;
			return 0;
		}
	}
	return err_set(e, "NoCredentials",
		       "no credentials%s%s: attach an agency to the function (FunctionGraph then passes "
		       "its token and temporary keys), or set ak and sk in the function configuration",
		       force != CFG_AUTH_AUTO ? " for auth=" : "",
		       force == CFG_AUTH_TOKEN ? "token" : force == CFG_AUTH_AKSK ? "aksk" : "");
}

int cloud_ready(struct cloud *c, enum cfg_service svc, struct err *e)
{
	struct cloud_creds cr;

	if (cloud_build_url(c, svc, "/", e) != 0)
		return -1;
	return cloud_creds(c, &cr, e);
}

/* Length of "scheme://host[:port]" at the start of url. */
static size_t cloud_origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	return (size_t)(strcspn(p, "/") + (size_t)(p - url));
}

/*
 * Fills req's headers (and, when signing, its URL) for one attempt. Signed
 * requests get a fresh X-Sdk-Date per attempt.
 */
static int cloud_prepare(struct cloud *c, const struct cloud_creds *cr, struct http_req *req,
			 struct http_header *hdr, struct sign_output *so, struct buf *host, struct err *e)
{
	struct sign_header sh[4];
	struct sign_input in;
	size_t nh = 0, ns = 0;

	hdr[nh++] = (struct http_header){"Content-Type", CLOUD_CONTENT_TYPE};
	hdr[nh++] = (struct http_header){"Accept", "application/json"};
	if (cr->token != NULL) {
		hdr[nh++] = (struct http_header){"X-Auth-Token", cr->token};
		req->url = buf_str(&c->url);
		req->headers = hdr;
		req->nheaders = nh;
		return 0;
	}
	buf_clear(host); /* sign_host() appends: one Host per attempt, not one more */
	if (sign_host(buf_str(&c->url), host, e) != 0)
		return -1;
	sh[ns++] = (struct sign_header){"Host", buf_str(host)};
	sh[ns++] = (struct sign_header){"Content-Type", CLOUD_CONTENT_TYPE};
	sh[ns++] = (struct sign_header){"X-Project-Id", c->ctx->project_id};
	if (cr->security_token != NULL)
		sh[ns++] = (struct sign_header){"X-Security-Token", cr->security_token};
	memset(&in, 0, sizeof(in));
	in.method = req->method;
	in.url = buf_str(&c->url);
	in.headers = sh;
	in.nheaders = ns;
	in.body = req->body;
	in.body_len = req->body_len;
	in.now = (long long)time(NULL);
	in.ak = cr->ak;
	in.sk = cr->sk;
	if (sign_request(&in, so, e) != 0)
		return -1;
	/* Send the path and query exactly as signed. */
	buf_clear(&c->wire_url);
	if (buf_append(&c->wire_url, buf_str(&c->url), cloud_origin_len(buf_str(&c->url))) != 0 ||
	    buf_puts(&c->wire_url, buf_str(&so->path_and_query)) != 0)
		return err_set(e, "ConfigError", "URL too long");
	hdr[nh++] = (struct http_header){"Host", buf_str(host)};
	hdr[nh++] = (struct http_header){"X-Project-Id", c->ctx->project_id};
	hdr[nh++] = (struct http_header){"X-Sdk-Date", so->sdk_date};
	hdr[nh++] = (struct http_header){"Authorization", buf_str(&so->authorization)};
	if (cr->security_token != NULL)
		hdr[nh++] = (struct http_header){"X-Security-Token", cr->security_token};
	req->url = buf_str(&c->wire_url);
	req->headers = hdr;
	req->nheaders = nh;
	return 0;
}

/* json_dump_callback() sink: appends to a buf. */
static int cloud_sink(const char *text, size_t n, void *body)
{
	return buf_append(body, text, n);
}

int cloud_request(struct cloud *c, enum cfg_service svc, const char *method, const char *path,
		  const json_t *body, json_t **out, struct err *e)
{
	struct http_header hdr[10];
	struct http_req req = {0};
	struct cloud_creds cr;
	struct sign_output so;
	struct buf host;
	json_error_t jerr;
	long long left, margin = cloud_margin_ms(c);
	long delay, ra;
	int rc = -1, attempt, transient;

	*out = NULL;
	err_clear(e);
	sign_output_init(&so);
	buf_init(&host, BUF_MAX_SMALL);
	backoff_reset(&c->backoff);
	if (cloud_build_url(c, svc, path, e) != 0 || cloud_creds(c, &cr, e) != 0)
		goto out;
	buf_clear(&c->body);
	if (body != NULL && json_dump_callback(body, cloud_sink, &c->body, JSON_COMPACT) != 0) {
		err_set(e, "OutOfMemory", "out of memory");
		goto out;
	}
	req.method = method;
	req.body = body != NULL ? buf_str(&c->body) : NULL;
	req.body_len = c->body.len;
	req.connect_timeout_ms = CLOUD_CONNECT_MS;

	for (attempt = 0;; attempt++) {
		left = ctx_remaining_ms(c->ctx) - margin;
		if (left <= 0) {
			if (attempt == 0)
				err_set(e, HTTP_ERR_TIMEOUT, "%s %s: no time left before the deadline", method, path);
			goto out;
		}
		/* The ceiling every attempt passes: once spent, nothing more is sent. */
		if (cloud_budget_left(c) == 0) {
			if (attempt == 0)
				err_set(e, CLOUD_ERR_BUDGET,
					"%s %s not sent: this invocation's budget of %d cloud calls is spent",
					method, path, c->budget);
			goto out;
		}
		if (cloud_prepare(c, &cr, &req, hdr, &so, &host, e) != 0)
			goto out;
		req.timeout_ms = left < CLOUD_CALL_MAX_MS ? (long)left : CLOUD_CALL_MAX_MS;
		if (req.connect_timeout_ms > req.timeout_ms)
			req.connect_timeout_ms = req.timeout_ms;
		c->calls++;
		c->retries += attempt > 0;
		e->retries = attempt;
		ra = -1;
		if (http_do(c->http, &req, &c->resp, e) != 0) {
			/* A transport failure: no answer, so no cloud code or status. */
			e->status = 0;
			e->cloud_code[0] = '\0';
			transient = strcmp(e->code, HTTP_ERR_CONNECT) == 0 || strcmp(e->code, HTTP_ERR_TIMEOUT) == 0;
		} else {
			e->status = c->resp.status;
			if (e->status >= 200 && e->status <= 299)
				break;
			cloud_parse_error(e, &c->resp);
			transient = e->status == 429 || e->status >= 500;
			ra = cloud_retry_after_ms(&c->resp);
		}
		if (!transient || attempt + 1 >= CLOUD_MAX_ATTEMPTS)
			goto out;
		delay = backoff_next(&c->backoff);
		if (ra > delay)
			delay = ra;
		if (delay >= cloud_time_left_ms(c))
			goto out; /* the retry would not fit (or SIGTERM came): report this failure */
		if (backoff_sleep(delay, c->stop) != 0)
			goto out;
	}

	/* 2xx: the body is JSON or empty; what an earlier attempt said is no longer an error. */
	e->code[0] = e->msg[0] = e->cloud_code[0] = '\0';
	if (c->resp.body.len > 0 &&
	    (*out = json_loadb(buf_str(&c->resp.body), c->resp.body.len, 0, &jerr)) == NULL) {
		err_set(e, "BadResponse", "HTTP %ld answer is not JSON: %s", e->status, jerr.text);
		goto out;
	}
	rc = 0;
out:
	sign_output_release(&so);
	buf_release(&host);
	return rc;
}
