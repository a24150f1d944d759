#!/usr/bin/env python3
# Latency of the PR curves and custom scalars endpoints over one keep-alive
# connection: bench/plugins_latency.py PORT (tbserve serving
# tests/data/golden/logdir-small, see docs/PERFORMANCE.md).
import http.client, sys, time
port = int(sys.argv[1])
reqs = [("pr_curves (1 step x 124 thresholds)", "/data/plugin/pr_curves/pr_curves?run=lr_0.01%2Fseed_1&tag=pr%2Fcurve"),
        ("custom_scalars/layout", "/data/plugin/custom_scalars/layout"),
        ("custom_scalars/scalars loss.* (baseline: 2 tags)", "/data/plugin/custom_scalars/scalars?run=baseline&tag=loss.%2A"),
        ("scalars/scalars loss (reference)", "/data/plugin/scalars/scalars?run=baseline&tag=loss"),
        ("custom_scalars/scalars (a*)*b (no tag matches)", "/data/plugin/custom_scalars/scalars?run=baseline&tag=%28a%2A%29%2Ab")]
c = http.client.HTTPConnection("127.0.0.1", port)
for name, path in reqs:
    ts = []
    for i in range(300):
        t = time.perf_counter(); c.request("GET", path); r = c.getresponse(); body = r.read(); ts.append(time.perf_counter() - t)
    ts.sort()
    print(f"| {name} | {len(body)} | {ts[len(ts)//2]*1000:.2f} | {ts[int(len(ts)*0.95)]*1000:.2f} |")
