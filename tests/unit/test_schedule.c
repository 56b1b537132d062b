/*
 * test_schedule: known answers for lib/schedule and lib/tz: the definition
 * parser's errors, weekdays (ranges, wrapping, mon#n, friL), monthdays (L),
 * months, overnight periods across month and year ends, holidays, DST days,
 * ISO 8601 instants, override tags, and the POSIX TZ rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "schedule.h"
#include "tz.h"

/* The UTC instant of an ISO 8601 text (the parser is tested on its own below). */
static long long at(const char *iso)
{
	long long t = -1;

	if (sched_parse_time(iso, &t) != 0)
		fprintf(stderr, "bad instant %s\n", iso);
	return t;
}

/* Parses one schedule "s" from a definition; returns its desired state at iso ('R' or 'S'). */
static char want(const char *def, const char *iso)
{
	char json[1024];
	struct sched_set set;
	struct err e;
	char r = '?';

	snprintf(json, sizeof(json), "{\"s\": %s}", def);
	err_clear(&e);
	if (sched_set_parse(&set, json, &e) != 0) {
		fprintf(stderr, "parse failed: %s\n", e.msg);
		return 'E';
	}
	r = sched_desired(&set.v[0], at(iso)) == SCHED_RUNNING ? 'R' : 'S';
	sched_set_release(&set);
	return r;
}

/* Expects def to be refused with a message containing needle. */
static void bad(const char *def, const char *needle)
{
	char json[1024];
	struct sched_set set;
	struct err e;

	snprintf(json, sizeof(json), "{\"s\": %s}", def);
	err_clear(&e);
	CHECK(sched_set_parse(&set, json, &e) == -1);
	CHECK_STR(e.code, "ConfigError");
	if (strstr(e.msg, needle) == NULL || strstr(e.msg, "'s'") == NULL) {
		fprintf(stderr, "message '%s' lacks '%s'\n", e.msg, needle);
		CHECK(0);
	}
	CHECK(set.v == NULL && set.n == 0);
}

static void test_errors(void)
{
	bad("{\"periods\": []}", "periods");
	bad("{\"timezone\": \"Mars/Olympus\", \"periods\": [{}]}", "timezone: unknown time zone 'Mars/Olympus'");
	bad("{\"periods\": [{\"begin\": \"08:00\", \"end\": \"08:00\"}]}", "periods[0].end: equals begin");
	bad("{\"periods\": [{\"begin\": \"24:00\"}]}", "periods[0].begin");
	bad("{\"periods\": [{\"begin\": \"8h\"}]}", "periods[0].begin");
	bad("{\"periods\": [{\"end\": \"12:60\"}]}", "periods[0].end");
	bad("{\"periods\": [{\"weekdays\": \"mon-fry\"}]}", "periods[0].weekdays: 'mon-fry' is not a weekday");
	bad("{\"periods\": [{\"weekdays\": \"mon#6\"}]}", "'mon#6'");
	bad("{\"periods\": [{\"weekdays\": \"mon,,tue\"}]}", "periods[0].weekdays");
	bad("{\"periods\": [{\"monthdays\": \"0\"}]}", "periods[0].monthdays: '0'");
	bad("{\"periods\": [{\"monthdays\": \"20-10\"}]}", "'20-10'");
	bad("{\"periods\": [{\"months\": \"13\"}]}", "periods[0].months: '13'");
	bad("{\"periods\": [{\"start\": \"08:00\"}]}", "periods[0].start: unknown field");
	bad("{\"periods\": [{}], \"tz\": \"UTC\"}", "tz: unknown field");
	bad("{\"periods\": [{}], \"holidays\": [\"2026-02-30\"]}", "holidays[0]");
	bad("{\"periods\": [{}], \"enforced\": \"yes\"}", "enforced");
	bad("[]", "definition");
}

