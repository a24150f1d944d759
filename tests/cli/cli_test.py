#!/usr/bin/env python3
"""The command line against the server: `tbserve export` (JSON Lines and
CSV, --run, --tag), GET /data/export, and `--inspect` (logdir, --tag,
--event_file), each checked against what a running tbserve answers through
TensorBoard's API on the same logdir with the same flags -- the API the
golden replay holds to TensorBoard's recorded bytes -- and against the
event files themselves. Nothing here is a hard-coded expected output.

usage: cli_test.py path/to/tbserve

Data: tests/data/golden/logdir-small, and a scratch logdir written here
(a visible and a hidden scalar -- plugin version 1, which TensorBoard does
not show --, steps out of order, and text elements with commas, quotes and
line breaks), read with --purge_orphaned_data=false so every point stays.
Prints one line per check and 'N passed, N failed'.
"""
import csv
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SMALL = os.path.join(ROOT, "tests", "data", "golden", "logdir-small")
FLAGS = ["--load_fast=false"]
results = [0, 0]


def check(name, ok, detail=""):
    results[0 if ok else 1] += 1
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + str(detail)[:300]))


# ---- event files ---------------------------------------------------------------

def crc32c(data, _table=[]):
    if not _table:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
            _table.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = _table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(payload):
    n = struct.pack("<Q", len(payload))
    return n + struct.pack("<I", masked(n)) + payload + struct.pack("<I", masked(payload))


