/*
 * bootstrap: the fgboot FunctionGraph custom runtime.
 *
 *   bootstrap                 serve invocations from $RUNTIME_API_ADDR forever
 *   bootstrap invoke EVENT    run one event locally (JSON text, @file or -)
 *   bootstrap serve           container-image mode: HTTP on $PORT (8000), /init and /invoke
 *   bootstrap --help | --version
 *
 * This file owns main(), the invocation loop and the process exit codes;
 * everything else lives in lib/ (which never prints or exits) and handlers/.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/opensslv.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/backoff.h"
#include "lib/buf.h"
#include "lib/cloud.h"
#include "lib/config.h"
#include "lib/context.h"
#include "lib/event.h"
#include "lib/params.h"
#include "lib/http.h"
#include "lib/jpool.h"
#include "lib/log.h"
#include "lib/report.h"
#include "lib/runtime.h"
#include "lib/serve.h"

#ifndef FGBOOT_VERSION
#define FGBOOT_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2
#define POST_RETRY_MS 60000LL /* keep trying to deliver one answer for this long */

static volatile sig_atomic_t stop_flag;

/* What lives for the whole process. */
struct app {
	struct cfg cfg;
	struct cloud *cloud;
};

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	const struct handler *h;

	fprintf(f,
		"usage: bootstrap                 serve FunctionGraph invocations (needs RUNTIME_API_ADDR)\n"
		"       bootstrap invoke EVENT    run one event: JSON text, @file, or - for stdin\n"
		"       bootstrap serve           container-image mode: POST /init, /invoke on $PORT (8000)\n"
		"       bootstrap --version | --help\n"
		"\nactions:\n");
	for (h = handler_table; h->action != ACTION_NONE; h++)
		fprintf(f, "  %-12s %s\n", action_name(h->action), h->summary);
	fprintf(f, "\nConfiguration comes from RUNTIME_USERDATA, then the environment: action, clusterId,\n"
		   "region, domain, cceEndpoint, ecsEndpoint, projectId, ak, sk, logLevel (see README).\n");
}

static void version(void)
{
	printf("fgboot %s (libcurl %s, %s, jansson %s)\n", FGBOOT_VERSION,
	       curl_version_info(CURLVERSION_NOW)->version, OPENSSL_VERSION_TEXT, JANSSON_VERSION);
}

/* Secrets from the configuration stay registered (pinned) across invocations. */
static void app_register_secrets(const struct app *a)
{
	log_secret(a->cfg.ak);
	log_secret(a->cfg.sk);
	log_secret(a->cfg.token);
	log_pin_secrets(1);
}

static const char *app_getenv(const char *name)
{
	return getenv(name);
}

static int app_init(struct app *a, int invoke_mode, struct err *e)
{
	a->cloud = NULL;
	if (cfg_load(&a->cfg, app_getenv, invoke_mode) != 0)
		return err_set(e, "OutOfMemory", "out of memory reading the configuration");
	log_set_level(a->cfg.log_level);
	log_set_format(a->cfg.log_format);
	app_register_secrets(a);
	if ((a->cloud = cloud_new(e)) == NULL)
		return -1;
	cloud_set_stop(a->cloud, &stop_flag);
	return 0;
}

static void app_release(struct app *a)
{
	cloud_free(a->cloud);
	cfg_release(&a->cfg);
}

/*
 * Runs one event through the handlers and renders the answer into out.
 * Returns 1 when the answer is an error (posted to /error), 0 otherwise.
 */
static int app_handle(struct app *a, const struct ctx *ctx, const char *body, size_t len,
		      struct buf *out)
{
	const struct handler *h;
	struct event ev;
	struct params p;
	struct report r;
	struct err e, eerr;
	long long t0 = backoff_now_ms();
	int is_error, parsed;

	event_init(&ev);
	params_init(&p);
	report_init(&r, "");
	err_clear(&e);
	err_clear(&eerr);

	parsed = event_parse(body, len, &ev, &eerr) == 0;
	if (a->cfg.error.code[0] != '\0') {
		report_fail(&r, &a->cfg.error);
	} else if (!parsed) {
		report_fail(&r, &eerr);
	} else if (params_resolve(&ev, &a->cfg, &p, &e) != 0) {
		report_set_action(&r, ev.action);
		report_fail(&r, &e);
	} else if (report_set_action(&r, action_name(p.action)), (h = handler_find(p.action)) == NULL) {
		err_set(&e, "UnknownAction", "no handler for action '%s'", action_name(p.action));
		report_fail(&r, &e);
	} else {
		cloud_begin(a->cloud, ctx, &a->cfg);
		h->fn(a->cloud, &p, &r);
		report_set_retries(&r, cloud_retries(a->cloud));
	}

