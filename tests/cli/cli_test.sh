#!/usr/bin/env bash
# cli_test.sh - tbserve's command line as a user meets it: help, bad flags,
# missing or wrong paths, --inspect and export filters, the serve banner, and
# `meson install` into a DESTDIR (binary, man page, bash completion).
#   tests/cli/cli_test.sh BUILD_DIR
# Prints "N passed, M failed"; exits non-zero when a case fails.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build-test}
TB="$PWD/$BUILD/server/tbserve"
DATA="$PWD/tests/data/golden/logdir-small"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0

# check NAME WANT_RC PATTERN CMD...: CMD's exit status is WANT_RC ("nz":
# non-zero) and its stdout+stderr match the extended regex PATTERN
check() {
  local name=$1 want=$2 pat=$3
  shift 3
  local out rc
  out=$(timeout 20 "$@" 2>&1)
  rc=$?
  local ok=1
  if [ "$want" = nz ]; then [ $rc -ne 0 ] || ok=0; else [ $rc -eq "$want" ] || ok=0; fi
  printf '%s' "$out" | grep -Eq -- "$pat" || ok=0
  if [ $ok = 1 ]; then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "not ok - $name (exit $rc, wanted $want; output should match /$pat/):"
    printf '%s\n' "$out" | head -20 | sed 's/^/#   /'
  fi
}

# absent NAME PATTERN CMD...: the output does not match PATTERN
absent() {
  local name=$1 pat=$2
  shift 2
  local out
  out=$(timeout 20 "$@" 2>&1)
  if printf '%s' "$out" | grep -Eq -- "$pat"; then
    fail=$((fail + 1))
    echo "not ok - $name (output matches /$pat/):"
    printf '%s\n' "$out" | grep -E -- "$pat" | head -5 | sed 's/^/#   /'
  else
    pass=$((pass + 1))
    echo "ok - $name"
  fi
}

# ---- help and flags ----------------------------------------------------------
check "-h is --help" 0 '^usage: tbserve' "$TB" -h
check "--help" 0 '^usage: tbserve' "$TB" --help
check "an ambiguous flag lists its candidates" 2 'ambiguous flag --re, did you mean.* --reload_interval.* --reuse_port' "$TB" --re 1
check "an unknown flag" 2 'unknown flag --nope' "$TB" --nope

# ---- paths -------------------------------------------------------------------
touch "$tmp/afile"
check "a regular file as --logdir is an error" 1 "'$tmp/afile' is a file, not a directory" "$TB" --logdir "$tmp/afile" --port 0
check "... also with --inspect" 1 "'$tmp/afile' is a file, not a directory" "$TB" --logdir "$tmp/afile" --inspect
check "a missing logdir with --inspect" 1 "logdir '$tmp/none' does not exist" "$TB" --logdir "$tmp/none" --inspect
check "--event_file that does not exist" 1 "cannot read event file '/nonexistent/x.tfevents': No such file or directory" "$TB" --event_file /nonexistent/x.tfevents --inspect

# serving a missing logdir: serves, says it waits for the path, keeps running
"$TB" --logdir "$tmp/later" --port 0 --host 127.0.0.1 >"$tmp/serve.log" 2>&1 &
pids+=($!)
sleep 1.5
if kill -0 "${pids[-1]}" 2>/dev/null && grep -q "logdir $tmp/later does not exist yet" "$tmp/serve.log"; then
  pass=$((pass + 1)); echo "ok - a missing logdir is served and waited for, named in the log"
else
  fail=$((fail + 1)); echo "not ok - a missing logdir is served and waited for"; sed 's/^/#   /' "$tmp/serve.log"
fi
kill "${pids[-1]}" 2>/dev/null

# ---- the serve banner --------------------------------------------------------
host=$(hostname)
"$TB" --logdir "$DATA" --port 0 --host 127.0.0.1 >"$tmp/banner.log" 2>&1 &
pids+=($!)
sleep 1.5
kill "${pids[-1]}" 2>/dev/null
if grep -q "ssh -L [0-9]*:localhost:[0-9]* $host," "$tmp/banner.log" && ! grep -q THIS_HOST "$tmp/banner.log"; then
  pass=$((pass + 1)); echo "ok - the SSH hint names this machine ($host)"
