import { listChannelIds, listChannelIdsWithPrices } from '../store/channels.repo.ts';
import { ensureFulfilmentRequests } from './answer-fulfilment-requests.ts';
import type { AppContext } from './context.ts';
import { ensureCatchUp } from './catch-up-channel.ts';
import { ensureBackorderFill } from './fill-backorders.ts';
import { ensureAckSweep } from './enforce-supplier-slas.ts';
import { ensureDatabaseMaintenance } from './maintain-database.ts';
import { queuePriceSync } from './sync-channel-prices.ts';
import { ensureStockSync } from './sync-channel-stock.ts';
import { ensureSupplierReceives } from './receive-supplier-answers.ts';
import { ensureFeedPulls } from './pull-feed.ts';

/**
 * Every channel's and supplier's background work, queued where it is missing: the stock sync, the catch-up poll and
 * the look at fulfilment requests (one recurring job each, by key), the look for the answers of suppliers whose
 * transport receives them, the pull of suppliers' feeds from a URL or an SFTP folder, the filling of backorders when
 * stock comes back, the sweep of overdue acknowledgements and the database's housekeeping. At start (`resume`), also
 * a price sync for every channel with prices (it sends only what the channel was not told; a setup change queues its
 * own).
 */
export async function ensureChannelJobs(ctx: AppContext, options: { resume?: boolean } = {}): Promise<void> {
  await ensureStockSync(ctx);
  await ctx.store.transact(async (tx) => {
    await ensureBackorderFill(ctx, tx);
    await ensureAckSweep(ctx, tx);
    await ensureDatabaseMaintenance(ctx, tx);
    await ensureSupplierReceives(ctx, tx);
    await ensureFeedPulls(ctx, tx);
  });
  const channels = await listChannelIds(ctx.store.db);
  if (channels.length === 0) return;
  const withPrices = !options.resume ? [] : await listChannelIdsWithPrices(ctx.store.db);
  await ctx.store.transact(async (tx) => {
    await ensureCatchUp(ctx, tx, channels);
    await ensureFulfilmentRequests(ctx, tx, channels);
    await queuePriceSync(ctx, tx, withPrices, ctx.clock.now().getTime());
  });
}
