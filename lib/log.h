/*
 * log: the only module that writes to stdout.
 *
 * One line per message: "<UTC time>Z <request id> <LEVEL> <message>", which
 * is the FunctionGraph convention (time, request id, content). Every line is
 * scrubbed of the secrets registered with log_secret() before it is written,
 * so a token can never reach a log even when it hides inside a cloud error.
 * With LOG_FORMAT_JSON each line is instead one JSON object for LTS:
 * {"time","level","request_id","message"} (request_id only when known).
 */
#ifndef FG_LOG_H
#define FG_LOG_H

#include <stddef.h>

#include "err.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Parses "debug", "info", "warn"/"warning", "error", "off" (any case). Returns -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out) FG_WUR;

enum log_format { LOG_FORMAT_PLAIN = 0, LOG_FORMAT_JSON };

/* Parses "plain" or "json" (any case). Returns -1 if unknown. */
int log_format_parse(const char *s, enum log_format *out) FG_WUR;

/* Chooses the line format. Default LOG_FORMAT_PLAIN. */
void log_set_format(enum log_format fmt);

/* Sets the threshold; lines below it are dropped. Default LOG_INFO. */
void log_set_level(enum log_level lvl);

/* Sends lines to stderr instead of stdout (for `bootstrap invoke`, whose stdout is the result). */
void log_use_stderr(int on);

/* Sets the request id printed on each line; NULL or "" prints "-". Copied. */
void log_set_request(const char *request_id);

/*
 * Registers a secret (copied) that must never appear in output; every
 * occurrence is replaced by "***". Strings shorter than 4 bytes are ignored
 * (they would mask ordinary words). log_forget_secrets() wipes and drops all
 * but the pinned ones.
 */
void log_secret(const char *s);
void log_forget_secrets(void);

/*
 * on: pins every secret registered so far (the configured keys), so that
 * log_forget_secrets() at the end of each invocation keeps them. off: unpins
 * all, so that the next log_forget_secrets() drops everything.
 */
void log_pin_secrets(int on);

/* Writes one line at lvl. Newlines inside the message are escaped. */
void log_msg(enum log_level lvl, const char *fmt, ...) FG_PRINTF(2, 3);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * Scrubs registered secrets from s in place (same rules as log lines);
 * returns strlen(s) after. Every run of 8 bytes or more that starts like a
 * secret (the whole secret when shorter) becomes "***": a secret echoed
 * whole, cut short, or only its first part.
 */
size_t log_scrub(char *s);

/*
 * Copies len bytes of src (up to a NUL) into dst (n bytes, always
 * terminated), scrubbed BEFORE it is cut to fit; a cut-off tail that is the
 * start of a secret (3 bytes or more) is masked too. No prefix of a secret
 * longer than 2 bytes survives. Works on at most 64 KiB of src.
 */
void log_scrub_copy(char *dst, size_t n, const char *src, size_t len);

#endif
