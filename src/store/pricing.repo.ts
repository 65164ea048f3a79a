import { sql } from 'kysely';
import type { Db } from './schema.ts';
import { oneOf } from './statement.ts';

// Prices from rules: the rules' versions, the exchange rates, what a SKU's price is computed from, and the prices
// the rules set. SKUs are read and written at most SKUS_PER_STATEMENT per statement, so a feed that changes 50,000
// costs reprices in a hundred round trips, not 50,000.

/** SKUs per `in (…)` and rows per insert: 500 × 11 columns stays far under both databases' parameter limits. */
export const SKUS_PER_STATEMENT = 500;

/** The newest version's number, or null when the retailer never wrote pricing rules. */
export async function findLatestPriceRulesVersion(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('price_rules')
    .select('version')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.version ?? null;
}

/** One version's rules as stored (JSON). */
export async function findPriceRulesVersion(
  db: Db,
  version: number,
): Promise<{ version: number; rules: string; createdAt: number } | undefined> {
  const row = await db
    .selectFrom('price_rules')
    .select(['version', 'rules', 'created_at'])
    .where('version', '=', version)
    .executeTakeFirst();
  return row && { version: row.version, rules: row.rules, createdAt: Number(row.created_at) };
}

export async function insertPriceRulesVersion(
  tx: Db,
  version: number,
  rules: string,
  now: number,
): Promise<void> {
  await tx.insertInto('price_rules').values({ version, rules, created_at: now }).execute();
}

/** A stored exchange rate: one unit of `from` is worth `rate` of `to`. */
export interface StoredRate {
  from: string;
  to: string;
  rate: string;
  source: string;
  asOf: string;
}

/** Every rate: the operator's first, then the other sources' newest first (the engine takes the first of a pair). */
export async function listExchangeRates(db: Db): Promise<StoredRate[]> {
  const rows = await db
    .selectFrom('exchange_rates')
    .select(['from_currency', 'to_currency', 'rate', 'source', 'as_of'])
    .orderBy(sql`case when source = 'operator' then 0 else 1 end`)
    .orderBy('as_of', 'desc')
    .orderBy('source')
    .execute();
  return rows.map((r) => ({
    from: r.from_currency,
    to: r.to_currency,
    rate: r.rate,
    source: r.source,
    asOf: r.as_of,
  }));
}

/**
 * Makes the operator's rates exactly these: a pair no longer given is removed, a new or changed one is stored as of
 * `asOf`, an unchanged one keeps the time it was first set (so the rate recorded on a price does not change).
 */
export async function replaceOperatorRates(
  tx: Db,
  rates: readonly { from: string; to: string; rate: string }[],
  asOf: string,
  now: number,
): Promise<void> {
  const current = await tx
    .selectFrom('exchange_rates')
    .select(['from_currency', 'to_currency', 'rate'])
    .where('source', '=', 'operator')
    .execute();
  const key = (from: string, to: string) => `${from}>${to}`;
  const wanted = new Map(rates.map((r) => [key(r.from, r.to), r]));
  for (const row of current) {
    const keep = wanted.get(key(row.from_currency, row.to_currency));
    if (keep?.rate === row.rate) wanted.delete(key(row.from_currency, row.to_currency));
    else
      await tx
        .deleteFrom('exchange_rates')
        .where('source', '=', 'operator')
        .where('from_currency', '=', row.from_currency)
        .where('to_currency', '=', row.to_currency)
        .execute();
  }
  if (wanted.size)
    await tx
      .insertInto('exchange_rates')
      .values(
        [...wanted.values()].map((r) => ({
          from_currency: r.from,
          to_currency: r.to,
          source: 'operator',
          rate: r.rate,
          as_of: asOf,
          set_at: now,
        })),
      )
      .execute();
}

/** Up to `limit` SKUs after `after` (exclusive), in order: a page of the whole catalog. */
export async function listSkusAfter(db: Db, after: string | null, limit: number): Promise<string[]> {
  let query = db.selectFrom('variants').select('sku').orderBy('sku').limit(limit);
  if (after !== null) query = query.where('sku', '>', after);
  return (await query.execute()).map((r) => r.sku);
}

/** An offer as pricing weighs it, with its node's pause and safety buffer. */
export interface PricingOffer {
  sku: string;
  supplierId: string;
  costAmount: number;
  costCurrency: string;
  priority: number;
  active: boolean;
  discontinued: boolean;
  /** null: the node does not report stock. */
  stock: number | null;
  shippingEstimate: number;
  dropShipFee: number;
  mapAmount: number | null;
  mapCurrency: string | null;
  paused: boolean;
  safetyBuffer: number;
}

/** A channel price as stored, with what decided it. */
export interface StoredPrice {
  channelId: string;
  sku: string;
  amount: number;
  currency: string;
  source: string;
  rule: string | null;
  rate: string | null;
  floor: string | null;
}

/** What the prices of a set of SKUs are computed from, and what they are now. */
export interface PricingFacts {
  offers: Map<string, PricingOffer[]>;
  tags: Map<string, string[]>;
  /** By `priceKey(channel, sku)`. */
  prices: Map<string, StoredPrice>;
}

