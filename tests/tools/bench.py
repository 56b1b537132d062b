"""make bench: fgboot against a Python (requests) and a shell (curl) custom runtime.

Three runtimes, side by side in one run, with the same events, on loopback:

  fgboot  ./bootstrap (or $FGBOOT_BIN)
  python  tests/tools/python_runtime.py  (Debian python3 + python3-requests)
  shell   tests/tools/shell_bootstrap.sh (the FunctionGraph docs sample, bash + curl;
          it answers a constant and calls no cloud)

What is measured (docs/benchmark.md explains why):
  cold start    time.monotonic_ns() just before Popen -> the first GET reaching the
                emulator; the hibernate event is already queued, so the same run gives
  first answer  exec -> the answer to that event (one CCE read + one operation);
                BENCH_COLD runs per runtime (default 100), interleaved run by run.
  peak RSS      VmHWM after BENCH_N `status` invocations (default 1,000; the shell
                BENCH_N_SHELL, default 100; bash only, not its short-lived curls).
  size          the binary or script, and the deployable zip (./package.sh for fgboot;
                for Python the script plus requests and its dependencies).
  fleet         one `hibernate` event for BENCH_FLEET clusters (default "40,200,200@32",
                clusters[@concurrency]),
                against a fake cloud (tests/integration/fakes.py) whose every answer
                takes 100 ms: the wall time from the event's delivery to its answer,
                fgboot (concurrency 16 unless given) beside the Python loop (one cluster after the
                other), the most requests the cloud saw in flight, fgboot's VmHWM.

The runtime API and the CCE are served by tests/tools/emu.py (one thread, pre-built
answers), which timestamps a request within microseconds of its arrival.
Prints a Markdown table; writes it to build/bench/results.md (or $BENCH_OUT) and the
raw numbers to results.json.
"""

import json
import os
import pathlib
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from emu import FastEmu  # noqa: E402

PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-agency-token-0123456789abcdef"
CLUSTER = "11111111-2222-3333-4444-555555555555"
OUT = pathlib.Path(os.environ.get("BENCH_OUT") or ROOT / "build" / "bench")

N_COLD = int(os.environ.get("BENCH_COLD", "100"))
N_RSS = int(os.environ.get("BENCH_N", "1000"))
N_RSS_SHELL = int(os.environ.get("BENCH_N_SHELL", "100"))
# "clusters[@concurrency]" rows; 200 clusters in 1.5 s take more than 16 in flight (2 calls each).
FLEET = [x.strip() for x in os.environ.get("BENCH_FLEET", "40,200,200@32").split(",") if x.strip()]
FLEET_DELAY = 0.1  # seconds every answer of the fleet's fake cloud takes
FLEET_CONCURRENCY = 16

RUNTIMES = {
    "fgboot": [os.environ.get("FGBOOT_BIN") or str(ROOT / "bootstrap")],
    "python": [str(HERE / "python_runtime.py")],
    "shell": [str(HERE / "shell_bootstrap.sh")],
}
NAMES = list(RUNTIMES)
HIBERNATE = {"version": "v1.0", "time": "2026-11-20T18:15:00+01:00", "trigger_type": "TIMER",
             "trigger_name": "nightly-hibernate", "user_event": "hibernate"}
STATUS = {"action": "status"}
# Issue 10: today's figures, which must not regress by more than 10 %.
TARGETS = {"cold": 2.5, "rss_mb": 2.5, "zip_kb": 1536}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def vm_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# -- processes ------------------------------------------------------------------
def spawn(argv, addr, userdata, errlog, timeout_s=30):
    """A runtime process with the platform's variables, in a session of its own."""
    env = {
        "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
        "RUNTIME_API_ADDR": addr, "RUNTIME_PROJECT_ID": PROJECT, "RUNTIME_HANDLER": "bootstrap",
        "RUNTIME_TIMEOUT": str(timeout_s), "RUNTIME_USERDATA": json.dumps(userdata),
    }
    return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=errlog, start_new_session=True)


