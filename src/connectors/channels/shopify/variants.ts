import type { SkippedStock } from '../sales-channel.ts';
import { PAGE, variantsBySkuQuery, type AdminClient, type VariantNode, type VariantPage } from './graphql.ts';

/** What Waybill needs to know of the Shopify variant behind a SKU: where its price and its stock are set. */
export interface KnownVariant {
  id: string;
  productId: string;
  inventoryItemId: string;
}

/**
 * What one adapter remembers of one shop between pushes, so that each push (of stock or of prices) does not look
 * every SKU up again. Whoever uses a remembered variant checks it still carries the SKU before writing to it.
 */
export interface ShopMemory {
  /** The variant per SKU, as last found; forgotten as soon as Shopify disagrees. */
  variants: Map<string, KnownVariant>;
}

/** Shops by the Admin API address they answer at. */
export class VariantMemory {
  readonly #shops = new Map<string, ShopMemory>();

  of(shop: string): ShopMemory {
    const known = this.#shops.get(shop);
    if (known) return known;
    const memory: ShopMemory = { variants: new Map() };
    this.#shops.set(shop, memory);
    return memory;
  }
}

/**
 * The variant of each SKU: remembered, else found by searching the shop's variants by SKU (50 SKUs a search). SKUs
 * without exactly one variant are added to `skipped` and left out.
 */
export async function knownVariants(client: AdminClient, memory: ShopMemory, skus: readonly string[], skipped: SkippedStock[]): Promise<Map<string, KnownVariant>> {
  const found = new Map<string, KnownVariant>();
  const missing = skus.filter((sku) => {
    const variant = memory.variants.get(sku);
    if (variant) found.set(sku, variant);
    return !variant;
  });
  for (let i = 0; i < missing.length; i += PAGE.skusPerSearch) {
    const batch = missing.slice(i, i + PAGE.skusPerSearch);
    const variants = await variantsWithSkus(client, batch);
    for (const sku of batch) {
      const variant = onlyVariant(sku, variants, skipped);
      if (!variant) continue;
      memory.variants.set(sku, variant);
      found.set(sku, variant);
    }
  }
  return found;
}

/** The one variant with exactly this SKU. None, or several (Shopify does not keep SKUs unique): skipped. */
function onlyVariant(sku: string, variants: readonly VariantNode[], skipped: SkippedStock[]): KnownVariant | undefined {
  // Shopify's search ignores case and may match more than asked; Waybill's SKUs are exact.
  const matching = variants.filter((v) => skuOf(v.sku) === sku);
  const [only] = matching;
  if (only && matching.length === 1) return { id: only.id, productId: only.product.id, inventoryItemId: only.inventoryItem.id };
  skipped.push({ sku, reason: matching.length === 0 ? 'Shopify has no variant with this SKU' : `${matching.length} Shopify variants share this SKU, so Waybill sets none of them` });
  return undefined;
}

async function variantsWithSkus(client: AdminClient, skus: readonly string[]): Promise<VariantNode[]> {
  const query = skus.map((sku) => `sku:${quoted(sku)}`).join(' OR ');
  const variants: VariantNode[] = [];
  let after: string | null = null;
  for (;;) {
    // Typed here: `after` comes from the page before, which TypeScript cannot infer through the loop.
    const page: VariantPage = (await client(variantsBySkuQuery, { query, first: PAGE.variants, after })).productVariants;
    variants.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return variants;
    after = page.pageInfo.endCursor;
  }
}

/** A search-syntax phrase: whatever the SKU holds (spaces, colons, parentheses) is matched as written. */
function quoted(sku: string): string {
  return `"${sku.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Waybill keeps SKUs trimmed (./map.ts); Shopify's are compared the same way. */
export function skuOf(sku: string | null): string {
  return (sku ?? '').trim();
}
