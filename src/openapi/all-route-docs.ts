import { adminRouteDocs } from '../admin/admin-docs';
import { gatewayRouteDocs } from '../gateway/gateway-docs';
import { tenantRouteDocs } from '../tenants/tenant-routes';
import type { RouteDoc } from './route-doc';
import { serviceRouteDocs } from './service-docs';

/** Every route the Worker serves, documented (a test checks this against the router). */
export function allRouteDocs(): RouteDoc[] {
  return [...serviceRouteDocs, ...tenantRouteDocs, ...adminRouteDocs, ...gatewayRouteDocs];
}
