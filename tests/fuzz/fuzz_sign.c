/*
 * fuzz_sign: libFuzzer target for the SDK-HMAC-SHA256 canonicalisation.
 *
 * The input is split on NUL bytes into method, URL, access key, a header
 * block ("Name: value" lines separated by '\n'; a line without ':' is a
 * header with an empty value) and the body (the rest, NULs included).
 * sign_request() signs it twice, with a fixed valid time and with a time
 * taken from the input (possibly out of range); sign_host() reads the URL
 * and sign_escape() encodes the whole input. Whatever the bytes: no crash,
 * no leak, and what succeeds keeps its documented shape.
 * Build and run: make fuzz / make fuzz-smoke.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sign.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_OFF);
	return 0;
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

static void check_escape(const char *s, size_t n)
{
	struct buf out;
	size_t i, want = 0;

	buf_init(&out, BUF_MAX_SMALL);
	for (i = 0; i < n; i++)
		want += unreserved((unsigned char)s[i]) ? 1 : 3;
	if (sign_escape(s, n, &out) == 0) {
		if (out.len != want)
			abort();
		for (i = 0; i < out.len; i++)
			if (!unreserved((unsigned char)out.data[i]) && out.data[i] != '%')
				abort();
	} else if (want <= BUF_MAX_SMALL || out.len != 0) {
		abort(); /* only the ceiling can fail, and out is left as it was */
	}
	buf_release(&out);
}

static void sign(const struct sign_input *in)
{
	struct sign_output so;
	struct err e;
	const char *p;
	size_t i;

	sign_output_init(&so);
	err_clear(&e);
	if (sign_request(in, &so, &e) == 0) {
		p = buf_str(&so.path_and_query);
		if (p[0] != '/' || strlen(so.sdk_date) != 16 || so.sdk_date[8] != 'T')
			abort();
		for (i = 0; p[i]; i++) /* the wire target is plain printable ASCII */
			if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f || p[i] == '#')
				abort();
		if (strncmp(buf_str(&so.authorization), "SDK-HMAC-SHA256 Access=", 23) != 0)
			abort();
		if (strstr(in->ak, in->sk) == NULL &&
		    strstr(buf_str(&so.authorization), in->sk) != NULL)
			abort(); /* the secret key never appears in an output */
	} else if (e.code[0] == '\0' || so.authorization.len != 0 || so.path_and_query.len != 0) {
		abort();
	}
	sign_output_release(&so);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *field[4], *p, *end, *line, *colon;
	struct sign_header hdr[MAX_HEADERS];
	struct sign_input in;
	struct buf host;
	struct err e;
	size_t i, nh = 0;
	long long now = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	check_escape(copy, size);

	end = copy + size;
	p = copy;
	for (i = 0; i < 4; i++) {
		field[i] = p <= end ? p : end;
		if (p <= end)
			p += strlen(p) + 1;
	}
	/* field[3] is the header block; the body is everything after it. */
	for (line = field[3]; *line != '\0' && nh < MAX_HEADERS; line = p) {
		p = line + strcspn(line, "\n");
		if (*p == '\n')
			*p++ = '\0';
		colon = strchr(line, ':');
		if (colon != NULL)
			*colon++ = '\0';
		hdr[nh].name = line;
		hdr[nh].value = colon != NULL ? colon : "";
		nh++;
	}
	/* The body: what follows the fourth NUL of the original input. */
	{
		size_t seen = 0, off;

		for (off = 0; off < size && seen < 4; off++)
			if (data[off] == '\0')
				seen++;
		in.body = seen == 4 ? (const void *)(data + off) : NULL;
		in.body_len = seen == 4 ? size - off : 0;
	}

	in.method = field[0];
	in.url = field[1];
	in.ak = field[2][0] ? field[2] : "AKEXAMPLE";
	in.sk = "SKEXAMPLE-not-in-output";
	in.headers = hdr;
	in.nheaders = nh;
	in.now = 1700000000;
	sign(&in);
	for (i = 0; i < sizeof(now) && i < size; i++)
		now = (long long)((unsigned long long)now << 8 | data[i]);
	in.now = now;
	sign(&in);

	buf_init(&host, BUF_MAX_SMALL);
	err_clear(&e);
	if (sign_host(field[1], &host, &e) != 0 && (e.code[0] == '\0' || host.len != 0))
		abort();
	buf_release(&host);

	free(copy);
	return 0;
}
