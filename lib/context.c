/* context: see context.h. */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "log.h"

static void ctx_wipe(char **s)
{
	volatile char *p = *s;

	while (p != NULL && *p)
		*p++ = '\0';
	free(*s);
	*s = NULL;
}

void ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
}

void ctx_release(struct ctx *c)
{
	if (c == NULL)
		return;
	ctx_wipe(&c->token);
	ctx_wipe(&c->access_key);
	ctx_wipe(&c->secret_key);
	ctx_wipe(&c->security_access_key);
	ctx_wipe(&c->security_secret_key);
	ctx_wipe(&c->security_token);
	ctx_init(c);
}

/* Copies a header into *dst (NULL when absent or empty) and marks it secret. */
static int ctx_take_header(char **dst, ctx_header_fn *get, const void *ud, const char *name, struct buf *tmp)
{
	if (get(ud, name, tmp) != 0)
		return -1;
	if (tmp->len == 0)
		return 0;
	if ((*dst = strdup(buf_str(tmp))) == NULL)
		return -1;
	log_secret(*dst);
	return 0;
}

static void ctx_set_times(struct ctx *c, const struct cfg *cfg, long long start_ms)
{
	c->start_ms = start_ms;
	c->deadline_ms = start_ms + (long long)cfg->timeout_s * 1000;
	c->project_id = cfg->project_id;
}

int ctx_from_headers(struct ctx *c, ctx_header_fn *get, const void *ud, const char *request_id,
		     long long received_ms, const struct cfg *cfg, struct err *e)
{
	struct buf tmp;
	int rc = -1;

	buf_init(&tmp, BUF_MAX_SMALL);
	snprintf(c->request_id, sizeof(c->request_id), "%s", request_id);
	ctx_set_times(c, cfg, received_ms);
	if (ctx_take_header(&c->token, get, ud, "X-CFF-Auth-Token", &tmp) != 0 ||
	    ctx_take_header(&c->access_key, get, ud, "X-CFF-Access-Key", &tmp) != 0 ||
	    ctx_take_header(&c->secret_key, get, ud, "X-CFF-Secret-Key", &tmp) != 0 ||
	    ctx_take_header(&c->security_access_key, get, ud, "X-CFF-Security-Access-Key", &tmp) != 0 ||
	    ctx_take_header(&c->security_secret_key, get, ud, "X-CFF-Security-Secret-Key", &tmp) != 0 ||
	    ctx_take_header(&c->security_token, get, ud, "X-CFF-Security-Token", &tmp) != 0 ||
	    get(ud, "X-CFF-Invoke-Type", &tmp) != 0) {
		err_set(e, "InvalidHeaders", "a credential header is too large");
		goto out;
	}
	snprintf(c->invoke_type, sizeof(c->invoke_type), "%s", tmp.len ? buf_str(&tmp) : "sync");
	rc = 0;
out:
	/* tmp held secrets: wipe before freeing. */
	if (tmp.data != NULL)
		memset(tmp.data, 0, tmp.cap);
	buf_release(&tmp);
	return rc;
}

static int ctx_invocation_header(const void *ud, const char *name, struct buf *out)
{
	return invocation_header(ud, name, out);
}

int ctx_from_invocation(struct ctx *c, const struct invocation *inv, const struct cfg *cfg,
			struct err *e)
{
	return ctx_from_headers(c, ctx_invocation_header, inv, inv->request_id,
				inv->received_ms, cfg, e);
}

int ctx_for_local(struct ctx *c, const struct cfg *cfg, long long now_ms, struct err *e)
{
	snprintf(c->request_id, sizeof(c->request_id), "local");
	snprintf(c->invoke_type, sizeof(c->invoke_type), "sync");
	ctx_set_times(c, cfg, now_ms);
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
