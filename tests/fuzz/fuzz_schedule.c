/*
 * fuzz_schedule: libFuzzer target for schedules, instants, override tags and
 * time zones (lib/schedule, lib/tz).
 *
 * The input is split on NUL bytes into: the JSON text of `schedules`, an
 * ISO 8601 instant (the timer event's time or the event's `at`), an override
 * tag value, a POSIX TZ string and a zone name (absent when the input ends
 * first). What parses is then evaluated around the instant, and checked:
 *   - every parsed schedule is found by its name, and a holiday in its zone
 *     wants stopped;
 *   - the desired state is evaluated with the schedule's own zone and with
 *     the input's TZ rule in its place;
 *   - an instant printed by sched_format_utc() parses back to itself;
 *   - a date survives tz_days() and tz_civil(), and weekdays stay 0..6;
 *   - an override is in force exactly until its end, and a rule's offset is
 *     its standard or its daylight one.
 * Whatever the bytes: no crash, no leak, no undefined behaviour, no hang.
 * Build and run: make fuzz / make fuzz-smoke.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schedule.h"
#include "tz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { P_SCHEDULES, P_TIME, P_OVERRIDE, P_RULE, P_ZONE, NPIECES };

/* Instants around the input's: either side of a minute, an hour, a day, a week, a year. */
static const long long offsets[] = {0, -1, 1, -60, 60, -3600, 3600, -86400, 86400, 7 * 86400, 366 * 86400};
#define NOFFSETS (sizeof(offsets) / sizeof(offsets[0]))

/* 2026-03-29T01:00:00Z, a spring DST change in Europe, when the input has no instant. */
#define DEFAULT_INSTANT 1774746000LL

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_OFF);
	return 0;
}

static void check_date(long long day)
{
	long long y;
	int m, d;

	tz_civil(day, &y, &m, &d);
	if (m < 1 || m > 12 || d < 1 || d > tz_month_days(y, m) || tz_days(y, m, d) != day)
		abort();
	if (tz_weekday(day) < 0 || tz_weekday(day) > 6)
		abort();
}

/* What s wants at t, checked against what holds whatever its periods say. */
static void check_desired(const struct sched *s, long long t)
{
	enum sched_state st = sched_desired(s, t);
	long long day = tz_day_of(t + tz_offset(&s->tz, t));
	size_t i;

	for (i = 0; i < s->nholidays; i++)
		if (s->holidays[i] == day && st != SCHED_STOPPED)
			abort();
	check_date(day);
}

/* sched_format_utc() and sched_parse_time() agree, in the years both take (1970 to 9999). */
static void check_round_trip(long long t)
{
	char text[64];
	long long y, back;
	int m, d;

	tz_civil(tz_day_of(t), &y, &m, &d);
	if (y < 1970 || y > 9999)
		return;
	sched_format_utc(t, text, sizeof(text));
	if (sched_parse_time(text, &back) != 0 || back != t)
		abort();
}

static void check_override(const char *value, long long now)
{
	enum sched_override_kind kind = SCHED_OVR_NONE;
	enum sched_state st = SCHED_STOPPED;
	long long until = 0;

	if (sched_override(value, now, &kind, &st, &until) != 0)
		return;
	if (kind == SCHED_OVR_SKIP)
		return;
	if ((kind == SCHED_OVR_STATE) != (now < until))
		abort();
	check_round_trip(until);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *piece[NPIECES] = {0}, *p, *end;
	struct sched_set set = {0};
	struct tz_zone zone = {0, LLONG_MIN, 0, 0, 0};
	struct tz ruled, named;
	struct sched alt;
	long long t = DEFAULT_INSTANT, at;
	struct err e;
	size_t i, k, n;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	end = copy + size;
	for (n = 0, p = copy; n < NPIECES && p <= end; n++, p += strlen(p) + 1)
		piece[n] = p;

	if (piece[P_TIME] != NULL && sched_parse_time(piece[P_TIME], &at) == 0) {
		t = at;
		check_round_trip(t);
	}
	if (piece[P_OVERRIDE] != NULL)
		check_override(piece[P_OVERRIDE], t);

	/* The input's TZ rule stands in for every schedule's zone, as a footer does past its changes. */
	memset(&ruled, 0, sizeof(ruled));
	ruled.zone = &zone;
	if (piece[P_RULE] == NULL || tz_rule_parse(piece[P_RULE], &ruled.rule) != 0)
		ruled.zone = NULL;
	if (ruled.zone != NULL)
		for (k = 0; k < NOFFSETS; k++) {
			long off = tz_offset(&ruled, t + offsets[k]);

			if (off != ruled.rule.std && !(ruled.rule.has_dst && off == ruled.rule.dst))
				abort();
		}
	err_clear(&e);
	if (piece[P_ZONE] != NULL && tz_load(&named, piece[P_ZONE], &e) == 0)
		for (k = 0; k < NOFFSETS; k++)
			check_date(tz_day_of(t + offsets[k] + tz_offset(&named, t + offsets[k])));
	else if (piece[P_ZONE] != NULL && strcmp(e.code, "ConfigError") != 0)
		abort();

	err_clear(&e);
	if (piece[P_SCHEDULES] != NULL && sched_set_parse(&set, piece[P_SCHEDULES], &e) == 0) {
		for (i = 0; i < set.n; i++) {
			const struct sched *found = sched_find(&set, set.v[i].name);

			if (found == NULL || strcmp(found->name, set.v[i].name) != 0)
				abort();
			for (k = 0; k < NOFFSETS; k++)
				check_desired(&set.v[i], t + offsets[k]);
			if (ruled.zone != NULL) {
				alt = set.v[i];
				alt.tz = ruled;
				for (k = 0; k < NOFFSETS; k++)
					check_desired(&alt, t + offsets[k]);
			}
		}
	} else if (piece[P_SCHEDULES] != NULL && e.code[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	sched_set_release(&set);
	free(copy);
	return 0;
}
