/* config: see config.h. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "secret.h"

/* The user-settable keys, with their aliases. */
enum cfg_key {
	K_ACTION, K_CLUSTERS, K_REGION, K_DOMAIN, K_CCE_EP, K_ECS_EP, K_PROJECT, K_AK, K_SK,
	K_LOG_LEVEL, K_LOG_FORMAT, K_SERVERS, K_TAGS, K_TYPE, K_WAIT, K_DRY_RUN, K_STOP_NODES,
	K_START_NODES, K_ALL_SERVERS, K_AUTH, K_APIG_ACTIONS, K_MAX_EVENT, K_INSECURE_HTTP, K_CONCURRENCY,
	K_SCHEDULES, K_CLUSTER_SCHEDULES, K_SCHEDULE_TAG, K_OVERRIDE_TAG, K_SCHEDULE_INTERVAL,
	K_SCHEDULE_NODES, K_COUNT
};

static const struct {
	const char *name;
	const char *alias;
} cfg_keys[K_COUNT] = {
	[K_ACTION] = {"action", NULL},
	[K_CLUSTERS] = {"clusterId", "cluster_ids"},
	[K_REGION] = {"region", NULL},
	[K_DOMAIN] = {"domain", NULL},
	[K_CCE_EP] = {"cceEndpoint", NULL},
	[K_ECS_EP] = {"ecsEndpoint", "endpoint"},
	[K_PROJECT] = {"projectId", NULL},
	[K_AK] = {"ak", NULL},
	[K_SK] = {"sk", NULL},
	[K_LOG_LEVEL] = {"logLevel", NULL},
	[K_LOG_FORMAT] = {"logFormat", NULL},
	[K_SERVERS] = {"serverIds", "server_ids"},
	[K_TAGS] = {"tags", NULL},
	[K_TYPE] = {"type", NULL},
	[K_WAIT] = {"wait", NULL},
	[K_DRY_RUN] = {"dryRun", NULL},
	[K_STOP_NODES] = {"stopNodes", NULL},
	[K_START_NODES] = {"startNodes", NULL},
	[K_ALL_SERVERS] = {"allServers", NULL},
	[K_AUTH] = {"auth", NULL},
	[K_APIG_ACTIONS] = {"apigActions", NULL},
	[K_MAX_EVENT] = {"maxEventBytes", NULL},
	[K_INSECURE_HTTP] = {"allowInsecureHttp", NULL},
	[K_CONCURRENCY] = {"concurrency", NULL},
	[K_SCHEDULES] = {"schedules", NULL},
	[K_CLUSTER_SCHEDULES] = {"clusterSchedules", NULL},
	[K_SCHEDULE_TAG] = {"scheduleTag", NULL},
	[K_OVERRIDE_TAG] = {"overrideTag", NULL},
	[K_SCHEDULE_INTERVAL] = {"scheduleInterval", NULL},
	[K_SCHEDULE_NODES] = {"scheduleNodes", NULL},
};

/* The raw values, borrowed from the userdata or the environment; NULL when unset or empty. */
struct cfg_raw {
	const char *v[K_COUNT];
	const char *timeout;
	const char *handler;
};

/* Keeps the first problem found (later ones would only hide it); notes running out of memory. */
static void cfg_keep(struct cfg *c, const struct err *e, int *oom)
{
	if (strcmp(e->code, "OutOfMemory") == 0)
		*oom = 1;
	if (c->error.code[0] == '\0')
		c->error = *e;
}

/* Looks name up in the userdata map, then the environment. Borrowed; NULL when unset or empty. */
static const char *cfg_lookup(json_t *userdata, cfg_getenv_fn *get, const char *name)
{
	json_t *v = userdata ? json_object_get(userdata, name) : NULL;
	const char *s = json_is_string(v) ? json_string_value(v) : get(name);

	return s != NULL && *s != '\0' ? s : NULL;
}

static int cfg_dup(char **dst, const char *s)
{
	*dst = NULL;
	if (s == NULL)
		return 0;
	return (*dst = strdup(s)) == NULL ? -1 : 0;
}

static int cfg_is_word(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return 0;
	return 1;
}

int cfg_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int cfg_stop_parse(const char *s, enum cfg_stop *out)
{
	if (strcasecmp(s, "SOFT") == 0)
		*out = CFG_STOP_SOFT;
	else if (strcasecmp(s, "HARD") == 0)
		*out = CFG_STOP_HARD;
	else
		return -1;
	return 0;
}

