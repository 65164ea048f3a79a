import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { startAmazonSim } from '../sim/amazon.ts';
import { startBigCommerceSim } from '../sim/bigcommerce.ts';
import { startEbaySim } from '../sim/ebay.ts';
import { startMagentoSim } from '../sim/magento.ts';
import { createShopifySim } from '../sim/shopify.ts';
import { startStorefrontSim } from '../sim/storefront.ts';
import { startSupplierSim } from '../sim/supplier.ts';
import { createWooCommerceSim } from '../sim/woocommerce.ts';
import { allocatedToChannel, type Allocation } from '../src/domain/stock.ts';
import { salesChannels } from '../src/connectors/channels/registry.ts';
import { wakeJobs } from '../src/jobs/queue.ts';
import { openStore } from '../src/store/store.ts';
import { productsOfPrompt } from './support/channel-test.ts';
import { HubProcess, freePort, runCli } from './support/crash-process.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';
import { orderBody, SECRETS, SUPPLIER_TOKENS } from './support/hub.ts';
import { until } from './support/until.ts';

const SECRET_KEY = 'cd'.repeat(32);
/** One pool of 100 units, sold on every channel at once. */
const STOCK = { 'SIX-A': 40, 'SIX-B': 25, 'SIX-C': 20, 'SIX-D': 15 } as const;
const SKUS = Object.keys(STOCK) as (keyof typeof STOCK)[];
/** Each channel's orders: about two units each, so demand is several times the pool. */
const ORDERS_PER_CHANNEL = 60;
const CLIENTS_PER_CHANNEL = 4;
/** "A SKU at zero, every channel within seconds": the sync runs every second per channel. */
const ZERO_WITHIN_MS = 10_000;

interface Line {
  sku: string;
  quantity: number;
}

/**
 * One channel of a kind, against its platform's simulator: its setup entry (with its allocation and backorder
 * policy), a way to place an order through the platform's own path into Waybill, and the stock its store shows.
 */
interface Seller {
  id: string;
  allocation: Allocation | null;
  policy: 'accept' | 'cancel';
  setup: Record<string, unknown>;
  /** Places order i; true when the platform's path into Waybill took it (a 2xx, or the poll will find it). */
  place(i: number, lines: readonly Line[]): Promise<boolean>;
  /** The level the store last holds of the SKU, as Waybill set it. */
  shows(sku: string): number | undefined;
  /** Requests the platform's simulator found breaking its published contract, where it checks them. */
  violations?(): unknown[];
  close(): Promise<void>;
}

interface Hubs {
  /** Where each platform sends its webhooks: the hubs take turns. */
  webhookBase(n: number): string;
  operatorKey: string;
  /**
   * Brings the channel's catch-up poll forward, as a notification of a new order does (Amazon's ORDER_CHANGE): a
   * marketplace's own cadence is a minute or more.
   */
  wakePoll(channelId: string): Promise<void>;
}

const lastLevels = () => {
  const levels = new Map<string, number>();
  return { levels, heard: (sku: string, available: number) => levels.set(sku, available) };
};

