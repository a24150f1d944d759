#!/usr/bin/env python3
"""Live tailing against a real tbserve: points appended to event files show up
in the API (and as server-sent events) exactly once, while runs are created,
written byte by byte, rotated, restarted, deleted and hammered.

usage: live_test.py path/to/tbserve [--watch poll]

Every scenario ends by comparing what the live server holds with what a fresh
tbserve loads from the same files (the purge rules must apply live exactly as
at load). Prints one line per scenario and 'N passed, N failed'.
"""
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zlib

POLL = "--watch" in sys.argv and sys.argv[sys.argv.index("--watch") + 1] == "poll"
INTERVAL = 0.2 if POLL else 5.0  # polling interval used in poll mode
DEADLINE = 5.0                   # seconds a change may take to appear (generous for CI)

# ---- writing real-format events -------------------------------------------

_T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    _T.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = (c >> 8) ^ _T[(c ^ b) & 0xFF]
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    v &= (1 << 64) - 1
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_len(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def scalar_event(step, value, tag="loss", wall=None):
    """An Event as PyTorch's add_scalar writes it (simple_value)."""
    wall = time.time() if wall is None else wall
    val = field_len(1, tag.encode()) + b"\x15" + struct.pack("<f", value)
    summary = field_len(1, val)
    return b"\x09" + struct.pack("<d", wall) + b"\x10" + varint(step) + field_len(5, summary)


def file_version_event():
    return b"\x09" + struct.pack("<d", time.time()) + field_len(3, b"brain.Event:2")


def start_event(step):
    """SessionLog START, as PyTorch writes it for purge_step."""
    return (b"\x09" + struct.pack("<d", time.time()) + b"\x10" + varint(step) +
            field_len(7, b"\x08\x01"))


def record(payload):
    n = struct.pack("<Q", len(payload))
    return n + struct.pack("<I", masked(n)) + payload + struct.pack("<I", masked(payload))


def append(path, payloads):
    with open(path, "ab") as f:
        for p in payloads:
            f.write(record(p))
        f.flush()


# ---- a server -------------------------------------------------------------

class Server:
    def __init__(self, binary, logdir, extra=()):
        args = [binary, "--logdir", logdir, "--port", "0"] + list(extra)
        if POLL:
            args += ["--watch", "poll", "--reload_interval", str(INTERVAL)]
        self.p = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        self.port = None
        t0 = time.time()
        while time.time() - t0 < 20:
            line = self.p.stderr.readline()
            m = re.search(r" at http://[^:]+:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
            if self.port and ("loaded" in line or "waiting" in line):
                break
        threading.Thread(target=lambda: [None for _ in self.p.stderr], daemon=True).start()
        assert self.port, "tbserve did not start"

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10) as r:
            return json.loads(r.read())

    def scalars(self, run, tag="loss"):
        q = urllib.parse.urlencode({"run": run, "tag": tag})
        try:
            return self.get("/data/plugin/scalars/scalars?" + q)
        except urllib.error.HTTPError:
            return None

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=10)


def wait_for(fn, what, deadline=DEADLINE):
    t0 = time.time()
    while time.time() - t0 < deadline:
        v = fn()
        if v:
            return time.time() - t0
        time.sleep(0.01)
    raise AssertionError("timed out waiting for " + what)


def same_as_fresh_load(binary, srv, logdir, runs, tags=("loss",)):
    fresh = Server(binary, logdir, ["--reload_interval", "0"] if not POLL else [])
    try:
        for run in runs:
            for tag in tags:
                a, b = srv.scalars(run, tag), fresh.scalars(run, tag)
                assert a == b, "run %s tag %s: live %s points, fresh load %s" % (
                    run, tag, None if a is None else len(a), None if b is None else len(b))
        assert srv.get("/data/runs") == fresh.get("/data/runs"), "run lists differ"
    finally:
        fresh.stop()


# ---- scenarios ------------------------------------------------------------

def byte_by_byte(binary, root):
    run = os.path.join(root, "run_a")
    os.makedirs(run)
    path = os.path.join(run, "events.out.tfevents.1.host")
    append(path, [file_version_event(), scalar_event(0, 1.0)])
    srv = Server(binary, root)
    try:
        wait_for(lambda: srv.scalars("run_a") and len(srv.scalars("run_a")) == 1, "first point")
        data = record(scalar_event(1, 2.5))
        with open(path, "ab") as f:
            for i, b in enumerate(data):
                f.write(bytes([b]))
                f.flush()
                if i % 7 == 0:
                    pts = srv.scalars("run_a")
                    assert len(pts) == 1, "a partial record produced a point"
        wait_for(lambda: len(srv.scalars("run_a")) == 2, "completed record")
        assert srv.scalars("run_a")[1][1:] == [1, 2.5]
        same_as_fresh_load(binary, srv, root, ["run_a"])
    finally:
        srv.stop()