def start(name, emu, errlog):
    return spawn(RUNTIMES[name], emu.addr, {"cceEndpoint": emu.cloud_url,
                                            "ecsEndpoint": emu.cloud_url, "clusterId": CLUSTER}, errlog)


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def push(emu, n, event):
    body = json.dumps(event).encode()
    hdr = {"X-CFF-Auth-Token": TOKEN, "X-CFF-Invoke-Type": "sync"}
    emu.reset(target=n)
    emu.push_many([(str(uuid.uuid4()), body, hdr) for _ in range(n)])


def check_answers(emu, name, n):
    bad = [a for a in emu.answers if a[1] != "response" or
           (name != "shell" and b'"success"' not in a[3])]
    if len(emu.answers) != n or bad:
        raise SystemExit("bench: %s: %d answers, %d bad, first bad: %r"
                         % (name, len(emu.answers), len(bad), bad[:1]))


# -- measurements -----------------------------------------------------------------
def cold(emu, errlog):
    """Cold start and first answer (ms), N_COLD runs per runtime, interleaved."""
    res = {n: {"cold": [], "first": []} for n in NAMES}
    for _ in range(N_COLD):
        for name in NAMES:
            push(emu, 1, HIBERNATE)
            time.sleep(0.002)                # let the emulator queue it
            t0 = time.monotonic_ns()
            p = start(name, emu, errlog)
            ok = emu.done.wait(30)
            stop(p)
            if not ok:
                raise SystemExit("bench: %s: no answer to the cold hibernate event" % name)
            check_answers(emu, name, 1)
            res[name]["cold"].append((emu.first_get - t0) / 1e6)
            res[name]["first"].append((emu.answers[0][2] - t0) / 1e6)
    return res


def peak_rss(emu, name, n, errlog):
    """VmHWM (kB) of a runtime that answered n `status` invocations."""
    push(emu, n, STATUS)
    p = start(name, emu, errlog)
    try:
        if not emu.done.wait(600):
            raise SystemExit("bench: %s: only %d of %d answers" % (name, len(emu.answers), n))
        check_answers(emu, name, n)
        return vm_kb(p.pid, "VmHWM")
    finally:
        stop(p)


def fleet(row, name, errlog):
    """One hibernate event for n clusters at FLEET_DELAY per answer: (wall s, peak in flight, VmHWM kB)."""
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from fakes import FakeCloud, RuntimeAPI  # noqa: E402 - the test fakes, threaded

    n, _, conc = row.partition("@")
    n, conc = int(n), conc or str(FLEET_CONCURRENCY)
    ids = ["%08d-0000-4000-8000-%012d" % (i, i) for i in range(n)]
    rt, cloud = RuntimeAPI(), FakeCloud(token=TOKEN, project=PROJECT)
    p = None
    try:
        for i, cid in enumerate(ids):
            cloud.add_cluster(cid, "c%d" % i)
        cloud.delay = FLEET_DELAY
        p = spawn(RUNTIMES[name], rt.addr, {"cceEndpoint": cloud.url, "ecsEndpoint": cloud.url,
                                            "clusterId": ",".join(ids), "concurrency": conc},
                  errlog, timeout_s=300)
        rid = rt.push(HIBERNATE, headers={"X-CFF-Auth-Token": TOKEN})
        res = rt.wait_result(rid, timeout=60 + n * 2 * FLEET_DELAY * 3)
        body = json.loads(res.body)
        done = [c["result"] for c in body.get("data", {}).get("cluster_list", [])]
        if res.kind != "response" or done != ["requested"] * n:
            raise SystemExit("bench: fleet %d, %s: %s" % (n, name, res.body[:300]))
        return res.t_answered - res.t_delivered, cloud.peak_in_flight, vm_kb(p.pid, "VmHWM")
    finally:
        if p is not None:
            stop(p)
        rt.close()
        cloud.close()


