#!/bin/sh
# tests/e2e/harvesters.sh: three independent OAI-PMH harvesters walk a
# running `wenyuan serve` and must agree with the expected count: oai_pmh
# (Debian libhttp-oai-perl), `catmandu convert OAI` (libcatmandu-oai-perl;
# also checks completeListSize) and the npm package oai-pmh (installed into
# tests/e2e/node_modules by `npm install oai-pmh@2` there).
# Usage: sh tests/e2e/harvesters.sh BASEURL EXPECTED [SET EXPECTED_IN_SET]
set -eu
URL=$1
WANT=$2
SET=${3:-}
WANT_SET=${4:-}
DIR=$(cd "$(dirname "$0")" && pwd)
fail=0
check() {   # name got want
  if [ "$2" = "$3" ]; then echo "ok   $1: $2"; else echo "FAIL $1: $2, want $3"; fail=1; fi
}
n=$(oai_pmh -X ListIdentifiers --metadataPrefix oai_dc "$URL" 2>/dev/null |
    grep -o 'identifier: .*' | sort -u | wc -l)
check "oai_pmh ListIdentifiers" "$n" "$WANT"
n=$(oai_pmh -X ListRecords --metadataPrefix oai_dc "$URL" 2>/dev/null |
    grep -o 'identifier: .*' | sort -u | wc -l)
check "oai_pmh ListRecords" "$n" "$WANT"
out=$(catmandu convert OAI --url "$URL" --metadataPrefix oai_dc \
      --listIdentifiers 1 to JSON --line_delimited 1 2>/dev/null)
n=$(printf '%s\n' "$out" | grep -c '"_id"')
check "catmandu ListIdentifiers" "$n" "$WANT"
size=$(printf '%s\n' "$out" | head -1 | sed -n 's/.*"completeListSize":"\([0-9]*\)".*/\1/p')
check "catmandu completeListSize" "$size" "$WANT"
if [ -d "$DIR/node_modules/oai-pmh" ]; then
  n=$(cd "$DIR" && node -e "
    const { OaiPmh } = require('oai-pmh');
    (async () => { let n = 0;
      for await (const h of new OaiPmh(process.argv[1]).listIdentifiers({ metadataPrefix: 'oai_dc' })) n++;
      console.log(n); })().catch(e => { console.error(e.message); process.exit(1); });" "$URL")
  check "npm oai-pmh ListIdentifiers" "$n" "$WANT"
else
  echo "skip npm oai-pmh (run 'npm install oai-pmh@2' in tests/e2e)"
fi
if [ -n "$SET" ]; then
  n=$(oai_pmh -X ListIdentifiers --metadataPrefix oai_dc --set "$SET" "$URL" 2>/dev/null |
      grep -o 'identifier: .*' | sort -u | wc -l)
  check "oai_pmh set $SET" "$n" "$WANT_SET"
  n=$(catmandu convert OAI --url "$URL" --metadataPrefix oai_dc --set "$SET" \
      --listIdentifiers 1 to JSON --line_delimited 1 2>/dev/null | grep -c '"_id"')
  check "catmandu set $SET" "$n" "$WANT_SET"
fi
exit $fail
