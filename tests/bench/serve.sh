#!/bin/sh
# tests/bench/serve.sh: wrk against `wenyuan serve` (OAI-PMH ListRecords
# pages) and, in the same run, nginx serving the very same response bytes
# as static files: the ceiling. Prints requests/s, errors and the ratio.
#
# Records: N synthetic MARC 21 古籍 records from the generator in
# ../shared/tools/zebra-setup.sh (step 3, extracted and run unchanged),
# imported with `wenyuan import`.
#
# Usage: sh tests/bench/serve.sh            (N=100000 DUR=60 CONN=64)
#        N=20000 DUR=10 sh tests/bench/serve.sh
# Needs: wrk, nginx (Debian), build/wenyuan (make).
set -eu
N=${N:-100000}
DUR=${DUR:-60}
CONN=${CONN:-64}
WRK_THREADS=${WRK_THREADS:-2}
SRV_THREADS=${SRV_THREADS:-4}
BIN=${BIN:-build/wenyuan}
W=${WORKDIR:-/tmp/wenyuan-bench}
SHARED=${SHARED:-../shared}
PORT=${PORT:-18480}
NPORT=${NPORT:-18481}

command -v wrk >/dev/null || { echo "serve.sh: wrk is missing (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "serve.sh: nginx is missing"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

mkdir -p "$W"
if [ ! -f "$W/home-$N/catalog.db" ]; then
  echo "== generating $N records"
  mkdir -p "$W/gen/data/xml"
  # the awk program of zebra-setup.sh's step 3, as it is
  sed -n "/^awk -v N=\"\$N\" -v PFX=gj '/,/^}' > data\/xml\/guji.xml/p" \
    "$SHARED/tools/zebra-setup.sh" > "$W/gen/gen.sh"
  (cd "$W/gen" && N=$N sh ./gen.sh)
  rm -rf "$W/home-$N"
  "$BIN" init "$W/home-$N" >/dev/null
  echo "== importing"
  t0=$(date +%s)
  "$BIN" import -H "$W/home-$N" --collection guji --from marcxml \
    "$W/gen/data/xml/guji.xml" >/dev/null
  echo "imported in $(( $(date +%s) - t0 )) s"
  t0=$(date +%s)
  "$BIN" index -H "$W/home-$N" >/dev/null
  echo "indexed in $(( $(date +%s) - t0 )) s"
fi
HOME_DIR="$W/home-$N"

"$BIN" serve -H "$HOME_DIR" --listen 127.0.0.1:$PORT --threads "$SRV_THREADS" \
  --quiet > "$W/serve.out" 2> "$W/serve.err" &
SRV=$!
NGX=
trap 'kill $SRV 2>/dev/null; [ -n "$NGX" ] && kill $NGX 2>/dev/null; true' EXIT
sleep 1

BASE=http://127.0.0.1:$PORT
FIRST="$BASE/oai?verb=ListRecords&metadataPrefix=oai_dc"
# a page deep in the list: walk 50 pages
TOKEN=
i=0
while [ $i -lt 50 ]; do
  if [ -z "$TOKEN" ]; then U="$FIRST"; else U="$BASE/oai?verb=ListRecords&resumptionToken=$TOKEN"; fi
  TOKEN=$(curl -s "$U" | sed -n 's/.*<resumptionToken[^>]*>\([^<]*\)<.*/\1/p')
  i=$((i + 1))
done
DEEP="$BASE/oai?verb=ListRecords&resumptionToken=$TOKEN"
# a search with facets and snippets (traditional characters: folded)
SEARCH="$BASE/api/search?q=%E7%B4%85%E6%A8%93%E5%A4%A2&size=20"

mkdir -p "$W/nginx/www" "$W/nginx/logs"
curl -s "$FIRST" > "$W/nginx/www/first.xml"
curl -s "$DEEP" > "$W/nginx/www/deep.xml"
curl -s "$SEARCH" > "$W/nginx/www/search.json"
cat > "$W/nginx/nginx.conf" <<NGX
worker_processes 2;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/xml;
  server { listen 127.0.0.1:$NPORT; root $W/nginx/www; }
}
NGX
"$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" &
NGX=$!
sleep 0.5

run() {   # name url -> "name req/s errors"
  out=$(wrk -t"$WRK_THREADS" -c"$CONN" -d"${DUR}s" --latency "$2")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  sock=$(echo "$out" | awk '/Socket errors/ {s=0; for (i=3;i<=NF;i++) {gsub(",","",$i); if ($i ~ /^[0-9]+$/) s+=$i}; print s}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  echo "$1 ${rps:-0} $(( ${non2xx:-0} + ${sock:-0} )) ${p50:-?}"
}

echo "== $N records, $(wc -c < "$W/nginx/www/first.xml") bytes per page, wrk -t$WRK_THREADS -c$CONN -d${DUR}s, $(nproc) cores"
printf '%-34s %12s %8s %10s\n' target "requests/s" errors "p50"
for t in "wenyuan-first-page $FIRST" "nginx-first-page http://127.0.0.1:$NPORT/first.xml" \
         "wenyuan-page-50 $DEEP" "nginx-page-50 http://127.0.0.1:$NPORT/deep.xml" \
         "wenyuan-search $SEARCH" "nginx-search http://127.0.0.1:$NPORT/search.json"; do
  set -- $t
  r=$(run "$1" "$2")
  set -- $r
  printf '%-34s %12s %8s %10s\n' "$1" "$2" "$3" "$4"
  eval "R_$(echo "$1" | tr '-' '_')=$2"
done
awk -v a="$R_wenyuan_first_page" -v b="$R_nginx_first_page" -v c="$R_wenyuan_page_50" -v d="$R_nginx_page_50" \
  -v e="$R_wenyuan_search" -v f="$R_nginx_search" \
  'BEGIN { printf "ratio wenyuan/nginx: first page %.2f, page 50 %.2f, search %.2f\n", a/b, c/d, e/f }'
