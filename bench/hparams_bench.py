#!/usr/bin/env python3
"""hparams with many sessions: how long tbserve takes to answer the hparams
dashboard's requests.

usage: bench/hparams_bench.py path/to/tbserve [SESSIONS]   (default 5000)

Writes a logdir of SESSIONS runs, each a real TFRecord event file as torch's
add_hparams writes it (session start info with 5 hparams, session end info,
no experiment summary, so the experiment is inferred) plus two metric
scalars of 20 points each, on tmpfs when there is one. Prints the load time
and the median and 95th percentile latency (fresh connection each, 30
requests) of: experiment; session_groups as the page asks on open (every
column, every group); the same filtered, sorted and paged (100 groups);
and download_data as CSV.
"""
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "http"))
import hostile_logdir as h  # noqa: E402  (the tests' event writer and server harness)

OPTIMIZERS = ["sgd", "adam", "rmsprop", "adagrad"]


def value(v):
    """google.protobuf.Value"""
    if isinstance(v, bool):
        return h.field_varint(4, int(v))
    if isinstance(v, str):
        return h.field_len(3, v.encode())
    return b"\x11" + struct.pack("<d", float(v))


def hparams_event(tag, content, wall):
    meta = h.field_len(1, h.field_len(1, b"hparams") + h.field_len(2, content))
    tensor = h.field_varint(1, h.DT_FLOAT)
    return h.event(0, h.field_len(1, tag.encode()) + h.field_len(9, meta) + h.field_len(8, tensor),
                   wall=wall)


def session(i):
    hp = {"lr": 10 ** -(1 + i % 4), "batch": 2 ** (4 + i % 5), "optimizer": OPTIMIZERS[i % 4],
          "dropout": (i % 10) / 10, "use_bn": bool(i % 2)}
    entries = b"".join(h.field_len(1, h.field_len(1, k.encode()) + h.field_len(2, value(v)))
                       for k, v in hp.items())
    start = h.field_len(3, entries + b"\x29" + struct.pack("<d", 1.7e9 + i))
    end = h.field_len(4, h.field_varint(1, 1) + b"\x11" + struct.pack("<d", 1.7e9 + i + 60))
    events = [hparams_event("_hparams_/session_start_info", start, 1.7e9 + i),
              hparams_event("_hparams_/session_end_info", end, 1.7e9 + i)]
    for step in range(20):
        events.append(h.scalar_event(step, 1.0 / (1 + step + i % 7), tag="loss"))
        events.append(h.scalar_event(step, 1 - 1.0 / (2 + step + i % 5), tag="accuracy"))
    return events


def percentiles(srv, method, path, body=None, n=30):
    times = []
    size = 0
    for _ in range(n):
        t0 = time.perf_counter()
        status, data = srv.request(method, path, body=body,
                                   headers={"Content-Type": "application/json"} if body else None)
        times.append(time.perf_counter() - t0)
        assert status == 200, (path, status, data[:300])
        size = len(data)
    times.sort()
    return times[n // 2] * 1e3, times[int(n * 0.95)] * 1e3, size


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    h.BINARY = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    tmp = tempfile.mkdtemp(prefix="tb-hparams-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        t0 = time.time()
        for i in range(n):
            h.write_events(os.path.join(tmp, "trial_%05d" % i, "events.out.tfevents.1.host"),
                           session(i))
        print("logdir: %d sessions written in %.1f s (%s)" % (n, time.time() - t0, tmp))
        srv = h.Server(["--logdir", tmp], timeout=300)
        try:
            print("tbserve: loaded in %.2f s, %.0f MB RSS" % (srv.load_time, srv.rss_mb()))
            cols = [{"hparam": k, "includeInResult": True}
                    for k in ("batch", "dropout", "lr", "optimizer", "use_bn")]
            cols += [{"metric": {"tag": t, "group": ""}, "includeInResult": True}
                     for t in ("accuracy", "loss")]
            statuses = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
            page = {"experimentName": "", "allowedStatuses": statuses, "colParams": cols,
                    "startIndex": 0, "sliceSize": 1000000}
            filtered = json.loads(json.dumps(page))
            filtered["colParams"][3]["filterDiscrete"] = ["adam", "sgd"]
            filtered["colParams"][2]["filterInterval"] = {"minValue": 0.001, "maxValue": 0.1}
            filtered["colParams"][6]["order"] = "ORDER_ASC"
            filtered["sliceSize"] = 100
            download = ("/data/plugin/hparams/download_data?format=csv&columnsVisibility=" +
                        urllib.parse.quote(json.dumps([True] * 7)) + "&request=" +
                        urllib.parse.quote(json.dumps(page)))
            cases = [
                ("experiment", "POST", "/data/plugin/hparams/experiment",
                 json.dumps({"experimentName": "", "hparamsLimit": 1000})),
                ("session_groups, all %d" % n, "POST", "/data/plugin/hparams/session_groups",
                 json.dumps(page)),
                ("session_groups, filtered+sorted, 100", "POST",
                 "/data/plugin/hparams/session_groups", json.dumps(filtered)),
                ("download_data csv, all", "GET", download, None),
            ]
            for name, method, path, body in cases:
                p50, p95, size = percentiles(srv, method, path, body.encode() if body else None)
                print("%-40s median %7.1f ms  p95 %7.1f ms  (%d bytes)" % (name, p50, p95, size))
        finally:
            srv.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
