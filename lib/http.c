/* http: see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"

/* Longest wait between two looks at a running transfer's abort_flag. */
#define HTTP_ABORT_POLL_MS 100
/* Longest wait in curl_multi_poll when no transfer has an abort_flag. */
#define HTTP_IDLE_POLL_MS 1000
/* Room for "METHOD URL" in error messages (longer ones are cut). */
#define HTTP_WHAT_MAX 200

enum http_state {
	HTTP_QUEUED,   /* added, not yet handed to the multi handle */
	HTTP_RUNNING,  /* in the multi handle */
	HTTP_FINISHED, /* completed, not yet reported by http_wait */
	HTTP_REPORTED, /* completed and reported */
};

/* One transfer slot; slots and their easy handles are reused batch after batch. */
struct http_xfer {
	CURL *curl;
	struct curl_slist *hdrs; /* the request's header list, built by curl_slist_append */
	struct http_resp *resp;  /* the caller's, filled by the callbacks */
	volatile sig_atomic_t *abort_flag;
	enum http_state state;
	int too_big;
	struct err err; /* the outcome once completed: code "" when a response arrived */
	char what[HTTP_WHAT_MAX];
};

struct http {
	CURLM *multi;              /* owns the connection and DNS caches */
	struct http_xfer **x;      /* slots; x[0..n) belong to the current batch */
	size_t n, cap;
	size_t left;               /* transfers queued or running */
	size_t finished;           /* transfers completed, not yet reported */
	unsigned running, parallel;
	struct buf line;           /* scratch: one "Name: value" header line */
};

static const char *http_ca_file; /* chosen once by http_global_init */
static const char *http_ca_dir;  /* SSL_CERT_DIR, read once by http_global_init; NULL when unset */
static const char *http_ca_desc = "(none: OpenSSL default paths)";

#ifdef EMBED_CA
extern const unsigned char fg_cacert[];
extern const unsigned int fg_cacert_len;
#endif

/* System bundles, most common first (static-build.md, section (a)). */
static const char *const http_ca_paths[] = {
	"/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch */
	"/etc/pki/tls/certs/ca-bundle.crt",                  /* RHEL, EulerOS, CentOS */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, EulerOS 2 */
	"/etc/ssl/ca-bundle.pem",                            /* SUSE */
	"/etc/pki/tls/cacert.pem",
	"/etc/ssl/cert.pem", /* Alpine */
};

static int http_readable(const char *p)
{
	return p != NULL && *p != '\0' && access(p, R_OK) == 0;
}

static void http_choose_ca(void)
{
	const char *dir = getenv("SSL_CERT_DIR");
	size_t i;

	http_ca_dir = dir != NULL && *dir != '\0' ? dir : NULL;
	if (http_readable(getenv("SSL_CERT_FILE")))
		http_ca_file = getenv("SSL_CERT_FILE");
	else if (http_readable(getenv("CURL_CA_BUNDLE")))
		http_ca_file = getenv("CURL_CA_BUNDLE");
	for (i = 0; http_ca_file == NULL && i < sizeof(http_ca_paths) / sizeof(http_ca_paths[0]); i++)
		if (http_readable(http_ca_paths[i]))
			http_ca_file = http_ca_paths[i];
	if (http_ca_file != NULL)
		http_ca_desc = http_ca_file;
#ifdef EMBED_CA
	else
		http_ca_desc = "(embedded Mozilla bundle)";
#endif
}

int http_global_init(struct err *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, HTTP_ERR_OTHER, "curl_global_init failed");
	http_choose_ca();
	return 0;
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

const char *http_ca_source(void)
{
	return http_ca_desc;
}

static size_t http_on_body(char *p, size_t size, size_t n, void *ud)
{
	struct http_xfer *x = ud;

	if (buf_append(&x->resp->body, p, size * n) != 0) {
		x->too_big = 1;
		return 0;
	}
	return size * n;
}

