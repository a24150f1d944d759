#!/usr/bin/env python3
"""Hostile logdirs and resource holes against a real tbserve: each case builds
a logdir (or a request) that once cost gigabytes, every file descriptor or a
worker thread, starts tbserve on it, and asserts the bounded behaviour:
status, resident memory, descriptors, CPU while idle, and the latency a
normal client sees meanwhile.

usage: hostile_logdir.py path/to/tbserve [case ...]

Event files are written by hand (TFRecord framing, protobuf fields), so the
test needs nothing beyond Python's standard library. Prints one line per
case and a final 'N passed, N failed' line.
"""
import ctypes
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

BINARY = None
results = []


# ---- event files ------------------------------------------------------------

_T = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
    _T.append(_c)


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


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def record(payload):
    n = struct.pack("<Q", len(payload))
    return n + struct.pack("<I", masked(n)) + payload + struct.pack("<I", masked(payload))


def event(step, value_msg, wall=1.0e9):
    """Event{wall_time, step, summary{value}}."""
    return (b"\x09" + struct.pack("<d", wall) + field_varint(2, step) +
            field_len(5, field_len(1, value_msg)))


def scalar_event(step, value, tag="loss"):
    return event(step, field_len(1, tag.encode()) + b"\x15" + struct.pack("<f", value))


def tensor_event(step, tag, plugin, dtype, dims, body=b""):
    """A Summary.Value with a TensorProto of the given dtype and shape; body
    holds the value fields (string_val, tensor_content, ...)."""
    shape = b"".join(field_len(2, field_varint(1, d)) for d in dims)
    tensor = field_varint(1, dtype) + field_len(2, shape) + body
    meta = field_len(1, field_len(1, plugin.encode()))   # plugin_data.plugin_name
    return event(step, field_len(1, tag.encode()) + field_len(9, meta) + field_len(8, tensor))


DT_FLOAT, DT_STRING = 1, 7


def write_events(path, payloads):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for p in payloads:
            f.write(record(p))


# ---- a server -----------------------------------------------------------------

class Server:
    """tbserve on an OS-chosen loopback port, stderr collected; nofile sets
    RLIMIT_NOFILE (soft, hard) for the server process only."""

    def __init__(self, args, nofile=None, wait_for="loaded", timeout=60):
        def limits():
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: no orphan servers
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
        self.p = subprocess.Popen([BINARY, "--port", "0"] + list(args), stderr=subprocess.PIPE,
                                  preexec_fn=limits)
        self.port = None
        self.stderr = []
        t0 = time.time()
        while time.time() - t0 < timeout:
            line = self.p.stderr.readline()
            if not line:
                break
            self.stderr.append(line)
            m = re.search(rb" at http://[^:]+:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
            if self.port and (wait_for is None or wait_for.encode() in line):
                break
        self.load_time = time.time() - t0
        threading.Thread(target=self._drain, daemon=True).start()
        if not self.port:
            self.stop()
            raise AssertionError("tbserve did not start: %r" % b"".join(self.stderr)[-2000:])

    def _drain(self):
        for line in self.p.stderr:
            self.stderr.append(line)

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def get(self, path, timeout=30):
        return self.request("GET", path, timeout=timeout)

    def json(self, path):
        status, data = self.get(path)
        assert status == 200, (path, status, data[:200])
        return json.loads(data)

    def latency(self, path, n=20):
        """Median seconds of n sequential requests (a fresh connection each)."""
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            status, _ = self.get(path)
            times.append(time.perf_counter() - t0)
            assert status == 200, (path, status)
        return sorted(times)[n // 2]

    def proc(self, what):
        with open("/proc/%d/%s" % (self.p.pid, what)) as f:
            return f.read()

    def rss_mb(self):
        m = re.search(r"VmRSS:\s+(\d+) kB", self.proc("status"))
        return int(m.group(1)) / 1024

    def hwm_mb(self):
        m = re.search(r"VmHWM:\s+(\d+) kB", self.proc("status"))
        return int(m.group(1)) / 1024

    def cpu_s(self):
        f = self.proc("stat").rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.p.pid))

    def idle_cpu(self, seconds=2.0):
        c0 = self.cpu_s()
        time.sleep(seconds)
        return self.cpu_s() - c0

    def settle(self, limit):
        """Seconds until the server's CPU use falls below 2% for half a
        second (the live thread's first rescan after loading is done);
        fails after limit seconds."""
        t0 = time.time()
        while time.time() - t0 < limit:
            if self.idle_cpu(0.5) < 0.01:
                return time.time() - t0
        raise AssertionError("still busy %.0f s after loading" % limit)

    def log(self):
        return b"".join(self.stderr)

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


