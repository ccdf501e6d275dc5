#!/bin/sh
# The main job on samples/: grows as the modules land.
set -e
BIN=${1:-build/wenyuan}
"$BIN" --help