def count_records(path):
    data = open(path, "rb").read()
    off = n = 0
    while off + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, off)
        if off + 16 + length > len(data):
            break
        off += 16 + length
        n += 1
    return n


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def field(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def event(step, value):
    """Event{wall_time, step, summary{value}}."""
    return (b"\x09" + struct.pack("<d", 1700000000.0 + step) + b"\x10" + varint(step)
            + field(5, field(1, value)))


def scalar_value(tag, x, version=None):
    v = field(1, tag.encode()) + b"\x15" + struct.pack("<f", x)
    if version is not None:
        v += field(9, field(1, field(1, b"scalars") + field(2, b"\x08" + varint(version))))
    return v


def text_value(tag, strings):
    """A DT_STRING tensor of rank 1 with the text plugin's metadata."""
    shape = field(2, b"\x08" + varint(len(strings)))  # TensorShapeProto.dim{size}
    tensor = b"\x08\x07" + field(2, shape) + b"".join(field(8, s.encode()) for s in strings)
    meta = field(1, field(1, b"text"))
    return field(1, tag.encode()) + field(9, meta) + field(8, tensor)


def write_scratch_logdir(tmp):
    run = os.path.join(tmp, "w")
    os.makedirs(run)
    recs = [b"\x09" + struct.pack("<d", 1700000000.0) + field(3, b"brain.Event:2")]
    for step in range(3):
        recs.append(event(step, scalar_value("shown", step * 0.5, version=0)))
        recs.append(event(step, scalar_value("hidden", step * 2.0, version=1)))
    for step in (5, 3, 4):  # out of order: the step range is not first..last
        recs.append(event(step, scalar_value("backwards", float(step))))
    recs.append(event(0, text_value("notes", ['a,b "c"', "line1\r\nline2", "tab\there", "plain"])))
    with open(os.path.join(run, "events.out.tfevents.1700000000.host"), "wb") as f:
        f.write(b"".join(frame(r) for r in recs))


# ---- tbserve -------------------------------------------------------------------

def start(binary, logdir):
    p = subprocess.Popen([binary, "--logdir", logdir, "--port", "0", "--reload_interval", "0"] + FLAGS,
                         stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 30
    lines = []
    while time.time() < deadline:
        line = p.stderr.readline()
        lines.append(line)
        m = re.search(r" at http://[^:]+:(\d+)/", line)
        if m:
            port = int(m.group(1))
        if port and "loaded" in line:
            break
    if not port:
        p.kill()
        sys.exit("tbserve did not start: " + "".join(lines))
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
    return p, port


def raw_json(b):
    return json.loads(b, parse_int=lambda t: ("i", t), parse_float=lambda t: ("f", t))


def get(port, path, **q):
    url = "http://127.0.0.1:%d%s" % (port, path)
    if q:
        url += "?" + urllib.parse.urlencode(q)
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read(), dict(r.headers)


def api(port, path, **q):
    return raw_json(get(port, path, **q)[0])


def num(x):
    """A JSON number or TensorBoard's NaN/Infinity string as a float."""
    if isinstance(x, tuple):
        return int(x[1]) if x[0] == "i" else float(x[1])
    return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[x])


def same(a, b):
    return a == b or (a != a and b != b)


def cli(binary, *args):
    r = subprocess.run([binary] + list(args), capture_output=True, timeout=300)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


# ---- export --------------------------------------------------------------------

def api_points(port):
    """{(run, tag, plugin): [(wall, step, payload)]} from the plugin APIs."""
    out = {}
    for run, tags in api(port, "/data/plugin/scalars/tags").items():
        for tag in tags:
            pts = api(port, "/data/plugin/scalars/scalars", run=run, tag=tag)
            out[(run, tag, "scalars")] = [(num(w), num(s), num(v)) for w, s, v in pts]
    for run, tags in api(port, "/data/plugin/histograms/tags").items():
        for tag in tags:
            pts = api(port, "/data/plugin/histograms/histograms", run=run, tag=tag)
            out[(run, tag, "histograms")] = [
                (num(w), num(s), [tuple(num(x) for x in b) for b in bs]) for w, s, bs in pts]
    for run, tags in api(port, "/data/plugin/text/tags").items():
        for tag in tags:
            pts = api(port, "/data/plugin/text/text", run=run, tag=tag)
            out[(run, tag, "text")] = [(num(p["wall_time"]), num(p["step"]), None) for p in pts]
    # images and audio: one point per sample, in step order, its blob key
    for plugin, route in (("images", "images"), ("audio", "audio")):
        for run, tags in api(port, "/data/plugin/%s/tags" % plugin).items():
            for tag, info in tags.items():
                by_sample = [api(port, "/data/plugin/%s/%s" % (plugin, route), run=run, tag=tag,
                                 sample=str(k)) for k in range(num(info["samples"]))]
                pts = []
                for i, first in enumerate(by_sample[0] if by_sample else []):
                    for items in by_sample:
                        hit = [p for p in items if p["step"] == first["step"]]
                        if hit:
                            pts.append((num(first["wall_time"]), num(first["step"]),
                                        hit[0]["query"].split("blob_key=")[1].split("&")[0]))
                out[(run, tag, plugin)] = pts
    return out


def export_points(lines):
    out = {}
    for ln in lines:
        o = raw_json(ln)
        key = (o["run"], o["tag"], o["plugin"])
        if "value" in o:
            payload = num(o["value"]) if not isinstance(o["value"], bool) else float(o["value"])
        elif "buckets" in o:
            payload = [tuple(num(x) for x in b) for b in o["buckets"]]
        elif "blob_key" in o:
            payload = o["blob_key"]
        else:
            payload = None
        out.setdefault(key, []).append((num(o["wall_time"]), num(o["step"]), payload))
    return out


def points_equal(a, b):
    if len(a) != len(b):
        return False
    for (w1, s1, p1), (w2, s2, p2) in zip(a, b):
        if not (same(w1, w2) and s1 == s2):
            return False
        if isinstance(p1, list):
            if len(p1) != len(p2) or not all(all(same(x, y) for x, y in zip(u, v)) for u, v in zip(p1, p2)):
                return False
        elif isinstance(p1, str):
            if p1 != p2:
                return False
        elif p1 is not None and not same(p1, p2):
            return False
    return True


def csv_expected(lines):
    """The CSV rows the JSON Lines export says there must be, in order."""
    rows = []
    for ln in lines:
        o = json.loads(ln)
        head = [o["run"], o["tag"], o["plugin"], o["wall_time"], o["step"]]
        if "value" in o:
            rows.append(head + [o["value"], None, None, None])
        elif "buckets" in o:
            rows += [head + [None] + b for b in o["buckets"]]
        elif "blob_key" in o:
            rows.append(head + [o["blob_key"], None, None, None])
        else:
            rows += [head + [t, None, None, None] for t in o["text"]]
    return rows


def csv_matches(want, got):
    if len(want) != len(got):
        return "rows: %d != %d" % (len(got), len(want))
    for i, (w, g) in enumerate(zip(want, got)):
        for k, (x, y) in enumerate(zip(w, g)):
            if x is None:
                ok = y == ""
            elif isinstance(x, bool):
                ok = y == str(x)
            elif isinstance(x, str) and k != 5 or (k == 5 and isinstance(x, str) and x not in ("NaN", "Infinity", "-Infinity")):
                ok = x == y
            else:
                ok = same(num(x) if isinstance(x, str) else float(x), float(y))
            if not ok:
                return "row %d column %d: %r != %r" % (i, k, y, x)
    return None


def test_export(binary, logdir, port, label):
    rc, out, err = cli(binary, "export", "--logdir", logdir, *FLAGS)
    check("%s: export exits 0" % label, rc == 0, err)
    lines = out.decode().splitlines()
    got = export_points(lines)
    want = api_points(port)
    check("%s: export has exactly the API's series" % label, set(got) == set(want),
          sorted(set(got) ^ set(want))[:5])
    bad = [k for k in want if k in got and not points_equal(want[k], got[k])]
    check("%s: every exported point equals the API's (%d series)" % (label, len(want)), not bad, bad[:3])

    rc, out_csv, err = cli(binary, "export", "--logdir", logdir, "--format", "csv", *FLAGS)
    rows = list(csv.reader(io.StringIO(out_csv.decode(), newline="")))
    # hparams: a logdir with hparams sessions adds one hparams/<name> column each
    hp_cols = [c for c in rows[0][9:] if c.startswith("hparams/")] if rows else []
    check("%s: CSV header" % label, rows[:1] == [["run", "tag", "plugin", "wall_time", "step", "value",
                                                   "left", "right", "count"] + hp_cols]
          and len(rows[0]) == 9 + len(hp_cols), rows[:1])
    check("%s: CSV rows are the JSON Lines points" % label, not csv_matches(csv_expected(lines), rows[1:]),
          csv_matches(csv_expected(lines), rows[1:]))

    runs = sorted({k[0] for k in want})
    tags = sorted({k[1] for k in want})
    for run in runs[:3] + runs[-1:]:
        rc, o, _ = cli(binary, "export", "--logdir", logdir, "--run", run, *FLAGS)
        check("%s: --run %r is the full export's lines of that run" % (label, run),
              o.decode().splitlines() == [ln for ln in lines if json.loads(ln)["run"] == run])
    for tag in tags[:2]:
        rc, o, _ = cli(binary, "export", "--logdir", logdir, "--tag", tag, *FLAGS)
        check("%s: --tag %r is the full export's lines of that tag" % (label, tag),
              o.decode().splitlines() == [ln for ln in lines if json.loads(ln)["tag"] == tag])
    run, tag = next(iter(sorted(want)))[:2]
    rc, o, _ = cli(binary, "export", "--logdir", logdir, "--run", run, "--tag", tag, "--format", "csv", *FLAGS)
    sub = [r for r in rows[1:] if r[0] == run and r[1] == tag]
    check("%s: --run --tag --format csv" % label,
          list(csv.reader(io.StringIO(o.decode(), newline="")))[1:] == sub and sub)
    rc, o, e = cli(binary, "export", "--logdir", logdir, "--run", "no such run", *FLAGS)
    # issue #11: a run that does not exist is an error that names it, not an empty export
    check("%s: --run of a missing run exports nothing and fails" % label,
          rc == 1 and o == b"" and "no run 'no such run'" in e, (rc, o[:80], e[:120]))

    for fmt, whole in (("jsonl", out), ("csv", out_csv)):
        body, headers = get(port, "/data/export", format=fmt)
        check("%s: /data/export?format=%s is the CLI's bytes" % (label, fmt), body == whole,
              (len(body), len(whole)))
        check("%s: /data/export?format=%s is an attachment" % (label, fmt),
              headers.get("Content-Disposition", "").startswith("attachment"), headers)
    body, _ = get(port, "/data/export", format="jsonl", run=run, tag=tag)
    rc, o, _ = cli(binary, "export", "--logdir", logdir, "--run", run, "--tag", tag, *FLAGS)
    check("%s: /data/export?run&tag is the CLI's bytes" % label, body == o and o)
    return lines, rows


# ---- inspect -------------------------------------------------------------------

TAG_LINE = re.compile(r"^    (.+?)\s+(\S+)\s+(scalar|histogram|text|blob)\s+(\d+)\s+steps (-?\d+)\.\.(-?\d+)")
FILE_LINE = re.compile(r"^  file (.+): (\d+) records?, (\d+) bytes? read")


def parse_inspect(text):
    runs = {}
    cur = None
    for ln in text.splitlines():
        if ln.startswith("run "):
            cur = runs.setdefault(ln[4:], {"files": {}, "tags": {}})
        elif cur is not None and FILE_LINE.match(ln):
            m = FILE_LINE.match(ln)
            cur["files"][m.group(1)] = (int(m.group(2)), int(m.group(3)))
        elif cur is not None and TAG_LINE.match(ln):
            m = TAG_LINE.match(ln)
            cur["tags"][m.group(1)] = (m.group(3), int(m.group(4)), int(m.group(5)), int(m.group(6)))
    return runs


def test_inspect(binary, logdir, port):
    rc, out, err = cli(binary, "--logdir", logdir, "--inspect", *FLAGS)
    check("inspect exits 0", rc == 0, err)
    runs = parse_inspect(out.decode())
    api_runs = [r for r in api(port, "/data/runs")]
    check("inspect lists every run the API lists", set(api_runs) <= set(runs), set(api_runs) - set(runs))
    bad = []
    for run, tags in api(port, "/data/plugin/scalars/tags").items():
        for tag in tags:
            steps = [num(s) for _, s, _ in api(port, "/data/plugin/scalars/scalars", run=run, tag=tag)]
            t = runs.get(run, {}).get("tags", {}).get(tag)
            if not t or t[0] != "scalar" or t[1] != len(steps) or (t[2], t[3]) != (min(steps), max(steps)):
                bad.append((run, tag, t, len(steps)))
    for run, tags in api(port, "/data/plugin/histograms/tags").items():
        for tag in tags:
            n = len(api(port, "/data/plugin/histograms/histograms", run=run, tag=tag))
            t = runs.get(run, {}).get("tags", {}).get(tag)
            if not t or t[0] != "histogram" or t[1] != n:
                bad.append((run, tag, t, n))
    check("inspect: kind, points and step range of every tag match the API", not bad, bad[:3])
    bad = []
    nfiles = 0
    for run, info in runs.items():
        for name, (records, nbytes) in info["files"].items():
            path = os.path.join(logdir, run if run != "." else "", name)
            nfiles += 1
            if count_records(path) != records or os.path.getsize(path) != nbytes:
                bad.append((run, name, records, nbytes))
    check("inspect: records and bytes of each of %d files match the file" % nfiles, nfiles and not bad, bad[:3])

    tag = sorted({t for r in runs.values() for t in r["tags"]})[-1]
    rc, out, _ = cli(binary, "--logdir", logdir, "--inspect", "--tag", tag, *FLAGS)
    only = parse_inspect(out.decode())
    tags = {t for r in only.values() for t in r["tags"]}
    check("inspect --tag %s shows that tag and only it" % tag, tags == {tag}, tags)

    run = next(r for r, info in sorted(runs.items()) if len(info["files"]) == 1 and info["tags"])
    name = next(iter(runs[run]["files"]))
    rc, out, _ = cli(binary, "--event_file", os.path.join(logdir, run, name), "--inspect", *FLAGS)
    one = parse_inspect(out.decode())
    check("inspect --event_file shows that file's tags as the logdir view does",
          len(one) == 1 and next(iter(one.values()))["tags"] == runs[run]["tags"], (run, one))


def main():
    binary = os.path.abspath(sys.argv[1])
    p, port = start(binary, SMALL)
    try:
        test_export(binary, SMALL, port, "logdir-small")
        test_inspect(binary, SMALL, port)
    finally:
        p.terminate()
        p.wait(timeout=10)
    # Keep every point of the scratch logdir, out-of-order steps included.
    FLAGS.append("--purge_orphaned_data=false")
    with tempfile.TemporaryDirectory() as tmp:
        write_scratch_logdir(tmp)
        p, port = start(binary, tmp)
        try:
            tags = api(port, "/data/plugin/scalars/tags")
            check("scratch: the API hides the version-1 scalar", tags == {"w": tags.get("w")} and
                  set(tags["w"]) == {"shown", "backwards"}, tags)
            lines, rows = test_export(binary, tmp, port, "scratch")
            test_inspect(binary, tmp, port)
            texts = [r[5] for r in rows[1:] if r[1] == "notes"]
            check("scratch: CSV text elements read back exactly",
                  texts == ['a,b "c"', "line1\r\nline2", "tab\there", "plain"], texts)
        finally:
            p.terminate()
            p.wait(timeout=10)
    print("%d passed, %d failed" % tuple(results))
    sys.exit(1 if results[1] else 0)


if __name__ == "__main__":
    main()