def new_run_while_serving(binary, root):
    srv = Server(binary, root)
    try:
        d = os.path.join(root, "later", "deep")
        os.makedirs(d)
        append(os.path.join(d, "events.out.tfevents.2.host"), [file_version_event(), scalar_event(5, 0.5)])
        wait_for(lambda: "later/deep" in srv.get("/data/runs"), "new nested run")
        wait_for(lambda: srv.scalars("later/deep") == [[srv.scalars("later/deep")[0][0], 5, 0.5]], "its point")
        same_as_fresh_load(binary, srv, root, ["later/deep"])
    finally:
        srv.stop()


def rotation(binary, root):
    run = os.path.join(root, "rot")
    os.makedirs(run)
    append(os.path.join(run, "events.out.tfevents.100.host"),
           [file_version_event()] + [scalar_event(i, i) for i in range(10)])
    srv = Server(binary, root)
    try:
        wait_for(lambda: srv.scalars("rot") and len(srv.scalars("rot")) == 10, "first file")
        second = os.path.join(run, "events.out.tfevents.200.host")
        append(second, [file_version_event()] + [scalar_event(i, i) for i in range(10, 20)])
        wait_for(lambda: len(srv.scalars("rot")) == 20, "rotated file")
        # both files growing at once are followed (two writers in one run,
        # e.g. an evaluator still appending to the older file)
        append(os.path.join(run, "events.out.tfevents.100.host"), [scalar_event(20, 20.0, tag="eval")])
        append(second, [scalar_event(20, 20.0)])
        wait_for(lambda: len(srv.scalars("rot")) == 21 and srv.scalars("rot", "eval"), "writes to both files")
        same_as_fresh_load(binary, srv, root, ["rot"], tags=("loss", "eval"))
    finally:
        srv.stop()


def restart_purge(binary, root):
    run = os.path.join(root, "restart")
    os.makedirs(run)
    path = os.path.join(run, "events.out.tfevents.1.host")
    append(path, [file_version_event()] + [scalar_event(i, float(i)) for i in range(100)])
    srv = Server(binary, root)
    try:
        wait_for(lambda: srv.scalars("restart") and len(srv.scalars("restart")) == 100, "before restart")
        # resumed from a checkpoint at step 50, in a new file
        append(os.path.join(run, "events.out.tfevents.2.host"),
               [file_version_event(), start_event(50)] + [scalar_event(i, -float(i)) for i in range(50, 60)])
        wait_for(lambda: len(srv.scalars("restart")) == 60 and srv.scalars("restart")[-1][2] == -59.0,
                 "purge at the restart step")
        steps = [p[1] for p in srv.scalars("restart")]
        assert steps == list(range(60)), steps
        same_as_fresh_load(binary, srv, root, ["restart"])
    finally:
        srv.stop()


def restart_purge_python_rule(binary, root):
    run = os.path.join(root, "pyrule")
    os.makedirs(run)
    path = os.path.join(run, "events.out.tfevents.1.host")
    append(path, [file_version_event(), start_event(0)] + [scalar_event(i, float(i)) for i in range(30)])
    srv = Server(binary, root, ["--load_fast=false"])
    try:
        wait_for(lambda: srv.scalars("pyrule") and len(srv.scalars("pyrule")) == 30, "before restart")
        append(path, [start_event(10)] + [scalar_event(i, 1.0) for i in range(10, 15)])
        wait_for(lambda: len(srv.scalars("pyrule")) == 15, "second START purges steps >= 10")
        fresh = Server(binary, root, ["--load_fast=false", "--reload_interval", "0"])
        try:
            assert fresh.scalars("pyrule") == srv.scalars("pyrule")
        finally:
            fresh.stop()
    finally:
        srv.stop()


def delete_run(binary, root):
    for name in ("keep", "gone"):
        os.makedirs(os.path.join(root, name))
        append(os.path.join(root, name, "events.out.tfevents.1.h"), [file_version_event(), scalar_event(1, 1.0)])
    srv = Server(binary, root)
    try:
        wait_for(lambda: set(srv.get("/data/runs")) == {"keep", "gone"}, "two runs")
        # a deleted file keeps its data; a deleted directory removes the run
        os.unlink(os.path.join(root, "keep", "events.out.tfevents.1.h"))
        shutil.rmtree(os.path.join(root, "gone"))
        wait_for(lambda: srv.get("/data/runs") == ["keep"], "run removed")
        assert len(srv.scalars("keep")) == 1
    finally:
        srv.stop()


