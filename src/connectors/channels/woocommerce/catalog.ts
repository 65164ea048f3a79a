import type { SkippedStock, StockPushOutcome } from '../sales-channel.ts';
import {
  BATCH_LIMIT,
  batchUpdate,
  productsBySku,
  type BatchItem,
  type ProductFields,
  type ProductView,
} from './rest.ts';
import type { RestCall } from './transport.ts';

/**
 * Where WooCommerce keeps a SKU: a product (`variable` when its prices live on its variations), or a variation
 * (written through its variable product).
 */
export type Target =
  { kind: 'product'; id: number; variable: boolean } | { kind: 'variation'; id: number; parentId: number };
/**
 * A SKU the store did not have when asked: not asked again until `until`, so the sync (every second) does not re-ask;
 * the reconciling pass (every five minutes) asks again, and finds a product added since.
 */
type Known = Target | { kind: 'absent'; until: number };

/**
 * SKU → id, per store, for the life of the process, shared by stock and prices: a sync runs every second with a
 * fresh adapter, and ids do not change. An id that went stale (the product was deleted) is dropped when WooCommerce
 * refuses it.
 */
const catalogs = new Map<string, Map<string, Known>>();
const ABSENT_FOR_MS = 4 * 60_000;
/** A store with more SKUs than this starts over rather than grow without bound. */
const MAX_KNOWN_PER_STORE = 200_000;
/** SKUs per lookup: every match must fit on one page of 100, and the URL stay short (servers cap it near 8 KB). */
const LOOKUP_SKUS = 50;
const LOOKUP_URL_CHARS = 2_000;

export const NOT_IN_STORE = 'WooCommerce has no product or variation with this SKU';

/** What to write to one SKU's product or variation. */
export interface SkuWrite {
  sku: string;
  fields: ProductFields;
}

/**
 * Writes each SKU's fields to its product or variation through the batch endpoints (≤ 100 per call). A SKU the
 * store does not carry, one `refuse` turns down (a reason), or one WooCommerce refuses is skipped and reported; the
 * others are written. Failing the whole push for them would stop this channel's sync: a catalog shared by several
 * channels has SKUs one store never lists. Throws (retried) only when a remembered id has gone stale, so that the
 * retry looks it up again at once.
 */
export async function writeBySku(
  call: RestCall,
  storeKey: string,
  writes: readonly SkuWrite[],
  now: Date,
  refuse: (target: Target) => string | undefined = () => undefined,
): Promise<StockPushOutcome> {
  const catalog = catalogOf(storeKey);
  await lookUpMissing(
    call,
    catalog,
    writes.map((w) => w.sku),
    now.getTime(),
  );
  const { batches, skipped } = plan(catalog, writes, refuse);
  const stale: string[] = [];
  for (const batch of batches) await send(call, catalog, batch, skipped, stale);
  if (stale.length > 0) {
    throw new Error(
      `WooCommerce no longer has the products remembered for ${stale.join(', ')}; they will be looked up again`,
    );
  }
  return { skipped };
}

function catalogOf(storeKey: string): Map<string, Known> {
  let catalog = catalogs.get(storeKey);
  if (!catalog || catalog.size > MAX_KNOWN_PER_STORE) {
    catalog = new Map();
    catalogs.set(storeKey, catalog);
  }
  return catalog;
}

async function lookUpMissing(
  call: RestCall,
  catalog: Map<string, Known>,
  skus: readonly string[],
  now: number,
): Promise<void> {
  const missing = skus.filter((sku) => {
    const known = catalog.get(sku);
    return !known || (known.kind === 'absent' && known.until <= now);
  });
  for (const group of lookupGroups(missing)) {
    const found = await productsBySku(call, group);
    for (const sku of group) catalog.set(sku, { kind: 'absent', until: now + ABSENT_FOR_MS });
    // The filter matches case-insensitively (MySQL collation); Waybill's SKUs are exact, as the order webhooks carry them.
    for (const product of found) if (group.includes(product.sku)) catalog.set(product.sku, targetOf(product));
  }
}

/** A SKU with a comma in it is looked up alone: the filter splits its value on commas. */
function lookupGroups(skus: readonly string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const sku of skus) {
    const size = encodeURIComponent(sku).length + 3;
    if (sku.includes(',')) {
      groups.push([sku]);
      continue;
    }
    if (current.length >= LOOKUP_SKUS || (current.length > 0 && chars + size > LOOKUP_URL_CHARS)) {
      groups.push(current);
      current = [];
      chars = 0;
    }
    current.push(sku);
    chars += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function targetOf(product: ProductView): Target {
  const isVariation = product.type === 'variation' || (product.type === undefined && product.parent_id > 0);
  if (isVariation) return { kind: 'variation', id: product.id, parentId: product.parent_id };
  return { kind: 'product', id: product.id, variable: product.type === 'variable' };
}

interface Batch {
  path: string;
  items: { sku: string; update: { id: number } & ProductFields }[];
}

/** Products in /products/batch, variations in one batch per variable product; none over the batch limit. */
function plan(
  catalog: ReadonlyMap<string, Known>,
  writes: readonly SkuWrite[],
  refuse: (target: Target) => string | undefined,
): { batches: Batch[]; skipped: SkippedStock[] } {
  const byPath = new Map<string, Batch['items']>();
  const skipped: SkippedStock[] = [];
  for (const write of writes) {
    const known = catalog.get(write.sku);
    if (!known || known.kind === 'absent') {
      skipped.push({ sku: write.sku, reason: NOT_IN_STORE });
      continue;
    }
    const refused = refuse(known);
    if (refused !== undefined) {
      skipped.push({ sku: write.sku, reason: refused });
      continue;
    }
    const path =
      known.kind === 'product' ? '/products/batch' : `/products/${known.parentId}/variations/batch`;
    const items = byPath.get(path) ?? [];
    items.push({ sku: write.sku, update: { id: known.id, ...write.fields } });
    byPath.set(path, items);
  }
  const batches = [...byPath].flatMap(([path, items]) =>
    chunk(items, BATCH_LIMIT).map((part) => ({ path, items: part })),
  );
  return { batches, skipped };
}

/** A batch answers 200 whatever became of each item: an item refused is skipped, a stale id forgotten. */
async function send(
  call: RestCall,
  catalog: Map<string, Known>,
  batch: Batch,
  skipped: SkippedStock[],
  stale: string[],
): Promise<void> {
  const answers = await batchUpdate(
    call,
    batch.path,
    batch.items.map((item) => item.update),
  );
  const refusals = new Map(answers.filter(isRefusal).map((a) => [a.id, a.error]));
  for (const item of batch.items) {
    const error = refusals.get(item.update.id);
    if (error?.code.endsWith('_invalid_id')) {
      catalog.delete(item.sku);
      stale.push(item.sku);
    } else if (error) {
      skipped.push({ sku: item.sku, reason: `WooCommerce refused it: ${error.code}: ${error.message}` });
    }
  }
}

function isRefusal(item: BatchItem): item is Extract<BatchItem, { error: unknown }> {
  return 'error' in item;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}
