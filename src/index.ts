import { createApp } from './app';
import type { Bindings } from './env';
import { createScheduled } from './scheduled';
import { createServices } from './services/services';

export { Revocations } from './revocation/revocations-object';

// The isolate's state, built once: the fetch app (src/app.ts) and the cron (src/scheduled.ts) share it (one
// tenant cache, one clock). Each has its own composition root; this file only exports them.
const services = createServices();

export default {
  fetch: createApp({ services }).fetch,
  scheduled: createScheduled(services),
} satisfies ExportedHandler<Bindings>;
