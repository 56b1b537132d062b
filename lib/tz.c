/* tz: see tz.h. */
#include "tz.h"

#include <stdio.h>
#include <string.h>

long long tz_days(long long y, int m, int d)
{
	/* Counted from 0000-03-01 so that the leap day ends each year; eras of 400 years. */
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tz_civil(long long days, long long *y, int *m, int *d)
{
	long long z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

long long tz_day_of(long long t)
{
	return t >= 0 ? t / 86400 : (t - 86399) / 86400;
}

int tz_weekday(long long days)
{
	long long w = (days + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

int tz_month_days(long long y, int m)
{
	static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : n[m - 1];
}

/* A number of at most max digits; advances *s. -1 when there is none. */
static long tz_num(const char **s, int max)
{
	long v = 0;
	int n = 0;

	while (n < max && **s >= '0' && **s <= '9') {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n > 0 ? v : -1;
}

/* [+-]hh[:mm[:ss]] in seconds, hours up to max_h; 0 or -1. */
static int tz_hms(const char **s, long max_h, long *out)
{
	long sign = 1, h, m = 0, sec = 0;

	if (**s == '+' || **s == '-')
		sign = *(*s)++ == '-' ? -1 : 1;
	if ((h = tz_num(s, 3)) < 0 || h > max_h)
		return -1;
	if (**s == ':' && ((void)(*s)++, (m = tz_num(s, 2)) < 0 || m > 59))
		return -1;
	if (**s == ':' && ((void)(*s)++, (sec = tz_num(s, 2)) < 0 || sec > 59))
		return -1;
	*out = sign * (h * 3600 + m * 60 + sec);
	return 0;
}

/* A zone abbreviation: <...> or three or more letters. */
static int tz_abbr(const char **s)
{
	const char *p = *s;

	if (*p == '<') {
		p = strchr(p, '>');
		if (p == NULL)
			return -1;
		*s = p + 1;
		return 0;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	if (p - *s < 3)
		return -1;
	*s = p;
	return 0;
}

/* ,Mm.w.d[/time] */
static int tz_mrule(const char **s, struct tz_rule *r, int i)
{
	long v;

	if (**s != ',' || (*s)[1] != 'M')
		return -1;
	*s += 2;
	if ((v = tz_num(s, 2)) < 1 || v > 12 || **s != '.')
		return -1;
	r->mon[i] = (int)v;
	(*s)++;
	if ((v = tz_num(s, 1)) < 1 || v > 5 || **s != '.')
		return -1;
	r->week[i] = (int)v;
	(*s)++;
	if ((v = tz_num(s, 1)) < 0 || v > 6)
		return -1;
	r->wday[i] = (int)v;
	r->secs[i] = 7200;
	if (**s == '/') {
		(*s)++;
		return tz_hms(s, 167, &r->secs[i]);
	}
	return 0;
}

int tz_rule_parse(const char *s, struct tz_rule *r)
{
	long off;

	memset(r, 0, sizeof(*r));
	if (tz_abbr(&s) != 0 || tz_hms(&s, 24, &off) != 0)
		return -1;
	r->std = -off; /* POSIX counts west of Greenwich as positive */
	if (*s == '\0')
		return 0;
	if (tz_abbr(&s) != 0)
		return -1;
	r->has_dst = 1;
	r->dst = r->std + 3600;
	if (*s != ',' && *s != '\0') {
		if (tz_hms(&s, 24, &off) != 0)
			return -1;
		r->dst = -off;
	}
	if (tz_mrule(&s, r, 0) != 0 || tz_mrule(&s, r, 1) != 0 || *s != '\0')
		return -1;
	return 0;
}

int tz_load(struct tz *z, const char *name, struct err *e)
{
	size_t lo = 0, hi = tz_nnames, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, tz_names + tz_name_off[mid]);
		if (c == 0) {
			snprintf(z->name, sizeof(z->name), "%s", name);
			z->zone = &tz_zones[tz_name_zone[mid]];
			if (tz_rule_parse(tz_footers + z->zone->footer, &z->rule) != 0) {
				/* No usable footer: nothing half-parsed, and the last known offset. */
				memset(&z->rule, 0, sizeof(z->rule));
				z->rule.std = z->zone->n > 0 ? tz_changes[z->zone->first + z->zone->n - 1].off
							     : z->zone->off0;
			}
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return err_set(e, "ConfigError", "unknown time zone '%.64s'", name);
}

/* The UTC instant of rule i's change in year y. */
static long long tz_change_at(const struct tz_rule *r, int i, long long y)
{
	long long first = tz_days(y, r->mon[i], 1);
	int day = (r->wday[i] - tz_weekday(first) + 7) % 7 + 1 + (r->week[i] - 1) * 7;

	if (day > tz_month_days(y, r->mon[i]))
		day -= 7;
	return (first + day - 1) * 86400 + r->secs[i] - (i == 0 ? r->std : r->dst);
}

static long tz_rule_offset(const struct tz_rule *r, long long utc)
{
	long long y, start, end;
	int m, d;

	if (!r->has_dst)
		return r->std;
	tz_civil(tz_day_of(utc), &y, &m, &d);
	start = tz_change_at(r, 0, y);
	end = tz_change_at(r, 1, y);
	if (start < end)
		return start <= utc && utc < end ? r->dst : r->std;
	return end <= utc && utc < start ? r->std : r->dst;
}

long tz_offset(const struct tz *z, long long utc)
{
	const struct tz_zone *zn = z->zone;
	const struct tz_change *c = tz_changes + zn->first;
	size_t lo = 0, hi = zn->n, mid;

	if (utc >= zn->from)
		return tz_rule_offset(&z->rule, utc);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c[mid].at <= utc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? zn->off0 : c[lo - 1].off;
}
