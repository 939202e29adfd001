import { factory } from '../lib/factory';
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from './docs-assets';

// The page loads only its own script, style and /openapi.json: nothing from elsewhere.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /openapi.json` and the offline `/docs` page. `document` is the JSON built from the
 * route schemas by `npm run openapi` (src/openapi/openapi.generated.ts).
 */
export function openapiRoutes(document: string) {
  const asset = (body: string, type: string) => () =>
    new Response(body, { headers: { 'content-type': type, 'cache-control': 'public, max-age=300', 'content-security-policy': CSP } });
  return factory
    .createApp()
    .get('/openapi.json', (c) =>
      c.body(document, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' }),
    )
    .get('/docs', asset(DOCS_HTML, 'text/html; charset=utf-8'))
    .get('/docs/docs.js', asset(DOCS_JS, 'text/javascript; charset=utf-8'))
    .get('/docs/docs.css', asset(DOCS_CSS, 'text/css; charset=utf-8'));
}