CASES = []


def case(name):
    def wrap(fn):
        CASES.append((fn.__name__, name, fn))
        return fn
    return wrap


# ---- file descriptors --------------------------------------------------------

def many_runs_logdir(root, n):
    payload = record(scalar_event(1, 0.5)) + record(scalar_event(2, 0.25))
    os.makedirs(root, exist_ok=True)
    for i in range(n):
        d = os.path.join(root, "run%05d" % i)
        os.mkdir(d)
        with open(os.path.join(d, "events.out.tfevents.1.host"), "wb") as f:
            f.write(payload)


@case("20,000 runs under RLIMIT_NOFILE 1024 (soft and hard): all listed, fast, idle CPU, few fds")
def twenty_thousand_runs(tmp):
    many_runs_logdir(tmp, 20000)
    srv = Server(["--logdir", tmp], nofile=(1024, 1024), timeout=120)
    try:
        runs = srv.json("/data/runs")
        assert len(runs) == 20000, "%d runs listed of 20000" % len(runs)
        assert srv.fds() < 200, "%d descriptors held" % srv.fds()
        lat = srv.latency("/data/plugin/scalars/scalars?run=run12345&tag=loss")
        assert lat < 0.010, "scalars of one run: median %.1f ms" % (lat * 1e3)
        lat = srv.latency("/data/environment")
        assert lat < 0.010, "environment: median %.1f ms" % (lat * 1e3)
        settle = srv.settle(15)
        cpu = srv.idle_cpu(3.0)
        assert cpu < 0.1, "%.2f s of CPU in 3 s idle" % cpu
        assert b"Too many open files" not in srv.log(), srv.log()[-500:]
        print("     (load %.1f s, settled %.1f s later, %d fds, idle CPU %.3f s / 3 s)" %
              (srv.load_time, settle, srv.fds(), cpu))
    finally:
        srv.stop()


@case("the soft RLIMIT_NOFILE is raised to the hard limit at start")
def raises_nofile(tmp):
    many_runs_logdir(tmp, 1)
    srv = Server(["--logdir", tmp], nofile=(256, 4096))
    try:
        m = re.search(r"Max open files\s+(\d+)\s+(\d+)", srv.proc("limits"))
        assert m and int(m.group(1)) == 4096, m.group(0) if m else srv.proc("limits")
    finally:
        srv.stop()


@case("100,000 empty files in one run: loads, the server answers meanwhile")
def hundred_thousand_files(tmp):
    run = os.path.join(tmp, "run")
    os.mkdir(run)
    for i in range(100000):
        open(os.path.join(run, "events.out.tfevents.%06d.host" % i), "wb").close()
    srv = Server(["--logdir", tmp], nofile=(1024, 1024), wait_for=None)
    try:
        t0 = time.time()
        status, _ = srv.get("/data/environment", timeout=5)
        assert status == 200 and time.time() - t0 < 1, "answer took %.1f s" % (time.time() - t0)
        while b"loaded" not in srv.log() and time.time() - t0 < 60:
            time.sleep(0.2)
        assert b"loaded" in srv.log(), "not loaded after 60 s"
        assert time.time() - t0 < 20, "loading took %.1f s" % (time.time() - t0)
        assert srv.fds() < 200, "%d descriptors held" % srv.fds()
        srv.settle(15)
        cpu = srv.idle_cpu(2.0)
        assert cpu < 0.1, "%.2f s of CPU in 2 s idle" % cpu
    finally:
        srv.stop()


