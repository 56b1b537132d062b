/*
 * test_sign: known-answer tests for lib/sign.c against the published
 * SDK-HMAC-SHA256 vectors (spec 5.4 V1-V5, D1, D2), plus canonicalisation
 * edge cases and input rejection.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "sign.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D_PROJECT "0123456789abcdef0123456789abcdef"

/* Lower-case hex SHA-256 of a buf, into a static string (tests only). */
static const char *hash_of(const struct buf *b)
{
	static char hex[65];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_Digest(buf_str(b), b->len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return "(digest failed)";
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

/* The Host header value for url, into a static string (tests only). */
static const char *host_of(const char *url)
{
	static char host[600];
	struct err e;
	struct buf b;

	buf_init(&b, BUF_MAX_SMALL);
	err_clear(&e);
	if (sign_host(url, &b, &e) != 0)
		snprintf(host, sizeof(host), "(error: %s)", e.msg);
	else
		snprintf(host, sizeof(host), "%s", buf_str(&b));
	buf_release(&b);
	return host;
}

/* A small request template: GET, no headers, empty body, fixed keys and time. */
static struct sign_input input(const char *method, const char *url)
{
	struct sign_input in;

	memset(&in, 0, sizeof(in));
	in.method = method;
	in.url = url;
	in.now = 1704067200; /* 20240101T000000Z */
	in.ak = "AKEXAMPLE";
	in.sk = "SKEXAMPLE";
	return in;
}

/* Signs in and returns the status; out must be initialised. */
static int sign(const struct sign_input *in, struct sign_output *out)
{
	struct err e;
	int rc;

	err_clear(&e);
	rc = sign_request(in, out, &e);
	if (rc != 0)
		fprintf(stderr, "  (sign_request: %s: %s)\n", e.code, e.msg);
	return rc;
}

/* The wire path and query that sign_request produces for url. */
static void check_wire(const char *url, const char *want_canon_uri, const char *want_wire,
		       const char *want_query)
{
	struct sign_input in = input("GET", url);
	struct sign_output out;
	char want_cr_head[2048];

	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.path_and_query), want_wire);
	snprintf(want_cr_head, sizeof(want_cr_head), "GET\n%s\n%s\n", want_canon_uri, want_query);
	CHECK(strncmp(buf_str(&out.canonical_request), want_cr_head, strlen(want_cr_head)) == 0);
	if (strncmp(buf_str(&out.canonical_request), want_cr_head, strlen(want_cr_head)) != 0)
		fprintf(stderr, "  url %s\n  got:  %s\n  want: %s\n", url,
			buf_str(&out.canonical_request), want_cr_head);
	sign_output_release(&out);
}

static void test_v1(void)
{
	const char *url = "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
			  "?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0";
	const char *auth = "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, "
			   "SignedHeaders=content-type;host;x-sdk-date, "
			   "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe";
	struct sign_header h[3] = {
		{ "Content-Type", "application/json" },
		{ "Host", NULL },
		{ "X-Sdk-Date", "20191115T033655Z" },
	};
	struct sign_input in = input("GET", url);
	struct sign_output out;

	CHECK_STR(host_of(url), "service.region.example.com");
	h[1].value = "service.region.example.com";
	in.headers = h;
	in.nheaders = 3;
	in.ak = "QTWAOYTTINDUT2QVKYUC";
	in.sk = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";
	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.canonical_request),
		  "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n"
		  "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n"
		  "content-type:application/json\nhost:service.region.example.com\n"
		  "x-sdk-date:20191115T033655Z\n\ncontent-type;host;x-sdk-date\n" EMPTY_SHA256);
	CHECK_STR(hash_of(&out.canonical_request),
		  "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
	CHECK_STR(out.sdk_date, "20191115T033655Z");
	CHECK_STR(buf_str(&out.authorization), auth);
	CHECK_STR(buf_str(&out.path_and_query),
		  "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
		  "?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0");

	/* Same request with the date formatted from `now` instead of given. */
	in.nheaders = 2;
	in.now = 1573789015;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(out.sdk_date, "20191115T033655Z");
	CHECK_STR(buf_str(&out.authorization), auth);

	/* The explicit header wins over `now`. */
	in.nheaders = 3;
	in.now = 0;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.authorization), auth);

	/* The secret never shows up in any output. */
	CHECK(strstr(buf_str(&out.authorization), in.sk) == NULL);
	CHECK(strstr(buf_str(&out.canonical_request), in.sk) == NULL);
	sign_output_release(&out);
}

