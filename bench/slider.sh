#!/bin/sh
# bench/slider.sh - the smoothing slider with 300 runs x 20 tags in Debian's
# Chromium, against a release build: ms from each slider event until every
# chart on screen is redrawn (target < 50 ms). docs/PERFORMANCE.md records it.
#   TB_PERF_BUDGET=1 bench/slider.sh    also fail when the target is missed
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --test
build="build-bench"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release
fi
ninja -C "$build" server/tbserve bench/gen_logdir
TBSERVE="$build/server/tbserve" node --test --test-reporter=spec bench/slider.mjs
