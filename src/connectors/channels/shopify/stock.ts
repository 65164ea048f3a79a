import { PermanentError } from '../../../domain/permanent-error.ts';
import type { SkippedStock, StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import {
  idempotencyKey,
  inventoryLevelsQuery,
  inventorySetMutation,
  PAGE,
  stockLocationQuery,
  type AdminClient,
  type InventoryItemLevel,
  type InventorySetInput,
  type InventoryUserError,
} from './graphql.ts';
import { knownVariants, skuOf, type ShopMemory } from './variants.ts';

/** Shopify refuses any input array over 250 items, inventorySetQuantities' `quantities` included. */
export const MAX_STOCK_BATCH = 250;
/** Tries of one batch while the shop's quantities keep changing between Waybill's read and its write. */
const SET_ATTEMPTS = 5;
/** Shown in the shop's inventory history: Waybill corrects `available` to what it can promise. */
const REASON = 'correction';
/** Refusals that concern one quantity only: that SKU is skipped, the others are set. */
const ITEM_REFUSALS = new Set([
  'INVALID_INVENTORY_ITEM',
  'ITEM_NOT_STOCKED_AT_LOCATION',
  'NON_MUTABLE_INVENTORY_ITEM',
]);

interface Place {
  id: string;
  name: string;
}

export interface StockPush {
  client: AdminClient;
  /**
   * Variants found earlier (./variants.ts). The location is not remembered: looking it up costs one point, and a
   * remembered one that was deleted or is no longer the primary would have every SKU skipped as not stocked there.
   */
  memory: ShopMemory;
  /** The configured location; absent: the shop's primary location. */
  locationId: string | undefined;
  batchKey: string;
  /** ms, the job's clock. */
  now: number;
}

/** A SKU's inventory item and what the shop has available of it at the location now. */
interface Level {
  sku: string;
  itemId: string;
  available: number;
}

/**
 * Sets Shopify's `available` of each SKU at one location to Waybill's level, by compare-and-set: each quantity is
 * read, then set only if the shop still has what was read. When the shop changed one in between (a sale at the
 * counter, the merchant's edit), Shopify refuses the call, and the quantities are read again and set again. Safe to
 * repeat: the quantities are absolute, and one that is already right is not sent.
 */
export async function pushShopifyStock(
  push: StockPush,
  levels: readonly StockUpdate[],
): Promise<StockPushOutcome> {
  const skipped: SkippedStock[] = [];
  const place = await stockLocation(push);
  for (let i = 0; i < levels.length; i += MAX_STOCK_BATCH) {
    const wanted = new Map(levels.slice(i, i + MAX_STOCK_BATCH).map((l) => [l.sku, l.available]));
    await setBatch(push, place, wanted, skipped);
  }
  return { skipped };
}

async function setBatch(
  push: StockPush,
  place: Place,
  wanted: ReadonlyMap<string, number>,
  skipped: SkippedStock[],
): Promise<void> {
  let skus = [...wanted.keys()];
  for (let attempt = 1; ; attempt++) {
    const changes = (await currentLevels(push, place, skus, skipped)).filter(
      (l) => l.available !== wanted.get(l.sku),
    );
    if (changes.length === 0) return;
    const answer = await setQuantities(push, place, changes, wanted);
    if (!answer.stale && answer.refused.length === 0) return;
    skipped.push(...answer.refused);
    if (attempt >= SET_ATTEMPTS) {
      // Not permanent: the job tries the batch again later, reading afresh.
      const named =
        changes
          .slice(0, 10)
          .map((c) => c.sku)
          .join(', ') + (changes.length > 10 ? ` and ${changes.length - 10} more` : '');
      throw new Error(
        `Shopify's available quantities at ${place.name} kept changing while Waybill set them (${named})`,
      );
    }
    const refused = new Set(answer.refused.map((r) => r.sku));
    skus = changes.map((c) => c.sku).filter((sku) => !refused.has(sku));
  }
}

/** The configured location, or the shop's primary one, as Shopify names it. */
async function stockLocation(push: StockPush): Promise<Place> {
  const { location } = await push.client(stockLocationQuery, { id: push.locationId ?? null });
  if (!location) {
    throw new PermanentError(
      push.locationId
        ? `Shopify has no location ${push.locationId} (locationId of the channel)`
        : 'the shop has no primary location to set stock at',
    );
  }
  if (!location.isActive)
    throw new PermanentError(
      `the Shopify location ${location.name} is deactivated: Waybill cannot set stock there`,
    );
  return { id: location.id, name: location.name };
}

/**
 * What the shop has available now of each SKU that it stocks at the location. A remembered inventory item that is
 * gone, or carries another SKU now, is looked up once more; SKUs still without one are skipped.
 */
async function currentLevels(
  push: StockPush,
  place: Place,
  skus: readonly string[],
  skipped: SkippedStock[],
): Promise<Level[]> {
  const first = await readLevels(push, place, await inventoryItems(push, skus, skipped), skipped);
  if (first.changed.length === 0) return first.levels;
  for (const sku of first.changed) push.memory.variants.delete(sku);
  const again = await readLevels(push, place, await inventoryItems(push, first.changed, skipped), skipped);
  for (const sku of again.changed)
    skipped.push({ sku, reason: 'its Shopify variant changed while Waybill read it' });
  return [...first.levels, ...again.levels];
}

/** The inventory item of each SKU: remembered, else found by searching the shop's variants by SKU. */
async function inventoryItems(
  push: StockPush,
  skus: readonly string[],
  skipped: SkippedStock[],
): Promise<Map<string, string>> {
  const variants = await knownVariants(push.client, push.memory, skus, skipped, push.now);
  return new Map([...variants].map(([sku, variant]) => [sku, variant.inventoryItemId]));
}

/** Levels of these inventory items at the location; `changed` are the SKUs whose item is gone or renamed. */
async function readLevels(
  push: StockPush,
  place: Place,
  items: ReadonlyMap<string, string>,
  skipped: SkippedStock[],
): Promise<{ levels: Level[]; changed: string[] }> {
  const entries = [...items];
  const levels: Level[] = [];
  const changed: string[] = [];
  for (let i = 0; i < entries.length; i += PAGE.inventoryItems) {
    const chunk = entries.slice(i, i + PAGE.inventoryItems);
    const { nodes } = await push.client(inventoryLevelsQuery, {
      ids: chunk.map(([, item]) => item),
      locationId: place.id,
    });
    chunk.forEach(([sku, itemId], n) => {
      const node = nodes[n];
      if (!node || node.id !== itemId || skuOf(node.sku) !== sku) changed.push(sku);
      else if (!node.inventoryLevel) skipped.push({ sku, reason: `not stocked at ${place.name} on Shopify` });
      else levels.push({ sku, itemId, available: availableOf(node.inventoryLevel) });
    });
  }
  return { levels, changed };
}

function availableOf(level: NonNullable<InventoryItemLevel['inventoryLevel']>): number {
  const available = level.quantities.find((q) => q.name === 'available');
  if (!available)
    throw new Error('Shopify answered an inventory level without the available quantity asked for');
  return available.quantity;
}

interface SetAnswer {
  /** Some quantity was no longer what was read: Shopify set none of them. */
  stale: boolean;
  refused: SkippedStock[];
}

async function setQuantities(
  push: StockPush,
  place: Place,
  changes: readonly Level[],
  wanted: ReadonlyMap<string, number>,
): Promise<SetAnswer> {
  const input: InventorySetInput = {
    name: 'available',
    reason: REASON,
    // Shown in the shop's inventory history; the same batch sent again carries the same reference.
    referenceDocumentUri: `gid://waybill/StockSync/${encodeURIComponent(push.batchKey)}`,
    quantities: changes.map((c) => ({
      inventoryItemId: c.itemId,
      locationId: place.id,
      quantity: wanted.get(c.sku) ?? 0,
      changeFromQuantity: c.available,
    })),
  };
  const idempotency = idempotencyKey(`stock ${push.batchKey}`, input);
  const { inventorySetQuantities: payload } = await push.client(inventorySetMutation, {
    input,
    idempotencyKey: idempotency,
  });
  // Not documented; the next read shows whatever happened.
  if (!payload) throw new Error(`inventorySetQuantities at ${place.name} answered without a payload`);
  return readRefusals(push, payload.userErrors, changes);
}

/** Sorts Shopify's user errors: a stale compare is retried, one SKU's problem skips that SKU, anything else stops. */
function readRefusals(
  push: StockPush,
  errors: readonly InventoryUserError[],
  changes: readonly Level[],
): SetAnswer {
  const answer: SetAnswer = { stale: false, refused: [] };
  const other: string[] = [];
  for (const error of errors) {
    const change = changes[quantityIndex(error.field)];
    if (error.code === 'CHANGE_FROM_QUANTITY_STALE') answer.stale = true;
    else if (change && error.code && ITEM_REFUSALS.has(error.code)) {
      // Looked up afresh next time: the variant may have been deleted, or its stock moved.
      push.memory.variants.delete(change.sku);
      answer.refused.push({ sku: change.sku, reason: `Shopify refused it: ${error.message}` });
    } else
      other.push(
        `${error.code ?? 'no code'}${error.field?.length ? ` at ${error.field.join('.')}` : ''}: ${error.message}`,
      );
  }
  if (errors.some((e) => e.code === 'INVALID_LOCATION')) {
    // The location went away since it was looked up: the next try looks it up again.
    throw new Error(`Shopify no longer has the location Waybill sets stock at: ${other.join('; ')}`);
  }
  if (other.length > 0) throw new PermanentError(`Shopify refused the stock update: ${other.join('; ')}`);
  return answer;
}

/** ["input", "quantities", "3", "changeFromQuantity"] → 3. */
function quantityIndex(field: readonly string[] | null | undefined): number {
  const at = field?.indexOf('quantities') ?? -1;
  return at >= 0 ? Number(field?.[at + 1]) : Number.NaN;
}
