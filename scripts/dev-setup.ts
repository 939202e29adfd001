// Prepares a fresh checkout for `wrangler dev`, offline:
// 1. creates .dev.vars from .dev.vars.example when missing;
// 2. generates a local RS256 dev key pair in .dev-keys/ (git-ignored) and puts its
//    public half in .dev.vars as CLERK_JWT_KEY, so `npm run token` mints tokens the
//    dev server accepts without ever calling Clerk.
import { generateKeyPairSync } from 'node:crypto';
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
  const updated = /^CLERK_JWT_KEY=.*$/m.test(vars) ? vars.replace(/^CLERK_JWT_KEY=.*$/m, () => line) : `${vars.trimEnd()}\n${line}\n`;
  writeFileSync(VARS, updated);
  console.log('dev-setup: CLERK_JWT_KEY in .dev.vars now holds the dev public key');
}
