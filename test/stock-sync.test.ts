import { afterEach, beforeEach, expect, it } from 'vitest';
import { syncChannelStockJob } from '../src/app/sync-channel-stock.ts';
import { startStorefrontSim, type StorefrontSim } from '../sim/storefront.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, SECRETS, SUPPLIER_TOKENS, startTestHub, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';
import { STOREFRONT_STOCK_BATCH } from '../src/connectors/channels/storefront/index.ts';

type Levels = { sku: string; available: number }[];

describeEachDatabase('stock out to channels', (dialect) => {
  let t: TestHub;
  let shop: StorefrontSim;
  let setup: (allocation?: { sharePercent: number }) => unknown;
  const inventory = () =>
    [...shop.events.values()]
      .filter((e) => e.type === 'inventory.updated')
      .map((e) => (e.data as { levels: Levels }).levels);
  const lastTold = () =>
    Object.fromEntries(
      inventory()
        .flat()
        .map((l) => [l.sku, l.available]),
    );
  const recordedAsTold = async (like: string) =>
    Number(
      (
        await t.hub.store.db
          .selectFrom('channel_stock')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('sku', 'like', like)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const syncErrors = async () =>
    (
      await t.hub.store.db
        .selectFrom('jobs')
        .select('last_error')
        .where('kind', '=', syncChannelStockJob.kind)
        .where('last_error', 'is not', null)
        .execute()
    ).map((j) => j.last_error);

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    shop = await startStorefrontSim({
      hubUrl: t.url,
      apiKey: t.adminKey,
      channelId: 'storefront',
      notifySecret: SECRETS.storefront,
    });
    const products = Array.from({ length: 250 }, (_, i) => ({
      sku: `SKU-${String(i).padStart(3, '0')}`,
      name: `Product ${i}`,
      offers: [
        {
          supplier: 'prompt',
          supplierSku: `P-${i}`,
          cost: { amount: 100, currency: 'USD' },
          stock: 10 + (i % 5),
        },
      ],
    }));
    setup = (allocation?: { sharePercent: number }) => ({
      apiVersion: 'waybill/v1',
      channels: [
        {
          id: 'storefront',
          kind: 'storefront',
          name: 'Shop',
          currency: 'USD',
          notifyUrl: shop.notifyUrl,
          notifySecret: SECRETS.storefront,
          ...(allocation ? { allocation } : {}),
        },
      ],
      suppliers: [
        {
          id: 'prompt',
          name: 'Prompt',
          currency: 'USD',
          apiToken: SUPPLIER_TOKENS.prompt,
          transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
        },
      ],
      products,
    });
    const answer = await t.api('/api/v1/setup', { body: setup() });
    expect(answer.status).toBe(200);
  });
  afterEach(async () => {
    await shop?.close();
    await t?.close();
  });

  it('tells the channel every SKU once, in one batch while they fit in one', async () => {
    await until('all 250 SKUs told', () => Object.keys(lastTold()).length === 250);
    expect(inventory().map((batch) => batch.length)).toEqual([250]);
    expect(lastTold()['SKU-003']).toBe(13);
    // The stock list shows what the channel was told beside each level, a page at a time, by SKU prefix.
    await until('recorded as told', async () => {
      const level = (await t.api('/api/v1/stock?sku=SKU-003')).body.levels[0];
      return level?.channels[0]?.told === 13;
    });
    const page = await t.api('/api/v1/stock?q=SKU-00&limit=4');
    expect(page.body.levels.map((l: any) => l.sku)).toEqual(['SKU-000', 'SKU-001', 'SKU-002', 'SKU-003']);
    expect(page.body.levels[3]).toMatchObject({
      available: 13,
      channels: [{ channelId: 'storefront', told: 13, toldAt: expect.any(String) }],
    });
    const rest = await t.api(`/api/v1/stock?q=SKU-00&limit=4&after=${page.body.next}`);
    expect(rest.body.levels.map((l: any) => l.sku)).toEqual(['SKU-004', 'SKU-005', 'SKU-006', 'SKU-007']);
    // The channel list says when the channel was last told a level.
    const [channel] = (await t.api('/api/v1/channels')).body.channels;
    expect(Date.parse(channel.lastStockSyncAt)).toBeGreaterThan(0);
    const last = await t.api('/api/v1/stock?q=SKU-00&after=SKU-007');
    expect([last.body.levels.map((l: any) => l.sku), last.body.next]).toEqual([['SKU-008', 'SKU-009'], null]);
  });

  it('coalesces a burst of changes into the latest value, and sends nothing that did not change', async () => {
    await until('initial sync', () => Object.keys(lastTold()).length === 250);
    const before = inventory().length;
    // Ten orders for one SKU at once, then wait for the channel to hear about it.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.api('/api/v1/channels/storefront/orders', {
          body: orderBody(`burst-${i}`, [{ sku: 'SKU-000', quantity: 1 }]),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    await until('the channel hears 0', () => lastTold()['SKU-000'] === 0);
    const later = inventory().slice(before);
    // One or two updates (the burst may straddle a sync), never ten; and only the SKU that changed.
    expect(later.length).toBeLessThanOrEqual(2);
    expect(new Set(later.flat().map((l) => l.sku))).toEqual(new Set(['SKU-000']));
    await new Promise((r) => setTimeout(r, 2_500));
    expect(inventory().length).toBe(before + later.length);
  });

  it('syncs a change of more SKUs than one statement can bind', async () => {
    await until('initial sync', () => Object.keys(lastTold()).length === 250);
    // 40,000 levels written at once (a supplier feed, say): more than SQLite or PostgreSQL bind in one statement.
    const bulk = 40_000;
    const sku = (i: number) => `BULK-${String(i).padStart(5, '0')}`;
    const now = Date.now();
    await t.hub.store.transact(async (tx) => {
      for (let i = 0; i < bulk; i += 2_000) {
        const skus = Array.from({ length: Math.min(2_000, bulk - i) }, (_, j) => ({
          sku: sku(i + j),
          index: i + j,
        }));
        await tx
          .insertInto('products')
          .values(skus.map((v) => ({ id: v.sku, name: v.sku, created_at: now, updated_at: now })))
          .execute();
        await tx
          .insertInto('variants')
          .values(
            skus.map((v) => ({
              sku: v.sku,
              product_id: v.sku,
              name: v.sku,
              gtin: null,
              created_at: now,
              updated_at: now,
            })),
          )
          .execute();
        await tx
          .insertInto('stock_levels')
          .values(
            skus.map((v) => ({
              sku: v.sku,
              bounded: 1,
              on_hand: 5 + (v.index % 7),
              reserved: 0,
              updated_at: now,
            })),
          )
          .execute();
      }
    });
    await until(
      'every bulk SKU recorded as told',
      async () => {
        const errors = await syncErrors();
        if (errors.length) throw new Error(`the stock sync failed: ${errors.join('; ')}`);
        return (await recordedAsTold('BULK-%')) === bulk;
      },
      60_000,
    );
    const told = lastTold();
    expect(Object.keys(told).filter((s) => s.startsWith('BULK-')).length).toBe(bulk);
    expect([told[sku(0)], told[sku(13)], told[sku(39_999)]]).toEqual([5, 11, 5 + (39_999 % 7)]);
    // In batches of the storefront's size, each bulk SKU sent once (a page's batches may end short of a full one).
    const bulkLevels = inventory()
      .flat()
      .filter((l) => l.sku.startsWith('BULK-'));
    expect(Math.max(...inventory().map((batch) => batch.length))).toBe(STOREFRONT_STOCK_BATCH);
    expect(bulkLevels.length).toBe(bulk);
  }, 90_000);

  it('a channel told a share of its stock hears its share of every change, also where what it was told equals what is left', async () => {
    await until('initial sync', async () => (await recordedAsTold('SKU-%')) === 250);
    expect((await t.api('/api/v1/setup', { body: setup({ sharePercent: 50 }) })).status).toBe(200);
    await until('the channel hears half of 10', () => lastTold()['SKU-000'] === 5);
    // 5 of 10 taken: 5 left, which is what the channel was told; half of it is 2.
    expect(
      (
        await t.api('/api/v1/channels/storefront/orders', {
          body: orderBody('share-1', [{ sku: 'SKU-000', quantity: 5 }]),
        })
      ).status,
    ).toBe(201);
    await until('the channel hears half of what is left', () => lastTold()['SKU-000'] === 2);
  });

  it('a reconciling pass corrects what drifted and records it', async () => {
    // Recorded, not only received: the record is written after the last batch is answered.
    await until('initial sync', async () => (await recordedAsTold('SKU-%')) === 250);
    // Waybill's record of what it told the channel says 999 for one SKU (a lost update, an edit on the channel…).
    await t.hub.store.transact((tx) =>
      tx.updateTable('channel_stock').set({ told: 999 }).where('sku', '=', 'SKU-007').execute(),
    );
    await t.hub.store.transact((tx) =>
      t.hub.ctx.queue.enqueue(tx, {
        kind: syncChannelStockJob.kind,
        key: 'reconcile-now',
        payload: { channelId: 'storefront', full: true },
      }),
    );
    await until(
      'the drift corrected',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('channel_stock')
            .select('told')
            .where('sku', '=', 'SKU-007')
            .executeTakeFirstOrThrow()
        ).told === 12,
    );
    const corrected = inventory().at(-1)!;
    expect(corrected).toEqual([{ sku: 'SKU-007', available: 12 }]);
    const events = await t.hub.store.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('type', '=', 'stock.reconciled')
      .execute();
    expect(events.map((e) => JSON.parse(e.data).corrected)).toEqual([1]);
  });
});

