#!/usr/bin/env python3
"""A logdir of many small runs under the default descriptor limit: how long
tbserve takes to list them, how fast it answers meanwhile and afterwards,
and what it costs while idle.

usage: bench/many_runs.py path/to/tbserve [RUNS]   (default 20000)

Each run is one directory holding one event file of two scalar points. The
logdir is made on tmpfs (/dev/shm) when there is one; tbserve runs with
RLIMIT_NOFILE 1024 (soft and hard), the usual default. Prints: load time,
descriptors held, resident memory, median and 95th percentile latency of
/data/runs (every run), of one run's scalars and of /data/environment
(fresh connection per request, 50 each), and CPU seconds used in 5 idle
seconds after the live thread's first rescan.
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "http"))
import hostile_logdir as h  # noqa: E402  (the test's logdir writer and server harness)


def percentiles(srv, path, n=50):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        status, _ = srv.get(path)
        times.append(time.perf_counter() - t0)
        assert status == 200, (path, status)
    times.sort()
    return times[n // 2] * 1e3, times[int(n * 0.95)] * 1e3


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    h.BINARY = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    tmp = tempfile.mkdtemp(prefix="tb-many-runs-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        t0 = time.time()
        h.many_runs_logdir(tmp, runs)
        print("logdir: %d runs written in %.1f s (%s)" % (runs, time.time() - t0, tmp))
        srv = h.Server(["--logdir", tmp], nofile=(1024, 1024), timeout=300)
        try:
            listed = len(srv.json("/data/runs"))
            print("tbserve: loaded in %.2f s, %d runs listed, %d descriptors, %.0f MB RSS" %
                  (srv.load_time, listed, srv.fds(), srv.rss_mb()))
            settle = srv.settle(60)
            print("first rescan (watches set up) done %.2f s after loading" % settle)
            for path in ("/data/runs", "/data/plugin/scalars/scalars?run=run%05d&tag=loss" % (runs // 2),
                         "/data/environment"):
                p50, p95 = percentiles(srv, path)
                print("%-55s median %6.2f ms  p95 %6.2f ms" % (path, p50, p95))
            print("idle: %.3f s CPU in 5 s" % srv.idle_cpu(5.0))
        finally:
            srv.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
