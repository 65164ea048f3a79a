import type { StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import { writeBySku } from './catalog.ts';
import type { RestCall } from './transport.ts';

/**
 * Sets WooCommerce's managed stock of these SKUs to Waybill's available-to-promise, through the batch endpoints
 * and the per-store SKU → id catalog (./catalog.ts). SKUs the store does not carry, or that WooCommerce refuses,
 * are skipped and reported with the reason; the others are set.
 */
export function pushStockLevels(
  call: RestCall,
  storeKey: string,
  levels: readonly StockUpdate[],
  now: Date,
): Promise<StockPushOutcome> {
  const writes = levels.map((level) => ({
    sku: level.sku,
    fields: { manage_stock: true, stock_quantity: level.available },
  }));
  return writeBySku(call, storeKey, writes, now);
}
