"""make demo: one timer invocation, end to end, on loopback.

Starts the FunctionGraph emulator and the fake CCE, runs the given bootstrap
binary against them, fires the nightly timer event that hibernates a cluster,
and prints what the runtime answered and which requests reached the cloud.
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))
from fakes import FakeCloud, RuntimeAPI  # noqa: E402

PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN = "demo-agency-token-not-a-real-one"
CLUSTER = "11111111-2222-3333-4444-555555555555"


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "./bootstrap"
    runtime, cloud = RuntimeAPI(), FakeCloud(token=TOKEN, project=PROJECT)
    cloud.add_cluster(CLUSTER, "demo-cluster", phase="Available")
    env = {
        "PATH": "/usr/bin:/bin",
        "RUNTIME_API_ADDR": runtime.addr,
        "RUNTIME_PROJECT_ID": PROJECT,
        "RUNTIME_TIMEOUT": "30",
        "RUNTIME_USERDATA": json.dumps({"cceEndpoint": cloud.url, "clusterId": CLUSTER}),
    }
    print("== emulator %s, fake CCE %s" % (runtime.addr, cloud.url))
    print("== bootstrap: %s (%d bytes)" % (binary, os.path.getsize(binary)))
    t0 = time.monotonic()
    proc = subprocess.Popen([binary], env=env)
    event = {"version": "v1.0", "time": "2026-11-20T18:15:00+01:00", "trigger_type": "TIMER",
             "trigger_name": "nightly-hibernate", "user_event": "hibernate"}
    print("== timer event (cron 0 15 18 ? * Mon-Fri):\n" + json.dumps(event))
    rid = runtime.push(event, headers={"X-CFF-Auth-Token": TOKEN})
    try:
        res = runtime.wait_result(rid, timeout=20)
    finally:
        ms = (time.monotonic() - t0) * 1000
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        runtime.close()
        cloud.close()
    print("== bootstrap posted to /%s/%s after %.1f ms:" % (res.kind, rid, ms))
    print(json.dumps(res.json, indent=2))
    print("== requests the fake CCE received:")
    for r in cloud.requests:
        print("   %s %s  X-Auth-Token=%s" % (r.method, r.path,
                                            "<agency token>" if r.header("X-Auth-Token") == TOKEN else "?"))
    print("== cluster phase now: %s; bootstrap exited %d on SIGTERM" % (cloud.phase(CLUSTER), rc))
    ok = res.kind == "response" and res.json.get("status") == "success" and rc == 0
    print("== demo %s" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
