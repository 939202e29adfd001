'use strict';
(() => {
const KEY = 'fulcrum.console.token';
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
let token = null;

function takeToken() {
  const m = /(?:^|&)token=([^&]*)/.exec(location.hash.slice(1));
  if (m) {
    // Out of the address bar first, whatever follows (a malformed escape must not leave it there).
    history.replaceState(null, '', location.pathname + location.search);
    let t = '';
    try { t = decodeURIComponent(m[1]).trim(); } catch { t = ''; }
    if (t) sessionStorage.setItem(KEY, t);
  }
  return sessionStorage.getItem(KEY);
}

const ADVICE = {
  invalid_token: 'The token is missing, expired or invalid. Paste a fresh admin token (locally: npm run token -- --admin).',
  forbidden: 'This account is not an operator: its Clerk user id must be listed in ADMIN_USER_IDS.',
  second_factor_required: 'Verify your second factor again (within the last 10 minutes), then paste a fresh token.',
};

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/** With a token: it alone (no cookie). Without: the Clerk session cookie, where the console is on the dashboard's site. */
async function api(path, init) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(path, { ...init, cache: 'no-store', credentials: token ? 'omit' : 'same-origin', headers });
  if (res.ok) return res;
  let code = 'http_' + res.status, message = res.statusText;
  try { const body = await res.json(); code = body.error.code; message = body.error.message; } catch {}
  throw new ApiError(res.status, code, message);
}
const getJson = async (path) => (await api(path)).json();

function notice(text) { const n = $('notice'); n.textContent = text; n.hidden = !text; }

/** 401/403 stop the console with what to do; anything else is the caller's to show. */
function handle(error) {
  if (error instanceof ApiError && ADVICE[error.code]) {
    notice(error.status + ' ' + error.code + ': ' + ADVICE[error.code]);
    if (error.status === 401) showSignin();
    return true;
  }
  return false;
}

function el(tag, attrs, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
const fmt = (n) => Number(n).toLocaleString('en-US');

/** Lines over days (null: no point), and an optional horizontal threshold line. */
function lineChart(target, days, series, threshold) {
  const W = 900, H = 220, L = 56, R = 10, T = 10, B = 24;
  const values = series.flatMap((s) => s.values).filter((v) => v !== null);
  const max = Math.max(1, threshold || 0, ...values) * 1.1;
  const x = (i) => L + (i * (W - L - R)) / Math.max(1, days.length - 1);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = el('svg:svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
  svg.append(el('svg:line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  for (const v of [0, max / 2 / 1.1, max / 1.1])
    svg.append(el('svg:text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(Math.round(v))));
  if (days.length) {
    svg.append(el('svg:text', { x: L, y: H - 6 }, days[0]));
    svg.append(el('svg:text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, days[days.length - 1]));
  }
  if (threshold) svg.append(el('svg:line', { class: 'line alert', x1: L, x2: W - R, y1: y(threshold), y2: y(threshold),
    'data-value': threshold }));
  for (const s of series) {
    let d = '';
    s.values.forEach((v, i) => { if (v !== null) d += (d ? ' L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1); });
    const last = [...s.values].reverse().find((v) => v !== null);
    svg.append(el('svg:path', { class: 'line ' + s.cls, d: d || 'M0 0', 'data-last': last ?? '' }));
  }
  target.replaceChildren(svg);
}

/** Horizontal bars: rows of { label, parts: [{ cls, value }] } stacked. */
function barChart(target, rows) {
  if (!rows.length) { target.replaceChildren(el('p', { class: 'muted' }, 'Nothing yet.')); return; }
  const W = 480, ROW = 22, L = 170, R = 50;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((n, p) => n + p.value, 0)));
  const svg = el('svg:svg', { viewBox: '0 0 ' + W + ' ' + (rows.length * ROW + 4), role: 'img', class: 'bars' });
  rows.forEach((r, i) => {
    const yy = i * ROW + 2;
    svg.append(el('svg:text', { x: L - 6, y: yy + 14, 'text-anchor': 'end' }, r.label));
    let at = L, total = 0;
    for (const p of r.parts) {
      const w = (p.value * (W - L - R)) / max;
      const bar = el('svg:rect', { class: 'bar ' + p.cls, x: at, y: yy, width: Math.max(w, 0), height: ROW - 6,
        'data-label': r.label, 'data-part': p.cls, 'data-count': p.value });
      bar.append(el('svg:title', {}, r.label + ' ' + p.cls + ': ' + p.value));
      svg.append(bar);
      at += w; total += p.value;
    }
    svg.append(el('svg:text', { x: at + 4, y: yy + 14, 'data-total': r.label }, fmt(total)));
  });
  target.replaceChildren(svg);
}

/** Stacked columns per time bucket: accepted / refused / error. */
function timeline(target, buckets, bucketSeconds, since) {
  const W = 900, H = 180, L = 40, R = 10, T = 8, B = 22;
  const slots = new Map();
  const n = Math.max(1, Math.ceil((Date.now() - since) / 1000 / bucketSeconds));
  const start = Math.floor(since / 1000 / bucketSeconds) * bucketSeconds * 1000;
  for (const b of buckets) {
    const i = Math.round((Date.parse(b.t) - start) / 1000 / bucketSeconds);
    const s = slots.get(i) || { accepted: 0, refused: 0, error: 0 };
    s[b.outcome] += b.count; slots.set(i, s);
  }
  const max = Math.max(1, ...[...slots.values()].map((s) => s.accepted + s.refused + s.error));
  const cw = (W - L - R) / (n + 1);
  const svg = el('svg:svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
  svg.append(el('svg:line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
  svg.append(el('svg:text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, fmt(max)));
  svg.append(el('svg:text', { x: L, y: H - 6 }, new Date(start).toISOString().slice(11, 16) + ' UTC'));
  svg.append(el('svg:text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, 'now'));
  for (const [i, s] of slots) {
    let top = H - B;
    for (const cls of ['accepted', 'refused', 'error']) {
      const h = (s[cls] * (H - T - B)) / max;
      if (!s[cls]) continue;
      top -= h;
      const r = el('svg:rect', { class: 'bar ' + cls, x: L + i * cw + 1, y: top, width: Math.max(cw - 2, 1), height: h,
        'data-count': s[cls] });
      r.append(el('svg:title', {}, cls + ': ' + s[cls]));
      svg.append(r);
    }
  }
  target.replaceChildren(svg);
}

async function overview() {
  try {
    const res = await fetch('/health/ready', { cache: 'no-store', credentials: 'omit' });
    const ready = await res.json();
    const pill = $('ready-status');
    pill.textContent = ready.status; pill.className = 'pill ' + ready.status;
    $('ready-checks').replaceChildren(...Object.entries(ready.checks || {}).map(([name, c]) =>
      el('li', { class: (c && c.status) || '', 'data-check': name }, name + ': ' + ((c && c.status) || '?'))));
    const storage = ready.checks && ready.checks.storage;
    if (storage && storage.d1 && typeof storage.d1.usedRatio === 'number') {
      $('storage').hidden = false;
      const pct = Math.round(storage.d1.usedRatio * 1000) / 10;
      barChart($('storage-gauge'), [{ label: pct + '% of ' + fmt(Math.round(storage.d1.capBytes / 1e9)) + ' GB',
        parts: [{ cls: 'gauge', value: storage.d1.usedRatio }, { cls: 'track', value: 1 - storage.d1.usedRatio }] }]);
    }
  } catch (e) { $('ready-status').textContent = 'unreachable'; }
  try {
    const u = await getJson('/v1/admin/usage');
    $('mau').textContent = fmt(u.mau); $('mru').textContent = fmt(u.mru); $('alert-mau').textContent = fmt(u.freeTierLimit);
    $('upgrade').hidden = !u.upgradeRecommended;
    lineChart($('usage-chart'), u.history.map((h) => h.day),
      [{ cls: 'mau', values: u.history.map((h) => h.mau) }, { cls: 'mru', values: u.history.map((h) => h.mru) }],
      u.freeTierLimit);
  } catch (e) { if (!handle(e)) notice('Usage could not be loaded: ' + e.message); }
}

function sumBy(buckets, key, keep) {
  const out = new Map();
  for (const b of buckets) {
    if (!keep(b)) continue;
    const row = out.get(b[key]) || {};
    row[b.outcome] = (row[b.outcome] || 0) + b.count;
    out.set(b[key], row);
  }
  return [...out.entries()];
}

async function authView() {
  const since = Date.now() - 24 * 3600 * 1000;
  const q = '&since=' + encodeURIComponent(new Date(since).toISOString());
  let byReason, byType;
  try {
    [byReason, byType] = await Promise.all([getJson('/v1/admin/metrics?by=reason' + q),
      getJson('/v1/admin/metrics?by=tokenType' + q)]);
  } catch (e) {
    if (handle(e)) return;
    $('auth-unavailable').hidden = false;
    return;
  }
  $('auth-unavailable').hidden = true;
  $('metrics-source').textContent = byReason.source === 'isolate' ? 'this isolate only' : 'Analytics Engine';
  const authSurface = (b) => b.surface !== 'webhook';
  timeline($('auth-timeline'), byReason.buckets.filter(authSurface), byReason.bucketSeconds, since);
  const reasons = sumBy(byReason.buckets, 'reason', (b) => authSurface(b) && b.outcome !== 'accepted')
    .map(([label, r]) => ({ label, parts: [{ cls: 'refused', value: r.refused || 0 }, { cls: 'error', value: r.error || 0 }] }))
    .sort((a, b) => b.parts[0].value + b.parts[1].value - a.parts[0].value - a.parts[1].value);
  barChart($('by-reason'), reasons);
  const types = sumBy(byType.buckets, 'tokenType', authSurface).map(([label, r]) => ({ label,
    parts: [{ cls: 'accepted', value: r.accepted || 0 }, { cls: 'refused', value: r.refused || 0 },
      { cls: 'error', value: r.error || 0 }] }));
  barChart($('by-type'), types);
}

async function webhooksView() {
  try {
    const events = [];
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const body = await getJson('/v1/admin/webhooks?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      events.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    const byType = new Map();
    for (const e of events) {
      const row = byType.get(e.type) || { processed: 0, failed: 0, ignored: 0, received: 0 };
      row[e.status] = (row[e.status] || 0) + 1; byType.set(e.type, row);
    }
    barChart($('webhook-types'), [...byType.entries()].sort().map(([label, r]) => ({ label,
      parts: ['processed', 'failed', 'ignored', 'received'].map((cls) => ({ cls, value: r[cls] })) })));
    const failed = (await getJson('/v1/admin/webhooks?status=failed&limit=100')).items;
    $('no-failed').hidden = failed.length > 0;
    $('failed').querySelector('tbody').replaceChildren(...failed.map((e) => {
      const tr = el('tr', { 'data-svix-id': e.svixId });
      tr.append(el('td', {}, e.type), el('td', {}, e.svixId), el('td', {}, e.attempts), el('td', {}, e.lastError || ''),
        el('td', {}, e.receivedAt || ''));
      const button = el('button', { class: 'replay' }, 'Replay');
      button.addEventListener('click', () => replay(e.svixId, button));
      const cell = el('td'); cell.append(button); tr.append(cell);
      return tr;
    }));
  } catch (e) { if (!handle(e)) notice('Webhooks could not be loaded: ' + e.message); }
}

async function replay(svixId, button) {
  button.disabled = true; button.textContent = 'Replaying…';
  try {
    const r = await (await api('/v1/admin/webhooks/' + encodeURIComponent(svixId) + '/replay', { method: 'POST' })).json();
    button.textContent = r.outcome;
    notice('');
    setTimeout(webhooksView, 300);
  } catch (e) {
    button.disabled = false; button.textContent = 'Replay';
    if (!handle(e)) notice('Replay failed: ' + e.message);
  }
}

async function searchTenants(q) {
  try {
    const page = await getJson('/v1/admin/tenants?limit=50' + (q ? '&q=' + encodeURIComponent(q) : ''));
    $('tenants').querySelector('tbody').replaceChildren(...page.items.map((t) => {
      const tr = el('tr', { 'data-tenant': t.id });
      tr.append(el('td', {}, t.id), el('td', {}, t.kind), el('td', {}, t.name || ''), el('td', {}, t.email || ''),
        el('td', {}, t.status));
      tr.addEventListener('click', () => openTenant(t.id));
      return tr;
    }));
  } catch (e) { if (!handle(e)) notice('Tenants could not be loaded: ' + e.message); }
}

let openId = null;
async function openTenant(id) {
  try {
    const t = await getJson('/v1/admin/tenants/' + encodeURIComponent(id));
    openId = id;
    $('tenant-detail').hidden = false; $('tenant-title').textContent = t.id; $('export-status').textContent = '';
    $('tenant-fields').replaceChildren(...Object.entries(t).flatMap(([k, v]) =>
      [el('dt', {}, k), el('dd', {}, v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : v)]));
  } catch (e) { if (!handle(e)) notice('Tenant could not be loaded: ' + e.message); }
}

async function exportTenant() {
  if (!openId) return;
  $('export-status').textContent = 'Exporting…';
  try {
    const blob = await (await api('/v1/admin/tenants/' + encodeURIComponent(openId) + '/export')).blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: openId + '.ndjson' });
    document.body.append(a); a.click(); a.remove();
    $('export-status').textContent = 'Exported ' + fmt(blob.size) + ' bytes.';
  } catch (e) {
    if (handle(e)) return;
    $('export-status').textContent = e.status === 404 ? 'Nothing to export for this tenant (or no export on this version).'
      : 'Export failed: ' + e.message;
  }
}

const VIEWS = { overview, auth: authView, webhooks: webhooksView, tenants: () => searchTenants('') };
function show(view) {
  for (const b of document.querySelectorAll('#tabs button[data-view]')) b.classList.toggle('on', b.dataset.view === view);
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== 'view-' + view;
  VIEWS[view]();
}

function showSignin() { $('signin').hidden = false; $('views').hidden = true; $('tabs').hidden = true; }
async function start() {
  token = takeToken();
  if (!token) {
    // No token: signed in if the Clerk session cookie of this site is an operator's; else the sign-in form (and,
    // for a signed-in non-operator, what to do).
    try { await api('/v1/admin/usage'); } catch (e) {
      if (e instanceof ApiError && e.status !== 401) handle(e);
      showSignin();
      return;
    }
  }
  $('signin').hidden = true; $('views').hidden = false; $('tabs').hidden = false;
  show('overview');
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = $('token-input').value.trim();
  if (!t) return;
  sessionStorage.setItem(KEY, t); $('token-input').value = ''; notice(''); start();
});
$('signout').addEventListener('click', () => { sessionStorage.removeItem(KEY); token = null; notice(''); showSignin(); });
for (const b of document.querySelectorAll('#tabs button[data-view]')) b.addEventListener('click', () => show(b.dataset.view));
$('tenant-search').addEventListener('submit', (e) => { e.preventDefault(); searchTenants($('tenant-q').value.trim()); });
$('tenant-export').addEventListener('click', exportTenant);
start();
})();
