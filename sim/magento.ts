/**
 * A simulated Adobe Commerce / Magento Open Source 2.4 store for the demo, the tests and the bench (never the
 * production path), written from Magento's published REST schema (sim/contracts/magento/, which every request is
 * checked against, violations kept in `violations`), Adobe's REST guides and Magento's own code where they are
 * silent, not from Waybill's client. What it serves: GET /V1/orders with searchCriteria as Magento parses it, one
 * order, shipments with tracks (POST /V1/order/{id}/ship), credit memos offline and online, invoices, Inventory
 * source items and a source; the schema at GET /rest/{store}/schema. Who may call: the store's integration, signed
 * with OAuth 1.0a (./magento-oauth.ts), or its access token as a bearer token when the store allows that (off by
 * default since Magento 2.4.4). Magento has no rate limit of its own; a store's proxy may answer 429 (setRateLimit).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  buildOrder,
  magentoTime,
  parseMagentoTime,
  STATUS_OF,
  type Json,
  type MagentoItemSeed,
  type MagentoOrderOptions,
  type SimOrder,
} from './magento-orders.ts';
import { verifyOAuth, type MagentoIntegration } from './magento-oauth.ts';
import {
  echoCriteria,
  readSearchCriteria,
  runSearch,
  SearchCriteriaError,
  templateName,
} from './magento-search.ts';
import { MagentoBooks } from './magento-books.ts';
import {
  loadContract,
  readContractFile,
  type ContractViolation,
  type OpenApiContract,
} from './openapi-contract.ts';
import { newGeneratorContext } from './order-generator.ts';
import { closeServer, headerValue, listen, parseJson, queueRepeated, readBody } from './shared.ts';

export type { MagentoItemSeed, MagentoOrderOptions, MagentoState, SimOrder } from './magento-orders.ts';
export type { MagentoIntegration } from './magento-oauth.ts';

export const MAGENTO_CONTRACT = fileURLToPath(
  new URL('./contracts/magento/admin-schema-2.4.8.json', import.meta.url),
);

export interface MagentoSimOptions {
  integration: MagentoIntegration;
  /** The store allows the access token alone as a bearer token; default false (Magento 2.4.4's default). */
  bearerEnabled?: boolean;
  /** The store view code in /rest/{code}/V1; default `default` (`all` is always accepted too). */
  storeCode?: string;
  /** The Inventory sources; default ['default']. */
  sources?: string[];
  /** Web API input limits on: lists of more entities than this refused (Magento's default when on: 20). */
  inputListLimit?: number;
  /** Default 1. */
  seed?: number;
  /** The store's base currency; default USD. */
  currency?: string;
  /** The store's clock in ms (default Date.now). */
  now?: () => number;
  port?: number;
}

/** One request as it arrived, and what it was answered. */
export interface MagentoSimCall {
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  /** How it authenticated. */
  auth: 'oauth' | 'bearer' | 'none';
  /** Source items in a POST /V1/inventory/source-items. */
  items?: number;
}

export type MagentoRoute =
  | 'orders'
  | 'order'
  | 'ship'
  | 'shipments'
  | 'refund'
  | 'invoice-refund'
  | 'invoices'
  | 'creditmemos'
  | 'source-items'
  | 'source';
export type MagentoFault = { kind: 'status'; status: number } | { kind: 'lose-answer' };

export interface MagentoSim {
  /** http://127.0.0.1:{port}: the store's base URL. */
  url: string;
  calls: MagentoSimCall[];
  violations: (ContractViolation & { operationId: string | null })[];
  /** Order i (./magento-orders.ts), kept by the store: the poll finds it. */
  placeOrder(i: number, items: readonly MagentoItemSeed[], options?: MagentoOrderOptions): SimOrder;
  order(entityId: number): SimOrder | undefined;
  /** Changes an order as the admin would, saving it (updated_at moves on by at least a second). */
  change(entityId: number, mutate: (order: SimOrder) => void): SimOrder;
  /** The order cancelled in Magento's admin (state canceled). */
  cancel(entityId: number): SimOrder;
  /** The order invoiced (paid) in Magento's admin: state processing. */
  invoice(entityId: number): SimOrder;
  shipments(orderId: number): Json[];
  creditmemos(orderId: number): Json[];
  /** A credit memo made in Magento's admin (offline), for these items. */
  refundInAdmin(orderId: number, items: { order_item_id: number; qty: number }[]): Json;
  /** The quantity of a SKU at a source (default `default`). */
  quantity(sku: string, source?: string): number | undefined;
  seedCatalog(skus: readonly string[], available: number): void;
  onStock(listener: (sku: string, available: number) => void): () => void;
  /** At most `requests` per `windowMs`; the rest answered 429 with Retry-After. null: no limit. */
  setRateLimit(limit: { requests: number; windowMs: number } | null): void;
  /** The next `times` calls of a route meet the fault. */
  fault(route: MagentoRoute, fault: MagentoFault, times?: number): void;
  setBearerEnabled(enabled: boolean): void;
  close(): Promise<void>;
}

