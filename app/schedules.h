/*
 * schedules: the `bootstrap schedules` command. Validates the configured
 * schedules (lib/config, lib/schedule) and prints, for each, its state at
 * the start instant and every change of desired state in the next days:
 * schedule, local time with its UTC offset, UTC time, new state; as text
 * or JSON on stdout.
 */
#ifndef FG_SCHEDULES_H
#define FG_SCHEDULES_H

#define SCHEDULES_DAYS_DEFAULT 7
#define SCHEDULES_DAYS_MAX 366

struct schedules_opts {
	const char *at; /* ISO 8601 start; NULL: now */
	long days;      /* 1 to SCHEDULES_DAYS_MAX */
	int json;
};

/*
 * Runs the command with the configuration from RUNTIME_USERDATA and the
 * environment. Returns 0, or -1 after printing why on stderr (a bad
 * definition, a bad --at, out of memory).
 */
int schedules_run(const struct schedules_opts *o);

#endif
