/**
 * The web UI's lists at 100,000 orders (`BENCH_ONLY=ui`). `node --import tsx bench/ui.ts seed DATABASE_URL DIR`, in
 * a process of its own: a retailer of 3 channels, 8 suppliers and 400 SKUs, and BENCH_UI_ORDERS (100,000) orders
 * placed over 60 days (to the second, as channels send them: some in the same second) by 20,000 customers, 1–3 lines
 * each, in the states a running shop has, with their purchase orders, stored through the store's own insertOrders and
 * insertPurchaseOrders (so with their search terms), the POs then moved to their states. It writes DIR/ui-samples.json
 * (ids, emails, names, SKUs, PO numbers and supplier tokens to ask for). Then `runUi` starts `waybill start
 * --no-worker` on that database and asks the order list and the supplier's purchase order list over HTTP, with an
 * operator key and the suppliers' tokens: a mix of first pages, pages 2–21 (following `next`), every filter, every
 * kind of search, the supplier's list with its filters, from BENCH_UI_CONNECTIONS (4) connections at once; a warm-up,
 * then BENCH_UI_REQUESTS (3,000) measured requests, each timed from sent to its body read.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { monotonicFactory } from 'ulidx';
import { seededRandom } from '../sim/shared.ts';
import { applySetup } from '../src/app/apply-setup.ts';
import { setupDocument } from '../src/app/setup-document.ts';
import { plainLineCharges, plainOrderCharges } from '../src/domain/charges.ts';
import type { ChannelId, OrderId, PoNumber, Sku, SupplierId } from '../src/domain/ids.ts';
import { money, type CurrencyCode } from '../src/domain/money.ts';
import type { OrderLineState, OrderState } from '../src/domain/order.machine.ts';
import type { Order } from '../src/domain/order.ts';
import { poNumberFor } from '../src/domain/purchase-order.ts';
import type { PurchaseOrderState } from '../src/domain/purchase-order.machine.ts';
import { createHub, type Hub } from '../src/hub.ts';
import { insertOrders } from '../src/store/orders.repo.ts';
import { insertPurchaseOrders, type NewPurchaseOrder } from '../src/store/purchase-orders.repo.ts';
import { createOperatorKey, startHub, type HubEnv } from './hub-process.ts';

const ORDERS = Number(process.env.BENCH_UI_ORDERS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_UI_REQUESTS ?? 3_000);
const WARMUP = Number(process.env.BENCH_UI_WARMUP ?? 300);
const CONNECTIONS = Number(process.env.BENCH_UI_CONNECTIONS ?? 4);
/** What the issue asks: each list answers within 100 ms, p99, at 100,000 orders. */
export const UI_TARGET_MS = 100;

const DAY = 86_400_000;
const SPAN_DAYS = 60;
const START = Date.UTC(2026, 8, 1);
const CUSTOMERS = 20_000;
const USD = 'USD' as CurrencyCode;
const CHANNELS = ['web', 'eu-shop', 'market'] as const;
const SUPPLIERS = ['acme', 'bolt', 'crest', 'delta', 'ember', 'fjord', 'gale', 'harbor'] as const;
const token = (supplier: string) => `ui-bench-${supplier}-token-0123456789abcdef`;
const FIRST = (
  'ann bob carla dmitri eve farah gus hana ivan jo kofi lena marek nina omar paula quinn rosa sven ' +
  'tara ugo vera wen xavier yusuf zoe amelie bjorn chloe diego elif felix greta hugo ines jakob kaito lucia mateo ' +
  'noor olga pablo renee saanvi tomas ulla viktor wanda yara zeynep'
).split(' ');
const LAST = (
  'smith jones garcia muller rossi dubois kowalski novak silva tanaka kim nguyen okafor haddad ' +
  "o'neil mary-jane van-der-berg schmidt fischer weber meyer wagner becker hoffmann schulz koch richter klein wolf " +
  'schroder neumann schwarz zimmermann braun kruger hofmann hartmann lange schmitt werner krause meier lehmann ' +
  'schmid schulze maier kohler herrmann konig walter mayer huber kaiser fuchs peters lang scholz moller weiss ' +
  'jung hahn schubert vogel friedrich keller gunther frank berger winkler roth beck lorenz baumann franke albrecht ' +
  'ludwig winter simon kraus martin schumacher kramer vogt stein jager otto sommer gross seidel heinrich brandt ' +
  'haas schreiber graf dietrich ziegler kuhn pohl engel horn busch bergmann thomas voigt sauer arnold wolff pfeiffer'
)
  .split(' ')
  .map((n) => n.replace('mary-jane', 'lopez-mary'));
