#!/usr/bin/env bash
# bench/s3_bench.sh - S3 logdirs against the same logdir on local disk.
#
#   bench/s3_bench.sh [--runs N] [--steps N] [--reps N]
#
# Starts a one-node Ceph RADOS Gateway (tests/s3/gateway.sh) in bench/out/,
# generates the benchmark logdir (bench/gen_logdir: N runs x 20 scalar tags
# x STEPS steps + 2 histogram tags), uploads it, and measures with the
# release tbserve:
#   1. cold load, local disk vs s3:// (8 parallel readers, the default, and
#      16), interleaved, REPS times each: seconds from start to the "loaded N
#      runs" line, and the VmRSS and VmHWM after the load;
#   2. requests per minute while idle-watching 1,000 runs over s3:// at the
#      default --reload_interval (5 s), from /data/environment's counter
#      over 60 s.
# It measures, it does not judge: the numbers go in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=50
steps=5000
reps=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--steps N] [--reps N]" >&2; exit 2 ;;
  esac
done

build=build-bench
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" server/tbserve bench/gen_logdir >/dev/null
bin=$build/server/tbserve
out=$(mkdir -p bench/out && cd bench/out && pwd)
gw=$out/s3-gateway
logdir=$out/s3-$runs-$steps
idle=$out/s3-idle-1000

tbpid=""
cleanup() {
  [ -z "$tbpid" ] || kill "$tbpid" 2>/dev/null || true
  tests/s3/gateway.sh stop "$gw" || true
}
trap cleanup EXIT

[ -d "$logdir" ] || "$build/bench/gen_logdir" --runs "$runs" --tags 20 --steps "$steps" "$logdir" >/dev/null
[ -d "$idle" ] || "$build/bench/gen_logdir" --runs 1000 --tags 1 --steps 10 "$idle" >/dev/null

eval "$(tests/s3/gateway.sh start "$gw")"
export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
auth=(--aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
      -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
# upload BUCKET DIR: every file of DIR as BUCKET/logs/RELATIVE-PATH, 8 at a time
upload() {
  curl -sf "${auth[@]}" -X PUT "$AWS_ENDPOINT_URL/$1" >/dev/null
  (cd "$2" && find . -type f -printf '%P\0') |
    xargs -0 -P 8 -I{} curl -sf "${auth[@]}" -T "$2/{}" "$AWS_ENDPOINT_URL/$1/logs/{}" -o /dev/null
}
t0=$(date +%s.%N)
upload bench "$logdir"
upload idle "$idle"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024)" MiB"}' /proc/meminfo); logdir $(du -sh "$logdir" | cut -f1) in $runs runs; upload $(echo "$(date +%s.%N) - $t0" | bc) s"

# load LOGDIR [FLAGS...]: prints "seconds rss_mib hwm_mib"
load() {
  local log; log=$(mktemp)
  local t0; t0=$(date +%s.%N)
  "$bin" --logdir "$@" --port 0 --reload_interval 0 2>"$log" &
  tbpid=$!
  until grep -q "loaded" "$log"; do sleep 0.02; done
  local t1; t1=$(date +%s.%N)
  local rss hwm
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$tbpid/status)
  hwm=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$tbpid/status)
  kill "$tbpid"; wait "$tbpid" 2>/dev/null || true; tbpid=""
  rm -f "$log"
  echo "$(echo "$t1 - $t0" | bc) $rss $hwm"
}

echo "cold load (seconds, RSS MiB, peak RSS MiB), interleaved:"
for i in $(seq 1 "$reps"); do
  echo "  local  $(load "$logdir")"
  echo "  s3     $(load s3://bench/logs)"
  echo "  s3 -16 $(load s3://bench/logs --threads 16)"
done

echo "idle watching 1,000 runs over s3:// (--reload_interval 5):"
log=$(mktemp)
"$bin" --logdir s3://idle/logs --port 0 2>"$log" &
tbpid=$!
until grep -q "loaded" "$log"; do sleep 0.05; done
port=$(sed -n 's|.* at http://[^:]*:\([0-9]*\)/.*|\1|p' "$log" | head -1)
count() { curl -s "http://127.0.0.1:$port/data/environment" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["requests"])'; }
sleep 6
r0=$(count); sleep 60; r1=$(count)
echo "  runs loaded: $(grep -o 'loaded [0-9]* runs' "$log"); requests in 60 s idle: $((r1 - r0))"
rm -f "$log"
