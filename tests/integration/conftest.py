"""Shared fixtures: run the real bootstrap binaries against the fakes.

Every integration test runs once per binary in FGBOOT_BINARIES (the static
release build and the sanitized dynamic build under `make test`). The `fg`
fixture owns an emulator (RuntimeAPI), a fake cloud (FakeCloud) and the
bootstrap processes started through it. At teardown it stops each process
with SIGTERM and checks that:
  - it exited 0 (sanitizer reports, leaks and crashes fail the test),
  - every pushed invocation got exactly one answer,
  - no secret used by the tests appears in any output or any answer,
  - the fakes themselves saw no internal error.
"""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from fakes import FakeCloud, RuntimeAPI  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN = "tok-AGENCY-5ecret-0123456789abcdef"
AK = "AKEXAMPLE5ECRET0001"
SK = "sk-5ecret-EXAMPLE-0123456789abcdef"
SEC_AK = "SECAK5ECRET000000001"
SEC_SK = "secsk-5ecret-EXAMPLE-0123456789"
SEC_TOKEN = "sectok-5ecret-" + "x" * 64
SECRETS = [TOKEN, AK, SK, SEC_AK, SEC_SK, SEC_TOKEN]

# The headers FunctionGraph sends with an event when the function has an agency.
AGENCY = {
    "X-CFF-Auth-Token": TOKEN,
    "X-CFF-Security-Access-Key": SEC_AK,
    "X-CFF-Security-Secret-Key": SEC_SK,
    "X-CFF-Security-Token": SEC_TOKEN,
    "X-CFF-Invoke-Type": "sync",
}


def binaries():
    env = os.environ.get("FGBOOT_BINARIES")
    return env.split() if env else [str(ROOT / "bootstrap")]


def binary_id(path):
    return "san" if "/san/" in path else "dyn" if "/dyn/" in path else "static"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(extra=None):
    env = {
        "PATH": "/usr/bin:/bin",
        "RUNTIME_PROJECT_ID": PROJECT,
        "RUNTIME_FUNC_NAME": "fgboot-test",
        "RUNTIME_FUNC_VERSION": "latest",
        "RUNTIME_PACKAGE": "default",
        "RUNTIME_HANDLER": "bootstrap",
        "RUNTIME_TIMEOUT": "30",
        "RUNTIME_MEMORY": "128",
        "RUNTIME_CODE_ROOT": "/opt/function/code",
        "ASAN_OPTIONS": "detect_leaks=1:exitcode=66",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    }
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


class Boot:
    """One bootstrap process with its output captured to files."""

    def __init__(self, argv, env, tmp_path, name):
        self.stdout_path = tmp_path / f"{name}.out"
        self.stderr_path = tmp_path / f"{name}.err"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL)
        self.rc = None

    def output(self):
        if not self._out.closed:
            self._out.flush()
            self._err.flush()
        return (self.stdout_path.read_text(errors="replace")
                + self.stderr_path.read_text(errors="replace"))

    def stop(self, timeout=15):
        if self.rc is not None:
            return self.rc
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
            raise AssertionError("bootstrap did not exit within %ss of SIGTERM" % timeout)
        finally:
            self._out.close()
            self._err.close()
        return self.rc


def assert_no_secrets(text, where):
    for s in SECRETS:
        assert s not in text, "secret %r leaked into %s" % (s[:6] + "...", where)


