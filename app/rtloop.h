/*
 * rtloop: the runtime-API front end (plain `bootstrap`): long-poll the next
 * event, dispatch it, post the answer, forever until SIGTERM.
 */
#ifndef FG_RTLOOP_H
#define FG_RTLOOP_H

#include "app.h"

/*
 * Serves invocations from addr ("host:port", $RUNTIME_API_ADDR) until
 * *a->stop is set. Returns 0 after a signal, 1 when the loop cannot start.
 */
int rtloop_run(struct app *a, const char *addr);

#endif