FLEET_SERVERS = int(os.environ.get("BENCH_FLEET_SERVERS", "10000"))  # 0: skip the row
FLEET_SERVER_CLUSTERS = 20
FLEET_JOB_SECONDS = 2.0


def fleet_servers(errlog):
    """`stop` with wait=true of FLEET_SERVERS servers behind FLEET_SERVER_CLUSTERS clusters'
    nodes, jobs taking FLEET_JOB_SECONDS, FLEET_DELAY per answer (fgboot only: the Python
    peer has no wait). Returns (wall s, batch calls, peak in flight, VmHWM kB)."""
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from fakes import FakeCloud, RuntimeAPI  # noqa: E402

    n, nc = FLEET_SERVERS, FLEET_SERVER_CLUSTERS
    clusters = ["%08d-0000-4000-8000-%012d" % (i, i) for i in range(nc)]
    servers = ["aaaa%04d-0000-4000-8000-%012d" % (i % 10000, i) for i in range(n)]
    rt, cloud = RuntimeAPI(), FakeCloud(token=TOKEN, project=PROJECT)
    p = None
    try:
        for i, sid in enumerate(servers):
            cloud.add_server(sid, "vm-%d" % i, status="ACTIVE")
        per = (n + nc - 1) // nc
        for k, cid in enumerate(clusters):
            cloud.add_cluster(cid, "c%d" % k, nodes=[{"name": "n%d" % i, "serverId": s}
                                                       for i, s in enumerate(servers[k * per:(k + 1) * per])])
        cloud.delay = FLEET_DELAY
        cloud.transition_seconds = FLEET_JOB_SECONDS
        p = spawn(RUNTIMES["fgboot"], rt.addr, {"cceEndpoint": cloud.url, "ecsEndpoint": cloud.url,
                                                "clusterId": ",".join(clusters)},
                  errlog, timeout_s=60)
        rid = rt.push({"action": "stop", "wait": True}, headers={"X-CFF-Auth-Token": TOKEN})
        res = rt.wait_result(rid, timeout=120)
        body = json.loads(res.body)
        done = [s["result"] for s in body.get("data", {}).get("server_list", [])]
        if res.kind != "response" or done != ["done"] * n:
            raise SystemExit("bench: fleet of %d servers: %s" % (n, res.body[:300]))
        batches = len(cloud.requests_matching("POST", r"/cloudservers/action$"))
        return res.t_answered - res.t_delivered, batches, cloud.peak_in_flight, vm_kb(p.pid, "VmHWM")
    finally:
        if p is not None:
            stop(p)
        rt.close()
        cloud.close()


def schedule_cpu():
    """CPU ms the schedule evaluator spends deciding 10,000 servers against 100 schedules, as
    the unit test (built without sanitizers, `SCHEDULE_PROBE`) measures it; None without it."""
    probe = os.environ.get("SCHEDULE_PROBE")
    if not probe or not os.access(probe, os.X_OK):
        return None
    out = subprocess.run([probe], capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"schedule bench: .* decided in ([0-9.]+) ms of CPU", out)
    if m is None:
        raise SystemExit("bench: %s printed no 'schedule bench:' line" % probe)
    return float(m.group(1))


