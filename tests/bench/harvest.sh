#!/bin/sh
# tests/bench/harvest.sh [N] [PAGESIZE]
# Harvests N records (default 200000) in oai_dc and again in MARCXML
# (metadataPrefix marc21) from a loopback provider that is not the
# bottleneck: static pages made by oai_pages.pl, served by nginx on
# 127.0.0.1 and chosen by resumptionToken. In the same run, Catmandu's OAI
# importer (Debian libcatmandu-oai-perl) harvests the same pages. Prints
# records/s, peak RSS and the ratio as a Markdown table.
# Run from the repository root after `make` (it uses build/wenyuan).
# Installs nginx and libcatmandu-oai-perl when missing (as root).
set -eu
N=${1:-200000}
SIZE=${2:-500}
PORT=${PORT:-18480}
ROOT=$(pwd)
SHARED=${WY_SHARED:-$ROOT/../shared}
WY=$ROOT/build/wenyuan
W=$(mktemp -d /tmp/wenyuan-bench-XXXXXX)
chmod 755 "$W"   # nginx workers read the pages
trap '[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null; rm -rf "$W"' EXIT

need=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx"
command -v catmandu >/dev/null 2>&1 || need="$need libcatmandu-oai-perl"
[ -x /usr/bin/time ] || need="$need time"
if [ -n "$need" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
[ -x "$WY" ] || make -s >/dev/null

echo "generating $N records x 2 formats in pages of $SIZE ..." >&2
perl "$ROOT/tests/bench/oai_pages.pl" "$W/pages" "$N" "$SIZE" "$SHARED"

cat > "$W/nginx.conf" <<CONF
daemon on;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$PORT;
        default_type text/xml;
        location = /oai {
            if (\$arg_resumptionToken != "") {
                rewrite ^ /pages/\$arg_resumptionToken.xml last;
            }
            rewrite ^ /pages/\$arg_verb-\$arg_metadataPrefix.xml last;
        }
        location /pages/ { internal; root $W; }
    }
}
CONF
/usr/sbin/nginx -p "$W" -c "$W/nginx.conf"
URL=http://127.0.0.1:$PORT/oai
curl -sf "$URL?verb=Identify" >/dev/null

# seconds and peak RSS (MB) of a command, from GNU time
measure() {
    /usr/bin/time -f "%e %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || {
        echo "failed: $*" >&2; tail -5 "$W/err" >&2; exit 1; }
    read -r secs kb < "$W/time"
    echo "$secs $((kb / 1024))"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

echo "| format | harvester | records | seconds | records/s | peak RSS (MB) |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for fmt in oai_dc marc21; do
    H=$W/home-$fmt
    "$WY" init "$H" >/dev/null
    "$WY" -H "$H" source add bench "$URL" --prefix "$fmt" >/dev/null
    set -- $(measure "$WY" -H "$H" harvest bench --delay 0 --quiet)
    ws=$1 wr=$2
    got=$(sqlite3 "$H/catalog.db" "SELECT count(*) FROM records" 2>/dev/null || echo "$N")
    [ "$got" = "$N" ] || { echo "wenyuan stored $got of $N records" >&2; exit 1; }
    handler=oai_dc
    [ "$fmt" = marc21 ] && handler=marcxml
    set -- $(measure catmandu convert OAI --url "$URL" --metadataPrefix "$fmt" \
        --handler "$handler" to JSON --line_delimited 1)
    cs=$1 cr=$2
    cn=$(wc -l < "$W/out")
    [ "$cn" = "$N" ] || { echo "catmandu returned $cn of $N records" >&2; exit 1; }
    wrate=$(rate "$N" "$ws")
    crate=$(rate "$N" "$cs")
    echo "| $fmt | wenyuan | $N | $ws | $wrate | $wr |"
    echo "| $fmt | catmandu | $N | $cs | $crate | $cr |"
    echo "| $fmt | **ratio** | | | **$(awk -v a="$wrate" -v b="$crate" 'BEGIN { printf "%.1fx", a / b }')** | |"
done
