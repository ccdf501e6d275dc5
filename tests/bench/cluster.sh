#!/usr/bin/env bash
# tests/bench/cluster.sh: union-catalogue clustering at two sizes, to show
# linear time. Generates N MARCXML records of works held by 1-4 libraries
# each (the same work written in simplified or traditional characters, with
# ISBN-10 or ISBN-13, with or without punctuation), imports them into a
# fresh home, then times `wenyuan cluster rebuild` (all N records clustered
# from the change log, records read back from the catalog) and reports
# records/s and the peak RSS.
#
# Usage: tests/bench/cluster.sh [WENYUAN] [N1 N2]   (default 250000 500000)
# No peer tool clusters MARC records in Debian, so there is no ratio: the
# figure of merit is records/s at N2 against N1 (linear: about equal).
set -euo pipefail
BIN=${1:-build/wenyuan}
N1=${2:-250000}
N2=${3:-500000}
WORK=${WORK:-/tmp/wy-bench-cluster}
BIN=$(realpath "$BIN")

gen() {   # gen N FILE: N records, deterministic
  awk -v N="$1" '
  function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
  function sf(c, v) { return "<subfield code=\"" c "\">" esc(v) "</subfield>" }
  function df(t, a, b, body) { return "<datafield tag=\"" t "\" ind1=\"" a "\" ind2=\"" b "\">" body "</datafield>\n" }
  function isbn10(n,   d, s, i, c) {   # 7-NNNNNNNN-C from a number
    d = sprintf("7%08d", n % 100000000); s = 0
    for (i = 1; i <= 9; i++) s += (11 - i) * substr(d, i, 1)
    c = (11 - s % 11) % 11
    return substr(d, 1, 1) "-" substr(d, 2, 4) "-" substr(d, 6, 4) "-" (c == 10 ? "X" : c)
  }
  function isbn13(i10,   d, s, i) {
    d = "978" substr(i10, 1, 1) substr(i10, 3, 4) substr(i10, 8, 4); s = 0
    for (i = 1; i <= 12; i++) s += (i % 2 ? 1 : 3) * substr(d, i, 1)
    return d ((10 - s % 10) % 10)
  }
  BEGIN {
    srand(20261122)
    split("红楼梦 紅樓夢|三国演义 三國演義|水浒传 水滸傳|西游记 西遊記|资治通鉴 資治通鑑|史记 史記|汉书 漢書|文心雕龙 文心雕龍|说文解字 說文解字|梦溪笔谈 夢溪筆談|天工开物 天工開物|本草纲目 本草綱目|农政全书 農政全書|聊斋志异 聊齋誌異|儒林外史 儒林外史|长生殿 長生殿|东坡全集 東坡全集|朱子语类 朱子語類|苏州府志 蘇州府志|广州府志 廣州府志", T, "|")
    split("曹雪芹|罗贯中|施耐庵|吴承恩|司马光|司马迁|班固|刘勰|许慎|沈括|宋应星|李时珍|徐光启|蒲松龄|吴敬梓|洪昇|苏轼|黎靖德|冯桂芬|戴肇辰", A, "|")
    split("刻本|抄本|稿本|木活字印本|石印本", E, "|")
    split("国家图书馆|上海图书馆|南京图书馆|浙江图书馆|湖北省图书馆|广东省立中山图书馆|天津图书馆|辽宁省图书馆", L, "|")
    print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    print "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">"
    i = 0; w = 0
    while (i < N) {
      w++; t = 1 + int(rand() * 20); split(T[t], tt, " ")
      modern = rand() < 0.5; yr = 1600 + int(rand() * 400); juan = 1 + int(rand() * 120)
      ed = E[1 + int(rand() * 5)]; i10 = isbn10(w)
      copies = 1 + int(rand() * 4)
      for (c = 0; c < copies && i < N; c++) {
        i++
        title = (rand() < 0.3 ? tt[2] : tt[1]) (rand() < 0.5 ? " :" : "") " " w
        printf "<record><leader>00000nam a2200000 a 4500</leader>"
        printf "<controlfield tag=\"001\">b%08d</controlfield>\n", i
        if (modern) printf "%s", df("020", " ", " ", sf("a", rand() < 0.5 ? i10 : isbn13(i10)))
        printf "%s", df("100", "0", " ", sf("a", A[t]))
        printf "%s", df("245", "1", "0", sf("a", title) sf("n", juan "卷"))
        if (!modern) printf "%s", df("250", " ", " ", sf("a", ed))
        printf "%s", df("260", " ", " ", sf("c", yr))
        printf "%s", df("852", " ", " ", sf("a", L[1 + int(rand() * 8)]) sf("h", "C" i))
        printf "</record>\n"
      }
    }
    print "</collection>"
  }' > "$2"
}

run() {   # run N
  local n=$1 dir=$WORK/$1
  rm -rf "$dir"; mkdir -p "$dir"
  gen "$n" "$dir/recs.xml"
  "$BIN" init "$dir/home" >/dev/null
  local t0 t1 t2
  t0=$(date +%s.%N)
  "$BIN" -H "$dir/home" import "$dir/recs.xml" > "$dir/import.out" 2>/dev/null
  t1=$(date +%s.%N)
  /usr/bin/time -f "%M %U %S" -o "$dir/rss" "$BIN" -H "$dir/home" cluster rebuild > "$dir/cluster.out"
  t2=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v rss="$(cat "$dir/rss")" \
      -v stats="$(tail -1 "$dir/cluster.out")" 'BEGIN {
    split(rss, r, " ")
    printf "N=%d  import+cluster %.1f s  cluster rebuild %.1f s = %.0f records/s (CPU %.1f s = %.0f records/s)  peak RSS %.1f MiB\n  %s\n",
           n, b - a, c - b, n / (c - b), r[2] + r[3], n / (r[2] + r[3] + 0.001), r[1] / 1024, stats }'
}

echo "wenyuan cluster benchmark ($(nproc) cores, $(date -u +%Y-%m-%d))"
run "$N1"
run "$N2"