/* V2, V3: Python SDK test_signer1/2; Host added, TEST_UNDERSCORE not signed. */
static void test_v2_v3(void)
{
	const char *url = "https://service.endpoint.myhuaweicloud.com/resources?size=1";
	const char *body = "{\"name\":\"test\",\"id\":1}";
	struct sign_header h[3] = {
		{ "X-Sdk-Date", "20200608T023900Z" },
		{ "TEST_UNDERSCORE", "TEST_VALUE" },
		{ "Host", "service.endpoint.myhuaweicloud.com" },
	};
	struct sign_input in = input("GET", url);
	struct sign_output out;

	CHECK_STR(host_of(url), h[2].value);
	in.headers = h;
	in.nheaders = 3;
	in.ak = "AccessKey";
	in.sk = "SecretKey";
	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.canonical_request),
		  "GET\n/resources/\nsize=1\nhost:service.endpoint.myhuaweicloud.com\n"
		  "x-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n" EMPTY_SHA256);
	CHECK_STR(hash_of(&out.canonical_request),
		  "de94dd1e1ccdb730b403ce35d7e14f7c7b04337f6def1c3a3a2ba936852b133f");
	CHECK_STR(buf_str(&out.authorization),
		  "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, "
		  "Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842");
	CHECK_STR(buf_str(&out.path_and_query), "/resources?size=1");

	in.method = "POST";
	in.body = body;
	in.body_len = strlen(body);
	CHECK(sign(&in, &out) == 0);
	CHECK(strstr(buf_str(&out.canonical_request),
		     "\nhost;x-sdk-date\n"
		     "8ed555081b9961769014bc1182c629bb0fe68d7b01c1fc1caab4dc791f377e8c") != NULL);
	CHECK_STR(hash_of(&out.canonical_request),
		  "2b1b2515e48cb55e043ff2ec5b93d3f13ec287e1da1d7a2e4e14b0611a341969");
	CHECK_STR(buf_str(&out.authorization),
		  "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, "
		  "Signature=436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f");
	sign_output_release(&out);
}

/* V4, V5: Go SDK; host not signed, and V5's Content-Type not signed either. */
static void test_v4_v5(void)
{
	const char *body = "{\"Name\":\"test\",\"Id\":1}\n";
	struct sign_header h[2] = {
		{ "X-Sdk-Date", "20060102T150405Z" },
		{ "TEST_UNDERSCORE", "TEST_VALUE" },
	};
	struct sign_input in = input("GET", "https://example.huaweicloud.com/path?limit=1");
	struct sign_output out;

	in.headers = h;
	in.nheaders = 2;
	in.ak = "AccessKey";
	in.sk = "SecretKey";
	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.canonical_request),
		  "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n" EMPTY_SHA256);
	CHECK_STR(hash_of(&out.canonical_request),
		  "85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4");
	CHECK_STR(buf_str(&out.authorization),
		  "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
		  "Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");

	in.method = "POST";
	in.url = "https://example.huaweicloud.com/path?key=value";
	in.body = body;
	in.body_len = strlen(body);
	CHECK(sign(&in, &out) == 0);
	CHECK(strstr(buf_str(&out.canonical_request),
		     "\na29d7b4c5efd1a22011d69fd7b7aee76fe51e4083c609244228de258afd61289") != NULL);
	CHECK_STR(buf_str(&out.authorization),
		  "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
		  "Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
	CHECK_STR(buf_str(&out.path_and_query), "/path?key=value");

	/* Without the trailing newline the hash covers different bytes. */
	in.body_len--;
	CHECK(sign(&in, &out) == 0);
	CHECK(strstr(buf_str(&out.authorization), "cecc2af119b18ab7") == NULL);
	sign_output_release(&out);
}

