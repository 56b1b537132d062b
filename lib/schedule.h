/*
 * schedule: working hours as data, and the pure rule that says whether a
 * schedule wants its resources running at an instant.
 *
 * The configuration key `schedules` is a JSON object, name -> definition:
 *
 *   {"office-hours": {"timezone": "Europe/Paris",
 *                     "periods": [{"weekdays": "mon-fri", "begin": "07:45", "end": "18:15"}],
 *                     "holidays": ["2026-12-25"], "enforced": false}}
 *
 * A period wants running from begin (default 00:00) until end (default
 * 24:00) local time on a day that matches all of its weekdays (mon..sun,
 * ranges, wrapping sat-mon, mon#2, friL), monthdays (1..31, ranges, L) and
 * months (jan..dec or 1..12, ranges); end before begin runs overnight into
 * the next calendar day. A holiday (a local date) wants stopped all day.
 * Everything depends only on the local date and wall-clock time in the
 * schedule's zone (lib/tz), so a 07:00-19:00 period stays so across DST.
 * sched_set_parse() validates everything once; a bad definition is a
 * "ConfigError" that names the schedule and the field.
 *
 * The rest of what the `schedule` action is configured with also lives
 * here (struct sched_conf): the cluster -> schedule map (clusterSchedules),
 * the tag keys, the trigger's interval, scheduleNodes; and the override tag
 * values ("running-until-YYYYMMDDTHHMM", "stopped-until-...", "skip").
 */
#ifndef FG_SCHEDULE_H
#define FG_SCHEDULE_H

#include <stddef.h>

#include "err.h"
#include "strindex.h"
#include "strlist.h"
#include "tz.h"

#define SCHED_NAME_MAX 44 /* an ECS tag value: up to 43 of [A-Za-z0-9._-] */
#define SCHED_MAX 1000         /* schedules */
#define SCHED_PERIODS_MAX 100  /* periods per schedule */
#define SCHED_HOLIDAYS_MAX 1000 /* holidays per schedule */
#define SCHED_TAG_MAX 128
#define SCHED_DEFAULT_TAG "fgboot-schedule"
#define SCHED_DEFAULT_OVERRIDE_TAG "fgboot-override"
#define SCHED_DEFAULT_INTERVAL_MIN 10L

enum sched_state { SCHED_STOPPED = 0, SCHED_RUNNING = 1 };

/* Weekday match bits, per weekday: any occurrence, the nth (1 << n, n = 1..5), the last. */
#define SCHED_WD_ANY 1u
#define SCHED_WD_LAST (1u << 6)

struct sched_period {
	int begin, end;          /* minutes of the local day; end < begin: overnight */
	unsigned char wdays[7];  /* indexed 0 = Sunday; 0 for all seven = field absent */
	int has_wdays, has_mdays, has_months;
	unsigned long mdays;     /* bit d: day d (1-31); bit 0: L, the last day */
	unsigned months;         /* bit m: month m (1-12) */
};

struct sched {
	char name[SCHED_NAME_MAX];
	struct tz tz;
	struct sched_period *periods;
	size_t nperiods;
	long long *holidays; /* local dates as days since 1970-01-01, sorted */
	size_t nholidays;
	int enforced;
};

/* Owned; read-only once parsed. */
struct sched_set {
	struct sched *v;
	size_t n;
	struct strindex idx; /* private: v by name */
};

struct sched_cluster {
	char id[STRLIST_ID_MAX + 1];
	char schedule[SCHED_NAME_MAX];
};

/* What the `schedule` action is configured with. */
struct sched_conf {
	struct sched_set set;             /* schedules */
	struct sched_cluster *clusters;   /* clusterSchedules, in the configured order */
	size_t nclusters;
	char tag[SCHED_TAG_MAX];          /* scheduleTag */
	char override_tag[SCHED_TAG_MAX]; /* overrideTag */
	long interval_min;                /* scheduleInterval, minutes */
	int nodes;                        /* scheduleNodes */
};

/* Empty, with the defaults. */
void sched_conf_init(struct sched_conf *c);
void sched_conf_release(struct sched_conf *c);

/*
 * Parses the JSON text of `schedules` into s (empty). Returns 0, or -1 with
 * e "ConfigError" ("schedules: 'night': periods[0].end: ...") or "OutOfMemory".
 */
int sched_set_parse(struct sched_set *s, const char *json, struct err *e) FG_WUR;
void sched_set_release(struct sched_set *s);

/*
 * Parses the JSON text of `clusterSchedules` (cluster id -> schedule name)
 * into c. Names are not checked against c->set: an unknown one fails that
 * cluster only. 0, or -1 with e "ConfigError" or "OutOfMemory".
 */
int sched_clusters_parse(struct sched_conf *c, const char *json, struct err *e) FG_WUR;

/* The schedule called name, or NULL (a hash lookup). */
const struct sched *sched_find(const struct sched_set *s, const char *name);

/* What s wants at the UTC instant utc (seconds). */
enum sched_state sched_desired(const struct sched *s, long long utc);

/* "running" or "stopped". */
const char *sched_state_name(enum sched_state st);

/*
 * Parses an ISO 8601 instant: YYYY-MM-DDTHH:MM[:SS[.fff]] followed by Z,
 * +HH:MM, +HHMM or +HH (nothing: UTC). 0 with *utc set, or -1.
 */
int sched_parse_time(const char *s, long long *utc) FG_WUR;

/* Writes utc as YYYY-MM-DDTHH:MM:SSZ (out: at least 24 bytes). */
void sched_format_utc(long long utc, char *out, size_t n);

enum sched_override_kind { SCHED_OVR_NONE = 0, SCHED_OVR_SKIP, SCHED_OVR_STATE };

/*
 * An override tag value at the UTC instant now: "skip"; "running-until-" or
 * "stopped-until-" YYYYMMDDTHHMM (UTC), in force (SCHED_OVR_STATE, *st set)
 * until then and SCHED_OVR_NONE afterwards. 0 with *kind set, or -1 when the
 * value is none of those.
 */
int sched_override(const char *value, long long now, enum sched_override_kind *kind,
		   enum sched_state *st, long long *until) FG_WUR;

#endif