describeEachDatabase('available to promise', (dialect) => {
  let t: TestHub;
  afterEach(async () => {
    await t?.close();
  });

  it('a change of supply brings the next stock sync of every channel forward, in its transaction', async () => {
    t = await startTestHub(dialect);
    const doc = (stock: number) => ({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'prompt',
          name: 'Prompt',
          currency: 'USD',
          transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
        },
      ],
      products: [
        {
          sku: 'TRACKED',
          name: 'Tracked',
          offers: [{ supplier: 'prompt', supplierSku: 'P-1', cost: { amount: 100, currency: 'USD' }, stock }],
        },
      ],
    });
    expect((await t.api('/api/v1/setup', { body: doc(10) })).status).toBe(200);
    const later = Date.now() + 60_000;
    // The setup queued the channel's sync; it is not due for a minute (no worker runs here).
    await t.hub.store.transact((tx) =>
      tx
        .updateTable('jobs')
        .set({ run_at: later })
        .where('key', '=', syncChannelStockJob.key({ channelId: 'storefront' }))
        .execute(),
    );
    const runAt = async () =>
      (
        await t.hub.store.db
          .selectFrom('jobs')
          .select('run_at')
          .where('key', '=', syncChannelStockJob.key({ channelId: 'storefront' }))
          .executeTakeFirstOrThrow()
      ).run_at;
    expect(await runAt()).toBe(later);
    const before = Date.now();
    expect((await t.api('/api/v1/setup', { body: doc(7) })).status).toBe(200);
    expect(await runAt()).toBeGreaterThanOrEqual(before);
    expect(await runAt()).toBeLessThanOrEqual(Date.now());
  });

  it('follows offers, safety buffers and reservations, and is shown per SKU', async () => {
    t = await startTestHub(dialect);
    const doc = (buffer: number) => ({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'prompt',
          name: 'Prompt',
          currency: 'USD',
          safetyBuffer: buffer,
          transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
        },
        {
          id: 'flaky',
          name: 'Flaky',
          currency: 'USD',
          transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po2', signingSecret: SECRETS.flaky },
        },
      ],
      products: [
        {
          sku: 'TRACKED',
          name: 'Tracked',
          offers: [
            { supplier: 'prompt', supplierSku: 'P-1', cost: { amount: 100, currency: 'USD' }, stock: 10 },
            {
              supplier: 'flaky',
              supplierSku: 'F-1',
              cost: { amount: 90, currency: 'USD' },
              priority: 2,
              stock: 4,
            },
          ],
        },
        {
          sku: 'UNTRACKED',
          name: 'Untracked',
          offers: [{ supplier: 'prompt', supplierSku: 'P-2', cost: { amount: 100, currency: 'USD' } }],
        },
      ],
    });
    expect((await t.api('/api/v1/setup', { body: doc(0) })).status).toBe(200);
    const levels = async () =>
      Object.fromEntries((await t.api('/api/v1/stock')).body.levels.map((l: any) => [l.sku, l.available]));
    expect(await levels()).toEqual({ TRACKED: 14, UNTRACKED: null });
    expect((await t.api('/api/v1/setup', { body: doc(3) })).body.updated).toEqual(['supplier prompt']);
    expect(await levels()).toEqual({ TRACKED: 11, UNTRACKED: null });
    expect(
      (
        await t.api('/api/v1/channels/storefront/orders', {
          body: orderBody('atp-1', [{ sku: 'TRACKED', quantity: 4 }]),
        })
      ).status,
    ).toBe(201);
    expect(await levels()).toEqual({ TRACKED: 7, UNTRACKED: null });
    const one = await t.api('/api/v1/stock?sku=TRACKED');
    expect(one.body.levels).toEqual([
      { sku: 'TRACKED', onHand: 11, reserved: 4, available: 7, channels: [] },
    ]);
    expect((await t.api('/api/v1/channels')).body.channels[0].lastStockSyncAt).toBeNull();
  });
});
