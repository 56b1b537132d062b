/*
 * secret: the one way a secret leaves memory.
 *
 * Credentials (configured keys, the agency's token and temporary keys, the
 * copies lib/log keeps to scrub output) are overwritten before their memory
 * is returned, so a later allocation or a core file never holds them.
 */
#ifndef FG_SECRET_H
#define FG_SECRET_H

#include <stddef.h>

/* Overwrites n bytes at p with zeros, in a way the compiler may not drop. p may be NULL. */
void secret_wipe(void *p, size_t n);

/* Wipes the C string s (its strlen bytes) and frees it. s may be NULL. */
void secret_free(char *s);

#endif
