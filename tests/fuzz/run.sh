#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer targets (meson -Dfuzz=true, clang,
# AddressSanitizer + UndefinedBehaviorSanitizer) in build-fuzz/ and run each
# for SECONDS (default 60) on its seed corpus from tests/data
# (tests/fuzz/seeds.py) plus the committed regressions. Open-ended, so not
# part of scripts/test.sh; `meson test --suite fuzz` replays the regressions.
# A crash or broken property leaves its input in build-fuzz/crashes/<target>/
# (the other targets still run) and the script exits non-zero: fix the bug, then commit the input to
# tests/fuzz/regressions/<target>/. Each run's last stats line goes to
# build-fuzz/<target>.log (executions for docs/security.md).
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
[ $# -gt 0 ] && shift
all="record event plugin_data markdown sanitize form accept_encoding path timeseries writers wandb pbtext hparams"
targets=${*:-$all}
command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install clang)" >&2; exit 1; }
out=build-fuzz
if [ ! -f "$out/build.ninja" ]; then
	CC=clang meson setup "$out" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		--buildtype=debugoptimized >/dev/null
fi
ninja -C "$out" >/dev/null
status=0
for t in $targets; do
	corpus="$out/corpus/$t"
	mkdir -p "$corpus" "$out/crashes/$t"
	[ -n "$(ls -A "$corpus")" ] || python3 tests/fuzz/seeds.py "$t" tests/data "$corpus"
	echo "== fuzz_$t for $secs s"
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$out/tests/fuzz/fuzz_$t" \
		-max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=1536 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$t/" "$corpus" "tests/fuzz/regressions/$t" >"$out/$t.log" 2>&1; then
		tail -40 "$out/$t.log"
		echo "fuzz_$t: failed; the input is in $out/crashes/$t/" >&2
		status=1
		continue
	fi
	grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$out/$t.log" | tail -2
done
exit $status
