"""The Dockerfile (no container engine runs here): parse it for the facts the
platform needs: scratch base, only the static binary, user and group 1003,
port 8000, `bootstrap serve` as the entrypoint."""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def instructions():
    out, cont = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cont += line
        if cont.endswith("\\"):
            cont = cont[:-1] + " "
            continue
        word, _, rest = cont.partition(" ")
        out.append((word.upper(), rest.strip()))
        cont = ""
    return out


def test_image_is_scratch_with_only_the_static_binary():
    ins = instructions()
    assert [w for w, _ in ins if w == "FROM"] == ["FROM"]
    assert ins[0] == ("FROM", "scratch")
    copies = [r for w, r in ins if w in ("COPY", "ADD")]
    assert len(copies) == 1
    args = [a for a in copies[0].split() if not a.startswith("--")]
    assert args == ["bootstrap", "/bootstrap"]
    assert not [w for w, _ in ins if w == "RUN"], "a scratch image has no shell to RUN"
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert ignore == ["*", "!bootstrap"]


def test_runs_as_1003_on_port_8000_with_serve():
    ins = dict(instructions())
    assert ins["USER"] == "1003:1003"
    assert ins["EXPOSE"].split() == ["8000"]
    assert json.loads(ins["ENTRYPOINT"]) == ["/bootstrap", "serve"]
