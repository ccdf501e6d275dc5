#!/bin/sh
# tests/bench/ingest.sh [WENYUAN] [DIR] [TOTAL_MB]
#
# End-to-end ingest against the physical limit, in the same run:
#   wenyuan ingest FOLDER        (copy into OCFL staging + sha512 + md5 in one
#                                 read pass, fsync, rename; catalog rows)
#   cp -r FOLDER; sha512sum; sync (the same bytes copied, hashed, made durable)
# on >= 2 GB of scan-sized files (5-50 MB each, incompressible). Prints MB/s of
# both, the ratio and wenyuan's peak RSS (GNU time). Page cache is warm for both
# (the source is read once before timing), so this measures the copy + hash,
# not the source disk.
set -eu
WY=${1:-build/wenyuan}
BASE=${2:-${TMPDIR:-/tmp}/wenyuan-bench-ingest}
TOTAL_MB=${3:-2100}
case $WY in /*) ;; *) WY=$(pwd)/$WY ;; esac
[ -x "$WY" ] || { echo "no $WY: run 'make' first" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time" >&2; exit 1; }

rm -rf "$BASE"
mkdir -p "$BASE/src/scans"
trap 'rm -rf "$BASE"' EXIT

# Sizes from a fixed LCG so every run ingests the same files.
echo "generating ${TOTAL_MB} MB of 5-50 MB files in $BASE/src ..." >&2
awk -v total="$TOTAL_MB" 'BEGIN { s = 12345; n = 0; sum = 0;
    while (sum < total) { s = (s * 1103515245 + 12345) % 2147483648;
        mb = 5 + s % 46; sum += mb; n++; printf "%04d %d\n", n, mb } }' |
while read -r n mb; do
    # a TIFF header, then incompressible bytes: like a scan to libmagic
    { printf 'II*\000\010\000\000\000'; head -c "$((mb * 1048576 - 8))" /dev/urandom; } \
        > "$BASE/src/scans/$n.tif"
done
files=$(ls "$BASE/src/scans" | wc -l)
bytes=$(du -sb "$BASE/src" | cut -f1)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }')
cat "$BASE/src/scans/"* > /dev/null          # warm the page cache
sync

now() { date +%s.%N; }

# The limit: copy, hash the copy, make it durable.
t0=$(now)
cp -r "$BASE/src" "$BASE/copy"
(cd "$BASE/copy/scans" && sha512sum -- * > "$BASE/copy.sha512")
sync
t1=$(now)
rm -rf "$BASE/copy"
sync

# wenyuan, end to end.
"$WY" init "$BASE/home" >/dev/null
t2=$(now)
/usr/bin/time -f '%M' -o "$BASE/rss" "$WY" -H "$BASE/home" ingest \
    --id bench-0001 "$BASE/src" > "$BASE/ingest.out"
t3=$(now)
rss_kb=$(tail -1 "$BASE/rss")

# Same digests as sha512sum computed.
sqlite3 "$BASE/home/catalog.db" "SELECT sha512 || '  ' || substr(path, 7) \
    FROM object_files ORDER BY path" > "$BASE/wy.sha512"
if ! cmp -s "$BASE/copy.sha512" "$BASE/wy.sha512"; then
    echo "digests differ from sha512sum's" >&2; exit 1
fi

awk -v mb="$mb" -v files="$files" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
    -v rss="$rss_kb" 'BEGIN {
    cp = b - a; wy = d - c;
    printf "data:      %d files, %d MB (5-50 MB each)\n", files, mb;
    printf "cp+sha512sum+sync: %6.1f s  %6.1f MB/s\n", cp, mb / cp;
    printf "wenyuan ingest:    %6.1f s  %6.1f MB/s\n", wy, mb / wy;
    printf "ratio (wenyuan / limit, time): %.2f\n", wy / cp;
    printf "wenyuan peak RSS: %.1f MB\n", rss / 1024 }'
cat "$BASE/ingest.out"