export function priceKey(channelId: string, sku: string): string {
  return `${channelId}\u0000${sku}`;
}

/** The SKUs' offers, tags and current prices on these channels: three statements per SKUS_PER_STATEMENT SKUs. */
export async function readPricingFacts(
  db: Db,
  skus: readonly string[],
  channelIds: readonly string[],
): Promise<PricingFacts> {
  const facts: PricingFacts = { offers: new Map(), tags: new Map(), prices: new Map() };
  for (let i = 0; i < skus.length; i += SKUS_PER_STATEMENT) {
    const chunk = skus.slice(i, i + SKUS_PER_STATEMENT);
    for (const offer of await offersOf(db, chunk)) {
      const list = facts.offers.get(offer.sku) ?? [];
      list.push(offer);
      facts.offers.set(offer.sku, list);
    }
    const variants = await db
      .selectFrom('variants')
      .select(['sku', 'tags'])
      .where(oneOf(db, 'sku', chunk))
      .execute();
    for (const v of variants) facts.tags.set(v.sku, v.tags ? (JSON.parse(v.tags) as string[]) : []);
    if (channelIds.length === 0) continue;
    const prices = await db
      .selectFrom('channel_prices')
      .select(['channel_id', 'sku', 'amount', 'currency', 'source', 'rule', 'rate', 'floor'])
      .where(oneOf(db, 'sku', chunk))
      .where('channel_id', 'in', channelIds)
      .execute();
    for (const p of prices)
      facts.prices.set(priceKey(p.channel_id, p.sku), {
        channelId: p.channel_id,
        sku: p.sku,
        amount: Number(p.amount),
        currency: p.currency,
        source: p.source,
        rule: p.rule,
        rate: p.rate,
        floor: p.floor,
      });
  }
  return facts;
}

async function offersOf(db: Db, skus: readonly string[]): Promise<PricingOffer[]> {
  const rows = await db
    .selectFrom('offers')
    .innerJoin('suppliers', 'suppliers.id', 'offers.supplier_id')
    .select([
      'offers.sku',
      'offers.supplier_id',
      'offers.cost_amount',
      'offers.cost_currency',
      'offers.priority',
      'offers.active',
      'offers.discontinued',
      'offers.stock',
      'offers.shipping_estimate',
      'offers.drop_ship_fee',
      'offers.map_amount',
      'offers.map_currency',
      'suppliers.paused',
      'suppliers.safety_buffer',
    ])
    .where(oneOf(db, 'offers.sku', skus))
    .execute();
  return rows.map((r) => ({
    sku: r.sku,
    supplierId: r.supplier_id,
    costAmount: Number(r.cost_amount),
    costCurrency: r.cost_currency,
    priority: r.priority,
    active: r.active === 1,
    discontinued: r.discontinued === 1,
    stock: r.stock === null ? null : Number(r.stock),
    shippingEstimate: Number(r.shipping_estimate),
    dropShipFee: Number(r.drop_ship_fee),
    mapAmount: r.map_amount === null ? null : Number(r.map_amount),
    mapCurrency: r.map_currency,
    paused: r.paused === 1,
    safetyBuffer: r.safety_buffer,
  }));
}

/** A price the rules set: its rule, rate and floor as JSON / text (null when none). */
export interface RulePrice {
  channelId: string;
  sku: string;
  amount: number;
  currency: string;
  rule: string;
  rate: string | null;
  floor: string | null;
}

/**
 * Stores prices the rules set, SKUS_PER_STATEMENT rows per statement. What each channel was last told is kept (the
 * sync sends only differences), and a manual price is never overwritten, even one set since it was read.
 */
export async function upsertRulePrices(tx: Db, prices: readonly RulePrice[], now: number): Promise<void> {
  for (let i = 0; i < prices.length; i += SKUS_PER_STATEMENT) {
    await tx
      .insertInto('channel_prices')
      .values(
        prices.slice(i, i + SKUS_PER_STATEMENT).map((p) => ({
          channel_id: p.channelId,
          sku: p.sku,
          amount: p.amount,
          compare_at_amount: null,
          currency: p.currency,
          told: null,
          updated_at: now,
          source: 'rule',
          rule: p.rule,
          rate: p.rate,
          floor: p.floor,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['channel_id', 'sku'])
          .doUpdateSet((eb) => ({
            amount: eb.ref('excluded.amount'),
            compare_at_amount: null,
            currency: eb.ref('excluded.currency'),
            updated_at: eb.ref('excluded.updated_at'),
            source: 'rule',
            rule: eb.ref('excluded.rule'),
            rate: eb.ref('excluded.rate'),
            floor: eb.ref('excluded.floor'),
          }))
          .where('channel_prices.source', '<>', 'manual'),
      )
      .execute();
  }
}

/** The SKU's prices on these channels were set by hand (the setup document): the rules leave them alone. */
export async function markPricesManual(tx: Db, sku: string, channelIds: readonly string[]): Promise<void> {
  if (channelIds.length === 0) return;
  await tx
    .updateTable('channel_prices')
    .set({ source: 'manual', rule: null, rate: null, floor: null })
    .where('sku', '=', sku)
    .where('channel_id', 'in', channelIds)
    .where('source', '<>', 'manual')
    .execute();
}
