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

#define CLOUD_HOSTS 4 /* hosts tracked for politeness; more share the last slot */

/* One host's share of the calls in flight: halved by a 429, grown by a success. */
struct cloud_host {
	char origin[128]; /* "scheme://host[:port]"; "" when the slot is free */
	unsigned limit;
	unsigned inflight;
};

/* The credentials one call uses, chosen in the documented order. Borrowed. */
struct cloud_creds {
	const char *token;
	const char *ak;
	const char *sk;
	const char *security_token;
};

/* One call, queued (c->queue) or in flight (c->flight), until its callback ran. */
struct cloud_call {
	struct cloud_call *next;
	const char *method; /* static strings of the caller */
	struct buf url;
	struct buf wire_url; /* signed requests: origin + path and query as signed */
	struct buf body;     /* the JSON body; empty when none (sent and signed as "") */
	struct cloud_creds cr;
	struct cloud_host *host;
	struct backoff backoff;
	int attempt;
	int failed;            /* could not be sent at all: e says why */
	long long not_before;  /* a retry waits until then (monotonic ms) */
	int id;                /* the http transfer while in flight */
	struct http_resp resp;
	struct sign_output so;
	struct buf host_hdr;
	struct http_header hdr[10];
	struct err e; /* the last attempt's outcome */
	cloud_done_fn *done;
	void *ud;
};

struct cloud {
	struct http *http;
	const struct ctx *ctx;
	const struct cfg *cfg;
	struct backoff backoff; /* seeds each call's own */
	struct cloud_call *queue;  /* waiting to be sent, in sending order */
	struct cloud_call *flight; /* in flight */
	struct cloud_call **ins;   /* inside a callback: where its calls are queued */
	unsigned limit, inflight;  /* concurrency, and calls in flight now */
	struct cloud_host hosts[CLOUD_HOSTS];
	int running; /* inside cloud_run */
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
	c->limit = CFG_DEFAULT_CONCURRENCY;
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
	free(c);
}

void cloud_begin(struct cloud *c, const struct ctx *ctx, const struct cfg *cfg)
{
	c->ctx = ctx;
	c->cfg = cfg;
	c->calls = 0;
	c->retries = 0;
	c->budget = 0;
	c->limit = cfg->concurrency >= 1 ? cfg->concurrency : 1;
	memset(c->hosts, 0, sizeof(c->hosts));
	http_set_parallel(c->http, c->limit);
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

static int cloud_build_url(struct cloud *c, struct buf *url, enum cfg_service svc, const char *path,
			   struct err *e)
{
	const char *p, *hit, *base;

	buf_clear(url);
	if ((base = cfg_base_url(c->cfg, svc, e)) == NULL)
		return -1;
	if (buf_puts(url, base) != 0)
		return err_set(e, "ConfigError", "URL too long");
	if (c->ctx->project_id == NULL)
		return err_set(e, "ConfigError",
			       "project id unknown: RUNTIME_PROJECT_ID is empty and projectId is not set");
	for (p = path; (hit = strstr(p, "{project}")) != NULL; p = hit + 9)
		if (buf_append(url, p, (size_t)(hit - p)) != 0 || buf_puts(url, c->ctx->project_id) != 0)
			return err_set(e, "ConfigError", "URL too long");
	if (buf_puts(url, p) != 0)
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
	struct buf url;
	int rc;

	buf_init(&url, BUF_MAX_SMALL);
	rc = cloud_build_url(c, &url, svc, "/", e) != 0 ? -1 : cloud_creds(c, &cr, e);
	buf_release(&url);
	return rc;
}

/* Length of "scheme://host[:port]" at the start of url. */
static size_t cloud_origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	return (size_t)(strcspn(p, "/") + (size_t)(p - url));
}


/*
 * Fills req's headers (and, when signing, its URL) for one attempt of k.
 * Signed requests get a fresh X-Sdk-Date per attempt.
 */
