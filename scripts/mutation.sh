#!/usr/bin/env bash
# Mutation check: each mutant below breaks the code on purpose in a scratch
# copy of the tree, rebuilds it and runs the test(s) that should notice; the
# check passes only if they FAIL. A mutant whose code is no longer found
# (the code was refactored) is an error, not a skip: update its text here.
#   scripts/mutation.sh [NAME...]      (default: every mutant)
# The scratch copy and its build live in build-mutation/ and are reused, so
# a run rebuilds only the mutated files (about 2-4 minutes for all of them).
# Prints one line per mutant and 'N passed, N failed' (passed = killed).
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$src/build-mutation
tree=$work/tree
build=$work/build
log=$work/log
mkdir -p "$work"

# Mirror the working tree (tracked and new files, not builds) into $tree,
# copying only what changed so ninja rebuilds only that.
python3 - "$src" "$tree" <<'EOF'
import os, shutil, subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
files = subprocess.run(["git", "-C", src, "ls-files", "-co", "--exclude-standard", "-z"],
                       capture_output=True, check=True).stdout.split(b"\0")
for f in (x.decode() for x in files if x):
    a, b = os.path.join(src, f), os.path.join(dst, f)
    if os.path.islink(a):
        if not os.path.lexists(b):
            os.makedirs(os.path.dirname(b), exist_ok=True)
            os.symlink(os.path.realpath(a), b)
        continue
    if not os.path.isfile(a):
        continue
    if os.path.isfile(b) and open(a, "rb").read() == open(b, "rb").read():
        continue
    os.makedirs(os.path.dirname(b), exist_ok=True)
    shutil.copy2(a, b)
EOF
[ -L "$tree/node_modules" ] || [ -e "$tree/node_modules" ] || ln -s "$(realpath "$src/node_modules")" "$tree/node_modules"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$tree" --buildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C "$build" >"$log" 2>&1 || { tail -20 "$log"; echo "mutation: the unmutated tree does not build"; exit 1; }

passed=0
failed=0
want=" $* "

# mutate NAME FILE TEST-COMMAND...  (stdin: the exact old text, a line
# '=====', the new text). The test command runs in $tree with $build.
mutate() {
  local name=$1 file=$2
  shift 2
  local spec
  spec=$(cat)
  if [ "$want" != "  " ] && [[ "$want" != *" $name "* ]]; then
    return
  fi
  cp -p "$src/$file" "$tree/$file.orig"
  if ! python3 - "$tree/$file" "$spec" <<'EOF'
import sys
path, spec = sys.argv[1], sys.argv[2]
old, new = spec.split("\n=====", 1)
new = new[1:]  # the newline after '=====' (none when the new text is empty)
text = open(path).read()
n = text.count(old)
if n != 1:
    sys.exit("the text to mutate is found %d times (expected once)" % n)
open(path, "w").write(text.replace(old, new))
EOF
  then
    echo "ERROR    $name: $file changed; update this mutant"
    failed=$((failed + 1))
    mv "$tree/$file.orig" "$tree/$file"
    return
  fi
  local verdict
  if ! ninja -C "$build" >"$log" 2>&1; then
    verdict="ERROR    $name: the mutant does not compile"
    failed=$((failed + 1))
  elif (cd "$tree" && "$@") >"$log" 2>&1; then
    verdict="SURVIVED $name: $* still passes"
    failed=$((failed + 1))
  else
    verdict="killed   $name ($*)"
    passed=$((passed + 1))
  fi
  echo "$verdict"
  mv "$tree/$file.orig" "$tree/$file"
  touch "$tree/$file"
}

mt() { meson test -C "$build" --no-rebuild "$@"; }

# --- the three breakages the issue found unguarded -------------------------

mutate static-dotdot server/static_files.c python3 tests/http/static_dir_test.py "$build/server/tbserve" <<'EOF'
		if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
=====
		if (len == 0 || (len == 1 && seg[0] == '.'))
EOF

