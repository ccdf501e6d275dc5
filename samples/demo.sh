#!/bin/sh
# make demo: the main job on samples/, end to end.
#   1. convert the sample records between formats and summarize them
#   2. a "partner library" home imports the sample catalogue records and
#      serves them over OAI-PMH on 127.0.0.1
#   3. our home ingests the three digitized sample items (a CSV batch sheet
#      naming two folders and a BagIt bag) into the OCFL store
#   4. it harvests the partner over OAI-PMH, indexes, searches, validates
#      and audits
#   5. it serves the result: on a terminal until Ctrl-C, otherwise it checks
#      the endpoints once and stops
# Environment: WENYUAN_DEMO_DIR (default build/demo), WENYUAN_DEMO_PORT
# (default 8080; the partner uses the port after it).
set -eu
BIN=${1:-build/wenyuan}
DIR=${WENYUAN_DEMO_DIR:-build/demo}
PORT=${WENYUAN_DEMO_PORT:-8080}
PPORT=$((PORT + 1))
HOME_DIR=$DIR/home
PARTNER=$DIR/partner
step() { printf '\n== %s\n' "$*"; }

rm -rf "$DIR"
mkdir -p "$DIR/converted"

step "1. Converting the sample records (samples/records)"
for f in samples/records/*.iso samples/records/*.mrc samples/records/*.xml; do
    base=$(basename "$f")
    for to in marcxml dc mods json; do
        "$BIN" convert --to "$to" "$f" "$DIR/converted/$base.$to" 2>>"$DIR/convert.log" || true
    done
    n=$(grep -c '<record' "$DIR/converted/$base.marcxml" 2>/dev/null || echo 0)
    printf '  %-36s -> marcxml, dc, mods, json (%s MARC records)\n' "$base" "$n"
done
echo "  first record of the CNMARC sample, as 'wenyuan show' prints it:"
"$BIN" show samples/records/bnu-cnmarc-10.iso 2>/dev/null | sed -n '1,14p' | sed 's/^/    /'

step "2. A partner library publishes its catalogue over OAI-PMH"
"$BIN" init "$PARTNER"
"$BIN" -H "$PARTNER" import --source local \
    samples/records/bnu-cnmarc-10.iso samples/records/pymarc-test.mrc \
    samples/records/harvard-webster-mods.xml
"$BIN" -H "$PARTNER" serve --listen "127.0.0.1:$PPORT" >"$DIR/partner.log" 2>&1 &
PARTNER_PID=$!
SERVE_PID=
cleanup() {
    kill "$PARTNER_PID" 2>/dev/null || true
    [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in 1 2 3 4 5 6 7 8 9 10; do
    curl -fs "http://127.0.0.1:$PPORT/oai?verb=Identify" >/dev/null && break
    sleep 0.3
done
echo "  partner serving http://127.0.0.1:$PPORT/oai"

step "3. Ingesting the digitized sample items into the OCFL store"
"$BIN" init "$HOME_DIR"
"$BIN" -H "$HOME_DIR" ingest samples/items/batch.csv

step "4. Harvesting the partner, indexing, searching"
"$BIN" -H "$HOME_DIR" source add partner "http://127.0.0.1:$PPORT/oai"
# the provider lists only records whose datestamp second has passed (so no
# record can change within a harvested second): let the import's second end
sleep 1
"$BIN" -H "$HOME_DIR" harvest --delay 0 partner
# the member libraries: holdings spelled "BNU" or "86BNU_INST" are one library
"$BIN" -H "$HOME_DIR" library import samples/libraries.tsv
"$BIN" -H "$HOME_DIR" index
for q in '論語' '中國發展報告' 'creator:朱熹' 'title:千字文' '学而时习之'; do
    echo "  \$ wenyuan search '$q'"
    "$BIN" -H "$HOME_DIR" search "$q" | sed -n '1,4p' | sed 's/^/    /'
done
"$BIN" -H "$HOME_DIR" validate
"$BIN" -H "$HOME_DIR" audit
"$BIN" -H "$HOME_DIR" status

step "5. Serving"
"$BIN" -H "$HOME_DIR" serve --listen "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1 &
SERVE_PID=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    curl -fs "http://127.0.0.1:$PORT/oai?verb=Identify" >/dev/null && break
    sleep 0.3
done
URL="http://127.0.0.1:$PORT/"
echo "  web page:   $URL"
echo "  OAI-PMH:    ${URL}oai?verb=Identify"
echo "  search API: ${URL}api/search?q=論語"
if [ -t 0 ] && [ -t 1 ]; then
    echo "  open $URL in a browser; press Ctrl-C to stop"
    wait "$SERVE_PID"
else
    n=$(curl -fs "${URL}oai?verb=ListIdentifiers&metadataPrefix=oai_dc" | grep -c '<identifier>' || true)
    echo "  checked: /oai lists $n identifiers on its first page; stopping (not a terminal)"
fi
