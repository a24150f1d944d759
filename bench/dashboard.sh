#!/bin/sh
# bench/dashboard.sh - the web dashboard's speed in Debian's Chromium: first
# chart after page load and hover work per frame, on 20 runs x 20 tags x
# 20,000 points (generated once into bench/out/big-logdir), against a release
# build. Prints the numbers recorded in docs/PERFORMANCE.md.
#   TB_PERF_BUDGET=1 bench/dashboard.sh    also fail when a target is missed
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --test
build="build-bench"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release
fi
ninja -C "$build" server/tbserve bench/gen_logdir
TBSERVE="$build/server/tbserve" node --test --test-reporter=spec bench/dashboard.mjs
