"""make bench: fgboot against a Python (requests) and a shell (curl) custom runtime.

Runs, side by side in one run and with the same events, three runtimes against
loopback fakes, and prints one Markdown table (also written to
build/bench/results.md, with the raw numbers in build/bench/results.json):

  fgboot  ./bootstrap (or $FGBOOT_BIN)
  python  tests/bench/python_runtime.py  (Debian python3 + python3-requests)
  shell   tests/bench/shell_bootstrap.sh (the FunctionGraph docs sample, bash + curl)

Measurements (issue 5 section 1):
  cold start    time.monotonic_ns() just before Popen -> the first GET reaching
                the emulator (its own monotonic timestamp); the hibernate event is
                already queued, so the same run also gives
  first answer  exec -> the answer to that hibernate event (one CCE read + one
                operation; the shell sample calls no cloud and answers a constant);
                BENCH_COLD runs (default 100), the runtimes interleaved run by run.
  warm          BENCH_N `status` invocations (default 10,000; the shell sample
                BENCH_N_SHELL, default 1,000: it forks curl twice per event) after
                one warm-up: per invocation, event handed out -> answer received
                (emulator timestamps); invocations per second end to end; and the
                runtime's OWN time: the CPU time (on-CPU ns from /proc/<pid>/schedstat,
                plus reaped children's utime+stime, i.e. curl/grep for the shell)
                consumed during the run divided by the invocations. CPU time is not
                inflated by the emulator being slow: waiting is not on-CPU.
  memory        VmHWM (peak RSS, whole process life) and VmRSS after 1,000 and
                10,000 warm invocations (100 and 1,000 for the shell; bash only,
                the short-lived curls are not included).
  size          the binary, and ./package.sh's zip.
  cloud         with tests/fakes.py's FakeCloud (the reference fake): requests to
                stop the 2,500 servers behind a cluster's nodes with wait=true;
                TLS handshakes for 100 `status` invocations against an HTTPS fake
                whose certificate comes from a test CA made with the openssl CLI.

The runtime API and, for cold/warm, the CCE are served by tests/bench/fastemu.c
(one thread, epoll, pre-built responses; a child process built here into
build/bench/fastemu with gcc -O2) so that the emulator costs far less per
request than the runtimes measured. If it does not build (or BENCH_EMU=py),
tests/bench/fastemu.py, its Python twin with the same behaviour (one thread,
selectors, in this process), serves instead; the notes say which one ran.
"""

import json
import os
import pathlib
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from fastemu import FastEmu, FastEmuC  # noqa: E402
from fakes import FakeCloud, make_test_ca  # noqa: E402

PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-agency-token-0123456789abcdef"
CLUSTER = "11111111-2222-3333-4444-555555555555"
OUT = pathlib.Path(os.environ.get("BENCH_OUT") or ROOT / "build" / "bench")
CLK_TCK = os.sysconf("SC_CLK_TCK")

