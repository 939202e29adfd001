import { adminRouteDocs } from '../admin/admin-docs';
import { jwksRouteDocs } from '../auth/jwks-route';
import { gatewayRouteDocs } from '../gateway/gateway-docs';
import { healthRouteDocs } from '../health/health-routes';
import { meRouteDocs } from '../tenants/me-route';
import { tenantRouteDocs } from '../tenants/tenant-routes';
import { webhookRouteDocs } from '../webhooks/webhook-route';
import { openapiRouteDocs } from './openapi-routes';
import type { RouteDoc } from './route-doc';

/** Every route the Worker serves, documented beside its module (a test checks this against the router). */
export function allRouteDocs(): RouteDoc[] {
  return [
    ...healthRouteDocs,
    ...webhookRouteDocs,
    ...meRouteDocs,
    ...jwksRouteDocs,
    ...openapiRouteDocs,
    ...tenantRouteDocs,
    ...adminRouteDocs,
    ...gatewayRouteDocs,
  ];
}
