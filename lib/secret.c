/* secret: see secret.h. */
#include "secret.h"

#include <stdlib.h>
#include <string.h>

void secret_wipe(void *p, size_t n)
{
	if (p != NULL)
		explicit_bzero(p, n);
}

void secret_free(char *s)
{
	if (s == NULL)
		return;
	secret_wipe(s, strlen(s));
	free(s);
}
