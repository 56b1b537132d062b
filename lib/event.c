/* event: see event.h. */
#include "event.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "schedule.h"

#define EVENT_ERR "InvalidEvent"
#define PARAM_ERR "InvalidParameter"

/*
 * Keys an event may never carry: they would let a caller (perhaps a public
 * APIG route) redirect the agency's credentials or widen the scope. Compared
 * ignoring case, '_' and '-'.
 */
static const char *const event_forbidden[] = {
	"cceEndpoint", "ecsEndpoint", "endpoint", "region", "domain", "projectId",
	"ak", "sk", "accessKey", "secretKey", "token", "authToken", "securityToken",
	"auth", "allServers", "logLevel", "logFormat", "apigActions", "maxEventBytes",
	"allowInsecureHttp",
};

void event_init(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = EVENT_PLAIN;
	strlist_init(&ev->cluster_ids);
	strlist_init(&ev->server_ids);
	strlist_init(&ev->tags);
	ev->wait = ev->dry_run = ev->stop_nodes = ev->start_nodes = EVENT_UNSET;
}

void event_release(struct event *ev)
{
	if (ev == NULL)
		return;
	strlist_release(&ev->cluster_ids);
	strlist_release(&ev->server_ids);
	strlist_release(&ev->tags);
}

/* Compares ignoring case, '_' and '-'. */
static int event_key_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == '_' || *a == '-')
			a++;
		while (*b == '_' || *b == '-')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
}

static int event_set_action(struct event *ev, const char *s, struct err *e)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= EVENT_ACTION_MAX)
		return err_set(e, PARAM_ERR, "action must be a word of 1 to %d letters", EVENT_ACTION_MAX - 1);
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isupper((unsigned char)s[i]))
			return err_set(e, PARAM_ERR, "action '%.32s' is not a word", s);
	for (i = 0; i <= n; i++)
		ev->action[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}

/* The per-event caps of event.h: 0, or -1 with e set. */
static int event_check_caps(const struct event *ev, struct err *e)
{
	if (ev->cluster_ids.n + ev->server_ids.n > EVENT_IDS_MAX)
		return err_set(e, PARAM_ERR,
			       "too many ids: an event may name at most %d cluster and server ids in all",
			       EVENT_IDS_MAX);
	if (ev->tags.n > EVENT_TAGS_MAX)
		return err_set(e, PARAM_ERR, "too many tags: an event may name at most %d",
			       EVENT_TAGS_MAX);
	return 0;
}

/*
 * Adds a string (a comma-separated list) or an array of strings to l with
 * add, checking the caps after each item so a huge list stops early.
 */
static int event_set_list(struct event *ev, struct strlist *l, json_t *v, strlist_add_fn *add,
			  const char *key, struct err *e)
{
	size_t i;
	json_t *item;

	if (json_is_string(v)) {
		if (strlist_add_csv(l, json_string_value(v), add, key, e) != 0) {
			(void)event_check_caps(ev, e); /* over a cap: that is the message */
			return -1;
		}
		return event_check_caps(ev, e);
	}
	if (!json_is_array(v))
		return err_set(e, PARAM_ERR, "%s must be a string or an array of strings", key);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return err_set(e, PARAM_ERR, "%s[%zu] must be a string", key, i);
		if (add(l, json_string_value(item), json_string_length(item), key, e) != 0 ||
		    event_check_caps(ev, e) != 0)
			return -1;
	}
	return 0;
}

/* A boolean option: JSON true/false, or a string cfg_bool() accepts. */
static int event_set_bool(int *dst, json_t *v, const char *key, struct err *e)
{
	if (json_is_boolean(v)) {
		*dst = json_is_true(v);
		return 0;
	}
	if (json_is_string(v) && cfg_bool(json_string_value(v), dst) == 0)
		return 0;
	return err_set(e, PARAM_ERR, "%s must be true or false", key);
}

static int event_set_type(struct event *ev, json_t *v, struct err *e)
{
	if (!json_is_string(v) || cfg_stop_parse(json_string_value(v), &ev->type) != 0)
		return err_set(e, PARAM_ERR, "type must be SOFT or HARD");
	ev->has_type = 1;
	return 0;
}

