#!/usr/bin/env bash
# Build tbserve and start it. With no arguments it serves the bundled demo
# logdir (real event files from PyTorch, TF2, Keras and Hugging Face);
# any arguments are passed to tbserve instead, e.g.
#   scripts/run.sh --logdir ~/runs --port 6006
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build --buildtype=release
if [ $# -eq 0 ]; then
  set -- --logdir scripts/demo-logdir
fi
exec build/server/tbserve "$@"