static void test_d1(void)
{
	const char *url = "https://cce.eu-west-0.prod-cloud-ocb.orange-business.com/api/v3/projects/"
			  D_PROJECT "/clusters/11111111-2222-3333-4444-555555555555/operation/hibernate";
	const char *auth = "SDK-HMAC-SHA256 Access=AKEXAMPLE, "
			   "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, "
			   "Signature=5734ef89dec67c53df5d1a73253468036cb7a9759902c4a17fedad343ae8070f";
	struct sign_header h[5] = {
		{ "Content-Type", "application/json" },
		{ "X-Project-Id", D_PROJECT },
		{ "X-Security-Token", "TOKENVALUE" },
		{ "Host", "cce.eu-west-0.prod-cloud-ocb.orange-business.com" },
		{ "X-Sdk-Date", "20240101T000000Z" },
	};
	struct sign_header h2[4] = {
		{ "x-security-token", "  TOKENVALUE\t" },
		{ "HOST", "cce.eu-west-0.prod-cloud-ocb.orange-business.com" },
		{ "x-project-id", D_PROJECT },
		{ "content-TYPE", "application/json" },
	};
	struct sign_input in = input("POST", url);
	struct sign_output out;

	CHECK_STR(host_of(url), h[3].value);
	in.headers = h;
	in.nheaders = 5;
	in.body = "{}";
	in.body_len = 2;
	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(hash_of(&out.canonical_request),
		  "88b2838993332b813dc482612f2b51111a8efca3266f3227e3276488b7ef5198");
	CHECK_STR(buf_str(&out.authorization), auth);
	CHECK_STR(buf_str(&out.path_and_query),
		  "/api/v3/projects/" D_PROJECT
		  "/clusters/11111111-2222-3333-4444-555555555555/operation/hibernate");

	/* Date from `now` (2024-01-01T00:00:00Z), headers in another order and case. */
	in.headers = h2;
	in.nheaders = 4;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(out.sdk_date, "20240101T000000Z");
	CHECK_STR(buf_str(&out.authorization), auth);
	sign_output_release(&out);
}

static void test_d2(void)
{
	static const char *const urls[] = {
		"https://ecs.eu-west-0.myhuaweicloud.com/v1/" D_PROJECT
		"/cloudservers/detail?limit=100&offset=1&tags=CCE-Cluster-ID=abc",
		"https://ecs.eu-west-0.myhuaweicloud.com/v1/" D_PROJECT
		"/cloudservers/detail?tags=CCE-Cluster-ID%3Dabc&offset=1&limit=100",
		"https://ecs.eu-west-0.myhuaweicloud.com:443/v1/" D_PROJECT
		"/cloudservers/detail/?offset=1&&tags=CCE-Cluster-ID%3dabc&limit=100&",
	};
	const char *auth = "SDK-HMAC-SHA256 Access=AKEXAMPLE, "
			   "SignedHeaders=host;x-project-id;x-sdk-date, "
			   "Signature=c421fdc789ca2a5611b5e20d2eb124d6d83cebd3b850b3503401818bc4634f07";
	struct sign_header h[3] = {
		{ "X-Project-Id", D_PROJECT },
		{ "X-Sdk-Date", "20240101T000000Z" },
		{ "Host", "ecs.eu-west-0.myhuaweicloud.com" },
	};
	struct sign_output out;
	size_t i;

	sign_output_init(&out);
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		struct sign_input in = input("GET", urls[i]);

		CHECK_STR(host_of(urls[i]), h[2].value);
		in.headers = h;
		in.nheaders = 3;
		CHECK(sign(&in, &out) == 0);
		CHECK(strstr(buf_str(&out.canonical_request),
			     "\nlimit=100&offset=1&tags=CCE-Cluster-ID%3Dabc\n") != NULL);
		CHECK_STR(buf_str(&out.authorization), auth);
	}
	/* The wire query is the signed one; the path keeps its own trailing '/'. */
	CHECK_STR(buf_str(&out.path_and_query),
		  "/v1/" D_PROJECT "/cloudservers/detail/?limit=100&offset=1&tags=CCE-Cluster-ID%3Dabc");
	sign_output_release(&out);
}

static void check_escape(const char *s, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b, BUF_MAX_SMALL);
	CHECK(sign_escape(s, n, &b) == 0);
	CHECK_STR(buf_str(&b), want);
	buf_release(&b);
}

static void test_escape(void)
{
	struct buf b;

	check_escape("", 0, "");
	check_escape("AZaz09-_.~", 10, "AZaz09-_.~");
	check_escape("a b", 3, "a%20b");
	check_escape("k=v/w", 5, "k%3Dv%2Fw");
	check_escape("\xe4\xb8\x80", 3, "%E4%B8%80");
	check_escape("%2f+*!'()", 9, "%252f%2B%2A%21%27%28%29");
	check_escape("a\0b", 3, "a%00b");
	check_escape("\xff", 1, "%FF");

	/* A failed escape leaves the buffer as it was. */
	buf_init(&b, 4);
	CHECK(sign_escape("ab", 2, &b) == 0);
	CHECK(sign_escape("c d", 3, &b) != 0);
	CHECK_STR(buf_str(&b), "ab");
	buf_release(&b);
}

