// `npm run interop:go`: the Go example origin (examples/go-origin, built with the local Go toolchain)
// as the real origin behind `wrangler dev`, a request through the edge, and the Go server verifying
// the assertion against the edge's JWKS and echoing the identity. Then a key rotation (new ES256 key,
// the old Ed25519 one as EDGE_SIGNING_KEY_PREVIOUS): the Go side picks up the new kid, no request fails.
// Loopback only; bounded; everything it starts is stopped. CI runs it after `npm test` (.ci/run).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getPlatformProxy } from 'wrangler';
import { applyMigrations, type D1Like } from './lib/migrations.ts';
import { signRs256 } from './lib/sign.ts';
import { freePort, startWranglerDev, type WranglerDev } from './lib/wrangler-dev.ts';

const dir = mkdtempSync(join(tmpdir(), 'fulcrum-interop-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const edgeKey = (kind: 'ed25519' | 'ec') => {
  const { privateKey } =
    kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({
    ...privateKey.export({ format: 'jwk' }),
    kid: `interop-${kind}-${randomBytes(3).toString('hex')}`,
  });
};

function envFile(originPort: number, keys: { current: string; previous?: string }): string {
  const vars: Record<string, string> = {
    CLERK_SECRET_KEY: 'sk_test_interop_placeholder',
    CLERK_JWT_KEY: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    GATEWAY_ROUTES: JSON.stringify([{ prefix: '/api/' }]),
    ORIGIN_URL: `http://127.0.0.1:${originPort}`,
    EDGE_SIGNING_KEY: keys.current,
    EDGE_SIGNING_KEY_PREVIOUS: keys.previous ?? '',
  };
  const file = join(dir, 'interop.vars');
  // dotenv: JSON in single quotes (taken literally), the PEM in double quotes (\n expanded).
  const line = ([k, v]: [string, string]) => (v.includes('\n') ? `${k}=${JSON.stringify(v)}` : `${k}='${v}'`);
  writeFileSync(file, Object.entries(vars).map(line).join('\n'));
  return file;
}

function token(user: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    azp: 'http://localhost:3000',
    exp: now + 120,
    iat: now,
    nbf: now - 10,
    iss: 'https://interop.clerk.test',
    sid: `sess_${user}`,
    sub: user,
    v: 2,
  };
  // The kid does not matter with CLERK_JWT_KEY (networkless: the one key verifies).
  return signRs256({ alg: 'RS256', kid: 'interop', typ: 'JWT', cat: 'cl_B7d4PD111AAA' }, claims, rsa.privateKey);
}

async function through(edge: WranglerDev, user: string) {
  const res = await fetch(`${edge.url}/api/whoami`, {
    headers: { authorization: `Bearer ${token(user)}`, 'x-fulcrum-user-id': 'user_spoof' },
  });
  const body = (await res.json().catch(() => null)) as {
    verified?: boolean;
    identity?: { sub?: string; token_type?: string };
  } | null;
  return { status: res.status, body };
}

function fail(message: string): never {
  throw new Error(`interop: ${message}`);
}

let go: ChildProcess | undefined;
let edge: WranglerDev | undefined;
try {
  const goDir = resolve('examples/go-origin');
  const binary = join(dir, 'go-origin');
  execFileSync('go', ['build', '-o', binary, './cmd/server'], {
    cwd: goDir,
    stdio: 'inherit',
    env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' },
  });
  const edgePort = await freePort();
  const originPort = await freePort();
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  go = spawn(binary, [], {
    env: {
      ...process.env,
      EDGE_URL: edgeUrl,
      LISTEN: `127.0.0.1:${originPort}`,
      AUDIENCE: `http://127.0.0.1:${originPort}`,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const oldKey = edgeKey('ed25519');
  // The local D1 with the real migrations (as the drill does: wrangler's platform proxy on the same folder).
  const proxy = await getPlatformProxy<{ DB: D1Like }>({
    configPath: 'wrangler.toml',
    persist: { path: join(dir, 'v3') },
    envFiles: [],
  });
  await applyMigrations(proxy.env.DB);
  await proxy.dispose();
  edge = await startWranglerDev(edgePort, { persistTo: dir, envFile: envFile(originPort, { current: oldKey }) });

  const direct = await fetch(`http://127.0.0.1:${originPort}/api/whoami`, {
    headers: { 'x-fulcrum-user-id': 'user_spoof' },
  });
  if (direct.status !== 401) fail(`a request around the edge got ${direct.status}, want 401`);
  const first = await through(edge, 'user_interop');
  if (first.status !== 200 || first.body?.verified !== true || first.body.identity?.sub !== 'user_interop') {
    fail(`through the edge: ${first.status} ${JSON.stringify(first.body)}`);
  }
  console.log(`interop: EdDSA assertion verified by Go: ${JSON.stringify(first.body.identity)}`);

  // Rotation: the Go verifier refetches on an unknown kid at most once per 30 s, counted from its
  // first fetch; rotate after that window, as an operator's rotation (hours apart) always is.
  await new Promise((r) => setTimeout(r, 31_000));
  await edge.stop();
  edge = await startWranglerDev(edgePort, {
    persistTo: dir,
    envFile: envFile(originPort, { current: edgeKey('ec'), previous: oldKey }),
  });
  const results = [];
  for (let i = 0; i < 10; i++) results.push(await through(edge, `user_rotated_${i}`));
  const failed = results.filter((r) => r.status !== 200 || r.body?.verified !== true);
  if (failed.length > 0) fail(`after rotation ${failed.length}/10 failed: ${JSON.stringify(failed[0])}`);
  console.log('interop: after rotation to ES256 (previous key still published) 10/10 verified by Go');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  if (edge) console.error(edge.output().slice(-4000));
  process.exitCode = 1;
} finally {
  await edge?.stop();
  go?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