const char *cfg_stop_name(enum cfg_stop t)
{
	return t == CFG_STOP_HARD ? "HARD" : "SOFT";
}

/* RUNTIME_USERDATA: a JSON object of strings; anything else is a configuration error. */
static json_t *cfg_userdata(struct cfg *c, cfg_getenv_fn *get, struct err *e, int *oom)
{
	const char *raw = get("RUNTIME_USERDATA");
	json_error_t jerr;
	json_t *userdata;

	if (raw == NULL || *raw == '\0')
		return NULL;
	userdata = json_loads(raw, JSON_REJECT_DUPLICATES, &jerr);
	if (userdata == NULL) {
		err_set(e, "ConfigError", "RUNTIME_USERDATA is not valid JSON: %s (line %d)", jerr.text,
			jerr.line);
		cfg_keep(c, e, oom);
	} else if (!json_is_object(userdata)) {
		err_set(e, "ConfigError", "RUNTIME_USERDATA is not a JSON object");
		cfg_keep(c, e, oom);
		json_decref(userdata);
		userdata = NULL;
	}
	return userdata;
}

static void cfg_read(struct cfg_raw *raw, json_t *userdata, cfg_getenv_fn *get)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++) {
		raw->v[i] = cfg_lookup(userdata, get, cfg_keys[i].name);
		if (raw->v[i] == NULL && cfg_keys[i].alias != NULL)
			raw->v[i] = cfg_lookup(userdata, get, cfg_keys[i].alias);
	}
	if (raw->v[K_PROJECT] == NULL)
		raw->v[K_PROJECT] = cfg_lookup(NULL, get, "RUNTIME_PROJECT_ID");
	raw->timeout = cfg_lookup(NULL, get, "RUNTIME_TIMEOUT");
	raw->handler = cfg_lookup(NULL, get, "RUNTIME_HANDLER");
}

int cfg_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int cfg_timeout(struct cfg *c, const char *s, struct err *e)
{
	long v;

	if (s == NULL)
		return 0;
	if (cfg_long(s, 1, CFG_MAX_TIMEOUT_S, &v) != 0)
		return err_set(e, "ConfigError", "RUNTIME_TIMEOUT '%.32s' is not a number of seconds (1 to %d)", s,
			       CFG_MAX_TIMEOUT_S);
	c->timeout_s = v;
	c->timeout_given = 1;
	return 0;
}

/* concurrency: cloud requests in flight at once, CFG_CONCURRENCY_MIN..CFG_CONCURRENCY_MAX. */
static int cfg_concurrency(struct cfg *c, const char *s, struct err *e)
{
	long v;

	if (s == NULL)
		return 0;
	if (cfg_long(s, CFG_CONCURRENCY_MIN, CFG_CONCURRENCY_MAX, &v) != 0)
		return err_set(e, "ConfigError", "concurrency '%.32s' is not a number from %d to %d", s,
			       CFG_CONCURRENCY_MIN, CFG_CONCURRENCY_MAX);
	c->concurrency = (unsigned)v;
	return 0;
}

static int cfg_logging(struct cfg *c, const struct cfg_raw *raw, struct err *e)
{
	const char *lvl = raw->v[K_LOG_LEVEL], *fmt = raw->v[K_LOG_FORMAT];

	if (lvl != NULL && log_level_parse(lvl, &c->log_level) != 0)
		return err_set(e, "ConfigError", "logLevel '%.32s' is not one of debug, info, warn, error, off", lvl);
	if (fmt != NULL && log_format_parse(fmt, &c->log_format) != 0)
		return err_set(e, "ConfigError", "logFormat '%.32s' is not one of plain, json", fmt);
	return 0;
}

/* 1 when the host of an http:// URL (after the scheme) is a loopback address. */
static int cfg_is_loopback(const char *host)
{
	size_t n = strcspn(host, ":/");

	if (host[0] == '[')
		return strncmp(host, "[::1]", 5) == 0 && (host[5] == '\0' || host[5] == ':' || host[5] == '/');
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return 1;
	return n > 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") >= n;
}

/*
 * An endpoint: http(s)://host[/prefix], no query, fragment or space; trailing
 * slashes dropped. Plain http:// is for loopback (a local emulator or proxy)
 * unless allowInsecureHttp says otherwise: credentials and signatures would
 * otherwise cross the network in clear.
 */
