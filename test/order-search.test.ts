import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backfill } from '../src/store/migrations/0021-order-search.ts';
import { listSupplierPurchaseOrders } from '../src/store/purchase-orders.repo.ts';
import { listOrderSummaries } from '../src/store/views-orders.repo.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, SUPPLIER_TOKENS, type TestHub } from './support/hub.ts';

/** An order as the test placed it, with what the hub made of it (its lines' suppliers, its purchase orders). */
interface Placed {
  id: string;
  channelId: string;
  externalId: string;
  placedAt: number;
  email: string;
  name: string | undefined;
  skus: string[];
  lineSuppliers: string[];
  pos: { id: string; poNumber: string; supplierId: string; state: string; skus: string[] }[];
  state: string;
}

const CUSTOMERS = [
  { name: 'Ann Smith', email: 'ann@example.com' },
  { name: 'Zoë Müller', email: 'Zoe.Mueller@Example.COM' },
  { name: "Mary-Jane O'Neil", email: 'mj@example.org' },
  { name: 'Smithers Jones', email: 'sj@example.net' },
  { name: undefined, email: 'anon@example.com' },
  { name: 'Bob Annesley', email: 'bob@example.com' },
];
const BASKETS = [
  ['MUG-BLUE'],
  ['TEE-RED-M'],
  ['LAMP-OAK', 'MUG-BLUE'],
  ['mug-blue'],
  ['SOCK-GREY', 'TEE-RED-M'],
  ['SOCK-GREY'],
];
const ORDERS = 40;
/** Three orders to an instant (ties split across pages), an hour apart, from 2026-03-01 20:00 UTC over two days. */
const placedAt = (i: number) => Date.UTC(2026, 2, 1, 20) + Math.floor(i / 3) * 3_600_000;
/** Every state a purchase order takes, in turn. */
const PO_STATES = [
  'pending',
  'sent',
  'send_failed',
  'accepted',
  'partially_accepted',
  'partially_shipped',
  'shipped',
  'rejected',
  'cancelled',
  'draft',
];
const PORTAL: Record<string, string[]> = {
  new: ['pending', 'sent', 'send_failed'],
  acknowledged: ['accepted', 'partially_accepted', 'rejected', 'partially_shipped', 'shipped'],
  to_ship: ['accepted', 'partially_accepted', 'partially_shipped'],
  shipped: ['shipped'],
};

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();

/** The search as documented: external id or PO number by prefix, email whole, name or a word of it by prefix (case and accents ignored); a SKU whole, as written. */
function found(o: Placed, q: string): boolean {
  const f = fold(q);
  const name = o.name ? fold(o.name) : '';
  return (
    fold(o.externalId).startsWith(f) ||
    o.pos.some((p) => fold(p.poNumber).startsWith(f)) ||
    fold(o.email) === f ||
    (name !== '' && (name.startsWith(f) || name.split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(f)))) ||
    o.skus.includes(q.trim())
  );
}

interface Filter {
  state?: string;
  channelId?: string;
  supplierId?: string;
  q?: string;
  from?: string;
  to?: string;
}

function bound(value: string, end: boolean): number {
  if (value.length === 10) return Date.parse(`${value}T00:00:00Z`);
  return Date.parse(value) + (end ? 1 : 0);
}

function expected(all: readonly Placed[], f: Filter): string[] {
  return all
    .filter(
      (o) =>
        (!f.state || o.state === f.state) &&
        (!f.channelId || o.channelId === f.channelId) &&
        (!f.supplierId ||
          o.lineSuppliers.includes(f.supplierId) ||
          o.pos.some((p) => p.supplierId === f.supplierId)) &&
        (!f.q || found(o, f.q)) &&
        (!f.from || o.placedAt >= bound(f.from, false)) &&
        (!f.to || o.placedAt < bound(f.to, true)),
    )
    .sort((a, b) => b.placedAt - a.placedAt || (a.id < b.id ? 1 : -1))
    .map((o) => o.id);
}

function queryOf(f: Filter, limit: number): string {
  const params = new URLSearchParams({ limit: String(limit) });
  for (const [k, v] of Object.entries(f)) if (v !== undefined) params.set(k, v);
  return params.toString();
}

