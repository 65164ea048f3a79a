import { failedConnection, type ConnectionTestResult } from '../../shared/connection-test.ts';
import { ORDERS_PATH } from './poll.ts';
import { oauthFailureOf } from './token.ts';
import type { EbayCall } from './transport.ts';

/**
 * An eBay channel's connection test: a fresh access token from the seller's refresh token (the grant is the real
 * check of clientId, clientSecret, refreshToken and the scopes), then one order read (getOrders, limit 1).
 * Changes nothing. A refresh token eBay refused says the seller must consent again.
 */
export async function testEbayConnection(
  renew: () => Promise<unknown>,
  call: EbayCall,
  marketplaceId: string,
): Promise<ConnectionTestResult> {
  try {
    await renew();
    const { body } = await call({ method: 'GET', path: ORDERS_PATH, query: { limit: '1' } });
    const total = (body as { total?: unknown }).total;
    return {
      ok: true,
      detail: `eBay answered for the seller on ${marketplaceId}${typeof total === 'number' ? `: ${total} orders of the last 90 days` : ''}`,
    };
  } catch (error) {
    const failed = failedConnection(error);
    if (!failed.ok && oauthFailureOf(error) === 'invalid_scope')
      return { ...failed, reason: 'missing_scope' };
    return failed;
  }
}
