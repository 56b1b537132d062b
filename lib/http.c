/* http: see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct http {
	CURL *curl;
	struct http_resp *resp; /* the response being filled by the callbacks */
	volatile sig_atomic_t *abort_flag; /* of the request in progress */
	int too_big;
};

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

static int http_on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct http *h = ud;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return h->abort_flag != NULL && *h->abort_flag ? 1 : 0;
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

	if (h == NULL || (h->curl = curl_easy_init()) == NULL) {
		free(h);
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
	rc |= curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, http_on_progress);
	rc |= curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, h);
	rc |= curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	rc |= curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "fgboot");
	if (rc != CURLE_OK || http_set_ca(h->curl) != 0) {
		http_free(h);
		err_set(e, HTTP_ERR_OTHER, "cannot configure the HTTP handle");
		return NULL;
	}
	return h;
}

void http_free(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
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

int http_do(struct http *h, const struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct curl_slist *list = NULL, *tmp;
	struct buf line;
	CURLcode rc = CURLE_OK;
	size_t i;
	int ret = -1;

	buf_init(&line, BUF_MAX_SMALL);
	http_resp_clear(resp);
	h->resp = resp;
	h->too_big = 0;
	h->abort_flag = req->abort_flag;

	/* "Expect:" off: no 100-continue round trip for bodies over 1 KiB. */
	if ((list = curl_slist_append(NULL, "Expect:")) == NULL)
		goto oom;
	for (i = 0; i < req->nheaders; i++) {
		buf_clear(&line);
		if (buf_printf(&line, "%s: %s", req->headers[i].name, req->headers[i].value) != 0 ||
		    (tmp = curl_slist_append(list, buf_str(&line))) == NULL)
			goto oom;
		list = tmp;
	}
	rc |= curl_easy_setopt(h->curl, CURLOPT_URL, req->url);
	rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, list);
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
	rc = curl_easy_perform(h->curl);
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
	goto out;
oom:
	err_set(e, HTTP_ERR_OTHER, "out of memory building a request");
out:
	/* The handle must not keep pointers into this call's memory. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_slist_free_all(list);
	buf_release(&line);
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
