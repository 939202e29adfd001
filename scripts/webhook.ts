// `npm run webhook -- <type> [--user user_123] [--session sess_1] [--org org_1] [--email a@b.c]
//                            [--id msg_1] [--url http://127.0.0.1:8787/api/webhooks/clerk] [--print]`
// Sends a correctly signed, Clerk-shaped webhook to the local dev server: the payload is
// Clerk's public sample for <type> (test/fixtures/clerk-webhook-examples.json) with your ids
// and the current time, signed with CLERK_WEBHOOK_SIGNING_SECRET from .dev.vars exactly as
// Svix signs (svix's own Webhook.sign). `--print` shows the request instead of sending it.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Webhook } from 'svix';
import { svixHeaders } from './lib/sign.ts';

const SAMPLES: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../test/fixtures/clerk-webhook-examples.json', import.meta.url), 'utf8'),
);
const TYPES = Object.keys(SAMPLES).filter((k) => !k.startsWith('_'));
// The ids Clerk's samples use, replaced by the ones asked for.
const SAMPLE_IDS = {
  user: 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
  member: 'user_2h8op3Isl1QR7tKu5FGNfaLKEoU',
  session: 'sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
  org: 'org_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
  membership: 'orgmem_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
  email: 'idn_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
};

const usage = `usage: npm run webhook -- <type> [--user id] [--session id] [--org id] [--membership id] [--email addr]
                            [--id svix-id] [--url url] [--vars .dev.vars] [--print]
types: ${TYPES.join(', ')}`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    user: { type: 'string', default: 'user_dev_1' },
    session: { type: 'string', default: 'sess_dev_1' },
    org: { type: 'string', default: 'org_dev_1' },
    membership: { type: 'string', default: 'orgmem_dev_1' },
    email: { type: 'string', default: 'dev@example.test' },
    id: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:8787/api/webhooks/clerk' },
    vars: { type: 'string', default: '.dev.vars' },
    print: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const given = positionals[0];
if (values.help || !given || !TYPES.includes(given)) {
  console.error(given && !TYPES.includes(given) ? `unknown type: ${given}\n${usage}` : usage);
  process.exit(values.help ? 0 : 2);
}
const type: string = given;

function signingSecret(file: string): string {
  if (!existsSync(file))
    throw new Error(`${file} not found: run \`node scripts/dev-setup.ts\` (or \`npm run dev\`) first`);
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => /^\s*CLERK_WEBHOOK_SIGNING_SECRET\s*=/.test(l));
  const secret = line
    ?.split('=')
    .slice(1)
    .join('=')
    .trim()
    .replace(/^["']|["']$/g, '');
  if (!secret) throw new Error(`CLERK_WEBHOOK_SIGNING_SECRET is not set in ${file}`);
  return secret;
}

function buildEvent() {
  let json = JSON.stringify(SAMPLES[type]);
  const swap: [keyof typeof SAMPLE_IDS, string][] = [
    ['user', values.user],
    ['member', values.user],
    ['session', values.session],
    ['org', values.org],
    ['membership', values.membership],
  ];
  for (const [key, id] of swap) json = json.replaceAll(SAMPLE_IDS[key], id);
  const event = JSON.parse(json);
  const now = Date.now();
  event.timestamp = now; // Clerk documents milliseconds
  if (event.data && 'updated_at' in event.data) event.data.updated_at = now;
  if (type.startsWith('session.')) event.data.created_at = now;
  if (type === 'user.created' || type === 'user.updated') {
    event.data.primary_email_address_id = SAMPLE_IDS.email;
    event.data.email_addresses = [
      { object: 'email_address', id: SAMPLE_IDS.email, email_address: values.email, linked_to: [] },
    ];
  }
  return event;
}

const secret = signingSecret(values.vars);
const body = JSON.stringify(buildEvent());
const svixId = values.id ?? `msg_dev_${randomUUID().replaceAll('-', '')}`;
const headers = svixHeaders(new Webhook(secret), svixId, body);

if (values.print) {
  console.log(JSON.stringify({ url: values.url, headers, body: JSON.parse(body) }, null, 2));
  process.exit(0);
}

try {
  const res = await fetch(values.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  console.log(`${type} ${svixId} → ${res.status} ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  const e = err as Error & { cause?: { code?: string } };
  console.error(`could not reach ${values.url}: ${e.cause?.code ?? e.message} (is \`npm run dev\` running?)`);
  process.exit(1);
}
