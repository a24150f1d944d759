#!/usr/bin/env bash
# Build tbserve and run every test: the unit and real-data suites with
# warnings as errors, the same suites again under AddressSanitizer and
# UndefinedBehaviorSanitizer, and the golden replay of TensorBoard's recorded
# HTTP answers against a running server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

status=0
run() { echo "== $*"; "$@" || status=1; }

scripts/build.sh build-test --werror --buildtype=debugoptimized
run meson test -C build-test --print-errorlogs --num-processes 2

scripts/build.sh build-asan --werror --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3

if [ -x tests/golden/replay.sh ]; then
  run tests/golden/replay.sh build-test/server/tbserve
fi

if [ $status -ne 0 ]; then
  echo "FAILED" >&2
else
  echo "all tests passed"
fi
exit $status