static void test_query(void)
{
	const char *sdk = "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&"
			  "test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29";

	/* The SDK example, given already encoded, given raw, and shuffled. */
	check_wire("https://h/p?limit=1&enable=true&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
		   "&path=%2Ftmp%2F123&multi=1&multi=2&multi=3",
		   "/p/", "/p?enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&"
		   "test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29", sdk);
	check_wire("https://h/p?multi=3&test=\xe4\xb8\x80 (%26=?!#%.*)&path=/tmp/123&multi=1"
		   "&limit=1&enable=true&multi=2",
		   "/p/", "/p?enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&"
		   "test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29", sdk);

	/* Space, '=' and '/' in values; '+' is a literal plus, not a space. */
	check_wire("https://h/?q=a b&t=k=v&p=/x/y&s=1+2", "/", "/?p=%2Fx%2Fy&q=a%20b&s=1%2B2&t=k%3Dv",
		   "p=%2Fx%2Fy&q=a%20b&s=1%2B2&t=k%3Dv");
	/* Repeated keys are sorted by value; names byte order (upper case first). */
	check_wire("https://h/?m=3&m=10&m=1&b=1&B=2&a=3", "/", "/?B=2&a=3&b=1&m=1&m=10&m=3",
		   "B=2&a=3&b=1&m=1&m=10&m=3");
	/* Sorting is on the decoded bytes, as the SDKs sort before encoding. */
	check_wire("https://h/?k=a%3A&k=a0", "/", "/?k=a0&k=a%3A", "k=a0&k=a%3A");
	/* Empty values keep '='; a bare name gets one; empty pieces vanish. */
	check_wire("https://h/x?b&a=&&c=1&", "/x/", "/x?a=&b=&c=1", "a=&b=&c=1");
	check_wire("https://h/x?", "/x/", "/x", "");
	check_wire("https://h/x?&&", "/x/", "/x", "");
	check_wire("https://h/x?=v", "/x/", "/x?=v", "=v");
	/* Already encoded input is not double-encoded; lower-case hex is normalised. */
	check_wire("https://h/?q=a%20b%2fc%7E", "/", "/?q=a%20b%2Fc~", "q=a%20b%2Fc~");
	check_wire("https://h/?na%6De=v%41", "/", "/?name=vA", "name=vA");
	/* A '%' that does not start an escape is literal. */
	check_wire("https://h/?a=100%&b=%zz&c=%4", "/", "/?a=100%25&b=%25zz&c=%254",
		   "a=100%25&b=%25zz&c=%254");
	/* No fragment: '#' is data. */
	check_wire("https://h/?q=a#b", "/", "/?q=a%23b", "q=a%23b");
}

static void test_path(void)
{
	check_wire("https://h", "/", "/", "");
	check_wire("https://h/", "/", "/", "");
	check_wire("https://h?x=1", "/", "/?x=1", "x=1");
	check_wire("https://h/v1/x", "/v1/x/", "/v1/x", "");
	check_wire("https://h/v1/x/", "/v1/x/", "/v1/x/", "");
	check_wire("https://h/a//b", "/a//b/", "/a//b", "");
	/* Each segment is decoded then encoded; %2F stays inside its segment. */
	check_wire("https://h/a b/c%2Fd/%7euser/\xc3\xa9/x=y;z@w:1",
		   "/a%20b/c%2Fd/~user/%C3%A9/x%3Dy%3Bz%40w%3A1/",
		   "/a%20b/c%2Fd/~user/%C3%A9/x%3Dy%3Bz%40w%3A1", "");
	check_wire("https://h/100%/%41", "/100%25/A/", "/100%25/A", "");
}

