#!/usr/bin/env python3
"""Generates build/gen/tzdata.c: the time zones lib/tz embeds in the binary.

For every zone of the build machine's tzdata (/usr/share/zoneinfo, Debian's tzdata package),
reads its TZif file and keeps only what a static binary with no zoneinfo on its host needs to turn
a UTC instant into local time from 2020 on:

  - off0: the UTC offset in force at 2020-01-01T00:00Z (also used for earlier instants);
  - the offset changes from 2020 up to `from`, the first instant after which the POSIX TZ
    footer of the file (its last line, e.g. CET-1CEST,M3.5.0,M10.5.0/3) reproduces every later
    change the file lists (checked here, change by change, up to 2040);
  - that footer, which lib/tz evaluates for every instant from `from` on.

Zones with identical data share one entry (links, and zones that only differed before 2020), and
footers are stored once. Usage: gen-tzdata.py OUT.c [ZONEINFO_DIR]
"""
import calendar
import os
import re
import struct
import sys
import time
import zoneinfo

WSTART = calendar.timegm((2020, 1, 1, 0, 0, 0))
WEND = calendar.timegm((2040, 1, 1, 0, 0, 0))


def read_tzif(path):
    """(transition times, offset after each, offset before the first, footer) of a TZif v2+ file."""
    b = open(path, "rb").read()
    if b[:4] != b"TZif" or b[4] < 0x32:
        raise ValueError("%s: not a TZif v2+ file" % path)
    isut, isstd, leap, timecnt, typecnt, charcnt = struct.unpack(">6l", b[20:44])
    p = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
    isut, isstd, leap, timecnt, typecnt, charcnt = struct.unpack(">6l", b[p + 20:p + 44])
    p += 44
    times = struct.unpack(">%dq" % timecnt, b[p:p + 8 * timecnt])
    p += 8 * timecnt
    idx = b[p:p + timecnt]
    p += timecnt
    offs = [struct.unpack(">l", b[p + 6 * i:p + 6 * i + 4])[0] for i in range(typecnt)]
    p += 6 * typecnt + charcnt + leap * 12 + isstd + isut
    footer = b[p:].strip(b"\n").decode()
    return list(times), [offs[i] for i in idx], offs[0], footer


# --- POSIX TZ strings, as CPython's zoneinfo reads them (M rules only) -------------------------
_NAME = r"(?:<[^>]*>|[A-Za-z]{3,})"
_OFF = r"([+-]?\d{1,2}(?::\d{2}){0,2})"
_RULE = r"M(1[0-2]|[1-9])\.([1-5])\.([0-6])(?:/([+-]?\d{1,3}(?::\d{2}){0,2}))?"
_TZ = re.compile(r"^%s%s(?:%s%s?,%s,%s)?$" % (_NAME, _OFF, _NAME, _OFF, _RULE, _RULE))


