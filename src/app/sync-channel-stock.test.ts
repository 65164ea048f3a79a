import { describe, expect, it } from 'vitest';
import type { SalesChannel, StockUpdate } from '../connectors/channels/sales-channel.ts';
import { throttledFor } from '../connectors/shared/http-failure.ts';
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
    expect(outcome.sent).toHaveLength(35);
    expect(outcome.throttledForMs).toBeNull();
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
    expect(outcome.sent).toEqual(levels(20));
    expect(batches.flat()).toEqual(levels(20));
  });

  it("stops at the platform's rate limit, keeping what was sent, and says how long it asked to wait", async () => {
    const batches: StockUpdate[][] = [];
    const channel: SalesChannel = {
      notifyFulfilment: async () => undefined,
      maxStockBatch: 10,
      pushStock: async (batch) => {
        // The third batch finds the limit spent: nothing of it was sent.
        if (batches.length === 2) throw throttledFor(new Error('no request left for 60 s'), 60_000);
        batches.push([...batch]);
        return {
          skipped: [],
          pending: [{ reportId: `feed-${batches.length}`, skus: batch.map((l) => l.sku) }],
        };
      },
    };
    const outcome = await pushInBatches(
      channel,
      levels(50),
      options(() => true),
      1,
    );
    expect(outcome.throttledForMs).toBe(60_000);
    expect(outcome.sent).toEqual(levels(20));
    expect(outcome.pending.map((p) => p.reportId)).toEqual(['feed-1', 'feed-2']);
  });

  it('fails the run on any other failure', async () => {
    const channel: SalesChannel = {
      notifyFulfilment: async () => undefined,
      maxStockBatch: 10,
      pushStock: async () => {
        throw new Error('503 from the platform');
      },
    };
    await expect(
      pushInBatches(
        channel,
        levels(30),
        options(() => true),
        2,
      ),
    ).rejects.toThrow('503');
  });
});
