#!/usr/bin/env python3
"""The generated zone test: lib/tz and lib/schedule against CPython's zoneinfo.

For every zone of the tzdata, at instants around every UTC-offset change from 2026 to 2035 (read
from the zone's TZif file) and at a few fixed instants, the local wall time tests/unit/tzprobe
computes must be the one zoneinfo gives, and so must the state a 07:00-19:00 schedule wants.
Usage: tz_zoneinfo.py PROBE [ZONEINFO_DIR]
"""
import calendar
import os
import struct
import subprocess
import sys
import zoneinfo
from datetime import datetime, timezone

LO = calendar.timegm((2026, 1, 1, 0, 0, 0))
HI = calendar.timegm((2036, 1, 1, 0, 0, 0))


def transitions(path):
    b = open(path, "rb").read()
    isut, isstd, leap, timecnt, typecnt, charcnt = struct.unpack(">6l", b[20:44])
    p = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
    timecnt = struct.unpack(">6l", b[p + 20:p + 44])[3]
    return struct.unpack(">%dq" % timecnt, b[p + 44:p + 44 + 8 * timecnt])


def main():
    probe, root = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "/usr/share/zoneinfo")
    names = sorted(n for n in zoneinfo.available_timezones() if os.path.isfile(os.path.join(root, n)))
    fixed = [LO, calendar.timegm((2030, 6, 15, 12, 0, 0)), HI - 1, calendar.timegm((2050, 1, 15, 6, 30, 0)),
             calendar.timegm((2050, 7, 15, 18, 30, 0))]
    cases = []
    for n in names:
        ts = set(fixed)
        for t in transitions(os.path.join(root, n)):
            if LO <= t < HI:
                ts.update((t - 3600, t - 1, t, t + 1, t + 3600))
        cases.extend((n, t) for t in sorted(ts))
    text = "".join("%s %d\n" % c for c in cases)
    out = subprocess.run([probe], input=text, capture_output=True, text=True, check=True).stdout.split("\n")
    bad = 0
    for (n, t), got in zip(cases, out):
        local = datetime.fromtimestamp(t, tz=timezone.utc).astimezone(zoneinfo.ZoneInfo(n))
        minutes = local.hour * 60 + local.minute
        want = "%s %s" % (local.strftime("%Y-%m-%dT%H:%M:%S"),
                          "running" if 7 * 60 <= minutes < 19 * 60 else "stopped")
        if got != want:
            bad += 1
            if bad <= 20:
                print("tz: %s at %d: got %r, zoneinfo says %r" % (n, t, got, want))
    print("tz-zoneinfo: %d zones, %d instants, %d disagree" % (len(names), len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
