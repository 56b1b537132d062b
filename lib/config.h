/*
 * config: the function's configuration, read once at start.
 *
 * Each key is looked up in RUNTIME_USERDATA (the JSON string map FunctionGraph
 * fills from the function's environment variables) first, then in the process
 * environment. A configuration that cannot be used does not stop the runtime:
 * cfg_load() records the problem in cfg->error and every invocation reports it
 * (FunctionGraph has no init-error endpoint).
 */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include "buf.h"
#include "err.h"

#define CFG_DEFAULT_DOMAIN "myhuaweicloud.com"
#define CFG_DEFAULT_TIMEOUT_S 3 /* the platform's default function timeout */

enum cfg_service { CFG_CCE, CFG_ECS };

/* All strings are owned by the struct (NULL when unset); read-only for callers. */
struct cfg {
	char *action;
	char *cluster_ids; /* comma-separated, as configured */
	char *region;
	char *domain;
	char *cce_endpoint; /* without a trailing slash */
	char *ecs_endpoint;
	char *project_id; /* projectId, else RUNTIME_PROJECT_ID */
	char *ak;
	char *sk;
	char *token; /* only for `bootstrap invoke` */
	char *log_level;
	char *log_format; /* logFormat: "plain" or "json" */
	char *server_ids;  /* serverIds, comma-separated */
	char *tags;        /* comma-separated key=value */
	char *stop_type;   /* type: SOFT or HARD */
	char *wait;        /* booleans as configured: "true"/"false"... */
	char *dry_run;
	char *stop_nodes;
	char *start_nodes;
	char *all_servers; /* only the configuration may set it */
	char *auth;        /* "token" or "aksk" forces one way; NULL: automatic */
	char *handler; /* RUNTIME_HANDLER */
	char *func_name;
	char *func_version;
	char *package;
	char *code_root;
	long timeout_s;
	long memory_mb;
	struct err error; /* empty code when usable */
};

/* Reads an environment variable; getenv fits. */
typedef const char *cfg_getenv_fn(const char *name);

/*
 * Loads the configuration through get. invoke_mode also reads `token` (a
 * laptop has no agency headers). Returns 0, or -1 only when memory ran out;
 * an unusable configuration is reported in c->error, not by the return value.
 * Release with cfg_release() in either case.
 */
int cfg_load(struct cfg *c, cfg_getenv_fn *get, int invoke_mode) FG_WUR;

/*
 * Parses a boolean as configured: true/false, yes/no, on/off, 1/0 (any case).
 * Returns 0 with *out set, or -1 when s is not one of those.
 */
int cfg_bool(const char *s, int *out) FG_WUR;

/* Frees every string, wiping ak, sk and token first. c may be NULL. */
void cfg_release(struct cfg *c);

/*
 * Writes the base URL of svc into out ("https://cce.<region>.<domain>" or the
 * configured endpoint). Returns -1 with e set when neither region nor an
 * endpoint is configured.
 */
int cfg_base_url(const struct cfg *c, enum cfg_service svc, struct buf *out, struct err *e) FG_WUR;

#endif
