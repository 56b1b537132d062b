/*
 * fuzz_config: libFuzzer target for the function configuration.
 *
 * RUNTIME_USERDATA is the input up to its first NUL byte. Each further
 * NUL-separated piece becomes, in order, the environment variables
 * RUNTIME_TIMEOUT, RUNTIME_MEMORY, RUNTIME_PROJECT_ID, RUNTIME_HANDLER,
 * region, cceEndpoint, ecsEndpoint and domain (absent when the input ends
 * first). cfg_load() runs in both modes, then cfg_base_url() for both
 * services and a look at every converted field, then cfg_release(). Build
 * and run: make fuzz / make fuzz-smoke.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const env_names[] = {
	"RUNTIME_USERDATA", "RUNTIME_TIMEOUT", "RUNTIME_MEMORY", "RUNTIME_PROJECT_ID",
	"RUNTIME_HANDLER", "region", "cceEndpoint", "ecsEndpoint", "domain",
};
/* RUNTIME_MEMORY is no longer read; its slot stays so the seed corpus keeps its meaning. */
#define NENV (sizeof(env_names) / sizeof(env_names[0]))

static const char *env_values[NENV];

static const char *fake_getenv(const char *name)
{
	size_t i;

	for (i = 0; i < NENV; i++)
		if (strcmp(env_names[i], name) == 0)
			return env_values[i];
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_OFF);
	return 0;
}

static void base_url(const struct cfg *c, enum cfg_service svc)
{
	const char *url;
	struct err e;

	err_clear(&e);
	if ((url = cfg_base_url(c, svc, &e)) == NULL) {
		if (e.code[0] == '\0')
			abort();
	} else if (strncmp(url, "http", 4) != 0 || url[strlen(url) - 1] == '/') {
		abort(); /* a base URL is always http(s)://, without a trailing slash */
	}
}

/* The converted fields of a usable configuration are in range. */
static void check_typed(const struct cfg *c)
{
	size_t i;

	if (c->timeout_s < 1 || (int)c->action < 0 || (int)c->action >= ACTION_COUNT ||
	    (int)c->handler_action < 0 || (int)c->handler_action >= ACTION_COUNT)
		abort();
	if ((c->wait | c->dry_run | c->stop_nodes | c->start_nodes | c->all_servers) & ~1)
		abort(); /* booleans are 0 or 1 */
	for (i = 0; i < c->cluster_ids.n; i++)
		if (c->cluster_ids.v[i][0] == '\0' || strchr(c->cluster_ids.v[i], '/') != NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *p, *end;
	struct cfg c;
	size_t i;
	int mode;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	memset(env_values, 0, sizeof(env_values));
	for (i = 0, p = copy, end = copy + size; i < NENV && p <= end; i++) {
		env_values[i] = p;
		p += strlen(p) + 1;
	}
	for (mode = 0; mode <= 1; mode++) {
		if (cfg_load(&c, fake_getenv, mode) != 0)
			abort(); /* only out of memory */
		if (c.error.code[0] == '\0') {
			base_url(&c, CFG_CCE);
			base_url(&c, CFG_ECS);
			check_typed(&c);
		} else if (c.error.msg[0] == '\0') {
			abort(); /* an unusable configuration always says why */
		}
		cfg_release(&c);
	}
	free(copy);
	return 0;
}