export async function startMagentoSim(options: MagentoSimOptions): Promise<MagentoSim> {
  const sim = new MagentoStore(options);
  const server = createServer((req, res) => {
    sim.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `Internal Error. ${String(error)}` });
    });
  });
  server.keepAliveTimeout = 30_000;
  sim.url = `http://127.0.0.1:${await listen(server, options.port ?? 0)}`;
  return sim.surface(() => closeServer(server));
}

let contract: OpenApiContract | undefined;
function magentoContract(): OpenApiContract {
  contract ??= loadContract(readContractFile(MAGENTO_CONTRACT), { basePath: '/rest/default' });
  return contract;
}

const ROUTES: { method: string; pattern: RegExp; route: MagentoRoute; resource: string }[] = [
  { method: 'GET', pattern: /^\/V1\/orders$/, route: 'orders', resource: 'Magento_Sales::actions_view' },
  {
    method: 'GET',
    pattern: /^\/V1\/orders\/(\d+)$/,
    route: 'order',
    resource: 'Magento_Sales::actions_view',
  },
  { method: 'POST', pattern: /^\/V1\/order\/(\d+)\/ship$/, route: 'ship', resource: 'Magento_Sales::ship' },
  { method: 'GET', pattern: /^\/V1\/shipments$/, route: 'shipments', resource: 'Magento_Sales::shipment' },
  {
    method: 'POST',
    pattern: /^\/V1\/order\/(\d+)\/refund$/,
    route: 'refund',
    resource: 'Magento_Sales::creditmemo',
  },
  {
    method: 'POST',
    pattern: /^\/V1\/invoice\/(\d+)\/refund$/,
    route: 'invoice-refund',
    resource: 'Magento_Sales::creditmemo',
  },
  { method: 'GET', pattern: /^\/V1\/invoices$/, route: 'invoices', resource: 'Magento_Sales::sales_invoice' },
  {
    method: 'GET',
    pattern: /^\/V1\/creditmemos$/,
    route: 'creditmemos',
    resource: 'Magento_Sales::sales_creditmemo',
  },
  {
    method: 'POST',
    pattern: /^\/V1\/inventory\/source-items$/,
    route: 'source-items',
    resource: 'Magento_InventoryApi::source_item',
  },
  {
    method: 'GET',
    pattern: /^\/V1\/inventory\/sources\/([^/]+)$/,
    route: 'source',
    resource: 'Magento_InventoryApi::source',
  },
];

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class MagentoStore {
  url = '';
  readonly calls: MagentoSimCall[] = [];
  readonly violations: MagentoSim['violations'] = [];
  private readonly books: MagentoBooks;
  private readonly generator: ReturnType<typeof newGeneratorContext> & { baseCurrency: string };
  private readonly nonces = new Set<string>();
  private readonly faults = new Map<MagentoRoute, MagentoFault[]>();
  /** Source items' quantities, by source code and then SKU (a key joining the two cost a string per item). */
  private readonly stock = new Map<string, Map<string, number>>();
  private readonly listeners = new Set<(sku: string, available: number) => void>();
  private readonly now: () => number;
  private readonly storeCodes: Set<string>;
  private bearerEnabled: boolean;
  private limit: { requests: number; windowMs: number } | null = null;
  private window = { started: 0, used: 0 };

  constructor(private readonly options: MagentoSimOptions) {
    this.now = options.now ?? Date.now;
    const baseCurrency = options.currency ?? 'USD';
    this.generator = {
      ...newGeneratorContext({ seed: options.seed ?? 1, currency: baseCurrency }, 100, this.now()),
      baseCurrency,
    };
    this.books = new MagentoBooks(this.now);
    this.bearerEnabled = options.bearerEnabled ?? false;
    this.storeCodes = new Set([options.storeCode ?? 'default', 'all']);
  }

  surface(close: () => Promise<void>): MagentoSim {
    const books = this.books;
    return {
      url: this.url,
      calls: this.calls,
      violations: this.violations,
      placeOrder: (i, items, options) => books.keep(buildOrder(this.generator, i, items, options)),
      order: (id) => books.orders.get(id),
      change: (id, mutate) => books.save(id, mutate),
      cancel: (id) =>
        books.save(id, (o) => {
          o.state = 'canceled';
          o.status = STATUS_OF.canceled;
          for (const item of o.items)
            item.qty_canceled = item.qty_ordered - item.qty_shipped - item.qty_refunded;
        }),
      invoice: (id) => books.invoice(id),
      shipments: (id) => books.shipments.filter((s) => s.order_id === id),
      creditmemos: (id) => books.creditmemos.filter((m) => m.order_id === id),
      refundInAdmin: (id, items) => {
        const reply = books.refund(id, { items, comment: { comment: 'Refunded in the admin' } }, null);
        if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
        return books.creditmemos.at(-1)!;
      },
      quantity: (sku, source = 'default') => this.stock.get(source)?.get(sku),
      seedCatalog: (skus, available) => {
        const held = this.sourceStock('default');
        for (const sku of skus) held.set(sku, available);
      },
      onStock: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      setRateLimit: (limit) => {
        this.limit = limit;
        this.window = { started: 0, used: 0 };
      },
      fault: (route, fault, times = 1) => queueRepeated(this.faults, route, fault, times),
      setBearerEnabled: (enabled) => {
        this.bearerEnabled = enabled;
      },
      close,
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // As Magento computes the URL it checks a signature against: scheme, Host header, request URI.
    const url = new URL(req.url ?? '/', `http://${headerValue(req, 'host') ?? '127.0.0.1'}`);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const call: MagentoSimCall = { method, path: url.pathname, operationId: null, status: 0, auth: 'none' };
    this.calls.push(call);
    const answer = (reply: Reply) => {
      call.status = reply.status;
      send(res, reply.status, reply.body, reply.headers);
    };
    const waitSeconds = this.takeRateLimit();
    if (waitSeconds > 0)
      return answer({
        status: 429,
        body: { message: 'Too Many Requests' },
        headers: { 'retry-after': String(waitSeconds) },
      });
    const match = /^\/rest\/([a-z0-9_]+)(\/.*)$/.exec(url.pathname);
    if (!match || !this.storeCodes.has(match[1]!))
      return answer({ status: 404, body: { message: 'Request does not match any route.' } });
    const apiPath = match[2]!;
    if (apiPath === '/schema' && method === 'GET')
      return answer({ status: 200, body: readContractFile(MAGENTO_CONTRACT) });
    const route = ROUTES.find((r) => r.method === method && r.pattern.test(apiPath));
    if (!route) return answer({ status: 404, body: { message: 'Request does not match any route.' } });
    const refused = this.authenticate(req, method, url, call);
    if (refused) return answer(refused);
    const body = raw.length ? parseJson(raw) : undefined;
    const check = magentoContract().checkRequest({
      method,
      path: `/rest/default${apiPath}`,
      query: templateQuery(url.searchParams),
      body,
    });
    call.operationId = check.operationId;
    if (check.violations.length) {
      this.violations.push(...check.violations.map((v) => ({ ...v, operationId: check.operationId })));
      const first = check.violations[0]!;
      return answer({ status: 400, body: { message: `${first.where}: ${first.message}` } });
    }
    const fault = this.faults.get(route.route)?.shift();
    if (fault?.kind === 'status')
      return answer({
        status: fault.status,
        body: { message: `Simulated fault ${fault.status}.` },
        ...(fault.status === 429 ? { headers: { 'retry-after': '1' } } : {}),
      });
    const params = route.pattern.exec(apiPath)!.slice(1);
    const reply = this.operate(route.route, params, url.searchParams, body, call);
    if (fault?.kind === 'lose-answer') {
      call.status = 0;
      res.destroy();
      return;
    }
    answer(reply);
  }

  /**
   * Magento's user contexts in turn: an OAuth-signed request (OauthUserContext), then a bearer token
   * (TokenUserContext, which takes an integration's access token only with enable_integration_as_bearer). A request
   * that neither authenticates is a guest's, refused the admin resource.
   */
  private authenticate(
    req: IncomingMessage,
    method: string,
    url: URL,
    call: MagentoSimCall,
  ): Reply | undefined {
    const authorization = headerValue(req, 'authorization') ?? '';
    const notAuthorized = (resource: string): Reply => ({
      status: 401,
      body: {
        message: "The consumer isn't authorized to access %resources.",
        parameters: { resources: resource },
      },
    });
    const route = ROUTES.find(
      (r) => r.method === method && r.pattern.test(url.pathname.replace(/^\/rest\/[a-z0-9_]+/, '')),
    )!;
    if (/^oauth /i.test(authorization)) {
      call.auth = 'oauth';
      const refusal = verifyOAuth(
        authorization,
        method,
        url,
        this.options.integration,
        this.nonces,
        Math.floor(this.now() / 1000),
      );
      return refusal
        ? {
            status: refusal.status,
            body: {
              message: refusal.message,
              ...(refusal.parameters ? { parameters: refusal.parameters } : {}),
            },
          }
        : undefined;
    }
    if (/^bearer /i.test(authorization)) {
      call.auth = 'bearer';
      const token = authorization.slice(7).trim();
      return this.bearerEnabled && token === this.options.integration.accessToken
        ? undefined
        : notAuthorized(route.resource);
    }
    return notAuthorized(route.resource);
  }

  private operate(
    route: MagentoRoute,
    params: string[],
    query: URLSearchParams,
    body: unknown,
    call: MagentoSimCall,
  ): Reply {
    const books = this.books;
    const record = (body ?? {}) as Json;
    switch (route) {
      case 'orders':
        return this.search([...books.orders.values()], query);
      case 'order': {
        const order = books.orders.get(Number(params[0]));
        return order ? { status: 200, body: order } : notFound();
      }
      case 'ship':
        return books.ship(Number(params[0]), record);
      case 'shipments':
        return this.search(books.shipments, query);
      case 'refund':
        return books.refund(Number(params[0]), record, null);
      case 'invoice-refund':
        return books.refundInvoice(Number(params[0]), record);
      case 'invoices':
        return this.search(books.invoices, query);
      case 'creditmemos':
        return this.search(books.creditmemos, query);
      case 'source-items': {
        const items = (record.sourceItems ?? []) as Json[];
        call.items = items.length;
        return this.saveSourceItems(items);
      }
      case 'source': {
        const code = decodeURIComponent(params[0]!);
        return this.sources().includes(code)
          ? {
              status: 200,
              body: {
                source_code: code,
                name: code === 'default' ? 'Default Source' : code,
                enabled: true,
                country_id: 'US',
                postcode: '94110',
              },
            }
          : {
              status: 404,
              body: { message: 'Source with code "%value" does not exist.', parameters: { value: code } },
            };
      }
    }
  }

  private search(rows: readonly Json[], query: URLSearchParams): Reply {
    try {
      const criteria = readSearchCriteria(query);
      const { items, totalCount } = runSearch(rows, criteria);
      return {
        status: 200,
        body: { items, search_criteria: echoCriteria(criteria), total_count: totalCount },
      };
    } catch (error) {
      if (error instanceof SearchCriteriaError) return { status: 400, body: { message: error.message } };
      throw error;
    }
  }

  /**
   * SourceItemsSave: the input list limit first (when the store turned limits on), each item validated, then all
   * saved in one statement. A SKU the catalog lacks is kept too (the legacy stock sync skips it).
   */
  private saveSourceItems(items: readonly Json[]): Reply {
    const limit = this.options.inputListLimit;
    if (limit !== undefined && items.length > limit)
      return {
        status: 400,
        body: {
          message: 'Maximum items of type "%type" is %max',
          parameters: { type: '\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface', max: limit },
        },
      };
    const sources = this.sources();
    for (const item of items) {
      const quantity = item.quantity;
      if (typeof item.sku !== 'string' || item.sku === '')
        return {
          status: 400,
          body: {
            message: 'Validation Failed',
            errors: [{ message: '"%field" can not be empty.', parameters: { field: 'sku' } }],
          },
        };
      if (typeof item.source_code !== 'string' || !sources.includes(item.source_code))
        return { status: 400, body: { message: 'Could not save Source Item' } };
      if (typeof quantity !== 'number' || !(item.status === 0 || item.status === 1))
        return {
          status: 400,
          body: {
            message: 'Validation Failed',
            errors: [{ message: '"%field" should be numeric.', parameters: { field: 'quantity' } }],
          },
        };
    }
    for (const item of items) {
      this.sourceStock(item.source_code as string).set(item.sku as string, item.quantity as number);
      for (const listener of this.listeners) listener(item.sku as string, item.quantity as number);
    }
    return { status: 200, body: [] };
  }

  private sourceStock(source: string): Map<string, number> {
    let held = this.stock.get(source);
    if (!held) this.stock.set(source, (held = new Map()));
    return held;
  }

  private sources(): string[] {
    return this.options.sources ?? ['default'];
  }

  /** Seconds to wait, or 0 when the request may go ahead. */
  private takeRateLimit(): number {
    if (!this.limit) return 0;
    const now = Date.now();
    if (now - this.window.started >= this.limit.windowMs) this.window = { started: now, used: 0 };
    if (this.window.used < this.limit.requests) {
      this.window.used++;
      return 0;
    }
    return Math.max(1, Math.ceil((this.window.started + this.limit.windowMs - now) / 1000));
  }
}

/** The query with each searchCriteria parameter under the name the schema declares it by (index 0, camelCase). */
function templateQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of query) out[templateName(name)] ??= value;
  return out;
}

function notFound(): Reply {
  return {
    status: 404,
    body: { message: "The entity that was requested doesn't exist. Verify the entity and try again." },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

export { magentoTime, parseMagentoTime };