describeEachDatabase('the order list: filters, search and exact paging', (dialect) => {
  let t: TestHub;
  let all: Placed[];

  beforeAll(async () => {
    t = await startTestHub(dialect);
    await t.apply(setup());
    all = await placeOrders(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Every page of a list, following `next`; each page at most `limit` long. */
  async function pages(path: string, list: string, limit: number, key?: string): Promise<string[]> {
    const ids: string[] = [];
    let next: string | null = null;
    for (let n = 0; n < 200; n++) {
      const answer = await t.api(next ? `${path}&before=${encodeURIComponent(next)}` : path, {
        ...(key ? { key } : {}),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const items = answer.body[list] as { id: string }[];
      expect(items.length).toBeLessThanOrEqual(limit);
      ids.push(...items.map((i) => i.id));
      next = answer.body.next;
      if (next === null) return ids;
    }
    throw new Error(`${path}: more than 200 pages`);
  }

  /** The same list read from the store with one match read by id at most: the other way of finding them. */
  async function pagesTested(f: Filter, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let before: string | undefined;
    for (let n = 0; n < 200; n++) {
      const page = await listOrderSummaries(
        t.hub.store.db,
        {
          ...f,
          placedFrom: f.from === undefined ? undefined : bound(f.from, false),
          placedBefore: f.to === undefined ? undefined : bound(f.to, true),
          limit,
          before,
        },
        1,
      );
      ids.push(...page!.orders.map((o) => o.id));
      if (page!.next === null) return ids;
      before = page!.next;
    }
    throw new Error('more than 200 pages');
  }

  it('newest placed first, the larger id first in a tie, each order once at any page size', async () => {
    const everything = expected(all, {});
    expect(everything).toHaveLength(ORDERS);
    for (const limit of [1, 2, 3, 7, 50])
      expect(await pages(`/api/v1/orders?limit=${limit}`, 'orders', limit)).toEqual(everything);
  });

  it('a summary says when it was placed, who ordered and how many lines', async () => {
    const zoe = all.find((o) => o.name === 'Zoë Müller')!;
    const { body } = await t.api(`/api/v1/orders?q=${encodeURIComponent(zoe.externalId)}`);
    expect(body.orders).toEqual([
      expect.objectContaining({
        id: zoe.id,
        externalId: zoe.externalId,
        channelId: zoe.channelId,
        placedAt: new Date(zoe.placedAt).toISOString(),
        customer: { email: zoe.email, name: 'Zoë Müller' },
        lineCount: zoe.skus.length,
        total: expect.objectContaining({ currency: 'USD' }),
        createdAt: expect.any(String),
      }),
    ]);
    const anon = all.find((o) => o.name === undefined)!;
    const listed = (await t.api(`/api/v1/orders?q=${anon.email}`)).body.orders;
    expect(listed[0].customer).toEqual({ email: 'anon@example.com', name: null });
  });

  it('each filter finds exactly its orders, a few at a time', async () => {
    const filters: Filter[] = [
      { state: 'routed' },
      { state: 'cancelled' },
      { state: 'on_hold' },
      { state: 'completed' },
      { channelId: 'outlet' },
      { channelId: 'storefront' },
      { channelId: 'nowhere' },
      { supplierId: 'prompt' },
      { supplierId: 'flaky' },
      { supplierId: 'nobody' },
      { from: '2026-03-02' },
      { to: '2026-03-02' },
      { from: '2026-03-02', to: '2026-03-03' },
      // A date-time `to` is included; a date `to` is not (the day's start).
      { to: '2026-03-02T00:00:00Z' },
      { from: '2026-03-02T10:00:00+02:00', to: '2026-03-02T11:00:00.000Z' },
      { state: 'routed', channelId: 'outlet', supplierId: 'prompt' },
      { supplierId: 'flaky', from: '2026-03-01', to: '2026-03-02' },
    ];
    for (const f of filters) {
      const want = expected(all, f);
      expect(await pages(`/api/v1/orders?${queryOf(f, 4)}`, 'orders', 4), JSON.stringify(f)).toEqual(want);
      expect(await pagesTested(f, 4), `tested: ${JSON.stringify(f)}`).toEqual(want);
    }
    // The filters are not vacuous: each of these finds some orders and leaves out others.
    for (const f of [
      { state: 'cancelled' },
      { channelId: 'outlet' },
      { supplierId: 'prompt' },
      { to: '2026-03-02' },
    ])
      expect(expected(all, f).length).toBeGreaterThan(0);
    // An order placed at midnight exactly: in `to=<that instant>`, not in `to=<that day>`.
    const midnight = Date.parse('2026-03-02T00:00:00Z');
    const atMidnight = all.filter((o) => o.placedAt === midnight).map((o) => o.id);
    expect(atMidnight.length).toBeGreaterThan(0);
    const dayTo = await pages('/api/v1/orders?to=2026-03-02&limit=50', 'orders', 50);
    const instantTo = await pages('/api/v1/orders?to=2026-03-02T00:00:00Z&limit=50', 'orders', 50);
    for (const id of atMidnight) {
      expect(dayTo).not.toContain(id);
      expect(instantTo).toContain(id);
    }
  });

  it('each kind of search finds exactly its orders', async () => {
    const ann = all.find((o) => o.name === 'Ann Smith')!;
    const withPo = all.find((o) => o.pos.length > 1)!;
    const po = withPo.pos[0]!;
    const cases: [string, (o: Placed) => boolean][] = [
      // External id, whole or by prefix, case ignored.
      [ann.externalId, (o) => o.externalId === ann.externalId],
      [ann.externalId.toLowerCase(), (o) => o.externalId === ann.externalId],
      ['SF-100', (o) => o.externalId.startsWith('SF-100')],
      ['#50', (o) => o.externalId.startsWith('#50')],
      // A PO number, whole or by prefix, whatever its case.
      [po.poNumber, (o) => o.id === withPo.id],
      [po.poNumber.slice(0, 12).toLowerCase(), (o) => o.id === withPo.id],
      // An email whole, whatever its case; not by prefix.
      ['zoe.mueller@example.com', (o) => o.name === 'Zoë Müller'],
      ['ANN@EXAMPLE.COM', (o) => o.name === 'Ann Smith'],
      ['zoe.mue', () => false],
      // A name by the prefix of any of its words, or of the whole; case and accents ignored.
      ['smi', (o) => o.name === 'Ann Smith' || o.name === 'Smithers Jones'],
      ['müll', (o) => o.name === 'Zoë Müller'],
      ['ZOE', (o) => o.name === 'Zoë Müller'],
      ['jane', (o) => o.name === "Mary-Jane O'Neil"],
      ['neil', (o) => o.name === "Mary-Jane O'Neil"],
      ['ann smi', (o) => o.name === 'Ann Smith'],
      ['ann', (o) => o.name === 'Ann Smith' || o.name === 'Bob Annesley'],
      // A SKU whole and as written.
      ['MUG-BLUE', (o) => o.skus.includes('MUG-BLUE')],
      ['mug-blue', (o) => o.skus.includes('mug-blue')],
      ['MUG', () => false],
      ['nothing at all', () => false],
    ];
    for (const [q, want] of cases) {
      const ids = expected(
        all.filter((o) => want(o)),
        {},
      );
      expect(expected(all, { q }), `model: ${q}`).toEqual(ids);
      expect(await pages(`/api/v1/orders?${queryOf({ q }, 3)}`, 'orders', 3), q).toEqual(ids);
      expect(await pagesTested({ q }, 3), `tested: ${q}`).toEqual(ids);
    }
    // Blanks search nothing: the whole list.
    expect(await pages('/api/v1/orders?q=%20%20&limit=50', 'orders', 50)).toEqual(expected(all, {}));
  });

  it('property: under any filters and search, the pages put together are the filtered list', async () => {
    const qs = ['smi', 'ann', 'SF-10', '#5', 'MUG-BLUE', 'SOCK-GREY', 'zoe.mueller@example.com', 'po-', 'x'];
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            state: fc.constantFrom('routed', 'cancelled', 'on_hold', 'completed'),
            channelId: fc.constantFrom('storefront', 'outlet'),
            supplierId: fc.constantFrom('prompt', 'flaky'),
            q: fc.constantFrom(...qs),
            from: fc.constantFrom('2026-03-01', '2026-03-02', '2026-03-01T23:00:00Z'),
            to: fc.constantFrom('2026-03-02', '2026-03-03', '2026-03-02T05:00:00Z'),
          },
          { requiredKeys: [] },
        ),
        fc.integer({ min: 1, max: 6 }),
        async (f, limit) => {
          if (f.from && f.to && bound(f.from, false) >= bound(f.to, true)) return;
          const want = expected(all, f);
          expect(await pages(`/api/v1/orders?${queryOf(f, limit)}`, 'orders', limit)).toEqual(want);
          expect(await pagesTested(f, limit)).toEqual(want);
        },
      ),
      { numRuns: 30, seed: 20_261_206 },
    );
  }, 120_000);

  it('orders stored before 0021 are given the same terms by its backfill as intake writes', async () => {
    const terms = () =>
      t.hub.store.db
        .selectFrom('order_search_terms')
        .selectAll()
        .orderBy('term')
        .orderBy('kind')
        .orderBy('order_id')
        .execute();
    const written = await terms();
    expect(written.length).toBeGreaterThan(ORDERS * 3);
    await t.hub.store.transact(async (tx) => {
      await tx.deleteFrom('order_search_terms').execute();
      await backfill(tx);
    });
    expect(await terms()).toEqual(written);
  });

  it('bad input names its field', async () => {
    const refused = async (path: string, status: number, field: string) => {
      const answer = await t.api(path);
      expect(answer.status, path).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body, path).toMatchObject({ code: 'invalid_input', field });
    };
    await refused('/api/v1/orders?state=shipped-ish', 400, 'query.state');
    await refused('/api/v1/orders?limit=0', 400, 'query.limit');
    await refused('/api/v1/orders?limit=501', 400, 'query.limit');
    await refused('/api/v1/orders?from=yesterday', 400, 'query.from');
    await refused('/api/v1/orders?to=2026-02-30', 400, 'query.to');
    await refused('/api/v1/orders?from=2026-03-01T10:00:00', 400, 'query.from');
    await refused(`/api/v1/orders?q=${'x'.repeat(201)}`, 400, 'query.q');
    await refused('/api/v1/orders?from=2026-03-02&to=2026-03-01', 422, 'query.to');
    await refused('/api/v1/orders?from=2026-03-02&to=2026-03-02', 422, 'query.to');
    await refused('/api/v1/orders?before=ord_none', 422, 'query.before');
    const supplier = async (path: string, field: string) => {
      const answer = await fetch(`${t.url}${path}`, {
        headers: { authorization: `Bearer ${SUPPLIER_TOKENS.prompt}` },
      });
      expect(answer.status, path).toBe(400);
      expect(await answer.json()).toMatchObject({ code: 'invalid_input', field });
    };
    await supplier('/supplier-api/v1/purchase-orders?state=sent', 'query.state');
    await supplier('/supplier-api/v1/purchase-orders?status=new', 'query.status');
    await supplier(`/supplier-api/v1/purchase-orders?q=${'x'.repeat(201)}`, 'query.q');
    await supplier('/supplier-api/v1/purchase-orders?limit=0', 'query.limit');
  });

  it("the supplier's list shows its own purchase orders only, under every state and search", async () => {
    const pos = all.flatMap((o) => o.pos);
    for (const supplier of ['prompt', 'flaky'] as const) {
      const other = supplier === 'prompt' ? 'flaky' : 'prompt';
      const own = pos.filter((p) => p.supplierId === supplier).sort((a, b) => (a.id < b.id ? 1 : -1));
      const mine = own[0]!;
      const theirs = pos.find((p) => p.supplierId === other)!;
      const searches = [
        undefined,
        mine.poNumber,
        mine.poNumber.slice(0, 12).toLowerCase(),
        'PO-',
        theirs.poNumber,
        'MUG-BLUE',
        'SOCK-GREY',
        'TEE-RED-M',
        supplier === 'prompt' ? 'P-MUG-1' : 'F-TEE-RM',
        'P-TEE-RM',
        'mug-blue',
      ];
      for (const state of [undefined, 'new', 'acknowledged', 'to_ship', 'shipped'])
        for (const q of searches) {
          const want = own
            .filter((p) => !state || PORTAL[state]!.includes(p.state))
            .filter(
              (p) =>
                !q ||
                fold(p.poNumber).startsWith(fold(q)) ||
                p.skus.includes(q) ||
                supplierSkus(p).includes(q),
            )
            .map((p) => p.id);
          const params = new URLSearchParams({
            limit: '3',
            ...(state ? { state } : {}),
            ...(q ? { q } : {}),
          });
          const listed = await pages(
            `/supplier-api/v1/purchase-orders?${params}`,
            'purchaseOrders',
            3,
            SUPPLIER_TOKENS[supplier],
          );
          expect(listed, `${supplier} ${state} ${q}`).toEqual(want);
          expect(await supplierPagesTested(supplier, state, q), `tested: ${supplier} ${state} ${q}`).toEqual(
            want,
          );
        }
      // Another supplier's PO number finds nothing; the state and the old exact status combine.
      expect(
        await pages(
          `/supplier-api/v1/purchase-orders?limit=5&q=${theirs.poNumber}`,
          'purchaseOrders',
          5,
          SUPPLIER_TOKENS[supplier],
        ),
      ).toEqual([]);
      expect(
        await pages(
          '/supplier-api/v1/purchase-orders?limit=5&state=to_ship&status=accepted',
          'purchaseOrders',
          5,
          SUPPLIER_TOKENS[supplier],
        ),
      ).toEqual(own.filter((p) => p.state === 'accepted').map((p) => p.id));
      expect(
        await pages(
          '/supplier-api/v1/purchase-orders?limit=5&state=new&status=shipped',
          'purchaseOrders',
          5,
          SUPPLIER_TOKENS[supplier],
        ),
      ).toEqual([]);
    }
    // Every portal state is met by some PO of each supplier, so no filter above was vacuous.
    for (const supplier of ['prompt', 'flaky'])
      for (const states of Object.values(PORTAL))
        expect(pos.some((p) => p.supplierId === supplier && states.includes(p.state))).toBe(true);
  });

  /** The supplier's list from the store, with one match read by id at most: the other way of finding them. */
  async function supplierPagesTested(
    supplier: string,
    state: string | undefined,
    q: string | undefined,
  ): Promise<string[]> {
    const ids: string[] = [];
    let before: string | undefined;
    for (let n = 0; n < 200; n++) {
      const page = await listSupplierPurchaseOrders(
        t.hub.store.db,
        supplier,
        { states: state ? (PORTAL[state] as never) : undefined, q, limit: 3, before },
        1,
      );
      ids.push(...page.purchaseOrders.map((p) => p.id));
      if (page.next === null) return ids;
      before = page.next;
    }
    throw new Error('more than 200 pages');
  }
});

