/* log: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LOG_MAX_SECRETS 16
#define LOG_LINE_MAX 4096

static enum log_level log_threshold = LOG_INFO;
static char log_request[128] = "-";
static char *log_secrets[LOG_MAX_SECRETS];
static size_t log_nsecrets;
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
		/* Oldest first out: secrets of past invocations matter least. */
		free(log_secrets[0]);
		memmove(log_secrets, log_secrets + 1, (LOG_MAX_SECRETS - 1) * sizeof(char *));
		log_nsecrets--;
	}
	log_secrets[log_nsecrets] = strdup(s);
	if (log_secrets[log_nsecrets] != NULL)
		log_nsecrets++;
}

void log_forget_secrets(void)
{
	size_t i;

	for (i = 0; i < log_nsecrets; i++) {
		volatile char *p = log_secrets[i];
		while (*p)
			*p++ = '\0';
		free(log_secrets[i]);
	}
	log_nsecrets = 0;
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
	fprintf(log_stderr ? stderr : stdout, "%s.%03ldZ %s %s %s\n", stamp,
		ts.tv_nsec / 1000000L, log_request, log_names[lvl], msg);
	fflush(log_stderr ? stderr : stdout);
}