@case("descriptors exhausted by clients: no busy loop, serving again once they leave")
def emfile_no_spin(tmp):
    many_runs_logdir(tmp, 1)
    srv = Server(["--logdir", tmp], nofile=(96, 96))
    conns = []
    try:
        for _ in range(150):
            conns.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        time.sleep(0.5)
        cpu = srv.idle_cpu(2.0)
        assert cpu < 0.2, "%.2f s of CPU in 2 s with the descriptors exhausted" % cpu
        for c in conns:
            c.close()
        conns = []
        time.sleep(0.5)
        t0 = time.time()
        status, _ = srv.get("/data/runs", timeout=10)
        assert status == 200 and time.time() - t0 < 2, (status, time.time() - t0)
    finally:
        for c in conns:
            c.close()
        srv.stop()


# ---- symlinks ------------------------------------------------------------------

@case("symlink fan-out (14 levels x 2 links): each real directory counted once")
def symlink_fanout(tmp):
    root = os.path.join(tmp, "logdir")
    d = root
    for level in range(14):
        real = os.path.join(d, "d")
        os.makedirs(real)
        os.symlink("d", os.path.join(d, "a"))
        os.symlink("d", os.path.join(d, "b"))
        write_events(os.path.join(d, "events.out.tfevents.%d.host" % level), [scalar_event(1, 1.0)])
        d = real
    srv = Server(["--logdir", root], nofile=(1024, 1024))
    try:
        runs = srv.json("/data/runs")
        assert len(runs) == 14, "%d runs for 14 real directories" % len(runs)
        assert srv.load_time < 10, "load took %.1f s" % srv.load_time
    finally:
        srv.stop()


# ---- tensors declaring more elements than they hold ----------------------------------

def amplifying_logdir(tmp):
    """One run: text points of shape [1<<24] with one string and with none,
    and a histogram of shape [1<<20, 3] with no values, each a few dozen
    bytes in the file."""
    big = 1 << 24
    payloads = [tensor_event(1, "one", "text", DT_STRING, [big], field_len(8, b"hi")),
                tensor_event(1, "none", "text", DT_STRING, [big]),
                tensor_event(1, "h", "histograms", DT_FLOAT, [1 << 20, 3])]
    for step in range(2, 6):
        payloads.append(tensor_event(step, "one", "text", DT_STRING, [big], field_len(8, b"hi")))
    path = os.path.join(tmp, "logdir", "run", "events.out.tfevents.1.host")
    write_events(path, payloads)
    return os.path.join(tmp, "logdir"), os.path.getsize(path)


@case("string tensors of declared shape [16M] with one or no value: no per-element memory, bounded reply")
def declared_shape(tmp):
    logdir, size = amplifying_logdir(tmp)
    assert size < 1024, size
    srv = Server(["--logdir", logdir])
    try:
        hwm = srv.hwm_mb()
        assert hwm < 60, "peak RSS %.0f MB for a %d-byte file" % (hwm, size)
        for tag in ("one", "none"):
            t0 = time.time()
            status, body = srv.get("/data/plugin/text/text?run=run&tag=" + tag, timeout=60)
            took = time.time() - t0
            assert status == 200, (tag, status, body[:200])
            assert len(body) < 4 << 20, "%s: %d-byte reply" % (tag, len(body))
            assert took < 2, "%s: %.1f s" % (tag, took)
            points = json.loads(body)
            assert len(points) == (5 if tag == "one" else 1), len(points)
            html = points[0]["text"]
            assert "16777216 by 1 table" in html, html[:300]
            if tag == "one":     # TensorBoard repeats the last string to fill the shape
                assert html.count("<td><p>hi</p></td>") == 16384, html.count("<td><p>hi</p></td>")
        status, body = srv.get("/data/plugin/histograms/histograms?run=run&tag=h")
        assert status in (200, 404) and len(body) < 4096, (status, len(body))
        assert srv.hwm_mb() < 100, "peak RSS %.0f MB after the requests" % srv.hwm_mb()
    finally:
        srv.stop()


# ---- timeSeries --------------------------------------------------------------------