/** Every kind of channel this test can sell through, by kind. A kind joins by an entry here. */
const SELLERS: Record<string, (hubs: Hubs) => Promise<Seller>> = {
  storefront: async (hubs) => {
    const sim = await startStorefrontSim({
      hubUrl: hubs.webhookBase(0),
      apiKey: hubs.operatorKey,
      channelId: 'six-storefront',
      notifySecret: SECRETS.storefront,
    });
    return {
      id: 'six-storefront',
      allocation: null,
      policy: 'accept',
      setup: {
        kind: 'storefront',
        notifyUrl: sim.notifyUrl,
        notifySecret: SECRETS.storefront,
      },
      place: async (i, lines) => {
        const answer = await sim.placeOrder(orderBody(`six-sf-${i}`, [...lines]));
        return answer.status === 201;
      },
      shows: (sku) => {
        let shown: number | undefined;
        for (const event of sim.events.values()) {
          if (event.type !== 'inventory.updated') continue;
          for (const level of (event.data as { levels: { sku: string; available: number }[] }).levels)
            if (level.sku === sku) shown = level.available;
        }
        return shown;
      },
      close: () => sim.close(),
    };
  },
  shopify: async (hubs) => {
    const shopDomain = 'six-channels.myshopify.com';
    const secret = 'six-shopify-client-secret-01';
    const accessToken = 'shpat_six_channels_token_000000001';
    const shop = createShopifySim({
      shopDomain,
      webhookUrl: `${hubs.webhookBase(1)}/webhooks/shopify/six-shopify`,
      secret,
      seed: 61,
    });
    // Shopify Plus: the refunds of the lines it cancels and the stock pushes share the bucket.
    const admin = await shop.startAdmin({ accessToken, maximumAvailable: 20_000, restoreRate: 1_000 });
    shop.seedCatalog(SKUS, 0);
    const stock = lastLevels();
    shop.onStock(stock.heard);
    return {
      id: 'six-shopify',
      allocation: { cap: 10 },
      policy: 'cancel',
      setup: { kind: 'shopify', shopDomain, adminUrl: admin.url, webhookSecret: secret, accessToken },
      place: async (i, lines) => {
        const items = lines.map((l, n) => ({ sku: l.sku, variantId: 61_000 + n, price: '10.00' }));
        const order = shop.makeOrder(
          i,
          items,
          lines.map((l) => l.quantity),
        );
        return (await shop.deliver('orders/create', order, { maxAttempts: 3 })).status === 200;
      },
      shows: (sku) => stock.levels.get(sku),
      close: () => admin.close(),
    };
  },
  woocommerce: async (hubs) => {
    const port = await freePort();
    const secret = 'six-woocommerce-secret-0001';
    const keys = { consumerKey: `ck_${'6'.repeat(40)}`, consumerSecret: `cs_${'7'.repeat(40)}` };
    const store = createWooCommerceSim({
      storeUrl: `http://127.0.0.1:${port}`,
      webhookUrl: `${hubs.webhookBase(2)}/webhooks/woocommerce/six-woocommerce`,
      secret,
      seed: 62,
    });
    const rest = await store.startRest({ ...keys, port });
    store.seedCatalog(SKUS, 0);
    const stock = lastLevels();
    store.onStock(stock.heard);
    return {
      id: 'six-woocommerce',
      allocation: { sharePercent: 50 },
      policy: 'accept',
      setup: { kind: 'woocommerce', storeUrl: rest.url, webhookSecret: secret, ...keys },
      place: async (i, lines) => {
        const items = lines.map((l) => ({
          sku: l.sku,
          productId: rest.product(l.sku)!.id,
          price: '10.00',
          name: l.sku,
        }));
        const order = store.makeOrder(
          i,
          items,
          lines.map((l) => l.quantity),
        );
        const answer = await store.deliver('order.created', order, { maxAttempts: 3 });
        return answer.sent && answer.status === 200;
      },
      shows: (sku) => stock.levels.get(sku),
      close: () => rest.close(),
    };
  },
};

