import { createApp } from './app';
import type { Bindings } from './env';
import { runMaintenance } from './maintenance/run-maintenance';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // The lead wires the webhooks module's replay here (and in createApp) at merge.
    ctx.waitUntil(runMaintenance(env, controller.scheduledTime, {}).then(() => undefined));
  },
} satisfies ExportedHandler<Bindings>;
