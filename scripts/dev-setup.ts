// Prepares a fresh checkout for `wrangler dev`, offline:
// 1. creates .dev.vars from .dev.vars.example when missing;
// 2. generates a local RS256 dev key pair in .dev-keys/ (git-ignored) and puts its
//    public half in .dev.vars as CLERK_JWT_KEY, so `npm run token` mints tokens the
//    dev server accepts without ever calling Clerk;
// 3. generates the gateway's Ed25519 assertion signing key (.dev-keys/edge-signing.jwk) and puts it in
//    .dev.vars as EDGE_SIGNING_KEY, and adds the sample gateway route to an older .dev.vars.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const VARS = '.dev.vars';
const KEYS = '.dev-keys';

if (!existsSync(VARS)) {
  writeFileSync(VARS, readFileSync('.dev.vars.example', 'utf8'));
  console.log('dev-setup: created .dev.vars from .dev.vars.example');
}

if (!existsSync(`${KEYS}/private.pem`)) {
  mkdirSync(KEYS, { recursive: true });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(`${KEYS}/private.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${KEYS}/public.pem`, publicKey.export({ type: 'spki', format: 'pem' }));
  console.log('dev-setup: generated a dev key pair in .dev-keys/');
}

const publicPem = readFileSync(`${KEYS}/public.pem`, 'utf8').trim();
const line = `CLERK_JWT_KEY="${publicPem.replace(/\n/g, '\\n')}"`;
const vars = readFileSync(VARS, 'utf8');
if (!vars.includes(line)) {
  const updated = /^CLERK_JWT_KEY=.*$/m.test(vars)
    ? vars.replace(/^CLERK_JWT_KEY=.*$/m, () => line)
    : `${vars.trimEnd()}\n${line}\n`;
  writeFileSync(VARS, updated);
  console.log('dev-setup: CLERK_JWT_KEY in .dev.vars now holds the dev public key');
}

/** Sets `NAME=value` in .dev.vars: replaces an empty or differing line, appends a missing one. */
function setVar(name: string, value: string, { onlyIfMissingOrEmpty = false } = {}): boolean {
  const current = readFileSync(VARS, 'utf8');
  const line = `${name}=${value}`;
  const existing = new RegExp(`^${name}=(.*)$`, 'm').exec(current);
  if (existing && (existing[0] === line || (onlyIfMissingOrEmpty && (existing[1] ?? '').trim() !== ''))) return false;
  const updated = existing ? current.replace(existing[0], () => line) : `${current.trimEnd()}\n${line}\n`;
  writeFileSync(VARS, updated);
  return true;
}

const EDGE_KEY = `${KEYS}/edge-signing.jwk`;
if (!existsSync(EDGE_KEY)) {
  // Ed25519 (EdDSA): the cheaper signature in workerd (BENCHMARKS.md "Gateway"); P-256 works too.
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomBytes(4).toString('hex')}` };
  writeFileSync(EDGE_KEY, JSON.stringify(jwk), { mode: 0o600 });
  console.log('dev-setup: generated the gateway signing key in .dev-keys/edge-signing.jwk');
}
if (setVar('EDGE_SIGNING_KEY', `'${readFileSync(EDGE_KEY, 'utf8').trim()}'`)) {
  console.log('dev-setup: EDGE_SIGNING_KEY in .dev.vars now holds the dev signing key');
}
// An older .dev.vars (from before the gateway) gets the sample route to the local echo origin.
for (const [name, value] of [
  ['GATEWAY_ROUTES', `'[{"prefix":"/api/","auth":"required"}]'`],
  ['ORIGIN_URL', 'http://127.0.0.1:8789'],
] as [string, string][]) {
  if (setVar(name, value, { onlyIfMissingOrEmpty: true })) console.log(`dev-setup: added ${name} to .dev.vars`);
}
