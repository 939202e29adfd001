// `npm run openapi`: builds the OpenAPI 3.1 document from the route modules' zod schemas
// (scripts/openapi/all-route-docs.ts) and writes it to public/openapi.json, a static asset the
// Worker serves as-is. Generating at build time keeps zod's JSON Schema converter (~10 KiB gzip)
// out of the Worker bundle; a static asset keeps the document itself (~6 KiB gzip) out of it too.
// `--check` fails when the committed file is stale (part of `npm run check`; a workerd test
// compares it too).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRouteDocs } from './openapi/all-route-docs';
import { buildOpenApiDocument, OPENAPI_INFO } from './openapi/openapi-document';

const target = join(import.meta.dirname, '../public/openapi.json');
const source = JSON.stringify(buildOpenApiDocument(allRouteDocs(), OPENAPI_INFO));

if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== source) {
    console.error('openapi: public/openapi.json is stale; run `npm run openapi`');
    process.exit(1);
  }
  console.log('openapi: generated document is current');
} else {
  writeFileSync(target, source);
  console.log(`openapi: wrote ${source.length} bytes`);
}
