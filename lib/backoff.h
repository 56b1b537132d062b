/*
 * backoff: capped exponential backoff with full jitter, and a clock.
 *
 * Delay n is a uniform random value in [base, min(cap, base * 2^n)], so a
 * fleet of instances never retries in lockstep and a loop never spins hot.
 */
#ifndef FG_BACKOFF_H
#define FG_BACKOFF_H

#include <signal.h>

struct backoff {
	long base_ms;
	long cap_ms;
	unsigned int attempt;
	unsigned long long rng;
};

/* Milliseconds on a monotonic clock. */
long long backoff_now_ms(void);

void backoff_init(struct backoff *b, long base_ms, long cap_ms);

/* Forgets past failures: the next delay is near base again. */
void backoff_reset(struct backoff *b);

/* Returns the next delay in ms and advances the attempt counter. */
long backoff_next(struct backoff *b);

/*
 * Sleeps ms milliseconds, waking early when *stop becomes non-zero (stop may
 * be NULL). Returns 0, or -1 when woken by stop.
 */
int backoff_sleep(long ms, volatile sig_atomic_t *stop);

#endif
