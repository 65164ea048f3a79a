import { POLLED_REFUSED_TOPIC } from '../../src/app/polled-order.ts';
import { wakeJobs } from '../../src/jobs/queue.ts';
import { testSetup, type TestHub } from './hub.ts';
import { until } from './until.ts';

/**
 * What every offer of testSetup has in stock in the channels' hub tests. An offer that reports no stock leaves its
 * SKU unbounded, and an unbounded SKU is not managed on a channel: so every offer reports some.
 */
export const CHANNEL_TEST_STOCK: Readonly<Record<string, number>> = {
  'MUG-BLUE': 20,
  'TEE-RED-M': 7,
  'LAMP-OAK': 5,
};

/** BULK-000, BULK-001, …: enough SKUs for a stock sync to go out in batches. */
export function bulkSkus(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `BULK-${String(i).padStart(3, '0')}`);
}

/**
 * Products sold by the supplier "prompt" of testSetup alone (supplier SKU `P-<sku>`, cost $1.00), the i-th SKU at
 * `stock(i)` units.
 *
 * @example
 * productsOfPrompt(['SIX-A', 'SIX-B'], (i) => [40, 25][i]!);
 */
export function productsOfPrompt(skus: readonly string[], stock: (i: number) => number) {
  return skus.map((sku, i) => ({
    sku,
    name: sku,
    offers: [
      {
        supplier: 'prompt',
        supplierSku: `P-${sku}`,
        cost: { amount: 100, currency: 'USD' },
        stock: stock(i),
      },
    ],
  }));
}

/**
 * testSetup with CHANNEL_TEST_STOCK on its offers, the bulk products if any (productsOfPrompt), and `channel` (a
 * setup entry, secrets and all) beside the storefront, for `t.apply`.
 *
 * @example
 * await t.apply(setupWithChannel(urls, { id: 'mage', kind: 'magento', name: 'Magento store', currency: 'USD', ... }));
 */
export function setupWithChannel(
  suppliers: { prompt: string; flaky: string },
  channel: Record<string, unknown>,
  options: { bulk?: { skus: readonly string[]; stock(i: number): number }; publicUrl?: string } = {},
) {
  const doc = testSetup(suppliers);
  const stocked = doc.products.map((product) => ({
    ...product,
    offers: product.offers.map((offer) => ({ ...offer, stock: CHANNEL_TEST_STOCK[product.sku] })),
  }));
  const bulk = options.bulk ? productsOfPrompt(options.bulk.skus, options.bulk.stock) : [];
  return {
    ...doc,
    ...(options.publicUrl && { publicUrl: options.publicUrl }),
    channels: [...doc.channels, channel],
    products: [...stocked, ...bulk],
  };
}

/** What a channel's hub test needs to know of its platform. `O` is the simulator's order. */
export interface ChannelTestOptions<O> {
  /** The hub of the running test (each test starts its own). */
  hub: () => TestHub;
  channelId: string;
  /** The platform's name, as a timed-out wait names it. */
  platform: string;
  /** The order's id at the platform, as Waybill keeps it (orders.external_id). */
  externalId: (order: O) => string;
  /** How many calls the platform's simulator has answered that a poll makes last: a new one says the poll ran. */
  pollReads?: () => number;
}

/**
 * Reading and driving a hub with one sales channel, for the channels' hub tests: the catch-up poll brought forward
 * and waited for, an order's view by its platform's order, the channel's orders, events, refunds, dead letters.
 *
 * @example
 * const { poll, viewOf } = channelTest({ hub: () => t, channelId: 'mage', platform: 'Magento',
 *   externalId: (o: SimOrder) => String(o.entity_id), pollReads: () => sim.calls.length });
 * await poll();
 * expect((await viewOf(order)).state).toBe('cancelled');
 */
