import { setImmediate as yieldToOthers, setTimeout as sleep } from 'node:timers/promises';
import {
  bulkOperationQuery,
  VARIANTS_EXPORT_QUERY,
  variantsExportMutation,
  type AdminClient,
  type BulkOperationState,
} from './graphql.ts';
import { skuOf, type KnownVariant, type ShopMemory } from './variants.ts';

/**
 * A large shop's remembered variants kept trusted by reading them all at once every few minutes, in the background:
 * a bulk operation exports every variant's SKU, product and inventory item to a JSONL file, at no cost to the shop's
 * query budget (https://shopify.dev/docs/api/usage/bulk-operations/queries). Without it, a variant not seen for
 * ten minutes is read before its stock is set (./stock.ts): for 100,000 SKUs that is some 400 reads, minutes of a
 * Plus shop's budget, before a change of every SKU can start.
 */
export interface VariantRefresh {
  /** ms, the job's clock: when the next export is due. */
  dueAt: number | null;
  /** ms: when the last export started. */
  startedAt: number | null;
  /**
   * SKUs searched one by one (50 a call, ./variants.ts) since the last export started: a new channel's first sync of
   * a large catalogue would search them all (2,000 searches for 100,000 SKUs); an export learns them in one go.
   */
  searched: number;
  /** The export under way, if any (settles, never rejects). */
  running: Promise<void> | null;
  /** Why the last export did not complete, if it did not. */
  failure: string | null;
}

/** Below this many remembered (or searched) variants, reading or searching them is cheap: no export. */
export const REFRESH_FROM_VARIANTS = 1_000;
/** Exports started by searching come at most this often (a catalogue with many SKUs the shop lacks searches on). */
const SEARCHED_EXPORT_GAP_MS = 60_000;
/** Half of the time a variant is trusted (./stock.ts): each is confirmed again well before it ages. */
export const REFRESH_EVERY_MS = 5 * 60_000;
/** An export that has not finished in this long is left; the next one is due anyway. */
const EXPORT_DEADLINE_MS = 30 * 60_000;
/** Shopify runs a bulk operation for seconds to minutes: asked after half a second, then half as often each time, up to every 10 s. */
const FIRST_LOOK_MS = 500;
const LATEST_LOOK_MS = 10_000;
/** Lines of an export read between two turns of the event loop. */
const LINES_PER_TURN = 5_000;

export interface Exporter {
  /** An Admin API client bound to the export's own deadline (the job that started it will have ended). */
  client: (signal: AbortSignal) => AdminClient;
  /** The file Shopify wrote: fetched from the URL it gave, which carries its own signature and no Shopify token. */
  download: (url: string, signal: AbortSignal) => Promise<string>;
}

/**
 * Starts an export when one is due for a shop that remembers enough variants, or at once when pushes have had to
 * search for many; returns at once. The push that calls this goes on with what it trusts now; the export confirms
 * (or drops) what it remembers, and learns the rest, when it finishes.
 */
export function refreshWhenDue(memory: ShopMemory, now: number, exporter: Exporter): void {
  const refresh = memory.refresh;
  refresh.dueAt ??= now + REFRESH_EVERY_MS;
  if (refresh.running) return;
  const aging = now >= refresh.dueAt && memory.variants.size >= REFRESH_FROM_VARIANTS;
  const searching =
    refresh.searched >= REFRESH_FROM_VARIANTS &&
    (refresh.startedAt === null || now >= refresh.startedAt + SEARCHED_EXPORT_GAP_MS);
  if (!aging && !searching) return;
  Object.assign(refresh, { dueAt: now + REFRESH_EVERY_MS, startedAt: now, searched: 0 });
  memory.variants.forgottenDuringExport = new Set();
  const signal = AbortSignal.timeout(EXPORT_DEADLINE_MS);
  refresh.running = exportVariants(exporter, memory, now, signal)
    .then(
      (failure) => {
        refresh.failure = failure;
      },
      (error: unknown) => {
        refresh.failure = error instanceof Error ? error.message : String(error);
      },
    )
    .finally(() => {
      refresh.running = null;
      memory.variants.forgottenDuringExport = null;
    });
}

