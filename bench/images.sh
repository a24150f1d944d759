#!/bin/sh
# bench/images.sh - the blob index: load time and resident memory of a
# logdir of 10,000 images (100 kB each, about 1 GB, 10 runs) against the
# same logdir without the images, and individualImage requests/s under wrk
# (every image in turn: each request reads its record back from the file
# and checks its CRC). Results in docs/PERFORMANCE.md.
#   bench/images.sh [BUILD_DIR (default build-bench, release)] [SECONDS per wrk row, default 8]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
secs=${2:-8}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" server/tbserve bench/gen_images >/dev/null

out=bench/out/images
if [ ! -d "$out" ]; then
	rm -rf "$out.partial"
	mkdir -p "$out.partial"
	"$build/bench/gen_images" "$out.partial/with" --runs 10 --images 10000 --bytes 100000
	"$build/bench/gen_images" "$out.partial/without" --runs 10 --images 10000 --bytes 100000 --no-images
	mv "$out.partial" "$out"
fi

port=16016
pid=
trap '[ -z "$pid" ] || kill $pid 2>/dev/null' EXIT INT TERM
serve() { # logdir: starts tbserve, waits for its first load; sets pid, secs_load
	log=$(mktemp)
	t0=$(date +%s.%N)
	"$build/server/tbserve" --logdir "$1" --host 127.0.0.1 --port $port --reload_interval 0 2>"$log" &
	pid=$!
	until grep -q "loaded" "$log"; do sleep 0.01; done
	secs_load=$(echo "$(date +%s.%N) - $t0" | bc)
	rm -f "$log"
	sleep 0.5
}
rss() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; }
hwm() { awk '/^VmHWM/ {print $2}' /proc/$pid/status; }

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "logdir with images: $(du -sh $out/with | cut -f1); without: $(du -sh $out/without | cut -f1)"
printf '| %-28s | %8s | %9s | %9s |\n' "logdir" "load s" "RSS MiB" "peak MiB"
printf '|%s|%s|%s|%s|\n' "---" "--:" "--:" "--:"
for which in without with; do
	sync
	serve "$out/$which"
	printf '| %-28s | %8.2f | %9.1f | %9.1f |\n' "10 runs x 1,000 steps, $which images" \
		"$secs_load" "$(echo "$(rss) / 1024" | bc -l)" "$(echo "$(hwm) / 1024" | bc -l)"
	[ $which = with ] || { kill $pid; wait $pid 2>/dev/null || true; pid=; }
done

# every image's path, from the API
paths=$(mktemp)
base="http://127.0.0.1:$port"
for r in $(seq 0 9); do
	curl -sf "$base/data/plugin/images/images?run=run_$r&tag=samples" |
		python3 -c 'import json,sys; [print("/data/plugin/images/individualImage?" + x["query"]) for x in json.load(sys.stdin)]'
done >"$paths"
echo "individualImage: $(wc -l <"$paths") images, wrk $secs s per row, round-robin over all of them"
printf '| %-28s | %5s | %9s | %8s | %8s |\n' "request" "conns" "req/s" "p50" "p99"
printf '|%s|%s|%s|%s|%s|\n' "---" "--:" "--:" "--:" "--:"
for c in 1 16 64; do
	t=2
	[ $c -gt 1 ] || t=1
	r=$(wrk -t$t -c$c -d${secs}s --latency -s bench/images.lua "$base" -- "$paths")
	errs=$(echo "$r" | sed -n 's/^ *Non-2xx or 3xx responses: *//p')
	[ -z "$errs" ] || { echo "$errs non-2xx responses" >&2; exit 1; }
	printf '| %-28s | %5s | %9s | %8s | %8s |\n' "individualImage, 100 kB" "$c" \
		"$(echo "$r" | sed -n 's/^Requests\/sec: *//p')" "$(echo "$r" | sed -n 's/^ *50% *//p')" \
		"$(echo "$r" | sed -n 's/^ *99% *//p')"
done
printf 'RSS after serving: %.1f MiB\n' "$(echo "$(rss) / 1024" | bc -l)"
rm -f "$paths"
