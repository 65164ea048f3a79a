import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { SkippedStock, StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import type { AmazonEndpoint } from './credentials.ts';
import type { SpApiCall } from './transport.ts';

/** The quantity a merchant fulfils, set with JSON Patch `merge` so restock_date and lead time stay as they are. */
export function quantityPatch(available: number) {
  return {
    op: 'merge' as const,
    path: '/attributes/fulfillment_availability',
    value: [{ fulfillment_channel_code: 'DEFAULT', quantity: Math.max(0, available) }],
  };
}

const submission = z.object({
  status: z.enum(['ACCEPTED', 'INVALID', 'VALID']),
  issues: z.array(z.object({ code: z.string(), message: z.string(), severity: z.string() })).optional(),
});

/**
 * Each SKU in each marketplace by patchListingsItem (Listings Items API 2021-08-01): ACCEPTED, or INVALID with the
 * issues that refused it, reported per SKU.
 */
export async function patchEach(
  call: SpApiCall,
  endpoint: AmazonEndpoint,
  levels: readonly StockUpdate[],
): Promise<StockPushOutcome> {
  const skipped = new Map<string, string>();
  for (const level of levels) {
    for (const marketplaceId of endpoint.marketplaceIds) {
      const answer = await call({
        operation: 'patchListingsItem',
        method: 'PATCH',
        path: `/listings/2021-08-01/items/${encodeURIComponent(endpoint.sellerId)}/${encodeURIComponent(level.sku)}`,
        query: { marketplaceIds: [marketplaceId], issueLocale: 'en_US' },
        body: { productType: endpoint.productType, patches: [quantityPatch(level.available)] },
      });
      const parsed = submission.safeParse(answer.body);
      if (!parsed.success)
        throw new PermanentError(
          `Amazon answered patchListingsItem ${level.sku} with something that is not a submission`,
        );
      if (parsed.data.status === 'INVALID' && !skipped.has(level.sku)) {
        const errors = (parsed.data.issues ?? []).filter((i) => i.severity === 'ERROR');
        const why = errors.map((i) => `${i.code} ${i.message}`).join('; ') || 'INVALID without issues';
        skipped.set(level.sku, `Amazon refused the listing in ${marketplaceId}: ${why}`);
      }
    }
  }
  return { skipped: [...skipped].map(([sku, reason]): SkippedStock => ({ sku, reason })) };
}
