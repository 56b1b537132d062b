/* action: see action.h. */
#include "action.h"

#include <stddef.h>
#include <strings.h>

static const char *const action_names[ACTION_COUNT] = {
	[ACTION_NONE] = "",
	[ACTION_HIBERNATE] = "hibernate",
	[ACTION_AWAKE] = "awake",
	[ACTION_STOP] = "stop",
	[ACTION_START] = "start",
	[ACTION_STATUS] = "status",
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
