#!/bin/sh
# bench/run.sh - build the benchmarks, generate the logdir once, time the loader.
#
#   bench/run.sh [--small] [bench_load options...]
#
# Full size: 50 runs x 20 scalar tags x 20,000 steps + 2 histogram tags every
# 100 steps (about 1 GB) in bench/out/full. --small: 5 runs x 20 tags x 2,000
# steps in bench/out/small, for a quick check. The logdir is generated only
# when absent (into a .partial directory renamed at the end, so an interrupted
# generation is never mistaken for a complete one). Results are also written
# to bench/out/<size>-results.txt. bench/out/ is gitignored.
set -eu
cd "$(dirname "$0")/.."

size=full
gen_args=""
reps=5
if [ "${1:-}" = "--small" ]; then
	size=small
	gen_args="--runs 5 --tags 20 --steps 2000"
	reps=3
	shift
fi

build="build-bench"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release
fi
ninja -C "$build" bench/gen_logdir bench/bench_load

out=bench/out
dir="$out/$size"
mkdir -p "$out"
if [ ! -d "$dir" ]; then
	rm -rf "$dir.partial"
	# shellcheck disable=SC2086 # gen_args is a list of words
	"$build/bench/gen_logdir" $gen_args "$dir.partial"
	mv "$dir.partial" "$dir"
fi

results="$out/$size-results.txt"
{
	echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
		"$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
	echo "command: $build/bench/bench_load --reps $reps $* $dir"
	"$build/bench/bench_load" --reps "$reps" "$@" "$dir"
} | tee "$results"

echo
echo "summary ($results):"
grep -E '^(bench_load|load, )|resident' "$results" | sed 's/^/  /'