def replaced_file(binary, root):
    run = os.path.join(root, "rsync")
    os.makedirs(run)
    path = os.path.join(run, "events.out.tfevents.1.host")
    events = [file_version_event()] + [scalar_event(i, float(i)) for i in range(40)]
    with open(path, "wb") as f:
        f.write(b"".join(record(e) for e in events[:21]))
    srv = Server(binary, root)
    try:
        wait_for(lambda: srv.scalars("rsync") and len(srv.scalars("rsync")) == 20, "first copy")
        # rsync without --inplace: a longer copy replaces the file (new inode)
        tmp = os.path.join(run, ".tmp")
        with open(tmp, "wb") as f:
            f.write(b"".join(record(e) for e in events))
        os.rename(tmp, path)
        wait_for(lambda: len(srv.scalars("rsync")) == 40, "longer copy")
        assert [p[1] for p in srv.scalars("rsync")] == list(range(40)), "duplicated or lost points"
        # truncated and rewritten in place with different data
        with open(path, "wb") as f:
            f.write(b"".join(record(e) for e in [file_version_event()] + [scalar_event(i, 7.0) for i in range(5)]))
        wait_for(lambda: len(srv.scalars("rsync")) == 5, "rewritten file")
        same_as_fresh_load(binary, srv, root, ["rsync"])
    finally:
        srv.stop()