const SUPPLIER_SKUS: Record<string, string> = {
  'prompt:MUG-BLUE': 'P-MUG-1',
  'prompt:mug-blue': 'P-MUG-LC',
  'prompt:SOCK-GREY': 'P-SOCK',
  'prompt:TEE-RED-M': 'P-TEE-RM',
  'flaky:TEE-RED-M': 'F-TEE-RM',
  'flaky:LAMP-OAK': 'F-LAMP',
};

function supplierSkus(p: { supplierId: string; skus: string[] }): string[] {
  return p.skus.map((sku) => SUPPLIER_SKUS[`${p.supplierId}:${sku}`]!);
}

function setup() {
  const transport = (secret: string) => ({
    kind: 'rest-json',
    url: 'http://127.0.0.1:9/po',
    signingSecret: secret,
  });
  const offer = (supplier: string, sku: string, priority = 1) => ({
    supplier,
    supplierSku: SUPPLIER_SKUS[`${supplier}:${sku}`],
    cost: { amount: 400, currency: 'USD' },
    priority,
  });
  return {
    apiVersion: 'waybill/v1',
    retailer: { name: 'Search Retailer' },
    channels: [
      { id: 'storefront', kind: 'storefront', name: 'Storefront', currency: 'USD' },
      { id: 'outlet', kind: 'storefront', name: 'Outlet', currency: 'USD' },
    ],
    suppliers: [
      {
        id: 'prompt',
        name: 'Prompt Supply',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        transport: transport('prompt-signing-secret-000001'),
      },
      {
        id: 'flaky',
        name: 'Flaky Wholesale',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.flaky,
        transport: transport('flaky-signing-secret-0000001'),
      },
    ],
    products: [
      { sku: 'MUG-BLUE', name: 'Blue mug', offers: [offer('prompt', 'MUG-BLUE')] },
      { sku: 'mug-blue', name: 'Blue mug (small)', offers: [offer('prompt', 'mug-blue')] },
      { sku: 'SOCK-GREY', name: 'Grey socks', offers: [offer('prompt', 'SOCK-GREY')] },
      {
        sku: 'TEE-RED-M',
        name: 'Red tee, M',
        offers: [offer('flaky', 'TEE-RED-M'), offer('prompt', 'TEE-RED-M', 2)],
      },
      { sku: 'LAMP-OAK', name: 'Oak lamp', offers: [offer('flaky', 'LAMP-OAK')] },
    ],
  };
}

