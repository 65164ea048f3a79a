import type { SkippedStock } from '../sales-channel.ts';
import type { VariantRefresh } from './variant-refresh.ts';
import { PAGE, variantsBySkuQuery, type AdminClient, type VariantNode, type VariantPage } from './graphql.ts';

/** What Waybill needs to know of the Shopify variant behind a SKU: where its price and its stock are set. */
export interface KnownVariant {
  id: string;
  productId: string;
  inventoryItemId: string;
  /** ms: when Shopify last showed this variant with this SKU (found by a search, or read back with it). */
  seenAt: number;
}

/**
 * What one adapter remembers of one shop between pushes, so that each push (of stock or of prices) does not look
 * every SKU up again. Whoever uses a remembered variant checks it still carries the SKU before writing to it.
 */
export interface ShopMemory {
  /** The variant per SKU, as last found; forgotten as soon as Shopify disagrees. */
  variants: KnownVariants;
  /**
   * SKUs the shop had no variant of when searched, with when to search again (ms): the stock sync runs every second,
   * and a catalog shared by several channels has SKUs one shop never lists. A variant added since is found once
   * this runs out (a few minutes; the reconciling pass asks for every SKU every five).
   */
  absent: Map<string, number>;
  /**
   * The price push running for the shop, if any. Pushes of one shop run one after the other: each reads the shop's
   * prices and sends only what differs, so two at once (the start-up sync and a setup change's) would both read the
   * old prices and send the same update twice.
   */
  pricing: Promise<unknown>;
  /** Stock locations looked up (./stock-location.ts), by the channel's locationId ('' for the primary). */
  places: Map<string, { id: string; name: string; until: number }>;
  /** The bulk export that keeps a large shop's variants trusted (./variant-refresh.ts). */
  refresh: VariantRefresh;
}

/**
 * The variant per SKU. A SKU forgotten while a bulk export runs (a push saw Shopify disagree) is noted, so that the
 * export's file, older than what the push saw, does not teach it again (./variant-refresh.ts).
 */
export class KnownVariants extends Map<string, KnownVariant> {
  /** SKUs forgotten since the running export began; null while none runs. */
  forgottenDuringExport: Set<string> | null = null;

  override delete(sku: string): boolean {
    this.forgottenDuringExport?.add(sku);
    return super.delete(sku);
  }
}

const ABSENT_FOR_MS = 4 * 60_000;
/** A shop with more absent SKUs than this starts over rather than grow without bound. */
const MAX_ABSENT = 200_000;

const NO_VARIANT = 'Shopify has no variant with this SKU';

/** Shops by the Admin API address they answer at. */
export class VariantMemory {
  readonly #shops = new Map<string, ShopMemory>();

  of(shop: string): ShopMemory {
    const known = this.#shops.get(shop);
    if (known) return known;
    const memory: ShopMemory = {
      variants: new KnownVariants(),
      absent: new Map(),
      pricing: Promise.resolve(),
      places: new Map(),
      refresh: { dueAt: null, startedAt: null, searched: 0, running: null, failure: null },
    };
    this.#shops.set(shop, memory);
    return memory;
  }
}

/**
 * The variant of each SKU: remembered, else found by searching the shop's variants by SKU (50 SKUs a search). SKUs
 * without exactly one variant are added to `skipped` and left out; one without any is not searched again for a while.
 */
export async function knownVariants(
  client: AdminClient,
  memory: ShopMemory,
  skus: readonly string[],
  skipped: SkippedStock[],
  now: number,
): Promise<Map<string, KnownVariant>> {
  const found = new Map<string, KnownVariant>();
  if (memory.absent.size > MAX_ABSENT) memory.absent.clear();
  const missing = skus.filter((sku) => {
    const variant = memory.variants.get(sku);
    if (variant) found.set(sku, variant);
    else if ((memory.absent.get(sku) ?? 0) > now) skipped.push({ sku, reason: NO_VARIANT });
    else return true;
    return false;
  });
  memory.refresh.searched += missing.length;
  for (let i = 0; i < missing.length; i += PAGE.skusPerSearch) {
    const batch = missing.slice(i, i + PAGE.skusPerSearch);
    const variants = await variantsWithSkus(client, batch);
    for (const sku of batch) {
      const variant = onlyVariant(sku, variants, skipped, now);
      if (!variant && !variants.some((v) => skuOf(v.sku) === sku))
        memory.absent.set(sku, now + ABSENT_FOR_MS);
      if (!variant) continue;
      memory.absent.delete(sku);
      memory.variants.set(sku, variant);
      found.set(sku, variant);
    }
  }
  return found;
}

/** The one variant with exactly this SKU. None, or several (Shopify does not keep SKUs unique): skipped. */
function onlyVariant(
  sku: string,
  variants: readonly VariantNode[],
  skipped: SkippedStock[],
  now: number,
): KnownVariant | undefined {
  // Shopify's search ignores case and may match more than asked; Waybill's SKUs are exact.
  const matching = variants.filter((v) => skuOf(v.sku) === sku);
  const [only] = matching;
  if (only && matching.length === 1)
    return { id: only.id, productId: only.product.id, inventoryItemId: only.inventoryItem.id, seenAt: now };
  skipped.push({
    sku,
    reason:
      matching.length === 0
        ? NO_VARIANT
        : `${matching.length} Shopify variants share this SKU, so Waybill sets none of them`,
  });
  return undefined;
}

async function variantsWithSkus(client: AdminClient, skus: readonly string[]): Promise<VariantNode[]> {
  const query = skus.map((sku) => `sku:${quoted(sku)}`).join(' OR ');
  const variants: VariantNode[] = [];
  let after: string | null = null;
  for (;;) {
    // Typed here: `after` comes from the page before, which TypeScript cannot infer through the loop.
    const page: VariantPage = (await client(variantsBySkuQuery, { query, first: PAGE.variants, after }))
      .productVariants;
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