static void test_host(void)
{
	CHECK_STR(host_of("https://h.example.com/x"), "h.example.com");
	CHECK_STR(host_of("https://h.example.com"), "h.example.com");
	CHECK_STR(host_of("https://h.example.com?x=1"), "h.example.com");
	CHECK_STR(host_of("https://h.example.com:443/x"), "h.example.com");
	CHECK_STR(host_of("https://h.example.com:0443/x"), "h.example.com");
	CHECK_STR(host_of("HTTPS://H.example.com:443/x"), "H.example.com");
	CHECK_STR(host_of("https://h.example.com:8443/x"), "h.example.com:8443");
	CHECK_STR(host_of("https://h.example.com:80/x"), "h.example.com:80");
	CHECK_STR(host_of("http://127.0.0.1:80/x"), "127.0.0.1");
	CHECK_STR(host_of("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
	CHECK_STR(host_of("http://127.0.0.1:443/x"), "127.0.0.1:443");
	CHECK_STR(host_of("https://h:/x"), "h");
	CHECK_STR(host_of("http://[::1]:8080/x"), "[::1]:8080");
	CHECK_STR(host_of("http://[::1]:80/x"), "[::1]");
	CHECK_STR(host_of("http://[::1]/x"), "[::1]");
}

static void test_headers(void)
{
	struct sign_header h[6] = {
		{ "X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD" },
		{ "Zeta", "  inner  space\t " },
		{ "CONTENT-TYPE", "application/octet-stream" },
		{ "X_Skipped", "x" },
		{ "Empty", "" },
		{ "_", "x" },
	};
	struct sign_input in = input("PUT", "https://h/o");
	struct sign_output out;

	in.headers = h;
	in.nheaders = 6;
	in.body = "ignored";
	in.body_len = 7;
	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.canonical_request),
		  "PUT\n/o/\n\ncontent-type:application/octet-stream\nempty:\n"
		  "x-sdk-content-sha256:UNSIGNED-PAYLOAD\nx-sdk-date:20240101T000000Z\n"
		  "zeta:inner  space\n\n"
		  "content-type;empty;x-sdk-content-sha256;x-sdk-date;zeta\nUNSIGNED-PAYLOAD");
	CHECK(strstr(buf_str(&out.authorization),
		     "SignedHeaders=content-type;empty;x-sdk-content-sha256;x-sdk-date;zeta, ") != NULL);

	/* Only X-Sdk-Date is signed when no headers are given. */
	in.nheaders = 0;
	in.headers = NULL;
	in.body = NULL;
	in.body_len = 0;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.canonical_request),
		  "PUT\n/o/\n\nx-sdk-date:20240101T000000Z\n\nx-sdk-date\n" EMPTY_SHA256);
	sign_output_release(&out);
}

static void test_dates(void)
{
	struct sign_input in = input("GET", "https://h/");
	struct sign_output out;

	sign_output_init(&out);
	in.now = 0;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(out.sdk_date, "19700101T000000Z");
	in.now = 951827696;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(out.sdk_date, "20000229T123456Z");
	in.now = 253402300799LL;
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(out.sdk_date, "99991231T235959Z");
	sign_output_release(&out);
}

/* Signing is deterministic and an output can be reused. */
static void test_reuse(void)
{
	struct sign_input in = input("GET", "https://h/a?x=1");
	struct sign_output out;
	char first[512];

	sign_output_init(&out);
	CHECK(sign(&in, &out) == 0);
	snprintf(first, sizeof(first), "%s", buf_str(&out.authorization));
	in.url = "https://h/b";
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.path_and_query), "/b");
	CHECK(strcmp(buf_str(&out.authorization), first) != 0);
	in.url = "https://h/a?x=1";
	CHECK(sign(&in, &out) == 0);
	CHECK_STR(buf_str(&out.authorization), first);
	sign_output_release(&out);
	sign_output_release(NULL);
}

/* Expects sign_request to fail with SignError and leave out empty. */
static void check_reject(const struct sign_input *in, const char *what)
{
	struct sign_input good = input("GET", "https://h/");
	struct sign_output out;
	struct err e;

	sign_output_init(&out);
	err_clear(&e);
	CHECK(sign_request(&good, &out, &e) == 0);
	CHECK(sign_request(in, &out, &e) == -1);
	CHECK_STR(e.code, "SignError");
	CHECK(e.msg[0] != '\0');
	CHECK(out.sdk_date[0] == '\0' && out.authorization.len == 0 &&
	      out.path_and_query.len == 0 && out.canonical_request.len == 0);
	if (strcmp(e.code, "SignError") != 0)
		fprintf(stderr, "  case: %s\n", what);
	CHECK(strstr(e.msg, "SKEXAMPLE") == NULL);
	sign_output_release(&out);
}

