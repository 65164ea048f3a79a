import DataLoader from 'dataloader';

/**
 * One read for the many single reads asked for in the same turn of the event loop: the webhooks a poll of the
 * sockets brought in, the jobs a claim started. Nothing is cached: every key is read afresh, after it was asked for,
 * so what a caller gets is as current as its own read would have been. Keys asked twice in a turn are read once.
 *
 * `readMany` gets distinct keys (at most `maxBatch`) and answers what it found; a key it did not find is null.
 */
export function coalescedReads<K, V>(
  readMany: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
  maxBatch: number,
): (key: K) => Promise<V | null> {
  const loader = new DataLoader<K, V | null>(
    async (keys) => {
      const found = await readMany([...new Set(keys)]);
      return keys.map((k) => found.get(k) ?? null);
    },
    // setImmediate, not the default next tick: requests that arrived on different sockets are parsed in callbacks of
    // their own, and only a turn of the loop gathers them.
    { cache: false, maxBatchSize: maxBatch, batchScheduleFn: (run) => setImmediate(run) },
  );
  return (key) => loader.load(key);
}
