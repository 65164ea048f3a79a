import { PermanentError } from '../../../domain/permanent-error.ts';
import type { SkippedStock, StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import {
  idempotencyKey,
  inventoryLevelsQuery,
  inventorySetMutation,
  PAGE,
  type AdminClient,
  type InventoryItemLevel,
  type InventorySetInput,
  type InventoryUserError,
} from './graphql.ts';
import { forgetStockLocation, stockLocation, type Place } from './stock-location.ts';
import { refreshWhenDue, type Exporter } from './variant-refresh.ts';
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

export interface StockPush {
  client: AdminClient;
  /** Variants and locations found earlier (./variants.ts, ./stock-location.ts). */
  memory: ShopMemory;
  /** The configured location; absent: the shop's primary location. */
  locationId: string | undefined;
  batchKey: string;
  /** ms, the job's clock. */
  now: number;
  /** Exports the shop's variants in the background when a large shop's memory needs confirming. */
  exporter?: Exporter;
}

/** A SKU's inventory item and what the shop has available of it at the location (read, or as Waybill told it). */
interface Level {
  sku: string;
  itemId: string;
  available: number;
}

/**
 * How long a variant seen with its SKU is trusted to still carry it when Waybill sets its stock without reading it
 * first: a variant whose SKU the merchant changed would otherwise have another product's stock set. Older ones are
 * read first (which checks the SKU and sees the variant again). A large shop's are confirmed every five minutes by
 * a bulk export instead (./variant-refresh.ts), so that a change of every SKU need not read them all first.
 */
const TRUSTED_FOR_MS = 10 * 60_000;

/**
 * Sets Shopify's `available` of each SKU at one location to Waybill's level, by compare-and-set: each quantity is
 * set only if the shop still has what it is compared with. That is what Waybill last told the shop (`told`), when
 * known: nothing is read first, one call sets 250 SKUs. Otherwise (never told) the level is read first. When the
 * shop has something else (a sale at the counter, the merchant's edit), Shopify refuses the call and names each
 * stale quantity: only those are read and the call is sent again. Safe to repeat: the quantities are absolute, and
 * one that is already right is not sent.
 */
export async function pushShopifyStock(
  push: StockPush,
  levels: readonly StockUpdate[],
): Promise<StockPushOutcome> {
  const skipped: SkippedStock[] = [];
  if (push.exporter) refreshWhenDue(push.memory, push.now, push.exporter);
  const place = await stockLocation(push.client, push.memory, push.locationId, push.now);
  for (let i = 0; i < levels.length; i += MAX_STOCK_BATCH) {
    await setBatch(push, place, levels.slice(i, i + MAX_STOCK_BATCH), skipped);
  }
  return { skipped };
}

async function setBatch(
  push: StockPush,
  place: Place,
  batch: readonly StockUpdate[],
  skipped: SkippedStock[],
): Promise<void> {
  const wanted = new Map(batch.map((l) => [l.sku, l.available]));
  const order = new Map(batch.map((l, i) => [l.sku, i]));
  const tellable = batch.filter((l) => knownTold(push, l));
  // What the shop is taken to hold: as told, or as read (toRead, each try).
  let known = await toldLevels(push, tellable, skipped);
  const assumed = new Set(known.map((l) => l.sku));
  const taken = new Set(tellable.map((l) => l.sku));
  let toRead = batch.map((l) => l.sku).filter((sku) => !taken.has(sku));
  for (let attempt = 1; ; attempt++) {
    const read = toRead.length ? await currentLevels(push, place, toRead, skipped) : [];
    const changes = [...known, ...read]
      .filter((l) => l.available !== wanted.get(l.sku))
      .sort((a, b) => (order.get(a.sku) ?? 0) - (order.get(b.sku) ?? 0));
    if (changes.length === 0) return;
    const answer = await setQuantities(push, place, changes, wanted);
    if (answer.stale.size === 0 && answer.refused.length === 0) return;
    // Shopify set none of them: the stale ones are read again, the others go again as they were.
    const refused = new Set(answer.refused.map((r) => r.sku));
    // A remembered inventory item Shopify no longer has, not read first: looked up afresh rather than skipped.
    const gone = new Set(answer.gone.filter((sku) => assumed.has(sku) && !answer.stale.has(sku)));
    skipped.push(...answer.refused.filter((r) => !gone.has(r.sku)));
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
    const again = (c: Level) => answer.stale.has(c.sku) || gone.has(c.sku);
    known = changes.filter((c) => !refused.has(c.sku) && !again(c));
    toRead = changes.filter(again).map((c) => c.sku);
    for (const sku of toRead) assumed.delete(sku);
  }
}

/** Told before, and the variant behind it seen with its SKU lately (or not remembered: it is searched now). */
function knownTold(push: StockPush, level: StockUpdate): boolean {
  if (level.told === undefined || level.told === null || level.told === level.available) return false;
  const known = push.memory.variants.get(level.sku);
  return !known || known.seenAt > push.now - TRUSTED_FOR_MS;
}

/** The levels Waybill told the shop, taken to be what it holds, with their inventory items. */
async function toldLevels(
  push: StockPush,
  told: readonly StockUpdate[],
  skipped: SkippedStock[],
): Promise<Level[]> {
  if (told.length === 0) return [];
  const items = await inventoryItems(
    push,
    told.map((l) => l.sku),
    skipped,
  );
  return told.flatMap((l) => {
    const itemId = items.get(l.sku);
    return itemId === undefined ? [] : [{ sku: l.sku, itemId, available: l.told ?? 0 }];
  });
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
      else {
        levels.push({ sku, itemId, available: availableOf(node.inventoryLevel) });
        seen(push, sku, itemId);
      }
    });
  }
  return { levels, changed };
}