def thousands(binary, root):
    runs = ["r%d" % i for i in range(4)]
    for r in runs:
        os.makedirs(os.path.join(root, r))
        append(os.path.join(root, r, "events.out.tfevents.1.h"), [file_version_event()])
    srv = Server(binary, root)
    try:
        total = 5000
        for i in range(total):
            r = runs[i % len(runs)]
            append(os.path.join(root, r, "events.out.tfevents.1.h"), [scalar_event(i // len(runs), float(i))])
        want = total // len(runs)
        wait_for(lambda: all(srv.scalars(r) and len(srv.scalars(r)) == want for r in runs),
                 "all %d appends" % total, deadline=DEADLINE * 3)
        for r in runs:
            steps = [p[1] for p in srv.scalars(r)]
            assert steps == list(range(want)), "run %s: lost or duplicated points" % r
        same_as_fresh_load(binary, srv, root, runs)
    finally:
        srv.stop()


def sse_notice(binary, root):
    run = os.path.join(root, "sse")
    os.makedirs(run)
    path = os.path.join(run, "events.out.tfevents.1.host")
    append(path, [file_version_event(), scalar_event(0, 0.0)])
    srv = Server(binary, root)
    try:
        wait_for(lambda: srv.scalars("sse"), "first point")
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        # a Host tbserve accepts (the access module refuses unknown ones with 403)
        s.sendall(b"GET /data/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        buf = b""
        while b"event: hello" not in buf:
            chunk = s.recv(4096)
            assert chunk, "stream closed before hello: %r" % buf[:200]
            buf += chunk
        assert b"text/event-stream" in buf
        t0 = time.time()
        append(path, [scalar_event(1, 1.0)])
        while b'"step": 1' not in buf:
            chunk = s.recv(4096)
            assert chunk, "stream closed"
            buf += chunk
        took = time.time() - t0
        s.close()
        assert b'"run": "sse"' in buf and b'"reset": false' in buf, buf[-300:]
        if not POLL:
            assert took < 0.5, "notice took %.3fs" % took
    finally:
        srv.stop()


def missing_logdir(binary, root):
    logdir = os.path.join(root, "not-yet")
    srv = Server(binary, logdir)
    try:
        assert srv.get("/data/runs") == []
        os.makedirs(os.path.join(logdir, "x"))
        append(os.path.join(logdir, "x", "events.out.tfevents.1.h"), [file_version_event(), scalar_event(3, 3.0)])
        wait_for(lambda: srv.get("/data/runs") == ["x"], "logdir appearing later")
        wait_for(lambda: srv.scalars("x") and len(srv.scalars("x")) == 1, "its data")
    finally:
        srv.stop()


# ---- W&B runs (server/wandb.c) --------------------------------------------

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "wandb")


def wandb_chunk(ctype, payload):
    crc = zlib.crc32(payload, zlib.crc32(bytes([ctype])))
    return struct.pack("<IHB", crc, len(payload), ctype) + payload


def wandb_frame(offset, rec):
    """The chunks of one record written at file offset (32 KiB blocks)."""
    out = b""
    first = True
    while True:
        left = 32768 - (offset + len(out)) % 32768
        if left < 7:
            out += b"\0" * left
            continue
        take = rec[:left - 7]
        rec = rec[left - 7:]
        last = not rec
        out += wandb_chunk(1 if first and last else 2 if first else 4 if last else 3, take)
        first = False
        if last:
            return out


def wandb_row(step, extra=b""):
    def item(k, v):
        return field_len(1, field_len(1, k) + b"\x82\x01" + varint(len(v)) + v)
    hist = item(b"loss", b"%d.5" % step) + item(b"_step", b"%d" % step) + \
        item(b"_timestamp", b"1700000000.5") + (item(b"blob", extra) if extra else b"")
    return field_len(2, hist)


def wandb_live(binary, root):
    """A W&B run growing through the real _snapshots/ states of a live run,
    then a record split over two blocks whose LAST chunk comes later."""
    summary = json.load(open(os.path.join(DATA, "SUMMARY.json")))["files"]
    states = sorted((v["bytes"], k, v) for k, v in summary.items() if "AMEERAZAM08" in k)
    run = os.path.join(root, "wandb", "run-20220324_110319-1vkvvguj")
    os.makedirs(run)
    path = os.path.join(run, "run-1vkvvguj.wandb")
    name = "wandb/run-20220324_110319-1vkvvguj"
    written = 0
    srv = None
    try:
        for size, rel, facts in states:
            data = open(os.path.join(DATA, rel), "rb").read()
            assert len(data) == size
            with open(path, "ab") as f:
                f.write(data[written:])
            written = size
            if srv is None:
                srv = Server(binary, root)
            want = facts["history_keys"]["_step"]["points"]
            wait_for(lambda: len(srv.scalars(name, "_step") or []) == want,
                     "%d rows of state %s" % (want, rel))
        # (the final state ends inside a cut chunk header, so nothing can be
        # appended to it.) A second run: a row whose chunks straddle a block
        # boundary, its FIRST chunk written now and the LAST later.
        split = os.path.join(root, "wandb", "offline-run-20990101_000000-split")
        os.makedirs(split)
        spath = os.path.join(split, "run-split.wandb")
        head = b":W&B\xe1\xbe\x00"
        for step in range(3):
            head += wandb_frame(len(head), wandb_row(step))
        with open(spath, "wb") as f:
            f.write(head)
        sname = "wandb/offline-run-20990101_000000-split"
        wait_for(lambda: len(srv.scalars(sname, "loss") or []) == 3, "the new W&B run")
        tail = wandb_frame(len(head), wandb_row(3, b'"' + b"x" * 40000 + b'"'))
        assert tail[6] == 2, "expected a FIRST chunk"
        cut = 32768 - len(head) + 100
        with open(spath, "ab") as f:
            f.write(tail[:cut])
        time.sleep(0.5 if not POLL else 3 * INTERVAL)
        assert len(srv.scalars(sname, "loss")) == 3, "a FIRST chunk alone produced a point"
        with open(spath, "ab") as f:
            f.write(tail[cut:])
        wait_for(lambda: len(srv.scalars(sname, "loss")) == 4, "the completed record")
        assert srv.scalars(sname, "loss")[-1][1:] == [3, 3.5]
        same_as_fresh_load(binary, srv, root, [sname], tags=("loss", "_step"))
        same_as_fresh_load(binary, srv, root, [name], tags=("_step", "loss", "system/cpu"))
    finally:
        if srv:
            srv.stop()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--") and a != "poll"]
    if len(args) != 1:
        sys.exit(__doc__)
    binary = os.path.abspath(args[0])
    failed = passed = 0
    for fn in (byte_by_byte, new_run_while_serving, rotation, restart_purge, restart_purge_python_rule,
               delete_run, replaced_file, thousands, sse_notice, missing_logdir, wandb_live):
        root = tempfile.mkdtemp(prefix="tblive")
        try:
            fn(binary, root)
            print("ok   %s%s" % (fn.__name__, " (poll)" if POLL else ""))
            passed += 1
        except Exception as e:  # noqa: BLE001 - any failure of a scenario is reported
            print("FAIL %s%s: %s" % (fn.__name__, " (poll)" if POLL else "", e))
            failed += 1
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
