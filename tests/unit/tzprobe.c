/*
 * tzprobe: for tests/unit/tz_zoneinfo.py. Reads "ZONE UTC-SECONDS" lines and
 * prints, per line, the local wall time lib/tz gives (YYYY-MM-DDTHH:MM:SS)
 * and what a 07:00-19:00 schedule in that zone wants (running/stopped).
 */
#include <stdio.h>
#include <string.h>

#include "schedule.h"
#include "tz.h"

int main(void)
{
	char line[256], name[TZ_NAME_MAX], json[256], iso[32];
	struct sched_set set;
	long long utc, local;
	struct err e;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%63s %lld", name, &utc) != 2)
			return 2;
		snprintf(json, sizeof(json), "{\"s\": {\"timezone\": \"%s\", \"periods\": "
			 "[{\"begin\": \"07:00\", \"end\": \"19:00\"}]}}", name);
		err_clear(&e);
		if (sched_set_parse(&set, json, &e) != 0) {
			printf("error %s\n", e.msg);
			continue;
		}
		local = utc + tz_offset(&set.v[0].tz, utc);
		sched_format_utc(local, iso, sizeof(iso));
		iso[19] = '\0';
		printf("%s %s\n", iso, sched_state_name(sched_desired(&set.v[0], utc)));
		sched_set_release(&set);
	}
	return 0;
}