/** The variant was just read with its SKU: trusted again for a while (knownTold). */
function seen(push: StockPush, sku: string, itemId: string): void {
  const known = push.memory.variants.get(sku);
  if (known?.inventoryItemId === itemId) push.memory.variants.set(sku, { ...known, seenAt: push.now });
}

function availableOf(level: NonNullable<InventoryItemLevel['inventoryLevel']>): number {
  const available = level.quantities.find((q) => q.name === 'available');
  if (!available)
    throw new Error('Shopify answered an inventory level without the available quantity asked for');
  return available.quantity;
}

/** Any refusal means Shopify set none of the quantities (documented as all or nothing, and the simulator agrees). */
interface SetAnswer {
  /** SKUs whose compared quantity is no longer what the shop has. */
  stale: Set<string>;
  refused: SkippedStock[];
  /** Of the refused, those whose inventory item Shopify no longer has. */
  gone: string[];
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
  const answer: SetAnswer = { stale: new Set(), refused: [], gone: [] };
  const other: string[] = [];
  for (const error of errors) {
    const change = changes[quantityIndex(error.field)];
    if (error.code === 'CHANGE_FROM_QUANTITY_STALE') {
      // Each stale quantity is named by its index; one that is not: all are read again.
      for (const c of change ? [change] : changes) answer.stale.add(c.sku);
    } else if (change && error.code && ITEM_REFUSALS.has(error.code)) {
      // Looked up afresh next time: the variant may have been deleted, or its stock moved.
      push.memory.variants.delete(change.sku);
      if (error.code === 'INVALID_INVENTORY_ITEM') answer.gone.push(change.sku);
      // The location may no longer be the primary one: looked up again by the next push.
      if (error.code === 'ITEM_NOT_STOCKED_AT_LOCATION') forgetStockLocation(push.memory, push.locationId);
      answer.refused.push({ sku: change.sku, reason: `Shopify refused it: ${error.message}` });
    } else
      other.push(
        `${error.code ?? 'no code'}${error.field?.length ? ` at ${error.field.join('.')}` : ''}: ${error.message}`,
      );
  }
  if (errors.some((e) => e.code === 'INVALID_LOCATION')) {
    // The location went away since it was looked up: the next try looks it up again.
    forgetStockLocation(push.memory, push.locationId);
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
