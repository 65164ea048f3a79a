/**
 * Runs `work` for every item, at most `limit` at a time, and settles when all have; the first failure rejects
 * (after the ones running have settled, so nothing is left running behind the caller's back).
 *
 * @example
 * await eachWithLimit(acknowledgements, 16, (ack) => acknowledgePurchaseOrder(ctx, supplierId, ack.poNumber, ack.lines));
 */
export async function eachWithLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
