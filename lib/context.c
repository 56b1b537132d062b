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
static int ctx_take_header(char **dst, const struct invocation *inv, const char *name, struct buf *tmp)
{
	if (invocation_header(inv, name, tmp) != 0)
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

int ctx_from_invocation(struct ctx *c, const struct invocation *inv, const struct cfg *cfg,
			struct err *e)
{
	struct buf tmp;
	int rc = -1;

	buf_init(&tmp, BUF_MAX_SMALL);
	snprintf(c->request_id, sizeof(c->request_id), "%s", inv->request_id);
	ctx_set_times(c, cfg, inv->received_ms);
	if (ctx_take_header(&c->token, inv, "X-CFF-Auth-Token", &tmp) != 0 ||
	    ctx_take_header(&c->access_key, inv, "X-CFF-Access-Key", &tmp) != 0 ||
	    ctx_take_header(&c->secret_key, inv, "X-CFF-Secret-Key", &tmp) != 0 ||
	    ctx_take_header(&c->security_access_key, inv, "X-CFF-Security-Access-Key", &tmp) != 0 ||
	    ctx_take_header(&c->security_secret_key, inv, "X-CFF-Security-Secret-Key", &tmp) != 0 ||
	    ctx_take_header(&c->security_token, inv, "X-CFF-Security-Token", &tmp) != 0 ||
	    invocation_header(inv, "X-CFF-Invoke-Type", &tmp) != 0) {
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
