/*
 * test_backoff: lib/backoff.c: every delay lies in [base, min(cap, base*2^n)],
 * the range grows then stays capped, reset starts over, and backoff_sleep
 * returns -1 promptly once the stop flag is set.
 */
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "backoff.h"
#include "check.h"

static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void test_range(void)
{
	struct backoff b;
	long d, hi, max_seen[10];
	unsigned int n;
	int run, in_range = 1;

	/* Over many runs, delay n stays within [100, min(5000, 100 * 2^n)]. */
	memset(max_seen, 0, sizeof(max_seen));
	for (run = 0; run < 2000; run++) {
		backoff_init(&b, 100, 5000);
		for (n = 0; n < 10; n++) {
			hi = 100L << n;
			if (hi > 5000)
				hi = 5000;
			d = backoff_next(&b);
			if (d < 100 || d > hi)
				in_range = 0;
			if (d > max_seen[n])
				max_seen[n] = d;
		}
	}
	CHECK(in_range);
	/* The first delay is exactly base; later ones reach well above it. */
	CHECK(max_seen[0] == 100);
	CHECK(max_seen[1] > 150);
	CHECK(max_seen[3] > 600);
	CHECK(max_seen[6] > 4000);
	CHECK(max_seen[9] > 4000);
	/* The range grows: attempt 4's largest exceeds attempt 1's range. */
	CHECK(max_seen[4] > 200);

	/* After many attempts the cap still holds (no overflow). */
	backoff_init(&b, 100, 5000);
	in_range = 1;
	for (n = 0; n < 500; n++) {
		d = backoff_next(&b);
		if (d < 100 || d > 5000)
			in_range = 0;
	}
	CHECK(in_range);
	CHECK(b.attempt <= 64);

	/*
	 * A large cap (2^31 - 1) does not overflow either. Not tested: a cap of
	 * LONG_MAX, where backoff_next() doubles hi past LONG_MAX after about 54
	 * attempts (signed overflow, lib/backoff.c; see the report).
	 */
	backoff_init(&b, 1000, 0x7fffffffL);
	in_range = 1;
	for (n = 0; n < 100; n++) {
		d = backoff_next(&b);
		if (d < 1000 || d > 0x7fffffffL)
			in_range = 0;
	}
	CHECK(in_range);

	/* base == cap: always base. */
	backoff_init(&b, 250, 250);
	in_range = 1;
	for (n = 0; n < 20; n++)
		if (backoff_next(&b) != 250)
			in_range = 0;
	CHECK(in_range);
}

static void test_reset(void)
{
	struct backoff b;
	unsigned int n;
	int run, ok = 1;

	for (run = 0; run < 500; run++) {
		backoff_init(&b, 100, 10000);
		for (n = 0; n < 8; n++)
			(void)backoff_next(&b);
		CHECK(b.attempt == 8);
		backoff_reset(&b);
		CHECK(b.attempt == 0);
		if (backoff_next(&b) != 100)
			ok = 0;
		if (backoff_next(&b) > 200)
			ok = 0;
	}
	CHECK(ok);
}

static void test_sleep(void)
{
	volatile sig_atomic_t stop = 0;
	struct sigaction sa;
	struct itimerval it;
	long long t0, dt;

	/* A short sleep without stop sleeps and returns 0. */
	t0 = backoff_now_ms();
	CHECK(backoff_sleep(120, NULL) == 0);
	dt = backoff_now_ms() - t0;
	CHECK(dt >= 110 && dt < 1000);
	CHECK(backoff_sleep(30, &stop) == 0);
	CHECK(backoff_sleep(0, NULL) == 0);
	CHECK(backoff_sleep(-5, NULL) == 0);

	/* Stop already set: -1 at once, even for a long or zero sleep. */
	stop = 1;
	t0 = backoff_now_ms();
	CHECK(backoff_sleep(60000, &stop) == -1);
	CHECK(backoff_sleep(0, &stop) == -1);
	CHECK(backoff_now_ms() - t0 < 100);

	/* Stop set by a signal 100 ms into a 10 s sleep: -1 well before 10 s. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 100000;
	stop_flag = 0;
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	t0 = backoff_now_ms();
	CHECK(backoff_sleep(10000, &stop_flag) == -1);
	dt = backoff_now_ms() - t0;
	CHECK(dt >= 90 && dt < 500);
	signal(SIGALRM, SIG_DFL);

	/* The clock is monotonic. */
	t0 = backoff_now_ms();
	CHECK(t0 > 0);
	CHECK(backoff_now_ms() >= t0);
}

int main(void)
{
	test_range();
	test_reset();
	test_sleep();
	return check_done("backoff");
}
