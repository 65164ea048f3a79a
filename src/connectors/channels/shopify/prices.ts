import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { decimalToMinorUnits } from '../../../domain/decimal.ts';
import { currency, toDecimalString, type CurrencyCode, type Money } from '../../../domain/money.ts';
import type { PriceUpdate, SkippedStock, StockPushOutcome } from '../sales-channel.ts';
import type { AdminClient, Operation } from './graphql.ts';
import { knownVariants, skuOf, type KnownVariant, type ShopMemory } from './variants.ts';

/**
 * Selling prices out to Shopify: each SKU's variant gets `price` and `compareAtPrice` (the struck-through "was"
 * price; null clears it) with productVariantsBulkUpdate, one call per product, as the mutation takes the variants of
 * one product only (https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/productVariantsBulkUpdate).
 * Prices are Money decimal strings in the shop's currency. Safe to repeat: prices are absolute, and what the shop
 * already has is read first and not sent again.
 */

/** Shopify refuses any input array over 250 items; a product's variants are sent in calls of at most this many. */
export const MAX_PRICE_BATCH = 250;
/** Variants read per nodes(ids:) call, each with its product (~200 points requested). */
const READ_PAGE = 100;

const id = z.string().min(1);
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string');
const pricedVariant = z.object({
  id,
  sku: z.string().nullable(),
  price: decimal,
  compareAtPrice: decimal.nullable(),
  product: z.object({ id }),
});
type PricedVariant = z.infer<typeof pricedVariant>;

export const variantPricesQuery: Operation<{
  shop: { currencyCode: string };
  nodes: (PricedVariant | null)[];
}> = {
  name: 'WaybillVariantPrices',
  query: `query WaybillVariantPrices($ids: [ID!]!) {
  shop { currencyCode }
  nodes(ids: $ids) { ... on ProductVariant { id sku price compareAtPrice product { id } } }
}`,
  // A deleted variant is null.
  data: z.object({ shop: z.object({ currencyCode: z.string() }), nodes: z.array(pricedVariant.nullable()) }),
};

const bulkUserError = z.object({
  code: z.string().nullable().optional(),
  field: z.array(z.string()).nullable().optional(),
  message: z.string(),
});
type BulkUserError = z.infer<typeof bulkUserError>;

export const variantPricesSetMutation: Operation<{
  productVariantsBulkUpdate: { userErrors: BulkUserError[] } | null;
}> = {
  name: 'WaybillVariantPricesSet',
  // allowPartialUpdates: one variant Shopify refuses does not hold back the others of the product.
  query: `mutation WaybillVariantPricesSet($productId: ID!, $variants: [ProductVariantsBulkInput!]!, $allowPartialUpdates: Boolean) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants, allowPartialUpdates: $allowPartialUpdates) {
    productVariants { id price compareAtPrice }
    userErrors { code field message }
  }
}`,
  data: z.object({ productVariantsBulkUpdate: z.object({ userErrors: z.array(bulkUserError) }).nullable() }),
};

export interface PricePush {
  client: AdminClient;
  memory: ShopMemory;
  /** ms, the job's clock. */
  now: number;
}

/** One variant's price as the shop has it now, and as Waybill wants it. */
interface PriceChange {
  sku: string;
  variant: KnownVariant;
  price: Money;
  compareAtPrice: Money | null;
}

/** Sets each SKU's price on Shopify; SKUs Shopify lacks, or refuses, are reported in `skipped`. One push per shop at a time. */
export function pushShopifyPrices(
  push: PricePush,
  prices: readonly PriceUpdate[],
): Promise<StockPushOutcome> {
  const run = push.memory.pricing.catch(() => undefined).then(() => pushPrices(push, prices));
  push.memory.pricing = run;
  return run;
}

async function pushPrices(push: PricePush, prices: readonly PriceUpdate[]): Promise<StockPushOutcome> {
  const skipped: SkippedStock[] = [];
  const wanted = new Map(prices.map((p) => [p.sku, p]));
  const changes = await priceChanges(push, wanted, skipped);
  for (const [productId, ofProduct] of byProduct(changes)) {
    for (let i = 0; i < ofProduct.length; i += MAX_PRICE_BATCH)
      await setPrices(push, productId, ofProduct.slice(i, i + MAX_PRICE_BATCH), skipped);
  }
  return { skipped };
}

/**
 * The prices that differ from what the shop has. A remembered variant that is gone, or carries another SKU now, is
 * looked up once more: a price must never land on a variant that no longer sells that SKU.
 */