static void test_weekdays(void)
{
	const char *office = "{\"timezone\": \"Europe/Paris\", \"periods\": [{\"weekdays\": \"mon-fri\", "
			     "\"begin\": \"07:45\", \"end\": \"18:15\"}]}";

	/* Tuesday 2026-12-01: Paris is UTC+1. */
	CHECK(want(office, "2026-12-01T06:44:59Z") == 'S');
	CHECK(want(office, "2026-12-01T06:45:00Z") == 'R');
	CHECK(want(office, "2026-12-01T17:14:59Z") == 'R');
	CHECK(want(office, "2026-12-01T17:15:00Z") == 'S');
	CHECK(want(office, "2026-12-05T10:00:00Z") == 'S'); /* Saturday */
	/* Wrapping sat-mon: Saturday, Sunday, Monday; not Tuesday. */
	CHECK(want("{\"periods\": [{\"weekdays\": \"sat-mon\"}]}", "2026-12-05T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"weekdays\": \"sat-mon\"}]}", "2026-12-07T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"weekdays\": \"sat-mon\"}]}", "2026-12-08T12:00Z") == 'S');
	/* mon#2: the 2nd Monday of December 2026 is the 14th. */
	CHECK(want("{\"periods\": [{\"weekdays\": \"mon#2\"}]}", "2026-12-14T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"weekdays\": \"mon#2\"}]}", "2026-12-07T12:00Z") == 'S');
	/* mon#5: February 2027 has four Mondays, March 2027 has five (the 29th). */
	CHECK(want("{\"periods\": [{\"weekdays\": \"mon#5\"}]}", "2027-02-22T12:00Z") == 'S');
	CHECK(want("{\"periods\": [{\"weekdays\": \"mon#5\", \"months\": \"mar\"}]}", "2027-03-29T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"weekdays\": \"mon#5\"}]}", "2027-03-29T12:00Z") == 'R');
	/* friL: the last Friday of December 2026 is the 25th; of February 2027 the 26th. */
	CHECK(want("{\"periods\": [{\"weekdays\": \"friL\"}]}", "2026-12-25T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"weekdays\": \"friL\"}]}", "2026-12-18T12:00Z") == 'S');
	CHECK(want("{\"periods\": [{\"weekdays\": \"friL\"}]}", "2027-02-26T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"weekdays\": \"friL\"}]}", "2027-02-19T12:00Z") == 'S');
}

static void test_monthdays(void)
{
	const char *last = "{\"periods\": [{\"monthdays\": \"L\"}]}";

	CHECK(want(last, "2028-02-29T00:00Z") == 'R'); /* a leap year */
	CHECK(want(last, "2027-02-28T23:59Z") == 'R');
	CHECK(want(last, "2028-02-28T12:00Z") == 'S');
	CHECK(want(last, "2026-04-30T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"monthdays\": \"31\"}]}", "2026-04-30T12:00Z") == 'S'); /* never */
	CHECK(want("{\"periods\": [{\"monthdays\": \"1-15\"}]}", "2026-04-15T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"monthdays\": \"1-15\"}]}", "2026-04-16T12:00Z") == 'S');
	CHECK(want("{\"periods\": [{\"monthdays\": \"1, 15-L\"}]}", "2026-04-20T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"months\": \"nov-feb\"}]}", "2027-01-10T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"months\": \"nov-feb\"}]}", "2027-03-10T12:00Z") == 'S');
	CHECK(want("{\"periods\": [{\"months\": \"6\"}]}", "2027-06-10T12:00Z") == 'R');
	/* Every field present must match: Mondays in June only. */
	CHECK(want("{\"periods\": [{\"months\": \"jun\", \"weekdays\": \"mon\"}]}", "2027-06-14T12:00Z") == 'R');
	CHECK(want("{\"periods\": [{\"months\": \"jun\", \"weekdays\": \"mon\"}]}", "2027-06-15T12:00Z") == 'S');
}

static void test_overnight(void)
{
	const char *night = "{\"timezone\": \"Asia/Shanghai\", \"periods\": [{\"begin\": \"22:00\", "
			    "\"end\": \"06:00\"}]}";
	const char *fri = "{\"periods\": [{\"weekdays\": \"fri\", \"begin\": \"22:00\", \"end\": \"06:00\"}]}";
	const char *eom = "{\"periods\": [{\"monthdays\": \"L\", \"begin\": \"20:00\", \"end\": \"04:00\"}]}";

	CHECK(want(night, "2026-12-01T13:59Z") == 'S'); /* 21:59 in Shanghai */
	CHECK(want(night, "2026-12-01T14:00Z") == 'R');
	CHECK(want(night, "2026-12-01T21:59Z") == 'R'); /* 05:59 the next day */
	CHECK(want(night, "2026-12-01T22:00Z") == 'S');
	/* From a Friday into Saturday only. */
	CHECK(want(fri, "2026-12-05T03:00Z") == 'R');
	CHECK(want(fri, "2026-12-06T03:00Z") == 'S');
	CHECK(want(fri, "2026-12-04T21:00Z") == 'S');
	/* The last day of the month into the first of the next, and across the year's end. */
	CHECK(want(eom, "2026-11-30T21:00Z") == 'R');
	CHECK(want(eom, "2026-12-01T03:00Z") == 'R');
	CHECK(want(eom, "2026-12-01T21:00Z") == 'S');
	CHECK(want(eom, "2027-01-01T03:59Z") == 'R');
	CHECK(want(eom, "2027-01-01T04:00Z") == 'S');
	CHECK(want("{\"periods\": [{\"months\": \"dec\", \"monthdays\": \"31\", \"begin\": \"23:00\", "
		   "\"end\": \"01:00\"}]}", "2027-01-01T00:30Z") == 'R');
}

