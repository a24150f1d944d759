#!/usr/bin/env bash
# Install the web dashboard's npm packages (Chart.js, embedded into tbserve at
# build time; playwright-core, for the browser tests) exactly as
# package-lock.json pins them. Idempotent: `npm ci` runs only when
# node_modules/ is missing or package-lock.json changed since the last run.
# Also copies chart.umd.js and dagre.min.js into static/vendor/ so that
# `tbserve --static_dir static` finds them during frontend work.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  echo "npm-deps: npm is missing (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.tbserve-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
   [ ! -f node_modules/chart.js/dist/chart.umd.js ] ||
   [ ! -f node_modules/@dagrejs/dagre/dist/dagre.min.js ]; then
  echo "npm-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
# static/vendor holds a copy of each vendored file: --static_dir opens every
# path component with O_NOFOLLOW, so links (static/vendor was once a link to
# chart.js/dist) are never served.
[ -L static/vendor ] && rm static/vendor
mkdir -p static/vendor
for f in chart.js/dist/chart.umd.js @dagrejs/dagre/dist/dagre.min.js; do
  cmp -s "node_modules/$f" "static/vendor/$(basename "$f")" || cp -f "node_modules/$f" static/vendor/
done