/* Reads the parameters of an object: the console event, a user_event, an APIG body. */
static int event_read_params(struct event *ev, json_t *obj, struct err *e)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < sizeof(event_forbidden) / sizeof(event_forbidden[0]); i++)
			if (event_key_eq(key, event_forbidden[i]))
				return err_set(e, EVENT_ERR,
					       "events may not set '%.64s': endpoints, project, credentials "
					       "and scope come only from the function configuration", key);
	}
	json_object_foreach(obj, key, v) {
		if (strcmp(key, "action") == 0) {
			if (!json_is_string(v))
				return err_set(e, PARAM_ERR, "action must be a string");
			if (event_set_action(ev, json_string_value(v), e) != 0)
				return -1;
		} else if (strcmp(key, "clusterId") == 0 || strcmp(key, "cluster_ids") == 0) {
			ev->has_cluster_ids = 1;
			if (event_set_list(ev, &ev->cluster_ids, v, strlist_add_id, key, e) != 0)
				return -1;
		} else if (strcmp(key, "serverIds") == 0 || strcmp(key, "server_ids") == 0) {
			ev->has_server_ids = 1;
			if (event_set_list(ev, &ev->server_ids, v, strlist_add_id, key, e) != 0)
				return -1;
		} else if (strcmp(key, "tags") == 0) {
			ev->has_tags = 1;
			if (event_set_list(ev, &ev->tags, v, strlist_add_tag, key, e) != 0)
				return -1;
		} else if (strcmp(key, "type") == 0) {
			if (event_set_type(ev, v, e) != 0)
				return -1;
		} else if (strcmp(key, "wait") == 0) {
			if (event_set_bool(&ev->wait, v, key, e) != 0)
				return -1;
		} else if (strcmp(key, "dryRun") == 0) {
			if (event_set_bool(&ev->dry_run, v, key, e) != 0)
				return -1;
		} else if (strcmp(key, "stopNodes") == 0) {
			if (event_set_bool(&ev->stop_nodes, v, key, e) != 0)
				return -1;
		} else if (strcmp(key, "startNodes") == 0) {
			if (event_set_bool(&ev->start_nodes, v, key, e) != 0)
				return -1;
		} else if (strcmp(key, "at") == 0) {
			if (!json_is_string(v) || sched_parse_time(json_string_value(v), &ev->at) != 0)
				return err_set(e, PARAM_ERR, "at must be an ISO 8601 instant such as "
					       "2026-12-01T18:15:00+01:00");
			ev->has_at = 2;
		} else {
			log_debug("ignoring event key '%.64s'", key);
		}
	}
	return 0;
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decodes standard or URL-safe Base64, padding optional, white space skipped. */
static int event_b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned int acc = 0;
	int bits = 0, v;
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' )
			break;
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			continue;
		if ((v = b64_value((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)((acc >> bits) & 0xff);
			if (buf_append(out, &c, 1) != 0)
				return -1;
		}
	}
	return 0;
}

/*
 * Refuses, before jansson builds anything, JSON nested deeper than
 * EVENT_DEPTH_MAX or holding more than EVENT_VALUES_MAX values: jansson
 * spends some 40 bytes a value, so a flat array of tiny values would cost 20
 * times its size. One pass over the bytes, strings skipped.
 */
static int event_check_shape(const char *p, size_t n, const char *what, struct err *e)
{
	size_t i, depth = 0, values = 1;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > EVENT_DEPTH_MAX)
				return err_set(e, EVENT_ERR, "%s is nested deeper than %d levels", what,
					       EVENT_DEPTH_MAX);
		} else if (c == ']' || c == '}') {
			depth -= depth > 0;
		} else if (c == ',' && ++values > EVENT_VALUES_MAX) {
			return err_set(e, EVENT_ERR, "%s holds more than %d values", what, EVENT_VALUES_MAX);
		}
	}
	return 0;
}

