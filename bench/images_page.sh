#!/bin/sh
# bench/images_page.sh - the Images tab with a tag of 10,000 images and 1,000
# image cards in Debian's Chromium, against a release build (bench/images_page.mjs).
# docs/PERFORMANCE.md records the numbers.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --test
build="build-bench"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release
fi
ninja -C "$build" server/tbserve
TBSERVE="$build/server/tbserve" node --test --test-reporter=spec bench/images_page.mjs
