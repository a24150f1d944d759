#!/bin/sh
# bench/graphs.sh - the graphs plugin: time and server RSS for the largest
# real graph (tests/data/real, 7 MB of text) and for a generated graph of
# 1,000,000 nodes (30 MB of GraphDef, 61 MB of text), each requested
# REPEAT times with curl. Release build; results in docs/PERFORMANCE.md.
#   bench/graphs.sh [REPEAT, default 5]
set -eu
cd "$(dirname "$0")/.."
repeat=${1:-5}
build=build-bench
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" server/tbserve >/dev/null

out=bench/out/graphs
if [ ! -d "$out" ]; then
	rm -rf "$out.partial"
	mkdir -p "$out.partial/big" "$out.partial/real"
	cp -r tests/data/real/tf2-keras__yuanjun0416_tensorboard_use "$out.partial/real/"
	python3 - "$out.partial/big/events.out.tfevents.1.bench" <<'PY'
import struct, sys
# CRC-32C (Castagnoli), masked as TFRecord does
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF
def varint(n):
    o = b""
    while True:
        c = n & 0x7F; n >>= 7
        if n: o += bytes([c | 0x80])
        else: return o + bytes([c])
def field(num, p): return varint(num << 3 | 2) + varint(len(p)) + p
nodes = []
for i in range(1000000):
    nd = field(1, b"n%07d" % i) + field(2, b"NoOp")
    if i: nd += field(3, b"n%07d" % (i - 1))
    nodes.append(field(1, nd))
graph = b"".join(nodes)
with open(sys.argv[1], "wb") as f:
    for ev in (field(3, b"brain.Event:2"), field(4, graph)):
        h = struct.pack("<Q", len(ev))
        f.write(h + struct.pack("<I", crc(h)) + ev + struct.pack("<I", crc(ev)))
PY
	mv "$out.partial" "$out"
fi

port=16016
"$build/server/tbserve" --logdir "$out" --host 127.0.0.1 --port $port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT INT TERM
base="http://127.0.0.1:$port"
i=0
until curl -sf "$base/data/plugin/graphs/info" | grep -q big; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "tbserve did not load $out" >&2; exit 1; }
	sleep 0.1
done
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %d MiB  ", $1, $2 / 1024}' /proc/$pid/status; echo; }
echo "loaded: $(rss)"
for url in "graph?run=real%2Ftf2-keras__yuanjun0416_tensorboard_use%2Floop_noise5_cbamconcat_rms1_batchsize512%2Ftrain" \
	   "graph?run=big"; do
	for k in $(seq 1 "$repeat"); do
		curl -s -o /dev/null -w "%{http_code} %{size_download} bytes %{time_total} s\n" \
			"$base/data/plugin/graphs/$url"
	done
	echo "after $url: $(rss)"
done
