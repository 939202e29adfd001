'use strict';
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