def fleet_table(fl):
    rows = ["| fleet: hibernate, %d ms per answer | fgboot (s) | target (fgboot) | Python + requests (s) "
            "| Python ÷ fgboot | peak in flight (fgboot, Python) | fgboot VmHWM (MB) |"
            % (FLEET_DELAY * 1000),
            "|---|---:|---|---:|---:|---:|---:|"]
    for row in FLEET:
        f, py = fl[row]["fgboot"], fl[row]["python"]
        n, _, conc = row.partition("@")
        target = {"40": 0.6, "200@32": 1.5}.get(row)
        rows.append("| %s clusters, concurrency %s | %s | %s | %s | %s | %d, %d | %s |" % (
            n, conc or FLEET_CONCURRENCY, fmt(f["wall"]), "" if target is None else
            "≤ %s %s" % (fmt(target), "✅" if f["wall"] <= target else "❌"),
            fmt(py["wall"]), ratio(py["wall"], f["wall"]), f["peak"], py["peak"],
            fmt(f["rss_kb"] / 1024)))
    sc = fl.get("schedule_ms")
    if sc is not None:
        rows.append("| `schedule`: 10,000 tagged servers × 100 schedules decided (CPU ms, evaluator "
                    "only) | %s | ≤ 20 %s | — | — | — | — |" % (fmt(sc), "✅" if sc <= 20 else "❌"))
    sv = fl.get("servers")
    if sv is not None:
        rows.append("| %s servers behind %d clusters' nodes, `stop` with wait=true, jobs of %s s "
                    "(%d batch calls) | %s | ≤ 4.5 %s | — | — | %d, — | %s |" % (
                        "{:,}".format(FLEET_SERVERS), FLEET_SERVER_CLUSTERS, fmt(FLEET_JOB_SECONDS),
                        sv["batches"], fmt(sv["wall"]), "✅" if sv["wall"] <= 4.5 else "❌",
                        sv["peak"], fmt(sv["rss_kb"] / 1024)))
    return "\n".join(rows)


def sizes():
    out = {}
    subprocess.run(["./package.sh", str(OUT / "fgboot.zip")], cwd=ROOT, check=True,
                   capture_output=True)
    out["fgboot"] = {"bin": os.path.getsize(RUNTIMES["fgboot"][0]),
                     "zip": os.path.getsize(OUT / "fgboot.zip")}
    # Python: the script + requests and its dependencies as Debian installs them
    # (what the function zip would carry; the interpreter is not counted).
    z = OUT / "python.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.write(HERE / "python_runtime.py", "bootstrap")
        for m in ("requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet"):
            try:
                base = pathlib.Path(__import__(m).__file__).parent
            except ImportError:
                continue
            for f in base.rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts:
                    zf.write(f, str(f.relative_to(base.parent)))
    out["python"] = {"bin": os.path.getsize(HERE / "python_runtime.py"), "zip": os.path.getsize(z)}
    z = OUT / "shell.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.write(HERE / "shell_bootstrap.sh", "bootstrap")
    out["shell"] = {"bin": os.path.getsize(HERE / "shell_bootstrap.sh"), "zip": os.path.getsize(z)}
    return out


# -- report ---------------------------------------------------------------------------
def fmt(v):
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    return "%.1f" % v if abs(v) >= 10 else "%.2f" % v


def ratio(b, f):
    r = b / f
    return ("%.0f×" % r) if r >= 100 else ("%.1f×" % r) if r >= 10 else ("%.2g×" % r)