N_COLD = int(os.environ.get("BENCH_COLD", "100"))
N_WARM = int(os.environ.get("BENCH_N", "10000"))
N_WARM_PY = int(os.environ.get("BENCH_N_PY", str(N_WARM)))
N_WARM_SH = int(os.environ.get("BENCH_N_SHELL", "1000"))
N_WARM_LONG = int(os.environ.get("BENCH_N_LONG", "2000"))
# An IAM token is up to 16,384 characters (spec: OTC CCE header table); the agency
# token the platform hands a function is of that kind, so the warm run is repeated
# with one that long. Deterministic, token-like text (base64 alphabet).
LONG_TOKEN = "MIIZ" + "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[
    (i * 7 + i // 64) % 64] for i in range(16384 - 4))

RUNTIMES = {
    "fgboot": [os.environ.get("FGBOOT_BIN") or str(ROOT / "bootstrap")],
    "python": [str(HERE / "python_runtime.py")],
    "shell": [str(HERE / "shell_bootstrap.sh")],
}
NAMES = list(RUNTIMES)
# The warm rows add the protocol floor (tests/bench/floor.c, built by make_floor()).
WARM_NAMES = ["fgboot", "floor", "python", "shell"]
HIBERNATE = {"version": "v1.0", "time": "2026-11-20T18:15:00+01:00", "trigger_type": "TIMER",
             "trigger_name": "nightly-hibernate", "user_event": "hibernate"}
STATUS = {"action": "status"}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# -- /proc ----------------------------------------------------------------------
def cpu_ns(pid):
    """On-CPU time of the process (ns) + its reaped children's utime+stime."""
    with open("/proc/%d/schedstat" % pid) as f:
        own = int(f.read().split()[0])
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the comm: state=0 ... utime=11 stime=12 cutime=13 cstime=14
    children = (int(fields[13]) + int(fields[14])) * 10**9 // CLK_TCK
    return own + children


def user_sys_ticks(pid):
    """(utime, stime) of the process and its reaped children, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        x = [int(v) for v in f.read().rsplit(")", 1)[1].split()[11:15]]
    return x[0] + x[2], x[1] + x[3]


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


# -- stats ----------------------------------------------------------------------
def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


# -- processes ------------------------------------------------------------------
def runtime_env(emu_addr, userdata, extra=None):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "RUNTIME_API_ADDR": emu_addr,
        "RUNTIME_PROJECT_ID": PROJECT,
        "RUNTIME_FUNC_NAME": "fgboot-bench",
        "RUNTIME_FUNC_VERSION": "latest",
        "RUNTIME_PACKAGE": "default",
        "RUNTIME_HANDLER": "bootstrap",
        "RUNTIME_TIMEOUT": "30",
        "RUNTIME_MEMORY": "128",
        "RUNTIME_CODE_ROOT": str(ROOT),
        "RUNTIME_USERDATA": json.dumps(userdata),
    }
    env.update(extra or {})
    return env


def start(name, env, errlog, argv=None):
    return subprocess.Popen(argv or RUNTIMES[name], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=errlog, start_new_session=True)


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        return p.wait()


def events(n, event, token=None):
    body = json.dumps(event).encode()
    hdr = {"X-CFF-Auth-Token": token or TOKEN, "X-CFF-Invoke-Type": "sync"}
    return [(str(uuid.uuid4()), body, hdr) for _ in range(n)]


def check_answers(emu, name, n):
    bad = [a for a in emu.answers if a[1] != "response" or
           (name != "shell" and b'"success"' not in a[3])]
    if len(emu.answers) != n or bad:
        raise SystemExit("bench: %s: %d answers, %d bad, first bad: %r"
                         % (name, len(emu.answers), len(bad), bad[:1]))


# -- 1, 2: cold start and first answer --------------------------------------------
def cold(emu, errlog):
    env = runtime_env(emu.addr, {"cceEndpoint": emu.cloud_url, "ecsEndpoint": emu.cloud_url,
                                       "clusterId": CLUSTER})
    res = {n: {"cold": [], "first": []} for n in NAMES}
    for i in range(N_COLD):
        for name in NAMES:
            emu.reset(target=1)
            emu.push_many(events(1, HIBERNATE))
            time.sleep(0.002)                # let the emulator queue it
            t0 = time.monotonic_ns()
            p = start(name, env, errlog)
            if not emu.done.wait(30):
                stop(p)
                raise SystemExit("bench: %s: no answer to the cold hibernate event" % name)
            res[name]["cold"].append((emu.first_get - t0) / 1e6)
            res[name]["first"].append((emu.answers[0][2] - t0) / 1e6)
            check_answers(emu, name, 1)
            stop(p)
        if i == 0:
            log("cold: first round ok")
    return res


# -- 3, 4: warm overhead and memory ----------------------------------------------
def warm(emu, name, n, checkpoints, errlog, pin=None):
    """pin: a CPU number to run the runtime and the emulator on together, or None."""
    env = runtime_env(emu.addr, {"cceEndpoint": emu.cloud_url, "ecsEndpoint": emu.cloud_url,
                                       "clusterId": CLUSTER})
    emu.reset(target=1)
    emu.push_many(events(1, STATUS, emu.token_text))
    argv = RUNTIMES[name]
    if pin is not None:
        argv = ["taskset", "-c", str(pin)] + argv      # exec()s the runtime: same pid
        emu.pin({pin})
    p = start(name, env, errlog, argv)
    try:
        if not emu.done.wait(30):
            raise SystemExit("bench: %s: no answer to the warm-up event" % name)
        time.sleep(0.05)                     # idle in its long poll again
        rss = {}

        def on_answer(k):
            if k in checkpoints:
                rss[k] = status_kb(p.pid, "VmRSS")
        evs = events(n, STATUS, emu.token_text)
        c0, us0, e0 = cpu_ns(p.pid), user_sys_ticks(p.pid), emu.cpu_ns()
        d0 = time.process_time_ns()
        emu.reset(target=n, on_answer=on_answer, notify=checkpoints)
        emu.push_many(evs)
        if not emu.done.wait(600):
            raise SystemExit("bench: %s: only %d of %d warm answers"
                             % (name, len(emu.answers), n))
        c1, us1, e1 = cpu_ns(p.pid), user_sys_ticks(p.pid), emu.cpu_ns()
        d1 = time.process_time_ns()
        ut, st = us1[0] - us0[0], us1[1] - us0[1]
        hwm = status_kb(p.pid, "VmHWM")
        check_answers(emu, name, n)
        lat = [(t - emu.delivered[rid]) / 1e3 for rid, _, t, _ in emu.answers]
        span = emu.answers[-1][2] - min(emu.delivered.values())
        return {"n": n, "lat_us": lat, "rate": n / (span / 1e9),
                "own_us": (c1 - c0) / 1e3 / n, "hwm_kb": hwm, "rss_kb": rss,
                "user_share": ut / (ut + st) if ut + st else float("nan"),
                # the emulator's CPU while the runtime ran: the C child's, or (Python
                # emulator) this process's, since the driver only waits
                "emu_us": (e1 - e0) / 1e3 / n,
                # this driver process's CPU (building and sending the events; for the
                # Python emulator the same as emu_us)
                "driver_us": (d1 - d0) / 1e3 / n,
                "cloud_requests": emu.cloud_requests, "cloud_conns": emu.cloud_conns}
    finally:
        stop(p)
        if pin is not None:
            emu.pin(None)


# -- 5: size -----------------------------------------------------------------------
def sizes():
    out = {}
    r = subprocess.run(["./package.sh", str(OUT / "fgboot.zip")], cwd=ROOT, check=True,
                       capture_output=True, text=True)
    out["fgboot"] = {"bin": os.path.getsize(RUNTIMES["fgboot"][0]),
                     "zip": os.path.getsize(OUT / "fgboot.zip"), "note": r.stdout.strip()}
    # Python: the script + requests and its dependencies as Debian installs them
    # (what the function zip would have to carry; the interpreter is not counted).
    import requests  # noqa: F401 - only to find the installed packages
    mods = ["requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet"]
    z = OUT / "python.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.write(HERE / "python_runtime.py", "bootstrap")
        for m in mods:
            try:
                mod = __import__(m)
            except ImportError:
                continue
            base = pathlib.Path(mod.__file__).parent
            for f in base.rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts:
                    zf.write(f, str(f.relative_to(base.parent)))
    out["python"] = {"bin": os.path.getsize(HERE / "python_runtime.py"),
                     "zip": os.path.getsize(z)}
    z = OUT / "shell.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.write(HERE / "shell_bootstrap.sh", "bootstrap")
    out["shell"] = {"bin": os.path.getsize(HERE / "shell_bootstrap.sh"),
                    "zip": os.path.getsize(z)}
    return out


# -- 6: cloud efficiency ------------------------------------------------------------
def stop_2500(emu, errlog):
    cloud = FakeCloud(token=TOKEN, project=PROJECT)
    cloud.transition_seconds = 2.0
    ids = ["00000000-0000-4000-8000-%012d" % i for i in range(2500)]
    for i, s in enumerate(ids):
        cloud.add_server(s, "vm-%d" % i)
    cid = "22222222-3333-4444-5555-666666666666"
    cloud.add_cluster(cid, "big", nodes=[{"name": "node-%d" % i, "serverId": s}
                                         for i, s in enumerate(ids)])
    env = runtime_env(emu.addr, {"cceEndpoint": cloud.url, "ecsEndpoint": cloud.url,
                                 "clusterId": cid})
    emu.reset(target=1)
    emu.push_many(events(1, {"action": "stop", "wait": True}))
    t0 = time.monotonic()
    p = start("fgboot", env, errlog)
    try:
        if not emu.done.wait(60):
            raise SystemExit("bench: stop 2500: no answer")
        secs = time.monotonic() - t0
    finally:
        stop(p)
        cloud.close()
    check_answers(emu, "fgboot", 1)
    kinds = {"nodes": r"/nodes$", "pages": r"/cloudservers/detail$",
             "batches": r"/cloudservers/action$", "polls": r"/jobs/"}
    res = {k: len(cloud.requests_matching(None, rx)) for k, rx in kinds.items()}
    res["total"] = len(cloud.requests)
    res["seconds"] = secs
    res["sizes"] = [len(r.json["os-stop"]["servers"])
                    for r in cloud.requests_matching("POST", r"/cloudservers/action$")]
    return res


def make_ca(d):
    return make_test_ca(d, "fgboot bench CA")


def tls_100(emu, name, ca, errlog, strace_out=None):
    cloud = FakeCloud(token=TOKEN, project=PROJECT, tls=(str(ca / "srv.pem"), str(ca / "srv.key")))
    cloud.add_cluster(CLUSTER, "tls")
    env = runtime_env(emu.addr, {"cceEndpoint": cloud.url, "ecsEndpoint": cloud.url,
                                       "clusterId": CLUSTER},
                      {"SSL_CERT_FILE": str(ca / "ca.pem"),
                       "REQUESTS_CA_BUNDLE": str(ca / "ca.pem")})
    argv = None
    if strace_out:
        argv = ["strace", "-f", "-qq", "-e", "trace=openat,open", "-o", str(strace_out)] \
            + RUNTIMES[name]
    emu.reset(target=100)
    emu.push_many(events(100, STATUS))
    p = start(name, env, errlog, argv)
    try:
        if not emu.done.wait(120):
            raise SystemExit("bench: %s: TLS run: only %d of 100 answers"
                             % (name, len(emu.answers)))
    finally:
        stop(p)
        cloud.close()
    check_answers(emu, name, 100)
    res = {"handshakes": cloud.handshakes, "connections": cloud.connections,
           "requests": len(cloud.requests)}
    if strace_out:
        res["ca_opens"] = sum(1 for line in open(strace_out)
                              if "ca.pem" in line and "ENOENT" not in line)
    return res


# -- report ---------------------------------------------------------------------------
def fmt(v, unit=""):
    if isinstance(v, str):
        return v
    if v is None or v != v:
        return "n/a"
    if isinstance(v, int) or abs(v) >= 100:
        s = "{:,.0f}".format(v)
    elif abs(v) >= 10:
        s = "%.1f" % v
    else:
        s = "%.2f" % v
    return s + unit


def ratio(b, f):
    if b is None or f is None or b != b or f != f or f == 0:
        return "n/a"
    r = b / f
    return ("%.0f×" % r) if r >= 100 else ("%.1f×" % r) if r >= 10 else \
        ("%.2f×" % r) if r >= 0.1 else ("%.2g×" % r)


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = status = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1])
    del status
    return "%d CPUs (%s), %.1f GiB RAM, Linux %s, Python %s" % (
        os.cpu_count(), model, mem / 1048576, platform.release(), platform.python_version())


def table(cold_res, warm_res, size_res, s2500, tls):
    """warm_res: {"one": {runtime: result}, "two": {...}} (see main)."""
    rows = []

    def row(metric, vals, target=None, ok=None, unit="", ratios=True):
        f = vals.get("fgboot")
        cells = [metric, fmt(f, unit)]
        cells.append("%s %s" % (target, "✅" if ok else "❌") if target else "")
        fl = vals.get("floor", "")
        cells.append(fmt(fl, unit) if fl != "" else "")
        for n in ("python", "shell"):
            b = vals.get(n)
            cells += [fmt(b, unit) if not isinstance(b, str) else b,
                      ratio(b, f) if ratios and not isinstance(b, str) else ""]
        rows.append("| " + " | ".join(cells) + " |")

    c = {n: med(cold_res[n]["cold"]) for n in NAMES}
    row("cold start, median (ms)", c, "≤ 5 ms, ≥ 15× vs Python",
        c["fgboot"] <= 5 and c["python"] / c["fgboot"] >= 15)
    row("cold start, p99 (ms)", {n: pct(cold_res[n]["cold"], 99) for n in NAMES})
    row("first answer (hibernate), median (ms)", {n: med(cold_res[n]["first"]) for n in NAMES})
    row("first answer (hibernate), p99 (ms)", {n: pct(cold_res[n]["first"], 99) for n in NAMES})
    one = warm_res["one"]
    two = warm_res.get("two")
    wn = [n for n in WARM_NAMES if n in one]
    tag = " [1 vCPU]" if two else ""
    row("warm invocations measured", {n: one[n]["n"] for n in wn}, ratios=False)
    row("warm latency, event out → answer in, median (µs)" + tag,
        {n: med(one[n]["lat_us"]) for n in wn})
    row("warm latency, p99 (µs)" + tag, {n: pct(one[n]["lat_us"], 99) for n in wn})
    if "floor" in one:
        # The floor makes the same requests to the same emulator with no work: the
        # difference of the medians is the runtime's own time inside that window.
        fl = med(one["floor"]["lat_us"])
        row("warm latency above the floor's, median (µs)" + tag,
            {n: med(one[n]["lat_us"]) - fl for n in wn if n != "floor"})
    row("**warm own CPU time per invocation (µs)**" + tag, {n: one[n]["own_us"] for n in wn},
        "≤ 150 µs", one["fgboot"]["own_us"] <= 150)
    row("… of which user space / kernel (%)",
        {n: "%.0f / %.0f" % (100 * one[n]["user_share"], 100 - 100 * one[n]["user_share"])
         for n in wn}, ratios=False)
    row("emulator CPU per invocation (µs, for scale)" + tag, {n: one[n]["emu_us"] for n in wn},
        ratios=False)
    row("**invocations per second, end to end**" + tag, {n: one[n]["rate"] for n in wn},
        "≥ 5,000/s", one["fgboot"]["rate"] >= 5000)
    row("ceiling set by the runtime's own CPU alone (1 s ÷ own time, inv/s)" + tag,
        {n: 1e6 / one[n]["own_us"] for n in wn})
    if two:
        row("warm own CPU time per invocation (µs) [2 vCPUs]", {n: two[n]["own_us"] for n in wn})
        row("emulator CPU per invocation (µs) [2 vCPUs]", {n: two[n]["emu_us"] for n in wn},
            ratios=False)
        row("invocations per second, end to end [2 vCPUs]", {n: two[n]["rate"] for n in wn})
        row("warm latency, median (µs) [2 vCPUs]", {n: med(two[n]["lat_us"]) for n in wn})
    lg = warm_res.get("long")
    if lg:
        ln = [n for n in WARM_NAMES if n in lg]
        row("warm own CPU per invocation, 16,384-char token (µs)" + tag,
            {n: lg[n]["own_us"] for n in ln})
        row("invocations per second, 16,384-char token" + tag, {n: lg[n]["rate"] for n in ln})
    w = one
    names = [n for n in NAMES if n in w]
    row("peak RSS, VmHWM (MB)", {n: w[n]["hwm_kb"] / 1024 for n in names},
        "≤ 6 MB", w["fgboot"]["hwm_kb"] <= 6 * 1024)
    ck = {n: sorted(w[n]["rss_kb"]) for n in names}
    row("RSS after 1,000 warm invocations (MB) [shell: 100]",
        {n: w[n]["rss_kb"][ck[n][0]] / 1024 for n in names})
    growth = {n: (w[n]["rss_kb"][ck[n][-1]] - w[n]["rss_kb"][ck[n][0]]) for n in names}
    row("RSS growth 1,000 → 10,000 (kB) [shell: 100 → 1,000]", growth,
        "0", growth["fgboot"] <= 0, ratios=False)
    row("binary / script (kB)", {n: size_res[n]["bin"] / 1024 for n in NAMES}, ratios=True)
    row("deployable zip (kB)", {n: size_res[n]["zip"] / 1024 for n in NAMES},
        "≤ 1.5 MB (1,536 kB)", size_res["fgboot"]["zip"] <= 1.5 * 1024 * 1024)
    na = "n/a (no ECS)"
    row("stop 2,500 servers, wait=true: batch calls",
        {"fgboot": s2500["batches"], "python": na, "shell": na}, "3", s2500["batches"] == 3)
    row("stop 2,500 servers: all cloud requests (nodes + pages + batches + polls)",
        {"fgboot": s2500["total"], "python": na, "shell": na})
    row("TLS handshakes for 100 HTTPS `status` calls",
        {"fgboot": tls["fgboot"]["handshakes"], "python": tls["python"]["handshakes"],
         "shell": "n/a (no cloud call)"}, "1", tls["fgboot"]["handshakes"] == 1)
    head = ["| metric | fgboot | target (fgboot) | floor: same requests, no work "
            "| Python + requests | Python ÷ fgboot | shell + curl | shell ÷ fgboot |",
            "|---|---:|---|---:|---:|---:|---:|---:|"]
    return "\n".join(head + rows)


def make_floor():
    """Builds tests/bench/floor.c (gcc -O2) into build/bench/floor; returns its path or None."""
    src, exe = HERE / "floor.c", OUT / "floor"
    try:
        if not exe.exists() or exe.stat().st_mtime < src.stat().st_mtime:
            subprocess.run([os.environ.get("BENCH_CC", "gcc"), "-O2", "-o", str(exe), str(src)],
                           check=True, capture_output=True, text=True)
        return str(exe)
    except (OSError, subprocess.CalledProcessError) as e:
        log("floor.c unavailable (%s): no floor column" % (getattr(e, "stderr", None) or e))
        return None


def make_emu(token=TOKEN):
    """The C emulator if it builds (gcc -O2, into build/bench/fastemu), else the Python one."""
    src, exe = HERE / "fastemu.c", OUT / "fastemu"
    if os.environ.get("BENCH_EMU", "c") != "py":
        try:
            if not exe.exists() or exe.stat().st_mtime < src.stat().st_mtime:
                subprocess.run([os.environ.get("BENCH_CC", "gcc"), "-O2", "-o", str(exe), str(src)],
                               check=True, capture_output=True, text=True)
            emu = FastEmuC(token, PROJECT, CLUSTER, exe)
            emu.token_text = token
            return emu
        except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
            log("fastemu.c unavailable (%s): using fastemu.py"
                % (getattr(e, "stderr", None) or e))
    emu = FastEmu(token, PROJECT, CLUSTER)
    emu.token_text = token
    return emu


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, argv in RUNTIMES.items():
        if not os.access(argv[0], os.X_OK):
            raise SystemExit("bench: %s: %s is not executable" % (name, argv[0]))
    t_start = time.monotonic()
    load0 = open("/proc/loadavg").read().split()[0]
    errlog = open(OUT / "runtimes.stderr", "w")
    emu = make_emu()
    log("emulator: " + emu.label)
    try:
        log("size (./package.sh)")
        size_res = sizes()
        # Bench a private copy: a concurrent `make` may relink ./bootstrap mid-run.
        shutil.copy2(RUNTIMES["fgboot"][0], OUT / "bootstrap")
        RUNTIMES["fgboot"] = [str(OUT / "bootstrap")]
        log("cold start x %d per runtime" % N_COLD)
        cold_res = cold(emu, errlog)
        floor = make_floor()
        if floor:
            RUNTIMES["floor"] = [floor]
        # Warm rows twice: runtime and emulator pinned together on one vCPU (the
        # runtime's own cost: no cross-vCPU wake-ups), then scheduled freely.
        cpus = sorted(os.sched_getaffinity(0))
        modes = [("one", cpus[-1]), ("two", None)] if len(cpus) > 1 else [("one", None)]
        if not emu.pin(None):
            modes = [("one", None)]          # the Python emulator cannot be pinned
        warm_res = {m: {} for m, _ in modes}
        for mode, pin in modes:
            for name, n in (("fgboot", N_WARM), ("floor", N_WARM), ("python", N_WARM_PY),
                            ("shell", N_WARM_SH)):
                if name not in RUNTIMES:
                    continue
                cps = (N_WARM_SH // 10, N_WARM_SH) if name == "shell" else (min(1000, n), n)
                log("warm [%s]: %d status invocations of %s"
                    % ("cpu %d" % pin if pin is not None else "unpinned", n, name))
                warm_res[mode][name] = warm(emu, name, n, cps, errlog, pin)
                log("warm: %s %.0f inv/s, own %.1f us/inv"
                    % (name, warm_res[mode][name]["rate"], warm_res[mode][name]["own_us"]))
        # The same warm run with a 16,384-character token, on one vCPU when possible.
        log("warm: %d status invocations with a %d-character token" % (N_WARM_LONG, len(LONG_TOKEN)))
        emu_long = make_emu(LONG_TOKEN)
        try:
            pin = modes[0][1] if emu_long.pin(None) else None
            for name in ("fgboot", "floor", "python"):
                if name in RUNTIMES:
                    n = min(N_WARM_LONG, N_WARM_PY) if name == "python" else N_WARM_LONG
                    warm_res.setdefault("long", {})[name] = warm(
                        emu_long, name, n, (min(1000, n), n), errlog, pin)
        finally:
            emu_long.close()
        log("stop 2,500 servers (reference FakeCloud, wait=true)")
        s2500 = stop_2500(emu, errlog)
        log("TLS: 100 status calls over HTTPS")
        ca = make_ca(OUT / "ca")
        tls = {"fgboot": tls_100(emu, "fgboot", ca, errlog,
                                 OUT / "fgboot-tls.strace" if shutil.which("strace") else None),
               "python": tls_100(emu, "python", ca, errlog)}
    finally:
        emu.close()
        errlog.close()
    md = table(cold_res, warm_res, size_res, s2500, tls)
    notes = [
        "",
        "Machine: " + machine() + ".",
        "Runs: cold start and first answer over %d runs per runtime (interleaved); warm over "
        "%d (fgboot), %d (Python), %d (shell) `status` invocations after one warm-up."
        % (N_COLD, N_WARM, N_WARM_PY, N_WARM_SH),
        "Emulator (runtime API + CCE for cold start, first answer and warm): %s; its CPU per "
        "warm invocation (fgboot's `status` is 4 requests, Python's 3, the shell's 2) is the "
        "emulator row."
        % emu.label,
        ("[1 vCPU] rows: the runtime and the emulator pinned together to CPU %d (taskset, "
         "sched_setaffinity), so that each request and answer is a switch on one CPU, not a "
         "wake-up of an idle vCPU, whose cost lands in both processes' kernel time; [2 vCPUs] "
         "rows: the same run scheduled freely. " % modes[0][1] if len(modes) > 1 else
         "Warm rows: one run, scheduled freely (%s). " % (
             "one CPU" if len(cpus) == 1 else "the Python emulator cannot be pinned")) +
        "Floor: tests/bench/floor.c, a C client making fgboot's four requests per `status` "
        "invocation over blocking keep-alive sockets with no parsing, JSON, logging or "
        "allocation: the machine's and the emulator's share of every warm number (Python and the "
        "shell make fewer requests than the floor, so their latency above it is understated).",
        "2,500 servers: %s batch sizes, %d node list, %d list pages, %d job polls "
        "(fake jobs take 2 s), %.1f s." % (s2500["sizes"], s2500["nodes"], s2500["pages"],
                                          s2500["polls"], s2500["seconds"]),
        "TLS, 100 calls: fgboot %d handshake(s) on %d connection(s)%s; Python %d on %d."
        % (tls["fgboot"]["handshakes"], tls["fgboot"]["connections"],
           (", CA file opened %d time(s)" % tls["fgboot"]["ca_opens"])
           if "ca_opens" in tls["fgboot"] else "",
           tls["python"]["handshakes"], tls["python"]["connections"]),
        "Load average (1 min) at start %s, at end %s: other work on the machine inflates "
        "the warm numbers, rerun on an idle machine." % (load0, open("/proc/loadavg").read().split()[0]),
        "Total bench time: %.0f s." % (time.monotonic() - t_start),
    ]
    text = md + "\n" + "\n".join(notes) + "\n"
    (OUT / "results.md").write_text(text)
    raw = {"cold": cold_res,
           "warm": {m: {n: dict(v, lat_us=None, lat_us_median=med(v["lat_us"]),
                                lat_us_p99=pct(v["lat_us"], 99)) for n, v in r.items()}
                    for m, r in warm_res.items()},
           "size": size_res, "stop2500": s2500, "tls": tls, "machine": machine()}
    (OUT / "results.json").write_text(json.dumps(raw, indent=1, default=str))
    print(text)


if __name__ == "__main__":
    main()
