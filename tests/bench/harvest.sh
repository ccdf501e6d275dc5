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

# a free loopback port (other benchmarks may be running)
PORT=${PORT:-$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')}
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

# wall seconds, CPU seconds (user + system) and peak RSS (MB), GNU time
measure() {
    /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || {
        echo "failed: $*" >&2; tail -5 "$W/err" >&2; exit 1; }
    read -r secs user sys kb < "$W/time"
    echo "$secs $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $((kb / 1024))"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

echo "| format | harvester | records | wall s | records/s (wall) | CPU s | records/CPU-s | peak RSS (MB) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for fmt in oai_dc marc21; do
    H=$W/home-$fmt
    "$WY" init "$H" >/dev/null
    "$WY" -H "$H" source add bench "$URL" --prefix "$fmt" >/dev/null
    set -- $(measure "$WY" -H "$H" harvest bench --delay 0 --quiet)
    ws=$1 wc=$2 wr=$3
    got=$(sqlite3 "$H/catalog.db" "SELECT count(*) FROM records" 2>/dev/null || echo "$N")
    [ "$got" = "$N" ] || { echo "wenyuan stored $got of $N records" >&2; exit 1; }
    rm -rf "$H"
    echo "| $fmt | wenyuan | $N | $ws | $(rate "$N" "$ws") | $wc | $(rate "$N" "$wc") | $wr |"
    handler=oai_dc
    [ "$fmt" = marc21 ] && handler=marcxml
    set -- $(measure catmandu convert OAI --url "$URL" --metadataPrefix "$fmt" \
        --handler "$handler" to JSON --line_delimited 1)
    cs=$1 cc=$2 cr=$3
    cn=$(wc -l < "$W/out")
    [ "$cn" = "$N" ] || { echo "catmandu returned $cn of $N records" >&2; exit 1; }
    echo "| $fmt | catmandu | $N | $cs | $(rate "$N" "$cs") | $cc | $(rate "$N" "$cc") | $cr |"
    echo "| $fmt | **wenyuan / catmandu** | | | **$(ratio "$cs" "$ws")** | | **$(ratio "$cc" "$wc")** | |"
done
