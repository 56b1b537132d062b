/* image: the container-image front end. See image.h. */
#include "image.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/backoff.h"
#include "../lib/http.h"
#include "../lib/log.h"
#include "../lib/serve.h"

#define IMAGE_PORT 8000
#define IMAGE_STATUS_ERROR 500 /* an error result: FunctionGraph counts the invocation as failed */

/* lib/serve calls this one request at a time (the cloud client and the log's secrets are shared). */
static int image_handle(void *ud, serve_header_fn *get, const void *hdrs, long long received_ms,
			const char *body, size_t len, struct buf *out)
{
	struct app *a = ud;
	struct ctx ctx;
	struct buf v;
	struct err e;
	char id[APP_ID_MAX];
	int is_error;

	ctx_init(&ctx);
	err_clear(&e);
	buf_init(&v, APP_ID_MAX);
	if (get(hdrs, "X-Cff-Request-Id", &v) != 0)
		buf_clear(&v); /* too long: a local id instead */
	(void)app_request_id(buf_str(&v), v.len, id);
	buf_release(&v);
	app_begin(id);
	if (ctx_from_headers(&ctx, get, hdrs, received_ms, &a->cfg, &e) != 0) {
		is_error = app_fail(&e, out);
	} else {
		log_info("project from %s, deadline %ld s from %s",
			 ctx.project_id != NULL ? ctx.project_from : "nowhere (none configured)",
			 ctx.timeout_s,
			 ctx.timeout_from);
		is_error = app_dispatch(a, &ctx, body, len, out);
	}
	ctx_release(&ctx);
	app_end();
	return is_error == APP_ERROR ? IMAGE_STATUS_ERROR : 200;
}

/* PORT, when set, must be a whole number 1-65535. */
static int image_port(unsigned *port)
{
	const char *s = getenv("PORT");
	long v;

	*port = IMAGE_PORT;
	if (s == NULL || *s == '\0')
		return 0;
	if (cfg_long(s, 1, 65535, &v) != 0)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int image_run(struct app *a)
{
	struct serve_opts o;
	struct serve *srv;
	struct err e;
	sigset_t set;
	int sig = 0;

	memset(&o, 0, sizeof(o));
	err_clear(&e);
	if (image_port(&o.port) != 0) {
		log_error("PORT '%s' is not a port number (1-65535)", getenv("PORT"));
		return 2;
	}
	o.handle = image_handle;
	o.max_body = a->cfg.max_event_bytes;
	o.ud = a;
	/* SIGTERM/SIGINT blocked in every thread (the server's inherit it); this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((srv = serve_new(&o, &e)) == NULL) {
		log_error("%s", e.msg);
		return 1;
	}
	log_info("fgboot %s listening on port %u (POST /init, POST /invoke); CA store %s; "
		 "configuration %s", FGBOOT_VERSION, serve_port(srv), http_ca_source(),
		 app_config_state(a));
	while (sigwait(&set, &sig) != 0)
		;
	/* Cloud retries in progress give up; their answers are still sent before the threads end. */
	*a->stop = 1;
	log_info("stopping on signal");
	serve_free(srv);
	return 0;
}