static int cfg_endpoint(char **dst, const char *url, const char *key, int insecure_ok, struct err *e)
{
	size_t n = strlen(url);

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return err_set(e, "ConfigError", "%s must start with https:// or http://", key);
	if (strncmp(url, "http://", 7) == 0 && !insecure_ok && !cfg_is_loopback(url + 7))
		return err_set(e, "ConfigError",
			       "%s uses plain http:// to a host that is not loopback: the agency's token "
			       "would cross the network in clear; use https://, or set allowInsecureHttp=true",
			       key);
	if (strpbrk(url, " \t\r\n?#") != NULL)
		return err_set(e, "ConfigError", "%s must be a base URL without query or spaces", key);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (strchr(url, ':') + 3 >= url + n)
		return err_set(e, "ConfigError", "%s has no host", key);
	if ((*dst = strndup(url, n)) == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	return 0;
}

/* "https://<name>.<region>.<domain>"; NULL without a region (cfg_base_url() explains). */
static int cfg_default_url(char **dst, const char *name, const char *region, const char *domain,
			   struct err *e)
{
	struct buf b;

	if (region == NULL)
		return 0;
	buf_init(&b, BUF_MAX_SMALL);
	if (buf_printf(&b, "https://%s.%s.%s", name, region, domain) != 0 || (*dst = buf_take(&b)) == NULL) {
		buf_release(&b);
		return err_set(e, "ConfigError", "%sEndpoint: region and domain are too long", name);
	}
	return 0;
}

/* Region, domain, endpoints and project: where the clouds are. */
static int cfg_where(struct cfg *c, const struct cfg_raw *raw, struct err *e)
{
	static const char *const names[CFG_NSERVICES] = {"cce", "ecs"};
	static const char *const keys[CFG_NSERVICES] = {"cceEndpoint", "ecsEndpoint"};
	const char *region = raw->v[K_REGION], *domain = raw->v[K_DOMAIN];
	const char *eps[CFG_NSERVICES] = {raw->v[K_CCE_EP], raw->v[K_ECS_EP]};
	int i, insecure = 0;

	if (domain == NULL)
		domain = CFG_DEFAULT_DOMAIN;
	if (region != NULL && !cfg_is_word(region, "-"))
		return err_set(e, "ConfigError", "region '%.64s' has characters outside [A-Za-z0-9-]", region);
	if (!cfg_is_word(domain, "-."))
		return err_set(e, "ConfigError", "domain '%.64s' has characters outside [A-Za-z0-9.-]", domain);
	if (raw->v[K_PROJECT] != NULL && !cfg_is_word(raw->v[K_PROJECT], "-_"))
		return err_set(e, "ConfigError", "projectId has characters outside [A-Za-z0-9_-]");
	if (cfg_dup(&c->project_id, raw->v[K_PROJECT]) != 0)
		return err_set(e, "OutOfMemory", "out of memory");
	if (raw->v[K_INSECURE_HTTP] != NULL && cfg_bool(raw->v[K_INSECURE_HTTP], &insecure) != 0)
		return err_set(e, "ConfigError", "allowInsecureHttp must be true or false");
	for (i = 0; i < CFG_NSERVICES; i++) {
		if (eps[i] != NULL ? cfg_endpoint(&c->base_url[i], eps[i], keys[i], insecure, e)
				   : cfg_default_url(&c->base_url[i], names[i], region, domain, e))
			return -1;
	}
	return 0;
}

/* ak/sk, the invoke-mode token and `auth`: as whom. */
static int cfg_who(struct cfg *c, const struct cfg_raw *raw, const char *token, struct err *e)
{
	const char *auth = raw->v[K_AUTH];

	if (cfg_dup(&c->ak, raw->v[K_AK]) != 0 || cfg_dup(&c->sk, raw->v[K_SK]) != 0 ||
	    cfg_dup(&c->token, token) != 0)
		return err_set(e, "OutOfMemory", "out of memory");
	if ((c->ak == NULL) != (c->sk == NULL))
		return err_set(e, "ConfigError", "ak and sk must be set together");
	if (auth == NULL)
		c->auth = CFG_AUTH_AUTO;
	else if (strcmp(auth, "token") == 0)
		c->auth = CFG_AUTH_TOKEN;
	else if (strcmp(auth, "aksk") == 0)
		c->auth = CFG_AUTH_AKSK;
	else
		return err_set(e, "ConfigError", "auth must be token or aksk");
	return 0;
}

/* The options an event may also set: booleans and the stop type. */
static int cfg_options(struct cfg *c, const struct cfg_raw *raw, struct err *e)
{
	const struct {
		enum cfg_key key;
		int *dst;
	} b[] = {{K_WAIT, &c->wait}, {K_DRY_RUN, &c->dry_run}, {K_STOP_NODES, &c->stop_nodes},
		 {K_START_NODES, &c->start_nodes}, {K_ALL_SERVERS, &c->all_servers}};
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (raw->v[b[i].key] != NULL && cfg_bool(raw->v[b[i].key], b[i].dst) != 0)
			return err_set(e, "ConfigError", "%s must be true or false", cfg_keys[b[i].key].name);
	if (raw->v[K_TYPE] != NULL && cfg_stop_parse(raw->v[K_TYPE], &c->stop_type) != 0)
		return err_set(e, "ConfigError", "type must be SOFT or HARD");
	return 0;
}

/* The default action and targets; validated like an event's. */
static int cfg_targets(struct cfg *c, const struct cfg_raw *raw, struct err *e)
{
	const char *action = raw->v[K_ACTION];
	char names[128];
	const struct {
		enum cfg_key key;
		struct strlist *dst;
		strlist_add_fn *add;
	} lists[] = {{K_CLUSTERS, &c->cluster_ids, strlist_add_id},
		     {K_SERVERS, &c->server_ids, strlist_add_id},
		     {K_TAGS, &c->tags, strlist_add_tag}};
	size_t i;

	c->handler_action = action_parse(raw->handler);
	if (action != NULL && (c->action = action_parse(action)) == ACTION_NONE) {
		action_list(names, sizeof(names), ACTION_ALL);
		return err_set(e, "ConfigError", "action '%.32s' is not one of %s", action, names);
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (raw->v[lists[i].key] != NULL &&
		    strlist_add_csv(lists[i].dst, raw->v[lists[i].key], lists[i].add, cfg_keys[lists[i].key].name,
				    e) != 0) {
			snprintf(e->code, sizeof(e->code), "ConfigError");
			return -1;
		}
	}
	return 0;
}

/* Adds one apigActions item: an action name (strlist_add_fn, for strlist_add_csv). */
static int cfg_add_action(struct strlist *l, const char *s, size_t n, const char *what, struct err *e)
{
	char word[32];

	snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), s);
	if (strcasecmp(word, "none") == 0)
		return 0; /* apigActions=none: API Gateway events may ask for nothing */
	if (n >= sizeof(word) || action_parse(word) == ACTION_NONE)
		return err_set(e, "ConfigError", "%s: '%.*s' is not an action", what, (int)(n < 32 ? n : 32), s);
	return strlist_add(l, word, n) == 0 ? 0 : err_set(e, "OutOfMemory", "out of memory");
}

