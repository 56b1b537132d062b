/* rtloop: the runtime-API front end. See rtloop.h. */
#include "rtloop.h"

#include "../lib/backoff.h"
#include "../lib/http.h"
#include "../lib/log.h"
#include "../lib/runtime.h"

#define RTLOOP_POST_RETRY_MS 60000LL /* keep trying to deliver one answer for this long */

/* Delivers one answer, retrying transport failures and 5xx for a bounded time. */
static void rtloop_post(struct runtime *rt, const char *id, int is_error, const struct buf *out)
{
	struct backoff bo;
	struct err e;
	long long until = backoff_now_ms() + RTLOOP_POST_RETRY_MS;
	long status, delay;
	int attempt;

	for (attempt = 0;; attempt++) {
		if (runtime_post(rt, id, is_error, buf_str(out), out->len, &status, &e) == 0)
			return;
		if (status >= 400 && status < 500) {
			log_error("runtime API refused the answer: %s; dropping it", e.msg);
			return;
		}
		if (attempt == 0)
			backoff_init(&bo, 50, 2000); /* only now: most answers never need it */
		delay = backoff_next(&bo);
		if (backoff_now_ms() + delay > until) {
			log_error("runtime API: %s; gave up delivering the answer", e.msg);
			return;
		}
		log_warn("runtime API: %s; retrying in %ld ms", e.msg, delay);
		(void)backoff_sleep(delay, NULL);
	}
}

/*
 * Handles one event: an unreadable one (why set: oversized, cut off) is
 * answered InvalidEvent; otherwise the context comes from its headers and
 * app_dispatch() does the rest. out is reused from one event to the next.
 */
static void rtloop_one(struct app *a, struct runtime *rt, const struct runtime_event *inv,
		       const struct err *why, struct buf *out)
{
	struct ctx ctx;
	struct err e;
	int is_error;

	ctx_init(&ctx);
	err_clear(&e);
	app_begin(inv->request_id);
	if (why != NULL) {
		err_set(&e, "InvalidEvent", "%s", why->msg);
		is_error = app_fail(&e, out);
	} else if (ctx_from_invocation(&ctx, inv, &a->cfg, &e) != 0) {
		is_error = app_fail(&e, out);
	} else {
		is_error = app_dispatch(a, &ctx, buf_str(&inv->resp.body), inv->resp.body.len, out);
	}
	rtloop_post(rt, inv->request_id, is_error == APP_ERROR, out);
	if (out->cap > BUF_MAX_SMALL)
		buf_release(out); /* keep a small buffer for the next answer, not a huge one */
	ctx_release(&ctx);
	app_end();
}

int rtloop_run(struct app *a, const char *addr)
{
	struct runtime *rt;
	struct runtime_event inv;
	struct backoff bo;
	struct buf out;
	struct err e;
	long delay;

	err_clear(&e);
	if ((rt = runtime_new(addr, &e)) == NULL) {
		log_error("%s", e.msg);
		return 1;
	}
	log_info("fgboot %s serving %s; CA store %s; configuration %s", FGBOOT_VERSION, addr,
		 http_ca_source(), app_config_state(a));
	runtime_event_init(&inv);
	buf_init(&out, BUF_MAX_RESULT);
	backoff_init(&bo, 50, 2000);
	while (!*a->stop) {
		if (runtime_next(rt, &inv, a->stop, &e) == 0) {
			backoff_reset(&bo);
			rtloop_one(a, rt, &inv, NULL, &out);
		} else if (*a->stop) {
			break;
		} else if (inv.request_id[0] != '\0') {
			rtloop_one(a, rt, &inv, &e, &out); /* known id: it can still be answered */
		} else {
			delay = backoff_next(&bo);
			log_warn("runtime API: %s; retrying in %ld ms", e.msg, delay);
			(void)backoff_sleep(delay, a->stop);
		}
	}
	log_info("stopping on signal");
	buf_release(&out);
	runtime_event_release(&inv);
	runtime_free(rt);
	return 0;
}
