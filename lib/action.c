/* action: see action.h. */
#include "action.h"

#include <stdio.h>
#include <strings.h>

static const char *const action_names[ACTION_COUNT] = {
	[ACTION_NONE] = "",
	[ACTION_HIBERNATE] = "hibernate",
	[ACTION_AWAKE] = "awake",
	[ACTION_STOP] = "stop",
	[ACTION_START] = "start",
	[ACTION_STATUS] = "status",
	[ACTION_SCHEDULE] = "schedule",
};

enum action action_parse(const char *s)
{
	int i;

	for (i = 1; s != NULL && i < ACTION_COUNT; i++)
		if (strcasecmp(s, action_names[i]) == 0)
			return (enum action)i;
	return ACTION_NONE;
}

const char *action_name(enum action a)
{
	return (int)a >= 0 && (int)a < ACTION_COUNT ? action_names[a] : "";
}

void action_list(char *dst, size_t n, unsigned mask)
{
	size_t used = 0;
	int i, w;

	dst[0] = '\0';
	for (i = ACTION_NONE + 1; i < ACTION_COUNT && used < n; i++) {
		if (!(mask & (1u << i)))
			continue;
		w = snprintf(dst + used, n - used, "%s%s", used ? ", " : "", action_names[i]);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}
