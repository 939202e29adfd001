// workerd's memory while streaming through the gateway: a fresh Miniflare (its own workerd process) per variant;
// before each transfer the kernel's peak-RSS counter is reset (`5` into /proc/<pid>/clear_refs), after it VmHWM is
// read; VmRSS is also sampled every 5 ms. A deliberately buffering Worker is measured the same way, to show the
// method sees buffering when there is some.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Miniflare } from 'miniflare';
import { median } from '../support/stats.ts';
import { workerOf } from '../support/workerd.ts';
import { mint } from './cpu.ts';
import { MEMORY_REPEATS, MiB } from './setup.ts';
import type { VariantName } from './variants.ts';
import { start, type Urls } from './workerd.ts';

const statusKiB = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
  return m ? Number(m[1]) : Number.NaN;
};

export type Transfer = { direction: 'upload' | 'download'; bytes: number };
type MemorySample = { before: number; peak: number; sampledPeak: number; ms: number };

/** One transfer through the worker, with workerd's peak RSS over it (MiB). */
async function measureTransfer(mf: Miniflare, pid: number, token: string, t: Transfer): Promise<MemorySample> {
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
  const before = statusKiB(pid, 'VmRSS');
  let sampledPeak = before;
  const timer = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, statusKiB(pid, 'VmRSS'));
  }, 5);
  const worker = await workerOf(mf, 'memory');
  const headers = { authorization: `Bearer ${token}` };
  const t0 = performance.now();
  try {
    if (t.direction === 'upload') {
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(0x33);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= t.bytes) return controller.close();
          const piece = chunk.subarray(0, Math.min(chunk.length, t.bytes - sent));
          sent += piece.length;
          controller.enqueue(piece);
        },
      });
      const init = { method: 'POST', headers, body, duplex: 'half' } as RequestInit;
      const res = await worker.fetch('https://edge.bench/api/upload', init);
      const { bytes } = (await res.json()) as { bytes: number };
      if (bytes !== t.bytes) throw new Error(`upload: origin got ${bytes} of ${t.bytes} bytes`);
    } else {
      const res = await worker.fetch(`https://edge.bench/api/download?bytes=${t.bytes}`, { headers });
      let got = 0;
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) got += r.value.length;
      if (res.status !== 200 || got !== t.bytes) throw new Error(`download: ${res.status}, ${got} of ${t.bytes} bytes`);
    }
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  return { before: before / 1024, peak: statusKiB(pid, 'VmHWM') / 1024, sampledPeak: sampledPeak / 1024, ms };
}

export const TRANSFERS: Transfer[] = [
  { direction: 'upload', bytes: MiB },
  { direction: 'upload', bytes: 50 * MiB },
  { direction: 'download', bytes: MiB },
  { direction: 'download', bytes: 50 * MiB },
];
const key = (t: Transfer) => `${t.direction} ${t.bytes / MiB} MiB`;

export async function memoryBench(variant: VariantName, urls: Urls) {
  const { mf, pid } = await start([{ name: 'memory', variant }], urls);
  const token = mint(5e6);
  // Warm-up: code, key import, tenant, connections, one transfer of each kind.
  for (const t of TRANSFERS.filter((x) => x.bytes === MiB)) await measureTransfer(mf, pid, token, t);
  const samples = new Map<string, MemorySample[]>();
  for (let r = 0; r < MEMORY_REPEATS; r++) {
    for (const t of TRANSFERS) {
      const sample = await measureTransfer(mf, pid, token, t);
      samples.set(key(t), [...(samples.get(key(t)) ?? []), sample]);
    }
  }
  const idle = statusKiB(pid, 'VmRSS') / 1024;
  await mf.dispose();
  const summary = (xs: MemorySample[]) => ({
    rise: median(xs.map((s) => s.peak - s.before)),
    sampledRise: median(xs.map((s) => s.sampledPeak - s.before)),
    before: median(xs.map((s) => s.before)),
    ms: median(xs.map((s) => s.ms)),
  });
  return { idle, of: (t: Transfer) => summary(samples.get(key(t)) ?? []) };
}
