import { rmSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { createApiKey } from '../app/api-keys.ts';
import { applySetup } from '../app/apply-setup.ts';
import { setupDocument } from '../app/setup-document.ts';
import { createHub, type Hub } from '../hub.ts';
import { startStorefrontSim, type StorefrontSim } from '../../sim/storefront.ts';
import { startSupplierSim, type SupplierSim } from '../../sim/supplier.ts';

const DATA_DIR = './.waybill';
const DB_FILE = `${DATA_DIR}/demo.db`;
const SECRETS = { notify: 'demo-storefront-notify-secret', prompt: 'demo-prompt-signing-secret', flaky: 'demo-flaky-signing-secret' };
const TOKENS = { prompt: 'demo-prompt-supplier-token-0001', flaky: 'demo-flaky-supplier-token-00001' };
const CATALOG = [
  { sku: 'MUG-BLUE', name: 'Blue mug', price: 1299, offers: [['prompt', 'PS-MUG-01', 450, 1]] },
  { sku: 'MUG-GREEN', name: 'Green mug', price: 1299, offers: [['prompt', 'PS-MUG-02', 450, 1]] },
  { sku: 'TEE-RED-M', name: 'Red tee, M', price: 2500, offers: [['flaky', 'FW-TEE-RM', 700, 1], ['prompt', 'PS-TEE-RM', 900, 2]] },
  { sku: 'TEE-RED-L', name: 'Red tee, L', price: 2500, offers: [['flaky', 'FW-TEE-RL', 700, 1]] },
  { sku: 'LAMP-OAK', name: 'Oak lamp', price: 8900, offers: [['flaky', 'FW-LAMP-OAK', 3100, 1]] },
  { sku: 'RUG-JUTE', name: 'Jute rug', price: 12900, offers: [['flaky', 'FW-RUG-J', 5200, 1], ['prompt', 'PS-RUG-J', 5600, 2]] },
] as const;

export interface DemoOptions {
  once: boolean;
  orders: number;
}

/**
 * The quick start: Waybill on an embedded SQLite database with a simulated storefront and two simulated suppliers
 * (one prompt, one slow and flaky), pushing orders through order → PO → ack → shipment → fulfilled → channel told.
 * Returns the process exit code: 0 when every order reached its expected end state.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const started = Date.now();
  rmSync(DB_FILE, { force: true });
  rmSync(`${DB_FILE}-wal`, { force: true });
  rmSync(`${DB_FILE}-shm`, { force: true });
  const hub = await createHub({ databaseUrl: `sqlite:${DB_FILE}`, worker: true, migrate: true, logLevel: 'error', workerOptions: { pollMs: 50 } });
  const url = await listenSomewhere(hub);
  const { key: operatorKey } = await createApiKey(hub.ctx, 'operator', 'demo storefront');
  const { key: adminKey } = await createApiKey(hub.ctx, 'admin', 'demo operator');

  const prompt = await startSupplierSim({ name: 'prompt', signingSecret: SECRETS.prompt, hubUrl: url, apiToken: TOKENS.prompt, seed: 11, ackDelayMs: 50, shipDelayMs: 150 });
  const flaky = await startSupplierSim({ name: 'flaky', signingSecret: SECRETS.flaky, hubUrl: url, apiToken: TOKENS.flaky, seed: 12, ackDelayMs: 400, shipDelayMs: 900, failRate: 0.2, timeoutRate: 0.05 });
  const shop = await startStorefrontSim({ hubUrl: url, apiKey: operatorKey, channelId: 'storefront', notifySecret: SECRETS.notify, seed: 13 });
  await applySetup(hub.ctx, demoSetup(shop, prompt, flaky));

  console.log(`Waybill demo on ${url} (SQLite ${DB_FILE})`);
  console.log(`  suppliers: "prompt" answers at once; "flaky" is slow, answers 500 to 20% of POs and lets 5% time out\n`);
  const accepted = await pushOrders(shop, options.orders);
  const done = await followToTheEnd(hub, shop, accepted);
  await printSummary(hub, { prompt, flaky, shop, accepted, done, seconds: (Date.now() - started) / 1000 });
  console.log(`\n  API docs     ${url}/docs`);
  console.log(`  OpenAPI      ${url}/openapi.json`);
  console.log(`  Metrics      ${url}/metrics`);
  console.log(`  Admin key    ${adminKey}   (e.g. curl -H "authorization: Bearer ${adminKey}" ${url}/api/v1/orders)`);

  const ok = done && accepted.length === options.orders;
  if (options.once) {
    await Promise.all([shop.close(), prompt.close(), flaky.close()]);
    await hub.close(2_000);
    console.log(ok ? '\nDemo complete: every order reached its expected end state.' : '\nDemo FAILED: not every order reached its expected end state.');
    return ok ? 0 : 1;
  }
  console.log('\nWaybill keeps running with its simulators; press Ctrl-C to stop.');
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await Promise.all([shop.close(), prompt.close(), flaky.close()]);
  await hub.close(2_000);
  return ok ? 0 : 1;
}

async function listenSomewhere(hub: Hub): Promise<string> {
  const host = process.env.HOST ?? '127.0.0.1';
  try {
    return await hub.listen(Number(process.env.PORT ?? 8080), host);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    return hub.listen(0, host);
  }
}

function demoSetup(shop: StorefrontSim, prompt: SupplierSim, flaky: SupplierSim) {
  const supplier = (id: 'prompt' | 'flaky', name: string, sim: SupplierSim, timeoutMs: number) => ({
    id,
    name,
    currency: 'USD',
    apiToken: TOKENS[id],
    ackWithinMinutes: 60,
    transport: { kind: 'rest-json', url: sim.url, signingSecret: SECRETS[id], timeoutMs },
  });
  return setupDocument.parse({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Demo Home Goods' },
    channels: [{ id: 'storefront', kind: 'storefront', name: 'Demo storefront', currency: 'USD', notifyUrl: shop.notifyUrl, notifySecret: SECRETS.notify }],
    suppliers: [supplier('prompt', 'Prompt Supply Co.', prompt, 5_000), supplier('flaky', 'Flaky Wholesale Ltd.', flaky, 1_000)],
    products: CATALOG.map((p) => ({
      sku: p.sku,
      name: p.name,
      offers: p.offers.map(([supplierId, supplierSku, cost, priority]) => ({ supplier: supplierId, supplierSku, cost: { amount: cost, currency: 'USD' }, priority })),
    })),
  });
}

async function pushOrders(shop: StorefrontSim, count: number): Promise<string[]> {
  const bar = new cliProgress.SingleBar({ format: '  orders in    [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 1000 }, cliProgress.Presets.shades_classic);
  bar.start(count, 0);
  const accepted: string[] = [];
  const skus = CATALOG.map((p) => ({ sku: p.sku, unitPrice: p.price }));
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < count; i = next++) {
      const order = shop.makeOrder(i, skus);
      const answer = await shop.placeOrder(order);
      if (answer.status === 201 || answer.status === 200) accepted.push(order.externalId);
      bar.increment();
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  bar.stop();
  return accepted;
}

/** Waits until the storefront has heard "fulfilled" for every accepted order (or gives up after two minutes). */
async function followToTheEnd(hub: Hub, shop: StorefrontSim, accepted: readonly string[]): Promise<boolean> {
  const bar = new cliProgress.SingleBar({ format: '  fulfilled    [{bar}] {value}/{total}  (POs sent {sent}, retries {retries})', hideCursor: true, noTTYOutput: true, notTTYSchedule: 1000 }, cliProgress.Presets.shades_classic);
  bar.start(accepted.length, 0, { sent: 0, retries: 0 });
  const deadline = Date.now() + 120_000;
  const fulfilled = () => accepted.filter((id) => shop.fulfilledOrders.has(id)).length;
  while (fulfilled() < accepted.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const sent = await hub.store.db.selectFrom('purchase_orders').select((eb) => eb.fn.countAll<number>().as('n')).where('sent_at', 'is not', null).executeTakeFirstOrThrow();
    bar.update(fulfilled(), { sent: Number(sent.n), retries: hub.worker?.stats.retried ?? 0 });
  }
  bar.update(fulfilled());
  bar.stop();
  return fulfilled() === accepted.length;
}

async function printSummary(hub: Hub, run: { prompt: SupplierSim; flaky: SupplierSim; shop: StorefrontSim; accepted: string[]; done: boolean; seconds: number }) {
  const db = hub.store.db;
  const byState = await db.selectFrom('orders').select(['state']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('state').orderBy('state').execute();
  const pos = await db.selectFrom('purchase_orders').select(['supplier_id', 'state']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy(['supplier_id', 'state']).orderBy('supplier_id').execute();
  const dead = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'dead').executeTakeFirstOrThrow();
  console.log('\nSummary');
  console.log(`  orders taken in      ${run.accepted.length}`);
  console.log(`  orders by state      ${byState.map((r) => `${r.state} ${r.n}`).join(', ')}`);
  console.log(`  purchase orders      ${pos.map((r) => `${r.supplier_id}/${r.state} ${r.n}`).join(', ')}`);
  for (const [name, sim] of [['prompt', run.prompt], ['flaky', run.flaky]] as const) {
    console.log(`  supplier ${name.padEnd(7)}     ${sim.received.size} POs received in ${sim.deliveries} deliveries (${sim.duplicatesDropped} resends recognised as duplicates)`);
  }
  console.log(`  job retries          ${hub.worker?.stats.retried ?? 0}, dead letters ${Number(dead.n)}`);
  console.log(`  channel told         ${run.shop.fulfilledOrders.size} orders fulfilled, ${run.shop.events.size} shipment events`);
  console.log(`  time taken           ${run.seconds.toFixed(1)} s`);
}