static void test_holidays(void)
{
	const char *h = "{\"timezone\": \"Europe/Paris\", \"periods\": [{\"begin\": \"22:00\", \"end\": \"06:00\"}, "
			"{\"weekdays\": \"mon-fri\", \"begin\": \"08:00\", \"end\": \"18:00\"}], "
			"\"holidays\": [\"2027-01-01\", \"2026-12-25\"]}";

	CHECK(want(h, "2026-12-24T10:00Z") == 'R');
	CHECK(want(h, "2026-12-25T10:00Z") == 'S');
	/* The holiday is stopped all day, the night that began before it included. */
	CHECK(want(h, "2026-12-24T23:30Z") == 'S'); /* 00:30 local on the 25th */
	CHECK(want(h, "2026-12-24T22:30Z") == 'R'); /* 23:30 local on the 24th */
	CHECK(want(h, "2026-12-25T23:30Z") == 'R'); /* after midnight on the 26th */
	CHECK(want(h, "2027-01-01T10:00Z") == 'S');
}

static void test_dst(void)
{
	const char *day = "{\"timezone\": \"Europe/Paris\", \"periods\": [{\"begin\": \"07:00\", \"end\": \"19:00\"}]}";
	const char *ny = "{\"timezone\": \"America/New_York\", \"periods\": [{\"begin\": \"01:00\", \"end\": \"03:00\"}]}";

	/* 2027-03-28: Paris goes from +1 to +2 at 01:00Z; 07:00 local is 05:00Z that day. */
	CHECK(want(day, "2027-03-27T05:59Z") == 'S');
	CHECK(want(day, "2027-03-27T06:00Z") == 'R');
	CHECK(want(day, "2027-03-28T04:59Z") == 'S');
	CHECK(want(day, "2027-03-28T05:00Z") == 'R');
	CHECK(want(day, "2027-03-28T16:59Z") == 'R');
	CHECK(want(day, "2027-03-28T17:00Z") == 'S');
	/* 2026-11-01 in New York: 01:00-02:00 happens twice; 03:00 local is 08:00Z. */
	CHECK(want(ny, "2026-11-01T04:59Z") == 'S');
	CHECK(want(ny, "2026-11-01T05:00Z") == 'R');
	CHECK(want(ny, "2026-11-01T07:59Z") == 'R');
	CHECK(want(ny, "2026-11-01T08:00Z") == 'S');
}

static void test_tz(void)
{
	struct tz z;
	struct tz_rule r;
	struct err e;

	err_clear(&e);
	CHECK(tz_load(&z, "Europe/Paris", &e) == 0);
	CHECK(tz_offset(&z, at("2026-07-01T00:00Z")) == 7200);
	CHECK(tz_offset(&z, at("2026-12-01T00:00Z")) == 3600);
	CHECK(tz_offset(&z, at("2055-07-01T00:00Z")) == 7200); /* the rule, long after the table */
	CHECK(tz_load(&z, "Australia/Lord_Howe", &e) == 0);
	CHECK(tz_offset(&z, at("2027-01-01T00:00Z")) == 11 * 3600);
	CHECK(tz_offset(&z, at("2027-07-01T00:00Z")) == 10 * 3600 + 1800);
	CHECK(tz_load(&z, "UTC", &e) == 0 && tz_offset(&z, 0) == 0);
	CHECK(tz_load(&z, "Asia/Kolkata", &e) == 0 && tz_offset(&z, at("2030-01-01T00:00Z")) == 19800);
	CHECK(tz_load(&z, "Europe/Nowhere", &e) == -1);
	CHECK_STR(e.code, "ConfigError");
	CHECK(tz_rule_parse("<-03>3<-02>,M3.2.0,M11.1.0", &r) == 0 && r.std == -10800 && r.dst == -7200);
	CHECK(tz_rule_parse("IST-2IDT,M3.4.4/26,M10.5.0", &r) == 0 && r.secs[0] == 26 * 3600);
	CHECK(tz_rule_parse("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", &r) == 0 && r.std == 45900);
	CHECK(tz_rule_parse("EST5EDT,J60,J300", &r) == -1);
	CHECK(tz_rule_parse("X1", &r) == -1);
}

static void test_time(void)
{
	long long t;
	char s[32];

	CHECK(sched_parse_time("2026-11-20T18:15:00+01:00", &t) == 0 && t == at("2026-11-20T17:15Z"));
	CHECK(sched_parse_time("2026-11-20T18:15:00.123Z", &t) == 0);
	sched_format_utc(t, s, sizeof(s));
	CHECK_STR(s, "2026-11-20T18:15:00Z");
	CHECK(sched_parse_time("2026-11-20T18:15-0530", &t) == 0 && t == at("2026-11-20T23:45Z"));
	CHECK(sched_parse_time("2026-11-20 18:15", &t) == 0);
	CHECK(sched_parse_time("2026-11-31T18:15Z", &t) == -1);
	CHECK(sched_parse_time("2026-11-20T18:15Zjunk", &t) == -1);
	CHECK(sched_parse_time("tomorrow", &t) == -1);
	sched_format_utc(0, s, sizeof(s));
	CHECK_STR(s, "1970-01-01T00:00:00Z");
}

