import { failedConnection, type ConnectionTestResult } from '../../shared/connection-test.ts';
import { getStore } from './api.ts';
import type { ApiCall } from './transport.ts';

/**
 * A BigCommerce channel's connection test: GET /v2/store with the channel's token (one cheap read, which needs only
 * the Information & Settings read scope); a wrong or revoked token is the transport's 401, naming the setting to fix.
 * Whether the token may write orders and products shows only at the first write.
 */
export async function testBigCommerceConnection(
  call: ApiCall,
  webhooks: boolean,
): Promise<ConnectionTestResult> {
  try {
    const store = await getStore(call);
    const prices = store.is_price_entered_with_tax ? 'prices entered with tax' : 'prices entered without tax';
    const orders = webhooks
      ? 'order hooks wake the catch-up poll'
      : 'no webhookToken: orders come by the catch-up poll, every minute';
    return {
      ok: true,
      detail: `BigCommerce store "${store.name}", default currency ${store.currency ?? 'unknown'}, ${prices}; ${orders}`,
    };
  } catch (error) {
    return failedConnection(error);
  }
}