else
  fail=$((fail + 1)); echo "not ok - the SSH hint names this machine ($host)"; sed 's/^/#   /' "$tmp/banner.log"
fi
# 6006 taken (by us, or already by someone else): the banner says the port moved up
python3 -c 'import socket,time
s=socket.socket()
try:
    s.bind(("127.0.0.1", 6006)); s.listen()
except OSError:
    pass
print("ready", flush=True); time.sleep(30)' >"$tmp/port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
"$TB" --logdir "$DATA" --host 127.0.0.1 >"$tmp/moved.log" 2>&1 &
pids+=($!)
sleep 1.5
kill "${pids[-1]}" "${pids[-2]}" 2>/dev/null
if grep -Eq "port 6006 was in use; serving on port 6[0-9]{3} instead" "$tmp/moved.log"; then
  pass=$((pass + 1)); echo "ok - the banner says the port moved up"
else
  fail=$((fail + 1)); echo "not ok - the banner says the port moved up"; sed 's/^/#   /' "$tmp/moved.log"
fi

# ---- inspect and export -------------------------------------------------------
check "--inspect --tag lists the runs with that tag" 0 'run baseline' "$TB" --logdir "$DATA" --inspect --tag loss
absent "... and only them" 'run text_run|run empty_run|events.out.tfevents.*text' "$TB" --logdir "$DATA" --inspect --tag loss
absent "... and only that tag's series" '^    (accuracy|lr|simple) ' "$TB" --logdir "$DATA" --inspect --tag loss
check "--inspect --tag with no such tag" 1 "no series has the tag 'no_such_tag'" "$TB" --logdir "$DATA" --inspect --tag no_such_tag
check "one run, one point: singular" 0 '^1 run, 1 series, 1 point$' "$TB" --event_file "$PWD/tests/data/cli/one-point/events.out.tfevents.1700000000.cli.0" --inspect
absent "no '1 runs' / '1 points' / '1 events'" '(^|[^0-9])1 (runs|points|events|records)\b' "$TB" --event_file "$PWD/tests/data/cli/one-point/events.out.tfevents.1700000000.cli.0" --inspect
check "export --run with a run that does not exist" 1 "no run 'typo' in " "$TB" export --logdir "$DATA" --run typo
check "export --run of a real run" 0 '"run": "baseline"' "$TB" export --logdir "$DATA" --run baseline --tag loss

# ---- meson install -------------------------------------------------------------
dest="$tmp/dest"
if meson install -C "$BUILD" --destdir "$dest" --no-rebuild >"$tmp/install.log" 2>&1; then
  bin=$(find "$dest" -path '*/bin/tbserve' -type f | head -1)
  man=$(find "$dest" -path '*/man1/tbserve.1*' | head -1)
  comp=$(find "$dest" -path '*/bash-completion/completions/tbserve' | head -1)
  check "installed: the binary runs" 0 '^tbserve [0-9]' "$bin" --version_tb
  check "installed: a man page" 0 'TH TBSERVE 1' cat "$man"
  check "installed: the man page renders" 0 'tbserve' man -l "$man"
  check "installed: bash completion completes flags" 0 'reload_interval' bash -c "source '$comp'; COMP_WORDS=('$bin' --rel); COMP_CWORD=1; _tbserve; printf '%s\n' \"\${COMPREPLY[@]}\""
  check "installed: bash completion completes values" 0 '^csv$' bash -c "source '$comp'; COMP_WORDS=('$bin' export --format c); COMP_CWORD=3; _tbserve; printf '%s\n' \"\${COMPREPLY[@]}\""
  # the page is in the binary: serve from the installed copy alone
  (cd / && PATH="$(dirname "$bin"):/usr/bin:/bin" exec tbserve --logdir "$DATA" --port 0 --host 127.0.0.1 >"$tmp/inst.log" 2>&1) &
  pids+=($!)
  sleep 1.5
  url=$(grep -o 'http://[^ ]*/' "$tmp/inst.log" | head -1)
  check "installed: tbserve on PATH serves the page" 0 '<title>tbserve</title>' curl -s "$url"
  kill "${pids[-1]}" 2>/dev/null
else
  fail=$((fail + 1)); echo "not ok - meson install"; sed 's/^/#   /' "$tmp/install.log"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
