/*
 * fuzz_wire: libFuzzer target for the runtime-API client's response parser.
 *
 * A thread of this process serves the input bytes, verbatim, as the answer to
 * one request on a loopback socket, then closes; wire_do() reads and parses
 * it (status line, headers, Content-Length, chunked and until-close bodies)
 * into a bounded response. wire_parse_head() is also run on the input alone.
 * Nothing may crash, leak or hang; any failure must carry an error code.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int listener = -1;
static char hostport[32];

struct served {
	const uint8_t *data;
	size_t size;
};

static void *serve_once(void *arg)
{
	const struct served *s = arg;
	char req[4096];
	size_t off = 0;
	ssize_t n;
	int fd = accept(listener, NULL, NULL);

	if (fd < 0)
		return NULL;
	/* Read the request head, then answer with the input and hang up. */
	while (off < sizeof(req) - 1 && (n = recv(fd, req + off, sizeof(req) - 1 - off, 0)) > 0) {
		off += (size_t)n;
		req[off] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	for (off = 0; off < s->size; off += (size_t)n)
		if ((n = send(fd, s->data + off, s->size - off, MSG_NOSIGNAL)) <= 0)
			break;
	close(fd);
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	(void)argc;
	(void)argv;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(listener, 4) != 0 || getsockname(listener, (struct sockaddr *)&a, &len) != 0)
		abort();
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%u", ntohs(a.sin_port));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_header hdr[] = {{"Content-Type", "application/json"}};
	struct served s = {data, size};
	struct wire_head h;
	struct http_req req;
	struct http_resp resp;
	struct wire *w;
	struct err e;
	pthread_t t;

	(void)wire_parse_head((const char *)data, size, &h);
	if (pthread_create(&t, NULL, serve_once, &s) != 0)
		abort();
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = "/v1/runtime/invocation/response/fuzz";
	req.headers = hdr;
	req.nheaders = 1;
	req.body = "{}";
	req.body_len = 2;
	req.connect_timeout_ms = 1000;
	req.timeout_ms = 2000;
	http_resp_init(&resp, 4096); /* small: the size ceiling is part of what is fuzzed */
	err_clear(&e);
	if ((w = wire_new(hostport, &e)) == NULL)
		abort();
	if (wire_do(w, &req, &resp, &e) != 0 && e.code[0] == '\0')
		abort();
	wire_free(w);
	pthread_join(t, NULL);
	http_resp_release(&resp);
	return 0;
}
