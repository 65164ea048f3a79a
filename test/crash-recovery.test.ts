/**
 * `kill -9` of the hub in the middle of a run of orders, then a restart: every order accepted with a 2xx is there,
 * exactly one PO exists per supplier per order, every PO reaches its supplier (a resend after a crash carries the
 * same PO number, so the supplier drops it), and the run completes. The hub is a real child process
 * (`node bin/waybill.mjs start`); the storefront and the suppliers are the simulators, in this process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { startStorefrontSim, type DemoOrder, type StorefrontSim } from '../sim/storefront.ts';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { HubProcess, freePort, runCli } from './support/crash-process.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { SECRETS, SUPPLIER_TOKENS, testSetup } from './support/hub.ts';
import { until } from './support/until.ts';

const SECRET_KEY = '5eed'.repeat(16); // 64 hex digits: the master key every process of the run shares.
const ORDERS = 150;
const LANES = 16;
/** The first crash comes after this many orders were accepted, while the rest (and their POs) are in flight. */
const KILL_AFTER_ACCEPTED = 40;
const LEASE_MS = 1_500;
/** A supplier that hangs is given up on well inside the lease, so a live worker never outlives its own claim. */
const SUPPLIER_TIMEOUT_MS = 500;
const SETTLE_TIMEOUT_MS = 60_000;

const SKUS = [
  { sku: 'MUG-BLUE', unitPrice: 1299 },
  { sku: 'TEE-RED-M', unitPrice: 2500 },
  { sku: 'LAMP-OAK', unitPrice: 8900 },
];
/** Where testSetup() routes each SKU (the priority-1 offer; every supplier has stock). */
const ROUTE: Record<string, string> = { 'MUG-BLUE': 'prompt', 'TEE-RED-M': 'flaky', 'LAMP-OAK': 'flaky' };

