import { createApp } from './app';
import type { Bindings } from './env';
import { runMaintenance } from './scheduled';
import { createServices } from './services/services';

export { Revocations } from './revocation/revocations-object';

// The isolate's state, built once: the fetch app and the cron share it (one tenant cache, one clock).
const services = createServices();
const app = createApp({ services });

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runMaintenance(services, env, controller.scheduledTime).then(() => undefined));
  },
} satisfies ExportedHandler<Bindings>;
