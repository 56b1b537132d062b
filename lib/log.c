/* log: see log.h. */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "secret.h"

#define LOG_MAX_SECRETS 16
#define LOG_LINE_MAX 4096
#define LOG_FRAGMENT_MIN 8 /* a run this long that starts a secret is masked */
#define LOG_TAIL_MIN 3     /* a cut-off tail this long that starts a secret is masked */

static enum log_level log_threshold = LOG_INFO;
static enum log_format log_format = LOG_FORMAT_PLAIN;
static char log_request[128] = "-";
static char *log_secrets[LOG_MAX_SECRETS];
static size_t log_secret_len[LOG_MAX_SECRETS]; /* strlen of each */
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
	buf_copy(log_request, sizeof(log_request), request_id && *request_id ? request_id : "-");
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
		secret_free(log_secrets[log_npinned]);
		memmove(log_secrets + log_npinned, log_secrets + log_npinned + 1,
			(LOG_MAX_SECRETS - log_npinned - 1) * sizeof(char *));
		memmove(log_secret_len + log_npinned, log_secret_len + log_npinned + 1,
			(LOG_MAX_SECRETS - log_npinned - 1) * sizeof(size_t));
		log_nsecrets--;
	}
	log_secrets[log_nsecrets] = strdup(s);
	if (log_secrets[log_nsecrets] != NULL)
		log_secret_len[log_nsecrets++] = strlen(s);
}

void log_pin_secrets(int on)
{
	log_npinned = on ? log_nsecrets : 0;
}

void log_forget_secrets(void)
{
	size_t i;

	for (i = log_npinned; i < log_nsecrets; i++)
		secret_free(log_secrets[i]);
	log_nsecrets = log_npinned;
}

/*
 * Masks in s (len bytes) every run that starts like the secret sec (n bytes)
 * for at least LOG_FRAGMENT_MIN bytes (the whole secret when shorter): an
 * echo of the secret, whole, cut or partial. Returns the new length.
 */
static size_t log_mask(char *s, size_t len, const char *sec, size_t n)
{
	size_t min = n < LOG_FRAGMENT_MIN ? n : LOG_FRAGMENT_MIN, at = 0, k;
	char *p;

	while (len - at >= min && (p = memchr(s + at, sec[0], len - at - min + 1)) != NULL) {
		at = (size_t)(p - s);
		for (k = 0; k < n && at + k < len && s[at + k] == sec[k]; k++)
			;
		if (k < min) {
			at++;
			continue;
		}
		/* "***" is never longer than what it replaces (k >= 4). */
		memcpy(p, "***", 3);
		memmove(p + 3, p + k, len - at - k + 1);
		len -= k - 3;
		at += 3;
	}
	return len;
}

size_t log_scrub(char *s)
{
	size_t i, len = strlen(s);

	for (i = 0; i < log_nsecrets; i++)
		len = log_mask(s, len, log_secrets[i], log_secret_len[i]);
	return len;
}

/*
 * s (len bytes) was just cut: a tail that is the start of a secret
 * (LOG_TAIL_MIN bytes or more; longer ones log_mask() catches too) becomes
 * "***". Returns the new length.
 */
static size_t log_mask_tail(char *s, size_t len)
{
	size_t i, k;

	for (i = 0; i < log_nsecrets; i++) {
		k = log_secret_len[i] < LOG_FRAGMENT_MIN ? log_secret_len[i] : LOG_FRAGMENT_MIN;
		for (k = k > len ? len : k; k >= LOG_TAIL_MIN; k--) {
			if (memcmp(s + len - k, log_secrets[i], k) == 0) {
				memcpy(s + len - k, "***", 4);
				len = len - k + 3;
				break;
			}
		}
	}
	return len;
}

/* Cuts s (len bytes) to at most max bytes, masking the tail (log_mask_tail). Returns the length. */
static size_t log_cut(char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	s[max] = '\0';
	return log_mask_tail(s, max);
}

