import type { StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import { saveSourceItems, type SourceItem } from './rest.ts';
import { magentoFailureOf, type MagentoCall } from './transport.ts';

/** Source items per call unless the channel says otherwise (stockBatchSize). */
export const DEFAULT_STOCK_BATCH = 500;
/** Batches in flight at once: Magento answers each in its own PHP worker; a few side by side, never a flood. */
export const STOCK_PUSHES_IN_FLIGHT = 4;

/**
 * The Web API input limit a store enforces, once it has said so (Stores → Configuration → Services → Web API Input
 * Limits: off by default; on, a list of more than "Input List Limit" entities, 20 unless set, is refused whole with
 * 400 `Maximum items of type "%type" is %max`). Kept per store for the process, so later pushes split at once.
 */
const learnedLimits = new Map<string, number>();

/**
 * Sets the channel's Inventory source quantities: POST /V1/inventory/source-items, each SKU with its quantity and
 * status (1 in stock, 0 out of stock, or Magento shows a quantity it will not sell). Magento keeps a source item for a
 * SKU it has no product for (InventoryCatalog's legacy sync skips it), so no SKU is refused; none is skipped.
 */
export async function pushMagentoStock(
  call: MagentoCall,
  storeKey: string,
  sourceCode: string,
  levels: readonly StockUpdate[],
): Promise<StockPushOutcome> {
  const items: SourceItem[] = levels.map((level) => ({
    sku: level.sku,
    source_code: sourceCode,
    quantity: Math.max(0, level.available),
    status: level.available > 0 ? 1 : 0,
  }));
  await saveInChunks(call, storeKey, items);
  return { skipped: [] };
}

async function saveInChunks(
  call: MagentoCall,
  storeKey: string,
  items: readonly SourceItem[],
): Promise<void> {
  const limit = learnedLimits.get(storeKey) ?? items.length;
  for (let start = 0; start < items.length; start += limit) {
    const chunk = items.slice(start, start + limit);
    try {
      await saveSourceItems(call, chunk);
    } catch (error) {
      const max = inputLimitOf(error);
      if (max === undefined || max >= chunk.length) throw error;
      learnedLimits.set(storeKey, max);
      // Refused whole, nothing saved: the same items again, in pieces the store takes.
      await saveInChunks(call, storeKey, items.slice(start));
      return;
    }
  }
}

/** `Maximum items of type "…SourceItemInterface" is 20` → 20. */
function inputLimitOf(error: unknown): number | undefined {
  const failure = magentoFailureOf(error);
  if (failure?.status !== 400) return undefined;
  const match = /^Maximum items of type .* is (\d+)$/.exec(failure.message);
  const max = match ? Number(match[1]) : NaN;
  return Number.isInteger(max) && max > 0 ? max : undefined;
}