# The digits of %.17g, kept in Python's layout (so only the bytes differ).
mutate static-symlink-dir server/static_files.c python3 tests/http/static_dir_test.py "$build/server/tbserve" <<'EOF'
		int next = openat(dir, seg, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
=====
		int next = openat(dir, seg, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
EOF

mutate static-size-limit server/static_files.c python3 tests/http/static_dir_test.py "$build/server/tbserve" <<'EOF'
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > TB_STATIC_DIR_MAX_FILE) {
=====
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
EOF

mutate json-17g server/json.c tests/golden/replay.sh "$build/server/tbserve" <<'EOF'
	decimal dec = to_decimal(bits);
=====
	decimal dec;
	{
		char t[40];
		snprintf(t, sizeof t, "%.16e", neg ? -v : v);
		dec.f = 0;
		for (const char *q = t; *q != 'e'; q++)
			if (*q != '.')
				dec.f = dec.f * 10 + (uint64_t)(*q - '0');
		dec.k = atoi(strchr(t, 'e') + 1) - 16;
	}
EOF

mutate cache-version server/cache.c mt cache <<'EOF'
	if (b && b->version == se->version)
=====
	if (b)
EOF

# --- one per module ----------------------------------------------------------

mutate record-crc server/record.c mt record fuzz_record <<'EOF'
	if (r->verify_payload_crc &&
	    tb_crc32c_mask(tb_crc32c(0, p, (size_t)n)) != get_u32(p + n))
=====
	if (0)
EOF

mutate visibility server/ingest.c mt fuzz_plugin_data <<'EOF'
		se->too_new = tb_plugin_content_version(m.content, m.content_len) > 0;
=====
		se->too_new = false;
EOF

mutate bucket-max server/query.c mt api_plugins query <<'EOF'
	bool ok[BUCKET_PICKS] = { true, b->has_minmax, b->has_minmax, b->has_nan,
=====
	bool ok[BUCKET_PICKS] = { true, b->has_minmax, false, b->has_nan,
EOF

mutate sanitize-scheme server/html_sanitize.c mt markdown fuzz_sanitize <<'EOF'
			if (!((sl == 4 && !memcmp(u, "http", 4)) ||
=====
			if (0 && !((sl == 4 && !memcmp(u, "http", 4)) ||
EOF

mutate form-plus server/form.c mt form <<'EOF'
		} else if (plus && s[i] == '+') {
=====
		} else if (0 && plus && s[i] == '+') {
EOF

mutate json-escape server/json.c mt json <<'EOF'
	case '"': e = "\\\""; break;
=====
	case '"': e = "\""; break;
EOF

mutate csv-quote server/writer.c python3 tests/cli/cli_test.py "$build/server/tbserve" <<'EOF'
		if (s[i] == '"')
			tb_buf_putc(b, '"');
=====
EOF

mutate inspect-step-range server/inspect.c python3 tests/cli/cli_test.py "$build/server/tbserve" <<'EOF'
		if (i == 0 || st < lo)
=====
		if (i == 0)
EOF

# --- access and connection limits (issue #12 part 1) ---------------------------

mutate host-allow-list server/access.c mt access <<'EOF'
	if (!host || a->any_host)
=====
	if (1)
EOF

mutate token-failure-limit server/access.c mt access <<'EOF'
	bool yes = f && f->count >= TB_AUTH_MAX_FAILURES && now - f->start < TB_AUTH_WINDOW;
=====
	bool yes = false && f;
EOF

mutate cross-site server/access.c mt access <<'EOF'
	return sec_fetch_site && !strcmp(sec_fetch_site, "same-origin");
=====
	return true;
EOF

mutate request-deadline server/conns.c mt access <<'EOF'
				drop(t, c, "request deadline");
=====
				(void)0;
EOF

# --- W&B logs (issue #14) ------------------------------------------------------

mutate wandb-crc server/wandb_log.c mt wandb <<'EOF'
		if (c != crc)
			return damage(lg, -EBADMSG);
=====
		(void)c;
EOF

mutate wandb-nested-key server/wandb_value.c mt wandb <<'EOF'
		tb_buf_putc(tag, '/');
		tb_buf_puts(tag, e->string ? e->string : "");
=====
		tb_buf_putc(tag, '.');
		tb_buf_puts(tag, e->string ? e->string : "");
EOF

mutate wandb-system-names server/wandb.c mt wandb <<'EOF'
	if (!strcmp(key, "memory"))
		return "memory_percent";
=====
EOF

mutate wandb-console-cr server/wandb_console.c mt wandb <<'EOF'
		else if (ch == '\r')
			c->cursor = 0;
=====
		else if (ch == '\r')
			(void)0;
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
