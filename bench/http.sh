#!/bin/sh
# bench/http.sh - tbserve's HTTP API under wrk on loopback: requests/s and
# p50/p99 latency at 1, 64 and 256 connections for small endpoints, a
# 1,000-point and a 100,000-point scalars response (plain and gzip) and a
# bucketed one. Release build; results in docs/PERFORMANCE.md.
#   bench/http.sh [SECONDS per measurement, default 8]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-8}
scripts/deps.sh --test >/dev/null
build=build-bench
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" server/tbserve bench/gen_logdir >/dev/null

out=bench/out/http
if [ ! -d "$out" ]; then
	rm -rf "$out.partial"
	mkdir -p "$out.partial"
	"$build/bench/gen_logdir" --runs 1 --tags 1 --steps 1000 --hist-every 0 "$out.partial/p1k" >/dev/null
	"$build/bench/gen_logdir" --runs 1 --tags 1 --steps 100000 --hist-every 0 "$out.partial/p100k" >/dev/null
	mv "$out.partial" "$out"
fi

port=16006
"$build/server/tbserve" --logdir "$out" --host 127.0.0.1 --port $port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT INT TERM
base="http://127.0.0.1:$port"
i=0
until curl -sf "$base/data/runs" | grep -q p100k; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "tbserve did not load $out" >&2; exit 1; }
	sleep 0.05
done
sleep 0.5

# run and tag names as the server lists them, URL-encoded
q() {
	python3 -c 'import json,sys,urllib.parse as u
tags=json.load(sys.stdin); run=[r for r in tags if r.startswith(sys.argv[1]+"/")][0]
print("run=%s&tag=%s" % (u.quote(run, safe=""), u.quote(sorted(tags[run])[0], safe="")))' "$1"
}
tags=$(curl -sf "$base/data/plugin/scalars/tags")
q1k=$(echo "$tags" | q p1k)
q100k=$(echo "$tags" | q p100k)
for x in "$q1k" "$q100k"; do
	curl -sf "$base/data/plugin/scalars/scalars?$x" | python3 -c 'import json,sys; print("# points:", len(json.load(sys.stdin)))'
done

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk $secs s per row; latency as wrk reports it (client side, loopback)"
printf '| %-34s | %5s | %9s | %8s | %8s |\n' "request" "conns" "req/s" "p50" "p99"
printf '|%s|%s|%s|%s|%s|\n' "---" "--:" "--:" "--:" "--:"
measure() { # name url [header]
	for c in 1 64 256; do
		t=2
		[ $c -gt 1 ] || t=1
		if [ -n "${3:-}" ]; then
			r=$(wrk -t$t -c$c -d${secs}s --latency -H "$3" "$2")
		else
			r=$(wrk -t$t -c$c -d${secs}s --latency "$2")
		fi
		rps=$(echo "$r" | sed -n 's/^Requests\/sec: *//p')
		p50=$(echo "$r" | sed -n 's/^ *50% *//p')
		p99=$(echo "$r" | sed -n 's/^ *99% *//p')
		errs=$(echo "$r" | sed -n 's/^ *Non-2xx or 3xx responses: *//p')
		[ -z "$errs" ] || { echo "$1: $errs non-2xx responses" >&2; exit 1; }
		printf '| %-34s | %5s | %9s | %8s | %8s |\n' "$1" "$c" "$rps" "$p50" "$p99"
	done
}
gz="Accept-Encoding: gzip"
measure "/data/runs" "$base/data/runs"
measure "/data/environment" "$base/data/environment"
measure "scalars/tags" "$base/data/plugin/scalars/tags"
measure "scalars, 1,000 points" "$base/data/plugin/scalars/scalars?$q1k"
measure "scalars, 1,000 points, gzip" "$base/data/plugin/scalars/scalars?$q1k" "$gz"
measure "scalars, 100,000 points" "$base/data/plugin/scalars/scalars?$q100k"
measure "scalars, 100,000 points, gzip" "$base/data/plugin/scalars/scalars?$q100k" "$gz"
measure "scalars, 100,000 pts, buckets=500" "$base/data/plugin/scalars/scalars?$q100k&buckets=500"
