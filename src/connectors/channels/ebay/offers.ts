import { z } from 'zod';
import { ebayFailureOf, type EbayCall } from './transport.ts';

export const OFFERS_PATH = '/sell/inventory/v1/offer';
/**
 * An offer id found is trusted this long: a seller who ends a listing and lists the SKU again gets a new offer id,
 * and a price sent to the old one is refused (and the id forgotten), so the memory stays short.
 */
export const OFFER_ID_TTL_MS = 10 * 60_000;
/** Beyond this many SKUs remembered for one channel, the memory starts afresh rather than grow without end. */
const MAX_REMEMBERED = 200_000;

/** A SKU's offer in the channel's marketplace, or why it has none Waybill can price. */
export type OfferLookup = { offerId: string } | { reason: string };

/** The offer ids one channel's pushes found, per SKU, each with when it stops being trusted. */
export class ChannelOfferIds {
  readonly #found = new Map<string, { offerId: string; until: number }>();

  get(sku: string, now: number): string | undefined {
    const known = this.#found.get(sku);
    return known && known.until > now ? known.offerId : undefined;
  }

  set(sku: string, offerId: string, now: number): void {
    if (this.#found.size >= MAX_REMEMBERED) this.#found.clear();
    this.#found.set(sku, { offerId, until: now + OFFER_ID_TTL_MS });
  }

  forget(sku: string): void {
    this.#found.delete(sku);
  }
}

/** Every channel's offer ids in this process: channels are created afresh for each job, the memory outlives them. */
export class OfferIdMemory {
  readonly #channels = new Map<string, ChannelOfferIds>();

  of(channel: string): ChannelOfferIds {
    let ids = this.#channels.get(channel);
    if (!ids) this.#channels.set(channel, (ids = new ChannelOfferIds()));
    return ids;
  }
}

const offersAnswer = z.object({
  offers: z
    .array(
      z.object({
        offerId: z.string().min(1),
        sku: z.string().optional(),
        marketplaceId: z.string().optional(),
        format: z.string().optional(),
        status: z.string().optional(),
      }),
    )
    .default([]),
});

export interface OfferSearch {
  call: EbayCall;
  marketplaceId: string;
  ids: ChannelOfferIds;
  /** ms, the job's clock. */
  now: number;
  /** getOffers calls in flight at once. */
  inFlight: number;
}

/**
 * Each SKU's fixed-price offer in the channel's marketplace: from memory when found lately, else with getOffers (one
 * call per SKU, `inFlight` at a time; a 429 is sat out by ./transport.ts). A SKU eBay has no offer of there, or
 * only an auction or an unpublished offer, gets the reason instead.
 */
export async function findOfferIds(
  search: OfferSearch,
  skus: readonly string[],
): Promise<Map<string, OfferLookup>> {
  const found = new Map<string, OfferLookup>();
  const missing: string[] = [];
  for (const sku of skus) {
    const offerId = search.ids.get(sku, search.now);
    if (offerId) found.set(sku, { offerId });
    else missing.push(sku);
  }
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const sku = missing[next++]!;
      const lookup = await lookUp(search, sku);
      if ('offerId' in lookup) search.ids.set(sku, lookup.offerId, search.now);
      found.set(sku, lookup);
    }
  };
  await Promise.all(Array.from({ length: Math.min(search.inFlight, missing.length) }, worker));
  return found;
}

async function lookUp(search: OfferSearch, sku: string): Promise<OfferLookup> {
  const where = `on ${search.marketplaceId}`;
  let body: unknown;
  try {
    ({ body } = await search.call({
      method: 'GET',
      path: OFFERS_PATH,
      query: { sku, marketplace_id: search.marketplaceId },
    }));
  } catch (error) {
    // eBay answers a SKU with no offer at all 404 (25713), and one it cannot take as a SKU 400: that SKU alone.
    const failure = ebayFailureOf(error);
    if (failure?.status === 404) return { reason: `eBay has no offer of it ${where}` };
    if (failure?.status === 400)
      return { reason: `eBay refused to look its offers up (400 ${failure.message ?? ''})`.trim() };
    throw error;
  }
  const offers = offersAnswer
    .parse(body)
    .offers.filter((o) => o.marketplaceId === search.marketplaceId && (o.sku ?? sku) === sku);
  const fixed = offers.filter((o) => o.format === 'FIXED_PRICE');
  if (offers.length === 0) return { reason: `eBay has no offer of it ${where}` };
  if (fixed.length === 0)
    return { reason: `its only offer ${where} is an auction, which Waybill does not price` };
  const published = fixed.find((o) => o.status === 'PUBLISHED');
  // bulkUpdatePriceQuantity "is not designed to work with unpublished offers".
  if (!published) return { reason: `its offer ${where} is not published` };
  return { offerId: published.offerId };
}
