/*
 * event: what an invocation asks for, whatever shape it arrived in.
 *
 * event_parse() accepts the shapes FunctionGraph delivers: a TIMER event
 * (user_event is a JSON object of parameters or a bare action word), a plain
 * object from the console Test button, the blank template, and an APIG event
 * (body, Base64 when isBase64Encoded). It turns them into a plain struct event;
 * nothing past this module sees JSON.
 *
 * Events choose the action, its targets and options, never endpoints, project
 * or credentials: such a key makes event_parse() fail, so no request is sent.
 * What the event asks for is weighed against the configuration by lib/params.
 */
#ifndef FG_EVENT_H
#define FG_EVENT_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "strlist.h"

enum event_kind { EVENT_PLAIN, EVENT_TIMER, EVENT_APIG };

#define EVENT_ACTION_MAX 32

/*
 * Caps on what one event may name (more is "InvalidParameter", nothing
 * sent): cluster ids and server ids together, and tags. Duplicates count once.
 */
#define EVENT_IDS_MAX 1000
#define EVENT_TAGS_MAX 10

/*
 * The shape of any JSON an event carries (the event, an APIG body, a TIMER
 * user_event), checked before it is parsed so that memory stays bounded
 * whatever the input: nesting (a real event needs 4) and values (1,000 ids,
 * an APIG envelope's headers and context fit with room to spare). More is
 * "InvalidEvent".
 */
#define EVENT_DEPTH_MAX 16
#define EVENT_VALUES_MAX 8192

/* Boolean options: EVENT_UNSET when the event does not say. */
#define EVENT_UNSET (-1)

/*
 * The parsed event: only what it said, nothing resolved. The action stays a
 * word (lib/params decides whether it names one). Owned by the caller;
 * release with event_release().
 */
struct event {
	enum event_kind kind;
	char action[EVENT_ACTION_MAX]; /* the word as named, lower case; "" when none */
	struct strlist cluster_ids;    /* clusterId / cluster_ids */
	struct strlist server_ids;     /* serverIds */
	struct strlist tags;           /* tags: "key=value" */
	int has_cluster_ids;           /* the event named targets of that kind */
	int has_server_ids;
	int has_tags;
	int has_type;                  /* the event named a stop type */
	enum cfg_stop type;
	int wait, dry_run, stop_nodes, start_nodes; /* 0, 1 or EVENT_UNSET */
	/*
	 * The instant the schedule action decides for (UTC seconds): `at` (ISO
	 * 8601) when the event gives one, else a TIMER event's `time`.
	 * has_at: 0 none, 1 a TIMER's time, 2 an `at`.
	 */
	long long at;
	int has_at;
};

void event_init(struct event *ev);
void event_release(struct event *ev);

/*
 * Parses len bytes of body. Returns 0, or -1 with e->code "InvalidEvent" or
 * "InvalidParameter" and a message that names the offending key. ev->kind is
 * set as soon as the shape is known, even on failure (the APIG envelope of an
 * error answer depends on it).
 */
int event_parse(const char *body, size_t len, struct event *ev, struct err *e) FG_WUR;

#endif