static void test_reject(void)
{
	static const char *const bad_urls[] = {
		"", "example.com/path", "/v1/path", "https:/h/", "://h/", "1http://h/",
		"https://", "https:///path", "https://:443/", "https://?x=1",
		"https://h:abc/", "https://h:123456/", "https://user@h/", "https://h#frag/",
		"https://h h/", "http://[::1/", "http://[::1]x/",
	};
	struct sign_header bad_date[1] = { { "X-Sdk-Date", "2019-11-15T03:36:55Z" } };
	struct sign_header crlf[1] = { { "X-Test", "a\r\nInjected: 1" } };
	struct sign_header dup[2] = { { "Host", "h" }, { "host", "h" } };
	struct sign_header bad_name[1] = { { "Bad Name", "v" } };
	struct sign_header colon_name[1] = { { "Bad:", "v" } };
	struct sign_header empty_name[1] = { { "", "v" } };
	struct sign_header null_value[1] = { { "X-A", NULL } };
	struct sign_header empty_sha[1] = { { "X-Sdk-Content-Sha256", " " } };
	struct sign_input in;
	struct buf host;
	struct err e;
	size_t i;

	in = input(NULL, "https://h/");
	check_reject(&in, "NULL method");
	in = input("", "https://h/");
	check_reject(&in, "empty method");
	in = input("get", "https://h/");
	check_reject(&in, "lower-case method");
	in = input("GET", NULL);
	check_reject(&in, "NULL url");
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		in = input("GET", bad_urls[i]);
		check_reject(&in, bad_urls[i]);
	}
	in = input("GET", "https://h/");
	in.ak = NULL;
	check_reject(&in, "NULL ak");
	in.ak = "";
	check_reject(&in, "empty ak");
	in.ak = "AK, Signature=forged";
	check_reject(&in, "ak with comma");
	in = input("GET", "https://h/");
	in.sk = NULL;
	check_reject(&in, "NULL sk");
	in.sk = "";
	check_reject(&in, "empty sk");

	in = input("GET", "https://h/");
	in.headers = bad_date;
	in.nheaders = 1;
	check_reject(&in, "bad X-Sdk-Date");
	in.headers = crlf;
	check_reject(&in, "CRLF in value");
	in.headers = bad_name;
	check_reject(&in, "space in name");
	in.headers = colon_name;
	check_reject(&in, "colon in name");
	in.headers = empty_name;
	check_reject(&in, "empty name");
	in.headers = null_value;
	check_reject(&in, "NULL value");
	in.headers = empty_sha;
	check_reject(&in, "empty content sha");
	in.headers = dup;
	in.nheaders = 2;
	check_reject(&in, "duplicate header");
	in.headers = NULL;
	check_reject(&in, "NULL headers with a count");

	in = input("POST", "https://h/");
	in.body_len = 3;
	check_reject(&in, "NULL body with a length");
	in = input("GET", "https://h/");
	in.now = -1;
	check_reject(&in, "negative time");
	in.now = 253402300800LL;
	check_reject(&in, "time after 9999");

	/* sign_host rejects the same URLs and leaves host unchanged. */
	buf_init(&host, BUF_MAX_SMALL);
	CHECK(buf_puts(&host, "keep") == 0);
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		err_clear(&e);
		CHECK(sign_host(bad_urls[i], &host, &e) == -1);
		CHECK_STR(e.code, "SignError");
	}
	err_clear(&e);
	CHECK(sign_host(NULL, &host, &e) == -1);
	CHECK_STR(e.code, "SignError");
	CHECK_STR(buf_str(&host), "keep");
	buf_release(&host);

	/* Inputs that outgrow the BUF_MAX_SMALL ceilings fail cleanly. */
	{
		static char big[70000 + 32];

		snprintf(big, sizeof(big), "https://h/?q=");
		memset(big + strlen(big), 'a', 70000);
		in = input("GET", big);
		check_reject(&in, "huge query");
		snprintf(big, sizeof(big), "https://h/");
		memset(big + strlen(big), 'a', 70000);
		in = input("GET", big);
		check_reject(&in, "huge path");
	}

	/* A NULL err is allowed. */
	in = input("GET", "");
	{
		struct sign_output out;

		sign_output_init(&out);
		CHECK(sign_request(&in, &out, NULL) == -1);
		sign_output_release(&out);
	}
}

int main(void)
{
	test_v1();
	test_v2_v3();
	test_v4_v5();
	test_d1();
	test_d2();
	test_escape();
	test_query();
	test_path();
	test_host();
	test_headers();
	test_dates();
	test_reuse();
	test_reject();
	return check_done("sign");
}
