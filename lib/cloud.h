/*
 * cloud: one call to a CCE or ECS API = base URL + authentication + retries
 * within the invocation's deadline + parsing of the cloud's error shapes.
 *
 * A struct cloud keeps one HTTP handle for the life of the process, so calls
 * to the same endpoint reuse kept-alive connections (and TLS sessions). Before
 * each invocation cloud_begin() lends it that invocation's context and
 * configuration.
 *
 * Calls run one at a time (cloud_request) or many at once: cloud_add()
 * queues a call with a completion callback, cloud_run() sends the queue with
 * at most `concurrency` calls in flight and runs each callback as its call
 * ends; a callback may queue further calls (a cluster's operation once its
 * read came back), which go ahead of most calls still waiting (see
 * cloud_add).
 *
 * Politeness: each host has its own share of the calls in flight, halved
 * (down to 1) by a 429, or a 503 with Retry-After, and grown back by one per
 * success. Each call keeps its own retries and backoff; one call's failure
 * (a 401, say) does not stop the others.
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

/*
 * Reads an error answer's code, message and request id (any of the shapes of
 * spec 3.8, 4.7 and 5.5) into e, with e->code "CloudError" and e->status
 * status; the cloud code falls back to "HTTP.<status>". Pure.
 */
void cloud_error_from_body(struct err *e, long status, const char *body, size_t len);

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

/* The code of a call refused because the invocation's call budget is spent. */
#define CLOUD_ERR_BUDGET "CallBudgetSpent"

/*
 * Caps the attempts (retries included) cloud_request() may make until the
 * next cloud_begin(), which lifts the cap (calls 0: no cap). Past it, every
 * call fails at once with e->code CLOUD_ERR_BUDGET and nothing is sent: one
 * invocation cannot exhaust the account's API rate limits.
 */
void cloud_set_budget(struct cloud *c, int calls);

/* Attempts the budget still allows (INT_MAX without a cap). */
int cloud_budget_left(const struct cloud *c);
/* Total attempts made by this client since cloud_begin (for reports and tests). */
int cloud_calls(const struct cloud *c);

/* Attempts since cloud_begin that were retries of a failed attempt. */
int cloud_retries(const struct cloud *c);

/*
 * Sends method path (which starts with "/"; the project id is substituted
 * for every "{project}") to svc, with an optional JSON body. Retries 429, 5xx
 * and transport failures with backoff while the deadline allows.
 *
 * Returns 0 on a 2xx answer, with *out (owned by the caller; NULL when the
 * body was empty) the parsed body. Returns -1 otherwise, with e describing
 * the failure: e->code "CloudError" and the cloud's code, message and request
 * id for an error answer; a transport code (Timeout, TLSError...) with
 * e->status 0; "BadResponse" for a 2xx body that is not JSON. Either way
 * e->status and e->retries describe the last exchange, so a caller that
 * rejects a 2xx answer's content can still report them.
 */
int cloud_request(struct cloud *c, enum cfg_service svc, const char *method, const char *path,
		  const json_t *body, json_t **out, struct err *e) FG_WUR;

/*
 * How a queued call ends: rc 0 with answer (borrowed for the callback's
 * duration; NULL when the body was empty) as cloud_request() would return
 * it, or rc -1 with e (the callback may change it) as cloud_request() would
 * describe the failure.
 */
typedef void cloud_done_fn(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e);

/*
 * Queues the call cloud_request() would make; nothing is sent before
 * cloud_run(). method must outlive the call (a string literal); path and body
 * are copied. done is called exactly once with ud: from cloud_run(), or at
 * once when memory runs out. Called from a callback, the call goes after the
 * first 2 x concurrency - 2 calls still waiting, so a target's next step
 * follows within about two rounds and every round stays full; with
 * concurrency 1, at once (one target after the other, as cloud_request does).
 */
void cloud_add(struct cloud *c, enum cfg_service svc, const char *method, const char *path,
	       const json_t *body, cloud_done_fn *done, void *ud);

/*
 * Runs the queued calls, and those their callbacks queue, until every
 * callback has run. Retries wait their backoff while other calls proceed.
 * Near the deadline (or on SIGTERM) calls not yet sent are not sent: they end
 * with e->code "Timeout" ("not sent"), or their last failure when they were
 * retries; calls in flight time out before the deadline's reserve. Must not
 * be called from a callback; cloud_request() neither.
 */
void cloud_run(struct cloud *c);

#endif
