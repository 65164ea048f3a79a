/**
 * A simulated eBay seller account behind the Sell APIs, for the tests, the demo and the bench: the OAuth token
 * endpoint (the refresh-token grant, two-hour access tokens, refresh tokens that can be revoked), the Fulfillment
 * API's getOrders (filter, limit, offset as eBay documents them), getOrder, shipping fulfilments and issueRefund, and
 * the Inventory API's getOffers (./ebay-offers.ts) and bulkUpdatePriceQuantity, which sets inventory items' quantities
 * and offers' prices with a status per item and per offer. Written from eBay's published contracts
 * (sim/contracts/ebay/, checked on every request: a request that breaks them is answered 400 as eBay answers, and kept
 * in `violations`) and eBay's guides, never from Waybill's client. 429s on request. Demo and test use only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  loadContract,
  readContractFile,
  type ContractViolation,
  type OpenApiContract,
} from './openapi-contract.ts';
import { newGeneratorContext, type GeneratorContext } from './order-generator.ts';
import { EbayOfferBook, type EbaySimOffer, type OfferPriceRequest } from './ebay-offers.ts';
import { EbayOrderBook, type EbaySimOrder, type RefundRequest, type ShipRequest } from './ebay-orders.ts';
import { ebayErrors, inventoryError, parseFilter, served } from './ebay-wire.ts';
import { closeServer, headerValue, listen, parseJson, readBody, sendJson } from './shared.ts';

export type { EbayItem, EbayOrderOptions, EbaySimOrder, EbayFulfillment } from './ebay-orders.ts';
export type { EbaySimOffer } from './ebay-offers.ts';

const CONTRACTS = fileURLToPath(new URL('./contracts/ebay/', import.meta.url));
const FULFILLMENT_BASE = '/sell/fulfillment/v1';
const INVENTORY_BASE = '/sell/inventory/v1';
const TOKEN_PATH = '/identity/v1/oauth2/token';
interface EbayContracts {
  fulfillment: OpenApiContract;
  inventory: OpenApiContract;
}
let contracts: EbayContracts | undefined;

/** The vendored contracts, loaded once per process. */
export function ebayContracts(): EbayContracts {
  contracts ??= {
    fulfillment: loadContract(readContractFile(`${CONTRACTS}sell-fulfillment.json`)),
    inventory: loadContract(readContractFile(`${CONTRACTS}sell-inventory.json`)),
  };
  return contracts;
}

const SCOPE = 'https://api.ebay.com/oauth/api_scope/';
/** The scope each operation needs (the contracts' `security`: any one listed will do). */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  getOrders: ['sell.fulfillment', 'sell.fulfillment.readonly'],
  getOrder: ['sell.fulfillment', 'sell.fulfillment.readonly'],
  getShippingFulfillments: ['sell.fulfillment', 'sell.fulfillment.readonly'],
  getShippingFulfillment: ['sell.fulfillment', 'sell.fulfillment.readonly'],
  createShippingFulfillment: ['sell.fulfillment'],
  issueRefund: ['sell.finances'],
  bulkUpdatePriceQuantity: ['sell.inventory'],
  getOffers: ['sell.inventory', 'sell.inventory.readonly'],
};

export interface EbaySimOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Scopes the seller granted (full URLs); default every scope an operation here needs. */
  grantedScopes?: string[];
  marketplaceId?: string;
  seed?: number;
  currency?: string;
  /** Access tokens last this long; eBay's last 7,200 s. */
  accessTokenSeconds?: number;
  port?: number;
  now?: () => number;
}

/** One request as the simulator saw it. */
export interface EbaySimCall {
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  /** Requests (inventory items or offers) in a bulkUpdatePriceQuantity call. */
  skus?: number;
}

