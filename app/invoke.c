/* invoke: the local front end. See invoke.h. */
#include "invoke.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/backoff.h"
#include "../lib/log.h"

/* Reads the EVENT argument: JSON text, @file, or - for stdin. */
static int invoke_read(const char *arg, struct buf *out, struct err *e)
{
	char chunk[65536];
	FILE *f = NULL;
	size_t n;
	int rc = -1;

	if (strcmp(arg, "-") != 0 && arg[0] != '@') {
		if (buf_puts(out, arg) != 0)
			return err_set(e, "InvalidEvent", "event larger than %u bytes", BUF_MAX_EVENT);
		return 0;
	}
	f = strcmp(arg, "-") == 0 ? stdin : fopen(arg + 1, "rb");
	if (f == NULL)
		return err_set(e, "InvalidEvent", "cannot open %s: %s", arg + 1, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(out, chunk, n) != 0) {
			err_set(e, "InvalidEvent", "event larger than %u bytes", BUF_MAX_EVENT);
			goto out;
		}
	}
	rc = ferror(f) ? err_set(e, "InvalidEvent", "read error on %s", arg) : 0;
out:
	if (f != stdin)
		fclose(f);
	return rc;
}

int invoke_run(struct app *a, const char *arg)
{
	struct ctx ctx;
	struct buf event, out;
	struct err e;
	char id[APP_ID_MAX];
	int is_error = 1;

	ctx_init(&ctx);
	buf_init(&event, BUF_MAX_EVENT);
	buf_init(&out, BUF_MAX_RESULT);
	err_clear(&e);
	(void)app_request_id(NULL, 0, id);
	app_begin(id);
	if (invoke_read(arg, &event, &e) != 0 ||
	    ctx_for_local(&ctx, &a->cfg, backoff_now_ms(), &e) != 0) {
		log_error("bootstrap invoke: %s", e.msg);
		goto out;
	}
	is_error = app_dispatch(a, &ctx, buf_str(&event), event.len, &out) != APP_OK;
	printf("%s\n", buf_str(&out));
out:
	app_end();
	ctx_release(&ctx);
	buf_release(&event);
	buf_release(&out);
	return is_error;
}