static size_t http_on_header(char *p, size_t size, size_t n, void *ud)
{
	struct http_xfer *x = ud;
	size_t len = size * n;

	/* A new status line (after 1xx or a proxy's CONNECT) starts a new header block. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		buf_clear(&x->resp->headers);
		return len;
	}
	if (buf_append(&x->resp->headers, p, len) != 0) {
		x->too_big = 1;
		return 0;
	}
	return len;
}

static CURLcode http_set_ca(CURL *c)
{
	CURLcode rc = CURLE_OK;

	if (http_ca_dir != NULL)
		rc = curl_easy_setopt(c, CURLOPT_CAPATH, http_ca_dir);
	if (rc == CURLE_OK && http_ca_file != NULL)
		rc = curl_easy_setopt(c, CURLOPT_CAINFO, http_ca_file);
#ifdef EMBED_CA
	else if (rc == CURLE_OK) {
		struct curl_blob blob;

		blob.data = (void *)(uintptr_t)fg_cacert;
		blob.len = fg_cacert_len;
		blob.flags = CURL_BLOB_NOCOPY;
		rc = curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
#endif
	return rc;
}

struct http *http_new(struct err *e)
{
	struct http *h = calloc(1, sizeof(*h));

	if (h == NULL || (h->multi = curl_multi_init()) == NULL) {
		free(h);
		err_set(e, HTTP_ERR_OTHER, "out of memory creating an HTTP handle");
		return NULL;
	}
	buf_init(&h->line, BUF_MAX_SMALL);
	http_set_parallel(h, HTTP_PARALLEL_DEFAULT);
	return h;
}

void http_free(struct http *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->cap; i++) {
		if (h->x[i]->state == HTTP_RUNNING)
			curl_multi_remove_handle(h->multi, h->x[i]->curl);
		curl_easy_cleanup(h->x[i]->curl);
		curl_slist_free_all(h->x[i]->hdrs);
		free(h->x[i]);
	}
	curl_multi_cleanup(h->multi); /* closes the cached connections */
	free(h->x);
	buf_release(&h->line);
	free(h);
}

void http_set_parallel(struct http *h, unsigned n)
{
	h->parallel = n > 0 ? n : 1;
	/* Idle connections kept for reuse: one per transfer that may be in flight. */
	(void)curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->parallel);
}

void http_resp_init(struct http_resp *r, size_t max_body)
{
	r->status = 0;
	buf_init(&r->body, max_body);
	buf_init(&r->headers, BUF_MAX_SMALL);
}

void http_resp_clear(struct http_resp *r)
{
	r->status = 0;
	buf_clear(&r->body);
	buf_clear(&r->headers);
}

void http_resp_release(struct http_resp *r)
{
	if (r == NULL)
		return;
	buf_release(&r->body);
	buf_release(&r->headers);
}

static const char *http_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
		return HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ERR_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return HTTP_ERR_TLS;
	case CURLE_ABORTED_BY_CALLBACK:
		return HTTP_ERR_ABORTED;
	default:
		return HTTP_ERR_OTHER;
	}
}

/*
 * An easy handle for a new slot: one taken from a transfer of this batch
 * already reported (its result lives in its slot, not in the handle), so a
 * long batch holds about as many handles as transfers in flight; else a new
 * one. NULL when memory runs out.
 */
static CURL *http_easy(struct http *h)
{
	CURL *c;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->x[i]->state == HTTP_REPORTED && h->x[i]->curl != NULL) {
			c = h->x[i]->curl;
			h->x[i]->curl = NULL;
			return c;
		}
	return curl_easy_init();
}

/* Returns a free slot for the next transfer of the batch (h->x[h->n]), or NULL. */
static struct http_xfer *http_slot(struct http *h)
{
	struct http_xfer **nx, *x;

	if (h->n < h->cap) {
		x = h->x[h->n];
		if (x->curl == NULL && (x->curl = http_easy(h)) == NULL)
			return NULL;
		return x;
	}
	nx = realloc(h->x, (h->cap + 1) * sizeof(*nx));
	if (nx == NULL)
		return NULL;
	h->x = nx;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->state = HTTP_REPORTED;
	h->x[h->cap++] = x;
	if ((x->curl = http_easy(h)) == NULL)
		return NULL;
	return x;
}

/*
 * Builds x->hdrs: "Expect:" (no 100-continue round trip for larger bodies),
 * then req's headers as "Name: value" lines. -1 when a line exceeds
 * BUF_MAX_SMALL or memory runs out.
 */
static int http_headers(struct http *h, struct http_xfer *x, const struct http_req *req)
{
	struct curl_slist *l;
	size_t i;

	curl_slist_free_all(x->hdrs);
	x->hdrs = curl_slist_append(NULL, "Expect:");
	if (x->hdrs == NULL)
		return -1;
	for (i = 0; i < req->nheaders; i++) {
		buf_clear(&h->line);
		if (buf_puts(&h->line, req->headers[i].name) != 0 || buf_puts(&h->line, ": ") != 0 ||
		    buf_puts(&h->line, req->headers[i].value) != 0)
			return -1;
		if ((l = curl_slist_append(x->hdrs, buf_str(&h->line))) == NULL)
			return -1;
		x->hdrs = l;
	}
	return 0;
}