void log_scrub_copy(char *dst, size_t n, const char *src, size_t len)
{
	size_t keep = len > BUF_MAX_SMALL ? BUF_MAX_SMALL : len;
	int cut = len > keep;
	char *tmp;

	if (n == 0)
		return;
	dst[0] = '\0';
	/* A bounded working copy (its cut tail masked), scrubbed whole, then cut to fit. */
	if ((tmp = malloc(keep + 1)) == NULL)
		return;
	memcpy(tmp, src, keep);
	tmp[keep] = '\0';
	len = strlen(tmp);
	if (cut && len == keep)
		len = log_mask_tail(tmp, len);
	len = log_scrub(tmp);
	len = log_cut(tmp, len, n - 1);
	memcpy(dst, tmp, len + 1);
	secret_wipe(tmp, keep);
	free(tmp);
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

/* json_dump_callback() sink: appends to a buf. */
static int log_sink(const char *text, size_t n, void *line)
{
	return buf_append(line, text, n);
}

/*
 * One JSON object per line; jansson does the escaping. A message jansson still
 * refuses (overlong or surrogate UTF-8) falls back to its ASCII-only form.
 */
static void log_write_json(FILE *f, const char *stamp, const char *level, char *msg)
{
	json_t *o = json_object();
	json_t *m = json_string(msg);
	struct buf line;
	unsigned char *p;

	if (m == NULL) {
		for (p = (unsigned char *)msg; *p; p++)
			if (*p >= 0x80)
				*p = '?';
		m = json_string(msg);
	}
	/* Room for the message with every byte escaped in six, and the other fields: never cut. */
	buf_init(&line, BUF_MAX_SMALL);
	if (o == NULL || json_object_set_new(o, "time", json_string(stamp)) != 0 ||
	    json_object_set_new(o, "level", json_string(level)) != 0 ||
	    (strcmp(log_request, "-") != 0 &&
	     json_object_set_new(o, "request_id", json_string(log_request)) != 0) ||
	    json_object_set_new(o, "message", m) != 0 ||
	    json_dump_callback(o, log_sink, &line, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
	    buf_puts(&line, "\n") != 0) {
		json_decref(o);
		buf_release(&line);
		return;
	}
	fwrite(line.data, 1, line.len, f);
	buf_release(&line);
	json_decref(o);
}

/* Writes n >= 1 digits of v, zero-padded, at p; returns p + n. */
static char *log_digits(char *p, unsigned long v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/*
 * "YYYY-MM-DDTHH:MM:SS" for sec, into stamp (LOG_STAMP_MAX bytes). The last
 * second formatted is remembered (per thread), so a burst of lines formats it once.
 */
#define LOG_STAMP_MAX 40
static void log_stamp(time_t sec, char *stamp)
{
	static _Thread_local time_t last_sec;
	static _Thread_local char last[LOG_STAMP_MAX];
	struct tm tm;
	char *p;

	if (last[0] == '\0' || sec != last_sec) {
		gmtime_r(&sec, &tm);
		if (tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
			p = log_digits(last, (unsigned long)(tm.tm_year + 1900), 4);
			*p++ = '-';
			p = log_digits(p, (unsigned long)tm.tm_mon + 1, 2);
			*p++ = '-';
			p = log_digits(p, (unsigned long)tm.tm_mday, 2);
			*p++ = 'T';
			p = log_digits(p, (unsigned long)tm.tm_hour, 2);
			*p++ = ':';
			p = log_digits(p, (unsigned long)tm.tm_min, 2);
			*p++ = ':';
			p = log_digits(p, (unsigned long)tm.tm_sec, 2);
			*p = '\0';
		} else {
			strftime(last, sizeof(last), "%Y-%m-%dT%H:%M:%S", &tm);
		}
		last_sec = sec;
	}
	memcpy(stamp, last, LOG_STAMP_MAX);
}

/* Appends the string s at p (the caller sized the destination); returns the new end. */
static char *log_put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	/* A plain line: stamp, ".mmmZ ", request id, level, message, newline. */
	char msg[LOG_LINE_MAX], stamp[LOG_STAMP_MAX + 8],
	    line[LOG_STAMP_MAX + 8 + sizeof(log_request) + 8 + LOG_LINE_MAX + 2];
	FILE *f = log_stderr ? stderr : stdout;
	struct timespec ts;
	va_list ap;
	char *p, *big;
	int n;

	if (lvl < log_threshold || lvl >= LOG_OFF)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg) && (big = malloc((size_t)n + 1)) != NULL) {
		/* Too long for a line: scrubbed whole before it is cut (log_scrub_copy). */
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		log_scrub_copy(msg, sizeof(msg), big, (size_t)n);
		secret_wipe(big, (size_t)n);
		free(big);
	} else if (n >= (int)sizeof(msg)) {
		log_mask_tail(msg, strlen(msg));
	}
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	log_scrub(msg);
	clock_gettime(CLOCK_REALTIME, &ts);
	log_stamp(ts.tv_sec, stamp);
	if (log_format == LOG_FORMAT_JSON) {
		p = stamp + strlen(stamp);
		*p++ = '.';
		p = log_digits(p, (unsigned long)(ts.tv_nsec / 1000000L), 3);
		memcpy(p, "Z", 2);
		log_fix_utf8(msg);
		log_write_json(f, stamp, log_names[lvl], msg);
	} else {
		/* Assembled by hand, then one fwrite: the same bytes as "%s.%03ldZ %s %s %s\n". */
		p = log_put(line, stamp);
		*p++ = '.';
		p = log_digits(p, (unsigned long)(ts.tv_nsec / 1000000L), 3);
		p = log_put(p, "Z ");
		p = log_put(p, log_request);
		*p++ = ' ';
		p = log_put(p, log_names[lvl]);
		*p++ = ' ';
		p = log_put(p, msg);
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), f);
	}
	fflush(f);
}
