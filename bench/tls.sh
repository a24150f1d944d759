#!/bin/sh
# bench/tls.sh - HTTPS against plain HTTP, interleaved A/B: requests/s of
# small endpoints and of a 1,000-point scalar series through keep-alive
# connections, on two tbservers over the same logdir, one of them with
# --tls_cert/--tls_key (a P-256 certificate made here by openssl). The load
# tool is h2load (Debian's nghttp2-client) in HTTP/1.1 mode: wrk's TLS
# support is poor. Release build; results in docs/PERFORMANCE.md.
#   bench/tls.sh [SECONDS per measurement, default 5] [ROUNDS, default 2]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-5}
rounds=${2:-2}
scripts/deps.sh --test >/dev/null
command -v h2load >/dev/null || {
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nghttp2-client >/dev/null
}
build=build-bench
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" server/tbserve bench/gen_logdir >/dev/null

out=bench/out/tls
if [ ! -d "$out" ]; then
	rm -rf "$out.partial"
	mkdir -p "$out.partial/logdir"
	"$build/bench/gen_logdir" --runs 1 --tags 1 --steps 1000 --hist-every 0 "$out.partial/logdir/p1k" >/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-keyout "$out.partial/key.pem" -out "$out.partial/cert.pem" -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	chmod 600 "$out.partial/key.pem"
	mv "$out.partial" "$out"
fi

"$build/server/tbserve" --logdir "$out/logdir" --host 127.0.0.1 --port 16010 >/dev/null 2>&1 &
plain=$!
"$build/server/tbserve" --logdir "$out/logdir" --host 127.0.0.1 --port 16011 \
	--tls_cert "$out/cert.pem" --tls_key "$out/key.pem" >/dev/null 2>&1 &
tls=$!
trap 'kill $plain $tls 2>/dev/null' EXIT INT TERM
i=0
until curl -sf http://127.0.0.1:16010/data/runs | grep -q p1k &&
	curl -sfk https://127.0.0.1:16011/data/runs | grep -q p1k; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "tbserve did not start" >&2; exit 1; }
	sleep 0.05
done
sleep 0.5
q=$(curl -sf http://127.0.0.1:16010/data/plugin/scalars/tags | python3 -c 'import json,sys,urllib.parse as u
tags=json.load(sys.stdin); run=sorted(tags)[0]
print("run=%s&tag=%s" % (u.quote(run, safe=""), u.quote(sorted(tags[run])[0], safe="")))')

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "h2load --h1, $secs s per cell after 1 s warm-up, keep-alive; plain and TLS interleaved, $rounds rounds"
printf '| %-28s | %5s | %-5s | %s |\n' "request" "conns" "proto" "req/s per round"
printf '|%s|%s|%s|%s|\n' "---" "--:" "---" "--:"
one() { # proto path conns -> req/s (every answer checked 2xx)
	port=16010
	[ "$1" = http ] || port=16011
	t=1
	[ "$3" -gt 1 ] && t=2
	res=$(h2load --h1 -t$t -c"$3" -D "$secs" --warm-up-time=1 "$1://127.0.0.1:$port$2" 2>&1)
	# h2load -D may count the request cut off at the end as done without a
	# status: require no failure, no error and no 3xx/4xx/5xx instead
	echo "$res" | grep -q ' 0 failed, 0 errored' &&
		echo "$res" | grep -q '^status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx' ||
		{ echo "$2 $1: not all 2xx: $res" >&2; exit 1; }
	rps=$(echo "$res" | sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
	echo "${rps%.*}"
}
measure() { # name path conns: plain and TLS alternate within each round
	a=""
	b=""
	for r in $(seq 1 "$rounds"); do
		a="$a $(one http "$2" "$3")"
		b="$b $(one https "$2" "$3")"
	done
	printf '| %-28s | %5s | %-5s | %s |\n' "$1" "$3" "http" "$a"
	printf '| %-28s | %5s | %-5s | %s |\n' "$1" "$3" "https" "$b"
}
for c in 1 16; do
	measure "/data/runs" "/data/runs" $c
	measure "/data/environment" "/data/environment" $c
	measure "scalars, 1,000 points" "/data/plugin/scalars/scalars?$q" $c
done
