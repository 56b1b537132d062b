/*
 * tz: UTC to local time for every IANA zone, with no zoneinfo files on the host.
 *
 * The zones are compiled in: build/gen/tzdata.c, generated at build time by
 * scripts/gen-tzdata.py from the build machine's tzdata, holds for each zone
 * the UTC offset at 2020-01-01, its offset changes from 2020 until the POSIX
 * TZ string of its TZif file ("CET-1CEST,M3.5.0,M10.5.0/3") takes over, and
 * that string, which tz_offset() evaluates as CPython's zoneinfo does (the
 * rule's year is the UTC year). Instants before 2020 get the 2020 offset.
 * Pure: no tzset, no TZ, no files, no allocation.
 */
#ifndef FG_TZ_H
#define FG_TZ_H

#include <stddef.h>

#include "err.h"

#define TZ_NAME_MAX 64

/* The generated table (build/gen/tzdata.c); lib/tz reads it, nothing else should. */
struct tz_zone {
	int off0;                /* UTC offset in seconds at 2020-01-01T00:00Z */
	long long from;          /* from this instant on, the footer decides */
	unsigned short first, n; /* its changes: tz_changes[first .. first + n) */
	unsigned short footer;   /* offset of its POSIX TZ string in tz_footers ("" = none) */
};
struct tz_change {
	long long at; /* UTC instant */
	int off;      /* the offset from then on */
};
extern const char tz_names[];               /* sorted, each NUL-terminated */
extern const unsigned short tz_name_off[];  /* where each name starts in tz_names */
extern const unsigned short tz_name_zone[]; /* its entry in tz_zones */
extern const size_t tz_nnames;
extern const struct tz_zone tz_zones[];
extern const struct tz_change tz_changes[];
extern const char tz_footers[];

/* A parsed POSIX TZ string: a standard offset, and maybe a daylight one with its two rules. */
struct tz_rule {
	long std, dst;  /* UTC offsets in seconds (east positive) */
	int has_dst;
	int mon[2], week[2], wday[2]; /* Mm.w.d of the start [0] and the end [1] */
	long secs[2];                 /* local time of day of each change, may be < 0 or > 24 h */
};

/* A loaded zone; plain data, nothing to release. */
struct tz {
	char name[TZ_NAME_MAX];
	const struct tz_zone *zone;
	struct tz_rule rule;
};

/*
 * Loads the zone called name ("Europe/Paris", "UTC"). Returns 0, or -1 with
 * e "ConfigError" ("unknown time zone").
 */
int tz_load(struct tz *z, const char *name, struct err *e) FG_WUR;

/* The UTC offset in seconds (east positive) of z at the UTC instant utc (seconds). */
long tz_offset(const struct tz *z, long long utc);

/* Parses a POSIX TZ string with M rules (or none). 0, or -1 when it is not one. */
int tz_rule_parse(const char *s, struct tz_rule *r) FG_WUR;

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
long long tz_days(long long y, int m, int d);
void tz_civil(long long days, long long *y, int *m, int *d);

/* The day (days since 1970-01-01) of the instant t (seconds since it): t / 86400 rounded down. */
long long tz_day_of(long long t);

/* 0 = Sunday .. 6 = Saturday, of days since 1970-01-01. */
int tz_weekday(long long days);

/* Days in month m (1-12) of year y. */
int tz_month_days(long long y, int m);

#endif
