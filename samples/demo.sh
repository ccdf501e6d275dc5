#!/bin/sh
# The main job on samples/: grows as the modules land. For now: convert every
# sample record (samples/records, real Chinese and Western records; the METS
# of samples/items, generated) to MARCXML, DC and MODS through the record
# view, and print a summary: records per format, the first titles.
set -e
BIN=${1:-build/wenyuan}
S=$(dirname "$0")
OUT=$(mktemp -d "${TMPDIR:-/tmp}/wenyuan-demo.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM

"$BIN" --help >/dev/null

echo "== wenyuan convert: samples/records and samples/items"
printf '%-40s %-8s %7s  %s\n' "file" "format" "records" "first title"
total=0
for f in "$S"/records/*.iso "$S"/records/*.mrc "$S"/records/*.xml \
         "$S"/items/*/mets.xml "$S"/items/*/data/mets.xml; do
    [ -f "$f" ] || continue
    name=${f#"$S"/}
    # JSON Lines: one record per line, with the format it was read as
    if ! "$BIN" convert --to json "$f" "$OUT/r.jsonl" 2>"$OUT/err"; then
        echo "$name: $(head -n 1 "$OUT/err")" >&2
    fi
    n=$(grep -c . "$OUT/r.jsonl" || true)
    fmt=$(grep -o '"format":"[a-z0-9]*"' "$OUT/r.jsonl" | head -n 1 | cut -d'"' -f4)
    title=$(grep -o '"titles":\["[^"]*"' "$OUT/r.jsonl" | head -n 1 | cut -d'"' -f4)
    printf '%-40s %-8s %7s  %s\n' "$name" "$fmt" "$n" "$title"
    echo "$fmt $n" >> "$OUT/counts"
    total=$((total + n))
    # every record also goes out as MARCXML (MARC input), DC and MODS
    case $fmt in marc21|unimarc|marcxml)
        "$BIN" convert --to marcxml "$f" "$OUT/out.marcxml" ;;
    esac
    "$BIN" convert --to dc "$f" "$OUT/out.dc.xml"
    "$BIN" convert --to mods "$f" "$OUT/out.mods.xml"
done

echo
echo "== records per input format"
awk '{ n[$1] += $2 } END { for (f in n) printf "  %-8s %5d\n", f, n[f] }' \
    "$OUT/counts" | sort
echo "  total    $(printf '%5d' "$total")"

echo
echo "== one record through the view: samples/records/bnu-cnmarc-10.iso (CNMARC) as DC"
"$BIN" convert --to dc "$S/records/bnu-cnmarc-10.iso" "$OUT/bnu.dc.xml"
sed -n '3,18p' "$OUT/bnu.dc.xml"
