import { createApp } from './app';
import type { Bindings } from './env';
import { runMaintenance } from './maintenance/run-maintenance';
import { replayStoredEvent } from './webhooks/replay';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env, controller.scheduledTime, { replay: replayStoredEvent }).then(() => undefined));
  },
} satisfies ExportedHandler<Bindings>;