	is_error = report_is_error(&r);
	if (report_render(&r, ev.kind == EVENT_APIG, out) != 0) {
		buf_clear(out);
		if (buf_puts(out, "{\"status\":\"error\",\"errorType\":\"OutOfMemory\","
				  "\"errorMessage\":\"out of memory rendering the result\"}") != 0)
			log_error("out of memory rendering the result");
		is_error = 1;
	}
	if (r.fatal.code[0] != '\0')
		log_error("%s: %s", r.fatal.code, r.fatal.msg);
	log_info("%s %s: %d requested, %d skipped, %d failed, %d cloud calls, %lld ms",
		 r.action[0] ? r.action : "(no action)", is_error ? "error" : "success", r.nrequested,
		 r.nskipped, r.nfailed, r.fatal.code[0] ? 0 : cloud_calls(a->cloud),
		 backoff_now_ms() - t0);
	report_release(&r);
	params_release(&p);
	event_release(&ev);
	return is_error;
}

/* Renders the answer of an invocation that failed before any handler ran. Returns 1 (an error). */
static int app_fail(const struct err *e, struct buf *out)
{
	struct report r;

	log_error("%s: %s", e->code, e->msg);
	report_init(&r, "");
	report_fail(&r, e);
	if (report_render(&r, 0, out) != 0 && buf_puts(out, "{\"status\":\"error\"}") != 0)
		log_error("out of memory rendering the result");
	report_release(&r);
	return 1;
}

/* Forgets the credentials of the invocation that ended, keeps the configured ones. */
static void app_end_invocation(void)
{
	log_forget_secrets();
	log_set_request(NULL);
}

/* Delivers one answer, retrying transport failures and 5xx for a bounded time. */
static void serve_post(struct runtime *rt, const char *id, int is_error, const struct buf *out)
{
	struct backoff bo;
	struct err e;
	long long until = backoff_now_ms() + POST_RETRY_MS;
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

/* Answers an invocation that could not even be read (an oversized event). */
static void serve_unreadable(struct runtime *rt, const struct invocation *inv, const struct err *why)
{
	struct buf out;
	struct err e;

	log_set_request(inv->request_id);
	err_set(&e, "InvalidEvent", "%s", why->msg);
	buf_init(&out, BUF_MAX_SMALL);
	serve_post(rt, inv->request_id, app_fail(&e, &out), &out);
	buf_release(&out);
	log_set_request(NULL);
}

/* out: the answer's buffer, emptied here and reused from one invocation to the next. */
static void serve_one(struct app *a, struct runtime *rt, const struct invocation *inv, struct buf *out)
{
	struct ctx ctx;
	struct err e;
	int is_error;

	ctx_init(&ctx);
	buf_clear(out);
	err_clear(&e);
	log_set_request(inv->request_id);
	if (ctx_from_invocation(&ctx, inv, &a->cfg, &e) != 0)
		is_error = app_fail(&e, out);
	else
		is_error = app_handle(a, &ctx, buf_str(&inv->resp.body), inv->resp.body.len, out);
	serve_post(rt, inv->request_id, is_error, out);
	if (out->cap > BUF_MAX_SMALL)
		buf_release(out); /* keep a small buffer for the next answer, not a huge one */
	ctx_release(&ctx);
	app_end_invocation();
}

static int serve(struct app *a, const char *addr)
{
	struct runtime *rt;
	struct invocation inv;
	struct backoff bo;
	struct buf out;
	struct err e;
	long delay;

	err_clear(&e);
	if ((rt = runtime_new(addr, &e)) == NULL) {
		log_error("%s", e.msg);
		return 1;
	}
	log_info("fgboot %s serving %s; CA store %s; configuration %s%s", FGBOOT_VERSION, addr,
		 http_ca_source(), a->cfg.error.code[0] ? "UNUSABLE: " : "ok",
		 a->cfg.error.code[0] ? a->cfg.error.msg : "");
	invocation_init(&inv);
	buf_init(&out, BUF_MAX_RESULT);
	backoff_init(&bo, 50, 2000);
	while (!stop_flag) {
		if (runtime_next(rt, &inv, &stop_flag, &e) != 0) {
			if (stop_flag)
				break;
			if (inv.request_id[0] != '\0') {
				serve_unreadable(rt, &inv, &e);
				continue;
			}
			delay = backoff_next(&bo);
			log_warn("runtime API: %s; retrying in %ld ms", e.msg, delay);
			(void)backoff_sleep(delay, &stop_flag);
			continue;
		}
		backoff_reset(&bo);
		serve_one(a, rt, &inv, &out);
	}
	log_info("stopping on signal");
	buf_release(&out);
	invocation_release(&inv);
	runtime_free(rt);
	return 0;
}

/*
 * Container-image mode (`bootstrap serve`): the same app_handle() behind POST /invoke.
 * lib/serve calls image_handle() one request at a time (the one struct cloud and the
 * log's secret list are shared), so the sequence below is exactly serve_one()'s.
 */
#define IMAGE_PORT 8000
#define IMAGE_STATUS_ERROR 500 /* an error result: FunctionGraph counts the invocation as failed */

/* The platform's request id if it sent a usable one, else a fresh local one. */
static void image_request_id(serve_header_fn *get, const void *hdrs, char *id, size_t size)
{
	static unsigned long seq;
	struct buf v;
	const char *p;
	int ok;

	buf_init(&v, RUNTIME_ID_MAX - 1);
	ok = get(hdrs, "X-Cff-Request-Id", &v) == 0 && v.len > 0;
	for (p = buf_str(&v); ok && *p; p++)
		ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		     *p == '-' || *p == '_' || *p == '.';
	if (ok)
		snprintf(id, size, "%s", buf_str(&v));
	else
		snprintf(id, size, "serve-%lld-%lu", backoff_now_ms(), ++seq);
	buf_release(&v);
}

static int image_handle(void *ud, serve_header_fn *get, const void *hdrs, const char *body,
			size_t len, struct buf *out)
{
	struct app *a = ud;
	struct ctx ctx;
	struct err e;
	char id[RUNTIME_ID_MAX];
	long long received = backoff_now_ms();
	int is_error;

	ctx_init(&ctx);
	err_clear(&e);
	image_request_id(get, hdrs, id, sizeof(id));
	log_set_request(id);
	if (ctx_from_headers(&ctx, get, hdrs, received, &a->cfg, &e) != 0)
		is_error = app_fail(&e, out);
	else
		is_error = app_handle(a, &ctx, body, len, out);
	ctx_release(&ctx);
	app_end_invocation();
	return is_error ? IMAGE_STATUS_ERROR : 200;
}

/* PORT, when set, must be a whole number 1-65535. */
static int image_port(unsigned *port)
{
	const char *s = getenv("PORT");
	char *end;
	long v;

	*port = IMAGE_PORT;
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

static int image_serve(struct app *a)
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
		return EXIT_USAGE;
	}
	o.handle = image_handle;
	o.ud = a;
	/* SIGTERM/SIGINT blocked in every thread (the server's inherit it); main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((srv = serve_new(&o, &e)) == NULL) {
		log_error("%s", e.msg);
		return 1;
	}
	log_info("fgboot %s listening on port %u (POST /init, POST /invoke); CA store %s; "
		 "configuration %s%s", FGBOOT_VERSION, serve_port(srv), http_ca_source(),
		 a->cfg.error.code[0] ? "UNUSABLE: " : "ok", a->cfg.error.code[0] ? a->cfg.error.msg : "");
	while (sigwait(&set, &sig) != 0)
		;
	/* Cloud retries in progress give up; their answers are still sent before the threads end. */
	stop_flag = 1;
	log_info("stopping on signal");
	serve_free(srv);
	return 0;
}