Object.assign(SELLERS, {
  ebay: async (hubs) => {
    const seller = {
      clientId: 'Six-Channels-PRD',
      clientSecret: 'PRD-six-channels-secret-01',
      refreshToken: 'v^1.1#i^1#six-channels-refresh-0001',
    };
    const sim = await startEbaySim({ ...seller, seed: 63 });
    sim.seedCatalog(SKUS, 0);
    const stock = lastLevels();
    sim.onStock(stock.heard);
    return {
      id: 'six-ebay',
      allocation: { cap: 8 },
      policy: 'cancel',
      setup: { kind: 'ebay', apiUrl: sim.url, marketplaceId: 'EBAY_US', ...seller },
      violations: () => sim.violations,
      place: async (i, lines) => {
        const items = lines.map((l) => ({ sku: l.sku, price: '10.00' }));
        const order = sim.makeOrder(i, items, { quantities: lines.map((l) => l.quantity) });
        // Placed now: the simulator dates order i i seconds after its start, and the poll reads up to its own start.
        const now = new Date().toISOString();
        sim.keep({ ...order, creationDate: now, lastModifiedDate: now });
        await hubs.wakePoll('six-ebay');
        return true;
      },
      shows: (sku) => stock.levels.get(sku),
      close: () => sim.close(),
    };
  },
  amazon: async (hubs) => {
    const credentials = {
      clientId: 'amzn1.application-oa2-client.six0000000000000000000000000000',
      clientSecret: 'amzn1.oa2-cs.v1.six-channels-secret-00000001',
      refreshToken: 'Atzr|six-channels-refresh-token-000000001',
    };
    // A seller granted a larger searchOrders plan than the default one a three minutes, so the test can poll often.
    const sim = await startAmazonSim({
      ...credentials,
      seed: 64,
      usagePlans: { searchOrders: { rate: 2, burst: 20 } },
    });
    sim.seedCatalog(SKUS, 0);
    const stock = lastLevels();
    sim.onStock(stock.heard);
    return {
      id: 'six-amazon',
      allocation: { sharePercent: 25 },
      policy: 'accept',
      setup: {
        kind: 'amazon',
        region: 'NA',
        marketplaceIds: [sim.marketplaceId],
        sellerId: sim.sellerId,
        endpoint: sim.url,
        lwaUrl: sim.lwaUrl,
        ...credentials,
      },
      violations: () => sim.violations,
      place: async (i, lines) => {
        const items = lines.map((l) => ({ sku: l.sku, price: '10.00' }));
        sim.makeOrder(i, items, { quantities: lines.map((l) => l.quantity) });
        await hubs.wakePoll('six-amazon');
        return true;
      },
      shows: (sku) => stock.levels.get(sku),
      close: () => sim.close(),
    };
  },
  bigcommerce: async (hubs) => {
    const accessToken = 'six-channels-bigcommerce-token-01';
    const webhookToken = 'six-channels-bigcommerce-hook-token-0001';
    // Pro: 450 requests per 30 s.
    const sim = await startBigCommerceSim({
      accessToken,
      seed: 66,
      rateLimit: { quota: 450, windowMs: 30_000 },
    });
    sim.seedCatalog(SKUS, 0);
    // The store's order hooks, with the header Waybill checks, as the merchant's API account creates them.
    sim.createHook({
      scope: 'store/order/*',
      destination: `${hubs.webhookBase(3)}/webhooks/bigcommerce/six-bigcommerce/orders`,
      headers: { 'X-Waybill-Webhook-Token': webhookToken },
    });
    const stock = lastLevels();
    sim.onStock(stock.heard);
    return {
      id: 'six-bigcommerce',
      allocation: { sharePercent: 80 },
      policy: 'accept',
      setup: {
        kind: 'bigcommerce',
        storeHash: sim.storeHash,
        apiUrl: sim.url,
        accessToken,
        webhookToken,
      },
      violations: () => [...sim.violations],
      place: async (i, lines) => {
        const items = lines.map((l) => ({ sku: l.sku, price: '10.00' }));
        const order = sim.makeOrder(i, items, { quantities: lines.map((l) => l.quantity) });
        const callbacks = await sim.place(order);
        return callbacks.every((c) => c.delivered);
      },
      shows: (sku) => stock.levels.get(sku),
      close: async () => {
        await sim.settled();
        await sim.close();
      },
    };
  },
  magento: async (hubs) => {
    const integration = {
      consumerKey: 'sixchannelsconsumerkey0000000001',
      consumerSecret: 'sixchannelsconsumersecret0000001',
      accessToken: 'sixchannelsaccesstoken0000000001',
      accessTokenSecret: 'sixchannelsaccesstokensecret0001',
    };
    const sim = await startMagentoSim({ integration, seed: 65 });
    sim.seedCatalog(SKUS, 0);
    const stock = lastLevels();
    sim.onStock(stock.heard);
    return {
      id: 'six-magento',
      allocation: { cap: 12 },
      policy: 'cancel',
      setup: { kind: 'magento', baseUrl: sim.url, ...integration },
      violations: () => sim.violations,
      place: async (i, lines) => {
        const items = lines.map((l) => ({ sku: l.sku, price: '10.00' }));
        sim.placeOrder(i, items, { quantities: lines.map((l) => l.quantity) });
        await hubs.wakePoll('six-magento');
        return true;
      },
      shows: (sku) => stock.levels.get(sku),
      close: () => sim.close(),
    };
  },
} satisfies Record<string, (hubs: Hubs) => Promise<Seller>>);

