// tests/e2e/oai-pmh-list.mjs: the npm package oai-pmh (a third-party
// harvester) lists a provider's identifiers, one per line, for interop.sh.
// Usage: node oai-pmh-list.mjs URL [SET] [FROM] [UNTIL]   (empty = none)
import { createRequire } from 'node:module';
const { OaiPmh } = createRequire(import.meta.url)('oai-pmh');
const [url, set, from, until] = process.argv.slice(2);
const opts = { metadataPrefix: 'oai_dc' };
if (set) opts.set = set;
if (from) opts.from = from;
if (until) opts.until = until;
try {
  for await (const h of new OaiPmh(url).listIdentifiers(opts))
    console.log(h.identifier);
} catch (e) {
  // noRecordsMatch is an empty list, not a failure
  if (!/noRecordsMatch/.test(String(e && (e.message || e)))) {
    console.error(`oai-pmh: ${e && (e.message || e)}`);
    process.exit(1);
  }
}