static int event_parse_timer(struct event *ev, json_t *root, struct err *e)
{
	json_t *ue = json_object_get(root, "user_event"), *obj = NULL, *tm;
	json_error_t jerr;
	const char *s;
	int rc;

	ev->kind = EVENT_TIMER;
	tm = json_object_get(root, "time");
	if (json_is_string(tm) && sched_parse_time(json_string_value(tm), &ev->at) == 0)
		ev->has_at = 1; /* a retry of the same event decides for the same instant */
	else if (tm != NULL)
		log_warn("the TIMER event's time is not an ISO 8601 instant: the schedule action uses the clock");
	if (ue == NULL || json_is_null(ue))
		return 0;
	if (!json_is_string(ue))
		return err_set(e, EVENT_ERR, "TIMER user_event must be a string");
	s = json_string_value(ue);
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	if (*s == '{') {
		if (event_check_shape(s, strlen(s), "TIMER user_event", e) != 0)
			return -1;
		obj = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
		if (obj == NULL)
			return err_set(e, EVENT_ERR, "TIMER user_event is not valid JSON: %s", jerr.text);
		rc = event_read_params(ev, obj, e);
		json_decref(obj);
		return rc;
	}
	{
		char word[EVENT_ACTION_MAX + 1];
		size_t n = strlen(s);

		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		if (n >= sizeof(word))
			n = sizeof(word) - 1; /* too long: event_set_action rejects it */
		memcpy(word, s, n);
		word[n] = '\0';
		if (event_set_action(ev, word, e) == 0)
			return 0;
	}
	return err_set(e, EVENT_ERR,
		       "TIMER user_event must be a JSON object or an action word such as 'hibernate'");
}

static int event_parse_apig(struct event *ev, json_t *root, struct err *e)
{
	json_t *body = json_object_get(root, "body"), *obj = NULL;
	struct buf raw;
	json_error_t jerr;
	const char *p;
	size_t n;
	int rc = -1;

	ev->kind = EVENT_APIG;
	buf_init(&raw, BUF_MAX_EVENT);
	if (body == NULL || json_is_null(body))
		return 0;
	if (!json_is_string(body))
		return err_set(e, EVENT_ERR, "APIG body must be a string");
	p = json_string_value(body);
	n = json_string_length(body);
	if (json_is_true(json_object_get(root, "isBase64Encoded"))) {
		if (event_b64_decode(p, n, &raw) != 0) {
			err_set(e, EVENT_ERR, "APIG body is not valid Base64");
			goto out;
		}
		p = buf_str(&raw);
		n = raw.len;
	}
	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (event_check_shape(p, n, "the APIG body", e) != 0)
		goto out;
	obj = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL)
		err_set(e, EVENT_ERR, "APIG body is not valid JSON: %s", jerr.text);
	else if (!json_is_object(obj))
		err_set(e, EVENT_ERR, "APIG body must be a JSON object");
	else
		rc = event_read_params(ev, obj, e);
out:
	json_decref(obj);
	buf_release(&raw);
	return rc;
}

int event_parse(const char *body, size_t len, struct event *ev, struct err *e)
{
	json_t *root = NULL, *tt;
	json_error_t jerr;
	int rc = -1;

	if (len == 0) {
		err_set(e, EVENT_ERR, "the event is empty: send a JSON object such as {\"action\":\"hibernate\"}");
		goto out;
	}
	if (event_check_shape(body, len, "the event", e) != 0)
		goto out;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		err_set(e, EVENT_ERR, "the event is not valid JSON: %s (line %d, column %d)", jerr.text,
			jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		err_set(e, EVENT_ERR, "the event must be a JSON object");
		goto out;
	}
	tt = json_object_get(root, "trigger_type");
	if (json_is_string(tt) && strcasecmp(json_string_value(tt), "TIMER") == 0)
		rc = event_parse_timer(ev, root, e);
	else if (json_is_string(json_object_get(root, "httpMethod")) &&
		 (json_object_get(root, "requestContext") != NULL || json_object_get(root, "body") != NULL))
		rc = event_parse_apig(ev, root, e);
	else
		rc = event_read_params(ev, root, e);
out:
	json_decref(root);
	return rc;
}
