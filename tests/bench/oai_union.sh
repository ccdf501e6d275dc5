#!/usr/bin/env bash
# tests/bench/oai_union.sh: a whole harvest of /oai/union (the clusters,
# each a display record with every member's holdings) against a whole
# harvest of /oai (the library records) of the same home, in the same run,
# with curl following the resumption tokens (page size 100). Reports
# records/s of each and the ratio.
#
# Usage: tests/bench/oai_union.sh HOME [WENYUAN] [PREFIX]
# HOME: a clustered home, e.g. the one tests/bench/cluster.sh leaves in
# $WORK/N/home (WORK=/tmp/wy-bench-cluster, N=250000 by default).
# PREFIX: oai_dc (default), marcxml or mods.
set -euo pipefail
HOME_DIR=${1:?usage: oai_union.sh HOME [WENYUAN] [PREFIX]}
BIN=$(realpath "${2:-build/wenyuan}")
PREFIX=${3:-oai_dc}
LOG=$(mktemp)
"$BIN" -H "$HOME_DIR" serve --listen 127.0.0.1:0 --quiet >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -f "$LOG"' EXIT
URL=
for _ in $(seq 1 50); do
  URL=$(sed -n 's/.* at \(http:[^ ]*\)$/\1/p' "$LOG" | head -1)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { cat "$LOG" >&2; exit 1; }
sleep 1.1 # lists stop at the second before their first page

harvest() {   # harvest BASE: prints "items seconds" (the sum of curl's
              # time_total over the pages: the shell's parsing left out)
  local base=$1 q="verb=ListRecords&metadataPrefix=$PREFIX" n=0 t=0 body tok
  while :; do
    body=$(curl -fsS -w '\n%{time_total}' "$base?$q")
    t=$(awk -v a="$t" -v b="${body##*$'\n'}" 'BEGIN { printf "%.6f", a + b }')
    n=$((n + $(grep -o '<header' <<<"$body" | wc -l)))
    tok=$(sed -n 's/.*<resumptionToken[^>]*>\([^<]*\)<\/resumptionToken>.*/\1/p' <<<"$body")
    [ -n "$tok" ] || break
    q="verb=ListRecords&resumptionToken=$tok"
  done
  echo "$n $t"
}

echo "oai_union benchmark: $HOME_DIR, $PREFIX ($(nproc) cores, $(date -u +%Y-%m-%d))"
read -r nr tr <<<"$(harvest "${URL%/}/oai")"
read -r nu tu <<<"$(harvest "${URL%/}/oai/union")"
awk -v nr="$nr" -v tr="$tr" -v nu="$nu" -v tu="$tu" 'BEGIN {
  printf "/oai        %8d records  %7.2f s  %8.0f records/s\n", nr, tr, nr / tr
  printf "/oai/union  %8d clusters %7.2f s  %8.0f clusters/s\n", nu, tu, nu / tu
  printf "ratio (clusters/s over records/s): %.2f\n", (nu / tu) / (nr / tr) }'
