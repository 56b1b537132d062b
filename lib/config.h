/*
 * config: the function's configuration, read and converted once at start.
 *
 * Each key is looked up in RUNTIME_USERDATA (the JSON string map FunctionGraph
 * fills from the function's environment variables) first, then in the process
 * environment. cfg_load() validates every key and turns it into the type its
 * consumers use (enums, id lists, booleans, base URLs), so nothing downstream
 * parses a configured string again. A configuration that cannot be used does
 * not stop the runtime: cfg_load() records the first problem in cfg->error and
 * every invocation reports it (FunctionGraph has no init-error endpoint).
 */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include "action.h"
#include "err.h"
#include "log.h"
#include "schedule.h"
#include "strlist.h"

#define CFG_DEFAULT_DOMAIN "myhuaweicloud.com"
#define CFG_DEFAULT_TIMEOUT_S 3 /* the platform's default function timeout */
#define CFG_MAX_TIMEOUT_S 259200 /* the platform's largest (3 days) */
#define CFG_DEFAULT_MAX_EVENT (128u * 1024u) /* maxEventBytes */
#define CFG_MIN_MAX_EVENT 1024u
#define CFG_MAX_MAX_EVENT (6u * 1024u * 1024u) /* FunctionGraph's synchronous payload limit */
#define CFG_DEFAULT_CONCURRENCY 16 /* cloud requests in flight at once */
#define CFG_CONCURRENCY_MIN 1      /* 1: strictly one request at a time */
#define CFG_CONCURRENCY_MAX 64

enum cfg_service { CFG_CCE = 0, CFG_ECS };
#define CFG_NSERVICES 2

/* How ECS servers are stopped (`type`). */
enum cfg_stop { CFG_STOP_SOFT = 0, CFG_STOP_HARD };

/* Which credentials a cloud call may use (`auth`). */
enum cfg_auth {
	CFG_AUTH_AUTO = 0, /* the agency token, else its keys, else the configured ak/sk */
	CFG_AUTH_TOKEN,    /* only the agency token */
	CFG_AUTH_AKSK,     /* only keys (the agency's, else the configured ones) */
};

/*
 * Owned by the caller, filled by cfg_load(), read-only afterwards. Strings
 * are owned by the struct (NULL when unset); the booleans are 0 or 1 (0 when
 * unset).
 */
struct cfg {
	/* What an invocation does when its event does not say. */
	enum action action;         /* `action`; ACTION_NONE when unset */
	enum action handler_action; /* RUNTIME_HANDLER when it names an action, else ACTION_NONE */
	struct strlist cluster_ids; /* clusterId (alias cluster_ids) */
	struct strlist server_ids;  /* serverIds (alias server_ids) */
	struct strlist tags;        /* tags: "key=value" or "key" */
	enum cfg_stop stop_type;    /* type; SOFT when unset */
	int wait;
	int dry_run;
	int stop_nodes;
	int start_nodes;
	int all_servers; /* only the configuration may select the whole project */

	/* What an untrusted (API Gateway) event may ask for, and how big any event may be. */
	unsigned apig_actions;  /* apigActions: bit (1u << action) per allowed action; status by default */
	size_t max_event_bytes; /* maxEventBytes; CFG_DEFAULT_MAX_EVENT by default */

	/* Where the clouds are and as whom to call them. */
	char *base_url[CFG_NSERVICES]; /* see cfg_base_url(); NULL when unknown */
	char *project_id;              /* projectId, else RUNTIME_PROJECT_ID */
	enum cfg_auth auth;
	char *ak; /* ak and sk: both or neither */
	char *sk;
	char *token; /* only for `bootstrap invoke` */

	/* The runtime. */
	long timeout_s;    /* RUNTIME_TIMEOUT, else CFG_DEFAULT_TIMEOUT_S */
	int timeout_given; /* RUNTIME_TIMEOUT was set */
	unsigned concurrency; /* `concurrency`: cloud requests in flight at once */
	enum log_level log_level;   /* logLevel; LOG_INFO when unset */
	enum log_format log_format; /* logFormat; LOG_FORMAT_PLAIN when unset */

	/* The schedule action: schedules, clusterSchedules, scheduleTag, overrideTag,
	 * scheduleInterval, scheduleNodes (lib/schedule). */
	struct sched_conf sched;

	struct err error; /* the first problem found; empty code when usable */
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

/* Frees everything, wiping ak, sk and token first. c may be NULL. */
void cfg_release(struct cfg *c);

/*
 * Parses a boolean as configured: true/false, yes/no, on/off, 1/0 (any case).
 * Returns 0 with *out set, or -1 when s is not one of those.
 */
int cfg_bool(const char *s, int *out) FG_WUR;

/* 1 when an API Gateway event may ask for action a. */
int cfg_apig_allows(const struct cfg *c, enum action a);

/*
 * Parses a whole decimal number lo..hi (nothing before or after it but what
 * strtol skips). Returns 0 with *out set, or -1.
 */
int cfg_long(const char *s, long lo, long hi, long *out) FG_WUR;

/* Parses a stop type: SOFT or HARD (any case). 0 with *out set, or -1. */
int cfg_stop_parse(const char *s, enum cfg_stop *out) FG_WUR;

/* "SOFT" or "HARD". Static. */
const char *cfg_stop_name(enum cfg_stop t);

/*
 * Returns the base URL of svc without a trailing slash: the configured
 * endpoint, else "https://<cce|ecs>.<region>.<domain>". Borrowed from c.
 * NULL with e set ("ConfigError", naming what to configure) when neither an
 * endpoint nor a region is configured: only the calls to svc fail.
 */
const char *cfg_base_url(const struct cfg *c, enum cfg_service svc, struct err *e);

#endif
