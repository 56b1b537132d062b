/* log: see log.h. */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LOG_MAX_SECRETS 16
#define LOG_LINE_MAX 4096

static enum log_level log_threshold = LOG_INFO;
static enum log_format log_format = LOG_FORMAT_PLAIN;
static char log_request[128] = "-";
static char *log_secrets[LOG_MAX_SECRETS];
static size_t log_nsecrets;
static size_t log_npinned; /* log_secrets[0..log_npinned) outlive log_forget_secrets() */
static int log_stderr;

static const char *const log_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int log_level_parse(const char *s, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level lvl;
	} map[] = {{"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warn", LOG_WARN},
		   {"warning", LOG_WARN}, {"error", LOG_ERROR}, {"off", LOG_OFF}};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcasecmp(s, map[i].name) == 0) {
			*out = map[i].lvl;
			return 0;
		}
	}
	return -1;
}

int log_format_parse(const char *s, enum log_format *out)
{
	if (s != NULL && strcasecmp(s, "plain") == 0)
		*out = LOG_FORMAT_PLAIN;
	else if (s != NULL && strcasecmp(s, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

void log_set_format(enum log_format fmt)
{
	log_format = fmt;
}

void log_set_level(enum log_level lvl)
{
	log_threshold = lvl;
}

void log_use_stderr(int on)
{
	log_stderr = on;
}

void log_set_request(const char *request_id)
{
	snprintf(log_request, sizeof(log_request), "%s",
		 request_id && *request_id ? request_id : "-");
	log_scrub(log_request);
}

void log_secret(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) < 4)
		return;
	for (i = 0; i < log_nsecrets; i++)
		if (strcmp(log_secrets[i], s) == 0)
			return;
	if (log_nsecrets == LOG_MAX_SECRETS) {
		/* Oldest unpinned first out: pinned (configured) secrets always stay. */
		if (log_npinned == LOG_MAX_SECRETS)
			return;
		free(log_secrets[log_npinned]);
		memmove(log_secrets + log_npinned, log_secrets + log_npinned + 1,
			(LOG_MAX_SECRETS - log_npinned - 1) * sizeof(char *));
		log_nsecrets--;
	}
	log_secrets[log_nsecrets] = strdup(s);
	if (log_secrets[log_nsecrets] != NULL)
		log_nsecrets++;
}

void log_pin_secrets(int on)
{
	log_npinned = on ? log_nsecrets : 0;
}

void log_forget_secrets(void)
{
	size_t i;

	for (i = log_npinned; i < log_nsecrets; i++) {
		volatile char *p = log_secrets[i];
		while (*p)
			*p++ = '\0';
		free(log_secrets[i]);
	}
	log_nsecrets = log_npinned;
}

void log_scrub(char *s)
{
	size_t i, n;
	char *hit;

	for (i = 0; i < log_nsecrets; i++) {
		n = strlen(log_secrets[i]);
		while ((hit = strstr(s, log_secrets[i])) != NULL) {
			/* "***" is never longer than a registered secret (>= 4 bytes). */
			memcpy(hit, "***", 3);
			memmove(hit + 3, hit + n, strlen(hit + n) + 1);
		}
	}
}

/* Replaces every byte that is not printable ASCII or part of valid UTF-8 with '?'. */
static void log_fix_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n, i;

	while (*p) {
		n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 && *p >= 0xC2 ? 2 : (*p & 0xF0) == 0xE0 ? 3
		  : (*p & 0xF8) == 0xF0 && *p <= 0xF4 ? 4 : 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				n = 0;
		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/*
 * One JSON object per line; jansson does the escaping. A message jansson still
 * refuses (overlong or surrogate UTF-8) falls back to its ASCII-only form.
 */
static void log_write_json(FILE *f, const char *stamp, const char *level, char *msg)
{
	json_t *o = json_object();
	json_t *m = json_string(msg);
	char *line;
	unsigned char *p;

	if (m == NULL) {
		for (p = (unsigned char *)msg; *p; p++)
			if (*p >= 0x80)
				*p = '?';
		m = json_string(msg);
	}
	if (o == NULL || json_object_set_new(o, "time", json_string(stamp)) != 0 ||
	    json_object_set_new(o, "level", json_string(level)) != 0 ||
	    (strcmp(log_request, "-") != 0 &&
	     json_object_set_new(o, "request_id", json_string(log_request)) != 0) ||
	    json_object_set_new(o, "message", m) != 0 ||
	    (line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(o);
		return;
	}
	fprintf(f, "%s\n", line);
	free(line);
	json_decref(o);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], stamp[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	char *p;

	if (lvl < log_threshold || lvl >= LOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	log_scrub(msg);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (log_format == LOG_FORMAT_JSON) {
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ",
			 ts.tv_nsec / 1000000L);
		log_fix_utf8(msg);
		log_write_json(log_stderr ? stderr : stdout, stamp, log_names[lvl], msg);
	} else {
		fprintf(log_stderr ? stderr : stdout, "%s.%03ldZ %s %s %s\n", stamp,
			ts.tv_nsec / 1000000L, log_request, log_names[lvl], msg);
	}
	fflush(log_stderr ? stderr : stdout);
}
