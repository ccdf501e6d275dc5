#!/bin/sh
# tests/e2e/run.sh: the researchers' web page end to end on the samples, in
# headless Chromium (tests/e2e/web.test.mjs, node's test runner, with
# playwright-core driving Debian's /usr/bin/chromium; no browser download).
#   1. builds a home from samples/: init, ingest samples/items/batch.csv,
#      import samples/records, tests/fixtures/union/libraries.xml and
#      local.xml (collection difangwenxian), index
#   2. starts `wenyuan serve` on a free 127.0.0.1 port
#   3. runs `node --test web.test.mjs`; screenshots go to tests/e2e/out/
# Exits 0 and says "skipped" when chromium, node or playwright-core (run
# `npm ci` in tests/e2e) is missing.
# Usage: sh tests/e2e/run.sh [BIN]   (BIN defaults to build/wenyuan)
# Environment: CHROMIUM (default /usr/bin/chromium), WY_E2E_DIR (the home's
# parent, default a fresh directory under ${TMPDIR:-/tmp}).
set -eu
cd "$(dirname "$0")/../.."
BIN=${1:-build/wenyuan}
E2E=tests/e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

skip() { echo "e2e: skipped: $*"; exit 0; }
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (apt-get install chromium)"
command -v node >/dev/null || skip "no node (apt-get install nodejs npm)"
# playwright-core comes from the npm registry, pinned by package-lock.json
# (no browser download: the test drives Debian's chromium)
if [ ! -d "$E2E/node_modules/playwright-core" ] && command -v npm >/dev/null; then
    (cd "$E2E" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
        echo "e2e: npm ci failed" >&2
fi
[ -d "$E2E/node_modules/playwright-core" ] ||
    skip "no playwright-core (run: cd $E2E && npm ci)"
[ -x "$BIN" ] || { echo "e2e: no $BIN (run make)" >&2; exit 1; }

DIR=${WY_E2E_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/wenyuan-e2e.XXXXXX")}
HOME_DIR=$DIR/home
SERVE_PID=
cleanup() {
    [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
    [ -n "${WY_E2E_DIR:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
rm -rf "$HOME_DIR"
mkdir -p "$E2E/out"
{
    "$BIN" init "$HOME_DIR"
    "$BIN" -H "$HOME_DIR" ingest samples/items/batch.csv
    "$BIN" -H "$HOME_DIR" import --source local \
        samples/records/bnu-cnmarc-10.iso samples/records/pymarc-test.mrc \
        samples/records/harvard-webster-mods.xml
    # the same works as several libraries catalogue them: clusters of more
    # than one record, so the results are grouped by work
    "$BIN" -H "$HOME_DIR" import --source union \
        tests/fixtures/union/libraries.xml
    # 地方文献 of 杭州 and 上海: the collection page browses by place and
    # region
    "$BIN" -H "$HOME_DIR" import --source local --collection difangwenxian \
        tests/fixtures/union/local.xml
    "$BIN" -H "$HOME_DIR" index
} >"$DIR/build.log" 2>&1 || { cat "$DIR/build.log" >&2; exit 1; }

# port 0: the service picks a free port and prints its URL
"$BIN" -H "$HOME_DIR" serve --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
SERVE_PID=$!
URL=
for _ in $(seq 1 50); do
    URL=$(sed -n 's/.* at \(http:[^ ]*\)$/\1/p' "$DIR/serve.log" | head -1)
    [ -n "$URL" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$URL" ] || { echo "e2e: the service did not start:" >&2; cat "$DIR/serve.log" >&2; exit 1; }
echo "e2e: serving the samples at $URL"
WY_URL=$URL WY_E2E_OUT=$PWD/$E2E/out node --test "$E2E/web.test.mjs"
echo "e2e: screenshots in $E2E/out/"