export function channelTest<O>(options: ChannelTestOptions<O>) {
  const { channelId, platform } = options;
  const db = () => options.hub().hub.store.db;
  const api = (path: string) => options.hub().api(path);
  const pollKey = `channel.catch-up:${channelId}`;

  /** The poll has run and is waiting for its next time (a minute or more away), and what it found is processed. */
  const pollIdle = async (): Promise<boolean> => {
    const job = await db()
      .selectFrom('jobs')
      .select(['state', 'run_at'])
      .where('key', '=', pollKey)
      .executeTakeFirst();
    // An order the poll could not read stays unprocessed (its delivery is dead-lettered): it is not waited for.
    const waiting = await db()
      .selectFrom('channel_deliveries')
      .select('processed_at')
      .where('processed_at', 'is', null)
      .where('topic', '!=', POLLED_REFUSED_TOPIC)
      .execute();
    return job?.state === 'pending' && Number(job.run_at) > Date.now() + 30_000 && waiting.length === 0;
  };

  /** Brings the poll forward to now, as a platform's notification does. */
  const wakePoll = async (): Promise<void> => {
    await wakeJobs(db(), { key: pollKey }, Date.now());
  };

  /** Brings the poll forward and waits until it ran and what it found is processed. */
  const poll = async (): Promise<void> => {
    const reads = options.pollReads ?? (() => 0);
    const before = reads();
    await wakePoll();
    await until(
      `the ${platform} poll ran and what it found processed`,
      async () => (!options.pollReads || reads() > before) && (await pollIdle()),
    );
  };

  /** The order's view (GET /api/v1/orders/:id) by the platform's order; undefined while Waybill has none. */
  const viewOf = async (order: O) => {
    const row = await db()
      .selectFrom('orders')
      .select('id')
      .where('channel_id', '=', channelId)
      .where('external_id', '=', options.externalId(order))
      .executeTakeFirst();
    return row ? (await api(`/api/v1/orders/${row.id}`)).body : undefined;
  };

  /** The refunds recorded for the order (`lines` read too when asked), Waybill's own after the platform's. */
  const refundsOf = async (order: O, read: { lines?: boolean } = {}) => {
    const rows = await db()
      .selectFrom('channel_refunds')
      .innerJoin('orders', 'orders.id', 'channel_refunds.order_id')
      .select(['refund_id', 'origin', 'amount', 'lines'])
      .where('orders.channel_id', '=', channelId)
      .where('orders.external_id', '=', options.externalId(order))
      .orderBy('origin')
      .execute();
    return rows.map(({ lines, ...r }) => ({
      ...r,
      amount: Number(r.amount),
      ...(read.lines && { lines: JSON.parse(lines) as unknown }),
    }));
  };

  return {
    /** Whether the order's purchase order to the supplier is accepted: the supplier has it, not shipped yet. */
    acceptedBy: async (order: O, supplierId: string): Promise<boolean> =>
      Boolean(
        (await viewOf(order))?.purchaseOrders.some(
          (po: any) => po.supplierId === supplierId && po.state === 'accepted',
        ),
      ),
    /** Cancels the order's line of the SKU as an operator does (POST /api/v1/orders/:id/cancel); the answer. */
    cancelLine: async (order: O, sku: string, reason: string) => {
      const view = await viewOf(order);
      const line = view.lines.find((l: any) => l.sku === sku);
      return options
        .hub()
        .api(`/api/v1/orders/${view.id}/cancel`, { body: { lines: [line.lineNumber], reason } });
    },
    wakePoll,
    poll,
    pollIdle,
    viewOf,
    refundsOf,
    /** How many orders of the channel the orders list shows. */
    orderCount: async (): Promise<number> =>
      (await api(`/api/v1/orders?channelId=${channelId}`)).body.orders.length,
    /** The data of every event of the type, oldest first. */
    eventsOf: async (type: string): Promise<any[]> =>
      (await db().selectFrom('events').select('data').where('type', '=', type).orderBy('seq').execute()).map(
        (e) => JSON.parse(e.data),
      ),
    /** The jobs of a kind, every column. */
    jobsOf: (kind: string) => db().selectFrom('jobs').selectAll().where('kind', '=', kind).execute(),
    /** Runs a finished job again (as an operator's replay does) and waits until it is done again. */
    runAgain: async (jobId: string, what: string): Promise<void> => {
      await db().updateTable('jobs').set({ state: 'pending', run_at: 0 }).where('id', '=', jobId).execute();
      await until(
        what,
        async () =>
          (await db().selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow())
            .state === 'done',
      );
    },
    /** The jobs that ran out of attempts, of every kind. */
    deadJobs: () =>
      db().selectFrom('jobs').select(['kind', 'last_error']).where('state', '=', 'dead').execute(),
    /** The webhook deliveries and polled orders that could not be processed, and why. */
    deadDeliveries: () =>
      db()
        .selectFrom('jobs')
        .select('last_error')
        .where('kind', '=', 'channel.delivery')
        .where('state', '=', 'dead')
        .execute(),
    /** The dead letters as the operator sees them (GET /api/v1/dead-letters). */
    deadLetters: async (): Promise<any[]> => (await api('/api/v1/dead-letters')).body.deadLetters,
    /** Available-to-promise by SKU, as GET /api/v1/stock reports it. */
    available: async (): Promise<Record<string, number>> =>
      Object.fromEntries((await api('/api/v1/stock')).body.levels.map((l: any) => [l.sku, l.available])),
    /** The parcels the suppliers reported, in the order they came. */
    shipments: () =>
      db().selectFrom('shipments').select(['id', 'carrier', 'tracking_number']).orderBy('id').execute(),
  };
}
