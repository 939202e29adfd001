/**
 * The operator console's page and style (`GET /console`): served by the Worker, no CDN, no inline script or
 * style, so a strict CSP holds and it works offline. The script is console-script.ts.
 */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Fulcrum auth edge — console</title>
<link rel="stylesheet" href="/console/console.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
<h1>Fulcrum auth edge <span class="muted">operator console</span></h1>
<nav id="tabs" hidden>
<button data-view="overview" class="on">Overview</button><button data-view="auth">Authentication</button><button
 data-view="webhooks">Webhooks</button><button data-view="tenants">Tenants</button>
<button id="signout" class="quiet">Forget token</button>
</nav>
</header>
<div id="notice" role="alert" hidden></div>
<section id="signin" hidden>
<h2>Sign in</h2>
<p>Paste an admin session token (an operator in <code>ADMIN_USER_IDS</code> with a second factor verified in the
last 10 minutes). It is kept in this tab only (<code>sessionStorage</code>) and sent only as an
<code>Authorization</code> header to this service. Locally, <code>npm run token -- --admin</code> prints a console URL.</p>
<form id="token-form"><textarea id="token-input" rows="4" autocomplete="off" spellcheck="false"
 aria-label="Admin token"></textarea><button type="submit">Use this token</button></form>
</section>
<main id="views" hidden>
<section id="view-overview" class="view">
<h2>Readiness <span id="ready-status" class="pill">…</span></h2>
<ul id="ready-checks" class="checks"></ul>
<div id="storage" hidden><h3>D1 storage</h3><div id="storage-gauge"></div></div>
<h2>Users</h2>
<p class="figures">MAU <b id="mau">…</b> · MRU <b id="mru">…</b> · alert at <b id="alert-mau">…</b>
<span id="upgrade" class="pill warn" hidden>upgrade recommended</span></p>
<div id="usage-chart" class="chart"></div>
<p class="legend"><i class="k mau"></i>MAU <i class="k mru"></i>MRU <i class="k alert"></i>USAGE_ALERT_MAU
 (last 90 days; past days as the cron snapshotted them)</p>
</section>
<section id="view-auth" class="view" hidden>
<h2>Last 24 hours <span id="metrics-source" class="pill"></span></h2>
<div id="auth-unavailable" class="unavailable" hidden>Metrics unavailable: the analytics API did not answer.
 Every other view works; try again in a minute.</div>
<div id="auth-timeline" class="chart"></div>
<p class="legend"><i class="k accepted"></i>accepted <i class="k refused"></i>refused <i class="k error"></i>error
 (per hour; edge, gateway and admin requests)</p>
<div class="cols"><div><h3>Refused by reason</h3><div id="by-reason"></div></div>
<div><h3>By token type</h3><div id="by-type"></div></div></div>
</section>
<section id="view-webhooks" class="view" hidden>
<h2>Webhook events by type</h2>
<div id="webhook-types"></div>
<p class="legend"><i class="k processed"></i>processed <i class="k failed"></i>failed <i class="k ignored"></i>ignored
 <i class="k received"></i>received (the newest 500 events)</p>
<h2>Failed events</h2>
<table id="failed"><thead><tr><th>Type</th><th>svix id</th><th>Attempts</th><th>Last error</th><th>Received</th><th></th>
</tr></thead><tbody></tbody></table>
<p id="no-failed" class="muted" hidden>No failed events.</p>
</section>
<section id="view-tenants" class="view" hidden>
<form id="tenant-search"><input id="tenant-q" type="search" placeholder="Tenant id or email prefix"
 aria-label="Search tenants"><button type="submit">Search</button></form>
<table id="tenants"><thead><tr><th>Id</th><th>Kind</th><th>Name</th><th>Email</th><th>Status</th></tr></thead>
<tbody></tbody></table>
<div id="tenant-detail" hidden><h3 id="tenant-title"></h3><dl id="tenant-fields"></dl>
<button id="tenant-export">Export (NDJSON)</button> <span id="export-status" class="muted"></span></div>
</section>
</main>
<script src="/console/console.js" defer></script>
</body>
</html>
`;

export const CONSOLE_CSS = `:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;
  --blue:#0969da;--purple:#8250df;font-family:system-ui,sans-serif;color:var(--fg)}
body{margin:0 auto;max-width:1040px;padding:.5rem 1.5rem 4rem}
header{border-bottom:1px solid var(--line);margin-bottom:1rem}h1{font-size:1.4rem;margin:.5rem 0}
.muted{color:var(--muted);font-weight:400}nav{display:flex;gap:.3rem;margin:.5rem 0}
button{font:inherit;border:1px solid var(--line);background:#f6f8fa;border-radius:6px;padding:.3rem .7rem;cursor:pointer}
nav button.on{background:var(--fg);color:#fff}button.quiet{margin-left:auto;background:none}
#notice{border:1px solid var(--bad);background:#ffebe9;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
textarea,input[type=search]{width:100%;box-sizing:border-box;font:.85rem ui-monospace,monospace;padding:.4rem;
  border:1px solid var(--line);border-radius:6px;margin:.3rem 0}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}h3{font-size:1rem;margin:.8rem 0 .4rem}
.pill{font-size:.8rem;border-radius:1rem;padding:.1rem .6rem;border:1px solid var(--line);vertical-align:middle}
.pill.ok{color:var(--ok);border-color:var(--ok)}.pill.fail{color:var(--bad);border-color:var(--bad)}
.pill.degraded,.pill.warn{color:var(--warn);border-color:var(--warn)}
.checks{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0}
.checks li{border:1px solid var(--line);border-radius:6px;padding:.2rem .5rem;font-size:.85rem}
.checks li.ok{border-color:var(--ok)}.checks li.fail{border-color:var(--bad);background:#ffebe9}
.checks li.degraded{border-color:var(--warn);background:#fff8c5}
.chart svg{width:100%;height:auto;display:block}svg.bars{width:100%;max-width:520px;height:auto;display:block}.axis{stroke:var(--line)}svg text{font-size:11px;fill:var(--muted)}
.line{fill:none;stroke-width:2}.line.mau{stroke:var(--blue)}.line.mru{stroke:var(--purple)}
.line.alert{stroke:var(--bad);stroke-dasharray:6 4;stroke-width:1.5}
.bar.accepted,.bar.processed{fill:var(--ok)}.bar.refused,.bar.failed{fill:var(--bad)}.bar.error{fill:var(--warn)}
.bar.ignored{fill:#8c959f}.bar.received{fill:var(--blue)}.bar.gauge{fill:var(--blue)}.bar.track{fill:#eaeef2}
.legend{font-size:.85rem;color:var(--muted)}.k{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;
  margin:0 .3rem 0 .8rem;vertical-align:middle}.k.mau{background:var(--blue)}.k.mru{background:var(--purple)}
.k.alert{background:var(--bad)}.k.accepted,.k.processed{background:var(--ok)}.k.refused,.k.failed{background:var(--bad)}
.k.error{background:var(--warn)}.k.ignored{background:#8c959f}.k.received{background:var(--blue)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}.figures b{font-size:1.2rem}
.unavailable{border:1px dashed var(--warn);background:#fff8c5;padding:.6rem;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border-top:1px solid var(--line);padding:.3rem .4rem;
  text-align:left}td code{font-size:.8rem}#tenants tbody tr{cursor:pointer}#tenants tbody tr:hover{background:#f6f8fa}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}dt{color:var(--muted)}
`;
