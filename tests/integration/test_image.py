"""The container image, built and run the way FunctionGraph runs it.

podman (Debian's, installed by scripts/setup.sh) builds the `Dockerfile` with no daemon and no
network (`FROM scratch` pulls nothing), into a private store under the test's temporary
directory. The image is saved as an OCI layout, its layers unpacked into a root filesystem,
and the image's own entrypoint run inside that root with `chroot --userspec` as the image's
user: `podman run` is refused in this sandbox (crun may not set resource limits), and chroot
gives the same view (only the image's files; no /etc, so no system CA store or zoneinfo).
Then `/init` and `/invoke` are driven against the fake cloud over loopback, HTTPS included."""
import gzip
import http.client
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time

import pytest

from conftest import AGENCY, PROJECT, ROOT, TOKEN, free_port
from fakes import make_test_ca

C1 = "11111111-2222-3333-4444-555555555555"
CLUSTERS = "/api/v3/projects/%s/clusters/" % PROJECT
UID = 1003
CHROOT = shutil.which("chroot", path="/usr/sbin:/usr/bin:/sbin:/bin")


def podman(store, *args, timeout=300):
    cmd = ["podman", "--root", str(store / "root"), "--runroot", str(store / "run"),
           "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"]
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, TMPDIR=str(store / "tmp")))
    assert r.returncode == 0, "podman %s: %s" % (args[0], r.stderr[-2000:])
    return r.stdout


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """Builds the image from the Dockerfile; returns (image config, unpacked root, layer members)."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (Debian package podman; scripts/setup.sh installs it)")
    if os.geteuid() != 0 or CHROOT is None:
        pytest.skip("building with podman's vfs store and running chroot need root")
    binary = ROOT / "bootstrap"
    if not binary.exists():
        pytest.skip("no static ./bootstrap (make bootstrap)")
    d = tmp_path_factory.mktemp("image")
    store = d / "store"
    (store / "tmp").mkdir(parents=True)
    ctx = d / "context"
    ctx.mkdir()
    for name in ("Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / name, ctx / name)
    shutil.copy(binary, ctx / "bootstrap")
    (ctx / "README.md").write_text("not for the image: .dockerignore keeps it out\n")
    podman(store, "build", "--quiet", "--tag", "localhost/fgboot-test:1", str(ctx))
    oci = d / "oci"
    podman(store, "save", "--format", "oci-dir", "-o", str(oci), "localhost/fgboot-test:1")
    podman(store, "rmi", "--all", "--force")

    blobs = oci / "blobs" / "sha256"

    def blob(desc):
        return (blobs / desc["digest"].split(":", 1)[1]).read_bytes()
    index = json.loads((oci / "index.json").read_text())
    assert len(index["manifests"]) == 1
    manifest = json.loads(blob(index["manifests"][0]))
    config = json.loads(blob(manifest["config"]))
    rootfs = d / "rootfs"
    rootfs.mkdir()
    members = []
    for layer in manifest["layers"]:
        data = blob(layer)
        if layer["mediaType"].endswith("+gzip"):
            data = gzip.decompress(data)
        (d / "layer.tar").write_bytes(data)
        with tarfile.open(d / "layer.tar") as tar:
            members += tar.getmembers()
            tar.extractall(rootfs, numeric_owner=True)  # root: keeps the image's owners
    return config, rootfs, members


def test_the_image_holds_the_static_binary_only(image):
    config, rootfs, members = image
    files = [m for m in members if not m.isdir()]
    assert [m.name.lstrip("./") for m in files] == ["bootstrap"], [m.name for m in members]
    b = files[0]
    assert b.isfile() and (b.uid, b.gid) == (UID, UID) and b.mode & 0o7777 == 0o755
    assert (rootfs / "bootstrap").read_bytes() == (ROOT / "bootstrap").read_bytes()
    assert sorted(p.name for p in rootfs.iterdir()) == ["bootstrap"]


def test_the_image_runs_as_1003_on_port_8000_with_serve(image):
    config = image[0]
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    c = config["config"]
    assert c["User"] == "%d:%d" % (UID, UID)
    assert c["Entrypoint"] == ["/bootstrap", "serve"]
    assert not c.get("Cmd")
    assert list(c["ExposedPorts"]) == ["8000/tcp"]


class Chrooted:
    """The image's entrypoint, run in its unpacked root as its user."""

    def __init__(self, image, env, tmp_path):
        config, rootfs, _ = image
        c = config["config"]
        self.port = free_port()
        self.log = tmp_path / "serve.log"
        full = {"PORT": str(self.port)}
        full.update(env)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [CHROOT, "--userspec=" + c["User"], str(rootfs)] + c["Entrypoint"],
                env=full, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.proc.poll() is None, "serve exited:\n" + self.output()
                assert time.monotonic() < deadline, "serve never listened:\n" + self.output()
                time.sleep(0.02)

    def output(self):
        return self.log.read_text(errors="replace")

    def post(self, path, body, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", path, body=json.dumps(body).encode(), headers=dict(headers or {}))
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def run_image(image, tmp_path):
    started = []

    def start(env):
        s = Chrooted(image, env, tmp_path)
        started.append(s)
        return s
    yield start
    for s in started:
        assert s.stop() == 0, s.output()


def test_the_entrypoint_serves_init_and_invoke_without_runtime_variables(run_image, make_cloud):
    cloud = make_cloud()
    try:
        cloud.add_cluster(C1, "prod")
        userdata = {"region": "eu-west-0", "cceEndpoint": cloud.url, "ecsEndpoint": cloud.url,
                    "clusterId": C1}
        srv = run_image({"RUNTIME_USERDATA": json.dumps(userdata)})
        assert srv.post("/init", {}) == (200, {})
        h = dict(AGENCY, **{"X-Cff-Request-Id": "img-0001", "X-CFF-Project-Id": PROJECT,
                            "X-CFF-Timeout": "30", "Content-Type": "application/json"})
        status, out = srv.post("/invoke", {"action": "hibernate"}, h)
        assert status == 200 and out["status"] == "success", out
        assert out["data"]["cluster_list"][0]["result"] == "requested"
        assert [(r.method, r.path) for r in cloud.requests] == [
            ("GET", CLUSTERS + C1), ("POST", CLUSTERS + C1 + "/operation/hibernate")]
        assert all(r.header("X-Auth-Token") == TOKEN for r in cloud.requests)
        # An API Gateway event: the envelope, HTTP 200, its statusCode for the caller.
        apig = {"httpMethod": "POST", "path": "/x", "isBase64Encoded": False,
                "requestContext": {}, "body": json.dumps({"action": "awake"})}
        status, env = srv.post("/invoke", apig, h)
        assert status == 200 and env["statusCode"] == 403, env
        log = srv.output()
        assert "CA store (embedded Mozilla bundle)" in log, log
        assert "img-0001 INFO project from X-CFF-Project-Id, deadline 30 s from X-CFF-Timeout" in log
    finally:
        cloud.close()


def test_tls_from_the_image_uses_the_embedded_bundle(run_image, image, tmp_path, make_cloud):
    """No /etc in the image: the compiled-in Mozilla bundle is the CA store. It does not trust
    the test CA (the call fails with TLSError, nothing reaches the cloud); the same image
    trusting the test CA through SSL_CERT_FILE (a file inside its root) gets through."""
    ca = make_test_ca(tmp_path / "ca")
    cloud = make_cloud(tls=(str(ca / "srv.pem"), str(ca / "srv.key")))
    rootfs = image[1]
    try:
        cloud.add_cluster(C1, "tls")
        userdata = json.dumps({"region": "eu-west-0", "cceEndpoint": cloud.url,
                               "ecsEndpoint": cloud.url, "projectId": PROJECT, "clusterId": C1})
        h = dict(AGENCY, **{"Content-Type": "application/json"})
        srv = run_image({"RUNTIME_USERDATA": userdata})
        status, out = srv.post("/invoke", {"action": "status"}, h)
        err = out["data"]["cluster_list"][0]["error"]
        assert status == 500 and err["code"] == "TLSError" and "certificate" in err["message"], out
        assert cloud.requests == []
        assert srv.stop() == 0
        shutil.copy(ca / "ca.pem", rootfs / "test-ca.pem")
        try:
            srv = run_image({"RUNTIME_USERDATA": userdata, "SSL_CERT_FILE": "/test-ca.pem"})
            status, out = srv.post("/invoke", {"action": "status"}, h)
            assert status == 200 and out["status"] == "success", out
            assert "CA store /test-ca.pem" in srv.output(), srv.output()
        finally:
            srv.stop()
            (rootfs / "test-ca.pem").unlink()
        assert cloud.requests and cloud.requests[0].path.startswith(CLUSTERS + C1)
    finally:
        cloud.close()


def test_the_schedule_action_evaluates_zones_with_no_zoneinfo_in_the_image(run_image, image, make_cloud):
    """The image holds no /usr/share/zoneinfo: the zones compiled into the binary decide.
    10:00 in Shanghai on a Wednesday is 02:00 UTC; a zone-blind answer would say stopped."""
    config, rootfs, _ = image
    assert not (rootfs / "usr").exists()
    cloud = make_cloud()
    try:
        cloud.add_cluster(C1, "prod", phase="Hibernation")
        schedules = {"shanghai-office": {"timezone": "Asia/Shanghai", "enforced": True,
                                         "periods": [{"weekdays": "mon-fri", "begin": "09:00",
                                                      "end": "18:00"}]}}
        userdata = {"region": "eu-west-0", "cceEndpoint": cloud.url, "ecsEndpoint": cloud.url,
                    "schedules": json.dumps(schedules),
                    "clusterSchedules": json.dumps({C1: "shanghai-office"})}
        srv = run_image({"RUNTIME_USERDATA": json.dumps(userdata)})
        h = dict(AGENCY, **{"X-CFF-Project-Id": PROJECT, "X-CFF-Timeout": "30"})
        status, out = srv.post("/invoke", {"action": "schedule", "dryRun": True,
                                           "at": "2026-12-02T02:00:00Z"}, h)
        assert status == 200, out
        assert out["data"]["schedule_time"] == "2026-12-02T02:00:00Z"
        item = out["data"]["cluster_list"][0]
        assert item["schedule"] == "shanghai-office" and item["desired"] == "running", item
        assert item["result"] == "planned", item
        status, out = srv.post("/invoke", {"action": "schedule", "dryRun": True,
                                           "at": "2026-12-02T11:00:00Z"}, h)  # 19:00 local
        assert out["data"]["cluster_list"][0]["desired"] == "stopped", out
        assert [r.method for r in cloud.requests if r.method != "GET"] == []
    finally:
        cloud.close()
