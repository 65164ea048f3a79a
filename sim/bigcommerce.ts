/**
 * A simulated BigCommerce store for the tests, the demo and the bench (never the production path). It answers the
 * part of the REST API Waybill calls (the v2 Orders API, the v3 payment actions, the variants batch, the hooks, the
 * store information) at http://127.0.0.1:{port}/stores/{store_hash}/…, as BigCommerce documents it in
 * bigcommerce/dev-docs, and checks every request against the vendored extract of those documents
 * (sim/contracts/bigcommerce/, sim/openapi-contract.ts): a request that breaks it is answered 400 in BigCommerce's
 * error shape and kept in `violations`. It enforces what BigCommerce enforces: the X-Auth-Token of the store's API
 * account, and the store's request quota per window with the X-Rate-Limit-* headers on every answer and a 429 once
 * it is spent (best-practices.mdx); orders, shipments and refunds change orders as the store would and tell its
 * hooks (./bigcommerce-hooks.ts). Orders are made like every simulated store's (./bigcommerce-orders.ts). Written
 * from BigCommerce's documents, not from src/. Demo and test use only.
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { HANDLERS, type StoreState, type Variant } from './bigcommerce-api.ts';
import { HookDispatcher, type CallbackOutcome, type SimHook } from './bigcommerce-hooks.ts';
import { makeOrder, type BigCommerceItem, type OrderOptions, type SimOrder } from './bigcommerce-orders.ts';
import { makeRefund, quoteUnits, refundMethods, type SimRefund } from './bigcommerce-refunds.ts';
import { loadContract, readContractFile, type OpenApiContract } from './openapi-contract.ts';
import { newGeneratorContext, type GeneratorContext } from './order-generator.ts';
import { closeServer, headerValue, listen, parseJson, queueRepeated, readBody } from './shared.ts';

export type { BigCommerceItem, OrderOptions, SimOrder } from './bigcommerce-orders.ts';
export type { CallbackOutcome, SimHook } from './bigcommerce-hooks.ts';
export type { SimRefund } from './bigcommerce-refunds.ts';

export interface BigCommerceSimOptions {
  /** The store API account's access token the store takes in X-Auth-Token. */
  accessToken: string;
  /** Default 'wbsim0001'. */
  storeHash?: string;
  storeName?: string;
  seed?: number;
  /** The transactional (and the store's default) currency; default 'USD'. */
  currency?: string;
  now?: () => number;
  /**
   * The store's quota: requests per window. Default the Standard and Plus plans' 150 per 30 s (Pro: 450 per 30 s);
   * null for none (Enterprise's "unlimited" plan, short of infrastructure limits).
   */
  rateLimit?: RateLimit | null;
  /** BigCommerce retries a failed callback over about 48 hours; here that schedule × retryScale (default 1/10,000). */
  retryScale?: number;
  /** Default a free port on loopback. */
  port?: number;
}

export interface RateLimit {
  quota: number;
  windowMs: number;
}

/** What the store answered: an operation of the contracts, or null for a request it could not place. */
export interface SimCall {
  operationId: string | null;
  method: string;
  path: string;
  status: number;
  /** rate-limited: the caller sent more than the window's quota; quota-spent-by-others: another app had spent it. */
  outcome:
    | 'ok'
    | 'refused'
    | 'unauthorized'
    | 'rate-limited'
    | 'quota-spent-by-others'
    | 'contract'
    | 'fault'
    | 'lost';
}

export interface SimViolation {
  operationId: string | null;
  method: string;
  path: string;
  where: string;
  message: string;
}

/**
 * What meets the next calls of an operation: an answer of this status (a 500, say), no answer at all after the work
 * is done, or another app of the store spending the window's quota first (BigCommerce shares a store's quota between
 * its apps), so the call is answered 429 with the window's true reset.
 */
export type SimFault = { kind: 'status'; status: number } | { kind: 'lose-answer' } | { kind: 'quota-spent' };