class Harness:
    def __init__(self, binary, tmp_path):
        self.binary = binary
        self.tmp_path = tmp_path
        self.runtime = RuntimeAPI()
        self.cloud = FakeCloud(token=TOKEN, project=PROJECT, aksk={AK: SK, SEC_AK: SEC_SK})
        self.cloud.security_tokens = {SEC_AK: SEC_TOKEN}
        self.boots = []
        self.pushed = []

    def userdata(self, extra=None):
        ud = {"cceEndpoint": self.cloud.url, "ecsEndpoint": self.cloud.url}
        ud.update(extra or {})
        return {k: v for k, v in ud.items() if v is not None}

    def start(self, userdata=None, env=None, addr=None, argv=None):
        """Starts bootstrap; userdata (dict, or a raw string) becomes RUNTIME_USERDATA."""
        if userdata is None or isinstance(userdata, dict):
            userdata = json.dumps(self.userdata(userdata))
        e = base_env({"RUNTIME_API_ADDR": addr or self.runtime.addr,
                      "RUNTIME_USERDATA": userdata})
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        boot = Boot(argv or [self.binary], e, self.tmp_path, "boot%d" % len(self.boots))
        self.boots.append(boot)
        return boot

    def push(self, event, headers=None):
        rid = self.runtime.push(event, headers=AGENCY if headers is None else headers)
        self.pushed.append(rid)
        return rid

    def invoke(self, event, headers=None, timeout=20):
        """Pushes one event and returns its (first) answer."""
        rid = self.push(event, headers)
        return self.runtime.wait_result(rid, timeout=timeout)

    def close(self):
        problems = []
        try:
            for b in self.boots:
                rc = b.stop()
                out = b.output()
                if rc != 0:
                    problems.append("bootstrap exited %s:\n%s" % (rc, out[-4000:]))
                assert_no_secrets(out, "bootstrap output")
                for bad in ("runtime error:", "AddressSanitizer", "LeakSanitizer"):
                    if bad in out:
                        problems.append("sanitizer report:\n" + out[-4000:])
            time.sleep(0.05)
            for rid in self.pushed:
                n = len(self.runtime.results_for(rid))
                if n > 1 or (n == 0 and self.boots):
                    problems.append("invocation %s got %d answers" % (rid, n))
            for r in self.runtime.results:
                assert_no_secrets(r.body.decode("utf-8", "replace"), "an answer")
            problems += ["fake runtime: %s" % e for e in self.runtime.errors]
            problems += ["fake cloud: %s" % e for e in self.cloud.errors]
        finally:
            self.runtime.close()
            self.cloud.close()
        assert not problems, "\n".join(problems)


@pytest.fixture(params=binaries(), ids=binary_id)
def binary(request):
    path = request.param
    assert os.access(path, os.X_OK), "%s is not built (run make)" % path
    return path


@pytest.fixture
def fg(binary, tmp_path):
    h = Harness(binary, tmp_path)
    yield h
    h.close()


@pytest.fixture
def make_cloud():
    """Makes fake clouds beside fg's (token and project as fg's): closed at teardown, and, as
    fg's, none may have seen a request it could not handle."""
    made = []

    def make(**kw):
        kw.setdefault("token", TOKEN)
        kw.setdefault("project", PROJECT)
        made.append(FakeCloud(**kw))
        return made[-1]
    yield make
    for c in made:
        c.close()
    for c in made:
        assert not c.errors, c.errors


def timer_event(user_event, name="nightly"):
    return {"version": "v1.0", "time": "2026-11-20T18:15:00+01:00", "trigger_type": "TIMER",
            "trigger_name": name, "user_event": user_event}


def body_of(result):
    """The result object of an answer (unwrapping the APIG envelope)."""
    obj = result.json
    assert obj is not None, "answer is not JSON: %r" % result.body[:200]
    if "statusCode" in obj and isinstance(obj.get("body"), str):
        return json.loads(obj["body"])
    return obj


def refused(fg, event, code, needle, headers=None):
    """event is answered with errorType code (its message holding needle), and nothing is sent."""
    fg.cloud.clear_requests()
    res = fg.invoke(event, headers)
    obj = body_of(res)
    assert res.kind == "error", res.body[:300]
    assert obj["errorType"] == code, obj
    assert needle in obj["errorMessage"], obj["errorMessage"]
    assert fg.cloud.requests == []
    return obj


def wait_for(cond, what, limit=10):
    """Waits until cond() is true; fails after limit seconds."""
    end = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < end, "timed out waiting for " + what
        time.sleep(0.01)


def serves_next(fg):
    """The process is still alive and answers a good event."""
    fg.cloud.add_cluster("99999999-0000-0000-0000-000000000000", "probe", phase="Hibernation")
    res = fg.invoke({"action": "hibernate", "clusterId": "99999999-0000-0000-0000-000000000000"})
    assert res.kind == "response", res.body[:300]