def generated_logdir(tmp):
    """One run: train/loss with 200,000 points (an 11 MB answer) and
    weights/layer0 with 200 histograms of 10,000 bins (a 130 MB answer),
    written by bench/gen_logdir."""
    gen = os.path.join(os.path.dirname(os.path.dirname(BINARY)), "bench", "gen_logdir")
    out = os.path.join(tmp, "logdir")
    subprocess.run([gen, "--runs", "1", "--tags", "1", "--steps", "200000", "--hist-tags", "1",
                    "--hist-every", "1000", "--buckets", "10000", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def ts_query(plugin, tag, copies=1, run=None):
    item = json.dumps(dict({"plugin": plugin, "tag": tag}, **({"run": run} if run else {})))
    return "/data/plugin/timeseries/timeSeries?requests=" + urllib.parse.quote(
        "[" + ", ".join([item] * copies) + "]")


@case("timeSeries: 40 copies of one 200k-point item are answered once, memory bounded")
def timeseries_duplicates(tmp):
    srv = Server(["--logdir", generated_logdir(tmp), "--reload_interval", "0"], timeout=120)
    try:
        status, one = srv.get(ts_query("scalars", "train/loss"))
        assert status == 200 and len(one) > 5e6, (status, len(one))
        rss0 = srv.rss_mb()
        q = ts_query("scalars", "train/loss", 40)
        assert len(q) < 4096, len(q)
        status, body = srv.get(q, timeout=120)
        assert status == 200 and body == one, (status, len(body), len(one))
        assert srv.hwm_mb() - rss0 < 150, "peak RSS grew %.0f MB" % (srv.hwm_mb() - rss0)
    finally:
        srv.stop()


@case("timeSeries: large replies stream; beyond the bytes-in-flight limit 503, others still served")
def timeseries_in_flight(tmp):
    srv = Server(["--logdir", generated_logdir(tmp), "--reload_interval", "0"], timeout=120)
    socks = []
    try:
        rss0 = srv.rss_mb()
        run = srv.json("/data/runs")[0]
        req = ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" %
               ts_query("histograms", "weights/layer0", run=run)).encode()
        statuses = []
        for _ in range(72):      # readers that never read: each reply stalls in flight
            sk = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
            sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sk.sendall(req)
            head = sk.recv(12)
            statuses.append(int(head[9:12]) if head.startswith(b"HTTP/1.1 ") else None)
            socks.append(sk)
        assert statuses.count(200) == 64 and statuses.count(503) == 8, statuses
        t0 = time.time()
        status, _ = srv.get("/data/runs", timeout=5)
        assert status == 200 and time.time() - t0 < 1, (status, time.time() - t0)
        grew = srv.hwm_mb() - rss0
        assert grew < 300, "peak RSS grew %.0f MB with 64 replies of 130 MB in flight" % grew
        for sk in socks:
            sk.close()
        socks = []
        time.sleep(1)
        status, body = srv.get(ts_query("histograms", "weights/layer0", run=run), timeout=120)
        assert status == 200 and len(json.loads(body)[0]["runToSeries"][run]) == 200, status
    finally:
        for sk in socks:
            sk.close()
        srv.stop()


# ---- names from the logdir ------------------------------------------------------------

@case("control characters in run and file names are escaped on stderr and in --inspect")
def control_char_names(tmp):
    logdir = os.path.join(tmp, "logdir").encode()
    evil = b"evil\x1b[2J\x1b]0;owned\x07\ntbserve: error: FAKE LINE"
    run = os.path.join(logdir, evil)
    os.makedirs(run)
    good = record(scalar_event(1, 1.0))
    with open(os.path.join(run, b"events.out.tfevents.1.\x1b[31mhost"), "wb") as f:
        f.write(good + good[:-1] + b"X")      # the second record's CRC is wrong: logged
    srv = Server(["--logdir", logdir.decode("utf-8", "surrogateescape")])
    try:
        time.sleep(0.5)
        log = srv.log()
        assert b"checksum" in log, log[-800:]
        assert b"\x1b" not in log and b"\x07" not in log, log[-800:]
        assert not any(line.startswith(b"tbserve: error: FAKE") for line in log.split(b"\n")), log
        assert b"evil\\x1b[2J" in log, log[-800:]
    finally:
        srv.stop()
    out = subprocess.run([BINARY, "--logdir", logdir.decode("utf-8", "surrogateescape"), "--inspect"],
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    both = out.stdout + out.stderr
    assert b"\x1b" not in both and b"\x07" not in both, both[:800]
    assert not any(line.startswith(b"tbserve: error: FAKE") for line in both.split(b"\n")), both
    assert b"run evil\\x1b[2J\\x1b]0;owned\\x07\\x0atbserve: error: FAKE LINE" in out.stdout, out.stdout


@case("a run name that is not UTF-8 is listed with U+FFFD and can be asked for by that name")
def non_utf8_run(tmp):
    logdir = os.path.join(tmp, "logdir").encode()
    write_events(os.path.join(logdir, b"caf\xe9", b"events.out.tfevents.1.host"),
                 [scalar_event(1, 0.5), scalar_event(2, 0.25)])
    srv = Server(["--logdir", logdir.decode()])
    try:
        runs = srv.json("/data/runs")
        assert runs == ["caf\ufffd"], runs
        q = urllib.parse.urlencode({"run": runs[0], "tag": "loss"})
        points = srv.json("/data/plugin/scalars/scalars?" + q)
        assert [p[1:] for p in points] == [[1, 0.5], [2, 0.25]], points
        body = "runs=" + urllib.parse.quote(runs[0]) + "&tag=loss"
        status, data = srv.request("POST", "/data/plugin/scalars/scalars_multirun", body,
                                   {"Content-Type": "application/x-www-form-urlencoded",
                                    "X-XSRF-Protected": "1"})
        assert status == 200 and len(json.loads(data).get(runs[0], [])) == 2, (status, data)
    finally:
        srv.stop()


@case("error bodies quote names from the request without raw control bytes")
def error_body_controls(tmp):
    many_runs_logdir(os.path.join(tmp, "logdir"), 1)
    srv = Server(["--logdir", os.path.join(tmp, "logdir")])
    try:
        status, body = srv.get("/data/plugin/scalars/scalars?run=a%1b%5b2J%0aFAKE&tag=t%07")
        assert status == 404, (status, body)
        assert not any(c < 0x20 or c == 0x7f for c in body), body
        assert b"a\\x1b[2J\\x0aFAKE" in body and b"t\\x07" in body, body
    finally:
        srv.stop()


# ---- --static_dir -----------------------------------------------------------------

@case("--static_dir: a FIFO is not opened for reading (no worker blocked), 404")
def static_dir_fifo(tmp):
    many_runs_logdir(os.path.join(tmp, "logdir"), 1)
    static = os.path.join(tmp, "static")
    os.mkdir(static)
    with open(os.path.join(static, "index.html"), "wb") as f:
        f.write(b"<p>page</p>")
    os.mkfifo(os.path.join(static, "pipe.js"))
    srv = Server(["--logdir", os.path.join(tmp, "logdir"), "--static_dir", static])
    try:
        # more requests than worker threads, all at once
        out = []

        def fetch():
            try:
                out.append(srv.get("/pipe.js", timeout=5)[0])
            except OSError as e:
                out.append(repr(e))
        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert out == [404] * 8, out
        t0 = time.time()
        status, body = srv.get("/index.html", timeout=5)
        assert status == 200 and body == b"<p>page</p>" and time.time() - t0 < 1, (status, body)
    finally:
        srv.stop()


def main():
    global BINARY
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    BINARY = os.path.abspath(sys.argv[1])
    only = set(sys.argv[2:])
    for key, name, fn in CASES:
        if only and key not in only:
            continue
        # tmpfs when there is one: 20,000 directories are slow to make and
        # remove on a busy disk, and the test is about tbserve, not the disk
        tmp = tempfile.mkdtemp(prefix="tb-hostile-",
                               dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        t0 = time.time()
        try:
            fn(tmp)
            err = None
        except AssertionError as e:
            err = str(e) or "assertion failed"
        except Exception as e:  # noqa: BLE001 - any error fails the case, not the run
            err = "%s: %s" % (type(e).__name__, e)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results.append((name, err))
        print(("ok   " if err is None else "FAIL ") + name + " (%.1f s)" % (time.time() - t0) +
              ("" if err is None else ": " + err), flush=True)
    failed = sum(1 for _, e in results if e)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
