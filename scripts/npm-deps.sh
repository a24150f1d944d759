#!/usr/bin/env bash
# Install the web dashboard's npm packages (Chart.js, embedded into tbserve at
# build time; playwright-core, for the browser tests) exactly as
# package-lock.json pins them. Idempotent: `npm ci` runs only when
# node_modules/ is missing or package-lock.json changed since the last run.
# Also links static/vendor -> node_modules/chart.js/dist so that
# `tbserve --static_dir static` finds vendor/chart.umd.js during frontend work.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  echo "npm-deps: npm is missing (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.tbserve-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
   [ ! -f node_modules/chart.js/dist/chart.umd.js ]; then
  echo "npm-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
if [ ! -e static/vendor ]; then
  ln -s ../node_modules/chart.js/dist static/vendor
fi
