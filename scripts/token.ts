// `npm run token -- --user user_123 [--org org_1 --role admin] [--ttl 3600]`
// `npm run token -- --admin [--user user_123]`: a console URL (first of ADMIN_USER_IDS, a fresh second factor)
// `npm run token -- --type m2m --machine mch_1 [--scopes mch_2,mch_3]`
// `npm run token -- --type oauth --user user_1 [--client c --scopes a,b --aud x]`
// Mints a Clerk-shaped RS256 session token signed with the local dev key (.dev-keys/private.pem,
// created by scripts/dev-setup.ts, whose public half `npm run dev` serves as CLERK_JWT_KEY) and
// prints a ready curl line (or, with --raw, only the token: `$(npm run -s token -- --user u --raw)`).
// Local development only: these tokens verify nowhere else.
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signRs256 } from './lib/sign.ts';

const USAGE = `usage: npm run token -- --admin [--user <user_id>] [--port <port>]
       npm run token -- --user <user_id> [--session <sess_id>] [--org <org_id> --role <role>]
                      [--permissions <a,b>] [--fva <minutes,minutes>] [--azp <origin>] [--ttl <seconds>]
                      [--port <port>] [--raw]
       npm run token -- --type m2m --machine <mch_id> [--scopes <mch_a,mch_b>] [--ttl <seconds>]
       npm run token -- --type oauth --user <user_id> [--client <client_id>] [--scopes <a,b>] [--aud <audience>]`;

const OPTIONS = {
  user: { type: 'string' },
  session: { type: 'string' },
  org: { type: 'string' },
  role: { type: 'string', default: 'member' },
  permissions: { type: 'string' },
  fva: { type: 'string', default: '0,-1' },
  azp: { type: 'string' },
  ttl: { type: 'string', default: '3600' },
  port: { type: 'string', default: '8787' },
  type: { type: 'string', default: 'session' },
  machine: { type: 'string' },
  scopes: { type: 'string' },
  client: { type: 'string', default: 'client_dev' },
  aud: { type: 'string' },
  raw: { type: 'boolean', default: false },
  admin: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
try {
  ({ values } = parseArgs({
    options: OPTIONS,
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
/** A comma-separated variable of .dev.vars (which wins) or wrangler.toml's top level. */
function configList(name: string): string[] {
  for (const file of ['.dev.vars', 'wrangler.toml']) {
    if (!existsSync(file)) continue;
    const m = new RegExp(`^\\s*${name}\\s*=\\s*["']?([^"'\\n]*)["']?`, 'm').exec(readFileSync(file, 'utf8'));
    if (m?.[1] !== undefined)
      return m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
  return [];
}
if (values.admin) {
  values.user ??= configList('ADMIN_USER_IDS')[0];
  if (!values.user) {
    console.error(
      '--admin: no operator. Set ADMIN_USER_IDS=user_… in .dev.vars (then restart npm run dev), or pass --user.',
    );
    process.exit(2);
  }
  // A second factor verified just now: the admin routes ask for one within 10 minutes of issuance.
  if (values.fva === '0,-1') values.fva = '0,0';
}
const user = values.user ?? '';
const needs = values.type === 'm2m' ? values.machine : values.user;
if (values.help || !needs || !['session', 'm2m', 'oauth'].includes(values.type)) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
const ttl = Number(values.ttl);
const fva = values.fva.split(',').map(Number);
if (!Number.isInteger(ttl) || ttl <= 0 || fva.length !== 2 || fva.some((n) => !Number.isInteger(n))) {
  console.error(`--ttl must be a positive integer and --fva two integers\n${USAGE}`);
  process.exit(2);
}

if (!existsSync('.dev-keys/private.pem'))
  execFileSync(process.execPath, ['scripts/dev-setup.ts'], { stdio: 'inherit' });
const privateKey = createPrivateKey(readFileSync('.dev-keys/private.pem'));

// The token's azp must be allowed when the dev server sets CLERK_AUTHORIZED_PARTIES
// (.dev.vars wins over wrangler.toml).
const azp = values.azp ?? configList('CLERK_AUTHORIZED_PARTIES')[0] ?? 'http://localhost:3000';

const now = Math.floor(Date.now() / 1000);
// The RFC 7638 thumbprint: the kid /.well-known/jwks.json lists for CLERK_JWT_KEY.
const { e, kty, n } = createPublicKey(privateKey).export({ format: 'jwk' });
const kid = createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
const scopes = values.scopes?.split(',').filter(Boolean) ?? [];
const jti = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
function printMachine(token: string, what: string): never {
  if (values.raw) {
    console.log(token);
    process.exit(0);
  }
  console.error(`# ${what}, expires in ${ttl} s`);
  console.log(`curl -s -H 'Authorization: Bearer ${token}' http://127.0.0.1:${values.port}/v1/me`);
  process.exit(0);
}
// Machine tokens in JWT form, shaped as Clerk issues them (verified by the same CLERK_JWT_KEY).
const iss = 'https://fulcrum-dev.clerk.accounts.dev';
if (values.type === 'm2m') {
  const claims = {
    iss,
    sub: values.machine,
    jti: jti('mt_'),
    iat: now,
    nbf: now - 5,
    exp: now + ttl,
    scopes: scopes.join(' '),
  };
  printMachine(
    signRs256({ alg: 'RS256', cat: 'cl_B7d4PD333AAA', kid, typ: 'JWT' }, claims, privateKey),
    `M2M token for ${values.machine}`,
  );
}
if (values.type === 'oauth') {
  const claims = {
    iss,
    sub: user,
    client_id: values.client,
    jti: jti('oat_'),
    iat: now,
    nbf: now - 5,
    exp: now + ttl,
    scope: scopes.join(' '),
    ...(values.aud ? { aud: values.aud } : {}),
  };
  printMachine(
    signRs256({ alg: 'RS256', kid, typ: 'at+jwt' }, claims, privateKey),
    `OAuth access token of ${user} for ${values.client}`,
  );
}
const header = { alg: 'RS256', cat: 'cl_B7d4PD111AAA', kid, typ: 'JWT' };
const role = values.role.replace(/^org:/, '');
const claims = {
  azp,
  exp: now + ttl,
  fva,
  iat: now,
  iss: 'https://fulcrum-dev.clerk.accounts.dev',
  nbf: now - 10,
  sid: values.session ?? `sess_dev_${randomBytes(6).toString('hex')}`,
  sub: user,
  v: 2,
  ...(values.org
    ? {
        o: {
          id: values.org,
          rol: role,
          slg: values.org,
          ...(values.permissions ? { per: values.permissions } : {}),
        },
      }
    : {}),
};
const token = signRs256(header, claims, privateKey);

if (values.raw) {
  console.log(token);
  process.exit(0);
}
if (values.admin) {
  // In the fragment: a browser never sends it to the server; the console moves it to sessionStorage at once.
  console.error(`# operator console as ${user} (second factor fresh for the token's ${ttl} s); open:`);
  console.log(`http://127.0.0.1:${values.port}/console#token=${token}`);
  process.exit(0);
}
console.error(`# ${user}${values.org ? ` in ${values.org} as org:${role}` : ''}, azp ${azp}, expires in ${ttl} s`);
console.log(`curl -s -H 'Authorization: Bearer ${token}' http://127.0.0.1:${values.port}/v1/me`);
