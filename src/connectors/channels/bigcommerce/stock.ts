import type { StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import { PAGE_LIMIT, updateVariants, variantsPage, variantsWithSku } from './api.ts';
import { bigCommerceFailureOf, type ApiCall } from './transport.ts';

/**
 * Sets the stores' stock: PUT /v3/catalog/variants with each variant's `inventory_level`, at most 50 variants a call
 * (the documented batch size), any products mixed. Every product has at least one variant (a product without
 * options has its base variant, which carries its SKU and its level), so a SKU is always a variant's.
 *
 * The batch takes variant ids, so SKUs are looked up in an index of the store's catalog (GET /v3/catalog/variants,
 * 250 a page, the whole catalog once, kept in this process); a SKU the index lacks is looked up on its own (a product
 * added since), and one BigCommerce does not have either is skipped and reported, looked for again later.
 */
export async function pushStockLevels(
  call: ApiCall,
  catalog: VariantIndex,
  levels: readonly StockUpdate[],
  now: number,
): Promise<StockPushOutcome> {
  const ids = await catalog.resolve(
    call,
    levels.map((l) => l.sku),
    now,
  );
  const update = levels.flatMap((l) => {
    const id = ids.get(l.sku);
    return id === undefined ? [] : [{ id, inventory_level: Math.max(0, l.available) }];
  });
  if (update.length) {
    try {
      await updateVariants(call, update);
    } catch (error) {
      // A variant deleted since the index was read: read it afresh on the retry.
      const status = bigCommerceFailureOf(error)?.status;
      if (status === 404 || status === 422) catalog.forget();
      throw error;
    }
  }
  return {
    skipped: levels
      .filter((l) => !ids.has(l.sku))
      .map((l) => ({ sku: l.sku, reason: 'BigCommerce has no product variant with this SKU' })),
  };
}

/** A catalog read this long ago is read again: products come and go. */
const INDEX_MAX_AGE_MS = 60 * 60_000;
/** A SKU looked for and not found is not looked for again before this: within the stock sync's 5-minute full pass. */
const ABSENT_RETRY_MS = 4 * 60_000;
/** The catalogue is read again for new SKUs at most this often. */
const RESCAN_AFTER_MS = 10_000;

/** One store's SKU → variant id index, shared by the stock syncs of this process. */
export class VariantIndex {
  #ids = new Map<string, number>();
  #absent = new Map<string, number>();
  #readAt: number | null = null;
  #reading: Promise<void> | null = null;

  async resolve(call: ApiCall, skus: readonly string[], now: number): Promise<Map<string, number>> {
    if (this.#readAt === null || now - this.#readAt > INDEX_MAX_AGE_MS) await this.#readAll(call, now);
    const missing = skus.filter((sku) => !this.#ids.has(sku) && !this.#knownAbsent(sku, now));
    // Many new SKUs (a catalogue imported since): reading the catalogue again costs fewer calls than one each.
    if (missing.length > 1 + this.#ids.size / PAGE_LIMIT && now - this.#readAt! > RESCAN_AFTER_MS) {
      await this.#readAll(call, now);
      for (const sku of missing) if (!this.#ids.has(sku)) this.#absent.set(sku, now);
    } else {
      for (const sku of missing) await this.#lookUp(call, sku, now);
    }
    const found = new Map<string, number>();
    for (const sku of skus) {
      const id = this.#ids.get(sku);
      if (id !== undefined) found.set(sku, id);
    }
    return found;
  }

  #knownAbsent(sku: string, now: number): boolean {
    const since = this.#absent.get(sku);
    return since !== undefined && now - since < ABSENT_RETRY_MS;
  }

  forget(): void {
    this.#readAt = null;
    this.#absent.clear();
  }

  /** One read of the whole catalog at a time, whatever number of batches wait for it. */
  async #readAll(call: ApiCall, now: number): Promise<void> {
    this.#reading ??= (async () => {
      const ids = new Map<string, number>();
      for (let page = 1; ; page++) {
        const { items, more } = await variantsPage(call, page);
        for (const variant of items) if (variant.sku.trim()) ids.set(variant.sku.trim(), variant.id);
        if (!more || items.length === 0) break;
      }
      this.#ids = ids;
      this.#absent.clear();
      this.#readAt = now;
    })().finally(() => {
      this.#reading = null;
    });
    await this.#reading;
  }

  async #lookUp(call: ApiCall, sku: string, now: number): Promise<void> {
    const variant = (await variantsWithSku(call, sku)).find((v) => v.sku.trim() === sku);
    if (variant) this.#ids.set(sku, variant.id);
    else this.#absent.set(sku, now);
  }
}

const indexes = new Map<string, VariantIndex>();

/** The index of one store (by its API address, hash and token): variant ids are per store. */
export function variantIndexOf(storeKey: string): VariantIndex {
  let index = indexes.get(storeKey);
  if (!index) indexes.set(storeKey, (index = new VariantIndex()));
  return index;
}
