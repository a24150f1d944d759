#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer targets with clang (ASan + UBSan)
# and run each for SECONDS (default 60), seeded from the real fixtures and
# the Markdown cases. Not part of scripts/test.sh (it is open-ended); a
# crash leaves its input in build-fuzz/<target>-crashes/ and exits non-zero.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     targets: event markdown form wandb
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-event markdown form wandb}
command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install clang)" >&2; exit 1; }
scripts/build.sh build-test --buildtype=debugoptimized   # generated protobuf-c and asset sources
out=build-fuzz
mkdir -p "$out"
srcs=$(ls server/*.c | grep -v '/main\.c$')
gen="build-test/proto/tensorboard.pb-c.c build-test/proto/plugin_data.pb-c.c build-test/server/static_assets.c"
for t in $targets; do
	bin="$out/fuzz_$t"
	clang -std=c11 -D_GNU_SOURCE -DTB_VERSION='"fuzz"' -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Iserver -Ibuild-test/proto -Ibuild-test/server -Ibuild-test \
		tests/fuzz/fuzz_$t.c $srcs $gen \
		$(pkg-config --cflags --libs libprotobuf-c libcjson libmicrohttpd zlib md4c) -lm -lpthread -o "$bin"
	corpus="$out/$t-corpus"
	mkdir -p "$corpus" "$out/$t-crashes"
	case $t in
	event) python3 tests/fuzz/seed_events.py tests/data/real "$corpus" ;;
	markdown) python3 tests/fuzz/seed_text.py tests/data/text/cases.txt "$corpus" ;;
	wandb) find tests/data/wandb -name 'run-*.wandb*' -size -200k -exec cp {} "$corpus/" \; ;;
	form) printf 'multipart/form-data; boundary=XX\n--XX\r\nContent-Disposition: form-data; name="tag"\r\n\r\nloss\r\n--XX--\r\n' >"$corpus/mp" ;;
	esac
	echo "== fuzz_$t for $secs s"
	if ! "$bin" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$out/$t-crashes/" "$corpus" >"$out/$t.log" 2>&1; then
		tail -40 "$out/$t.log"
		echo "fuzz_$t: failed; the input is in $out/$t-crashes/" >&2
		exit 1
	fi
	tail -1 "$out/$t.log"
done
