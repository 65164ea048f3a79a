import { toDecimalString } from '../../../domain/money.ts';
import type { PriceUpdate, SkippedStock, StockPushOutcome } from '../sales-channel.ts';
import { writeBySku, type SkuWrite, type Target } from './catalog.ts';
import type { ProductFields } from './rest.ts';
import type { RestCall } from './transport.ts';

/**
 * A variable product's own price is not what anyone pays: WooCommerce shows the range of its variations' prices,
 * and the REST API leaves the parent's price fields alone.
 */
const VARIABLE_PARENT = 'a variable product is priced through its variations, each under its own SKU';

/**
 * Sets the selling prices of these SKUs, through the same batch endpoints and SKU → id catalog as stock
 * (./catalog.ts). SKUs the store does not carry, a variable product's own SKU, and items WooCommerce refuses are
 * skipped and reported with the reason; the others are set. Safe to repeat: each write sets absolute values.
 */
export async function pushPriceLevels(
  call: RestCall,
  storeKey: string,
  prices: readonly PriceUpdate[],
  now: Date,
): Promise<StockPushOutcome> {
  const writes: SkuWrite[] = [];
  const skipped: SkippedStock[] = [];
  for (const update of prices) {
    const fields = priceFields(update);
    if (typeof fields === 'string') skipped.push({ sku: update.sku, reason: fields });
    else writes.push({ sku: update.sku, fields });
  }
  const outcome = await writeBySku(call, storeKey, writes, now, refuseVariableParent);
  return { skipped: [...skipped, ...outcome.skipped] };
}

/**
 * WooCommerce's two prices: with a "was" price above the selling price, regular_price is the "was" price and
 * sale_price the selling price (shown struck through and on sale); otherwise regular_price is the selling price and
 * sale_price '' (which ends a sale an earlier push started). A "was" price not above the price is no sale at all:
 * WooCommerce would show a sale badge on a price that is not lower. A reason (string) when the update cannot be sent.
 */
export function priceFields(
  update: PriceUpdate,
): Pick<ProductFields, 'regular_price' | 'sale_price'> | string {
  const { price, compareAtPrice } = update;
  if (price.amount < 0 || (compareAtPrice && compareAtPrice.amount < 0)) return 'a price below zero';
  if (compareAtPrice && compareAtPrice.currency !== price.currency) {
    return `the price is in ${price.currency} and the compare-at price in ${compareAtPrice.currency}`;
  }
  if (compareAtPrice && compareAtPrice.amount > price.amount) {
    return { regular_price: toDecimalString(compareAtPrice), sale_price: toDecimalString(price) };
  }
  return { regular_price: toDecimalString(price), sale_price: '' };
}

function refuseVariableParent(target: Target): string | undefined {
  return target.kind === 'product' && target.variable ? VARIABLE_PARENT : undefined;
}