export interface EbaySim {
  /** The API root (http://127.0.0.1:port): the Sell APIs and the token endpoint under it. */
  url: string;
  calls: EbaySimCall[];
  /** Requests that broke the contracts (answered 400); the tests expect none. */
  violations: (ContractViolation & { operationId: string | null })[];
  /** How many access tokens the token endpoint minted. */
  tokensIssued(): number;
  makeOrder(
    i: number,
    items: readonly import('./ebay-orders.ts').EbayItem[],
    options?: import('./ebay-orders.ts').EbayOrderOptions,
  ): EbaySimOrder;
  /** Puts an order in the seller's book, as eBay has it after checkout. */
  keep(order: EbaySimOrder): EbaySimOrder;
  order(orderId: string): EbaySimOrder | undefined;
  /** The buyer paid a pending order. */
  pay(orderId: string): EbaySimOrder;
  /** The buyer asked to cancel (cancelState IN_PROGRESS; getOrders lists no request, getOrder does). */
  requestCancel(orderId: string): EbaySimOrder;
  /** eBay cancelled the order (CANCELED). */
  cancel(orderId: string): EbaySimOrder;
  /**
   * The seller refunds at eBay (Seller Hub, a return, another app): line items by amount, each listed on its line
   * under one new refundId as issueRefund lists them; or (`wholeOrder`) the order as a whole, in
   * paymentSummary.refunds under a refundReferenceId. Answers the id getOrders lists it by.
   */
  refundAtEbay(
    orderId: string,
    refund: { lineItems: { lineItemId: string; value: string }[] } | { wholeOrder: string },
  ): string;
  /** Any other change: the order is stamped modified now. */
  change(orderId: string, mutate: (order: EbaySimOrder) => void): EbaySimOrder;
  fulfillments(orderId: string): import('./ebay-orders.ts').EbayFulfillment[];
  /** The inventory item's ship-to-home quantity; undefined when eBay has no such SKU. */
  stock(sku: string): number | undefined;
  /**
   * Inventory items with this quantity each, each with a published fixed-price offer in the seller's marketplace
   * (100,000 in well under a second).
   */
  seedCatalog(skus: readonly string[], available: number): void;
  /** The SKU's offers, in every marketplace (their price is `pricingSummary.price`). */
  offers(sku: string): readonly EbaySimOffer[];
  /** Lists the SKU in a marketplace (replacing its offer there): a published fixed-price offer at `value`. */
  listOffer(sku: string, marketplaceId: string, value?: string): EbaySimOffer;
  /** The seller deleted the SKU's offers: the inventory item stays, with no listing. */
  removeOffers(sku: string): void;
  /** Called for every quantity eBay applied, whatever set it; returns an unsubscribe. */
  onStock(listener: (sku: string, available: number) => void): () => void;
  /** The next `times` API calls are answered 429 (eBay's call limit reached). */
  throttle(times: number): void;
  /** The seller's refresh token stops working (revoked in My eBay, a password change, or 18 months passed). */
  revokeRefreshToken(): void;
  /** Every access token minted so far stops working (as if two hours passed). */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

export async function startEbaySim(options: EbaySimOptions): Promise<EbaySim> {
  const sim = new EbaySimulator(options);
  const server = createServer((req, res) => {
    void sim.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, ebayErrors(30500, 'System error', String(error)));
    });
  });
  server.keepAliveTimeout = 30_000;
  const port = await listen(server, options.port ?? 0);
  sim.url = `http://127.0.0.1:${port}`;
  return Object.assign(sim.surface(), { url: sim.url, close: () => closeServer(server) });
}

interface Token {
  expiresAt: number;
  scopes: readonly string[];
}

class EbaySimulator {
  url = '';
  readonly calls: EbaySimCall[] = [];
  readonly violations: EbaySim['violations'] = [];
  private readonly book: EbayOrderBook;
  private readonly offerBook = new EbayOfferBook();
  private readonly store: GeneratorContext;
  private readonly tokens = new Map<string, Token>();
  /** Inventory items' ship-to-home quantities, each in a record of its own: setting one is one lookup, not two. */
  private readonly inventory = new Map<string, { quantity: number }>();
  private readonly listeners = new Set<(sku: string, available: number) => void>();
  private refreshTokenValid = true;
  private throttled = 0;
  private issued = 0;
  private readonly now: () => number;