static int cloud_prepare(const struct cloud *c, struct cloud_call *k, struct http_req *req, struct err *e)
{
	const struct cloud_creds *cr = &k->cr;
	struct http_header *hdr = k->hdr;
	struct sign_header sh[4];
	struct sign_input in;
	size_t nh = 0, ns = 0;

	hdr[nh++] = (struct http_header){"Content-Type", CLOUD_CONTENT_TYPE};
	hdr[nh++] = (struct http_header){"Accept", "application/json"};
	if (cr->token != NULL) {
		hdr[nh++] = (struct http_header){"X-Auth-Token", cr->token};
		req->url = buf_str(&k->url);
		req->headers = hdr;
		req->nheaders = nh;
		return 0;
	}
	buf_clear(&k->host_hdr); /* sign_host() appends: one Host per attempt, not one more */
	if (sign_host(buf_str(&k->url), &k->host_hdr, e) != 0)
		return -1;
	sh[ns++] = (struct sign_header){"Host", buf_str(&k->host_hdr)};
	sh[ns++] = (struct sign_header){"Content-Type", CLOUD_CONTENT_TYPE};
	sh[ns++] = (struct sign_header){"X-Project-Id", c->ctx->project_id};
	if (cr->security_token != NULL)
		sh[ns++] = (struct sign_header){"X-Security-Token", cr->security_token};
	memset(&in, 0, sizeof(in));
	in.method = req->method;
	in.url = buf_str(&k->url);
	in.headers = sh;
	in.nheaders = ns;
	in.body = req->body;
	in.body_len = req->body_len;
	in.now = (long long)time(NULL);
	in.ak = cr->ak;
	in.sk = cr->sk;
	if (sign_request(&in, &k->so, e) != 0)
		return -1;
	/* Send the path and query exactly as signed. */
	buf_clear(&k->wire_url);
	if (buf_append(&k->wire_url, buf_str(&k->url), cloud_origin_len(buf_str(&k->url))) != 0 ||
	    buf_puts(&k->wire_url, buf_str(&k->so.path_and_query)) != 0)
		return err_set(e, "ConfigError", "URL too long");
	hdr[nh++] = (struct http_header){"Host", buf_str(&k->host_hdr)};
	hdr[nh++] = (struct http_header){"X-Project-Id", c->ctx->project_id};
	hdr[nh++] = (struct http_header){"X-Sdk-Date", k->so.sdk_date};
	hdr[nh++] = (struct http_header){"Authorization", buf_str(&k->so.authorization)};
	if (cr->security_token != NULL)
		hdr[nh++] = (struct http_header){"X-Security-Token", cr->security_token};
	req->url = buf_str(&k->wire_url);
	req->headers = hdr;
	req->nheaders = nh;
	return 0;
}

/* json_dump_callback() sink: appends to a buf. */
static int cloud_sink(const char *text, size_t n, void *body)
{
	return buf_append(body, text, n);
}

/* The politeness slot of url's host. */
static struct cloud_host *cloud_host_of(struct cloud *c, const char *url)
{
	size_t n = cloud_origin_len(url), i;
	struct cloud_host *h;

	for (i = 0; i < CLOUD_HOSTS; i++) {
		h = &c->hosts[i];
		if (h->origin[0] == '\0') {
			if (n >= sizeof(h->origin))
				break;
			memcpy(h->origin, url, n);
			h->origin[n] = '\0';
			h->limit = c->limit;
			return h;
		}
		if (strlen(h->origin) == n && strncmp(h->origin, url, n) == 0)
			return h;
	}
	h = &c->hosts[CLOUD_HOSTS - 1];
	if (h->limit == 0)
		h->limit = c->limit;
	return h;
}

static void cloud_call_free(struct cloud_call *k)
{
	buf_release(&k->url);
	buf_release(&k->wire_url);
	buf_release(&k->body);
	buf_release(&k->host_hdr);
	http_resp_release(&k->resp);
	sign_output_release(&k->so);
	free(k);
}

/* Queues k: inside a callback, before what was waiting (in the order added); else last. */
static void cloud_enqueue(struct cloud *c, struct cloud_call *k)
{
	struct cloud_call **pp;

	if (c->ins != NULL) {
		k->next = *c->ins;
		*c->ins = k;
		c->ins = &k->next;
		return;
	}
	for (pp = &c->queue; *pp != NULL; pp = &(*pp)->next)
		;
	k->next = NULL;
	*pp = k;
}

void cloud_add(struct cloud *c, enum cfg_service svc, const char *method, const char *path,
	       const json_t *body, cloud_done_fn *done, void *ud)
{
	struct cloud_call *k = calloc(1, sizeof(*k));
	struct err oom;

	if (k == NULL) {
		err_clear(&oom);
		err_set(&oom, "OutOfMemory", "out of memory queueing %s %s", method, path);
		done(c, ud, -1, NULL, &oom);
		return;
	}
	k->method = method;
	k->done = done;
	k->ud = ud;
	k->id = -1;
	buf_init(&k->url, BUF_MAX_SMALL);
	buf_init(&k->wire_url, BUF_MAX_SMALL);
	buf_init(&k->body, BUF_MAX_CLOUD);
	buf_init(&k->host_hdr, BUF_MAX_SMALL);
	http_resp_init(&k->resp, BUF_MAX_CLOUD);
	sign_output_init(&k->so);
	/* Each call draws its own jitter, so retries of a set do not line up. */
	k->backoff = c->backoff;
	k->backoff.rng ^= (unsigned long long)backoff_next(&c->backoff) * 0x9e3779b97f4a7c15ULL;
	backoff_reset(&k->backoff);
	if (cloud_build_url(c, &k->url, svc, path, &k->e) != 0 || cloud_creds(c, &k->cr, &k->e) != 0)
		k->failed = 1;
	else if (body != NULL && json_dump_callback(body, cloud_sink, &k->body, JSON_COMPACT) != 0)
		k->failed = err_set(&k->e, "OutOfMemory", "out of memory");
	if (!k->failed)
		k->host = cloud_host_of(c, buf_str(&k->url));
	cloud_enqueue(c, k);
}