async function priceChanges(
  push: PricePush,
  wanted: ReadonlyMap<string, PriceUpdate>,
  skipped: SkippedStock[],
): Promise<PriceChange[]> {
  const first = await readPrices(
    push,
    await knownVariants(push.client, push.memory, [...wanted.keys()], skipped, push.now),
    wanted,
    skipped,
  );
  if (first.changed.length === 0) return first.changes;
  for (const sku of first.changed) push.memory.variants.delete(sku);
  const again = await readPrices(
    push,
    await knownVariants(push.client, push.memory, first.changed, skipped, push.now),
    wanted,
    skipped,
  );
  for (const sku of again.changed)
    skipped.push({ sku, reason: 'its Shopify variant changed while Waybill read it' });
  return [...first.changes, ...again.changes];
}

async function readPrices(
  push: PricePush,
  variants: ReadonlyMap<string, KnownVariant>,
  wanted: ReadonlyMap<string, PriceUpdate>,
  skipped: SkippedStock[],
) {
  const entries = [...variants];
  const changes: PriceChange[] = [];
  const changed: string[] = [];
  for (let i = 0; i < entries.length; i += READ_PAGE) {
    const chunk = entries.slice(i, i + READ_PAGE);
    const { shop, nodes } = await push.client(variantPricesQuery, {
      ids: chunk.map(([, variant]) => variant.id),
    });
    const shopCurrency = currency(shop.currencyCode);
    chunk.forEach(([sku, variant], n) => {
      const node = nodes[n];
      const update = wanted.get(sku);
      if (!update) return;
      if (!node || node.id !== variant.id || skuOf(node.sku) !== sku) return void changed.push(sku);
      const known = { ...variant, productId: node.product.id, seenAt: push.now };
      push.memory.variants.set(sku, known);
      const refusal = currencyRefusal(update, shopCurrency);
      if (refusal) return void skipped.push({ sku, reason: refusal });
      if (samePrices(node, update, shopCurrency)) return;
      changes.push({ sku, variant: known, price: update.price, compareAtPrice: update.compareAtPrice });
    });
  }
  return { changes, changed };
}

/** Shopify keeps one price per variant, in the shop's currency: Waybill does not convert. */
function currencyRefusal(update: PriceUpdate, shopCurrency: CurrencyCode): string | undefined {
  const given = [update.price.currency, update.compareAtPrice?.currency].filter(
    (c) => c !== undefined && c !== shopCurrency,
  );
  return given.length > 0
    ? `priced in ${given[0]}, but the Shopify shop sells in ${shopCurrency}`
    : undefined;
}

function samePrices(node: PricedVariant, update: PriceUpdate, shopCurrency: CurrencyCode): boolean {
  const compareAt =
    node.compareAtPrice === null ? null : decimalToMinorUnits(node.compareAtPrice, shopCurrency);
  return (
    decimalToMinorUnits(node.price, shopCurrency) === update.price.amount &&
    compareAt === (update.compareAtPrice?.amount ?? null)
  );
}

function byProduct(changes: readonly PriceChange[]): Map<string, PriceChange[]> {
  const groups = new Map<string, PriceChange[]>();
  for (const change of changes)
    groups.set(change.variant.productId, [...(groups.get(change.variant.productId) ?? []), change]);
  return groups;
}

async function setPrices(
  push: PricePush,
  productId: string,
  changes: readonly PriceChange[],
  skipped: SkippedStock[],
): Promise<void> {
  const variants = changes.map((c) => ({
    id: c.variant.id,
    price: toDecimalString(c.price),
    compareAtPrice: c.compareAtPrice === null ? null : toDecimalString(c.compareAtPrice),
  }));
  const { productVariantsBulkUpdate: payload } = await push.client(variantPricesSetMutation, {
    productId,
    variants,
    allowPartialUpdates: true,
  });
  // Not documented; the next push reads the prices again and sends what is still missing.
  if (!payload) throw new Error(`productVariantsBulkUpdate of ${productId} answered without a payload`);
  const other: string[] = [];
  for (const error of payload.userErrors) {
    const change = changes[variantIndex(error.field)];
    if (!change) {
      other.push(
        `${error.code ?? 'no code'}${error.field?.length ? ` at ${error.field.join('.')}` : ''}: ${error.message}`,
      );
      continue;
    }
    // Looked up afresh next time: the variant may have been deleted or moved to another product.
    push.memory.variants.delete(change.sku);
    skipped.push({ sku: change.sku, reason: `Shopify refused its price: ${error.message}` });
  }
  if (other.length > 0)
    throw new PermanentError(`Shopify refused the prices of product ${productId}: ${other.join('; ')}`);
}

/** ["variants", "3", "price"] → 3. */
function variantIndex(field: readonly string[] | null | undefined): number {
  return field?.[0] === 'variants' ? Number(field[1]) : Number.NaN;
}