  constructor(private readonly options: EbaySimOptions) {
    this.now = options.now ?? Date.now;
    this.store = newGeneratorContext(
      { seed: options.seed ?? 1, currency: options.currency ?? 'USD' },
      100,
      this.now(),
    );
    this.book = new EbayOrderBook(this.store, options.marketplaceId ?? 'EBAY_US', this.now);
  }

  surface(): Omit<EbaySim, 'url' | 'close'> {
    const book = this.book;
    return {
      calls: this.calls,
      violations: this.violations,
      tokensIssued: () => this.issued,
      makeOrder: (i, items, options) => book.makeOrder(i, items, options),
      keep: (order) => book.keep(order),
      order: (id) => book.get(id),
      pay: (id) =>
        book.change(id, (o) => {
          o.orderPaymentStatus = 'PAID';
          o.paymentSummary.payments = [
            {
              paymentMethod: 'EBAY',
              paymentReferenceId: `P-${id}`,
              paymentDate: new Date(this.now()).toISOString(),
              amount: o.pricingSummary.total,
              paymentStatus: 'PAID',
            },
          ];
        }),
      requestCancel: (id) =>
        book.change(id, (o) => {
          o.cancelStatus = {
            cancelState: 'IN_PROGRESS',
            cancelRequests: [
              {
                cancelInitiator: 'BUYER',
                cancelReason: 'BUYER_CANCEL',
                cancelRequestId: `C-${id}`,
                cancelRequestState: 'REQUESTED',
                cancelRequestedDate: new Date(this.now()).toISOString(),
              },
            ],
          };
        }),
      cancel: (id) =>
        book.change(id, (o) => {
          o.cancelStatus = {
            ...o.cancelStatus,
            cancelState: 'CANCELED',
            cancelledDate: new Date(this.now()).toISOString(),
          };
        }),
      refundAtEbay: (id, refund) => {
        if ('wholeOrder' in refund)
          return book.refundWhole(id, refund.wholeOrder, this.store.digits).refundReferenceId;
        const currency = book.get(id)?.pricingSummary.total!.currency ?? this.store.currency;
        const result = book.refund(
          id,
          {
            reasonForRefund: 'BUYER_RETURN',
            refundItems: refund.lineItems.map((l) => ({
              lineItemId: l.lineItemId,
              refundAmount: { value: l.value, currency },
            })),
          },
          this.store.digits,
        );
        if ('errorId' in result) throw new Error(`eBay refused the refund: ${result.message}`);
        return result.refundId;
      },
      change: (id, mutate) => book.change(id, mutate),
      fulfillments: (id) => book.fulfillments(id),
      stock: (sku) => this.inventory.get(sku)?.quantity,
      seedCatalog: (skus, available) => {
        const marketplace = this.options.marketplaceId ?? 'EBAY_US';
        for (const sku of skus) {
          this.inventory.set(sku, { quantity: available });
          this.offerBook.list(sku, marketplace);
        }
      },
      offers: (sku) => this.offerBook.of(sku),
      listOffer: (sku, marketplaceId, value) => this.offerBook.list(sku, marketplaceId, value),
      removeOffers: (sku) => this.offerBook.remove(sku),
      onStock: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      throttle: (times) => {
        this.throttled += times;
      },
      revokeRefreshToken: () => {
        this.refreshTokenValid = false;
      },
      expireAccessTokens: () => this.tokens.clear(),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    if (url.pathname === TOKEN_PATH && method === 'POST') {
      const status = this.token(req, raw, res);
      this.record(method, url.pathname, 'token', status);
      return;
    }
    const contract = url.pathname.startsWith(INVENTORY_BASE)
      ? ebayContracts().inventory
      : ebayContracts().fulfillment;
    const body = raw.length ? parseJson(raw) : undefined;
    const check = contract.checkRequest({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    if (check.violations.length) {
      this.violations.push(...check.violations.map((v) => ({ ...v, operationId: check.operationId })));
      const notFound = check.operationId === null;
      const first = check.violations[0]!;
      sendJson(
        res,
        notFound ? 404 : 400,
        ebayErrors(
          notFound ? 2002 : 2004,
          notFound ? 'Resource not found' : 'Invalid request',
          `${first.where}: ${first.message}`,
        ),
      );
      this.record(method, url.pathname, check.operationId, notFound ? 404 : 400);
      return;
    }
    const operationId = check.operationId!;
    const denied = this.authorize(headerValue(req, 'authorization'), operationId);
    if (denied) {
      sendJson(res, denied.status, denied.body);
      this.record(method, url.pathname, operationId, denied.status);
      return;
    }
    if (this.throttled > 0) {
      this.throttled--;
      sendJson(
        res,
        429,
        ebayErrors(2001, 'Too many requests. The request limit has been reached for the resource.'),
      );
      this.record(method, url.pathname, operationId, 429);
      return;
    }
    const answer = this.operate(operationId, url, body);
    if (answer.headers) res.setHeader('location', answer.headers.location);
    sendJson(res, answer.status, answer.body);
    this.record(
      method,
      url.pathname,
      operationId,
      answer.status,
      operationId === 'bulkUpdatePriceQuantity' ? answer.skus : undefined,
    );
  }

  /** A method rather than a closure in handle: under tsx a closure costs a defineProperty of its name per request. */
  private record(
    method: string,
    path: string,
    operationId: string | null,
    status: number,
    skus?: number,
  ): void {
    this.calls.push({ method, path, operationId, status, ...(skus === undefined ? {} : { skus }) });
  }

  /** The refresh-token grant, as eBay's guide describes it: HTTP Basic client credentials, a form body. */
  private token(req: IncomingMessage, raw: Buffer, res: ServerResponse): number {
    const fail = (status: number, error: string, description: string) => {
      sendJson(res, status, { error, error_description: description });
      return status;
    };
    const expected = `Basic ${Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64')}`;
    if (headerValue(req, 'authorization') !== expected)
      return fail(401, 'invalid_client', 'client authentication failed');
    if (!(headerValue(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
      return fail(400, 'invalid_request', 'request is missing a required parameter or malformed.');
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.get('grant_type') !== 'refresh_token')
      return fail(
        400,
        'unsupported_grant_type',
        'grant type in request is not supported by the authorization server',
      );
    if (form.get('refresh_token') !== this.options.refreshToken || !this.refreshTokenValid)
      return fail(
        400,
        'invalid_grant',
        'the provided authorization refresh token is invalid or was issued to another client',
      );
    const granted =
      this.options.grantedScopes ??
      Object.values(NEEDS)
        .flat()
        .map((s) => `${SCOPE}${s}`);
    const asked = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (asked.some((s) => !granted.includes(s)))
      return fail(
        400,
        'invalid_scope',
        'The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client',
      );
    const token = `v^1.1#i^1#r^1#p^3#I^3#f^0#t^${randomBytes(24).toString('base64url')}`;
    const seconds = this.options.accessTokenSeconds ?? 7_200;
    this.tokens.set(token, {
      expiresAt: this.now() + seconds * 1_000,
      scopes: asked.length ? asked : granted,
    });
    this.issued++;
    sendJson(res, 200, { access_token: token, expires_in: seconds, token_type: 'User Access Token' });
    return 200;
  }

  private authorize(
    header: string | undefined,
    operationId: string,
  ): { status: number; body: unknown } | null {
    const token = header?.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined;
    if (!token || token.expiresAt <= this.now())
      return {
        status: 401,
        body: ebayErrors(
          1001,
          'Invalid access token',
          'Invalid access token. Check the value of the Authorization HTTP request header.',
          'OAuth',
        ),
      };
    const needs = NEEDS[operationId] ?? [];
    if (!needs.some((s) => token.scopes.includes(`${SCOPE}${s}`)))
      return {
        status: 403,
        body: ebayErrors(
          1100,
          'Access denied',
          'Insufficient permissions to fulfill the request.',
          'API_FULFILLMENT',
        ),
      };
    return null;
  }

  private operate(operationId: string, url: URL, body: unknown): Answer {
    const parts = url.pathname.slice(FULFILLMENT_BASE.length).split('/').map(decodeURIComponent);
    const orderId = parts[2] ?? '';
    switch (operationId) {
      case 'getOrders':
        return this.getOrders(url.searchParams);
      case 'getOrder': {
        const order = this.book.get(orderId);
        if (!order) return { status: 404, body: ebayErrors(32100, `Invalid order ID: ${orderId}`) };
        return {
          status: 200,
          body: served(order, url.searchParams.get('fieldGroups') === 'TAX_BREAKDOWN', true),
        };
      }
      case 'getShippingFulfillments': {
        if (!this.book.get(orderId))
          return { status: 400, body: ebayErrors(32100, `Invalid order ID: ${orderId}`) };
        const fulfillments = this.book.fulfillments(orderId);
        return { status: 200, body: { fulfillments, total: fulfillments.length } };
      }
      case 'getShippingFulfillment': {
        const found = this.book.fulfillments(orderId).find((f) => f.fulfillmentId === parts[4]);
        return found
          ? { status: 200, body: found }
          : { status: 404, body: ebayErrors(32110, `Invalid shipping fulfillment ID: ${parts[4]}`) };
      }
      case 'createShippingFulfillment': {
        const result = this.book.ship(orderId, body as ShipRequest);
        if ('errorId' in result)
          return { status: result.status, body: ebayErrors(result.errorId, result.message) };
        const location = `${this.url}${FULFILLMENT_BASE}/order/${orderId}/shipping_fulfillment/${result.fulfillment.fulfillmentId}`;
        return { status: 201, body: {}, headers: { location } };
      }
      case 'issueRefund': {
        const result = this.book.refund(orderId, body as RefundRequest, this.store.digits);
        if ('errorId' in result)
          return { status: result.status, body: ebayErrors(result.errorId, result.message) };
        return { status: 200, body: { refundId: result.refundId, refundStatus: 'PENDING' } };
      }
      case 'bulkUpdatePriceQuantity':
        return this.bulkUpdate(body as { requests?: BulkRequest[] });
      case 'getOffers':
        return this.offerBook.getOffers(url.searchParams);
      default:
        return { status: 404, body: ebayErrors(2002, 'Resource not found') };
    }
  }

  /**
   * getOrders: `filter` (creationdate or lastmodifieddate ranges, ISO 8601 UTC, inclusive; with both, only
   * creationdate counts), `limit` (default 50, at most 200), `offset`, `orderIds` (at most 50, the rest ignored).
   * eBay documents no order for the results: these come newest created first.
   */
  private getOrders(query: URLSearchParams): Answer {
    const limitText = query.get('limit') ?? '50';
    const offsetText = query.get('offset') ?? '0';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 200)
      return { status: 400, body: ebayErrors(31100, `Invalid limit: ${limitText}`) };
    if (!/^\d+$/.test(offsetText))
      return { status: 400, body: ebayErrors(31000, `Invalid offset: ${offsetText}`) };
    const limit = Number(limitText);
    const offset = Number(offsetText);
    const breakdown = query.get('fieldGroups') === 'TAX_BREAKDOWN';
    let orders: EbaySimOrder[];
    const ids = query.get('orderIds');
    if (ids) {
      const wanted = ids.split(',');
      if (wanted.length > 50)
        return {
          status: 400,
          body: ebayErrors(30900, 'Exceeded maximum number of order IDs (the current limit is 50)'),
        };
      orders = wanted.flatMap((id) => this.book.get(id) ?? []);
    } else {
      const range = parseFilter(query.get('filter'), this.now());
      if ('errorId' in range) return { status: 400, body: ebayErrors(range.errorId, range.message) };
      orders = this.book
        .all()
        .filter((o) => {
          const at = Date.parse(range.field === 'creationdate' ? o.creationDate : o.lastModifiedDate);
          return at >= range.from && at <= range.to;
        })
        .sort((a, b) => b.creationDate.localeCompare(a.creationDate) || b.orderId.localeCompare(a.orderId));
    }
    const page = orders.slice(offset, offset + limit).map((o) => served(o, breakdown, false));
    const href = (at: number) =>
      `${this.url}${FULFILLMENT_BASE}/order?${new URLSearchParams({ ...Object.fromEntries(query), limit: String(limit), offset: String(at) })}`;
    return {
      status: 200,
      body: {
        href: href(offset),
        total: orders.length,
        limit,
        offset,
        ...(offset + limit < orders.length ? { next: href(offset + limit) } : {}),
        ...(offset > 0 ? { prev: href(Math.max(0, offset - limit)) } : {}),
        orders: page,
      },
    };
  }

  /**
   * bulkUpdatePriceQuantity: up to 25 requests, each an inventory item's ship-to-home quantity (`sku` and
   * `shipToLocationAvailability`) and/or offers' prices and quantities (`offers`, by offerId: ./ebay-offers.ts).
   * Every item and every offer is answered with its own status; an unknown SKU is refused with 25702, an unknown
   * offer with 25713, the others applied. 200 when all applied, 207 otherwise.
   */
  private bulkUpdate(body: { requests?: BulkRequest[] }): Answer {
    const requests = body.requests ?? [];
    if (requests.length === 0 || requests.length > 25)
      return {
        status: 400,
        body: ebayErrors(
          25727,
          'The number of InventoryItems in the request cannot exceed 25.',
          undefined,
          'API_INVENTORY',
        ),
      };
    // Plain loops: a change of 100,000 SKUs comes as 4,000 of these calls.
    const responses: ItemResponse[] = [];
    let allApplied = true;
    for (const r of requests) {
      if (r.shipToLocationAvailability || !r.offers?.length) responses.push(this.setQuantity(r));
      for (const offer of r.offers ?? []) responses.push(this.offerBook.apply(offer));
    }
    for (const response of responses) if (response.statusCode !== 200) allApplied = false;
    return { status: allApplied ? 200 : 207, body: { responses }, skus: requests.length };
  }

  private setQuantity(r: BulkRequest): ItemResponse {
    const sku = r.sku ?? '';
    const quantity = r.shipToLocationAvailability?.quantity;
    const item = this.inventory.get(sku);
    if (item === undefined)
      return {
        sku,
        statusCode: 400,
        errors: [inventoryError(25702, `SKU ${sku} is not available in the system`)],
      };
    if (quantity === undefined || !Number.isInteger(quantity) || quantity < 0)
      return { sku, statusCode: 400, errors: [inventoryError(25709, 'Invalid value for quantity.')] };
    item.quantity = quantity;
    for (const listener of this.listeners) listener(sku, quantity);
    return { sku, statusCode: 200 };
  }
}

/** One item's or offer's status in a bulkUpdatePriceQuantity answer. */
interface ItemResponse {
  sku?: string;
  offerId?: string;
  statusCode: number;
  errors?: unknown[];
}

interface BulkRequest {
  sku?: string;
  shipToLocationAvailability?: { quantity?: number };
  offers?: OfferPriceRequest[];
}

interface Answer {
  status: number;
  body: unknown;
  headers?: { location: string };
  skus?: number;
}
