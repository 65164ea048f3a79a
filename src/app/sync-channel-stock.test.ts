import { describe, expect, it } from 'vitest';
import type { SalesChannel, StockUpdate } from '../connectors/channels/sales-channel.ts';
import { pushInBatches } from './sync-channel-stock.ts';

const levels = (n: number): StockUpdate[] =>
  Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, available: i }));

/** A channel that takes batches of 10, counting them; the second batch's SKU 12 is one it lacks. */
function countingChannel(): { channel: SalesChannel; batches: StockUpdate[][] } {
  const batches: StockUpdate[][] = [];
  const channel: SalesChannel = {
    notifyFulfilment: async () => undefined,
    maxStockBatch: 10,
    pushStock: async (batch) => {
      batches.push([...batch]);
      return {
        skipped: batch.filter((l) => l.sku === 'SKU-12').map((l) => ({ sku: l.sku, reason: 'unknown' })),
      };
    },
  };
  return { channel, batches };
}

const options = (mayStart: () => boolean) => ({
  signal: new AbortController().signal,
  now: new Date('2026-12-07T10:00:00Z'),
  batchKey: 'c:0',
  first: 0,
  mayStart,
});

describe('pushInBatches', () => {
  it('sends every batch while it may start new ones, and says all were sent', async () => {
    const { channel, batches } = countingChannel();
    const outcome = await pushInBatches(
      channel,
      levels(35),
      options(() => true),
      3,
    );
    expect(outcome.sent).toBe(35);
    expect(batches.map((b) => b.length).sort()).toEqual([10, 10, 10, 5]);
    expect(outcome.skipped).toEqual([{ sku: 'SKU-12', reason: 'unknown' }]);
  });

  it('starts no batch once its time is up: what was sent is a prefix, the rest left for the next run', async () => {
    const { channel, batches } = countingChannel();
    // Two batches may start; then the run's time is up.
    const outcome = await pushInBatches(
      channel,
      levels(35),
      options(() => batches.length < 2),
      1,
    );
    expect(outcome.sent).toBe(20);
    expect(batches.flat().map((l) => l.sku)).toEqual(levels(20).map((l) => l.sku));
  });
});