/* apigActions and maxEventBytes: what an untrusted event may ask, how big any event may be. */
static int cfg_trust(struct cfg *c, const struct cfg_raw *raw, struct err *e)
{
	const char *max = raw->v[K_MAX_EVENT];
	struct strlist names;
	size_t i;
	long v;
	int rc = -1;

	strlist_init(&names);
	if (raw->v[K_APIG_ACTIONS] != NULL) {
		if (strlist_add_csv(&names, raw->v[K_APIG_ACTIONS], cfg_add_action, "apigActions", e) != 0)
			goto out;
		c->apig_actions = 0;
		for (i = 0; i < names.n; i++)
			c->apig_actions |= 1u << action_parse(names.v[i]);
	}
	if (max != NULL) {
		if (cfg_long(max, CFG_MIN_MAX_EVENT, CFG_MAX_MAX_EVENT, &v) != 0) {
			err_set(e, "ConfigError", "maxEventBytes '%.32s' is not a size in bytes (%u to %u)", max,
				CFG_MIN_MAX_EVENT, CFG_MAX_MAX_EVENT);
			goto out;
		}
		c->max_event_bytes = (size_t)v;
	}
	rc = 0;
out:
	strlist_release(&names);
	return rc;
}

/* A tag key for the schedule action: 1 to 127 characters, no '=', comma or control character. */
static int cfg_tag_key(char *dst, size_t n, const char *s, const char *key, struct err *e)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '=' || s[i] == ',' || s[i] == 0x7f)
			break;
	if (len >= n || i < len)
		return err_set(e, "ConfigError", "%s must be a tag key: 1 to %zu characters, no '=' or ','",
			       key, n - 1);
	snprintf(dst, n, "%s", s);
	return 0;
}

