import { z } from 'zod';
import { failedConnection, type ConnectionTestResult } from '../../shared/connection-test.ts';
import type { AmazonEndpoint } from './credentials.ts';
import type { SpApiCall } from './transport.ts';

const participations = z.object({
  payload: z.array(
    z.object({
      marketplace: z.object({ id: z.string(), name: z.string(), defaultCurrencyCode: z.string() }),
      participation: z.object({ isParticipating: z.boolean() }),
    }),
  ),
});

/**
 * An Amazon channel's connection test: the refresh token is exchanged with Login with Amazon, then
 * getMarketplaceParticipations (Sellers API v1, the cheapest call every seller app may make) says which
 * marketplaces the seller sells in; each of the channel's marketplaceIds must be one. Changes nothing.
 */
export async function testAmazonConnection(
  call: SpApiCall,
  endpoint: AmazonEndpoint,
): Promise<ConnectionTestResult> {
  try {
    const answer = await call({
      operation: 'getMarketplaceParticipations',
      method: 'GET',
      path: '/sellers/v1/marketplaceParticipations',
    });
    const parsed = participations.safeParse(answer.body);
    if (!parsed.success)
      return {
        ok: false,
        reason: 'refused',
        detail: 'getMarketplaceParticipations answered something that is not a list of marketplaces',
      };
    const selling = new Map(
      parsed.data.payload
        .filter((p) => p.participation.isParticipating)
        .map((p) => [p.marketplace.id, p.marketplace]),
    );
    const missing = endpoint.marketplaceIds.filter((id) => !selling.has(id));
    if (missing.length)
      return {
        ok: false,
        reason: 'refused',
        detail: `the seller does not sell in ${missing.join(', ')}: check the channel's marketplaceIds (it sells in ${[...selling.keys()].join(', ') || 'none'})`,
      };
    const names = endpoint.marketplaceIds.map(
      (id) => `${selling.get(id)!.name} (${selling.get(id)!.defaultCurrencyCode})`,
    );
    return { ok: true, detail: `Amazon seller ${endpoint.sellerId} in ${names.join(', ')}` };
  } catch (error) {
    return failedConnection(error);
  }
}
