/* http: see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Longest wait between two looks at a request's abort_flag. */
#define HTTP_ABORT_POLL_MS 100

/* Parsed URLs kept for reuse: a handler calls the same few again and again. */
#define HTTP_URLS 4

struct http_url {
	char *text; /* the URL as given; NULL: slot unused */
	size_t len; /* of text */
	CURLU *u;   /* text, parsed */
};

struct http {
	CURL *curl;
	CURLM *multi; /* drives curl; owns the connection and DNS caches */
	struct http_url urls[HTTP_URLS];
	unsigned next_url; /* the slot to refill next */
	struct curl_slist *hdr; /* the request's header list: hdr_cap nodes ... */
	size_t hdr_cap;
	char *text; /* ... whose strings live in text_cap bytes here */
	size_t text_cap;
	struct http_resp *resp; /* the response being filled by the callbacks */
	volatile sig_atomic_t *abort_flag; /* of the request in progress */
	int too_big;
};

/* First in every header list: no 100-continue round trip for bodies over 1 KiB. */
static char http_no_expect[] = "Expect:";

static const char *http_ca_file; /* chosen once by http_global_init */
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
	size_t i;

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

/*
 * 1 when no variable libcurl reads a proxy from is set: libcurl then finds no
 * proxy on any transfer, and saying so (CURLOPT_PROXY "") spares it five
 * getenv() scans of the environment per transfer. With any of them set,
 * libcurl applies its own rules on every transfer, as before.
 */
static int http_proxy_env_unset;

static void http_check_proxy_env(void)
{
	static const char *const vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
					   "all_proxy",   "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
	size_t i;

	http_proxy_env_unset = 1;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (getenv(vars[i]) != NULL)
			http_proxy_env_unset = 0;
}

int http_global_init(struct err *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, HTTP_ERR_OTHER, "curl_global_init failed");
	http_choose_ca();
	http_check_proxy_env();
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
	struct http *h = ud;

	if (buf_append(&h->resp->body, p, size * n) != 0) {
		h->too_big = 1;
		return 0;
	}
	return size * n;
}

static size_t http_on_header(char *p, size_t size, size_t n, void *ud)
{
	struct http *h = ud;
	size_t len = size * n;

	/* A new status line (after 1xx or a redirect) starts a new header block. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		buf_clear(&h->resp->headers);
		return len;
	}
	if (buf_append(&h->resp->headers, p, len) != 0) {
		h->too_big = 1;
		return 0;
	}
	return len;
}

static int http_set_ca(CURL *c)
{
	const char *dir = getenv("SSL_CERT_DIR");

	if (dir != NULL && *dir != '\0' && curl_easy_setopt(c, CURLOPT_CAPATH, dir) != CURLE_OK)
		return -1;
	if (http_ca_file != NULL)
		return curl_easy_setopt(c, CURLOPT_CAINFO, http_ca_file) == CURLE_OK ? 0 : -1;
#ifdef EMBED_CA
	{
		struct curl_blob blob;

		blob.data = (void *)(uintptr_t)fg_cacert;
		blob.len = fg_cacert_len;
		blob.flags = CURL_BLOB_NOCOPY;
		return curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK ? 0 : -1;
	}
#else
	return 0;
#endif
}

struct http *http_new(struct err *e)
{
	struct http *h = calloc(1, sizeof(*h));
	CURLcode rc = CURLE_OK;

	if (h == NULL || (h->curl = curl_easy_init()) == NULL ||
	    (h->multi = curl_multi_init()) == NULL) {
		http_free(h);
		err_set(e, HTTP_ERR_OTHER, "out of memory creating an HTTP handle");
		return NULL;
	}
	/* Options that never change for the life of the handle. */
	rc |= curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_on_body);
	rc |= curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	rc |= curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, http_on_header);
	rc |= curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h);
	rc |= curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "fgboot");
	if (http_proxy_env_unset) {
		rc |= curl_easy_setopt(h->curl, CURLOPT_PROXY, "");
		rc |= curl_easy_setopt(h->curl, CURLOPT_NOPROXY, "");
	}
	/* Idle connections kept: curl_easy_perform's default (CURLOPT_MAXCONNECTS). */
	if (rc != CURLE_OK || curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 5L) != CURLM_OK ||
	    http_set_ca(h->curl) != 0) {
		http_free(h);
		err_set(e, HTTP_ERR_OTHER, "cannot configure the HTTP handle");
		return NULL;
	}
	return h;
}

