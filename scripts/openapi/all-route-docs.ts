import { adminRouteDocs } from '../../src/admin/admin-docs';
import { jwksRouteDocs } from '../../src/auth/jwks-route';
import { consoleRouteDocs } from '../../src/console/console-routes';
import { gatewayRouteDocs } from '../../src/gateway/gateway-docs';
import { healthRouteDocs } from '../../src/health/health-routes';
import type { RouteDoc } from '../../src/http/route-doc';
import { openapiRouteDocs } from '../../src/openapi/openapi-routes';
import { revocationRouteDocs } from '../../src/revocation/revocation-routes';
import { meRouteDocs } from '../../src/tenants/me-route';
import { tenantRouteDocs } from '../../src/tenants/tenant-routes';
import { webhookRouteDocs } from '../../src/webhooks/webhook-route';

/** Every route the Worker serves, documented beside its module (a test checks this against the router). */
export function allRouteDocs(): RouteDoc[] {
  return [
    ...healthRouteDocs,
    ...webhookRouteDocs,
    ...meRouteDocs,
    ...jwksRouteDocs,
    ...openapiRouteDocs,
    ...consoleRouteDocs,
    ...tenantRouteDocs,
    ...adminRouteDocs,
    ...revocationRouteDocs,
    ...gatewayRouteDocs,
  ];
}
