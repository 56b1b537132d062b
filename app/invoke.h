/*
 * invoke: the local front end (`bootstrap invoke EVENT`): one event from the
 * command line, a file or stdin, with credentials from the configuration;
 * the answer is printed on stdout and the logs go to stderr.
 */
#ifndef FG_INVOKE_H
#define FG_INVOKE_H

#include "app.h"

/* arg: JSON text, @file, or - for stdin. Returns 0 for a success answer, 1 otherwise. */
int invoke_run(struct app *a, const char *arg);

#endif
