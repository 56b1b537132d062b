/* schedule: see schedule.h. */
#include "schedule.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCHED_ERR "ConfigError"

static const char *const sched_wday_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const sched_month_names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
						   "jul", "aug", "sep", "oct", "nov", "dec"};

void sched_conf_init(struct sched_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->tag, sizeof(c->tag), "%s", SCHED_DEFAULT_TAG);
	snprintf(c->override_tag, sizeof(c->override_tag), "%s", SCHED_DEFAULT_OVERRIDE_TAG);
	c->interval_min = SCHED_DEFAULT_INTERVAL_MIN;
	c->nodes = 1;
}

void sched_set_release(struct sched_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].periods);
		free(s->v[i].holidays);
	}
	free(s->v);
	strindex_release(&s->idx);
	s->v = NULL;
	s->n = 0;
}

static const char *sched_key(const void *items, size_t i)
{
	return ((const struct sched *)items)[i].name;
}

void sched_conf_release(struct sched_conf *c)
{
	if (c == NULL)
		return;
	sched_set_release(&c->set);
	free(c->clusters);
	sched_conf_init(c);
}

/* One field's error: "schedules: '<name>': <field>: <why>". Returns -1. */
static int sched_fail(struct err *e, const char *name, const char *field, const char *why, size_t n,
		      const char *item)
{
	if (item != NULL)
		return err_set(e, SCHED_ERR, "schedules: '%.43s': %s: '%.*s' %s", name, field,
			       (int)(n < 32 ? n : 32), item, why);
	return err_set(e, SCHED_ERR, "schedules: '%.43s': %s: %s", name, field, why);
}

/* 1 when s is a valid tag value: 1 to 43 of [A-Za-z0-9._-]. */
static int sched_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < SCHED_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789._-") == n;
}

/* "HH:MM" (H:MM too) as minutes; 24:00 only when end. -1 when malformed. */
static int sched_hhmm(const char *s, int end)
{
	int h = 0, m, i = 0;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	while (i < 2 && isdigit((unsigned char)s[i]))
		h = h * 10 + (s[i++] - '0');
	if (s[i] != ':' || !isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]) ||
	    s[i + 3] != '\0')
		return -1;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return -1;
	return h * 60 + m;
}

