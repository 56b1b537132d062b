/* config: see config.h. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* Offsets into struct cfg of the user-settable keys, with their aliases. */
static const struct cfg_key {
	const char *name;
	const char *alias;
	size_t off;
} cfg_keys[] = {
	{"action", NULL, offsetof(struct cfg, action)},
	{"clusterId", "cluster_ids", offsetof(struct cfg, cluster_ids)},
	{"region", NULL, offsetof(struct cfg, region)},
	{"domain", NULL, offsetof(struct cfg, domain)},
	{"cceEndpoint", NULL, offsetof(struct cfg, cce_endpoint)},
	{"ecsEndpoint", "endpoint", offsetof(struct cfg, ecs_endpoint)},
	{"projectId", NULL, offsetof(struct cfg, project_id)},
	{"ak", NULL, offsetof(struct cfg, ak)},
	{"sk", NULL, offsetof(struct cfg, sk)},
	{"logLevel", NULL, offsetof(struct cfg, log_level)},
	{"logFormat", NULL, offsetof(struct cfg, log_format)},
	{"serverIds", "server_ids", offsetof(struct cfg, server_ids)},
	{"tags", NULL, offsetof(struct cfg, tags)},
	{"type", NULL, offsetof(struct cfg, stop_type)},
	{"wait", NULL, offsetof(struct cfg, wait)},
	{"dryRun", NULL, offsetof(struct cfg, dry_run)},
	{"stopNodes", NULL, offsetof(struct cfg, stop_nodes)},
	{"startNodes", NULL, offsetof(struct cfg, start_nodes)},
	{"allServers", NULL, offsetof(struct cfg, all_servers)},
	{"auth", NULL, offsetof(struct cfg, auth)},
};

static char **cfg_field(struct cfg *c, size_t off)
{
	return (char **)(void *)((char *)c + off);
}

/* Looks name up in the userdata map, then the environment. Borrowed result. */
static const char *cfg_lookup(json_t *userdata, cfg_getenv_fn *get, const char *name)
{
	json_t *v = userdata ? json_object_get(userdata, name) : NULL;
	const char *s;

	if (json_is_string(v))
		return json_string_value(v);
	s = get(name);
	return s;
}