export interface BigCommerceSim {
  /** The apiUrl setting that reaches this store (its API lives under /stores/{storeHash}/). */
  readonly url: string;
  readonly storeHash: string;
  readonly calls: readonly SimCall[];
  readonly violations: readonly SimViolation[];
  /** Every callback sent, with its attempts. */
  readonly callbacks: readonly CallbackOutcome[];
  makeOrder(i: number, items: readonly BigCommerceItem[], opts?: OrderOptions): SimOrder;
  /** Takes the order (its stock out of the catalog) and tells the hooks: store/order/created. */
  place(order: SimOrder): Promise<CallbackOutcome[]>;
  /** Takes the order without telling any hook (a callback lost for good): only the poll finds it. */
  placeQuietly(order: SimOrder): void;
  /** The merchant changes the order (its status, say) at least a second later: store/order/updated (+ statusUpdated). */
  update(orderId: number, change: { statusId?: number; archived?: boolean }): Promise<CallbackOutcome[]>;
  /**
   * Another app writes these fields of the order through the API (PUT /v2/orders/{id} takes what the control panel
   * never writes): answered as given from then on, over the store's own, and the order is modified. For a client's
   * handling of an order it cannot read.
   */
  writeFields(
    orderId: number,
    fields: { order?: Record<string, unknown>; products?: Record<string, unknown> },
  ): Promise<CallbackOutcome[]>;
  order(orderId: number): SimOrder | undefined;
  refunds(orderId: number): readonly SimRefund[];
  /**
   * The merchant refunds units of the order's products in the control panel, through the order's own payment (the
   * card's gateway, or recorded as refunded for a bank deposit): what each unit is worth as a refund quote says it,
   * the order moved to Partially Refunded or Refunded, its hooks told (store/order/refund/created among them).
   */
  refundInControlPanel(
    orderId: number,
    items: readonly { productId: number; quantity: number }[],
    reason?: string,
  ): Promise<SimRefund>;
  /** A hook as the merchant's API account makes it (POST /v3/hooks). */
  createHook(hook: {
    scope: string;
    destination: string;
    headers?: Record<string, string>;
    isActive?: boolean;
  }): SimHook;
  updateHook(id: number, change: Partial<Pick<SimHook, 'isActive' | 'destination' | 'headers'>>): void;
  hook(id: number): SimHook | undefined;
  /** A product variant with this SKU and level (every product has at least its base variant). */
  addVariant(sku: string, level: number): Variant;
  variant(sku: string): Variant | undefined;
  seedCatalog(skus: readonly string[], available: number): void;
  onStock(listener: (sku: string, available: number) => void): () => void;
  fault(operationId: string, fault: SimFault, times?: number): void;
  setRateLimit(limit: RateLimit | null): void;
  /** The payment gateway declines refunds from now on (the refund is recorded, its payment marked declined). */
  declineRefunds(decline: boolean): void;
  /** Every callback delivered or given up. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const CONTRACTS_DIR = fileURLToPath(new URL('./contracts/bigcommerce/', import.meta.url));
let contracts: Record<string, OpenApiContract> | undefined;

/** The vendored documents, loaded once per process. */
export function bigCommerceContracts(): Record<string, OpenApiContract> {
  contracts ??= Object.fromEntries(
    [
      'orders-v2',
      'orders-v3-payment-actions',
      'catalog-variants-v3',
      'webhooks-v3',
      'store-information-v2',
    ].map((name) => [name, loadContract(readContractFile(`${CONTRACTS_DIR}${name}.json`))]),
  );
  return contracts;
}

/** Which document a path belongs to, by its version and resource. */
function contractFor(version: string, rest: string): OpenApiContract | undefined {
  const all = bigCommerceContracts();
  if (version === 'v2') return rest === '/store' ? all['store-information-v2'] : all['orders-v2'];
  if (rest.startsWith('/orders/')) return all['orders-v3-payment-actions'];
  if (rest.startsWith('/catalog/')) return all['catalog-variants-v3'];
  if (rest === '/hooks' || rest.startsWith('/hooks/')) return all['webhooks-v3'];
  return undefined;
}

export async function startBigCommerceSim(opts: BigCommerceSimOptions): Promise<BigCommerceSim> {
  const sim = new Store(opts);
  await sim.start(opts.port ?? 0);
  return sim;
}

const STANDARD_PLAN: RateLimit = { quota: 150, windowMs: 30_000 };

class Store implements BigCommerceSim {
  readonly storeHash: string;
  readonly calls: SimCall[] = [];
  readonly violations: SimViolation[] = [];
  url = '';
  readonly #generator: GeneratorContext;
  readonly #now: () => number;
  readonly #state: StoreState;
  readonly #hooks: HookDispatcher;
  readonly #faults = new Map<string, SimFault[]>();
  readonly #listeners = new Set<(sku: string, available: number) => void>();
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  readonly #ids = { shipment: 0, refund: 0, payment: 0, variant: 0 };
  #limit: RateLimit | null;
  #window = { startedAt: 0, used: 0, spentByOthers: false };

