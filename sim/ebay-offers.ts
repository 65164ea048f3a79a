/**
 * The simulated eBay seller's offers (the Inventory API's offer resource): one fixed-price offer per SKU and
 * marketplace, as eBay allows one per SKU, marketplace and format. getOffers lists a SKU's offers; the `offers` of a
 * bulkUpdatePriceQuantity request set a published offer's price, each answered with its own status. Written from the
 * Inventory API contract (sim/contracts/ebay/sell-inventory.json: Offers, EbayOfferDetailsWithAll, OfferPriceQuantity,
 * PriceQuantityResponse). Demo and test use only.
 */
import { inventoryError } from './ebay-wire.ts';
import { minorDigits, parseMinor } from './money.ts';

export interface EbayAmount {
  value: string;
  currency: string;
}

/** An offer as getOffers serves it (a subset of EbayOfferDetailsWithAll). */
export interface EbaySimOffer {
  offerId: string;
  sku: string;
  marketplaceId: string;
  format: 'FIXED_PRICE' | 'AUCTION';
  status: 'PUBLISHED' | 'UNPUBLISHED';
  availableQuantity: number;
  listingDuration: 'GTC';
  pricingSummary: { price: EbayAmount };
  listing?: { listingId: string; listingStatus: 'ACTIVE'; soldQuantity: number };
}

/** One entry of a bulkUpdatePriceQuantity request's `offers`. */
export interface OfferPriceRequest {
  offerId?: string;
  price?: { value?: string; currency?: string };
  availableQuantity?: number;
}

/** A marketplace's listing currency, for the offers seeded there. */
const CURRENCY: Readonly<Record<string, string>> = {
  EBAY_US: 'USD',
  EBAY_MOTORS_US: 'USD',
  EBAY_CA: 'CAD',
  EBAY_GB: 'GBP',
  EBAY_AU: 'AUD',
  EBAY_CH: 'CHF',
  EBAY_PL: 'PLN',
  EBAY_HK: 'HKD',
  EBAY_SG: 'SGD',
  EBAY_MY: 'MYR',
  EBAY_PH: 'PHP',
  EBAY_TW: 'TWD',
};

const digits = new Map<string, number>();
/** Seeding 100,000 offers must stay fast: a number format per call is not. */
function digitsOf(currency: string): number {
  let known = digits.get(currency);
  if (known === undefined) digits.set(currency, (known = minorDigits(currency)));
  return known;
}

export class EbayOfferBook {
  private readonly bySku = new Map<string, EbaySimOffer[]>();
  private readonly byId = new Map<string, EbaySimOffer>();
  private next = 7_000_000_001;

  /** A published fixed-price offer of the SKU in the marketplace, priced in its currency (replaces one there). */
  list(sku: string, marketplaceId: string, value = '10'): EbaySimOffer {
    const currency = CURRENCY[marketplaceId] ?? 'EUR';
    const digits = digitsOf(currency);
    const units = parseMinor(value, digits);
    const id = String(this.next++);
    const offer: EbaySimOffer = {
      offerId: id,
      sku,
      marketplaceId,
      format: 'FIXED_PRICE',
      status: 'PUBLISHED',
      availableQuantity: 0,
      listingDuration: 'GTC',
      pricingSummary: { price: { value: (units / 10 ** digits).toFixed(digits), currency } },
      listing: { listingId: `11${id}`, listingStatus: 'ACTIVE', soldQuantity: 0 },
    };
    const kept = (this.bySku.get(sku) ?? []).filter((o) => o.marketplaceId !== marketplaceId);
    for (const gone of (this.bySku.get(sku) ?? []).filter((o) => o.marketplaceId === marketplaceId))
      this.byId.delete(gone.offerId);
    this.bySku.set(sku, [...kept, offer]);
    this.byId.set(id, offer);
    return offer;
  }

  /** The seller deleted the SKU's offers (its listings ended). */
  remove(sku: string): void {
    for (const offer of this.bySku.get(sku) ?? []) this.byId.delete(offer.offerId);
    this.bySku.delete(sku);
  }

  of(sku: string): readonly EbaySimOffer[] {
    return this.bySku.get(sku) ?? [];
  }

  /**
   * getOffers: `sku` (required in practice: eBay answers 400 without it), `marketplace_id`, `format`, `limit`
   * (default 100), `offset` (a page number). A SKU with no offer (or none that matches) is answered 404 with 25713.
   */
  getOffers(query: URLSearchParams): { status: number; body: unknown } {
    const sku = query.get('sku');
    const limitText = query.get('limit') ?? '100';
    const offsetText = query.get('offset') ?? '0';
    if (!sku) return { status: 400, body: { errors: [inventoryError(25709, 'Invalid value for sku.')] } };
    if (!/^\d+$/.test(limitText) || !/^\d+$/.test(offsetText) || Number(limitText) < 1)
      return {
        status: 400,
        body: { errors: [inventoryError(25706, 'You have provided invalid pagination values.')] },
      };
    const marketplace = query.get('marketplace_id');
    const format = query.get('format');
    const found = this.of(sku).filter(
      (o) => (!marketplace || o.marketplaceId === marketplace) && (!format || o.format === format),
    );
    if (found.length === 0)
      return { status: 404, body: { errors: [inventoryError(25713, 'This Offer is not available.')] } };
    const limit = Number(limitText);
    const page = found.slice(Number(offsetText) * limit, (Number(offsetText) + 1) * limit);
    return {
      status: 200,
      body: {
        href: `?${query}`,
        limit,
        offers: structuredClone(page),
        size: page.length,
        total: found.length,
      },
    };
  }

  /**
   * One offer of a bulkUpdatePriceQuantity request: its price in the marketplace's currency with no more decimals
   * than the currency has, above zero; a published offer only (the call is "not designed to work with unpublished
   * offers"). Answered with the offer's own status, as PriceQuantityResponse.
   */
  apply(request: OfferPriceRequest): {
    offerId: string;
    sku?: string;
    statusCode: number;
    errors?: unknown[];
  } {
    const offerId = request.offerId ?? '';
    const offer = this.byId.get(offerId);
    const refuse = (errorId: number, message: string) => ({
      offerId,
      ...(offer ? { sku: offer.sku } : {}),
      statusCode: 400,
      errors: [inventoryError(errorId, message)],
    });
    if (!offer) return refuse(25713, `This Offer is not available : ${offerId}.`);
    if (offer.status !== 'PUBLISHED') return refuse(25713, 'This Offer is not available : not published.');
    if (request.price === undefined && request.availableQuantity === undefined)
      return refuse(25709, 'Invalid value for price.');
    if (request.price) {
      const { value, currency } = request.price;
      const own = offer.pricingSummary.price.currency;
      if (currency !== own)
        return refuse(25709, `Invalid value for price.currency. ${currency ?? ''}`.trim());
      let units: number;
      try {
        units = parseMinor(value ?? '', digitsOf(own));
      } catch {
        return refuse(25709, `Invalid value for price.value. ${value ?? ''}`.trim());
      }
      if (units <= 0) return refuse(25709, 'Invalid value for price.value. It must be above 0.');
      offer.pricingSummary.price = { value: value!, currency: own };
    }
    if (request.availableQuantity !== undefined) offer.availableQuantity = request.availableQuantity;
    return { offerId, sku: offer.sku, statusCode: 200 };
  }
}