/*
 * Where the calls a callback queues go: after the first 2 × limit - 2
 * waiting ones. A target's next step thus follows within about two rounds
 * (at once when one call is in flight: today's one-target-at-a-time sequence),
 * while the rounds stay full: 40 reads and their 40 operations take
 * ceil(80 / limit) rounds, not one more.
 */
static struct cloud_call **cloud_follow_up_slot(struct cloud *c)
{
	struct cloud_call **pp = &c->queue;
	unsigned skip = 2 * c->limit - 2;

	while (skip-- > 0 && *pp != NULL)
		pp = &(*pp)->next;
	return pp;
}

/* Ends k: its callback runs (its calls queued first), then k is freed. */
static void cloud_finish(struct cloud *c, struct cloud_call *k)
{
	struct cloud_call **saved = c->ins;
	json_error_t jerr;
	json_t *answer = NULL;
	int rc = -1;

	if (k->e.code[0] == '\0') {
		if (k->resp.body.len == 0 ||
		    (answer = json_loadb(buf_str(&k->resp.body), k->resp.body.len, 0, &jerr)) != NULL)
			rc = 0;
		else
			err_set(&k->e, "BadResponse", "HTTP %ld answer is not JSON: %s", k->e.status, jerr.text);
	}
	c->ins = cloud_follow_up_slot(c);
	k->done(c, k->ud, rc, answer, &k->e);
	c->ins = saved;
	json_decref(answer);
	cloud_call_free(k);
}

/*
 * Hands k to lib/http. Returns -1 with k->e set when it cannot be sent: no
 * time left (or SIGTERM) before its first attempt, or a retry's last failure
 * kept as the outcome.
 */
static int cloud_send(struct cloud *c, struct cloud_call *k)
{
	struct http_req req = {0};
	long long left;
	struct err e;

	/* SIGTERM stops retries (their wait ends), not first attempts: a cluster's operation still goes. */
	left = k->attempt > 0 ? cloud_time_left_ms(c) : ctx_remaining_ms(c->ctx) - cloud_margin_ms(c);

	if (k->failed)
		return -1;
	if (left <= 0) {
		if (k->attempt == 0)
			err_set(&k->e, HTTP_ERR_TIMEOUT, "%s %s: not sent, no time left before the deadline",
				k->method, buf_str(&k->url) + cloud_origin_len(buf_str(&k->url)));
		return -1;
	}
	/* The ceiling every attempt passes: once spent, nothing more is sent. */
	if (cloud_budget_left(c) == 0) {
		if (k->attempt == 0)
			err_set(&k->e, CLOUD_ERR_BUDGET,
				"%s %s not sent: this invocation's budget of %d cloud calls is spent", k->method,
				buf_str(&k->url) + cloud_origin_len(buf_str(&k->url)), c->budget);
		return -1;
	}
	err_clear(&e);
	req.method = k->method;
	req.body = buf_str(&k->body);
	req.body_len = k->body.len;
	req.connect_timeout_ms = CLOUD_CONNECT_MS;
	req.timeout_ms = left < CLOUD_CALL_MAX_MS ? (long)left : CLOUD_CALL_MAX_MS;
	if (req.connect_timeout_ms > req.timeout_ms)
		req.connect_timeout_ms = req.timeout_ms;
	if (cloud_prepare(c, k, &req, &e) != 0 || (k->id = http_add(c->http, &req, &k->resp, &e)) < 0) {
		e.retries = k->attempt;
		k->e = e;
		return -1;
	}
	c->calls++;
	c->retries += k->attempt > 0;
	k->host->inflight++;
	c->inflight++;
	k->next = c->flight;
	c->flight = k;
	return 0;
}

/*
 * Sends what may go now: in queue order, the calls whose retry time has come
 * and whose host has room, while fewer than the limit are in flight. Calls
 * that cannot be sent end here (their callbacks may queue more).
 */
