#!/usr/bin/env bash
# tests/bench/libraries.sh: what the library register costs. Generates N
# MARCXML records of works held by 1-3 of six libraries, each library
# written three ways in 852 $a (simplified, traditional, a code), then:
#   1. import into a home with an empty register (the baseline) and into
#      one with samples/libraries.tsv loaded: the cost of resolving every
#      holding at import (ratio of the two);
#   2. on the first home, `library import samples/libraries.tsv`: the first
#      apply, a pass over every record (backfill) plus the records whose
#      names now resolve;
#   3. `library unalias` then `alias` of one spelling (a sixth of the
#      holdings): the records it moves, and the clusters re-synced;
#   4. `wenyuan index` after that, against indexing everything.
# Usage: tests/bench/libraries.sh [WENYUAN] [N]   (default N 100000)
# No peer tool keeps a library register over MARC holdings in Debian: the
# figures of merit are the import ratio and the cost per changed record.
set -euo pipefail
BIN=${1:-build/wenyuan}
N=${2:-100000}
WORK=${WORK:-/tmp/wy-bench-libraries}
BIN=$(realpath "$BIN")
REG=$(realpath "$(dirname "$0")/../../samples/libraries.tsv")
rm -rf "$WORK"
mkdir -p "$WORK"

awk -v N="$N" 'BEGIN {
  srand(20261122)
  split("国家图书馆|國家圖書館|NLC|上海图书馆|上海圖書館|SHL|南京图书馆|南京圖書館|NJL|北京师范大学图书馆|北京師範大學圖書館|86BNU_INST|浙江图书馆|浙江圖書館|ZJL|天津图书馆|天津圖書館|TJL", L, "|")
  print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
  print "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">"
  i = 0; w = 0
  while (i < N) {
    w++; copies = 1 + int(rand() * 3)
    for (c = 0; c < copies && i < N; c++) {
      i++
      printf "<record><leader>00000nam a2200000 a 4500</leader>"
      printf "<controlfield tag=\"001\">b%08d</controlfield>", i
      printf "<datafield tag=\"022\" ind1=\" \" ind2=\" \"><subfield code=\"a\">%04d-%04d</subfield></datafield>", int(w / 10000), w % 10000
      printf "<datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield code=\"a\">书名 %d</subfield></datafield>", w
      printf "<datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield code=\"a\">%s</subfield><subfield code=\"h\">C%d</subfield></datafield>\n", L[1 + int(rand() * 18)], i
      printf "</record>\n"
    }
  }
  print "</collection>"
}' > "$WORK/recs.xml"

t() { local t0 t1; t0=$(date +%s.%N); "$@" > "$WORK/last.out"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

"$BIN" init "$WORK/plain" >/dev/null
"$BIN" init "$WORK/reg" >/dev/null
"$BIN" -H "$WORK/reg" library import "$REG" >/dev/null
a=$(t "$BIN" -H "$WORK/plain" import "$WORK/recs.xml")
b=$(t "$BIN" -H "$WORK/reg" import "$WORK/recs.xml")
c=$(t "$BIN" -H "$WORK/plain" library import "$REG")
capply=$(grep '^records' "$WORK/last.out")
"$BIN" -H "$WORK/plain" index >/dev/null
d=$(t sh -c "'$BIN' -H '$WORK/plain' library unalias NLC 國家圖書館 && '$BIN' -H '$WORK/plain' library alias NLC 國家圖書館")
dapply=$(grep '^records' "$WORK/last.out" | tail -1)
e=$(t "$BIN" -H "$WORK/plain" index)
eout=$(cat "$WORK/last.out")
f=$(t "$BIN" -H "$WORK/plain" index --rebuild)

echo "wenyuan library register benchmark ($(nproc) cores, $(date -u +%Y-%m-%d)), N=$N records"
printf "import (+cluster), empty register:   %6.1f s\n" "$a"
printf "import (+cluster), 4 libraries:      %6.1f s  (ratio %.2f)\n" "$b" "$(echo "$b / $a" | bc -l)"
printf "library import (first apply, backfill of every record): %.1f s\n  %s\n" "$c" "$capply"
printf "unalias + alias of one spelling (both applied, clusters synced): %.1f s\n  %s\n" "$d" "$dapply"
printf "wenyuan index after it: %.1f s (%s); index --rebuild: %.1f s\n" "$e" "$eout" "$f"
