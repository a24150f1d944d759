#!/usr/bin/env bash
# Build tbserve and run every test: the unit and real-data suites with
# warnings as errors, the same suites again under AddressSanitizer and
# UndefinedBehaviorSanitizer, the concurrency test under ThreadSanitizer,
# the golden replay of TensorBoard's recorded HTTP answers, the
# hostile-client, protocol and access (token, Host, TLS) tests against a
# running server, live tailing, and the web dashboard in Debian's Chromium
# (playwright-core, also behind the token and over HTTPS); then the
# mutation check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

status=0
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run CMD...: run one step, echo its output, and add up the tests it reports
# (meson's Ok/Fail summary, cmocka's PASSED/FAILED, our "N passed, N failed").
run() {
  echo "== $*"
  local rc=0
  "$@" 2>&1 | tee "$log" || rc=1
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  local p f
  p=$(sed -nE 's/^Ok: +([0-9]+).*/\1/p; s/^\[  PASSED  \] ([0-9]+) test.*/\1/p; s/^(tests: )?([0-9]+) passed, [0-9]+ failed.*/\2/p; s/^# pass ([0-9]+)$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  f=$(sed -nE 's/^(Fail|Timeout|Unexpected Pass): +([0-9]+).*/\2/p; s/^\[  FAILED  \] ([0-9]+) test.*/\1/p; s/^(tests: )?[0-9]+ passed, ([0-9]+) failed.*/\2/p; s/^# fail ([0-9]+)$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ $rc -ne 0 ]; then
    status=1
    [ "$f" -gt 0 ] || failed=$((failed + 1))
  fi
}

scripts/build.sh build-test --werror --buildtype=debugoptimized
run meson test -C build-test --print-errorlogs --num-processes 2

scripts/build.sh build-asan --werror --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3

# Readers and the loader at once, under ThreadSanitizer.
scripts/build.sh build-tsan --werror --buildtype=debug -Db_sanitize=thread -Db_lundef=false
TSAN_OPTIONS=halt_on_error=1 TB_TEST_DATA="$PWD/tests/data" run build-tsan/tests/test_concurrency

# The server as clients see it: TensorBoard's recorded answers, hostile clients.
run tests/golden/replay.sh build-test/server/tbserve
run python3 tests/http/hostile_client.py build-test/server/tbserve
# Protocol holes (deadlines, capacity, live slots, framing) and access
# (Host allow-list, token login, cross-site POST, HTTPS via openssl + curl).
run python3 tests/http/protocol_client.py build-test/server/tbserve
run python3 tests/http/access_client.py build-test/server/tbserve
run python3 tests/http/static_dir_test.py build-test/server/tbserve
# Hostile logdirs and resource holes: 20,000 runs under RLIMIT_NOFILE 1024,
# symlink fan-out, declared-but-absent tensor elements, timeSeries replies.
run python3 tests/http/hostile_logdir.py build-test/server/tbserve
run python3 tests/http/hostile_blobs.py build-test/server/tbserve
# The command line (export, --inspect) against the API on the same logdir.
run python3 tests/cli/cli_test.py build-test/server/tbserve

# The command line: help, bad flags and paths, inspect/export filters, the
# banner, and `meson install` into a DESTDIR (binary, man page, completion).
run tests/cli/cli_test.sh build-test

# Live tailing: inotify, then the same scenarios forced onto polling.
run python3 tests/live/live_test.py build-test/server/tbserve
run python3 tests/live/live_test.py build-test/server/tbserve --watch poll

# Logdirs on S3: a real one-node Ceph RADOS Gateway (tests/s3/gateway.sh).
run python3 tests/s3/s3_test.py build-test/server/tbserve build-test/bench/gen_logdir

# The web dashboard: the pure smoothing and rasterising modules under node, the page's decoder
# of binary chart data against tbserve's JSON on the real fixtures, then the
# page in headless Chromium against a real tbserve on real fixture data.
run node --test --test-reporter=tap tests/browser/smoothing.test.mjs
run node --test --test-reporter=tap tests/browser/fastlines.test.mjs
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap tests/browser/binary.test.mjs
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/dashboard.test.mjs
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/charts.test.mjs
# Images and Audio tabs, pinning, tabs only with data
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/images.test.mjs
# The HParams tab: its pure model under node; then rows = sessions, sort,
# brush → run selection, W&B config, 5,000 sessions timed, in the browser.
run node --test --test-reporter=tap tests/browser/hpmodel.test.mjs
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/hparams.test.mjs
# The page behind the token login (?token= once, then the cookie) and over HTTPS.
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/access.test.mjs
# PR curves and custom scalars: both tabs on logdir-small and the real fixtures.
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/prcurves.test.mjs
# graphs plugin: the Graphs tab on the real fixtures, pbtxt.js on every recorded body, 10k-node timing.
TBSERVE=build-test/server/tbserve run node --test --test-reporter=tap --test-concurrency=1 tests/browser/graphs.test.mjs

# Mutation check: deliberate breakages, each of which some test above must
# catch (scripts/mutation.sh; reuses build-mutation/, about 2 minutes).
run scripts/mutation.sh

echo "tests: $passed passed, $failed failed"
exit $status