/* The index of the n bytes of s in names (any case), or -1. */
static int sched_word(const char *s, size_t n, const char *const *names, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (n == 3 && strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/* n digits of s as a number; -1 when one is not a digit. */
static long sched_digits(const char *s, int n)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A number of 1-2 digits in n bytes of s, or -1. */
static int sched_small(const char *s, size_t n)
{
	return n >= 1 && n <= 2 ? (int)sched_digits(s, (int)n) : -1;
}

/*
 * YYYY?MM?DD at s (dsep the separator, 0 for none; the caller has checked the
 * length), from 1970 on, as days since 1970-01-01; -1 when malformed.
 */
static int sched_ymd(const char *s, int dsep, long long *days)
{
	int o = dsep ? 1 : 0;
	long y, m, d;

	if (dsep && (s[4] != dsep || s[7] != dsep))
		return -1;
	y = sched_digits(s, 4);
	m = sched_digits(s + 4 + o, 2);
	d = sched_digits(s + 6 + 2 * o, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > tz_month_days(y, (int)m))
		return -1;
	*days = tz_days(y, (int)m, (int)d);
	return 0;
}

/* Splits a comma list and calls one() per item (spaces around items ignored). */
typedef int sched_item_fn(struct sched_period *p, const char *s, size_t n);

static int sched_list(struct sched_period *p, const char *csv, sched_item_fn *one, const char **bad,
		      size_t *badn)
{
	const char *s = csv, *end;
	size_t n;

	for (;;) {
		while (*s == ' ')
			s++;
		end = s + strcspn(s, ",");
		n = (size_t)(end - s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n == 0 || one(p, s, n) != 0) {
			*bad = s;
			*badn = n;
			return -1;
		}
		if (*end == '\0')
			return 0;
		s = end + 1;
	}
}

static int sched_weekday_item(struct sched_period *p, const char *s, size_t n)
{
	const char *dash = memchr(s, '-', n), *hash = memchr(s, '#', n);
	int a, b, k;

	if (dash != NULL) { /* a range, wrapping past Sunday when needed */
		if ((a = sched_word(s, (size_t)(dash - s), sched_wday_names, 7)) < 0 ||
		    (b = sched_word(dash + 1, n - (size_t)(dash + 1 - s), sched_wday_names, 7)) < 0)
			return -1;
		for (k = a;; k = (k + 1) % 7) {
			p->wdays[k] |= SCHED_WD_ANY;
			if (k == b)
				break;
		}
		return 0;
	}
	if (hash != NULL) { /* mon#2: the 2nd Monday of the month */
		if ((a = sched_word(s, (size_t)(hash - s), sched_wday_names, 7)) < 0 || n != 5 ||
		    hash[1] < '1' || hash[1] > '5')
			return -1;
		p->wdays[a] |= (unsigned char)(1u << (hash[1] - '0'));
		return 0;
	}
	if (n == 4 && (s[3] == 'L' || s[3] == 'l')) { /* friL: the last Friday */
		if ((a = sched_word(s, 3, sched_wday_names, 7)) < 0)
			return -1;
		p->wdays[a] |= SCHED_WD_LAST;
		return 0;
	}
	if ((a = sched_word(s, n, sched_wday_names, 7)) < 0)
		return -1;
	p->wdays[a] |= SCHED_WD_ANY;
	return 0;
}

static int sched_monthday_item(struct sched_period *p, const char *s, size_t n)
{
	const char *dash = memchr(s, '-', n);
	int a, b, k;

	if (n == 1 && (s[0] == 'L' || s[0] == 'l')) {
		p->mdays |= 1ul;
		return 0;
	}
	if (dash == NULL) {
		if ((a = sched_small(s, n)) < 1 || a > 31)
			return -1;
		p->mdays |= 1ul << a;
		return 0;
	}
	a = sched_small(s, (size_t)(dash - s));
	if (n - (size_t)(dash + 1 - s) == 1 && (dash[1] == 'L' || dash[1] == 'l')) {
		b = 31; /* 15-L: through the last day */
		p->mdays |= 1ul;
	} else {
		b = sched_small(dash + 1, n - (size_t)(dash + 1 - s));
	}
	if (a < 1 || b > 31 || b < a)
		return -1;
	for (k = a; k <= b; k++)
		p->mdays |= 1ul << k;
	return 0;
}

static int sched_month(const char *s, size_t n)
{
	int m = sched_word(s, n, sched_month_names, 12);

	if (m >= 0)
		return m + 1;
	m = sched_small(s, n);
	return m >= 1 && m <= 12 ? m : -1;
}

static int sched_month_item(struct sched_period *p, const char *s, size_t n)
{
	const char *dash = memchr(s, '-', n);
	int a, b, k;

	if (dash == NULL) {
		if ((a = sched_month(s, n)) < 0)
			return -1;
		p->months |= 1u << a;
		return 0;
	}
	if ((a = sched_month(s, (size_t)(dash - s))) < 0 ||
	    (b = sched_month(dash + 1, n - (size_t)(dash + 1 - s))) < 0)
		return -1;
	for (k = a;; k = k % 12 + 1) { /* nov-feb wraps past December */
		p->months |= 1u << k;
		if (k == b)
			break;
	}
	return 0;
}

/* One period object. */
static int sched_period_parse(struct sched_period *p, json_t *o, const char *name, size_t idx,
			      struct err *e)
{
	static const struct {
		const char *key;
		sched_item_fn *item;
		const char *what;
	} lists[] = {{"weekdays", sched_weekday_item, "is not a weekday (mon..sun, mon-fri, mon#2, friL)"},
		     {"monthdays", sched_monthday_item, "is not a month day (1..31, 1-15, L)"},
		     {"months", sched_month_item, "is not a month (jan..dec, 1..12, ranges)"}};
	int *has[3] = {&p->has_wdays, &p->has_mdays, &p->has_months};
	char field[64];
	const char *key, *bad = NULL;
	size_t i, badn = 0;
	json_t *v;

	memset(p, 0, sizeof(*p));
	p->end = 24 * 60;
	snprintf(field, sizeof(field), "periods[%zu]", idx);
	if (!json_is_object(o))
		return sched_fail(e, name, field, "must be an object", 0, NULL);
	json_object_foreach(o, key, v) {
		snprintf(field, sizeof(field), "periods[%zu].%.24s", idx, key);
		if (strcmp(key, "begin") == 0 || strcmp(key, "end") == 0) {
			int end = key[0] == 'e', m = json_is_string(v) ? sched_hhmm(json_string_value(v), end) : -1;

			if (m < 0)
				return sched_fail(e, name, field, "must be a time HH:MM (00:00 to 24:00 for end)",
						  0, NULL);
			*(end ? &p->end : &p->begin) = m;
			continue;
		}
		for (i = 0; i < 3 && strcmp(key, lists[i].key) != 0; i++)
			;
		if (i == 3)
			return sched_fail(e, name, field, "unknown field (begin, end, weekdays, monthdays, months)",
					  0, NULL);
		if (!json_is_string(v))
			return sched_fail(e, name, field, "must be a string such as \"mon-fri\"", 0, NULL);
		*has[i] = 1;
		if (sched_list(p, json_string_value(v), lists[i].item, &bad, &badn) != 0)
			return sched_fail(e, name, field, lists[i].what, badn, bad);
	}
	if (p->begin == p->end) {
		snprintf(field, sizeof(field), "periods[%zu].end", idx);
		return sched_fail(e, name, field, "equals begin (a period must last)", 0, NULL);
	}
	return 0;
}

/* YYYY-MM-DD as days since 1970-01-01; -1 when malformed (dates before 1970 are refused). */
static int sched_date(const char *s, long long *days)
{
	return strlen(s) == 10 ? sched_ymd(s, '-', days) : -1;
}

static int sched_cmp_days(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int sched_holidays(struct sched *s, json_t *v, struct err *e)
{
	char field[32];
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return sched_fail(e, s->name, "holidays", "must be an array of dates YYYY-MM-DD", 0, NULL);
	if (json_array_size(v) > SCHED_HOLIDAYS_MAX)
		return sched_fail(e, s->name, "holidays", "too many (1000 at most)", 0, NULL);
	if (json_array_size(v) == 0)
		return 0;
	if ((s->holidays = calloc(json_array_size(v), sizeof(*s->holidays))) == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	json_array_foreach(v, i, item) {
		snprintf(field, sizeof(field), "holidays[%zu]", i);
		if (!json_is_string(item) || sched_date(json_string_value(item), &s->holidays[i]) != 0)
			return sched_fail(e, s->name, field, "must be a date YYYY-MM-DD", 0, NULL);
	}
	s->nholidays = json_array_size(v);
	qsort(s->holidays, s->nholidays, sizeof(*s->holidays), sched_cmp_days);
	return 0;
}

static int sched_periods(struct sched *s, json_t *v, struct err *e)
{
	json_t *item;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return sched_fail(e, s->name, "periods", "must be a non-empty array of periods", 0, NULL);
	if (json_array_size(v) > SCHED_PERIODS_MAX)
		return sched_fail(e, s->name, "periods", "too many (100 at most)", 0, NULL);
	if ((s->periods = calloc(json_array_size(v), sizeof(*s->periods))) == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	json_array_foreach(v, i, item) {
		if (sched_period_parse(&s->periods[i], item, s->name, i, e) != 0)
			return -1;
		s->nperiods = i + 1;
	}
	return 0;
}

/* One definition into s (whose name is set). */
static int sched_one(struct sched *s, json_t *def, struct err *e)
{
	const char *key;
	json_t *v, *tzv = json_object_get(def, "timezone");
	struct err why;

	if (!json_is_object(def))
		return sched_fail(e, s->name, "definition", "must be an object", 0, NULL);
	json_object_foreach(def, key, v) {
		if (strcmp(key, "timezone") != 0 && strcmp(key, "periods") != 0 &&
		    strcmp(key, "holidays") != 0 && strcmp(key, "enforced") != 0)
			return sched_fail(e, s->name, key, "unknown field (timezone, periods, holidays, enforced)",
					  0, NULL);
	}
	err_clear(&why);
	if (tzv != NULL && !json_is_string(tzv))
		return sched_fail(e, s->name, "timezone", "must be an IANA zone name such as \"Europe/Paris\"",
				  0, NULL);
	if (tz_load(&s->tz, tzv != NULL ? json_string_value(tzv) : "UTC", &why) != 0)
		return sched_fail(e, s->name, "timezone", why.msg, 0, NULL);
	v = json_object_get(def, "enforced");
	if (v != NULL && !json_is_boolean(v))
		return sched_fail(e, s->name, "enforced", "must be true or false", 0, NULL);
	s->enforced = json_is_true(v);
	if (sched_periods(s, json_object_get(def, "periods"), e) != 0)
		return -1;
	v = json_object_get(def, "holidays");
	return v != NULL ? sched_holidays(s, v, e) : 0;
}

int sched_set_parse(struct sched_set *s, const char *json, struct err *e)
{
	json_error_t jerr;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr), *def;
	const char *name;
	int rc = -1;

	s->v = NULL;
	s->n = 0;
	strindex_init(&s->idx);
	if (root == NULL) {
		err_set(e, SCHED_ERR, "schedules is not valid JSON: %s", jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		err_set(e, SCHED_ERR, "schedules must be a JSON object: name -> definition");
		goto out;
	}
	if (json_object_size(root) > SCHED_MAX) {
		err_set(e, SCHED_ERR, "schedules: more than %d", SCHED_MAX);
		goto out;
	}
	if (json_object_size(root) > 0 && (s->v = calloc(json_object_size(root), sizeof(*s->v))) == NULL) {
		err_set(e, "OutOfMemory", "out of memory");
		goto out;
	}
	json_object_foreach(root, name, def) {
		struct sched *one = &s->v[s->n++];

		if (!sched_name_ok(name)) {
			err_set(e, SCHED_ERR, "schedules: '%.64s': a name is 1 to 43 of [A-Za-z0-9._-] "
				"(it is an ECS tag value)", name);
			goto out;
		}
		snprintf(one->name, sizeof(one->name), "%s", name);
		if (sched_one(one, def, e) != 0)
			goto out;
		if (strindex_reserve(&s->idx, sched_key, s->v, s->n - 1) != 0) {
			err_set(e, "OutOfMemory", "out of memory");
			goto out;
		}
		strindex_put(&s->idx, sched_key, s->v, s->n - 1); /* names are distinct: duplicates were refused */
	}
	rc = 0;
out:
	if (rc != 0)
		sched_set_release(s);
	json_decref(root);
	return rc;
}

int sched_clusters_parse(struct sched_conf *c, const char *json, struct err *e)
{
	json_error_t jerr;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr), *v;
	const char *id;
	struct err why;
	int rc = -1;

	if (root == NULL || !json_is_object(root)) {
		err_set(e, SCHED_ERR, "clusterSchedules must be a JSON object: cluster id -> schedule name");
		goto out;
	}
	if (json_object_size(root) > 0 &&
	    (c->clusters = calloc(json_object_size(root), sizeof(*c->clusters))) == NULL) {
		err_set(e, "OutOfMemory", "out of memory");
		goto out;
	}
	json_object_foreach(root, id, v) {
		err_clear(&why);
		if (strlist_check_id(id, strlen(id), "clusterSchedules", &why) != 0) {
			err_set(e, SCHED_ERR, "%s", why.msg);
			goto out;
		}
		if (!json_is_string(v) || !sched_name_ok(json_string_value(v))) {
			err_set(e, SCHED_ERR, "clusterSchedules: '%.64s': the value must be a schedule name", id);
			goto out;
		}
		snprintf(c->clusters[c->nclusters].id, sizeof(c->clusters[0].id), "%s", id);
		snprintf(c->clusters[c->nclusters].schedule, sizeof(c->clusters[0].schedule), "%s",
			 json_string_value(v));
		c->nclusters++;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

const struct sched *sched_find(const struct sched_set *s, const char *name)
{
	size_t at = strindex_find(&s->idx, sched_key, s->v, name, strlen(name));

	return at != STRINDEX_NONE ? &s->v[at] : NULL;
}

const char *sched_state_name(enum sched_state st)
{
	return st == SCHED_RUNNING ? "running" : "stopped";
}

static int sched_is_holiday(const struct sched *s, long long day)
{
	return s->nholidays > 0 &&
	       bsearch(&day, s->holidays, s->nholidays, sizeof(day), sched_cmp_days) != NULL;
}

/* 1 when the local date day (days since 1970-01-01) matches every field p has. */
static int sched_day_matches(const struct sched_period *p, long long day)
{
	long long y;
	int m, d, last, mask;

	if (!p->has_wdays && !p->has_mdays && !p->has_months)
		return 1;
	tz_civil(day, &y, &m, &d);
	last = tz_month_days(y, m);
	if (p->has_months && !(p->months & (1u << m)))
		return 0;
	if (p->has_mdays && !(p->mdays & (1ul << d)) && !(d == last && (p->mdays & 1ul)))
		return 0;
	if (p->has_wdays) {
		mask = p->wdays[tz_weekday(day)];
		if (!(mask & SCHED_WD_ANY) && !(mask & (1 << ((d - 1) / 7 + 1))) &&
		    !((mask & SCHED_WD_LAST) && d + 7 > last))
			return 0;
	}
	return 1;
}

enum sched_state sched_desired(const struct sched *s, long long utc)
{
	long long local = utc + tz_offset(&s->tz, utc);
	long long day = tz_day_of(local);
	int min = (int)((local - day * 86400) / 60);
	const struct sched_period *p;
	size_t i;

	if (sched_is_holiday(s, day))
		return SCHED_STOPPED;
	for (i = 0; i < s->nperiods; i++) {
		p = &s->periods[i];
		if (p->begin < p->end) {
			if (min >= p->begin && min < p->end && sched_day_matches(p, day))
				return SCHED_RUNNING;
		} else if ((min >= p->begin && sched_day_matches(p, day)) ||
			   (min < p->end && sched_day_matches(p, day - 1))) {
			return SCHED_RUNNING;
		}
	}
	return SCHED_STOPPED;
}

/* YYYYMMDD?HH?MM at s with the separators given (0: none); UTC seconds or -1. */
static int sched_ymdhm(const char *s, int dsep, int tsep, long long *utc, const char **rest)
{
	long long days;
	long h, mi;
	int o = dsep ? 1 : 0;

	if (sched_ymd(s, dsep, &days) != 0)
		return -1;
	if (s[8 + 2 * o] != 'T' && s[8 + 2 * o] != 't' && !(dsep && s[8 + 2 * o] == ' '))
		return -1;
	s += 9 + 2 * o;
	h = sched_digits(s, 2);
	if (tsep && s[2] != tsep)
		return -1;
	mi = sched_digits(s + 2 + (tsep ? 1 : 0), 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	*utc = (days * 24 + h) * 3600 + mi * 60;
	*rest = s + 4 + (tsep ? 1 : 0);
	return 0;
}

int sched_parse_time(const char *s, long long *utc)
{
	long long t;
	long sec = 0, oh, om = 0;
	int sign;

	if (strlen(s) < 16 || sched_ymdhm(s, '-', ':', &t, &s) != 0)
		return -1;
	if (*s == ':') {
		if ((sec = sched_digits(s + 1, 2)) < 0 || sec > 60)
			return -1;
		s += 3;
		if (*s == '.' || *s == ',')
			for (s++; isdigit((unsigned char)*s); s++)
				;
	}
	t += sec;
	if (*s == '\0' || ((*s == 'Z' || *s == 'z') && s[1] == '\0')) {
		*utc = t;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s == '-' ? -1 : 1;
	if ((oh = sched_digits(s + 1, 2)) < 0 || oh > 23)
		return -1;
	s += 3;
	if (*s == ':')
		s++;
	if (*s != '\0' && ((om = sched_digits(s, 2)) < 0 || om > 59 || s[2] != '\0'))
		return -1;
	*utc = t - sign * (oh * 3600 + om * 60);
	return 0;
}

void sched_format_utc(long long utc, char *out, size_t n)
{
	long long day = tz_day_of(utc), y;
	long rem = (long)(utc - day * 86400);
	int m, d;

	tz_civil(day, &y, &m, &d);
	snprintf(out, n, "%04lld-%02d-%02dT%02ld:%02ld:%02ldZ", y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
}

int sched_override(const char *value, long long now, enum sched_override_kind *kind,
		   enum sched_state *st, long long *until)
{
	static const char run[] = "running-until-", stop[] = "stopped-until-";
	const char *rest;
	size_t n;

	if (strcmp(value, "skip") == 0) {
		*kind = SCHED_OVR_SKIP;
		return 0;
	}
	if (strncmp(value, run, sizeof(run) - 1) == 0) {
		*st = SCHED_RUNNING;
		n = sizeof(run) - 1;
	} else if (strncmp(value, stop, sizeof(stop) - 1) == 0) {
		*st = SCHED_STOPPED;
		n = sizeof(stop) - 1;
	} else {
		return -1;
	}
	if (strlen(value + n) != 13 || sched_ymdhm(value + n, 0, 0, until, &rest) != 0)
		return -1;
	*kind = now < *until ? SCHED_OVR_STATE : SCHED_OVR_NONE;
	return 0;
}
