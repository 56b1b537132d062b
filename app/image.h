/*
 * image: the container-image front end (`bootstrap serve`): an HTTP server
 * on $PORT (8000) answering FunctionGraph's POST /init and POST /invoke, each
 * /invoke going through app_dispatch() exactly as a runtime-API event does.
 */
#ifndef FG_IMAGE_H
#define FG_IMAGE_H

#include "app.h"

/*
 * Serves until SIGTERM or SIGINT (which it blocks and waits for). Returns 0
 * after a signal, 1 when the server cannot start, 2 when PORT is not a port.
 */
int image_run(struct app *a);

#endif
