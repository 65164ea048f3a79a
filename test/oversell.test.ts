import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { startStorefrontSim, type StorefrontSim } from '../sim/storefront.ts';
import { startSupplierSim } from '../sim/supplier.ts';
import { openStore } from '../src/store/store.ts';
import { HubProcess, freePort, runCli } from './support/crash-process.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';
import { orderBody, SECRETS, SUPPLIER_TOKENS } from './support/hub.ts';

const SECRET_KEY = 'ab'.repeat(32);
const ORDERS = 5_000;
const PROCESSES = 3;
const CHANNELS = [
  { id: 'ch-1', policy: 'accept' },
  { id: 'ch-2', policy: 'accept' },
  { id: 'ch-3', policy: 'accept' },
  { id: 'ch-4', policy: 'cancel' },
  { id: 'ch-5', policy: 'cancel' },
] as const;
/** 100 units in all: SKU-A 30 + (15 − buffer 5), SKU-B 25, SKU-C 25 − 5, SKU-D 15. */
const STOCK = { 'SKU-A': 40, 'SKU-B': 25, 'SKU-C': 20, 'SKU-D': 15 } as const;

function setup(prompt: string, flaky: string, notifyUrls: readonly string[]) {
  // The flaky supplier keeps 5 units back.
  const supplier = (id: 'prompt' | 'flaky', url: string) => ({
    id,
    name: id,
    currency: 'USD',
    apiToken: SUPPLIER_TOKENS[id],
    safetyBuffer: id === 'flaky' ? 5 : 0,
    transport: { kind: 'rest-json', url, signingSecret: SECRETS[id] },
  });
  const offer = (supplier: string, stock: number, priority = 1) => ({
    supplier,
    supplierSku: `${supplier}-x`,
    cost: { amount: 100, currency: 'USD' },
    priority,
    stock,
  });
  return {
    apiVersion: 'waybill/v1',
    // Channels 4 and 5 cancel what they cannot have; the others take the order and wait for stock.
    channels: CHANNELS.map((c, i) => ({
      id: c.id,
      kind: 'storefront',
      name: c.id,
      currency: 'USD',
      backorderPolicy: c.policy,
      notifyUrl: notifyUrls[i],
      notifySecret: SECRETS.storefront,
    })),
    suppliers: [supplier('prompt', prompt), supplier('flaky', flaky)],
    products: [
      { sku: 'SKU-A', name: 'A', offers: [offer('prompt', 30), offer('flaky', 15, 2)] },
      { sku: 'SKU-B', name: 'B', offers: [offer('prompt', 25)] },
      { sku: 'SKU-C', name: 'C', offers: [offer('flaky', 25)] },
      { sku: 'SKU-D', name: 'D', offers: [offer('prompt', 15)] },
    ],
  };
}

