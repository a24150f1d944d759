#!/usr/bin/env bash
# Install what tbserve needs to build and test on Debian 12, idempotently:
# only missing packages are installed, and apt's lists are refreshed only then.
# (esbuild bundles the page's ES modules into one file at build time.)
# Then the npm packages pinned in package-lock.json (Chart.js, embedded into
# the binary; playwright-core, for the browser tests), via scripts/npm-deps.sh.
# `--test` adds what the tests need: wrk, Debian's chromium for the browser
# tests, openssl (self-signed certificates made at test time) and curl (real
# TLS handshakes), clang, python3-markdown and python3-bleach for fuzzing and
# the Markdown diff, and a one-node Ceph (monitor, OSD, RADOS Gateway) for the
# S3 tests. libmicrohttpd-dev brings GnuTLS, which serves HTTPS.
set -euo pipefail

ceph_packages=()
packages=(
  build-essential meson ninja-build pkg-config
  libmicrohttpd-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev
  libcjson-dev libmd4c-dev libcmocka-dev libcurl4-openssl-dev
  python3 curl esbuild
)
# Node.js and npm: any install that provides the commands will do.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if [ "${1:-}" = "--test" ]; then
  packages+=(wrk chromium openssl curl)
  # fuzzing (tests/fuzz/run.sh) and the differential Markdown check against
  # TensorBoard's own stack (tests/fuzz/markdown_diff.py)
  packages+=(clang python3-markdown python3-bleach)
  ceph_packages=(ceph-mon ceph-osd radosgw ceph-common uuid-runtime)
fi

# install_missing [APT-OPTION...] -- PACKAGE...: apt-get install the ones not
# installed yet (refreshing apt's lists only then).
install_missing() {
  local opts=() missing=() p
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "deps: installing ${missing[*]}" >&2
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${opts[@]}" "${missing[@]}" >/dev/null
}
install_missing -- "${packages[@]}"
# Ceph without its recommends (no ceph-mgr, no dashboards): what radosgw needs.
[ ${#ceph_packages[@]} -eq 0 ] || install_missing --no-install-recommends -- "${ceph_packages[@]}"

"$(dirname "$0")/npm-deps.sh"
