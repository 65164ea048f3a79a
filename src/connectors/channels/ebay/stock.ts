import { z } from 'zod';
import type { StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import type { EbayCall } from './transport.ts';

export const BULK_PRICE_QUANTITY_PATH = '/sell/inventory/v1/bulk_update_price_quantity';
/** bulkUpdatePriceQuantity takes up to 25 inventory items a call. */
export const STOCK_BATCH = 25;

/** bulkUpdatePriceQuantity's answer, a status per item (offerId where the request named offers: price updates). */
export const bulkUpdateAnswer = z.object({
  responses: z
    .array(
      z.object({
        offerId: z.string().optional(),
        sku: z.string().optional(),
        statusCode: z.number().int().optional(),
        errors: z
          .array(z.object({ errorId: z.number().optional(), message: z.string().optional() }))
          .optional(),
      }),
    )
    .default([]),
});

/**
 * Sets each SKU's total ship-to-home quantity (shipToLocationAvailability.quantity, the inventory item's quantity
 * across its offers) with one bulkUpdatePriceQuantity call. eBay answers 200 when every item was updated and 207
 * otherwise, with a status per item: the ones it refused (an unknown SKU, a listing on hold) are reported as
 * skipped with eBay's message, the rest were set. Safe to repeat: it sets levels, it adds nothing.
 */
export async function pushStockLevels(
  call: EbayCall,
  levels: readonly StockUpdate[],
): Promise<StockPushOutcome> {
  const { body } = await call({
    method: 'POST',
    path: BULK_PRICE_QUANTITY_PATH,
    body: {
      requests: levels.map((level) => ({
        sku: level.sku,
        shipToLocationAvailability: { quantity: Math.max(0, level.available) },
      })),
    },
  });
  const { responses } = bulkUpdateAnswer.parse(body);
  const skipped = responses
    .filter(
      (r) => r.sku !== undefined && r.statusCode !== undefined && (r.statusCode < 200 || r.statusCode > 299),
    )
    .map((r) => ({
      sku: r.sku!,
      reason: `eBay refused it (${r.statusCode}${r.errors?.length ? ` ${r.errors.map((e) => `${e.errorId ?? '?'} ${e.message ?? ''}`.trim()).join('; ')}` : ''})`,
    }));
  // An item eBay did not answer for at all was not set either.
  const answered = new Set(responses.map((r) => r.sku));
  const unanswered = levels
    .filter((l) => !answered.has(l.sku))
    .map((l) => ({ sku: l.sku, reason: 'eBay gave no status for it' }));
  return { skipped: [...skipped, ...unanswered] };
}
