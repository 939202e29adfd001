// `npm run bench -- gateway`: what the gateway adds to a proxied request in workerd, against a bare
// pass-through Worker and against stock @clerk/hono `clerkMiddleware` + `hono/proxy`, in one run
// (bench/gateway/cpu.ts); where ours' time goes (profile.ts); the assertion's signing cost alone, EdDSA vs
// ES256 (signing.ts); workerd's memory for a 50 MiB vs a 1 MiB transfer through the gateway (memory.ts).
//
// Each variant (bench/gateway/variants.ts) is bundled by esbuild and run in Miniflare (real workerd) from
// Node; every inner request really goes out of workerd to the same Node origin on 127.0.0.1. Clerk is the fake
// (drill/support/fake-clerk.ts) on 127.0.0.1, which counts requests (every variant verifies networklessly with CLERK_JWT_KEY, so it should
// see none).
import { rmSync } from 'node:fs';
import { createFakeClerk } from '../drill/support/fake-clerk.ts';
import { cpuBench } from './gateway/cpu.ts';
import { memoryBench } from './gateway/memory.ts';
import { benchOrigin } from './gateway/origin.ts';
import { profileOurs } from './gateway/profile.ts';
import { report } from './gateway/report.ts';
import { TMP } from './gateway/setup.ts';
import { BENCH_SIGNING_KEY } from './support/tokens.ts';
import { BENCH_SK } from './support/workerd.ts';

export const title = 'Gateway: added time per proxied request, assertion signing, memory while streaming';

export async function run() {
  rmSync(TMP, { recursive: true, force: true });
  const origin = await benchOrigin();
  const clerk = createFakeClerk({ secretKey: BENCH_SK, key: BENCH_SIGNING_KEY });
  await clerk.start();
  const urls = { origin: origin.url, clerk: clerk.url };
  try {
    const cpu = await cpuBench(urls);
    const profile = await profileOurs(urls);
    const memory = {
      ours: await memoryBench('ours', urls),
      bare: await memoryBench('bare', urls),
      buffering: await memoryBench('buffering', urls),
    };
    return report(cpu, profile, memory, clerk.requests);
  } finally {
    await origin.close();
    await clerk.close();
    rmSync(TMP, { recursive: true, force: true });
  }
}