describeEachDatabase('never oversell: five channels, concurrent clients, three hub processes', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it(
    `${ORDERS} orders for 100 units: accepted quantity never exceeds stock, every other line follows its channel's policy`,
    { timeout: 240_000 },
    async () => {
      const database = await createTestDatabase(dialect);
      cleanups.push(() => database.drop());
      const base = {
        ...process.env,
        DATABASE_URL: database.url,
        WAYBILL_SECRET_KEY: SECRET_KEY,
        HOST: '127.0.0.1',
        WAYBILL_POLL_MS: '200',
      };
      await runCli(['migrate'], base);
      const key = (await runCli(['keys', 'create', '--role', 'operator'], base)).trim().split('\n').at(-1)!;
      const prompt = await startSupplierSim({
        name: 'prompt',
        signingSecret: SECRETS.prompt,
        hubUrl: 'http://127.0.0.1:9',
        apiToken: SUPPLIER_TOKENS.prompt,
        autoFulfil: false,
      });
      const flaky = await startSupplierSim({
        name: 'flaky',
        signingSecret: SECRETS.flaky,
        hubUrl: 'http://127.0.0.1:9',
        apiToken: SUPPLIER_TOKENS.flaky,
        autoFulfil: false,
      });
      cleanups.push(
        () => prompt.close(),
        () => flaky.close(),
      );
      const dir = mkdtempSync(join(tmpdir(), 'waybill-oversell-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      // Each channel's storefront hears the stock Waybill tells it.
      const shops = await Promise.all(
        CHANNELS.map((c) =>
          startStorefrontSim({
            hubUrl: 'http://127.0.0.1:9',
            apiKey: key,
            channelId: c.id,
            notifySecret: SECRETS.storefront,
          }),
        ),
      );
      cleanups.push(...shops.map((shop) => () => shop.close()));
      writeFileSync(
        join(dir, 'setup.yaml'),
        JSON.stringify(
          setup(
            prompt.url,
            flaky.url,
            shops.map((shop) => shop.notifyUrl),
          ),
        ),
      );
      await runCli(['apply', join(dir, 'setup.yaml')], base);

      const store = await openStore(database.url);
      cleanups.push(() => store.close());

      const hubs = await Promise.all(
        Array.from({ length: PROCESSES }, async () => {
          const port = await freePort();
          const hub = new HubProcess(`http://127.0.0.1:${port}`, { ...base, PORT: String(port) });
          cleanups.push(() => hub.stop());
          onTestFailed(() => console.error(hub.logTail()));
          await hub.start();
          return hub;
        }),
      );

      // Five channels, eight clients each, spread over the three processes; lines of one or two SKUs, 1–2 units.
      const skus = Object.keys(STOCK);
      let next = 0;
      const answers: number[] = [];
      const client = async (channel: string, hubIndex: number) => {
        for (let i = next++; i < ORDERS; i = next++) {
          const lines = [
            { sku: skus[i % 4]!, quantity: 1 + (i % 2) },
            ...(i % 3 === 0 ? [{ sku: skus[(i + 1) % 4]!, quantity: 1 }] : []),
          ];
          const response = await fetch(
            `${hubs[(hubIndex + i) % PROCESSES]!.url}/api/v1/channels/${channel}/orders`,
            {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: JSON.stringify(orderBody(`o-${i}`, lines)),
            },
          );
          answers.push(response.status);
          await response.arrayBuffer();
        }
      };
      await Promise.all(
        CHANNELS.flatMap((c, ci) => Array.from({ length: 8 }, (_, k) => client(c.id, ci + k))),
      );
      expect(answers.filter((s) => s !== 201)).toEqual([]);
      expect(answers).toHaveLength(ORDERS);

      const db = store.db;
      const levels = await db.selectFrom('stock_levels').selectAll().orderBy('sku').execute();
      const open = await db
        .selectFrom('reservations')
        .select(['sku'])
        .select((eb) => eb.fn.sum<number>('quantity').as('units'))
        .where('state', '=', 'open')
        .groupBy('sku')
        .execute();
      const routedUnits = await db
        .selectFrom('order_lines')
        .select(['sku'])
        .select((eb) => eb.fn.sum<number>('quantity').as('units'))
        .where('state', '=', 'routed')
        .groupBy('sku')
        .execute();
      const poUnits = await db
        .selectFrom('purchase_order_lines')
        .select(['sku'])
        .select((eb) => eb.fn.sum<number>('quantity').as('units'))
        .groupBy('sku')
        .execute();
      const bySku = (rows: { sku: string; units: number | string }[]) =>
        Object.fromEntries(rows.map((r) => [r.sku, Number(r.units)]));
      for (const level of levels) {
        const stock = STOCK[level.sku as keyof typeof STOCK];
        expect(level.on_hand, level.sku).toBe(stock);
        // Demand is many times supply: every unit is promised, and not one more.
        expect(level.reserved, level.sku).toBe(stock);
      }
      expect(bySku(open)).toEqual(STOCK);
      expect(bySku(routedUnits)).toEqual(STOCK);
      expect(bySku(poUnits)).toEqual(STOCK);

      // Every line that got no stock followed its channel's policy.
      const short = await db
        .selectFrom('order_lines')
        .innerJoin('orders', 'orders.id', 'order_lines.order_id')
        .select(['orders.channel_id', 'order_lines.state'])
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('order_lines.state', '!=', 'routed')
        .groupBy(['orders.channel_id', 'order_lines.state'])
        .execute();
      for (const row of short) {
        const policy = CHANNELS.find((c) => c.id === row.channel_id)!.policy;
        expect(row.state, row.channel_id).toBe(policy === 'accept' ? 'backordered' : 'cancelled');
      }
      // The stock each channel was last told equals what is available to promise: zero everywhere.
      const lastTold = (shop: StorefrontSim) => {
        const levels: Record<string, number> = {};
        for (const event of shop.events.values()) {
          if (event.type !== 'inventory.updated') continue;
          for (const level of (event.data as { levels: { sku: string; available: number }[] }).levels)
            levels[level.sku] = level.available;
        }
        return levels;
      };
      const zero = { 'SKU-A': 0, 'SKU-B': 0, 'SKU-C': 0, 'SKU-D': 0 };
      const deadline = Date.now() + 20_000;
      while (
        shops.some((shop) => JSON.stringify(lastTold(shop)) !== JSON.stringify(zero)) &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 200));
      for (const shop of shops) expect(lastTold(shop)).toEqual(zero);

      const orders = await db
        .selectFrom('orders')
        .select(['state'])
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .groupBy('state')
        .execute();
      expect(orders.reduce((total, r) => total + Number(r.n), 0)).toBe(ORDERS);
      console.log(
        `[${dialect}] ${ORDERS} orders through ${PROCESSES} processes: ${orders.map((r) => `${r.state} ${r.n}`).join(', ')}; units promised ${levels.reduce((t, l) => t + l.reserved, 0)} of 100`,
      );
    },
  );
});
