#!/usr/bin/env python3
"""Live-update latency and soak benchmark (results go to docs/PERFORMANCE.md).

usage: live_bench.py TBSERVE latency [--appends 1000] [--watch poll --interval S]
       live_bench.py TBSERVE soak [--seconds 600] [--rate 10000] [--runs 20]

latency: appends one PyTorch-style scalar event at a time to a real event
file and measures (a) append -> the point is visible in the JSON API (polling
the API as fast as it answers), (b) append -> the SSE notice for it arrives.
Prints p50/p90/p99/max for both.

soak: a writer appends at RATE events/s spread over RUNS runs for SECONDS while
two clients read scalars (full and since_step) and one follows /data/live; at
the end every run must hold exactly the points written (none lost or
duplicated) and the server's resident memory is sampled over time.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "live"))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "lt", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "live", "live_test.py"))


def load_writer():
    # reuse the test's event writer without running its main()
    src = open(spec.origin).read().split("# ---- a server")[0]
    ns = {}
    exec(compile(src, spec.origin, "exec"), ns)
    return ns


W = load_writer()


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def start(binary, logdir, extra=()):
    p = subprocess.Popen([binary, "--logdir", logdir, "--port", "0"] + list(extra),
                         stderr=subprocess.PIPE, text=True)
    port = None
    while True:
        line = p.stderr.readline()
        m = re.search(r" at http://[^:]+:(\d+)/", line)
        if m:
            port = int(m.group(1))
        if port and "loaded" in line:
            break
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
    return p, port


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def summary(name, xs):
    ms = [x * 1000 for x in xs]
    print("%-28s n=%d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms" % (
        name, len(ms), pct(ms, .5), pct(ms, .9), pct(ms, .99), max(ms)))


def latency(binary):
    n = arg("--appends", 1000)
    extra = []
    if "--watch" in sys.argv:
        extra = ["--watch", arg("--watch", "poll"), "--reload_interval", str(arg("--interval", 1.0))]
    root = tempfile.mkdtemp(prefix="tblat")
    os.makedirs(os.path.join(root, "run"))
    path = os.path.join(root, "run", "events.out.tfevents.1.host")
    W["append"](path, [W["file_version_event"](), W["scalar_event"](0, 0.0)])
    p, port = start(binary, root, extra)
    conn = __import__("http.client").client.HTTPConnection("127.0.0.1", port, timeout=10)
    sse = socket.create_connection(("127.0.0.1", port))
    sse.sendall(b"GET /data/live HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"event: hello" not in buf:
        buf += sse.recv(4096)
    api, push = [], []
    try:
        for i in range(1, n + 1):
            t0 = time.perf_counter()
            W["append"](path, [W["scalar_event"](i, float(i))])
            got_push = None
            # follow SSE and the API together
            sse.setblocking(False)
            seen_api = None
            while seen_api is None or got_push is None:
                if got_push is None:
                    try:
                        chunk = sse.recv(65536)
                        buf += chunk
                        if b'"step": %d,' % i in buf:
                            got_push = time.perf_counter() - t0
                            buf = b""
                    except BlockingIOError:
                        pass
                if seen_api is None:
                    conn.request("GET", "/data/plugin/scalars/scalars?run=run&tag=loss&since_step=%d" % (i - 1))
                    body = conn.getresponse().read()
                    if body != b"[]":
                        seen_api = time.perf_counter() - t0
                if time.perf_counter() - t0 > 30:
                    raise SystemExit("append %d never appeared" % i)
            api.append(seen_api)
            push.append(got_push)
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(root, ignore_errors=True)
    mode = "polling %ss" % arg("--interval", 1.0) if extra else "inotify"
    summary("append -> API (%s)" % mode, api)
    summary("append -> SSE (%s)" % mode, push)


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def soak(binary):
    seconds, rate, nruns = arg("--seconds", 600), arg("--rate", 10000), arg("--runs", 20)
    root = tempfile.mkdtemp(prefix="tbsoak")
    paths = []
    for r in range(nruns):
        os.makedirs(os.path.join(root, "run%02d" % r))
        paths.append(os.path.join(root, "run%02d" % r, "events.out.tfevents.1.host"))
        W["append"](paths[-1], [W["file_version_event"]()])
    p, port = start(binary, root)
    stop = threading.Event()
    reads = [0]
    notices = [0]

    def reader(since):
        c = __import__("http.client").client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = 0
        while not stop.is_set():
            run = "run%02d" % (k % nruns)
            c.request("GET", "/data/plugin/scalars/scalars?run=%s&tag=loss%s" % (run, "&since_step=%d" % since if since else ""))
            c.getresponse().read()
            reads[0] += 1
            k += 1

    def follower():
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /data/live HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(1)
        while not stop.is_set():
            try:
                notices[0] += s.recv(65536).count(b"event: series")
            except socket.timeout:
                pass

    threads = [threading.Thread(target=reader, args=(0,)), threading.Thread(target=reader, args=(10**9,)),
               threading.Thread(target=follower)]
    for t in threads:
        t.start()
    # pre-encode one batch of records per run; steps written in order
    written = [0] * nruns
    t_start = time.time()
    samples = []
    batch = max(1, rate // 100)  # 100 batches per second
    next_t = t_start
    while time.time() - t_start < seconds:
        for j in range(batch):
            r = (sum(written) + j) % nruns
        per = batch // nruns or 1
        for r in range(nruns):
            recs = [W["record"](W["scalar_event"](written[r] + k, float(written[r] + k))) for k in range(per)]
            with open(paths[r], "ab") as f:
                f.write(b"".join(recs))
            written[r] += per
        next_t += 0.01
        if int(time.time() - t_start) % 10 == 0 and (not samples or time.time() - samples[-1][0] > 9):
            samples.append((time.time(), sum(written), rss_kb(p.pid)))
        delay = next_t - time.time()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.time() - t_start
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()
    ok = True
    c = __import__("http.client").client.HTTPConnection("127.0.0.1", port, timeout=60)
    for r in range(nruns):
        c.request("GET", "/data/plugin/scalars/scalars?run=run%02d&tag=loss" % r)
        pts = json.loads(c.getresponse().read())
        steps = [x[1] for x in pts]
        if steps != list(range(written[r])):
            ok = False
            print("run%02d: %d points, %d written" % (r, len(steps), written[r]))
    final_rss = rss_kb(p.pid)
    p.terminate()
    p.wait()
    shutil.rmtree(root, ignore_errors=True)
    total = sum(written)
    print("soak: %.0f s, %d events written (%.0f/s) over %d runs, %d API reads, %d SSE notices" % (
        elapsed, total, total / elapsed, nruns, reads[0], notices[0]))
    print("points lost or duplicated: %s" % ("none" if ok else "YES"))
    for t, n, kb in samples[:: max(1, len(samples) // 10)] + [samples[-1]]:
        print("  t=%4.0fs  points=%9d  RSS=%7.1f MiB  (%.1f bytes/point incl. base)" % (
            t - t_start, n, kb / 1024, kb * 1024 / max(n, 1)))
    print("  end       points=%9d  RSS=%7.1f MiB" % (total, final_rss / 1024))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    {"latency": latency, "soak": soak}[sys.argv[2]](os.path.abspath(sys.argv[1]))
