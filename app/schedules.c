/* schedules: the `bootstrap schedules` command. See schedules.h. */
#include "schedules.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../lib/config.h"
#include "../lib/schedule.h"
#include "app.h"

/* "2026-12-01T07:45:00+01:00": the local time of utc in s's zone, with its offset. */
static void schedules_local(const struct sched *s, long long utc, char *out, size_t n)
{
	long off = tz_offset(&s->tz, utc), a = off < 0 ? -off : off;
	char t[24];

	sched_format_utc(utc + off, t, sizeof(t));
	t[19] = '\0';
	snprintf(out, n, "%s%c%02ld:%02ld", t, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* Adds {"local","utc","state"} to list (JSON) or prints a line (text). -1 when memory ran out. */
static int schedules_line(const struct sched *s, long long utc, enum sched_state st, json_t *list)
{
	char local[64], u[24];
	json_t *o;

	schedules_local(s, utc, local, sizeof(local));
	sched_format_utc(utc, u, sizeof(u));
	if (list == NULL) {
		printf("%-20s %-25s %-20s %s\n", s->name, local, u, sched_state_name(st));
		return 0;
	}
	o = json_pack("{s:s,s:s,s:s}", "local", local, "utc", u, "state", sched_state_name(st));
	return o != NULL && json_array_append_new(list, o) == 0 ? 0 : -1;
}

/*
 * Every change of s's desired state in (from, until], minute by minute: the
 * state is constant within a UTC minute (periods are HH:MM, offsets whole
 * minutes since 2020).
 */
static int schedules_one(const struct sched *s, long long from, long long until, json_t *all)
{
	enum sched_state st = sched_desired(s, from), now;
	json_t *o = NULL, *changes = NULL;
	long long t;

	if (all != NULL) {
		changes = json_array();
		o = json_pack("{s:s,s:s,s:b,s:s,s:o}", "schedule", s->name, "timezone", s->tz.name,
			      "enforced", s->enforced, "state", sched_state_name(st), "changes", changes);
		if (o == NULL || json_array_append_new(all, o) != 0)
			return -1;
	} else {
		printf("%-20s %-25s %-20s %s (%s%s)\n", s->name, "", "", sched_state_name(st), s->tz.name,
		       s->enforced ? ", enforced" : "");
	}
	for (t = from - from % 60 + 60; t <= until; t += 60) {
		now = sched_desired(s, t);
		if (now != st && schedules_line(s, t, now, changes) != 0)
			return -1;
		st = now;
	}
	return 0;
}

int schedules_run(const struct schedules_opts *o)
{
	struct cfg c;
	json_t *all = NULL, *root = NULL;
	long long from;
	char when[24];
	size_t i;
	int rc = -1;

	if (cfg_load(&c, app_getenv, 0) != 0) {
		fprintf(stderr, "bootstrap schedules: out of memory\n");
		goto out;
	}
	if (c.error.code[0] != '\0') {
		fprintf(stderr, "bootstrap schedules: %s: %s\n", c.error.code, c.error.msg);
		goto out;
	}
	from = (long long)time(NULL);
	if (o->at != NULL && sched_parse_time(o->at, &from) != 0) {
		fprintf(stderr, "bootstrap schedules: --at '%.64s' is not an ISO 8601 instant\n", o->at);
		goto out;
	}
	sched_format_utc(from, when, sizeof(when));
	if (o->json && (all = json_array()) == NULL)
		goto oom;
	if (!o->json)
		printf("%-20s %-25s %-20s %s\n", "schedule", "local time", "UTC", "state");
	for (i = 0; i < c.sched.set.n; i++)
		if (schedules_one(&c.sched.set.v[i], from, from + o->days * 86400, all) != 0)
			goto oom;
	if (o->json) {
		root = json_pack("{s:s,s:I,s:O}", "from", when, "days", (json_int_t)o->days, "schedules", all);
		if (root == NULL || json_dumpf(root, stdout, JSON_COMPACT) != 0)
			goto oom;
		printf("\n");
	}
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "bootstrap schedules: out of memory\n");
out:
	json_decref(all);
	json_decref(root);
	cfg_release(&c);
	return rc;
}
