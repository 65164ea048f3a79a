import { ensureFulfilmentRequests } from './answer-fulfilment-requests.ts';
import type { AppContext } from './context.ts';
import { ensureCatchUp } from './catch-up-channel.ts';
import { ensureBackorderFill } from './fill-backorders.ts';
import { ensureAckSweep } from './send-purchase-order.ts';
import { ensureDatabaseMaintenance } from './maintain-database.ts';
import { queuePriceSync } from './sync-channel-prices.ts';
import { ensureStockSync } from './sync-channel-stock.ts';

/**
 * Every channel's background work, queued where it is missing: the stock sync, the catch-up poll and the look at
 * fulfilment requests (one recurring job each, by key), and the filling of backorders when stock comes back, the sweep of overdue acknowledgements and the database's housekeeping. At start (`resume`), also a price sync for every channel with prices (it sends only what the channel
 * was not told; a setup change queues its own).
 */
export async function ensureChannelJobs(ctx: AppContext, options: { resume?: boolean } = {}): Promise<void> {
  await ensureStockSync(ctx);
  await ctx.store.transact(async (tx) => {
    await ensureBackorderFill(ctx, tx);
    await ensureAckSweep(ctx, tx);
    await ensureDatabaseMaintenance(ctx, tx);
  });
  const channels = (await ctx.store.db.selectFrom('channels').select('id').execute()).map((c) => c.id);
  if (channels.length === 0) return;
  const withPrices = !options.resume
    ? []
    : (await ctx.store.db.selectFrom('channel_prices').select('channel_id').distinct().execute()).map(
        (r) => r.channel_id,
      );
  await ctx.store.transact(async (tx) => {
    await ensureCatchUp(ctx, tx, channels);
    await ensureFulfilmentRequests(ctx, tx, channels);
    await queuePriceSync(ctx, tx, withPrices, ctx.clock.now().getTime());
  });
}
