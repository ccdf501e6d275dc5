#!/bin/sh
# tests/bench/convert.sh: MARC 21 (ISO 2709) -> MARCXML, wenyuan against
# yaz-marcdump on the same file in the same run, at two record counts, with
# records/s, the ratio and peak RSS (GNU time). Not part of `make test`.
#
#   sh tests/bench/convert.sh [build/wenyuan] [N1] [N2]
#
# The input is generated from real fixtures: the MARC 21 records of
# ../shared/fixtures (pymarc test.dat/marc.dat/diacritic.dat, xbib
# IRMARC8.bin with CJK) converted once to UTF-8 MARCXML by YAZ, repeated
# with a unique 001 each, and turned into ISO 2709 by YAZ, so neither tool
# under test made its own input.
set -eu
WY=${1:-build/wenyuan}
N1=${2:-100000}
N2=${3:-200000}
SHARED=${WY_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
F=$SHARED/fixtures/records
T=${TMPDIR:-/tmp}/wy-bench-convert.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT INT TERM
for tool in yaz-marcdump /usr/bin/time; do
    command -v $tool >/dev/null || { echo "missing $tool (make deps)"; exit 1; }
done

# base records as UTF-8 MARCXML, one element per line group
{
    for f in pymarc/test.dat pymarc/marc.dat xbib-marc/IRMARC8.bin; do
        yaz-marcdump -f marc8 -t utf8 -i marc -o marcxml "$F/$f"
    done
    yaz-marcdump -i marc -o marcxml "$F/pymarc/diacritic.dat"
} | grep -v '^<collection\|^</collection' > "$T/base.xml"
nbase=$(grep -c '<record>' "$T/base.xml")

gen() {   # gen N OUT.mrc: N records with unique 001s
    awk -v n="$1" -v nb="$nbase" '
        BEGIN { print "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">" }
        { line[NR] = $0 }
        END {
            k = 0
            while (k < n) {
                for (i = 1; i <= NR && k < n; i++) {
                    s = line[i]
                    if (s ~ /<controlfield tag="001">/) {
                        sub(/>[^<]*</, sprintf(">wy%09d<", k + 1), s)
                    }
                    print s
                    if (s ~ /<\/record>/) k++
                }
            }
            print "</collection>"
        }' "$T/base.xml" > "$T/gen.xml"
    yaz-marcdump -i marcxml -o marc "$T/gen.xml" > "$2"
    rm -f "$T/gen.xml"
}

# measure CMD...: prints elapsed seconds, CPU seconds (user+sys) and peak
# RSS (KiB). The machine is shared: CPU time is the steadier figure.
measure() {
    /usr/bin/time -f '%e %U %S %M' -o "$T/time" "$@" > /dev/null 2> "$T/err" ||
        { cat "$T/err"; exit 1; }
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$T/time"
}

echo "input: $nbase fixture records repeated; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "wenyuan: $WY; $(yaz-marcdump -V | head -1)"
printf '%-9s %-8s %8s %8s %11s %9s\n' records tool elapsed cpu records/s peakRSS
for n in $N1 $N2; do
    gen "$n" "$T/in.mrc"
    got=$("$WY" convert --from marc21 --to json "$T/in.mrc" | wc -l)
    [ "$got" -eq "$n" ] || { echo "generated $got records, wanted $n"; exit 1; }
    best_w=; best_y=
    for rep in 1 2 3; do
        set -- $(measure "$WY" convert --from marc21 --to marcxml "$T/in.mrc" -)
        if [ -z "$best_w" ] || awk "BEGIN{exit !($2 < $best_w)}"; then
            best_w=$2; w_el=$1; w_rss=$3; fi
        set -- $(measure yaz-marcdump -i marc -o marcxml "$T/in.mrc")
        if [ -z "$best_y" ] || awk "BEGIN{exit !($2 < $best_y)}"; then
            best_y=$2; y_el=$1; y_rss=$3; fi
    done
    awk -v n="$n" -v w="$best_w" -v y="$best_y" -v we="$w_el" -v ye="$y_el" \
        -v wr="$w_rss" -v yr="$y_rss" 'BEGIN {
        if (w <= 0) w = 0.01; if (y <= 0) y = 0.01
        printf "%-9d %-8s %8.2f %8.2f %11.0f %7.1fMB\n", n, "wenyuan", we, w, n / w, wr / 1024
        printf "%-9d %-8s %8.2f %8.2f %11.0f %7.1fMB\n", n, "yaz", ye, y, n / y, yr / 1024
        printf "%-9d ratio (wenyuan records/s / yaz records/s, CPU): %.2f\n", n, y / w
    }'
done
echo "(records/s from CPU time, best of 3 runs each; both write MARCXML to /dev/null; file size $(du -h "$T/in.mrc" | cut -f1) at $N2)"