/* Sets every option of x's easy handle for req, from libcurl's defaults. */
static CURLcode http_setopts(struct http_xfer *x, const struct http_req *req)
{
	CURLcode rc = CURLE_OK;
	CURL *c = x->curl;

	curl_easy_reset(c); /* keeps the handle's TLS session cache */
	rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)x);
	rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_on_body);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)x);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_on_header);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)x);
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "fgboot");
	rc |= http_set_ca(c);
	rc |= curl_easy_setopt(c, CURLOPT_URL, req->url);
	rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->direct)
		rc |= curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (strcmp(req->method, "GET") != 0) {
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		if (strcmp(req->method, "POST") != 0)
			rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	return rc;
}

int http_add(struct http *h, const struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct http_xfer *x;

	if (h->left == 0 && h->finished == 0)
		h->n = 0; /* a new batch: the previous one's slots are free again */
	if ((x = http_slot(h)) == NULL)
		return err_set(e, HTTP_ERR_OTHER, "out of memory queueing a request");
	if (http_headers(h, x, req) != 0)
		return err_set(e, HTTP_ERR_OTHER, "%s %.200s: a header is too large or memory ran out",
			       req->method, req->url);
	if (http_setopts(x, req) != CURLE_OK)
		return err_set(e, HTTP_ERR_OTHER, "%s %.200s: cannot set request options", req->method,
			       req->url);
	http_resp_clear(resp);
	x->resp = resp;
	x->abort_flag = req->abort_flag;
	x->too_big = 0;
	x->state = HTTP_QUEUED;
	err_clear(&x->err);
	(void)snprintf(x->what, sizeof(x->what), "%s %s", req->method, req->url);
	h->left++;
	return (int)h->n++;
}

static int http_aborted(const struct http_xfer *x)
{
	return x->abort_flag != NULL && *x->abort_flag;
}

/* Ends transfer x with rc (CURLE_OK: a response arrived) and records its outcome. */
static void http_finish(struct http *h, struct http_xfer *x, CURLcode rc)
{
	if (x->state == HTTP_RUNNING) {
		/* Mid-transfer (abort, multi error) this closes the connection. */
		curl_multi_remove_handle(h->multi, x->curl);
		h->running--;
	}
	h->left--;
	h->finished++;
	x->state = HTTP_FINISHED;
	if (rc == CURLE_OK)
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->resp->status);
	else if (x->too_big)
		err_set(&x->err, HTTP_ERR_TOOBIG, "%s: response exceeds %zu bytes", x->what,
			x->resp->body.max);
	else if (rc == CURLE_ABORTED_BY_CALLBACK)
		err_set(&x->err, HTTP_ERR_ABORTED, "%s: stopped", x->what);
	else
		err_set(&x->err, http_classify(rc), "%s: %s", x->what, curl_easy_strerror(rc));
	/* The handle must not keep pointers into the caller's memory or the freed list. */
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
}

/*
 * Ends the transfers whose abort_flag is set and hands queued ones to the
 * multi handle, up to h->parallel in flight. Returns 1 when a transfer in
 * flight has an abort_flag to look at (curl_multi_poll must wake up for it).
 */
static int http_start_and_abort(struct http *h)
{
	struct http_xfer *x;
	size_t i;
	int wants_poll = 0;

	for (i = 0; i < h->n; i++) {
		x = h->x[i];
		if (x->state == HTTP_QUEUED || x->state == HTTP_RUNNING) {
			if (http_aborted(x)) {
				http_finish(h, x, CURLE_ABORTED_BY_CALLBACK);
				continue;
			}
			if (x->state == HTTP_QUEUED && h->running < h->parallel) {
				if (curl_multi_add_handle(h->multi, x->curl) != CURLM_OK) {
					http_finish(h, x, CURLE_OUT_OF_MEMORY);
					continue;
				}
				x->state = HTTP_RUNNING;
				h->running++;
			}
			if (x->state == HTTP_RUNNING && x->abort_flag != NULL)
				wants_poll = 1;
		}
	}
	return wants_poll;
}

