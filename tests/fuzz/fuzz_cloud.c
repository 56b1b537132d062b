/*
 * fuzz_cloud: libFuzzer target for what the cloud answers (CCE, ECS, the API
 * gateway), none of which fgboot controls.
 *
 * The input is one response body. cloud_error_from_body() reads it as an
 * error answer (any of the three shapes); json_loadb() then parses it and
 * every typed parser runs on the result (the cluster, the node list, a server
 * page, a job). Finally a report quotes what was parsed (the cloud's message
 * in a failed cluster, the servers, the job) and is rendered plain and in the
 * APIG envelope: the rendering must be valid JSON and must never contain the
 * registered secret.
 * Build and run: make fuzz / make fuzz-smoke.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cce.h"
#include "cloud.h"
#include "ecs.h"
#include "log.h"
#include "report.h"
#include "strlist.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "SECRETTOKEN1234"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_OFF);
	log_secret(SECRET);
	return 0;
}

static void render(const struct report *r, int apig)
{
	struct buf out;
	json_t *root;

	buf_init(&out, BUF_MAX_RESULT);
	if (report_render(r, apig, &out) == 0) {
		if (strstr(buf_str(&out), SECRET) != NULL)
			abort(); /* a secret reached an answer */
		root = json_loadb(buf_str(&out), out.len, 0, NULL);
		if (!json_is_object(root))
			abort(); /* the answer is always a JSON object */
		if (apig && !json_is_string(json_object_get(root, "body")))
			abort();
		json_decref(root);
	}
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {0, 401, 404, 503};
	const char *body = (const char *)data;
	struct err res;
	struct cce_cluster cl;
	struct strlist ids;
	struct ecs_servers servers;
	struct ecs_job job;
	struct report r;
	struct err e;
	json_t *root;
	size_t i, without = 0, got = 0;
	long long count = 0;
	int ok_cluster;

	err_clear(&res);
	cloud_error_from_body(&res, statuses[size % 4], body, size);
	if (res.code[0] == '\0' || res.cloud_code[0] == '\0' || res.msg[0] == '\0')
		abort(); /* an error always has a code, the cloud's code and a message */

	root = json_loadb(body, size, 0, NULL);
	err_clear(&e);
	ok_cluster = cce_cluster_from_json(root, &cl, &e) == 0;
	strlist_init(&ids);
	err_clear(&e);
	(void)cce_node_servers_from_json(root, &ids, &without, &e);
	ecs_servers_init(&servers);
	err_clear(&e);
	(void)ecs_page_from_json(root, &servers, &got, &count, &e);
	ecs_job_init(&job);
	err_clear(&e);
	(void)ecs_job_from_json(root, &job, &e);
	json_decref(root);

	report_init(&r, "hibernate");
	(void)report_cluster(&r, "11111111-2222-3333-4444-555555555555", ok_cluster ? cl.name : NULL,
			     ok_cluster ? cl.phase : NULL, REPORT_FAILED, res.msg, &res);
	(void)report_cluster(&r, "66666666-7777", NULL, NULL, REPORT_SKIPPED, NULL, NULL);
	for (i = 0; i < servers.n && i < 64; i++)
		(void)report_server(&r, servers.v[i].id, servers.v[i].name, servers.v[i].status,
				    REPORT_REQUESTED, NULL, NULL);
	for (i = 0; i < ids.n && i < 64; i++)
		(void)report_server(&r, ids.v[i], NULL, NULL, REPORT_PENDING, NULL, NULL);
	for (i = 0; i < job.nsub && i < 64; i++)
		(void)report_server(&r, job.sub[i].server_id, NULL, job.sub[i].status,
				    ecs_job_done(job.sub[i].status) ? REPORT_DONE : REPORT_PENDING,
				    job.sub[i].error[0] ? job.sub[i].error : NULL, NULL);
	if (job.status[0] != '\0')
		(void)report_job(&r, job.status);
	render(&r, 0);
	render(&r, 1);
	report_release(&r);

	ecs_job_release(&job);
	ecs_servers_release(&servers);
	strlist_release(&ids);
	return 0;
}