static void test_overrides(void)
{
	long long now = at("2026-12-01T12:00Z"), until;
	enum sched_override_kind k;
	enum sched_state st;

	CHECK(sched_override("skip", now, &k, &st, &until) == 0 && k == SCHED_OVR_SKIP);
	CHECK(sched_override("running-until-20261201T1300", now, &k, &st, &until) == 0);
	CHECK(k == SCHED_OVR_STATE && st == SCHED_RUNNING && until == at("2026-12-01T13:00Z"));
	CHECK(sched_override("stopped-until-20261201T1200", now, &k, &st, &until) == 0 && k == SCHED_OVR_NONE);
	CHECK(sched_override("stopped-until-20261301T1200", now, &k, &st, &until) == -1);
	CHECK(sched_override("running-until-2026", now, &k, &st, &until) == -1);
	CHECK(sched_override("running", now, &k, &st, &until) == -1);
}

static void test_clusters(void)
{
	struct sched_conf c;
	struct err e;

	sched_conf_init(&c);
	err_clear(&e);
	CHECK(sched_clusters_parse(&c, "{\"c-1\": \"office\", \"c-2\": \"night\"}", &e) == 0);
	CHECK(c.nclusters == 2);
	CHECK_STR(c.clusters[1].schedule, "night");
	sched_conf_release(&c);
	CHECK(sched_clusters_parse(&c, "{\"c/1\": \"office\"}", &e) == -1);
	sched_conf_release(&c);
	CHECK(sched_clusters_parse(&c, "{\"c1\": 3}", &e) == -1);
	sched_conf_release(&c);
	CHECK(c.interval_min == 10 && c.nodes == 1);
	CHECK_STR(c.tag, "fgboot-schedule");
}

/*
 * The bench row: what the schedule action spends deciding for 10,000 tagged
 * servers against 100 schedules (each schedule evaluated at T and P, each
 * server's name looked up and its override tag read). Budget: 20 ms of CPU
 * in the release build; the sanitized build here may take 5 times that.
 */
static void test_bench(void)
{
	static const char *const zones[] = {"Europe/Paris", "America/New_York", "Asia/Shanghai",
					    "Australia/Lord_Howe", "UTC"};
	char *json = malloc(100 * 256), name[SCHED_NAME_MAX];
	unsigned char now[100], prev[100];
	long long t = at("2026-12-01T07:05:00Z"), until;
	enum sched_override_kind k;
	enum sched_state st;
	struct sched_set set;
	const struct sched *s;
	size_t used = 0, i, running = 0;
	struct err e;
	clock_t c0;
	double ms;

	if (json == NULL)
		return;
	used += (size_t)snprintf(json, 256, "{");
	for (i = 0; i < 100; i++)
		used += (size_t)snprintf(json + used, 256 * 100 - used,
					 "%s\"s%zu\": {\"timezone\": \"%s\", \"periods\": [{\"weekdays\": \"mon-fri\", "
					 "\"begin\": \"%02zu:00\", \"end\": \"18:00\"}], \"holidays\": [\"2026-12-25\"]}",
					 i ? ", " : "", i, zones[i % 5], i % 12);
	snprintf(json + used, 256 * 100 - used, "}");
	err_clear(&e);
	CHECK(sched_set_parse(&set, json, &e) == 0 && set.n == 100);
	free(json);
	c0 = clock();
	for (i = 0; i < set.n; i++) {
		now[i] = sched_desired(&set.v[i], t) == SCHED_RUNNING;
		prev[i] = sched_desired(&set.v[i], t - 600) == SCHED_RUNNING;
	}
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "s%zu", (i * 7919) % 100);
		s = sched_find(&set, name);
		if (s == NULL || sched_override("running-until-20261201T0600", t, &k, &st, &until) != 0)
			continue;
		running += now[s - set.v] || prev[s - set.v];
	}
	ms = (double)(clock() - c0) * 1000.0 / CLOCKS_PER_SEC;
	printf("schedule bench: 10,000 servers x 100 schedules decided in %.2f ms of CPU (%zu running)\n", ms,
	       running);
	CHECK(ms <= 100.0);
	sched_set_release(&set);
}

int main(void)
{
	test_bench();
	test_errors();
	test_weekdays();
	test_monthdays();
	test_overnight();
	test_holidays();
	test_dst();
	test_tz();
	test_time();
	test_overrides();
	test_clusters();
	return check_done("schedule");
}
