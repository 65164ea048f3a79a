import { rmSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { createApiKey } from '../src/app/api-keys.ts';
import { createUser } from '../src/app/users.ts';
import { applySetup } from '../src/app/apply-setup.ts';
import { setupDocument } from '../src/app/setup-document.ts';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { salesChannels } from '../src/connectors/channels/registry.ts';
import { createHub, type Hub } from '../src/hub.ts';
import {
  countDeadJobs,
  countOrdersByState,
  countPurchaseOrdersBySupplierAndState,
  countSentPurchaseOrders,
  listOrderStates,
  listParcelsByOrder,
} from '../src/store/demo.repo.ts';
import { stockLevels } from '../src/store/stock.repo.ts';
import { startStorefrontSim } from '../sim/storefront.ts';
import { startSimulatedSupplier, type SimulatedSupplier } from '../sim/supplier.ts';
import { STOREFRONT_NOTIFY_SECRET, storefrontChannel, type DemoChannel } from './demo-channels.ts';
import { DEMO_EBAY_POLL_EVERY_MS, ebayChannel, quickPollingEbay } from './demo-ebay.ts';
import { shopifyChannel } from './demo-shopify.ts';
import { wooCommerceChannel } from './demo-woocommerce.ts';

const DATA_DIR = './.waybill';
const DB_FILE = `${DATA_DIR}/demo.db`;
const SECRETS = { flaky: 'demo-flaky-signing-secret' };
const TOKENS = {
  prompt: 'demo-prompt-supplier-token-0001',
  flaky: 'demo-flaky-supplier-token-00001',
  letters: 'demo-letters-supplier-token-001',
};
type SupplierId = keyof typeof TOKENS;
/** How often Waybill looks in the EDI supplier's SFTP folder (a real partner's every 30 s would make a slow demo). */
const EDI_LOOK_EVERY_MS = 250;
/** What each supplier reports per SKU: enough that no demo order runs short, so every order can be fulfilled. */
const SUPPLIER_STOCK = 10_000;
const CATALOG = [
  { sku: 'MUG-BLUE', name: 'Blue mug', price: 1299, offers: [['prompt', 'PS-MUG-01', 450, 1]] },
  { sku: 'MUG-GREEN', name: 'Green mug', price: 1299, offers: [['letters', 'LP-MUG-02', 450, 1]] },
  { sku: 'CANDLE-SOY', name: 'Soy candle', price: 1800, offers: [['letters', 'LP-CANDLE', 600, 1]] },
  {
    sku: 'TEE-RED-M',
    name: 'Red tee, M',
    price: 2500,
    offers: [
      ['flaky', 'FW-TEE-RM', 700, 1],
      ['prompt', 'PS-TEE-RM', 900, 2],
    ],
  },
  { sku: 'TEE-RED-L', name: 'Red tee, L', price: 2500, offers: [['flaky', 'FW-TEE-RL', 700, 1]] },
  { sku: 'LAMP-OAK', name: 'Oak lamp', price: 8900, offers: [['flaky', 'FW-LAMP-OAK', 3100, 1]] },
  {
    sku: 'RUG-JUTE',
    name: 'Jute rug',
    price: 12900,
    offers: [
      ['flaky', 'FW-RUG-J', 5200, 1],
      ['prompt', 'PS-RUG-J', 5600, 2],
    ],
  },
] as const;
/** The SKUs whose stock the summary compares across Waybill and the stores. */
const STOCK_SHOWN = ['MUG-BLUE', 'TEE-RED-M', 'LAMP-OAK'];

export interface DemoOptions {
  once: boolean;
  orders: number;
}

/** Per channel: its orders Waybill accepted (external ids), and how far each got. */
interface ChannelProgress {
  channel: DemoChannel;
  accepted: string[];
  takenIn: number;
  fulfilled: number;
  told: number;
  /** What is missing, per order not yet told everything. */
  missing: string[];
}

/**
 * The quick start: Waybill on an embedded SQLite database with four simulated sales channels (the generic
 * storefront, a Shopify store, a WooCommerce store and an eBay seller account, whose orders are polled) and three
 * simulated suppliers, one per kind of transport
 * (EDI X12 over SFTP, prompt; REST/JSON, slow and flaky; email with a portal link),
 * pushing orders through order → PO → ack → shipment → fulfilled → channel told, and the stores' stock kept to what
 * Waybill can promise. Returns the process exit code: 0 when every order reached its expected end state.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const started = Date.now();
  rmSync(DB_FILE, { force: true });
  rmSync(`${DB_FILE}-wal`, { force: true });
  rmSync(`${DB_FILE}-shm`, { force: true });
  const edi = supplierTransports.get('edi-x12-sftp')!;
  const hub = await createHub({
    databaseUrl: `sqlite:${DB_FILE}`,
    worker: true,
    migrate: true,
    logLevel: 'error',
    workerOptions: { pollMs: 50 },
    transports: supplierTransports.with({ ...edi, receiveEveryMs: EDI_LOOK_EVERY_MS }),
    channels: salesChannels.with(quickPollingEbay()),
  });
  const url = await listenSomewhere(hub);
  const { key: operatorKey } = await createApiKey(hub.ctx, 'operator', 'demo storefront');
  const { key: adminKey } = await createApiKey(hub.ctx, 'admin', 'demo operator');

  const suppliers = await startSuppliers(url);
  const storefront = await startStorefrontSim({
    hubUrl: url,
    apiKey: operatorKey,
    channelId: 'storefront',
    notifySecret: STOREFRONT_NOTIFY_SECRET,
    seed: 13,
  });
  const channels = [
    storefrontChannel(storefront, CATALOG),
    await shopifyChannel(url, CATALOG),
    await wooCommerceChannel(url, CATALOG),
    await ebayChannel(CATALOG),
  ];
  await applySetup(hub.ctx, demoSetup(channels, suppliers));
  // People for the web UI: one-time links (each run starts afresh, so each run prints new ones).
  const signIn = {
    admin: await createUser(hub.ctx, { email: 'admin@demo.example', role: 'admin' }),
    prompt: await createUser(hub.ctx, { email: 'desk@prompt.example', supplierId: 'prompt' }),
    flaky: await createUser(hub.ctx, { email: 'desk@flaky.example', supplierId: 'flaky' }),
    letters: await createUser(hub.ctx, { email: 'desk@letters.example', supplierId: 'letters' }),
  };

  console.log(`Waybill demo on ${url} (SQLite ${DB_FILE})`);
  console.log(
    '  channels:  the storefront posts orders to the operator API; the Shopify and WooCommerce stores send signed webhooks;\n' +
      `             the eBay seller's orders wait at eBay until Waybill polls them (every ${DEMO_EBAY_POLL_EVERY_MS} ms here)`,
  );
  console.log(
    `  suppliers: "prompt" trades EDI X12 (850, 997, 855, 856, 810) through its SFTP server and answers at once;\n` +
      `             "flaky" takes REST/JSON, is slow, answers 500 to 20% of POs and lets 5% time out;\n` +
      `             "letters" reads each PO by email and answers through the portal link in it\n`,
  );
  const progress = await pushOrders(channels, options.orders);
  const done = await followToTheEnd(hub, progress);
  await printSummary(hub, { suppliers, progress, seconds: (Date.now() - started) / 1000 });
  console.log(`\n  Admin UI     ${url}/   sign in as admin@demo.example: ${url}${signIn.admin.signInPath}`);
  console.log(`  Portal       ${url}/portal   "prompt": ${url}${signIn.prompt.signInPath}`);
  console.log(`               "flaky": ${url}${signIn.flaky.signInPath}`);
  console.log(`               "letters": ${url}${signIn.letters.signInPath}`);
  console.log('               (each link works once; then choose a password)');
  console.log(`  API docs     ${url}/docs`);
  console.log(`  OpenAPI      ${url}/openapi.json`);
  console.log(`  Metrics      ${url}/metrics`);
  console.log(
    `  Admin key    ${adminKey}   (e.g. curl -H "authorization: Bearer ${adminKey}" ${url}/api/v1/orders)`,
  );

  const problems = [
    ...problemsOf(progress, options.orders, done),
    ...(await supplierProblems(hub, suppliers)),
  ];
  const close = async () => {
    await Promise.all([...channels.map((c) => c.close()), ...suppliers.map((s) => s.close())]);
    await hub.close(2_000);
  };
  if (options.once) {
    await close();
    if (problems.length === 0)
      console.log('\nDemo complete: every order reached its expected end state, and its channel was told.');
    else
      console.log(
        `\nDemo FAILED: not every order reached its expected end state.\n${problems.map((p) => `  ${p}`).join('\n')}`,
      );
    return problems.length === 0 ? 0 : 1;
  }
  if (problems.length > 0)
    console.log(
      `\nNot every order reached its expected end state:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  console.log('\nWaybill keeps running with its simulators; press Ctrl-C to stop.');
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await close();
  return problems.length === 0 ? 0 : 1;
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

/** One supplier per kind of transport, behaving as the summary says. */
async function startSuppliers(hubUrl: string): Promise<SimulatedSupplier[]> {
  return Promise.all([
    startSimulatedSupplier('edi-x12-sftp', {
      name: 'prompt',
      seed: 11,
      ackDelayMs: 50,
      shipDelayMs: 150,
      edi: { interchangeId: 'PROMPTSUPPLY', buyerId: 'WAYBILLDEMO', invoices: true },
    }),
    startSimulatedSupplier('rest-json', {
      name: 'flaky',
      seed: 12,
      ackDelayMs: 400,
      shipDelayMs: 900,
      rest: {
        hubUrl,
        apiToken: TOKENS.flaky,
        signingSecret: SECRETS.flaky,
        failRate: 0.2,
        timeoutRate: 0.05,
        timeoutMs: 1_000,
      },
    }),
    startSimulatedSupplier('email', { name: 'letters', seed: 13, ackDelayMs: 100, shipDelayMs: 300 }),
  ]);
}

const SUPPLIER_NAMES: Record<SupplierId, string> = {
  prompt: 'Prompt Supply Co.',
  flaky: 'Flaky Wholesale Ltd.',
  letters: 'Letters & Parcels',
};

function demoSetup(channels: readonly DemoChannel[], suppliers: readonly SimulatedSupplier[]) {
  return setupDocument.parse({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Demo Home Goods' },
    channels: channels.map((c) => c.setup()),
    suppliers: suppliers.map((sim) => ({
      id: sim.name,
      name: SUPPLIER_NAMES[sim.name as SupplierId],
      currency: 'USD',
      apiToken: TOKENS[sim.name as SupplierId],
      ackWithinMinutes: 60,
      transport: sim.transportSettings(),
    })),
    products: CATALOG.map((p) => ({
      sku: p.sku,
      name: p.name,
      offers: p.offers.map(([supplierId, supplierSku, cost, priority]) => ({
        supplier: supplierId,
        supplierSku,
        cost: { amount: cost, currency: 'USD' },
        priority,
        stock: SUPPLIER_STOCK,
      })),
    })),
  });
}

/** Each supplier's purchase orders must all have shipped, and the supplier must have seen each one ship. */
async function supplierProblems(hub: Hub, suppliers: readonly SimulatedSupplier[]): Promise<string[]> {
  const pos = await countPurchaseOrdersBySupplierAndState(hub.store.db);
  return suppliers.flatMap((sim) => {
    const mine = pos.filter((p) => p.supplierId === sim.name);
    const total = mine.reduce((sum, p) => sum + p.count, 0);
    const shipped = mine.find((p) => p.state === 'shipped')?.count ?? 0;
    if (total === 0) return [`supplier ${sim.name} (${sim.transport}): no purchase orders`];
    if (shipped < total)
      return [
        `supplier ${sim.name} (${sim.transport}): ${total - shipped} of ${total} purchase orders not shipped`,
      ];
    return [];
  });
}

/** Order i goes to channel i mod 4, through that channel's own path; eight orders in flight at a time. */
async function pushOrders(channels: readonly DemoChannel[], count: number): Promise<ChannelProgress[]> {
  const bar = new cliProgress.SingleBar(
    {
      format: '  orders in    [{bar}] {value}/{total}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(count, 0);
  const progress = channels.map((channel): ChannelProgress => ({
    channel,
    accepted: [],
    takenIn: 0,
    fulfilled: 0,
    told: 0,
    missing: [],
  }));
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < count; i = next++) {
      const to = progress[i % progress.length]!;
      const externalId = await to.channel.place(i);
      if (externalId !== null) to.accepted.push(externalId);
      bar.increment();
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  bar.stop();
  return progress;
}

/** Waits until every channel has heard everything of every accepted order (or gives up after two minutes). */
async function followToTheEnd(hub: Hub, progress: ChannelProgress[]): Promise<boolean> {
  const total = progress.reduce((sum, p) => sum + p.accepted.length, 0);
  const bar = new cliProgress.SingleBar(
    {
      format: '  fulfilled    [{bar}] {value}/{total}  (POs sent {sent}, retries {retries})',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { sent: 0, retries: 0 });
  const deadline = Date.now() + 120_000;
  const told = () => progress.reduce((sum, p) => sum + p.told, 0);
  await checkChannels(hub, progress);
  while (told() < total && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    await checkChannels(hub, progress);
    const sent = await countSentPurchaseOrders(hub.store.db);
    bar.update(told(), { sent, retries: hub.worker?.stats.retried ?? 0 });
  }
  bar.update(told());
  bar.stop();
  return told() === total;
}

/** For every accepted order: taken in by Waybill, fulfilled there, and its channel told of every parcel. */
async function checkChannels(hub: Hub, progress: ChannelProgress[]): Promise<void> {
  // Orders before shipments: an order read as fulfilled then has every one of its parcels in the second read.
  const orders = await listOrderStates(hub.store.db);
  const parcels = await listParcelsByOrder(hub.store.db);
  const byExternalId = new Map(orders.map((o) => [`${o.channelId}/${o.externalId}`, o]));
  for (const p of progress) {
    Object.assign(p, { takenIn: 0, fulfilled: 0, told: 0, missing: [] });
    for (const externalId of p.accepted) {
      const order = byExternalId.get(`${p.channel.id}/${externalId}`);
      const problem = !order
        ? 'not taken in by Waybill'
        : order.state !== 'fulfilled'
          ? `${order.state} at Waybill`
          : p.channel.missing(externalId, parcels.get(order.id) ?? []);
      if (order) p.takenIn++;
      if (order?.state === 'fulfilled') p.fulfilled++;
      if (problem === null) p.told++;
      else p.missing.push(`${p.channel.label} order ${externalId}: ${problem}`);
    }
  }
}

function problemsOf(progress: readonly ChannelProgress[], expected: number, done: boolean): string[] {
  const accepted = progress.reduce((sum, p) => sum + p.accepted.length, 0);
  const problems =
    accepted === expected ? [] : [`${expected - accepted} of ${expected} orders refused by Waybill`];
  if (!done)
    for (const p of progress)
      problems.push(
        ...p.missing.slice(0, 5),
        ...(p.missing.length > 5 ? [`… and ${p.missing.length - 5} more ${p.channel.label} orders`] : []),
      );
  for (const p of progress)
    if (p.channel.deliveriesOk?.() === false)
      problems.push(`${p.channel.label}: ${p.channel.deliveries?.()}`);
  return problems;
}

async function printSummary(
  hub: Hub,
  run: { suppliers: readonly SimulatedSupplier[]; progress: ChannelProgress[]; seconds: number },
) {
  const db = hub.store.db;
  const byState = await countOrdersByState(db);
  const pos = await countPurchaseOrdersBySupplierAndState(db);
  const dead = await countDeadJobs(db);
  console.log('\nSummary');
  console.log(`  orders taken in      ${run.progress.reduce((sum, p) => sum + p.takenIn, 0)}`);
  console.log(`  orders by state      ${byState.map((r) => `${r.state} ${r.count}`).join(', ')}`);
  console.log(`  purchase orders      ${pos.map((r) => `${r.supplierId}/${r.state} ${r.count}`).join(', ')}`);
  console.log(`  per supplier`);
  for (const sim of run.suppliers) {
    const mine = pos.filter((p) => p.supplierId === sim.name);
    const total = mine.reduce((sum, p) => sum + p.count, 0);
    const shipped = mine.find((p) => p.state === 'shipped')?.count ?? 0;
    console.log(
      `    ${sim.name.padEnd(8)} ${sim.transport.padEnd(13)} ${shipped}/${total} POs shipped; ${sim.describe()}`,
    );
  }
  console.log(`  job retries          ${hub.worker?.stats.retried ?? 0}, dead letters ${dead}`);
  console.log(
    `  per channel          ${'orders in'.padStart(9)} ${'fulfilled'.padStart(9)} ${'told'.padStart(9)}`,
  );
  for (const p of run.progress) {
    console.log(
      `    ${p.channel.label.padEnd(18)} ${String(p.takenIn).padStart(9)} ${String(p.fulfilled).padStart(9)} ${String(p.told).padStart(9)}`,
    );
  }
  for (const p of run.progress)
    if (p.channel.deliveries) console.log(`  ${p.channel.label.padEnd(20)} ${p.channel.deliveries()}`);
  await printStock(
    hub,
    run.progress.map((p) => p.channel).filter((c) => c.stock),
  );
  console.log(`  time taken           ${run.seconds.toFixed(1)} s`);
}

/** The stores' stock of a few SKUs beside Waybill's available to promise, once the stock sync has caught up (≤ 5 s). */
async function printStock(hub: Hub, stores: readonly DemoChannel[]) {
  const deadline = Date.now() + 5_000;
  let levels = await stockLevels(hub.store.db, STOCK_SHOWN);
  const inStep = () => levels.every((l) => stores.every((s) => s.stock?.(l.sku) === l.available));
  while (!inStep() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    levels = await stockLevels(hub.store.db, STOCK_SHOWN);
  }
  console.log(
    `  stock                ${'Waybill'.padStart(9)} ${stores.map((s) => s.label.padStart(12)).join(' ')}   ${inStep() ? '(in step)' : '(the stores have not caught up yet)'}`,
  );
  for (const level of levels) {
    console.log(
      `    ${level.sku.padEnd(18)} ${String(level.available ?? '∞').padStart(9)} ${stores.map((s) => String(s.stock?.(level.sku) ?? '-').padStart(12)).join(' ')}`,
    );
  }
}