const PRODUCTS = Array.from({ length: 400 }, (_, i) => ({
  sku: `${['MUG', 'TEE', 'LAMP', 'SOCK', 'BAG'][i % 5]}-${String(i).padStart(4, '0')}`,
  supplier: SUPPLIERS[i % SUPPLIERS.length]!,
  unitPrice: 500 + ((i * 37) % 9000),
}));
const supplierSku = (p: { sku: string; supplier: string }) =>
  `${p.supplier.slice(0, 3).toUpperCase()}-${p.sku}`;

/** What the measuring side asks for: values that exist in the seeded database. */
interface Samples {
  externalIds: string[];
  emails: string[];
  names: string[];
  skus: string[];
  poNumbers: string[];
  supplierSkus: string[];
  suppliers: string[];
  channels: string[];
  tokens: Record<string, string>;
  start: number;
  spanDays: number;
}

function capitalised(word: string): string {
  return word
    .split(/([-'])/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function customerOf(k: number): { name: string; email: string } {
  const first = FIRST[k % FIRST.length]!;
  const last = LAST[Math.floor(k / FIRST.length) % LAST.length]!;
  // A few with their address in capitals, as some storefronts pass it on.
  const email = `${first}.${last.replace(/[^a-z]/g, '')}${k}@example.com`;
  return {
    name: `${capitalised(first)} ${capitalised(last)}`,
    email: k % 10 === 0 ? email.toUpperCase() : email,
  };
}

/** A shop some weeks in: most orders done, the recent ones on their way, some held, cancelled or unpaid. */
function stateOf(r: number, age: number): OrderState {
  if (age < 0.02)
    return r < 0.5 ? 'routed' : r < 0.7 ? 'awaiting_payment' : r < 0.85 ? 'on_hold' : 'received';
  if (r < 0.55) return 'completed';
  if (r < 0.75) return 'fulfilled';
  if (r < 0.83) return 'routed';
  if (r < 0.88) return 'partially_fulfilled';
  if (r < 0.93) return 'cancelled';
  if (r < 0.97) return 'on_hold';
  return 'awaiting_payment';
}

const LINE_STATE: Record<OrderState, OrderLineState> = {
  received: 'pending',
  awaiting_payment: 'routed',
  on_hold: 'rejected',
  routed: 'accepted',
  partially_fulfilled: 'partially_shipped',
  fulfilled: 'shipped',
  completed: 'delivered',
  cancelled: 'cancelled',
};

function poStateOf(state: OrderState, r: number): PurchaseOrderState {
  switch (state) {
    case 'received':
      return 'pending';
    case 'awaiting_payment':
      return 'draft';
    case 'on_hold':
      return 'rejected';
    case 'routed':
      return r < 0.3
        ? 'sent'
        : r < 0.4
          ? 'pending'
          : r < 0.45
            ? 'send_failed'
            : r < 0.9
              ? 'accepted'
              : 'partially_accepted';
    case 'partially_fulfilled':
      return 'partially_shipped';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'shipped';
  }
}

async function seed(hub: Hub, dir: string): Promise<Record<string, number>> {
  const started = performance.now();
  await applySetup(
    hub.ctx,
    setupDocument.parse({
      apiVersion: 'waybill/v1',
      retailer: { name: 'UI Bench Retailer' },
      channels: CHANNELS.map((id) => ({ id, kind: 'storefront', name: `Channel ${id}`, currency: 'USD' })),
      suppliers: SUPPLIERS.map((id) => ({
        id,
        name: `Supplier ${id}`,
        currency: 'USD',
        apiToken: token(id),
        transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: `secret-of-${id}-0001` },
      })),
      products: PRODUCTS.map((p) => ({
        sku: p.sku,
        name: `Product ${p.sku}`,
        offers: [
          {
            supplier: p.supplier,
            supplierSku: supplierSku(p),
            cost: { amount: 300, currency: 'USD' },
            priority: 1,
          },
        ],
      })),
    }),
  );
  const random = seededRandom(42);
  const ulid = monotonicFactory(() => random());
  const samples: Samples = {
    externalIds: [],
    emails: [],
    names: [],
    skus: PRODUCTS.map((p) => p.sku),
    poNumbers: [],
    supplierSkus: PRODUCTS.map(supplierSku),
    suppliers: [...SUPPLIERS],
    channels: [...CHANNELS],
    tokens: Object.fromEntries(SUPPLIERS.map((s) => [s, token(s)])),
    start: START,
    spanDays: SPAN_DAYS,
  };
  const BATCH = 1_000;
  let pos = 0;
  for (let start = 0; start < ORDERS; start += BATCH) {
    const orders: Order[] = [];
    const purchaseOrders: (NewPurchaseOrder & { to: PurchaseOrderState })[] = [];
    let last = 0;
    for (let i = start; i < Math.min(ORDERS, start + BATCH); i++) {
      // To the second, as channels send it: orders in the same second come together now and then.
      const placedAt = Math.floor((START + (i / ORDERS) * SPAN_DAYS * DAY + random() * 60_000) / 1000) * 1000;
      last = Math.max(last, placedAt);
      const id = `ord_${ulid(placedAt + 1_500)}` as OrderId;
      const channel = CHANNELS[Math.floor(random() * 10) % 3]!;
      const number = 100_000 + i;
      const externalId =
        channel === 'web'
          ? `#${number}`
          : channel === 'eu-shop'
            ? `EU-${number}`
            : `${9_000_000_000 + number * 7}`;
      // Some customers order often, most once or twice.
      const k = Math.floor(random() ** 2 * CUSTOMERS);
      const customer = customerOf(k);
      const state = stateOf(random(), 1 - i / ORDERS);
      const lineCount = 1 + Math.floor(random() * 3);
      const products = Array.from(
        { length: lineCount },
        () => PRODUCTS[Math.floor(random() * PRODUCTS.length)]!,
      );
      const lines = products.map((p, n) => {
        const quantity = 1 + Math.floor(random() * 3);
        const unitPrice = money(p.unitPrice, USD);
        return {
          lineNumber: n + 1,
          sku: p.sku as Sku,
          quantity,
          unitPrice,
          channelLineId: null,
          title: `Product ${p.sku}`,
          requiresShipping: true,
          charges: plainLineCharges(unitPrice, quantity),
          state: LINE_STATE[state],
          supplierId: state === 'received' ? null : (p.supplier as SupplierId),
        };
      });
      const charges = plainOrderCharges(
        lines.map((l) => l.charges),
        USD,
      );
      orders.push({
        id,
        channelId: channel as ChannelId,
        externalId,
        state,
        holdReason: state === 'on_hold' ? 'supplier rejected a line' : null,
        currency: USD,
        total: charges.total,
        charges,
        customer: { email: customer.email, name: customer.name },
        shippingAddress: {
          name: customer.name,
          line1: `${k} Main St`,
          city: 'Springfield',
          postalCode: '62701',
          country: 'US',
        },
        placedAt: new Date(placedAt),
        lines,
      });
      if (i % 97 === 0) {
        samples.externalIds.push(externalId);
        samples.emails.push(customer.email);
        samples.names.push(customer.name);
      }
      if (state === 'received') continue;
      for (const supplier of new Set(products.map((p) => p.supplier))) {
        const poLines = lines.filter((_, n) => products[n]!.supplier === supplier);
        const poNumber = poNumberFor(id, supplier as SupplierId) as PoNumber;
        if (i % 97 === 0) samples.poNumbers.push(poNumber);
        purchaseOrders.push({
          id: `po_${ulid(placedAt + 2_000)}`,
          orderId: id,
          ackDueAt: new Date(placedAt + DAY),
          state: 'pending',
          to: poStateOf(state, random()),
          plan: {
            supplierId: supplier as SupplierId,
            poNumber,
            currency: USD,
            total: money(
              poLines.reduce((sum, l) => sum + 300 * l.quantity, 0),
              USD,
            ),
            lines: poLines.map((l, n) => ({
              lineNumber: n + 1,
              orderLineNumber: l.lineNumber,
              sku: l.sku,
              supplierSku: supplierSku(PRODUCTS.find((p) => p.sku === l.sku)!),
              quantity: l.quantity,
              unitCost: money(300, USD),
              status: 'open',
              rejectReason: null,
              shippedQuantity: 0,
            })),
          },
        });
      }
    }
    pos += purchaseOrders.length;
    await hub.store.transact(async (tx) => {
      await insertOrders(
        tx,
        orders.map((order) => ({ order })),
        new Date(last + 1_500),
      );
      await insertPurchaseOrders(tx, purchaseOrders, new Date(last + 2_000));
      // Then each PO where its order is: a bench's shortcut past the acknowledgements and shipments.
      const byState = new Map<PurchaseOrderState, string[]>();
      for (const po of purchaseOrders) byState.set(po.to, [...(byState.get(po.to) ?? []), po.id]);
      for (const [state, ids] of byState)
        for (let k = 0; k < ids.length; k += 500)
          await tx
            .updateTable('purchase_orders')
            .set({
              state,
              sent_at: state === 'pending' || state === 'draft' ? null : last,
              acknowledged_at: null,
            })
            .where('id', 'in', ids.slice(k, k + 500))
            .execute();
    });
  }
  // As the database's housekeeping would have by now: autovacuum on PostgreSQL (its visibility map lets the indexes
  // answer alone), the hub's `pragma optimize` on SQLite (store.maintain).
  if (hub.store.dialect === 'postgres') await sql`vacuum analyze`.execute(hub.store.db);
  else await hub.store.maintain();
  writeFileSync(join(dir, 'ui-samples.json'), JSON.stringify(samples));
  const seedSeconds = (performance.now() - started) / 1000;
  const size =
    hub.store.dialect === 'postgres'
      ? sql<{ db: number; terms: number }>`select pg_database_size(current_database()) as db,
          pg_total_relation_size('order_search_terms') as terms`
      : sql<{
          db: number;
          terms: number;
        }>`select (select page_count * page_size from pragma_page_count(), pragma_page_size()) as db,
          (select sum(pgsize) from dbstat where name like 'order_search_terms%') as terms`;
  const { rows } = await size.execute(hub.store.db);
  return {
    seedSeconds,
    orders: ORDERS,
    purchaseOrders: pos,
    dbMb: Number(rows[0]!.db) / 1e6,
    termsMb: Number(rows[0]!.terms) / 1e6,
  };
}

/** What one kind of request took, measured. */
export interface KindFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface UiOutcome {
  requests: number;
  connections: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  perKind: Record<string, KindFigures>;
  /** Answers other than 200, and searches by an external id or email that missed the order they name. */
  failures: string[];
  seed: Record<string, number>;
}

/** A request of the mix, or a walk of pages (each page a request of that kind). */
interface Task {
  kind: string;
  path: string;
  list: 'orders' | 'purchaseOrders';
  token?: string | undefined;
  /** Follow `next` this many times after the first page. */
  follow?: number;
  /** An order id the answer's first page must hold. */
  mustFind?: string | undefined;
}

/**
 * Seeds a fresh database (a process of its own), starts `waybill start --no-worker` on it, and measures the UI's lists
 * over HTTP: WARMUP requests, then REQUESTS measured, from CONNECTIONS closed loops.
 */
export async function runUi(db: string, env: HubEnv, dir: string): Promise<UiOutcome> {
  console.log(`${db}: ui, seeding ${ORDERS} orders`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'seed', env.databaseUrl, dir],
    { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, WAYBILL_SECRET_KEY: env.secretKey } },
  );
  const seed = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
  const samples = JSON.parse(readFileSync(join(dir, 'ui-samples.json'), 'utf8')) as Samples;
  console.log(
    `${db}: ui, seeded in ${seed.seedSeconds!.toFixed(1)} s; ${WARMUP} requests of warm-up, then ${REQUESTS} measured from ${CONNECTIONS} connections`,
  );
  const hub = await startHub(env);
  try {
    const key = await createOperatorKey(env);
    const random = seededRandom(7);
    const times = new Map<string, number[]>();
    const failures: string[] = [];
    let sent = 0;
    const request = async (task: Task, path: string): Promise<{ next: string | null; ids: string[] }> => {
      const started = performance.now();
      const answer = await fetch(`${hub.url}${path}`, {
        headers: { authorization: `Bearer ${task.token ?? key}` },
      });
      const text = await answer.text();
      const ms = performance.now() - started;
      if (sent++ >= WARMUP) {
        const kind = times.get(task.kind);
        if (kind) kind.push(ms);
        else times.set(task.kind, [ms]);
      }
      if (answer.status !== 200) {
        failures.push(`${path}: ${answer.status} ${text.slice(0, 200)}`);
        return { next: null, ids: [] };
      }
      const body = JSON.parse(text) as { next: string | null } & Record<string, { id: string }[]>;
      return { next: body.next, ids: body[task.list]!.map((item) => item.id) };
    };
    const loop = async () => {
      while (sent < WARMUP + REQUESTS) {
        const task = nextTask(random, samples);
        let page = await request(task, task.path);
        if (task.mustFind && !page.ids.includes(task.mustFind))
          failures.push(`${task.path}: the answer misses ${task.mustFind}`);
        for (let n = 0; n < (task.follow ?? 0) && page.next; n++)
          page = await request(task, `${task.path}&before=${encodeURIComponent(page.next)}`);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
    const all = [...times.values()].flat();
    const perKind = Object.fromEntries([...times].map(([kind, ms]) => [kind, figures(ms)]));
    const overall = figures(all);
    return {
      requests: all.length,
      connections: CONNECTIONS,
      p50Ms: overall.p50Ms,
      p99Ms: overall.p99Ms,
      maxMs: overall.maxMs,
      perKind,
      failures: [...new Set(failures)].slice(0, 20),
      seed,
    };
  } finally {
    await hub.stop();
  }
}

function figures(ms: readonly number[]): KindFigures {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return {
    requests: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/**
 * The mix, as a few people at the UI would make it: first pages, walks 20 pages deep, every filter alone and some
 * together, every kind of search (with values that exist, some typed in another case), and the supplier's list.
 */
function nextTask(random: () => number, s: Samples): Task {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const orders = (kind: string, params: Record<string, string>, extra: Partial<Task> = {}): Task => ({
    kind,
    path: `/api/v1/orders?${new URLSearchParams({ limit: '50', ...params })}`,
    list: 'orders',
    ...extra,
  });
  const day = (n: number) => new Date(s.start + n * DAY).toISOString().slice(0, 10);
  const supplier = pick(s.suppliers);
  const pos = (kind: string, params: Record<string, string>, extra: Partial<Task> = {}): Task => ({
    kind,
    path: `/supplier-api/v1/purchase-orders?${new URLSearchParams({ limit: '50', ...params })}`,
    list: 'purchaseOrders',
    token: s.tokens[supplier],
    ...extra,
  });
  const states = [
    'completed',
    'fulfilled',
    'routed',
    'partially_fulfilled',
    'cancelled',
    'on_hold',
    'awaiting_payment',
    'received',
  ];
  const roll = random() * 100;
  if (roll < 10) return orders('first', {});
  if (roll < 12) return orders('deep', {}, { follow: 20 });
  if (roll < 13) return orders('deep_filtered', { state: pick(['completed', 'routed']) }, { follow: 20 });
  if (roll < 20) return orders('state', { state: pick(states) });
  if (roll < 25) return orders('channel', { channelId: pick(s.channels) });
  if (roll < 30) return orders('supplier', { supplierId: pick(s.suppliers) });
  if (roll < 35) {
    const from = Math.floor(random() * (s.spanDays - 7));
    return orders('placed_range', { from: day(from), to: day(from + pick([1, 7])) });
  }
  if (roll < 40) {
    const from = Math.floor(random() * (s.spanDays - 7));
    return orders('combined', {
      state: pick(states),
      channelId: pick(s.channels),
      from: day(from),
      to: day(from + 7),
    });
  }
  if (roll < 46) return orders('q_external_id', { q: pick(s.externalIds) });
  if (roll < 52) {
    const email = pick(s.emails);
    return orders('q_email', { q: random() < 0.5 ? email : email.toUpperCase() });
  }
  if (roll < 60) {
    const name = pick(s.names);
    const [first, last] = name.split(' ') as [string, string];
    const typed = pick([name, first, last.slice(0, 3), last.slice(0, 5), `${first} ${last.slice(0, 2)}`]);
    return orders('q_name', { q: random() < 0.5 ? typed : typed.toLowerCase() });
  }
  if (roll < 66) return orders('q_sku', { q: pick(s.skus) });
  if (roll < 72) {
    const po = pick(s.poNumbers);
    return orders('q_po_number', { q: random() < 0.5 ? po : po.replace(/-[A-Z]+$/, '') });
  }
  if (roll < 78) return pos('po_list', {});
  if (roll < 80) return pos('po_list_deep', {}, { follow: 10 });
  if (roll < 90) return pos('po_state', { state: pick(['new', 'acknowledged', 'to_ship', 'shipped']) });
  const own = s.poNumbers.filter((p) => p.endsWith(`-${supplier.toUpperCase()}`));
  const sku = PRODUCTS.find((p) => p.supplier === supplier)!;
  return pos('po_search', {
    q: pick([pick(own), pick(own).slice(0, 14), sku.sku, supplierSku(sku)]),
    ...(random() < 0.3 ? { state: 'to_ship' } : {}),
  });
}

async function main(): Promise<void> {
  const [mode, databaseUrl, dir] = process.argv.slice(2);
  if (mode !== 'seed' || !databaseUrl || !dir) throw new Error('usage: bench/ui.ts seed DATABASE_URL DIR');
  const hub = await createHub({
    databaseUrl,
    // The hub started afterwards opens what this one sealed (the suppliers' secrets) with the same key.
    secretKey: process.env.WAYBILL_SECRET_KEY ?? Buffer.alloc(32, 9).toString('base64'),
    migrate: true,
    worker: false,
    http: false,
    logLevel: 'silent',
  });
  try {
    console.log(JSON.stringify(await seed(hub, dir)));
  } finally {
    await hub.close(1_000);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