describeEachDatabase('kill -9 of the hub in the middle of a run of orders, then a restart', (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // Last registered first: the hub dies before the simulators close and the database is dropped.
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
  });

  it(
    'loses no accepted order, makes one PO per supplier per order, delivers every PO once by number, and completes',
    { timeout: 150_000 },
    async () => {
      const started = Date.now();
      const database: TestDatabase = await createTestDatabase(dialect);
      cleanups.push(() => database.drop());
      const port = await freePort();
      const hubUrl = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        WAYBILL_SECRET_KEY: SECRET_KEY,
        WAYBILL_JOB_LEASE_MS: String(LEASE_MS),
        WAYBILL_POLL_MS: '50',
      };

      // The operator's steps, through the CLI: migrate, create a key for the storefront, apply the setup.
      await runCli(['migrate'], env);
      const apiKey = (
        await runCli(['keys', 'create', '--role', 'operator', '--label', 'crash test storefront'], env)
      )
        .trim()
        .split('\n')
        .at(-1)!;
      expect(apiKey.length).toBeGreaterThan(20);

      const prompt: SupplierSim = await startSupplierSim({
        name: 'prompt',
        signingSecret: SECRETS.prompt,
        hubUrl,
        apiToken: SUPPLIER_TOKENS.prompt,
        seed: 11,
        ackDelayMs: 3,
        shipDelayMs: 3,
      });
      cleanups.push(() => prompt.close());
      const flaky: SupplierSim = await startSupplierSim({
        name: 'flaky',
        signingSecret: SECRETS.flaky,
        hubUrl,
        apiToken: SUPPLIER_TOKENS.flaky,
        seed: 12,
        failRate: 0.15,
        timeoutRate: 0.05,
        ackDelayMs: 8,
        shipDelayMs: 8,
      });
      cleanups.push(() => flaky.close());
      const shop: StorefrontSim = await startStorefrontSim({
        hubUrl,
        apiKey,
        channelId: 'storefront',
        notifySecret: SECRETS.storefront,
        seed: 13,
      });
      cleanups.push(() => shop.close());
      const suppliers = { prompt, flaky } as const;

      const setupDir = mkdtempSync(join(tmpdir(), 'waybill-crash-setup-'));
      cleanups.push(async () => rmSync(setupDir, { recursive: true, force: true }));
      const setupFile = join(setupDir, 'setup.yaml');
      // JSON is YAML: the CLI reads the same document testSetup() builds for the in-process tests.
      writeFileSync(
        setupFile,
        JSON.stringify(
          testSetup({ notifyUrl: shop.notifyUrl, prompt: prompt.url, flaky: flaky.url }, SUPPLIER_TIMEOUT_MS),
        ),
      );
      await runCli(['apply', setupFile], env);

      const store: Store = await openStore(database.url);
      cleanups.push(() => store.close());
      const running = new HubProcess(hubUrl, env);
      onTestFailed(() => console.error(`hub output (last lines):\n${running.logTail()}`));
      cleanups.push(() => running.stop(5_000));
      await running.start();
      const ready = Date.now();

      const orders: DemoOrder[] = Array.from({ length: ORDERS }, (_, i) => shop.makeOrder(i, SKUS));
      const accepted = new Map<string, { status: number; orderId: string }>();
      const receivedTotal = () => prompt.received.size + flaky.received.size;
      const poTotal = async () =>
        Number(
          (
            await store.db
              .selectFrom('purchase_orders')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const crashes: {
        afterAccepted: number;
        inFlight: number;
        posInDb: number;
        posReceived: number;
        restartMs: number;
      }[] = [];
      let inFlight = 0;
      async function crashAndRestart(): Promise<void> {
        const crash = {
          afterAccepted: accepted.size,
          inFlight,
          posInDb: await poTotal(),
          posReceived: receivedTotal(),
          restartMs: 0,
        };
        await running.kill();
        const t = Date.now();
        await running.start();
        crash.restartMs = Date.now() - t;
        crashes.push(crash);
      }

      // Phase 1: orders, 16 at a time; a kill -9 after the 40th 2xx, a restart on the same port, and on we go.
      const refused: { externalId: string; status: number; body: unknown }[] = [];
      const unanswered: { externalId: string; error: string }[] = [];
      let firstCrash: Promise<void> | undefined;
      let next = 0;
      async function lane(): Promise<void> {
        for (let order = orders[next++]; order; order = orders[next++]) {
          inFlight += 1;
          try {
            const answer = await shop.placeOrder(order);
            if (answer.status >= 200 && answer.status < 300) {
              accepted.set(order.externalId, {
                status: answer.status,
                orderId: (answer.body as { id: string }).id,
              });
              if (accepted.size === KILL_AFTER_ACCEPTED) firstCrash = crashAndRestart();
            } else {
              refused.push({ externalId: order.externalId, status: answer.status, body: answer.body });
            }
          } catch (error) {
            unanswered.push({ externalId: order.externalId, error: String(error) });
          } finally {
            inFlight -= 1;
          }
        }
      }
      await Promise.all(Array.from({ length: LANES }, lane));
      await firstCrash;
      const ordersIn = Date.now();

      // Phase 2: every order is in; kill -9 again while purchase orders are still going out (and acks coming back).
      const atSecondCrash = { posInDb: await poTotal(), posReceived: receivedTotal() };
      await crashAndRestart();

      // Phase 3: the run completes. Every accepted order fulfilled at the channel, every order fulfilled in the
      // database, no PO send or channel notification left to do.
      const openJobs = async () =>
        (
          await store.db
            .selectFrom('jobs')
            .select(['kind', 'state'])
            .where('kind', 'in', ['po.send', 'channel.notify'])
            .where('state', '!=', 'done')
            .execute()
        ).length;
      const unfulfilled = async () =>
        (await store.db.selectFrom('orders').select('id').where('state', '!=', 'fulfilled').execute()).length;
      await until(
        'the run to complete',
        async () =>
          [...accepted.keys()].every((id) => shop.fulfilledOrders.has(id)) &&
          (await unfulfilled()) === 0 &&
          (await openJobs()) === 0,
        SETTLE_TIMEOUT_MS,
        async () =>
          `${[...accepted.keys()].filter((id) => !shop.fulfilledOrders.has(id)).length} accepted orders not fulfilled at the channel, ` +
          `${await unfulfilled()} orders not fulfilled in the database, ${await openJobs()} open jobs, ${receivedTotal()}/${await poTotal()} POs received`,
      );
      const settled = Date.now();
      // Stop the hub gracefully so nothing changes under the checks.
      await running.stop();

      // --- Every order accepted with a 2xx is there, once, and is the order the answer named.
      expect(refused).toEqual([]);
      // Only orders in flight at a crash may have gone unanswered (the storefront retries for ~10 s; restarts are faster).
      expect(unanswered.length).toBeLessThanOrEqual(LANES * crashes.length);
      const dbOrders = await store.db
        .selectFrom('orders')
        .select(['id', 'external_id', 'state', 'channel_id'])
        .execute();
      const byExternalId = new Map<string, typeof dbOrders>();
      for (const o of dbOrders)
        byExternalId.set(o.external_id, [...(byExternalId.get(o.external_id) ?? []), o]);
      for (const [externalId, answer] of accepted) {
        const rows = byExternalId.get(externalId) ?? [];
        expect(
          rows.map((r) => r.id),
          externalId,
        ).toEqual([answer.orderId]);
      }
      // Nothing in the database that was not sent (an order committed just before a crash, unanswered, is allowed).
      const sent = new Set(orders.map((o) => o.externalId));
      expect(dbOrders.filter((o) => !sent.has(o.external_id) || o.channel_id !== 'storefront')).toEqual([]);
      expect(new Set(dbOrders.map((o) => o.external_id)).size).toBe(dbOrders.length);
      expect(dbOrders.filter((o) => o.state !== 'fulfilled')).toEqual([]);

      // --- Exactly one PO per supplier per order, one for each supplier the order's lines routed to.
      const pos = await store.db
        .selectFrom('purchase_orders')
        .select(['id', 'po_number', 'order_id', 'supplier_id', 'state'])
        .execute();
      const lines = await store.db
        .selectFrom('order_lines')
        .select(['order_id', 'sku', 'quantity', 'supplier_id'])
        .execute();
      const posOf = new Map<string, string[]>();
      for (const po of pos) posOf.set(po.order_id, [...(posOf.get(po.order_id) ?? []), po.supplier_id]);
      const bodies = new Map(orders.map((o) => [o.externalId, o]));
      for (const order of dbOrders) {
        const poSuppliers = (posOf.get(order.id) ?? []).sort();
        const routed = [
          ...new Set(lines.filter((l) => l.order_id === order.id).map((l) => l.supplier_id)),
        ].sort();
        const expected = [...new Set(bodies.get(order.external_id)!.lines.map((l) => ROUTE[l.sku]!))].sort();
        expect(poSuppliers, order.external_id).toEqual(expected);
        expect(routed, order.external_id).toEqual(expected);
      }
      expect(pos.filter((po) => po.state !== 'shipped')).toEqual([]);

      // --- Every PO reached its supplier, and nothing else did; resends carried the same PO number.
      const dbPoNumbers = new Set(pos.map((po) => po.po_number));
      expect(dbPoNumbers.size).toBe(pos.length);
      for (const po of pos)
        expect(
          suppliers[po.supplier_id as keyof typeof suppliers].received.has(po.po_number),
          po.po_number,
        ).toBe(true);
      expect(
        [...prompt.received.keys(), ...flaky.received.keys()].filter((n) => !dbPoNumbers.has(n)),
      ).toEqual([]);
      expect(receivedTotal()).toBe(pos.length);
      for (const sim of [prompt, flaky]) {
        const copies = [...sim.received.values()].reduce((n, r) => n + r.count, 0);
        expect(copies - sim.received.size).toBe(sim.duplicatesDropped);
        for (const [poNumber, r] of sim.received) {
          expect(r.idempotencyKey).toBe(poNumber);
          expect((r.body as { poNumber: string }).poNumber).toBe(poNumber);
        }
      }

      // --- No job was given up on; the channel heard of every unit shipped, once.
      const jobStates = await store.db
        .selectFrom('jobs')
        .select(['kind', 'state', 'last_error'])
        .where('state', '=', 'dead')
        .execute();
      expect(jobStates).toEqual([]);
      for (const [externalId] of accepted) {
        for (const line of bodies.get(externalId)!.lines)
          expect(shop.shippedQuantity(externalId, line.sku), `${externalId} ${line.sku}`).toBe(line.quantity);
      }

      expect(crashes).toHaveLength(2);
      const statuses = [...accepted.values()].reduce<Record<number, number>>(
        (n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }),
        {},
      );
      console.log(
        `[crash-recovery ${dialect}] orders: ${ORDERS} sent, ${accepted.size} accepted (${JSON.stringify(statuses)}), ${unanswered.length} unanswered, ${dbOrders.length} in the database; ` +
          `POs: ${pos.length}; crashes: ${JSON.stringify(crashes)} (second crash with ${atSecondCrash.posReceived}/${atSecondCrash.posInDb} POs received); ` +
          `deliveries prompt ${prompt.deliveries} (duplicates dropped ${prompt.duplicatesDropped}), flaky ${flaky.deliveries} (duplicates dropped ${flaky.duplicatesDropped}); ` +
          `timings: setup ${ready - started} ms, orders in ${ordersIn - ready} ms, settled ${settled - ordersIn} ms, total ${Date.now() - started} ms`,
      );
    },
  );
});
