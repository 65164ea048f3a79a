import { money, type Money } from '../domain/money.ts';
import type { ExchangeRate } from '../domain/pricing.ts';
import { listExchangeRates } from '../store/pricing.repo.ts';
import type { AppContext } from './context.ts';
import { checkPricingReferences, currentPricing, type PricingRulesInput } from './pricing-rules.ts';
import { basisOf, forEachSkuPage, proposePrices } from './propose-prices.ts';

/** A price the proposed pricing would change. */
export interface PriceChange {
  sku: string;
  channel: string;
  /** null: the SKU has no price on the channel yet. */
  current: Money | null;
  proposed: Money;
  /** proposed − current in minor units; null when there is no current price or it is in another currency. */
  difference: number | null;
  /** The floor the rule's price was held at, and what the rule wanted. */
  floor: { kind: 'min_margin' | 'map'; floor: Money; wanted: Money } | null;
  /** How the price was reached, step by step. */
  steps: string[];
}

export interface PricingPreview {
  /** The version in force the proposal is compared with (0: none yet). */
  rulesVersion: number;
  /** Every price that would change; `changes` lists the first `limit` of them, by SKU and channel. */
  total: number;
  changes: PriceChange[];
  /** SKU × channel pairs the proposal cannot price (no offer, rule or rate): they would keep their price. */
  unpriced: number;
}

/**
 * What a pricing proposal would change, against every SKU Waybill has, before it is saved: the prices that would
 * move (manual prices are never touched), by how much, and which would be held at a floor. Saves nothing. The
 * proposal's own exchange rates come before the stored rates of other sources, as they would once saved.
 */
export async function previewPricing(
  ctx: AppContext,
  input: PricingRulesInput,
  limit: number,
): Promise<PricingPreview> {
  const db = ctx.store.db;
  await checkPricingReferences(db, input);
  const asOf = ctx.clock.now().toISOString();
  const operator: ExchangeRate[] = input.exchangeRates.map((r) => ({ ...r, source: 'operator', asOf }));
  const others = (await listExchangeRates(db)).filter((r) => r.source !== 'operator');
  const basis = await basisOf(db, 0, input, [...operator, ...others]);
  const preview: PricingPreview = {
    rulesVersion: (await currentPricing(db)).version,
    total: 0,
    changes: [],
    unpriced: 0,
  };
  if (basis.channels.length === 0) return preview;
  await forEachSkuPage(db, async (skus) => {
    for (const { sku, channel, current, decision } of await proposePrices(db, basis, skus)) {
      if (decision.kind !== 'priced') {
        preview.unpriced += 1;
        continue;
      }
      const { price, floor } = decision;
      if (current && current.amount === price.amount && current.currency === price.currency) continue;
      preview.total += 1;
      if (preview.changes.length >= limit) continue;
      const sameCurrency = current?.currency === price.currency;
      preview.changes.push({
        sku,
        channel: channel.id,
        current: current ? money(current.amount, current.currency) : null,
        proposed: price,
        difference: current && sameCurrency ? price.amount - current.amount : null,
        floor: floor && { kind: floor.kind, floor: floor.floor, wanted: floor.wanted },
        steps: decision.steps,
      });
    }
  });
  return preview;
}
