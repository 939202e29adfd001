// Where ours' time goes: workerd's V8 sampling profiler (over its inspector) on the `ours_core` ablation, unminified
// bundle, its origin answered inside the isolate (the in-isolate loops: no network or origin work in the samples),
// self time grouped by module. Indicative only on a loaded machine; the direct measures are the ablation rows of the
// CPU tables.
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { CORE, KINDS, type Kind, mint } from './cpu.ts';
import { N } from './setup.ts';
import { bundle, loop, start, type Urls } from './workerd.ts';

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
};

/** A free TCP port on 127.0.0.1 (for the inspector). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Minimal Chrome DevTools Protocol client over workerd's inspector WebSocket. */
async function inspect(port: number, worker: string) {
  type Target = { title: string; webSocketDebuggerUrl: string };
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Target[];
  const target = targets.find((t) => t.title.endsWith(`core:user:${worker}`));
  if (!target) throw new Error(`no inspector target for ${worker}: ${targets.map((t) => t.title).join(', ')}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      pending.set(++id, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Where a sample's function lives: a package, a file of src/, the bench harness, or workerd itself. */
function grouper(code: string) {
  const starts: [number, string][] = [];
  code.split('\n').forEach((line, i) => {
    const m = line.match(/^\/\/ (\S+\.[cm]?[jt]s)$/);
    if (m?.[1]) starts.push([i, m[1]]);
  });
  const moduleAt = (line: number) => {
    let found = 'bench variant';
    for (const [start, path] of starts) if (start <= line) found = path;
    return found;
  };
  return ({ functionName, url, lineNumber }: CpuProfile['nodes'][number]['callFrame']) => {
    if (url.endsWith('harness.mjs')) return 'bench harness (the loop)';
    if (url.endsWith('variant.mjs')) {
      const path = moduleAt(lineNumber);
      const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
      return pkg ? `\`${pkg}\`` : `\`${path}\``;
    }
    const internal = url.match(/^(cloudflare-internal|node-internal):/)?.[1];
    if (internal) return `workerd JS (\`${internal}\`)`;
    return functionName.startsWith('(') ? functionName : `native \`${functionName}\``;
  };
}

/**
 * Samples workerd's V8 profiler over the core ablation of ours (unminified bundle; console dropped, no
 * limiter binding: with an inspector attached, console calls also go to it) and groups self time.
 */
export async function profileOurs(urls: Urls) {
  const code = await bundle('ours', false);
  const group = grouper(code);
  const port = await freePort();
  const run = await start([{ name: 'profiled', ...CORE }], urls, { inspectorPort: port, code });
  const repeated = Array<string>(N).fill(mint(7e6));
  const out: Record<Kind, { shares: Map<string, number>; usPerRequest: number; idle: number }> = {} as never;
  try {
    for (let i = 0; i < 3; i++) await loop(run, 'profiled', repeated, { inIsolate: true });
    const cdp = await inspect(port, 'profiled');
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    for (const kind of KINDS) {
      const batches = Array.from({ length: 8 }, (_, b) =>
        kind === 'fresh' ? Array.from({ length: N }, (_, i) => mint(8e6 + b * N + i)) : repeated,
      );
      await cdp.send('Profiler.start');
      let cpu = 0;
      for (const tokens of batches) cpu += (await loop(run, 'profiled', tokens, { inIsolate: true })).cpuMs;
      const usPerRequest = (cpu / (batches.length * N)) * 1000;
      const { profile } = await cdp.send<{ profile: CpuProfile }>('Profiler.stop');
      const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
      // A sample stands for the time since the previous one (a loaded machine delays the sampler). Shares are
      // of the busy time: "(idle)" (waiting for the origin) is counted apart.
      const time = new Map<string, number>();
      profile.samples.forEach((sample, i) => {
        const frame = frameOf.get(sample);
        const g = frame ? group(frame) : '?';
        time.set(g, (time.get(g) ?? 0) + (profile.timeDeltas[i] ?? 0));
      });
      const all = [...time.values()].reduce((a, b) => a + b, 0);
      const idle = (time.get('(idle)') ?? 0) / all;
      time.delete('(idle)');
      const busy = all * (1 - idle);
      const shares = new Map([...time].map(([g, t]) => [g, t / busy]));
      out[kind] = { shares, usPerRequest, idle };
    }
    cdp.close();
  } finally {
    await run.mf.dispose();
  }
  return out;
}
