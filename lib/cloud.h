/*
 * cloud: one call to a CCE or ECS API = base URL + authentication + retries
 * within the invocation's deadline + parsing of the cloud's error shapes.
 *
 * A struct cloud keeps one HTTP handle for the life of the process, so calls
 * to the same endpoint reuse one connection (and one TLS session). Before each
 * invocation cloud_begin() lends it that invocation's context and
 * configuration.
 */
#ifndef FG_CLOUD_H
#define FG_CLOUD_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "context.h"
#include "err.h"

struct cloud;

/* How a failed (or successful) call ended; read-only for callers. */
struct cloud_result {
	long status;          /* HTTP status of the last attempt, 0 if none arrived */
	char code[64];        /* the cloud's error code (CCE.xxx, APIGW.0301, Ecs.xxx) or a transport code */
	char message[512];    /* the cloud's error message */
	char request_id[128]; /* X-Request-Id, or the body's request_id */
	int retries;          /* attempts beyond the first */
	json_t *json;         /* owned: the parsed 2xx body, NULL when empty */
};

void cloud_result_init(struct cloud_result *r);
void cloud_result_release(struct cloud_result *r);

/*
 * Reads an error answer's code, message and request id (any of the shapes of
 * spec 3.8, 4.7 and 5.5) into res; falls back to "HTTP.<status>". Pure.
 */
void cloud_error_from_body(struct cloud_result *res, long status, const char *body, size_t len);

/* Returns a new client or NULL with e set. */
struct cloud *cloud_new(struct err *e);
void cloud_free(struct cloud *c);

/*
 * While *stop is non-zero (SIGTERM), no retry or poll starts: handlers answer
 * with what they have. stop is borrowed for the client's life; NULL disables.
 */
void cloud_set_stop(struct cloud *c, volatile sig_atomic_t *stop);

/* Lends ctx and cfg (borrowed until the next cloud_begin) for the coming calls. */
void cloud_begin(struct cloud *c, const struct ctx *ctx, const struct cfg *cfg);

/*
 * Checks, without a request, that svc can be called: its base URL, the
 * project id and some credentials are known. Returns 0, or -1 with e saying
 * what to configure (e->code "ConfigError" or "NoCredentials").
 */
int cloud_ready(struct cloud *c, enum cfg_service svc, struct err *e) FG_WUR;

/*
 * Milliseconds the handlers may still spend before the invocation must be
 * answered (the deadline minus the reserve kept to post the answer).
 */
long long cloud_time_left_ms(const struct cloud *c);

/* Sleeps ms between polls, waking early on SIGTERM (see cloud_set_stop). 0, or -1 when stopped. */
int cloud_sleep(struct cloud *c, long ms);

/* Total attempts made by this client since cloud_begin (for reports and tests). */
int cloud_calls(const struct cloud *c);

/* Attempts since cloud_begin that were retries of a failed attempt. */
int cloud_retries(const struct cloud *c);

/*
 * Sends method path (which starts with "/"; the project id is substituted
 * for every "{project}") to svc, with an optional JSON body. Retries 429, 5xx
 * and transport failures with backoff while the deadline allows. Returns 0 on
 * a 2xx answer with res->json set when the body was JSON; -1 otherwise, with
 * res describing the cloud's answer and e a one-line summary such as
 * "HTTP 404 CCE.01404001: Resource not found (request a1b2)". Non-JSON 2xx
 * bodies are an error (e->code "BadResponse").
 */
int cloud_request(struct cloud *c, enum cfg_service svc, const char *method, const char *path,
		  const json_t *body, struct cloud_result *res, struct err *e) FG_WUR;

#endif