static void cloud_start(struct cloud *c)
{
	struct cloud_call **pp = &c->queue, *k;
	long long now = backoff_now_ms();

	while (*pp != NULL && c->inflight < c->limit) {
		k = *pp;
		if (!k->failed && (k->not_before > now || k->host->inflight >= k->host->limit)) {
			pp = &k->next;
			continue;
		}
		*pp = k->next;
		if (cloud_send(c, k) != 0) {
			cloud_finish(c, k);
			pp = &c->queue; /* the callback may have queued calls at the front */
			now = backoff_now_ms();
		}
	}
}

/* Takes k's answer (or transport failure): ends it or queues its retry. */
static void cloud_complete(struct cloud *c, struct cloud_call *k)
{
	struct cloud_host *h = k->host;
	long delay, ra = -1;
	int transient;

	h->inflight--;
	c->inflight--;
	/* Each attempt's outcome starts clear: what an earlier attempt said is not this one's. */
	err_clear(&k->e);
	transient = http_result(c->http, k->id, &k->e) != 0;
	k->e.retries = k->attempt;
	if (transient) {
		/* A transport failure: no answer, so no cloud code or status. */
		transient = strcmp(k->e.code, HTTP_ERR_CONNECT) == 0 || strcmp(k->e.code, HTTP_ERR_TIMEOUT) == 0;
	} else {
		k->e.status = k->resp.status;
		if (k->e.status >= 200 && k->e.status <= 299) {
			if (h->limit < c->limit)
				h->limit++;
			cloud_finish(c, k);
			return;
		}
		cloud_parse_error(&k->e, &k->resp);
		transient = k->e.status == 429 || k->e.status >= 500;
		ra = cloud_retry_after_ms(&k->resp);
		if (k->e.status == 429 || (k->e.status == 503 && ra >= 0))
			h->limit = h->limit > 1 ? h->limit / 2 : 1;
	}
	if (!transient || k->attempt + 1 >= CLOUD_MAX_ATTEMPTS) {
		cloud_finish(c, k);
		return;
	}
	delay = backoff_next(&k->backoff);
	if (ra > delay)
		delay = ra;
	if (delay >= cloud_time_left_ms(c)) {
		cloud_finish(c, k); /* the retry would not fit (or SIGTERM came): report this failure */
		return;
	}
	k->attempt++;
	k->not_before = backoff_now_ms() + delay;
	k->next = c->queue; /* a retry goes before calls not yet tried */
	c->queue = k;
}

/*
 * The earliest future time a queued call waits for (a retry's backoff); -1
 * when none waits for time. Calls waiting for room are not counted: a
 * finished transfer wakes the loop for them, so it never spins.
 */
static long long cloud_next_due(const struct cloud *c)
{
	const struct cloud_call *k;
	long long due = -1, now = backoff_now_ms();

	for (k = c->queue; k != NULL; k = k->next)
		if (k->not_before > now && (due < 0 || k->not_before < due))
			due = k->not_before;
	return due;
}

void cloud_run(struct cloud *c)
{
	struct cloud_call **pp, *k;
	long long due, now;
	struct err e;
	int id, rc;

	c->running = 1;
	for (;;) {
		cloud_start(c);
		if (c->queue == NULL && c->flight == NULL)
			break;
		due = cloud_next_due(c);
		if (c->flight == NULL) {
			/* Only retries waiting for their time: sleep (SIGTERM wakes, and ends them). */
			now = backoff_now_ms();
			if (due > now)
				(void)backoff_sleep((long)(due - now), c->stop);
			continue;
		}
		err_clear(&e);
		rc = http_wait_until(c->http, due, &id, &e);
		if (rc != 1)
			continue; /* time for a retry; or libcurl failed and every transfer is now done */
		for (pp = &c->flight; *pp != NULL && (*pp)->id != id; pp = &(*pp)->next)
			;
		if ((k = *pp) == NULL)
			continue;
		*pp = k->next;
		cloud_complete(c, k);
	}
	c->running = 0;
}

/* cloud_request()'s callback: keeps the outcome. */
struct cloud_sync {
	int rc;
	json_t *out;
	struct err *e;
};

static void cloud_sync_done(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct cloud_sync *s = ud;

	(void)c;
	s->rc = rc;
	*s->e = *e;
	s->out = json_incref(answer);
}

int cloud_request(struct cloud *c, enum cfg_service svc, const char *method, const char *path,
		  const json_t *body, json_t **out, struct err *e)
{
	struct cloud_sync s;

	*out = NULL;
	err_clear(e);
	s.rc = -1;
	s.out = NULL;
	s.e = e;
	if (c->running || c->queue != NULL)
		return err_set(e, "InternalError", "%s %s: a synchronous call while calls are queued", method,
			       path);
	cloud_add(c, svc, method, path, body, cloud_sync_done, &s);
	cloud_run(c);
	*out = s.out;
	return s.rc;
}
