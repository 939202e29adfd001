/**
 * The `/docs` page: plain HTML, CSS and a small script served by the Worker itself
 * (no CDN, no inline script, so a strict CSP holds and it renders offline). The script
 * fetches `/openapi.json` and lists every operation with its parameters and responses.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fulcrum auth edge — API reference</title>
<link rel="stylesheet" href="/docs/docs.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
<h1>Fulcrum auth edge</h1>
<p id="meta">Loading <a href="/openapi.json">/openapi.json</a>…</p>
<input id="filter" type="search" placeholder="Filter routes" aria-label="Filter routes">
</header>
<main id="routes" aria-live="polite"></main>
<script src="/docs/docs.js" defer></script>
</body>
</html>
`;

export const DOCS_CSS = `:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--get:#0969da;--post:#1a7f37;--del:#cf222e;
  font-family:system-ui,sans-serif;color:var(--fg)}
body{margin:0 auto;max-width:960px;padding:1rem 1.5rem 4rem}
header{border-bottom:1px solid var(--line);margin-bottom:1rem}
h1{font-size:1.5rem;margin:.5rem 0}#meta{color:var(--muted)}
#filter{width:100%;padding:.4rem;margin:0 0 1rem;font:inherit;border:1px solid var(--line);border-radius:6px}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem;text-transform:capitalize}
details{border:1px solid var(--line);border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer;display:flex;gap:.6rem;align-items:baseline}
.method{font:600 .8rem ui-monospace,monospace;text-transform:uppercase;min-width:3.5rem;color:var(--get)}
.method.post{color:var(--post)}.method.delete{color:var(--del)}
.path{font-family:ui-monospace,monospace}.summary{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}
th,td{border-top:1px solid var(--line);padding:.25rem .4rem;text-align:left;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;border-radius:6px;max-height:20rem}
.auth{font-size:.75rem;border:1px solid var(--line);border-radius:1rem;padding:0 .5rem;color:var(--muted)}
`;

export const DOCS_JS = `'use strict';
(async () => {
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  };
  const meta = document.getElementById('meta');
  const main = document.getElementById('routes');
  let doc;
  try {
    const res = await fetch('/openapi.json');
    if (!res.ok) throw new Error('HTTP ' + res.status);
    doc = await res.json();
  } catch (err) {
    meta.textContent = 'Could not load /openapi.json: ' + err.message;
    return;
  }
  const resolve = (schema) => (schema && schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema);
  const typeOf = (s) =>
    !s
      ? ''
      : s.type
        ? [].concat(s.type).join(' | ') + (s.format ? ' (' + s.format + ')' : s.pattern ? ' ' + s.pattern : '')
        : s.enum
          ? s.enum.join(' | ')
          : s.anyOf
            ? s.anyOf.map(typeOf).join(' | ')
            : 'object';
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) ops.push({ path, method, op });
  meta.textContent = doc.info.title + ' ' + doc.info.version + ' — ' + ops.length + ' routes, OpenAPI ' + doc.openapi;
  const byTag = new Map();
  for (const o of ops) {
    const tag = (o.op.tags && o.op.tags[0]) || 'other';
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(o);
  }
  for (const [tag, list] of byTag) {
    const section = el('section', { 'data-tag': tag }, el('h2', {}, tag));
    for (const { path, method, op } of list) {
      const auth = { none: 'public', svix: 'svix signature' }[op['x-auth']] || op['x-auth'] || 'public';
      const details = el(
        'details',
        { class: 'route', 'data-route': method.toUpperCase() + ' ' + path },
        el(
          'summary',
          {},
          el('span', { class: 'method ' + method }, method),
          el('span', { class: 'path' }, path),
          el('span', { class: 'summary' }, op.summary || ''),
          el('span', { class: 'auth' }, auth),
        ),
      );
      if (op.description) details.append(el('p', {}, op.description));
      if (op['x-requires']) details.append(el('p', {}, 'Requires: ' + op['x-requires']));
      if (op.parameters && op.parameters.length) {
        const table = el(
          'table',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'parameter'),
            el('th', {}, 'in'),
            el('th', {}, 'type'),
            el('th', {}, 'description'),
          ),
        );
        for (const p of op.parameters)
          table.append(
            el(
              'tr',
              {},
              el('td', {}, el('code', {}, p.name + (p.required ? '' : '?'))),
              el('td', {}, p.in),
              el('td', {}, typeOf(p.schema)),
              el('td', {}, p.description || ''),
            ),
          );
        details.append(table);
      }
      if (op.requestBody)
        details.append(
          el('p', {}, 'Body: ' + Object.keys(op.requestBody.content).join(', ')),
          el('pre', {}, JSON.stringify(Object.values(op.requestBody.content)[0].schema, null, 2)),
        );
      const table = el('table', {}, el('tr', {}, el('th', {}, 'status'), el('th', {}, 'description')));
      const schemas = [];
      for (const [status, r] of Object.entries(op.responses)) {
        table.append(el('tr', {}, el('td', {}, status), el('td', {}, r.description)));
        const media = r.content && Object.values(r.content)[0];
        if (media && Number(status) < 400)
          schemas.push(el('pre', {}, status + ' ' + JSON.stringify(resolve(media.schema), null, 2)));
      }
      details.append(table, ...schemas);
      section.append(details);
    }
    main.append(section);
  }
  const errors = doc.components['x-error-codes'] || {};
  const table = el('table', { id: 'errors' }, el('tr', {}, el('th', {}, 'code'), el('th', {}, 'status')));
  for (const [code, status] of Object.entries(errors))
    table.append(el('tr', {}, el('td', {}, el('code', {}, code)), el('td', {}, String(status))));
  main.append(
    el(
      'section',
      {},
      el('h2', {}, 'Errors'),
      el('p', {}, 'Every error: {"error":{"code","message","requestId"}}'),
      table,
    ),
  );
  document.getElementById('filter').addEventListener('input', (e) => {
    const q = e.target.value.toLowerCase();
    for (const d of document.querySelectorAll('details.route'))
      d.hidden = q !== '' && !d.dataset.route.toLowerCase().includes(q) && !d.textContent.toLowerCase().includes(q);
  });
  document.body.dataset.ready = 'true';
})();
`;