void http_free(struct http *h)
{
	size_t i;

	if (h == NULL)
		return;
	curl_multi_cleanup(h->multi); /* closes the cached connections */
	curl_easy_cleanup(h->curl);
	for (i = 0; i < HTTP_URLS; i++) {
		free(h->urls[i].text);
		curl_url_cleanup(h->urls[i].u);
	}
	free(h->hdr);
	free(h->text);
	free(h);
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
 * Points h->hdr at "Expect:" followed by req's headers as "Name: value"
 * strings, all in memory that h owns (curl reads the list, never frees it).
 * Returns 0, or -1 when a line exceeds BUF_MAX_SMALL or memory runs out.
 */
static int http_headers(struct http *h, const struct http_req *req)
{
	size_t i, n, total = 0;
	char *p;

	for (i = 0; i < req->nheaders; i++) {
		n = strlen(req->headers[i].name) + 2 + strlen(req->headers[i].value);
		if (n > BUF_MAX_SMALL)
			return -1;
		total += n + 1;
	}
	if (total > h->text_cap) {
		char *nt = realloc(h->text, total);

		if (nt == NULL)
			return -1;
		h->text = nt;
		h->text_cap = total;
	}
	/* Last, so that a failure never leaves curl holding a moved list. */
	if (req->nheaders + 1 > h->hdr_cap) {
		struct curl_slist *nh = realloc(h->hdr, (req->nheaders + 1) * sizeof(*nh));

		if (nh == NULL)
			return -1;
		h->hdr = nh;
		h->hdr_cap = req->nheaders + 1;
	}
	h->hdr[0].data = http_no_expect;
	for (i = 0, p = h->text; i < req->nheaders; i++) {
		h->hdr[i].next = &h->hdr[i + 1];
		h->hdr[i + 1].data = p;
		n = strlen(req->headers[i].name);
		memcpy(p, req->headers[i].name, n);
		p += n;
		*p++ = ':';
		*p++ = ' ';
		n = strlen(req->headers[i].value);
		memcpy(p, req->headers[i].value, n + 1);
		p += n + 1;
	}
	h->hdr[req->nheaders].next = NULL;
	return 0;
}

/*
 * Returns url parsed (borrowed from h) with the flags curl itself parses
 * CURLOPT_URL with, from the cache or parsed into its oldest slot; NULL for
 * anything but an absolute http(s) URL, or when parsing fails.
 */
static CURLU *http_parsed_url(struct http *h, const char *url)
{
	struct http_url *s;
	size_t i, len = strlen(url);

	for (i = 0; i < HTTP_URLS; i++)
		if (h->urls[i].text != NULL && h->urls[i].len == len &&
		    memcmp(h->urls[i].text, url, len) == 0)
			return h->urls[i].u;
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return NULL; /* curl_url_set would resolve it against the slot's old URL */
	s = &h->urls[h->next_url];
	free(s->text);
	s->text = NULL;
	if ((s->u == NULL && (s->u = curl_url()) == NULL) ||
	    curl_url_set(s->u, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) !=
		    CURLUE_OK ||
	    (s->text = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s->text, url, len + 1);
	s->len = len;
	h->next_url = (h->next_url + 1) % HTTP_URLS;
	return s->u;
}

/*
 * Sets the request URL, handed to curl parsed (CURLOPT_CURLU) so that it skips
 * its own parse and the re-serialisation of the result; CURLOPT_URL stays set
 * to the same URL for the rare paths that re-read the string (a retry after a
 * reused connection turned out dead). A URL that http_parsed_url() declines is
 * left to curl, which then fails or succeeds exactly as before.
 */
static CURLcode http_set_url(struct http *h, const char *url)
{
	CURLU *u = http_parsed_url(h, url);
	CURLcode rc = CURLE_OK;

	rc |= curl_easy_setopt(h->curl, CURLOPT_CURLU, u);
	rc |= curl_easy_setopt(h->curl, CURLOPT_URL, url);
	return rc;
}

static int http_aborted(const struct http *h)
{
	return h->abort_flag != NULL && *h->abort_flag;
}

/*
 * Runs the transfer set up on h->curl to its end and returns its result.
 * Like curl_easy_perform() but without its poll before the first step, and
 * looking at abort_flag at least every HTTP_ABORT_POLL_MS (and on EINTR).
 */
static CURLcode http_run(struct http *h)
{
	CURLMcode mc;
	CURLMsg *msg;
	CURLcode rc = CURLE_OK;
	int running = 1, left;

	if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	for (;;) {
		if (http_aborted(h)) {
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		mc = curl_multi_perform(h->multi, &running);
		if (mc == CURLM_OK && running > 0)
			mc = curl_multi_poll(h->multi, NULL, 0,
					     h->abort_flag != NULL ? HTTP_ABORT_POLL_MS : 1000, NULL);
		if (mc != CURLM_OK) {
			rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_BAD_FUNCTION_ARGUMENT;
			break;
		}
		if (running == 0) {
			msg = curl_multi_info_read(h->multi, &left);
			if (msg != NULL && msg->msg == CURLMSG_DONE)
				rc = msg->data.result;
			break;
		}
	}
	/* Mid-transfer (abort, multi error) this closes the connection. */
	curl_multi_remove_handle(h->multi, h->curl);
	return rc;
}

int http_do(struct http *h, const struct http_req *req, struct http_resp *resp, struct err *e)
{
	CURLcode rc = CURLE_OK;
	int ret = -1;

	http_resp_clear(resp);
	h->resp = resp;
	h->too_big = 0;
	h->abort_flag = req->abort_flag;

	if (http_headers(h, req) != 0) {
		err_set(e, HTTP_ERR_OTHER, "out of memory building a request");
		goto out;
	}
	rc |= http_set_url(h, req->url);
	rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->hdr);
	rc |= curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	rc |= curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (strcmp(req->method, "GET") == 0) {
		rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
		rc |= curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	} else {
		rc |= curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		rc |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		rc |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		rc |= curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
				       strcmp(req->method, "POST") == 0 ? NULL : req->method);
	}
	if (rc != CURLE_OK) {
		err_set(e, HTTP_ERR_OTHER, "cannot set request options");
		goto out;
	}
	rc = http_run(h);
	if (rc != CURLE_OK) {
		if (h->too_big)
			err_set(e, HTTP_ERR_TOOBIG, "%s %s: response exceeds %zu bytes", req->method,
				req->url, resp->body.max);
		else
			err_set(e, http_classify(rc), "%s %s: %s", req->method, req->url,
				curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	ret = 0;
out:
	/* The handle must not keep pointers into this call's memory (the header
	 * list and the URL are h's own). */
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, (char *)NULL);
	h->resp = NULL;
	return ret;
}

int http_resp_header(const struct http_resp *resp, const char *name, const char **val, size_t *len)
{
	const char *p = buf_str(&resp->headers), *eol, *v;
	size_t n = strlen(name);

	for (; *p; p = eol + (*eol ? 1 : 0)) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			v = p + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			while (eol > v && (eol[-1] == '\r' || eol[-1] == ' ' || eol[-1] == '\t'))
				eol--;
			*val = v;
			*len = (size_t)(eol - v);
			return 0;
		}
		if (*eol == '\0')
			break;
	}
	return -1;
}
