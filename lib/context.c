/* context: see context.h. */
#include "context.h"

#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "log.h"
#include "secret.h"

void ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
}

void ctx_release(struct ctx *c)
{
	if (c == NULL)
		return;
	secret_free(c->token);
	secret_free(c->access_key);
	secret_free(c->secret_key);
	secret_free(c->security_access_key);
	secret_free(c->security_secret_key);
	secret_free(c->security_token);
	ctx_init(c);
}

/* The platform's credential headers, in the order they are read. */
static const char *const ctx_headers[] = {
	"X-CFF-Auth-Token", "X-CFF-Access-Key", "X-CFF-Secret-Key", "X-CFF-Security-Access-Key",
	"X-CFF-Security-Secret-Key", "X-CFF-Security-Token",
};
#define CTX_NHEADERS (sizeof(ctx_headers) / sizeof(ctx_headers[0]))

static char **ctx_credential(struct ctx *c, size_t i)
{
	char **const fields[] = {&c->token, &c->access_key, &c->secret_key, &c->security_access_key,
				 &c->security_secret_key, &c->security_token};

	return fields[i];
}

/*
 * Stores header i's value (n bytes; NULL or empty when absent): copied (NULL
 * when empty) and marked secret. A value larger than a header may be, or
 * holding a control character (CR, LF, NUL, any byte below 0x20, DEL: it
 * could split or end the header it is sent in), is refused: -1 with e set.
 */
static int ctx_set(struct ctx *c, size_t i, const char *v, size_t n, struct err *e)
{
	char **dst;
	size_t k;

	if (n > BUF_MAX_SMALL)
		return err_set(e, "InvalidHeaders", "the %s header is too large", ctx_headers[i]);
	for (k = 0; k < n; k++)
		if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f)
			return err_set(e, "InvalidHeaders",
				       "the %s header holds a control character: refused, nothing sent with it",
				       ctx_headers[i]);
	if (n == 0)
		return 0;
	dst = ctx_credential(c, i);
	if ((*dst = strndup(v, n)) == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	log_secret(*dst);
	return 0;
}

/*
 * Container images may run without the RUNTIME_* variables: then never the 3 s
 * default but the timeout deploy/main.tf and the README set (no HTTP-function
 * default is documented). See docs/container-mode.md.
 */
#define CTX_HEADERS_DEFAULT_TIMEOUT_S 30

/* The project and deadline the configuration gives; headers may override them. */
static void ctx_set_times(struct ctx *c, const struct cfg *cfg, long long start_ms, long dflt_s,
			  const char *dflt_from)
{
	c->timeout_s = cfg->timeout_given ? cfg->timeout_s : dflt_s;
	c->deadline_ms = start_ms + (long long)c->timeout_s * 1000;
	c->project_id = cfg->project_id;
	c->project_from = "configuration";
	c->timeout_from = cfg->timeout_given ? "RUNTIME_TIMEOUT" : dflt_from;
}

/* X-CFF-Project-Id: 1-CTX_PROJECT_MAX characters of [A-Za-z0-9_-], else ignored. */
static void ctx_header_project(struct ctx *c, const char *v, size_t n)
{
	size_t k;

	if (n == 0 || n > CTX_PROJECT_MAX)
		return;
	for (k = 0; k < n; k++)
		if (!((v[k] >= 'a' && v[k] <= 'z') || (v[k] >= 'A' && v[k] <= 'Z') ||
		      (v[k] >= '0' && v[k] <= '9') || v[k] == '_' || v[k] == '-'))
			return;
	memcpy(c->project_header, v, n);
	c->project_header[n] = '\0';
	c->project_id = c->project_header;
	c->project_from = "X-CFF-Project-Id";
}

/* X-CFF-Timeout: whole seconds, 1-259200 (the platform's range), else ignored. */
static void ctx_header_timeout(struct ctx *c, const char *v, long long start_ms)
{
	long s;

	if (v[0] < '0' || v[0] > '9' || cfg_long(v, 1, CFG_MAX_TIMEOUT_S, &s) != 0)
		return;
	c->timeout_s = s;
	c->deadline_ms = start_ms + (long long)s * 1000;
	c->timeout_from = "X-CFF-Timeout";
}

int ctx_from_headers(struct ctx *c, ctx_header_fn *get, const void *ud, long long received_ms,
		     const struct cfg *cfg, struct err *e)
{
	struct buf tmp;
	size_t i;
	int rc = -1;

	buf_init(&tmp, BUF_MAX_SMALL);
	ctx_set_times(c, cfg, received_ms, CTX_HEADERS_DEFAULT_TIMEOUT_S,
		      "the container-mode default (no X-CFF-Timeout, no RUNTIME_TIMEOUT)");
	for (i = 0; i < CTX_NHEADERS; i++) {
		if (get(ud, ctx_headers[i], &tmp) != 0) {
			err_set(e, "InvalidHeaders", "the %s header is too large", ctx_headers[i]);
			goto out;
		}
		if (ctx_set(c, i, buf_str(&tmp), tmp.len, e) != 0)
			goto out;
	}
	if (get(ud, "X-CFF-Project-Id", &tmp) == 0)
		ctx_header_project(c, buf_str(&tmp), tmp.len);
	if (get(ud, "X-CFF-Timeout", &tmp) == 0)
		ctx_header_timeout(c, buf_str(&tmp), received_ms);
	rc = 0;
out:
	/* tmp held secrets: wipe before freeing. */
	secret_wipe(tmp.data, tmp.cap);
	buf_release(&tmp);
	return rc;
}

/* The same as ctx_from_headers() over ev's headers, with no scratch copy. */
int ctx_from_invocation(struct ctx *c, const struct runtime_event *ev, const struct cfg *cfg,
			struct err *e)
{
	const char *v;
	size_t n, i;

	ctx_set_times(c, cfg, ev->received_ms, cfg->timeout_s, "the platform default");
	for (i = 0; i < CTX_NHEADERS; i++) {
		if (runtime_event_header(ev, ctx_headers[i], &v, &n) != 0)
			continue;
		if (ctx_set(c, i, v, n, e) != 0)
			return -1;
	}
	return 0;
}

int ctx_for_local(struct ctx *c, const struct cfg *cfg, long long now_ms, struct err *e)
{
	ctx_set_times(c, cfg, now_ms, cfg->timeout_s, "the platform default");
	if (cfg->token != NULL) {
		if ((c->token = strdup(cfg->token)) == NULL)
			return err_set(e, "OutOfMemory", "out of memory");
		log_secret(c->token);
	}
	return 0;
}

long long ctx_remaining_ms(const struct ctx *c)
{
	return c->deadline_ms - backoff_now_ms();
}
