/*
 * fuzz_event: libFuzzer target for the invocation event, the one input a
 * caller (perhaps a public APIG route) controls completely.
 *
 * The input bytes are the event body. event_parse() must accept or reject
 * them without crashing or leaking; a parsed event is then resolved against
 * two fixed configurations (one that sets every target and option, one that
 * sets none and names the action through RUNTIME_HANDLER), and everything is
 * released. Build and run: make fuzz / make fuzz-smoke.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "params.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	size_t i;

	for (i = 0; fake_env[i] != NULL; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

static const char *const env_full[] = {
	"RUNTIME_USERDATA",
	"{\"action\":\"hibernate\",\"clusterId\":\"c1, c2,c3\",\"serverIds\":\"s-1,s-2\","
	"\"tags\":\"env=dev, team\",\"type\":\"HARD\",\"wait\":\"yes\",\"dryRun\":\"false\","
	"\"stopNodes\":\"on\",\"startNodes\":\"0\",\"allServers\":\"true\",\"region\":\"eu-west-0\"}",
	"RUNTIME_PROJECT_ID", "0123456789abcdef0123456789abcdef",
	"RUNTIME_TIMEOUT", "30",
	"RUNTIME_HANDLER", "bootstrap",
	NULL,
};

static const char *const env_empty[] = {
	"RUNTIME_HANDLER", "status",
	NULL,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_OFF);
	return 0;
}

static void resolve(const struct event *ev, const char *const *env)
{
	struct cfg c;
	struct params p;
	struct err e;

	fake_env = env;
	err_clear(&e);
	if (cfg_load(&c, fake_getenv, 0) != 0)
		abort(); /* only out of memory */
	if (c.error.code[0] != '\0')
		abort(); /* the fixed configurations are valid */
	params_init(&p);
	if (params_resolve(ev, &c, &p, &e) != 0) {
		if (e.code[0] == '\0')
			abort(); /* a failure always says why */
	} else if (p.action == ACTION_NONE) {
		abort(); /* a resolved request always has an action */
	}
	params_release(&p);
	cfg_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event ev;
	struct err e;

	event_init(&ev);
	err_clear(&e);
	if (event_parse((const char *)data, size, &ev, &e) == 0) {
		resolve(&ev, env_full);
		resolve(&ev, env_empty);
	} else if (e.code[0] == '\0') {
		abort(); /* a rejected event always says why */
	}
	event_release(&ev);
	return 0;
}
