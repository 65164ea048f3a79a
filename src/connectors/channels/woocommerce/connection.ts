import { z } from 'zod';
import { failedConnection, type ConnectionTestResult } from '../../shared/connection-test.ts';
import type { RestCall } from './transport.ts';

/**
 * The parts of GET /system_status (WC_REST_System_Status_V2_Controller) the test reads: WooCommerce's version and
 * the store's currency. Reading it needs keys of a user who may manage WooCommerce, as the rest of Waybill's calls do.
 */
const systemStatus = z.object({
  environment: z.object({ version: z.string() }),
  settings: z.object({ currency: z.string() }),
});

/**
 * A WooCommerce channel's connection test: the REST API answers at the store's address with the channel's keys.
 * Whether the key may write (Read/Write) shows only at the first write, which WooCommerce does not let a test make
 * without changing something.
 */
export async function testWooCommerceConnection(
  call: (() => RestCall) | null,
): Promise<ConnectionTestResult> {
  if (!call)
    return { ok: true, detail: 'no REST API keys: the store only sends orders in, Waybill calls nothing' };
  try {
    const status = systemStatus.safeParse(await call()({ method: 'GET', path: '/system_status' }));
    if (!status.success)
      return {
        ok: false,
        reason: 'refused',
        detail: 'GET /system_status answered something that is not WooCommerce system status',
      };
    const { environment, settings } = status.data;
    return {
      ok: true,
      detail: `WooCommerce ${environment.version}, the store's currency ${settings.currency}`,
    };
  } catch (error) {
    return failedConnection(error);
  }
}
