/* err: see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code[0] = '\0';
	e->msg[0] = '\0';
	e->status = 0;
	e->cloud_code[0] = '\0';
	e->request_id[0] = '\0';
	e->retries = 0;
}

int err_set(struct err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
	char head[256], old[sizeof(e->msg)];
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", head, old) < 0)
		e->msg[0] = '\0';
}

void err_inline_cloud(struct err *e)
{
	char old[sizeof(e->msg)];

	if (e == NULL || e->cloud_code[0] == '\0')
		return;
	memcpy(old, e->msg, sizeof(old));
	if (snprintf(e->msg, sizeof(e->msg), "HTTP %ld %s: %s%s%s%s", e->status, e->cloud_code, old,
		     e->request_id[0] ? " (request " : "", e->request_id, e->request_id[0] ? ")" : "") < 0)
		e->msg[0] = '\0';
}