/** The kinds Waybill has that this test sells through. */
const KINDS = salesChannels
  .all()
  .map((k) => k.kind)
  .filter((kind) => SELLERS[kind]);

function setup(sellers: readonly Seller[], supplierUrl: string) {
  return {
    apiVersion: 'waybill/v1',
    channels: sellers.map((s) => ({
      id: s.id,
      name: s.id,
      currency: 'USD',
      backorderPolicy: s.policy,
      ...(s.allocation && { allocation: s.allocation }),
      ...s.setup,
    })),
    suppliers: [
      {
        id: 'prompt',
        name: 'Prompt',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        transport: { kind: 'rest-json', url: supplierUrl, signingSecret: SECRETS.prompt },
      },
    ],
    products: productsOfPrompt(SKUS, (i) => STOCK[SKUS[i]!]),
  };
}

/** Order i of any channel: one or two SKUs, one or two units each. */
function linesOf(i: number): Line[] {
  return [
    { sku: SKUS[i % 4]!, quantity: 1 + (i % 2) },
    ...(i % 3 === 0 ? [{ sku: SKUS[(i + 1) % 4]!, quantity: 1 }] : []),
  ];
}

describeEachDatabase(`never oversell: ${KINDS.join(', ')} at once, two hub processes`, (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it(
    `orders for the same ${SKUS.length} SKUs from every channel at once: no unit sold twice, each channel told its allocation, and zero within seconds`,
    { timeout: 240_000 },
    async () => {
      const database = await createTestDatabase(dialect);
      cleanups.push(() => database.drop());
      const ports = [await freePort(), await freePort()];
      const urls = ports.map((port) => `http://127.0.0.1:${port}`);
      const base = {
        ...process.env,
        DATABASE_URL: database.url,
        WAYBILL_SECRET_KEY: SECRET_KEY,
        HOST: '127.0.0.1',
        WAYBILL_POLL_MS: '100',
      };
      await runCli(['migrate'], base);
      const operatorKey = (await runCli(['keys', 'create', '--role', 'operator'], base))
        .trim()
        .split('\n')
        .at(-1)!;
      const supplier = await startSupplierSim({
        name: 'prompt',
        signingSecret: SECRETS.prompt,
        hubUrl: urls[0]!,
        apiToken: SUPPLIER_TOKENS.prompt,
        autoFulfil: false,
      });
      cleanups.push(() => supplier.close());
      const store = await openStore(database.url);
      cleanups.push(() => store.close());
      const hubs: Hubs = {
        webhookBase: (n) => urls[n % urls.length]!,
        operatorKey,
        wakePoll: async (channelId) => {
          await wakeJobs(store.db, { key: `channel.catch-up:${channelId}` }, Date.now());
        },
      };
      const sellers: Seller[] = [];
      for (const kind of KINDS) {
        const seller = await SELLERS[kind]!(hubs);
        cleanups.push(() => seller.close());
        sellers.push(seller);
      }
      const dir = mkdtempSync(join(tmpdir(), 'waybill-oversell6-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'setup.json'), JSON.stringify(setup(sellers, supplier.url)));
      await runCli(['apply', join(dir, 'setup.json')], base);
      for (const [n, url] of urls.entries()) {
        const hub = new HubProcess(url, { ...base, PORT: String(ports[n]) });
        cleanups.push(() => hub.stop());
        onTestFailed(() => console.error(hub.logTail()));
        await hub.start();
      }

      const shown = (seller: Seller) => Object.fromEntries(SKUS.map((sku) => [sku, seller.shows(sku)]));
      const describeShown = () => sellers.map((s) => `${s.id} ${JSON.stringify(shown(s))}`).join('; ');
      // Before any order: each store shows its allocation of the pool, the same pool on every channel.
      for (const seller of sellers) {
        const expected = Object.fromEntries(
          SKUS.map((sku) => [sku, allocatedToChannel(STOCK[sku], seller.allocation)]),
        );
        await until(
          `${seller.id} to show its allocation ${JSON.stringify(expected)}`,
          () => JSON.stringify(shown(seller)) === JSON.stringify(expected),
          20_000,
          describeShown,
        );
      }

      // Every channel at once, several clients each, all asking for the same SKUs.
      const taken = new Map<string, number>(sellers.map((s) => [s.id, 0]));
      await Promise.all(
        sellers.flatMap((seller, s) => {
          let next = 0;
          return Array.from({ length: CLIENTS_PER_CHANNEL }, async () => {
            for (let i = next++; i < ORDERS_PER_CHANNEL; i = next++) {
              // Each channel numbers its orders apart, and its mix of SKUs starts elsewhere.
              if (await seller.place(i, linesOf(i + s))) taken.set(seller.id, taken.get(seller.id)! + 1);
            }
          });
        }),
      );
      for (const seller of sellers) expect(taken.get(seller.id), seller.id).toBe(ORDERS_PER_CHANNEL);
      const ordersByChannel = async () =>
        Object.fromEntries(
          (
            await store.db
              .selectFrom('orders')
              .select('channel_id')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .groupBy('channel_id')
              .execute()
          ).map((r) => [r.channel_id, Number(r.n)]),
        );
      await until(
        'every order taken in',
        async () => {
          const counts = await ordersByChannel();
          return sellers.every((s) => counts[s.id] === ORDERS_PER_CHANNEL);
        },
        30_000,
        async () => JSON.stringify(await ordersByChannel()),
      );

      // Every unit promised once, and not one more: demand is several times the pool.
      const unitsBySku = async (
        query: Promise<{ sku: string; units: number | string | null }[]>,
      ): Promise<Record<string, number>> =>
        Object.fromEntries((await query).map((r) => [r.sku, Number(r.units)]));
      const levels = await store.db.selectFrom('stock_levels').selectAll().orderBy('sku').execute();
      for (const level of levels) {
        expect(level.on_hand, level.sku).toBe(STOCK[level.sku as keyof typeof STOCK]);
        expect(level.reserved, level.sku).toBe(STOCK[level.sku as keyof typeof STOCK]);
      }
      expect(
        await unitsBySku(
          store.db
            .selectFrom('reservations')
            .select('sku')
            .select((eb) => eb.fn.sum<number>('quantity').as('units'))
            .where('state', '=', 'open')
            .groupBy('sku')
            .execute(),
        ),
      ).toEqual(STOCK);
      expect(
        await unitsBySku(
          store.db
            .selectFrom('order_lines')
            .select('sku')
            .select((eb) => eb.fn.sum<number>('quantity').as('units'))
            .where('state', '=', 'routed')
            .groupBy('sku')
            .execute(),
        ),
      ).toEqual(STOCK);
      // The pool was shared: the orders did arrive at once, not one channel after another.
      const routedByChannel = await store.db
        .selectFrom('order_lines')
        .innerJoin('orders', 'orders.id', 'order_lines.order_id')
        .select('orders.channel_id')
        .distinct()
        .where('order_lines.state', '=', 'routed')
        .execute();
      expect(routedByChannel.length).toBeGreaterThan(1);

      // Every line left without stock followed its channel's policy.
      const short = await store.db
        .selectFrom('order_lines')
        .innerJoin('orders', 'orders.id', 'order_lines.order_id')
        .select(['orders.channel_id', 'order_lines.state'])
        .distinct()
        .where('order_lines.state', '!=', 'routed')
        .execute();
      for (const row of short) {
        const policy = sellers.find((s) => s.id === row.channel_id)!.policy;
        expect(row.state, row.channel_id).toBe(policy === 'accept' ? 'backordered' : 'cancelled');
      }

      // Every SKU is at zero: every store is told so within seconds.
      const zero = Object.fromEntries(SKUS.map((sku) => [sku, 0]));
      await until(
        'every store to show zero of every SKU',
        () => sellers.every((s) => JSON.stringify(shown(s)) === JSON.stringify(zero)),
        ZERO_WITHIN_MS,
        describeShown,
      );
      for (const seller of sellers) expect(seller.violations?.() ?? [], seller.id).toEqual([]);
    },
  );
});