static int cfg_dup(char **dst, const char *s)
{
	free(*dst);
	*dst = NULL;
	if (s == NULL || *s == '\0')
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

static int cfg_check_endpoint(char *url, const char *key, struct err *e)
{
	size_t n = strlen(url);

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return err_set(e, "ConfigError", "%s must start with https:// or http://", key);
	if (strpbrk(url, " \t\r\n?#") != NULL)
		return err_set(e, "ConfigError", "%s must be a base URL without query or spaces", key);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	if (strchr(url, ':')[3] == '\0')
		return err_set(e, "ConfigError", "%s has no host", key);
	return 0;
}

static int cfg_parse_long(const char *s, long lo, long hi, long *out)
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

/* Checks the boolean keys; returns the name of the first bad one, or NULL. */
static const char *cfg_bad_bool(const struct cfg *c)
{
	const struct {
		const char *name;
		const char *value;
	} b[] = {{"wait", c->wait}, {"dryRun", c->dry_run}, {"stopNodes", c->stop_nodes},
		 {"startNodes", c->start_nodes}, {"allServers", c->all_servers}};
	size_t i;
	int v;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (b[i].value != NULL && cfg_bool(b[i].value, &v) != 0)
			return b[i].name;
	return NULL;
}

/* Validates what was read; the first problem found wins. */
static void cfg_validate(struct cfg *c, const char *timeout, const char *memory)
{
	enum log_level lvl;
	enum log_format fmt;
	struct err *e = &c->error;

	if (c->error.code[0] != '\0')
		return;
	if (timeout != NULL && *timeout != '\0' && cfg_parse_long(timeout, 1, 259200, &c->timeout_s) != 0)
		err_set(e, "ConfigError", "RUNTIME_TIMEOUT '%.32s' is not a number of seconds (1 to 259200)", timeout);
	else if (memory != NULL && *memory != '\0' && cfg_parse_long(memory, 1, 1L << 20, &c->memory_mb) != 0)
		err_set(e, "ConfigError", "RUNTIME_MEMORY '%.32s' is not a number of MB", memory);
	else if (c->log_level != NULL && log_level_parse(c->log_level, &lvl) != 0)
		err_set(e, "ConfigError", "logLevel '%.32s' is not one of debug, info, warn, error, off", c->log_level);
	else if (c->log_format != NULL && log_format_parse(c->log_format, &fmt) != 0)
		err_set(e, "ConfigError", "logFormat '%.32s' is not one of plain, json", c->log_format);
	else if (c->region != NULL && !cfg_is_word(c->region, "-"))
		err_set(e, "ConfigError", "region '%.64s' has characters outside [A-Za-z0-9-]", c->region);
	else if (c->domain != NULL && !cfg_is_word(c->domain, "-."))
		err_set(e, "ConfigError", "domain '%.64s' has characters outside [A-Za-z0-9.-]", c->domain);
	else if (c->project_id != NULL && !cfg_is_word(c->project_id, "-_"))
		err_set(e, "ConfigError", "projectId has characters outside [A-Za-z0-9_-]");
	else if (c->cce_endpoint != NULL && cfg_check_endpoint(c->cce_endpoint, "cceEndpoint", e) != 0)
		return;
	else if (c->ecs_endpoint != NULL && cfg_check_endpoint(c->ecs_endpoint, "ecsEndpoint", e) != 0)
		return;
	else if ((c->ak == NULL) != (c->sk == NULL))
		err_set(e, "ConfigError", "ak and sk must be set together");
	else if (cfg_bad_bool(c) != NULL)
		err_set(e, "ConfigError", "%s must be true or false", cfg_bad_bool(c));
	else if (c->stop_type != NULL && strcasecmp(c->stop_type, "SOFT") != 0 && strcasecmp(c->stop_type, "HARD") != 0)
		err_set(e, "ConfigError", "type must be SOFT or HARD");
	else if (c->auth != NULL && strcmp(c->auth, "token") != 0 && strcmp(c->auth, "aksk") != 0)
		err_set(e, "ConfigError", "auth must be token or aksk");
}

int cfg_load(struct cfg *c, cfg_getenv_fn *get, int invoke_mode)
{
	const char *raw, *s, *timeout, *memory;
	json_t *userdata = NULL;
	json_error_t jerr;
	size_t i;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->timeout_s = CFG_DEFAULT_TIMEOUT_S;

	/* RUNTIME_USERDATA: a JSON object of strings; anything else is a config error. */
	raw = get("RUNTIME_USERDATA");
	if (raw != NULL && *raw != '\0') {
		userdata = json_loads(raw, JSON_REJECT_DUPLICATES, &jerr);
		if (userdata == NULL)
			err_set(&c->error, "ConfigError", "RUNTIME_USERDATA is not valid JSON: %s (line %d)",
				jerr.text, jerr.line);
		else if (!json_is_object(userdata))
			err_set(&c->error, "ConfigError", "RUNTIME_USERDATA is not a JSON object");
	}
	if (!json_is_object(userdata)) {
		json_decref(userdata);
		userdata = NULL;
	}

	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		s = cfg_lookup(userdata, get, cfg_keys[i].name);
		if ((s == NULL || *s == '\0') && cfg_keys[i].alias != NULL)
			s = cfg_lookup(userdata, get, cfg_keys[i].alias);
		if (cfg_dup(cfg_field(c, cfg_keys[i].off), s) != 0)
			goto out;
	}
	if (c->project_id == NULL && cfg_dup(&c->project_id, get("RUNTIME_PROJECT_ID")) != 0)
		goto out;
	if (invoke_mode && cfg_dup(&c->token, cfg_lookup(userdata, get, "token")) != 0)
		goto out;
	if (cfg_dup(&c->handler, get("RUNTIME_HANDLER")) != 0 ||
	    cfg_dup(&c->func_name, get("RUNTIME_FUNC_NAME")) != 0 ||
	    cfg_dup(&c->func_version, get("RUNTIME_FUNC_VERSION")) != 0 ||
	    cfg_dup(&c->package, get("RUNTIME_PACKAGE")) != 0 ||
	    cfg_dup(&c->code_root, get("RUNTIME_CODE_ROOT")) != 0)
		goto out;
	if (c->domain == NULL && cfg_dup(&c->domain, CFG_DEFAULT_DOMAIN) != 0)
		goto out;
	timeout = get("RUNTIME_TIMEOUT");
	memory = get("RUNTIME_MEMORY");
	cfg_validate(c, timeout, memory);
	rc = 0;
out:
	json_decref(userdata);
	return rc;
}

static void cfg_wipe_free(char *s)
{
	volatile char *p = s;

	while (p != NULL && *p)
		*p++ = '\0';
	free(s);
}

void cfg_release(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		cfg_wipe_free(*cfg_field(c, cfg_keys[i].off));
		*cfg_field(c, cfg_keys[i].off) = NULL;
	}
	cfg_wipe_free(c->token);
	free(c->handler);
	free(c->func_name);
	free(c->func_version);
	free(c->package);
	free(c->code_root);
	memset(c, 0, sizeof(*c));
}

int cfg_base_url(const struct cfg *c, enum cfg_service svc, struct buf *out, struct err *e)
{
	const char *ep = svc == CFG_CCE ? c->cce_endpoint : c->ecs_endpoint;
	const char *name = svc == CFG_CCE ? "cce" : "ecs";

	buf_clear(out);
	if (ep != NULL)
		return buf_puts(out, ep) == 0 ? 0 : err_set(e, "ConfigError", "endpoint too long");
	if (c->region == NULL)
		return err_set(e, "ConfigError",
			       "region not configured: set region (e.g. eu-west-0) or %sEndpoint", name);
	if (buf_puts(out, "https://") != 0 || buf_puts(out, name) != 0 || buf_puts(out, ".") != 0 ||
	    buf_puts(out, c->region) != 0 || buf_puts(out, ".") != 0 ||
	    buf_puts(out, c->domain != NULL ? c->domain : CFG_DEFAULT_DOMAIN) != 0)
		return err_set(e, "ConfigError", "endpoint too long");
	return 0;
}