/* Records the transfers libcurl reports as done. */
static void http_collect(struct http *h)
{
	struct http_xfer *x;
	CURLMsg *msg;
	char *priv;
	int queued;

	while ((msg = curl_multi_info_read(h->multi, &queued)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct http_xfer *)(void *)priv;
		if (x != NULL && x->state == HTTP_RUNNING)
			http_finish(h, x, msg->data.result);
	}
}

/* Fails every unfinished transfer after the multi interface failed with mc. */
static int http_fail_all(struct http *h, CURLMcode mc, struct err *e)
{
	struct http_xfer *x;
	size_t i;

	for (i = 0; i < h->n; i++) {
		x = h->x[i];
		if (x->state != HTTP_QUEUED && x->state != HTTP_RUNNING)
			continue;
		http_finish(h, x, CURLE_OUT_OF_MEMORY);
		err_set(&x->err, HTTP_ERR_OTHER, "%s: %s", x->what, curl_multi_strerror(mc));
	}
	return err_set(e, HTTP_ERR_OTHER, "curl multi: %s", curl_multi_strerror(mc));
}

int http_wait_until(struct http *h, long long until_ms, int *id, struct err *e)
{
	CURLMcode mc;
	size_t i;
	long long now;
	int still, wants_poll, ms;

	for (;;) {
		if (h->finished > 0) {
			for (i = 0; i + 1 < h->n && h->x[i]->state != HTTP_FINISHED; i++)
				;
			h->x[i]->state = HTTP_REPORTED;
			h->finished--;
			*id = (int)i;
			return 1;
		}
		if (h->left == 0)
			return 0;
		wants_poll = http_start_and_abort(h);
		if (h->finished > 0)
			continue;
		mc = curl_multi_perform(h->multi, &still);
		if (mc == CURLM_OK)
			http_collect(h);
		if (mc == CURLM_OK && h->finished == 0 && h->running > 0) {
			ms = wants_poll ? HTTP_ABORT_POLL_MS : HTTP_IDLE_POLL_MS;
			if (until_ms >= 0) {
				if ((now = backoff_now_ms()) >= until_ms)
					return 2;
				if (until_ms - now < ms)
					ms = (int)(until_ms - now);
			}
			/* Returns early on activity, on curl's own timers and on EINTR. */
			mc = curl_multi_poll(h->multi, NULL, 0, ms, NULL);
		}
		if (mc != CURLM_OK)
			return http_fail_all(h, mc, e);
	}
}

int http_wait(struct http *h, int *id, struct err *e)
{
	return http_wait_until(h, -1, id, e);
}

int http_run(struct http *h, struct err *e)
{
	int id, rc, failed = 0;

	while ((rc = http_wait(h, &id, e)) == 1)
		failed += h->x[id]->err.code[0] != '\0';
	return rc < 0 ? -1 : failed;
}

int http_result(const struct http *h, int id, struct err *e)
{
	const struct http_xfer *x;

	if (id < 0 || (size_t)id >= h->n || h->x[id]->state == HTTP_QUEUED ||
	    h->x[id]->state == HTTP_RUNNING)
		return err_set(e, HTTP_ERR_OTHER, "transfer %d has not completed", id);
	x = h->x[id];
	if (x->err.code[0] == '\0')
		return 0;
	if (e != NULL)
		*e = x->err;
	return -1;
}

int http_do(struct http *h, const struct http_req *req, struct http_resp *resp, struct err *e)
{
	int id;

	if (h->left > 0)
		return err_set(e, HTTP_ERR_OTHER, "%s %.200s: other transfers are in flight",
			       req->method, req->url);
	h->finished = 0; /* a batch of its own */
	if ((id = http_add(h, req, resp, e)) < 0 || http_run(h, e) < 0)
		return -1;
	return http_result(h, id, e);
}

int http_header_find(const char *headers, size_t len, const char *name, const char **val,
		     size_t *vlen)
{
	const char *p = headers, *end = headers + len, *eol, *v;
	size_t n = strlen(name);

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
			v = p + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			while (eol > v && (eol[-1] == '\r' || eol[-1] == ' ' || eol[-1] == '\t'))
				eol--;
			*val = v;
			*vlen = (size_t)(eol - v);
			return 0;
		}
	}
	return -1;
}

int http_resp_header(const struct http_resp *resp, const char *name, const char **val, size_t *len)
{
	return http_header_find(buf_str(&resp->headers), resp->headers.len, name, val, len);
}