def _secs(s):
    sign = -1 if s.startswith("-") else 1
    parts = [int(x) for x in s.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def parse_footer(s):
    """None for a fixed offset with no rule: (std utoff, dst utoff, start rule, end rule) else."""
    m = _TZ.match(s)
    if not m:
        raise ValueError("unsupported TZ string %r" % s)
    std = -_secs(m.group(1))
    if m.group(3) is None:
        return (std, None, None, None)
    dst = -_secs(m.group(2)) if m.group(2) else std + 3600
    r1 = tuple(int(x) for x in m.group(3, 4, 5)) + (_secs(m.group(6)) if m.group(6) else 7200,)
    r2 = tuple(int(x) for x in m.group(7, 8, 9)) + (_secs(m.group(10)) if m.group(10) else 7200,)
    return (std, dst, r1, r2)


def _rule_local(year, rule):
    mon, week, wday, secs = rule
    first, ndays = calendar.monthrange(year, mon)
    day = (wday - (first + 1)) % 7 + 1 + (week - 1) * 7
    if day > ndays:
        day -= 7
    return calendar.timegm((year, mon, day, 0, 0, 0)) + secs


def footer_offset(f, t):
    std, dst, r1, r2 = f
    if dst is None:
        return std
    year = time_year(t)
    start = _rule_local(year, r1) - std
    end = _rule_local(year, r2) - dst
    if start < end:
        return dst if start <= t < end else std
    return std if end <= t < start else dst


def time_year(t):
    return time.gmtime(t).tm_year


def footer_changes(f, lo, hi):
    """Instants in [lo, hi) where the footer's offset changes."""
    std, dst, r1, r2 = f
    out = []
    if dst is None:
        return out
    for year in range(time_year(lo) - 1, time_year(hi) + 2):
        for t in (_rule_local(year, r1) - std, _rule_local(year, r2) - dst):
            if lo <= t < hi and footer_offset(f, t - 1) != footer_offset(f, t):
                out.append(t)
    return sorted(set(out))


def zone_entry(path):
    times, offs, first_off, footer = read_tzif(path)
    f = parse_footer(footer) if footer else None

    def explicit(t):  # the file's own answer, for t before its last transition
        i = 0
        lo, hi = 0, len(times)
        while lo < hi:
            mid = (lo + hi) // 2
            if times[mid] <= t:
                lo = mid + 1
            else:
                hi = mid
        i = lo
        return first_off if i == 0 else offs[i - 1]

    last = times[-1] if times else WSTART
    changes = [t for t in times if WSTART <= t < WEND and explicit(t - 1) != explicit(t)]
    off0 = explicit(WSTART)
    if f is None:
        return (off0, WEND, tuple((t, explicit(t)) for t in changes), "")
    k_best = None
    for k in range(len(changes) + 1):
        x = changes[k] if k < len(changes) else max(WSTART, min(last, WEND))
        if k == 0:
            x = WSTART
        hi = min(max(last, x), WEND)
        pts = set(changes[k:]) | set(footer_changes(f, x, hi))
        if footer_offset(f, x) == explicit(x) and all(
                footer_offset(f, t) == explicit(t) and footer_offset(f, t - 1) == explicit(t - 1)
                for t in pts if t < hi):
            k_best = (k, x)
            break
    if k_best is None:  # the file's data differs from its footer up to the window's end
        k, x = len(changes), WEND
    else:
        k, x = k_best
    return (off0, x, tuple((t, explicit(t)) for t in changes[:k]), footer)


def main():
    out = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/zoneinfo"
    names = sorted(n for n in zoneinfo.available_timezones()
                   if os.path.isfile(os.path.join(root, n)))
    entries, zone_of, footers = [], {}, []
    name_zone = []
    for n in names:
        e = zone_entry(os.path.join(root, n))
        if e not in zone_of:
            zone_of[e] = len(entries)
            entries.append(e)
        name_zone.append(zone_of[e])
        if e[3] not in footers:
            footers.append(e[3])
    lines = ["/* Generated by scripts/gen-tzdata.py from %s: do not edit. */" % root,
             '#include "../../lib/tz.h"', ""]
    blob, name_off = "", []
    for n in names:
        name_off.append(len(blob))
        blob += n + "\0"
    fblob, foot_off = "", {}
    for s in footers:
        foot_off[s] = len(fblob)
        fblob += s + "\0"
    trans = []
    zones = []
    for off0, frm, ch, footer in entries:
        zones.append("{%d, %dLL, %d, %d, %d}" % (off0, frm, len(trans), len(ch), foot_off[footer]))
        trans.extend(ch)

    def cbytes(s):  # bytes, not a literal: ISO C caps string literals at 4095 characters
        b = s.encode() or b"\0"
        return "{\n%s}" % "\n".join("\t" + ",".join(str(c) for c in b[i:i + 32]) + ","
                                     for i in range(0, len(b), 32))
    lines.append("const char tz_names[] = %s;" % cbytes(blob))
    lines.append("const char tz_footers[] = %s;" % cbytes(fblob))
    lines.append("const unsigned short tz_name_off[] = {%s};" % ", ".join(map(str, name_off)))
    lines.append("const unsigned short tz_name_zone[] = {%s};" % ", ".join(map(str, name_zone)))
    lines.append("const size_t tz_nnames = %d;" % len(names))
    lines.append("const struct tz_zone tz_zones[] = {\n\t%s};" % ",\n\t".join(zones))
    lines.append("const struct tz_change tz_changes[] = {%s};" % (
        ", ".join("{%dLL, %d}" % c for c in trans) or "{0, 0}"))
    with open(out + ".tmp", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    print("  GEN %s: %d names, %d zones, %d changes, %d footers" % (
        out, len(names), len(entries), len(trans), len(footers)))


if __name__ == "__main__":
    main()