/* Reads the EVENT argument of `invoke`: JSON text, @file, or - for stdin. */
static int read_event_arg(const char *arg, struct buf *out, struct err *e)
{
	char chunk[65536];
	FILE *f = NULL;
	size_t n;
	int rc = -1;

	if (strcmp(arg, "-") != 0 && arg[0] != '@') {
		if (buf_puts(out, arg) != 0)
			return err_set(e, "InvalidEvent", "event too large");
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

static int invoke(struct app *a, const char *arg)
{
	struct ctx ctx;
	struct buf event, out;
	struct err e;
	int is_error = 1;

	ctx_init(&ctx);
	buf_init(&event, BUF_MAX_EVENT);
	buf_init(&out, BUF_MAX_RESULT);
	err_clear(&e);
	if (read_event_arg(arg, &event, &e) != 0 ||
	    ctx_for_local(&ctx, &a->cfg, backoff_now_ms(), &e) != 0) {
		fprintf(stderr, "bootstrap invoke: %s\n", e.msg);
		goto out;
	}
	is_error = app_handle(a, &ctx, buf_str(&event), event.len, &out);
	printf("%s\n", buf_str(&out));
out:
	ctx_release(&ctx);
	buf_release(&event);
	buf_release(&out);
	return is_error ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct app app;
	struct err e;
	const char *addr = getenv("RUNTIME_API_ADDR");
	int invoke_mode = argc >= 2 && strcmp(argv[1], "invoke") == 0;
	int serve_mode = argc >= 2 && strcmp(argv[1], "serve") == 0;
	int rc;

	jpool_install(); /* before anything touches jansson */
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		version();
		return 0;
	}
	if ((invoke_mode && argc != 3) || (serve_mode && argc != 2) ||
	    (!invoke_mode && !serve_mode && argc != 1)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!invoke_mode && !serve_mode && (addr == NULL || *addr == '\0')) {
		fprintf(stderr, "bootstrap: RUNTIME_API_ADDR is not set: FunctionGraph sets it for a "
				"custom runtime; to try an event locally use `bootstrap invoke EVENT`\n");
		usage(stderr);
		return EXIT_USAGE;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	err_clear(&e);
	if (invoke_mode)
		log_use_stderr(1);
	if (http_global_init(&e) != 0 || app_init(&app, invoke_mode, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		return 1;
	}
	rc = invoke_mode ? invoke(&app, argv[2]) : serve_mode ? image_serve(&app) : serve(&app, addr);
	app_release(&app);
	log_pin_secrets(0);
	log_forget_secrets();
	http_global_cleanup();
	jpool_drain();
	return rc;
}
