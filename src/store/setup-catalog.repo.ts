import type { Selectable } from 'kysely';
import { gtin14 } from '../domain/gtin.ts';
import type { Database, Db } from './schema.ts';

// What applying a setup document (app/apply-setup.ts) reads and writes of products, offers and selling prices.

export type VariantRow = Selectable<Database['variants']>;
export type ChannelPriceRow = Selectable<Database['channel_prices']>;

/** An offer as a setup document states it (its row without the time it was written, nor what only feeds say). */
export type OfferColumns = Omit<
  Selectable<Database['offers']>,
  'updated_at' | 'map_amount' | 'map_currency' | 'discontinued'
>;

/** A variant as a setup document names it. */
export interface VariantColumns {
  sku: string;
  name: string;
  gtin: string | null;
  /** JSON array, or null. */
  tags: string | null;
  category: string | null;
}

/** A selling price of a SKU on a channel, in minor units of `currency`. */
export interface ChannelPrice {
  channelId: string;
  sku: string;
  amount: number;
  compareAtAmount: number | null;
  currency: string;
}

/** The SKU's variant row as stored, or undefined. */
export async function findVariantRow(tx: Db, sku: string): Promise<VariantRow | undefined> {
  return tx.selectFrom('variants').selectAll().where('sku', '=', sku).executeTakeFirst();
}

/** The catalog's names of these SKUs (those it has). */
export async function findVariantNames(db: Db, skus: readonly string[]): Promise<Map<string, string>> {
  if (skus.length === 0) return new Map();
  const rows = await db.selectFrom('variants').select(['sku', 'name']).where('sku', 'in', skus).execute();
  return new Map(rows.map((r) => [r.sku, r.name]));
}

/** The SKU's offers as stored, in the columns a setup document states. */
export async function listOffersOfSku(tx: Db, sku: string): Promise<OfferColumns[]> {
  return tx
    .selectFrom('offers')
    .select([
      'supplier_id',
      'sku',
      'supplier_sku',
      'cost_amount',
      'cost_currency',
      'priority',
      'active',
      'stock',
      'lead_days',
      'shipping_estimate',
      'drop_ship_fee',
      'min_quantity',
      'pack_size',
      'ship_from',
    ])
    .where('sku', '=', sku)
    .execute();
}

/** The SKUs a supplier offers. */
export async function listSkusOfferedBy(tx: Db, supplierId: string): Promise<string[]> {
  return (await tx.selectFrom('offers').select('sku').where('supplier_id', '=', supplierId).execute()).map(
    (o) => o.sku,
  );
}

/** Stores a new variant, and its product (one per SKU, by the SKU) unless it exists already. */
export async function insertVariant(tx: Db, v: VariantColumns, now: number): Promise<void> {
  await tx
    .insertInto('products')
    .values({ id: v.sku, name: v.name, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  await tx
    .insertInto('variants')
    .values({
      sku: v.sku,
      product_id: v.sku,
      name: v.name,
      gtin: v.gtin,
      gtin14: v.gtin === null ? null : gtin14(v.gtin),
      tags: v.tags,
      category: v.category,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/** Replaces a variant's name, GTIN, tags and category. */
export async function updateVariant(tx: Db, v: VariantColumns, now: number): Promise<void> {
  await tx
    .updateTable('variants')
    .set({
      name: v.name,
      gtin: v.gtin,
      gtin14: v.gtin === null ? null : gtin14(v.gtin),
      tags: v.tags,
      category: v.category,
      updated_at: now,
    })
    .where('sku', '=', v.sku)
    .execute();
}

/** Replaces all of the SKU's offers with these, keeping what a supplier's feed said of MAP and discontinuation. */
export async function replaceOffers(
  tx: Db,
  sku: string,
  offers: readonly OfferColumns[],
  now: number,
): Promise<void> {
  const fromFeeds = new Map(
    (
      await tx
        .selectFrom('offers')
        .select(['supplier_id', 'map_amount', 'map_currency', 'discontinued'])
        .where('sku', '=', sku)
        .execute()
    ).map((o) => [o.supplier_id, o]),
  );
  await tx.deleteFrom('offers').where('sku', '=', sku).execute();
  if (offers.length)
    await tx
      .insertInto('offers')
      .values(
        offers.map((o) => {
          const feed = fromFeeds.get(o.supplier_id);
          return {
            ...o,
            map_amount: feed?.map_amount ?? null,
            map_currency: feed?.map_currency ?? null,
            discontinued: feed?.discontinued ?? 0,
            updated_at: now,
          };
        }),
      )
      .execute();
}

/** The SKU's selling prices on every channel, as stored. */
export async function listChannelPricesOfSku(tx: Db, sku: string): Promise<ChannelPriceRow[]> {
  return tx.selectFrom('channel_prices').selectAll().where('sku', '=', sku).execute();
}

/** Sets the SKU's selling price on a channel; what the channel was last told of it is kept. */
export async function upsertChannelPrice(tx: Db, price: ChannelPrice, now: number): Promise<void> {
  await tx
    .insertInto('channel_prices')
    .values({
      channel_id: price.channelId,
      sku: price.sku,
      amount: price.amount,
      compare_at_amount: price.compareAtAmount,
      currency: price.currency,
      told: null,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['channel_id', 'sku']).doUpdateSet({
        amount: price.amount,
        compare_at_amount: price.compareAtAmount,
        currency: price.currency,
        updated_at: now,
      }),
    )
    .execute();
}

/** Stops managing the SKU's selling price on a channel. */
export async function deleteChannelPrice(tx: Db, channelId: string, sku: string): Promise<void> {
  await tx.deleteFrom('channel_prices').where('channel_id', '=', channelId).where('sku', '=', sku).execute();
}