/** Runs one export to its end; the reason it did not complete, or null. */
async function exportVariants(
  exporter: Exporter,
  memory: ShopMemory,
  startedAt: number,
  signal: AbortSignal,
): Promise<string | null> {
  const client = exporter.client(signal);
  const { bulkOperationRunQuery: started } = await client(variantsExportMutation, {
    query: VARIANTS_EXPORT_QUERY,
  });
  const operation = started?.bulkOperation;
  if (!operation) {
    // LIMIT_REACHED or OPERATION_IN_PROGRESS (five at once, other processes' included): the next one is due soon.
    const said = started?.userErrors.map((e) => `${e.code ?? 'no code'}: ${e.message}`).join('; ');
    return `Shopify did not start the variants export: ${said || 'no bulk operation in the answer'}`;
  }
  const done = await finished(client, operation.id, signal);
  if (done.status !== 'COMPLETED')
    return `the variants export ${done.id} ended ${done.status}${done.errorCode ? ` (${done.errorCode})` : ''}`;
  // No url: the shop has no variant at all.
  const file = done.url === null ? '' : await exporter.download(done.url, signal);
  await confirmVariants(memory, file, startedAt);
  return null;
}

async function finished(client: AdminClient, id: string, signal: AbortSignal): Promise<BulkOperationState> {
  for (let wait = FIRST_LOOK_MS; ; wait = Math.min(LATEST_LOOK_MS, wait * 2)) {
    await sleep(wait, undefined, { signal, ref: false });
    const { bulkOperation: state } = await client(bulkOperationQuery, { id });
    if (!state) throw new Error(`Shopify no longer knows the variants export ${id}`);
    if (state.status !== 'CREATED' && state.status !== 'RUNNING' && state.status !== 'CANCELING')
      return state;
  }
}

/**
 * Applies an export that began at `startedAt`: a remembered variant the file shows with the same SKU and inventory
 * item is trusted from then; one it shows otherwise (another variant has the SKU, several share it, or none does)
 * is forgotten, and looked up again when next needed. A variant seen after the export began is newer than the file
 * and left as it is. Variants of SKUs not remembered yet are learnt, so a push needs no search for them, except
 * those a push forgot while the export ran: it saw Shopify disagree after the file was written.
 */
export async function confirmVariants(memory: ShopMemory, jsonl: string, startedAt: number): Promise<void> {
  // null: several variants carry the SKU, and Waybill sets none of them (./variants.ts).
  const listed = new Map<string, KnownVariant | null>();
  const lines = jsonl.split('\n');
  for (const [n, line] of lines.entries()) {
    // Read in slices: a file of 100,000 lines read at once would hold the event loop (webhooks, pushes) ~0.1 s.
    if (n > 0 && n % LINES_PER_TURN === 0) await yieldToOthers();
    if (!line.trim()) continue;
    const { sku, variant } = exportedVariant(line, startedAt);
    if (sku) listed.set(sku, listed.has(sku) ? null : variant);
  }
  // Applied in one turn: a push sees the memory before the file or after it, never half of it.
  const forgotten = memory.variants.forgottenDuringExport;
  memory.variants.forgottenDuringExport = null;
  for (const [sku, known] of memory.variants) {
    if (known.seenAt > startedAt) continue;
    const now = listed.get(sku);
    if (now && now.id === known.id && now.inventoryItemId === known.inventoryItemId)
      memory.variants.set(sku, { ...known, seenAt: startedAt });
    else memory.variants.delete(sku);
  }
  for (const [sku, variant] of listed) {
    if (!variant || memory.variants.has(sku) || forgotten?.has(sku)) continue;
    memory.variants.set(sku, variant);
    memory.absent.delete(sku);
  }
}

/**
 * One line of the export: { id, sku, product: { id }, inventoryItem: { id } }. Checked by hand rather than by a
 * schema: a large shop's file has 100,000 lines, read while the stock syncs run.
 */
function exportedVariant(line: string, seenAt: number): { sku: string; variant: KnownVariant } {
  const node: unknown = JSON.parse(line);
  const idOf = (value: unknown) =>
    typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string' && value.id
      ? value.id
      : undefined;
  const id = idOf(node);
  const product = typeof node === 'object' && node !== null && 'product' in node ? node.product : undefined;
  const item =
    typeof node === 'object' && node !== null && 'inventoryItem' in node ? node.inventoryItem : undefined;
  const sku = typeof node === 'object' && node !== null && 'sku' in node ? node.sku : undefined;
  const productId = idOf(product);
  const inventoryItemId = idOf(item);
  if (!id || !productId || !inventoryItemId || (sku !== null && typeof sku !== 'string'))
    throw new Error(`the variants export has a line Waybill cannot read: ${line.slice(0, 200)}`);
  return { sku: skuOf(sku), variant: { id, productId, inventoryItemId, seenAt } };
}
