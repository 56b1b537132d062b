/* backoff: see backoff.h. */
#include "backoff.h"

#include <time.h>
#include <unistd.h>

long long backoff_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void backoff_init(struct backoff *b, long base_ms, long cap_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	b->base_ms = base_ms;
	b->cap_ms = cap_ms;
	b->attempt = 0;
	b->rng = ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)getpid() ^ 0x9e3779b97f4a7c15ULL;
}

void backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}

static unsigned long long backoff_rand(struct backoff *b)
{
	/* xorshift64*: plenty for jitter. */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 2685821657736338717ULL;
}

long backoff_next(struct backoff *b)
{
	long hi = b->base_ms;
	unsigned int i;

	for (i = 0; i < b->attempt && hi < b->cap_ms; i++)
		hi = hi > b->cap_ms / 2 ? b->cap_ms : hi * 2;
	if (hi > b->cap_ms)
		hi = b->cap_ms;
	if (b->attempt < 64)
		b->attempt++;
	if (hi <= b->base_ms)
		return b->base_ms;
	return b->base_ms + (long)(backoff_rand(b) % (unsigned long long)(hi - b->base_ms + 1));
}

int backoff_sleep(long ms, volatile sig_atomic_t *stop)
{
	struct timespec ts;
	long step;

	while (ms > 0) {
		if (stop != NULL && *stop)
			return -1;
		step = ms > 50 ? 50 : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return stop != NULL && *stop ? -1 : 0;
}