def table(vals):
    """vals: [(metric, {runtime: value}, target or None)]."""
    rows = ["| metric | fgboot | target (fgboot) | Python + requests | Python ÷ fgboot "
            "| shell + curl | shell ÷ fgboot |",
            "|---|---:|---|---:|---:|---:|---:|"]
    for metric, v, target in vals:
        f = v["fgboot"]
        cells = [metric, fmt(f), "" if target is None else
                 "≤ %s %s" % (fmt(target), "✅" if f <= target else "❌")]
        for n in ("python", "shell"):
            cells += [fmt(v[n]), ratio(v[n], f)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%d CPUs (%s), Linux %s, Python %s" % (
        os.cpu_count(), model, platform.release(), platform.python_version())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, argv in RUNTIMES.items():
        if not os.access(argv[0], os.X_OK):
            raise SystemExit("bench: %s: %s is not executable" % (name, argv[0]))
    t_start = time.monotonic()
    load0 = open("/proc/loadavg").read().split()[0]
    log("size (./package.sh)")
    size = sizes()
    # Bench a private copy: a concurrent `make` may relink ./bootstrap mid-run.
    shutil.copy2(RUNTIMES["fgboot"][0], OUT / "bootstrap")
    RUNTIMES["fgboot"] = [str(OUT / "bootstrap")]
    emu = FastEmu(TOKEN, PROJECT, CLUSTER)
    try:
        with open(OUT / "runtimes.stderr", "w") as errlog:
            log("cold start x %d per runtime" % N_COLD)
            c = cold(emu, errlog)
            rss = {}
            for name in NAMES:
                n = N_RSS_SHELL if name == "shell" else N_RSS
                log("peak RSS: %d status invocations of %s" % (n, name))
                rss[name] = peak_rss(emu, name, n, errlog)
            fl = {}
            for row in FLEET:
                fl[row] = {}
                for name in ("fgboot", "python"):
                    if name == "python" and "@" in row:  # the loop knows no concurrency
                        fl[row][name] = fl[row.split("@")[0]][name] if row.split("@")[0] in fl \
                            else None
                        if fl[row][name] is not None:
                            continue
                    log("fleet: hibernate %s clusters, %s" % (row, name))
                    w, peak, hwm = fleet(row, name, errlog)
                    fl[row][name] = {"wall": w, "peak": peak, "rss_kb": hwm}
            fl["schedule_ms"] = schedule_cpu()
            if FLEET_SERVERS:
                log("fleet: stop %d servers with wait=true, fgboot" % FLEET_SERVERS)
                w, nb, peak, hwm = fleet_servers(errlog)
                fl["servers"] = {"wall": w, "batches": nb, "peak": peak, "rss_kb": hwm}
    finally:
        emu.close()
    md = table([
        ("cold start, median (ms)", {n: statistics.median(c[n]["cold"]) for n in NAMES},
         TARGETS["cold"]),
        ("cold start, p99 (ms)", {n: pct(c[n]["cold"], 99) for n in NAMES}, None),
        ("first answer (hibernate), median (ms)",
         {n: statistics.median(c[n]["first"]) for n in NAMES}, None),
        ("first answer (hibernate), p99 (ms)", {n: pct(c[n]["first"], 99) for n in NAMES}, None),
        ("peak RSS, VmHWM (MB)", {n: rss[n] / 1024 for n in NAMES}, TARGETS["rss_mb"]),
        ("binary / script (kB)", {n: size[n]["bin"] / 1024 for n in NAMES}, None),
        ("deployable zip (kB)", {n: size[n]["zip"] / 1024 for n in NAMES}, TARGETS["zip_kb"]),
    ])
    if FLEET or "servers" in fl or fl.get("schedule_ms") is not None:
        md += "\n\n" + fleet_table(fl)
    load1 = open("/proc/loadavg").read().split()[0]
    notes = [
        "",
        "Machine: %s. Cold start and first answer: %s runs per runtime, interleaved; peak RSS "
        "after %s `status` invocations (shell: %s). Load average (1 min) %s at start, %s at end; "
        "%.0f s in all." % (machine(), "{:,}".format(N_COLD), "{:,}".format(N_RSS),
                            "{:,}".format(N_RSS_SHELL), load0, load1, time.monotonic() - t_start),
    ]
    text = md + "\n" + "\n".join(notes) + "\n"
    (OUT / "results.md").write_text(text)
    raw = {"runs": {"cold": N_COLD, "rss": {n: N_RSS_SHELL if n == "shell" else N_RSS
                                            for n in NAMES}},
           "cold_ms": c, "peak_rss_kb": rss, "size": size, "machine": machine(),
           "fleet": {row: fl[row] for row in list(FLEET) + (["servers"] if "servers" in fl else [])},
           "schedule_cpu_ms": fl.get("schedule_ms")}
    (OUT / "results.json").write_text(json.dumps(raw, indent=1))
    print(text)


if __name__ == "__main__":
    main()
