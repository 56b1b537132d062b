/* handlers: the action table. See handlers.h. */
#include "handlers.h"

#include <string.h>

const struct handler handler_table[] = {
	{"hibernate", cce_hibernate, "hibernate the CCE clusters in clusterId (stopNodes: stop their nodes first)"},
	{"awake", cce_awake, "wake up the CCE clusters in clusterId (startNodes: then start their nodes)"},
	{"stop", ecs_stop, "stop the ACTIVE servers selected by clusterId, serverIds, tags"},
	{"start", ecs_start, "start the SHUTOFF servers selected by clusterId, serverIds, tags"},
	{"status", ecs_status, "report the selected clusters' phases and servers' states"},
	{NULL, NULL, NULL},
};

const struct handler *handler_find(const char *action)
{
	const struct handler *h;

	for (h = handler_table; action != NULL && h->action != NULL; h++)
		if (strcmp(h->action, action) == 0)
			return h;
	return NULL;
}

int handler_exists(const char *action)
{
	return handler_find(action) != NULL;
}