  constructor(private readonly opts: BigCommerceSimOptions) {
    this.storeHash = opts.storeHash ?? 'wbsim0001';
    this.#now = opts.now ?? Date.now;
    this.#limit = opts.rateLimit === undefined ? STANDARD_PLAN : opts.rateLimit;
    this.#generator = newGeneratorContext(opts, 1_000, this.#now());
    this.#hooks = new HookDispatcher({
      hash: this.storeHash,
      id: String(1_000_000 + randomInt(1_000_000)),
      now: this.#now,
      retryScale: opts.retryScale ?? 1 / 10_000,
    });
    this.#state = {
      hash: this.storeHash,
      name: opts.storeName ?? 'Waybill Sim Store',
      currency: this.#generator.currency,
      digits: this.#generator.digits,
      base: () => `${this.url}/stores/${this.storeHash}`,
      now: this.#now,
      orders: new Map(),
      refunds: new Map(),
      variants: { list: [], bySku: new Map(), byId: new Map() },
      hooks: this.#hooks,
      nextId: (what) => ++this.#ids[what],
      declineRefunds: false,
      changed: (order, previous) => void this.#changed(order, previous),
      refunded: (order, refund, previous) => void this.#refunded(order, refund, previous),
      stockSet: (variant) => this.#stockSet(variant),
    };
  }

  get callbacks(): readonly CallbackOutcome[] {
    return this.#hooks.outcomes;
  }

  async start(port: number): Promise<void> {
    this.url = `http://127.0.0.1:${await listen(this.#server, port)}`;
  }

  makeOrder(i: number, items: readonly BigCommerceItem[], opts?: OrderOptions): SimOrder {
    return makeOrder(this.#generator, i, items, opts);
  }

  place(order: SimOrder): Promise<CallbackOutcome[]> {
    this.placeQuietly(order);
    return this.#hooks.fire('store/order/created', { type: 'order', id: order.id });
  }

  placeQuietly(order: SimOrder): void {
    if (this.#state.orders.has(order.id)) throw new Error(`order ${order.id} is already in the store`);
    this.#state.orders.set(order.id, order);
    for (const product of order.products) {
      const variant = this.#state.variants.bySku.get(product.sku);
      if (!variant) continue;
      variant.level = Math.max(0, variant.level - product.quantity);
      this.#stockSet(variant);
    }
  }

  update(orderId: number, change: { statusId?: number; archived?: boolean }): Promise<CallbackOutcome[]> {
    const order = this.#order(orderId);
    const previous = order.statusId;
    if (change.statusId !== undefined) order.statusId = change.statusId;
    if (change.archived !== undefined) order.archived = change.archived;
    return this.#changed(order, previous);
  }

  writeFields(
    orderId: number,
    fields: { order?: Record<string, unknown>; products?: Record<string, unknown> },
  ): Promise<CallbackOutcome[]> {
    const order = this.#order(orderId);
    order.written = {
      order: { ...order.written?.order, ...fields.order },
      products: { ...order.written?.products, ...fields.products },
    };
    return this.#changed(order, order.statusId);
  }

  order(orderId: number): SimOrder | undefined {
    return this.#state.orders.get(orderId);
  }

  refunds(orderId: number): readonly SimRefund[] {
    return this.#state.refunds.get(orderId) ?? [];
  }

  async refundInControlPanel(
    orderId: number,
    items: readonly { productId: number; quantity: number }[],
    reason = '',
  ): Promise<SimRefund> {
    const order = this.#order(orderId);
    const asked = items.map((i) => ({ item_type: 'PRODUCT', item_id: i.productId, quantity: i.quantity }));
    // The order's own way back: its first refund method (the card's gateway, or the bank deposit's record).
    const paid = refundMethods(order, quoteUnits(order, asked).total)[0]![0]!;
    const previous = order.statusId;
    const refund = makeRefund(
      order,
      {
        items: asked,
        reason,
        payments: [{ provider_id: paid.provider_id, amount: paid.amount, offline: paid.offline }],
      },
      { refund: ++this.#ids.refund, payment: () => ++this.#ids.payment },
      this.#now(),
      this.#state.declineRefunds,
    );
    await this.#refunded(order, refund, previous);
    return refund;
  }

  createHook(hook: {
    scope: string;
    destination: string;
    headers?: Record<string, string>;
    isActive?: boolean;
  }): SimHook {
    return this.#hooks.create(hook);
  }

  updateHook(id: number, change: Partial<Pick<SimHook, 'isActive' | 'destination' | 'headers'>>): void {
    this.#hooks.update(id, change);
  }

  hook(id: number): SimHook | undefined {
    return this.#hooks.hooks.get(id);
  }

  addVariant(sku: string, level: number): Variant {
    const { variants } = this.#state;
    const id = ++this.#ids.variant;
    const variant = { id, productId: 10_000 + id, sku, level };
    variants.list.push(variant);
    variants.bySku.set(sku, variant);
    variants.byId.set(id, variant);
    return variant;
  }

  variant(sku: string): Variant | undefined {
    return this.#state.variants.bySku.get(sku);
  }

  seedCatalog(skus: readonly string[], available: number): void {
    for (const sku of skus) this.addVariant(sku, available);
  }

  onStock(listener: (sku: string, available: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  fault(operationId: string, fault: SimFault, times = 1): void {
    queueRepeated(this.#faults, operationId, fault, times);
  }

  setRateLimit(limit: RateLimit | null): void {
    this.#limit = limit;
    this.#window = { startedAt: 0, used: 0, spentByOthers: false };
  }

  declineRefunds(decline: boolean): void {
    this.#state.declineRefunds = decline;
  }

  settled(): Promise<void> {
    return this.#hooks.settled();
  }

  async close(): Promise<void> {
    this.#hooks.close();
    await closeServer(this.#server);
  }

  #order(orderId: number): SimOrder {
    const order = this.#state.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId} in the store`);
    return order;
  }

  /** BigCommerce keeps whole seconds; a change is stamped at least a second after the last, so versions differ. */
  #changed(order: SimOrder, previousStatus: number): Promise<CallbackOutcome[]> {
    order.modifiedMs = Math.max(Math.floor(this.#now() / 1000) * 1000, order.modifiedMs + 1000);
    const told = [this.#hooks.fire('store/order/updated', { type: 'order', id: order.id })];
    if (order.statusId !== previousStatus)
      told.push(
        this.#hooks.fire('store/order/statusUpdated', {
          type: 'order',
          id: order.id,
          status: { previous_status_id: previousStatus, new_status_id: order.statusId },
        }),
      );
    return Promise.all(told).then((all) => all.flat());
  }

  #refunded(order: SimOrder, refund: SimRefund, previousStatus: number): Promise<CallbackOutcome[]> {
    this.#state.refunds.set(order.id, [...this.refunds(order.id), refund]);
    const told = [
      this.#changed(order, previousStatus),
      this.#hooks.fire('store/order/refund/created', {
        type: 'order',
        id: order.id,
        refund: { refund_id: refund.id },
      }),
    ];
    return Promise.all(told).then((all) => all.flat());
  }

  #stockSet(variant: Variant): void {
    for (const listener of this.#listeners) listener(variant.sku, variant.level);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const call: SimCall = { operationId: null, method, path: url.pathname, status: 0, outcome: 'ok' };
    this.calls.push(call);
    const raw = await readBody(req).catch(() => Buffer.alloc(0));
    const answer = (status: number, body: unknown, outcome: SimCall['outcome'] = 'ok', headers = {}) => {
      call.status = status;
      call.outcome = outcome;
      res.writeHead(status, { 'content-type': 'application/json', ...this.#rateHeaders(), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const route = /^\/stores\/([^/]+)\/(v2|v3)(\/.*)$/.exec(url.pathname);
    if (!route || route[1] !== this.storeHash)
      return answer(
        404,
        { status: 404, title: 'Store not found', type: '/api-docs/getting-started/api-status-codes' },
        'refused',
      );
    const v2 = route[2] === 'v2';
    if (headerValue(req, 'x-auth-token') !== this.opts.accessToken)
      return answer(
        401,
        errorBody(v2, 401, 'You are not authorized to access this resource.'),
        'unauthorized',
      );
    const spent = () =>
      answer(
        429,
        errorBody(v2, 429, 'Too many requests'),
        this.#window.spentByOthers ? 'quota-spent-by-others' : 'rate-limited',
      );
    if (!this.#spend()) return spent();

    const body = raw.length ? parseJson(raw) : undefined;
    if (raw.length && body === undefined)
      return answer(400, errorBody(v2, 400, 'The request body is not valid JSON.'), 'refused');
    const contract = contractFor(route[2]!, route[3]!);
    const check = contract?.checkRequest({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    }) ?? {
      operationId: null,
      violations: [{ where: 'path', message: `${url.pathname} matches no path of the contracts` }],
    };
    call.operationId = check.operationId;
    if (check.violations.length) {
      for (const v of check.violations)
        this.violations.push({ operationId: check.operationId, method, path: url.pathname, ...v });
      const status = check.operationId ? 400 : 404;
      const errors = Object.fromEntries(check.violations.map((v) => [v.where, v.message]));
      return answer(
        status,
        v2
          ? [{ status, message: `${check.violations[0]!.where}: ${check.violations[0]!.message}` }]
          : { ...errorBody(false, status, 'Input is invalid'), errors },
        'contract',
      );
    }
    const fault = this.#faults.get(check.operationId!)?.shift();
    if (fault?.kind === 'quota-spent' && this.#limit) {
      this.#window.used = this.#limit.quota;
      this.#window.spentByOthers = true;
      return spent();
    }
    if (fault?.kind === 'status')
      return answer(fault.status, errorBody(v2, fault.status, 'Simulated failure'), 'fault');
    const handler = HANDLERS[check.operationId!];
    if (!handler) return answer(404, errorBody(v2, 404, 'Not found'), 'refused');
    const path = Object.fromEntries(pathParams(url.pathname));
    const result = handler(this.#state, { path, query: url.searchParams, body });
    if (fault?.kind === 'lose-answer') {
      call.status = result.status;
      call.outcome = 'lost';
      res.destroy();
      return;
    }
    answer(result.status, result.body, result.status < 400 ? 'ok' : 'refused');
  }

  /** One request of the window's quota; false when it is spent. */
  #spend(): boolean {
    if (!this.#limit) return true;
    const now = this.#now();
    if (now - this.#window.startedAt >= this.#limit.windowMs)
      this.#window = { startedAt: now, used: 0, spentByOthers: false };
    if (this.#window.used >= this.#limit.quota) return false;
    this.#window.used++;
    return true;
  }

  #rateHeaders(): Record<string, string> {
    if (!this.#limit) return {};
    const reset = Math.max(0, this.#window.startedAt + this.#limit.windowMs - this.#now());
    return {
      'x-rate-limit-requests-quota': String(this.#limit.quota),
      'x-rate-limit-time-window-ms': String(this.#limit.windowMs),
      'x-rate-limit-requests-left': String(Math.max(0, this.#limit.quota - this.#window.used)),
      'x-rate-limit-time-reset-ms': String(reset),
    };
  }
}

/** BigCommerce's error bodies: v2 `[{ status, message }]`, v3 `{ status, title, type }`. */
function errorBody(v2: boolean, status: number, message: string): object {
  return v2
    ? [{ status, message }]
    : { status, title: message, type: '/api-docs/getting-started/api-status-codes' };
}

/** The ids a path names: /v2/orders/{order_id}/… and /v3/orders/{order_id}/…. */
function pathParams(pathname: string): [string, string][] {
  const order = /\/orders\/(\d+)/.exec(pathname)?.[1];
  return order === undefined ? [] : [['order_id', order]];
}
