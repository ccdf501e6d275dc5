#!/bin/sh
# tests/bench/xwalk_marc.sh: the MARC 21 <-> UNIMARC crosswalk's cost. No
# peer tool that crosswalks is packaged here (USEMARCON, MarcEdit and
# MARC::Moose are not), so the same run compares, on the same file:
#   yaz-marcdump -i marc -o marc     ISO 2709 copy (no crosswalk)
#   wenyuan convert --to unimarc     UNIMARC read and written (no crosswalk)
#   wenyuan convert --to marc21      UNIMARC -> MARC 21 (crosswalk)
#   wenyuan convert --to unimarc     that MARC 21 back to UNIMARC (crosswalk)
# with CPU seconds (user+sys, GNU time), records/s and peak RSS. Not part of
# `make test`.
#
#   sh tests/bench/xwalk_marc.sh [build/wenyuan] [COPIES]
#
# Input: xbib's periouni.mrc (3,064 FNSP UNIMARC serials) and the BNU CNMARC
# file, repeated COPIES times (default 30).
set -eu
WY=${1:-build/wenyuan}
COPIES=${2:-30}
SHARED=${WY_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
F=$SHARED/fixtures/records
T=${TMPDIR:-/tmp}/wy-bench-xwalk.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT INT TERM
for tool in yaz-marcdump /usr/bin/time; do
    command -v $tool >/dev/null || { echo "missing $tool (make deps)"; exit 1; }
done
i=0
while [ $i -lt "$COPIES" ]; do
    cat "$F/xbib-marc/periouni.mrc" "$F/derived/dp2-bnu-cnmarc-10.iso"
    i=$((i + 1))
done > "$T/in.mrc"
n=$((COPIES * 3074))

run() {   # run LABEL CMD...: prints label, CPU s, records/s, peak RSS KiB
    label=$1
    shift
    /usr/bin/time -f '%U %S %M' -o "$T/time" "$@" 2>/dev/null || true
    set -- $(cat "$T/time")
    awk -v l="$label" -v u="$1" -v s="$2" -v m="$3" -v n="$n" 'BEGIN {
        c = u + s; if (c <= 0) c = 0.01
        printf "%-34s %7.2f s  %9.0f records/s  %7d KiB\n", l, c, n / c, m }'
}

echo "records: $n ($(wc -c < "$T/in.mrc") bytes)"
run "yaz-marcdump marc -> marc" sh -c "yaz-marcdump -i marc -o marc '$T/in.mrc' > '$T/y.mrc'"
run "wenyuan unimarc -> unimarc" "$WY" convert --from unimarc --to unimarc "$T/in.mrc" "$T/u.mrc"
run "wenyuan unimarc -> marc21 (xwalk)" "$WY" convert --from unimarc --to marc21 "$T/in.mrc" "$T/m.mrc"
run "wenyuan marc21 -> unimarc (xwalk)" "$WY" convert --from marc21 --to unimarc "$T/m.mrc" "$T/b.mrc"
