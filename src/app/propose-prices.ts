import type { ChannelId, Sku, SupplierId } from '../domain/ids.ts';
import { currency, money, type CurrencyCode, type Money } from '../domain/money.ts';
import {
  priceFor,
  type ExchangeRate,
  type PriceDecision,
  type PriceRule,
  type Rounding,
} from '../domain/pricing.ts';
import {
  listExchangeRates,
  listSkusAfter,
  priceKey,
  readPricingFacts,
  SKUS_PER_STATEMENT,
  type PricingFacts,
  type PricingOffer,
  type StoredPrice,
} from '../store/pricing.repo.ts';
import type { Db } from '../store/schema.ts';
import { listChannelCurrencies } from '../store/setup.repo.ts';
import { currentPricing, type PricingRulesInput } from './pricing-rules.ts';

// What the pricing rules would set, beside what is set now: read and decided for a page of SKUs at a time. Shared by
// repricing (reprice.ts), which stores the differences, and the preview (preview-pricing.ts), which lists them.

/** A channel the rules price, in its currency and rounding. */
export interface PricedChannel {
  id: ChannelId;
  currency: CurrencyCode;
  rounding: Rounding;
}

/** What one pass prices by: the rules, the rates (the first of a pair wins) and the channels the rules price. */
export interface PricingBasis {
  version: number;
  rules: readonly PriceRule[];
  rates: readonly ExchangeRate[];
  channels: readonly PricedChannel[];
}

/** The basis for these rules and rates: the listed channels that exist, each in its stored currency. */
export async function basisOf(
  db: Db,
  version: number,
  input: PricingRulesInput,
  rates: readonly ExchangeRate[],
): Promise<PricingBasis> {
  const currencies = new Map((await listChannelCurrencies(db)).map((c) => [c.id, c.currency]));
  const channels = input.channels.flatMap((c) => {
    const code = currencies.get(c.channel);
    return code ? [{ id: c.channel as ChannelId, currency: currency(code), rounding: c.rounding }] : [];
  });
  return { version, rules: input.rules, rates, channels };
}

/** The basis in force: the newest pricing version and every stored rate. */
export async function basisInForce(db: Db): Promise<PricingBasis> {
  const { version, input } = await currentPricing(db);
  if (input.channels.length === 0) return { version, rules: [], rates: [], channels: [] };
  return basisOf(db, version, input, await listExchangeRates(db));
}

/** Visits the whole catalog in pages of SKUS_PER_STATEMENT SKUs, in SKU order. */
export async function forEachSkuPage(db: Db, visit: (skus: string[]) => Promise<void>): Promise<void> {
  for (let after: string | null = null; ;) {
    const page = await listSkusAfter(db, after, SKUS_PER_STATEMENT);
    if (page.length) await visit(page);
    if (page.length < SKUS_PER_STATEMENT) return;
    after = page[page.length - 1]!;
  }
}

/** One SKU on one rule-priced channel: what the rules decide, beside the price it has now. */
export interface Proposal {
  sku: string;
  channel: PricedChannel;
  /** Undefined: the SKU has no price on the channel yet. Never a manual price: those are left out. */
  current: StoredPrice | undefined;
  decision: PriceDecision;
}

/** What the rules decide for these SKUs on every channel they price, except where the price is manual. */
export async function proposePrices(
  db: Db,
  basis: PricingBasis,
  skus: readonly string[],
): Promise<Proposal[]> {
  const facts = await readPricingFacts(
    db,
    skus,
    basis.channels.map((c) => c.id),
  );
  const proposals: Proposal[] = [];
  for (const sku of skus) {
    const offers = facts.offers.get(sku) ?? [];
    const offer = pricingOffer(offers);
    for (const channel of basis.channels) {
      const current = facts.prices.get(priceKey(channel.id, sku));
      // A price the operator set by hand stays theirs: the rules never overwrite it.
      if (current?.source === 'manual') continue;
      const decision: PriceDecision = offer
        ? priceFor(inputFor(sku, channel, offer, offers, facts), basis.rules, basis.rates)
        : { kind: 'unpriced', reason: `no active offer of ${sku}` };
      proposals.push({ sku, channel, current, decision });
    }
  }
  return proposals;
}

/**
 * The offer whose cost prices a SKU: of the active, not discontinued offers of nodes not paused, those in stock
 * (stock unreported, or above the node's safety buffer) if any, else all of them (so a SKU sold out everywhere keeps
 * a price for when it comes back); first by the retailer's priority, then the lowest landed cost (compared only in
 * one currency), then the node id. Routing's default order, without an order's quantity or destination.
 */
export function pricingOffer(offers: readonly PricingOffer[]): PricingOffer | undefined {
  const usable = offers.filter((o) => o.active && !o.discontinued && !o.paused);
  const inStock = usable.filter((o) => o.stock === null || o.stock > o.safetyBuffer);
  return [...(inStock.length ? inStock : usable)].sort(
    (a, b) =>
      a.priority - b.priority ||
      (a.costCurrency === b.costCurrency ? landedAmount(a) - landedAmount(b) : 0) ||
      a.supplierId.localeCompare(b.supplierId),
  )[0];
}

/** One unit shipped alone: its cost, the node's drop-ship fee and the shipping estimate, in the cost's currency. */
function landedAmount(o: PricingOffer): number {
  return o.costAmount + o.dropShipFee + o.shippingEstimate;
}

/** The highest MAP any current offer reports in the channel's currency: a MAP in another currency is another market's. */
function mapFor(offers: readonly PricingOffer[], code: CurrencyCode): Money | undefined {
  let best: number | undefined;
  for (const o of offers)
    if (!o.discontinued && o.mapAmount !== null && o.mapCurrency === code)
      best = Math.max(best ?? 0, o.mapAmount);
  return best === undefined ? undefined : money(best, code);
}

function inputFor(
  sku: string,
  channel: PricedChannel,
  offer: PricingOffer,
  offers: readonly PricingOffer[],
  facts: PricingFacts,
) {
  return {
    sku: sku as Sku,
    channel: channel.id,
    channelCurrency: channel.currency,
    rounding: channel.rounding,
    supplier: offer.supplierId as SupplierId,
    tags: facts.tags.get(sku) ?? [],
    cost: money(offer.costAmount, offer.costCurrency),
    landedCost: money(landedAmount(offer), offer.costCurrency),
    map: mapFor(offers, channel.currency),
  };
}