/**
 * ORDERS orders through the operator API (so stored, and their terms written, as any order is), then some moved to
 * other states and their POs through every state, as a running shop has them. Returns what the test expects of each.
 */
async function placeOrders(t: TestHub): Promise<Placed[]> {
  const placed: Placed[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const customer = CUSTOMERS[i % CUSTOMERS.length]!;
    const channelId = i % 4 === 3 ? 'outlet' : 'storefront';
    const externalId = channelId === 'outlet' ? `#${5000 + i}` : `SF-${1000 + i}`;
    const skus = BASKETS[i % BASKETS.length]!;
    const answer = await t.api(`/api/v1/channels/${channelId}/orders`, {
      body: {
        externalId,
        placedAt: new Date(placedAt(i)).toISOString(),
        currency: 'USD',
        customer: customer.name ? customer : { email: customer.email },
        shippingAddress: {
          name: customer.name ?? 'A. Nonymous',
          line1: '1 Main St',
          city: 'Springfield',
          region: 'IL',
          postalCode: '62701',
          country: 'US',
        },
        lines: skus.map((sku) => ({ sku, quantity: 1, unitPrice: 1299 })),
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    placed.push({
      id: answer.body.id,
      channelId,
      externalId,
      placedAt: placedAt(i),
      email: customer.email,
      name: customer.name,
      skus,
      lineSuppliers: [],
      pos: [],
      state: '',
    });
  }
  // Orders in other states, as the shop's life would have moved them.
  const db = t.hub.store.db;
  for (const [n, state] of [
    [5, 'cancelled'],
    [7, 'completed'],
    [11, 'on_hold'],
  ] as const)
    await db
      .updateTable('orders')
      .set({ state })
      .where(
        'id',
        'in',
        placed.filter((_, i) => i % n === 1).map((o) => o.id),
      )
      .execute();
  const pos = await db.selectFrom('purchase_orders').select(['id']).orderBy('id').execute();
  for (const [k, po] of pos.entries())
    await db
      .updateTable('purchase_orders')
      .set({ state: PO_STATES[k % PO_STATES.length]! })
      .where('id', '=', po.id)
      .execute();
  for (const o of placed) {
    const { body: view } = await t.api(`/api/v1/orders/${o.id}`);
    o.state = view.state;
    o.lineSuppliers = view.lines.map((l: { supplierId: string | null }) => l.supplierId).filter(Boolean);
    o.pos = view.purchaseOrders.map(
      (p: { id: string; poNumber: string; supplierId: string; state: string; lines: { sku: string }[] }) => ({
        id: p.id,
        poNumber: p.poNumber,
        supplierId: p.supplierId,
        state: p.state,
        skus: p.lines.map((l) => l.sku),
      }),
    );
  }
  return placed;
}
