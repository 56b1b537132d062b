/*
 * bootstrap: the fgboot FunctionGraph custom runtime.
 *
 *   bootstrap                 serve invocations from $RUNTIME_API_ADDR until SIGTERM
 *   bootstrap invoke EVENT    run one event locally (JSON text, @file or -)
 *   bootstrap serve           container-image mode: HTTP on $PORT (8000), /init and /invoke
 *   bootstrap schedules [--at ISO8601] [--days N] [--json]
 *                             the configured schedules' changes of state (exit 2: a bad one)
 *   bootstrap --help | --version
 *
 * This file owns main(), the arguments, the process exit codes and the choice
 * of front end (app/rtloop, app/invoke, app/image), which all dispatch through
 * app/app. lib/ never prints or exits; handlers/ holds the actions.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "app/app.h"
#include "app/image.h"
#include "app/invoke.h"
#include "app/rtloop.h"
#include "app/schedules.h"
#include "handlers/handlers.h"
#include "lib/config.h"
#include "lib/http.h"
#include "lib/log.h"

#define EXIT_OK 0
#define EXIT_FAILURE_ 1 /* could not start, or `invoke` answered an error */
#define EXIT_USAGE 2

enum front_end { FRONT_RTLOOP, FRONT_INVOKE, FRONT_IMAGE };

static volatile sig_atomic_t stop_flag;

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
		"       bootstrap schedules [--at ISO8601] [--days N] [--json]\n"
		"                                 each schedule's changes of state in the next N days (7)\n"
		"       bootstrap --version | --help\n"
		"\nactions:\n");
	for (h = handler_table; h->action != ACTION_NONE; h++)
		fprintf(f, "  %-12s %s\n", action_name(h->action), h->summary);
	fprintf(f, "\nConfiguration comes from RUNTIME_USERDATA, then the environment: action, clusterId,\n"
		   "region, domain, cceEndpoint, ecsEndpoint, projectId, ak, sk, logLevel (see README).\n");
}

/* The versions of the libraries linked in, as each one reports itself at run time. */
static void version(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("fgboot %s\n", FGBOOT_VERSION);
	printf("libcurl %s (TLS: %s)\n", cv->version, cv->ssl_version ? cv->ssl_version : "none");
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("jansson %s\n", jansson_version_str());
	printf("libmicrohttpd %s\n", MHD_get_version());
}

/* Picks the front end from argv. Returns -1 after printing usage when the words are off. */
static int parse_args(int argc, char **argv, enum front_end *fe)
{
	const char *addr = getenv("RUNTIME_API_ADDR");

	if (argc == 3 && strcmp(argv[1], "invoke") == 0) {
		*fe = FRONT_INVOKE;
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "serve") == 0) {
		*fe = FRONT_IMAGE;
		return 0;
	}
	if (argc != 1) {
		usage(stderr);
		return -1;
	}
	if (addr == NULL || *addr == '\0') {
		fprintf(stderr, "bootstrap: RUNTIME_API_ADDR is not set: FunctionGraph sets it for a "
				"custom runtime; to try an event locally use `bootstrap invoke EVENT`\n");
		usage(stderr);
		return -1;
	}
	*fe = FRONT_RTLOOP;
	return 0;
}

/* `schedules [--at ISO8601] [--days N] [--json]`: EXIT_USAGE on bad words or a bad definition. */
static int schedules_main(int argc, char **argv)
{
	struct schedules_opts o = {NULL, SCHEDULES_DAYS_DEFAULT, 0};
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.json = 1;
		} else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			o.at = argv[++i];
		} else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			if (cfg_long(argv[++i], 1, SCHEDULES_DAYS_MAX, &o.days) != 0) {
				fprintf(stderr, "bootstrap schedules: --days must be 1 to %d\n", SCHEDULES_DAYS_MAX);
				return EXIT_USAGE;
			}
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_use_stderr(1);
	return schedules_run(&o) == 0 ? EXIT_OK : EXIT_USAGE;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	enum front_end fe;
	struct app app;
	struct err e;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		version();
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "schedules") == 0)
		return schedules_main(argc, argv);
	if (parse_args(argc, argv, &fe) != 0)
		return EXIT_USAGE;

	/* No core file or ptrace peek of a non-root user may read the credentials we hold. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	install_signals();
	err_clear(&e);
	if (fe == FRONT_INVOKE)
		log_use_stderr(1);
	if (http_global_init(&e) != 0) {
		log_error("cannot start: %s", e.msg);
		return EXIT_FAILURE_;
	}
	if (app_init(&app, fe == FRONT_INVOKE, &stop_flag, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		rc = EXIT_FAILURE_;
	} else if (fe == FRONT_INVOKE) {
		rc = invoke_run(&app, argv[2]) != 0 ? EXIT_FAILURE_ : EXIT_OK;
	} else if (fe == FRONT_IMAGE) {
		rc = image_run(&app);
	} else {
		rc = rtloop_run(&app, getenv("RUNTIME_API_ADDR"));
	}
	app_release(&app);
	http_global_cleanup();
	return rc;
}
