#!/bin/sh
# tests/bench/xwalk.sh: MODS -> DC and DC -> MODS through the record view,
# against the physical limit of the same parser (xmllint --stream --noout
# reads and checks every byte with libxml2's xmlTextReader, doing nothing
# else), on N copies of real records in one file each.
# Usage: sh tests/bench/xwalk.sh [BIN] [N]   (defaults: build/wenyuan 20000)
set -eu
BIN=${1:-build/wenyuan}
N=${2:-20000}
SHARED=${WY_SHARED:-$(dirname "$0")/../../../shared}
T=$(mktemp -d "${TMPDIR:-/tmp}/wy-bench-xwalk.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

# N copies of Harvard's MODS record (6.8 KiB, LoC MARC-to-MODS output) and
# of the first Beijing Normal University SRU DC record
python3 - "$SHARED/fixtures/records" "$T" "$N" <<'PY'
import re, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = open(src + '/harvard-spotlight/mods_sample.xml', encoding='utf-8').read()
body = re.sub(r'<mods [^>]*>', '<mods>', s[s.index('<mods '):], count=1)
with open(out + '/mods.xml', 'w', encoding='utf-8') as f:
    f.write('<modsCollection xmlns="http://www.loc.gov/mods/v3" '
            'xmlns:xlink="http://www.w3.org/1999/xlink">\n')
    for _ in range(n):
        f.write(body)
    f.write('</modsCollection>\n')
s = open(src + '/dp2-sru-cnmarc/sample_dc.xml', encoding='utf-8-sig').read()
dc = s[s.index('<srw_dc:dc'):s.index('</srw_dc:dc>') + len('</srw_dc:dc>')]
with open(out + '/dc.xml', 'w', encoding='utf-8') as f:
    f.write('<collection>\n')
    for _ in range(n):
        f.write(dc + '\n')
    f.write('</collection>\n')
PY

run() {   # label command...: prints seconds and max RSS
    /usr/bin/time -f "%e %M" -o "$T/time" "$@" >/dev/null
    read -r secs rss < "$T/time"
    echo "$secs $rss"
}
for in in mods dc; do
    out=$([ $in = mods ] && echo dc || echo mods)
    mb=$(du -m "$T/$in.xml" | cut -f1)
    set -- $(run xmllint --stream --noout "$T/$in.xml"); ls=$1; lr=$2
    set -- $(run "$BIN" convert --from $in --to $out "$T/$in.xml" "$T/out.xml"); ws=$1; wr=$2
    got=$(grep -c "<$( [ $out = dc ] && echo oai_dc:dc || echo 'mods ')" "$T/out.xml")
    [ "$got" = "$N" ] || { echo "xwalk: expected $N records, got $got" >&2; exit 1; }
    echo "$in -> $out: $N records, $mb MB"
    awk -v n="$N" -v ls="$ls" -v ws="$ws" -v lr="$lr" -v wr="$wr" 'BEGIN {
        printf "  xmllint --stream --noout  %6.2f s  %8.0f rec/s  %6d KB RSS\n", ls, n / ls, lr
        printf "  wenyuan convert           %6.2f s  %8.0f rec/s  %6d KB RSS\n", ws, n / ws, wr
        printf "  ratio (xmllint time / wenyuan time) %.2f\n", ls / ws }'
done
