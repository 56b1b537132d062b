/*
 * buf: a growable, always NUL-terminated byte buffer with a hard ceiling.
 *
 * Every network read lands in a buf whose ceiling is one of the named limits
 * below, so an oversized or endless body is an error, never an OOM kill.
 * A failed append leaves the buffer as it was; the caller has nothing to unwind.
 */
#ifndef FG_BUF_H
#define FG_BUF_H

#include <stddef.h>

#include "err.h"

/* Ceilings, in bytes. */
#define BUF_MAX_EVENT (6u * 1024u * 1024u + 1024u) /* FunctionGraph sync payload limit */
#define BUF_MAX_CLOUD (32u * 1024u * 1024u)         /* one cloud API response */
#define BUF_MAX_RESULT (6u * 1024u * 1024u)         /* RUNTIME_MAX_RESP_BODY_SIZE */
#define BUF_MAX_SMALL (64u * 1024u)                 /* URLs, headers, log lines */

/*
 * Fields are read-only outside buf.c. data is NULL until the first append;
 * use buf_str() to read it as a C string ("" when empty).
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

/* Initialises an empty buffer that may grow to max bytes (excluding the NUL). */
void buf_init(struct buf *b, size_t max);

/* Frees the memory and leaves b empty and reusable with the same ceiling. b may be NULL. */
void buf_release(struct buf *b);

/* Empties b but keeps its memory for reuse. */
void buf_clear(struct buf *b);

/* Appends n bytes. Returns 0, or -1 when the ceiling or memory is exhausted (b unchanged). */
int buf_append(struct buf *b, const void *p, size_t n) FG_WUR;

/* Appends a C string. Same return as buf_append. */
int buf_puts(struct buf *b, const char *s) FG_WUR;

/* Appends an unsigned number in decimal, without printf. Same return as buf_append. */
int buf_putu(struct buf *b, unsigned long long v) FG_WUR;

/* Appends printf-formatted text. Same return as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...) FG_PRINTF(2, 3) FG_WUR;

/*
 * Cuts the contents down to their first len bytes (len <= b->len), for text
 * shortened in place (log_scrub); keeps the memory.
 */
void buf_truncate(struct buf *b, size_t len);

/*
 * Copies the C string src into dst (size >= 1 bytes), cut to size - 1 bytes
 * exactly as snprintf(dst, size, "%s", src) would, without printf's cost.
 * Returns the length written.
 */
size_t buf_copy(char *dst, size_t size, const char *src);

/* Returns the contents as a C string; borrowed, valid until the next change. Never NULL. */
const char *buf_str(const struct buf *b);

/*
 * Moves the contents out: returns a malloc'd NUL-terminated string that the
 * caller owns (never NULL unless memory is exhausted) and leaves b empty.
 */
char *buf_take(struct buf *b);

#endif
