#!/usr/bin/python3
"""The Python baseline of `make bench`: a FunctionGraph custom runtime written the
way the seed projects and the FlexibleEngine tutorial do the job (see
../shared/reference/spec.md section 6): a loop over the runtime API, and for
each event plain `requests.get` / `requests.post` calls to CCE with the agency
token in X-Auth-Token, a log line printed, a JSON answer posted.

  hibernate: GET the cluster, POST .../operation/hibernate
  status:    GET the cluster

Configuration as fgboot reads it: RUNTIME_USERDATA {"cceEndpoint", "clusterId"},
RUNTIME_PROJECT_ID, the token from the event's X-CFF-Auth-Token header. The
runtime-API loop keeps one requests.Session (its connection stays alive); the
cloud calls use module-level requests.get/post as the seeds do (a new
connection, and over HTTPS a new TLS handshake, per call). Written for the
benchmark, not for production: no retries, no paging, one cluster.
"""
import json
import os

import requests

API = "http://%s/v1/runtime/invocation" % os.environ["RUNTIME_API_ADDR"]
CONF = json.loads(os.environ.get("RUNTIME_USERDATA") or "{}")
PROJECT = CONF.get("projectId") or os.environ["RUNTIME_PROJECT_ID"]
CCE = CONF["cceEndpoint"].rstrip("/")
TIMEOUT = float(os.environ.get("RUNTIME_TIMEOUT", "3"))


def action_of(event):
    if isinstance(event, dict):
        if isinstance(event.get("user_event"), str):
            return event["user_event"].strip()
        if "action" in event:
            return event["action"]
    return CONF.get("action", "status")


def handle(event, token):
    action = action_of(event)
    headers = {"Content-Type": "application/json", "X-Auth-Token": token}
    out = []
    for cid in CONF["clusterId"].split(","):
        url = "%s/api/v3/projects/%s/clusters/%s" % (CCE, PROJECT, cid)
        r = requests.get(url, headers=headers, timeout=TIMEOUT)
        r.raise_for_status()
        c = r.json()
        item = {"cluster_id": cid, "cluster_name": c["metadata"]["name"],
                "phase": c["status"]["phase"], "result": "listed"}
        if action == "hibernate":
            if item["phase"] in ("Hibernation", "Hibernating"):
                item["result"] = "skipped"
            else:
                r = requests.post(url + "/operation/hibernate", headers=headers, json={},
                                  timeout=TIMEOUT)
                r.raise_for_status()
                item["result"] = "requested"
        elif action != "status":
            raise ValueError("unknown action %r" % action)
        print("cluster %s (%s): %s %s" % (cid, item["cluster_name"], action, item["result"]),
              flush=True)
        out.append(item)
    return {"status": "success", "message": "%s: %d cluster(s)" % (action, len(out)),
            "action": action, "data": {"cluster_list": out}}


def main():
    s = requests.Session()
    while True:
        r = s.get(API + "/request")
        rid = r.headers.get("X-Cff-Request-Id")
        if not rid:
            continue
        try:
            answer, kind = handle(r.json(), r.headers.get("X-CFF-Auth-Token", "")), "response"
        except Exception as exc:  # noqa: BLE001 - report any failure as the invocation's error
            answer, kind = {"errorType": type(exc).__name__, "errorMessage": str(exc)}, "error"
        s.post("%s/%s/%s" % (API, kind, rid), data=json.dumps(answer),
               headers={"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
