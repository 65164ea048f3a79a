import { toDecimalString } from '../../../domain/money.ts';
import type { PriceUpdate, SkippedStock, StockPushOutcome } from '../sales-channel.ts';
import { EBAY_MARKETPLACE_CURRENCY, type EbayMarketplace } from './credentials.ts';
import { findOfferIds, type ChannelOfferIds } from './offers.ts';
import { BULK_PRICE_QUANTITY_PATH, bulkUpdateAnswer, STOCK_BATCH } from './stock.ts';
import type { EbayCall } from './transport.ts';

/**
 * Prices Waybill hands one push: their offers are looked up (a call per SKU not remembered), then sent
 * STOCK_BATCH a call, `inFlight` calls at a time.
 */
export const PRICE_BATCH = 500;

export interface PricePush {
  call: EbayCall;
  marketplaceId: EbayMarketplace;
  ids: ChannelOfferIds;
  /** ms, the job's clock. */
  now: number;
  /** getOffers and bulkUpdatePriceQuantity calls in flight at once. */
  inFlight: number;
}

interface PriceWrite {
  sku: string;
  offerId: string;
  update: PriceUpdate;
}

/**
 * Sets each SKU's selling price on its fixed-price offer in the channel's marketplace: the offer found with getOffers
 * (./offers.ts), the price set with bulkUpdatePriceQuantity's `offers[].price` (eBay sets an offer's price only by
 * its offerId). eBay answers every offer on its own: one it refused is reported as skipped with eBay's message (and
 * its offer id forgotten, to be looked up afresh), as is a SKU without an offer there, a price in another currency
 * than the marketplace's (Waybill does not convert) and a price not above zero. The "was" price is not sent: eBay's
 * strikethrough price is an offer's originalRetailPrice, which this call does not take. Safe to repeat: prices are
 * absolute.
 */
export async function pushEbayPrices(
  push: PricePush,
  prices: readonly PriceUpdate[],
): Promise<StockPushOutcome> {
  const skipped: SkippedStock[] = [];
  const currency = EBAY_MARKETPLACE_CURRENCY[push.marketplaceId];
  const priceable = prices.filter((update) => {
    const reason =
      update.price.currency !== currency
        ? `priced in ${update.price.currency}, but eBay lists on ${push.marketplaceId} in ${currency}`
        : update.price.amount <= 0
          ? 'a price of zero or less: eBay takes prices above zero'
          : undefined;
    if (reason) skipped.push({ sku: update.sku, reason });
    return reason === undefined;
  });
  const offers = await findOfferIds(
    {
      call: push.call,
      marketplaceId: push.marketplaceId,
      ids: push.ids,
      now: push.now,
      inFlight: push.inFlight,
    },
    priceable.map((p) => p.sku),
  );
  const writes: PriceWrite[] = [];
  for (const update of priceable) {
    const offer = offers.get(update.sku)!;
    if ('reason' in offer) skipped.push({ sku: update.sku, reason: offer.reason });
    else writes.push({ sku: update.sku, offerId: offer.offerId, update });
  }
  const batches: PriceWrite[][] = [];
  for (let i = 0; i < writes.length; i += STOCK_BATCH) batches.push(writes.slice(i, i + STOCK_BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) skipped.push(...(await setPrices(push, batches[next++]!)));
  };
  await Promise.all(Array.from({ length: Math.min(push.inFlight, batches.length) }, worker));
  return { skipped };
}

/** One bulkUpdatePriceQuantity call: a request per offer, answered per offer (200 all set, 207 some refused). */
async function setPrices(push: PricePush, writes: readonly PriceWrite[]): Promise<SkippedStock[]> {
  const { body } = await push.call({
    method: 'POST',
    path: BULK_PRICE_QUANTITY_PATH,
    body: {
      requests: writes.map((w) => ({
        offers: [
          {
            offerId: w.offerId,
            price: { value: toDecimalString(w.update.price), currency: w.update.price.currency },
          },
        ],
      })),
    },
  });
  const byOffer = new Map(bulkUpdateAnswer.parse(body).responses.map((r) => [r.offerId, r]));
  const skipped: SkippedStock[] = [];
  for (const write of writes) {
    const status = byOffer.get(write.offerId);
    if (status?.statusCode !== undefined && status.statusCode >= 200 && status.statusCode <= 299) continue;
    push.ids.forget(write.sku);
    const errors = (status?.errors ?? []).map((e) => `${e.errorId ?? '?'} ${e.message ?? ''}`.trim());
    skipped.push({
      sku: write.sku,
      reason:
        status?.statusCode === undefined
          ? 'eBay gave no status for its offer'
          : `eBay refused its price (${[status.statusCode, ...errors].join(' ')})`,
    });
  }
  return skipped;
}
