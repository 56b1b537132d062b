/*
 * action: the vocabulary of what an invocation can ask for.
 *
 * The configuration, the event and the handlers' table all speak of actions
 * through this enum; the names below are the only spellings accepted.
 */
#ifndef FG_ACTION_H
#define FG_ACTION_H

#include <stddef.h>

enum action {
	ACTION_NONE = 0, /* not named (or not an action) */
	ACTION_HIBERNATE,
	ACTION_AWAKE,
	ACTION_STOP,
	ACTION_START,
	ACTION_STATUS,
	ACTION_SCHEDULE,
};

#define ACTION_COUNT 7 /* ACTION_NONE included */

/* Returns the action named s (any case), or ACTION_NONE when s is NULL or names none. */
enum action action_parse(const char *s);

/* Returns the name of a ("hibernate"...), "" for ACTION_NONE or an out-of-range value. Static. */
const char *action_name(enum action a);

/* Every action's bit in an action_list() mask. */
#define ACTION_ALL (~0u)

/*
 * Writes the names of the actions whose bit (1u << action) is in mask, in
 * table order ("hibernate, awake, stop, start, status, schedule" for
 * ACTION_ALL), into dst (size n >= 1), cut to fit; "" when none.
 */
void action_list(char *dst, size_t n, unsigned mask);

#endif