/* schedules, clusterSchedules and the schedule action's knobs (lib/schedule). */
static int cfg_schedules(struct cfg *c, const struct cfg_raw *raw, struct err *e)
{
	struct sched_conf *s = &c->sched;
	const char *iv = raw->v[K_SCHEDULE_INTERVAL];
	long v;

	if (raw->v[K_SCHEDULES] != NULL && sched_set_parse(&s->set, raw->v[K_SCHEDULES], e) != 0)
		return -1;
	if (raw->v[K_CLUSTER_SCHEDULES] != NULL && sched_clusters_parse(s, raw->v[K_CLUSTER_SCHEDULES], e) != 0)
		return -1;
	if ((raw->v[K_SCHEDULE_TAG] != NULL &&
	     cfg_tag_key(s->tag, sizeof(s->tag), raw->v[K_SCHEDULE_TAG], "scheduleTag", e) != 0) ||
	    (raw->v[K_OVERRIDE_TAG] != NULL &&
	     cfg_tag_key(s->override_tag, sizeof(s->override_tag), raw->v[K_OVERRIDE_TAG], "overrideTag", e) != 0))
		return -1;
	if (raw->v[K_SCHEDULE_NODES] != NULL && cfg_bool(raw->v[K_SCHEDULE_NODES], &s->nodes) != 0)
		return err_set(e, "ConfigError", "scheduleNodes must be true or false");
	if (iv != NULL && cfg_long(iv, 1, 1440, &v) != 0)
		return err_set(e, "ConfigError", "scheduleInterval '%.32s' is not a number of minutes (1 to 1440)",
			       iv);
	if (iv != NULL)
		s->interval_min = v;
	return 0;
}

int cfg_apig_allows(const struct cfg *c, enum action a)
{
	return a > ACTION_NONE && a < ACTION_COUNT && (c->apig_actions & (1u << a)) != 0;
}

int cfg_load(struct cfg *c, cfg_getenv_fn *get, int invoke_mode)
{
	struct cfg_raw raw;
	json_t *userdata;
	struct err e;
	int oom = 0;

	memset(c, 0, sizeof(*c));
	strlist_init(&c->cluster_ids);
	strlist_init(&c->server_ids);
	strlist_init(&c->tags);
	c->timeout_s = CFG_DEFAULT_TIMEOUT_S;
	c->concurrency = CFG_DEFAULT_CONCURRENCY;
	c->log_level = LOG_INFO;
	c->log_format = LOG_FORMAT_PLAIN;
	c->apig_actions = 1u << ACTION_STATUS;
	c->max_event_bytes = CFG_DEFAULT_MAX_EVENT;
	sched_conf_init(&c->sched);
	err_clear(&e);

	/* Every step runs (the log settings apply even when another key is wrong); the first error is kept. */
	userdata = cfg_userdata(c, get, &e, &oom);
	cfg_read(&raw, userdata, get);
	if (cfg_timeout(c, raw.timeout, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_logging(c, &raw, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_concurrency(c, raw.v[K_CONCURRENCY], &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_where(c, &raw, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_who(c, &raw, invoke_mode ? cfg_lookup(userdata, get, "token") : NULL, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_options(c, &raw, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_targets(c, &raw, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_trust(c, &raw, &e) != 0)
		cfg_keep(c, &e, &oom);
	if (cfg_schedules(c, &raw, &e) != 0)
		cfg_keep(c, &e, &oom);
	json_decref(userdata);
	return oom ? -1 : 0;
}

void cfg_release(struct cfg *c)
{
	int i;

	if (c == NULL)
		return;
	strlist_release(&c->cluster_ids);
	strlist_release(&c->server_ids);
	strlist_release(&c->tags);
	sched_conf_release(&c->sched);
	for (i = 0; i < CFG_NSERVICES; i++)
		free(c->base_url[i]);
	free(c->project_id);
	secret_free(c->ak);
	secret_free(c->sk);
	secret_free(c->token);
	memset(c, 0, sizeof(*c));
}

const char *cfg_base_url(const struct cfg *c, enum cfg_service svc, struct err *e)
{
	if (c->base_url[svc] == NULL)
		err_set(e, "ConfigError", "region not configured: set region (e.g. eu-west-0) or %sEndpoint",
			svc == CFG_CCE ? "cce" : "ecs");
	return c->base_url[svc];
}
