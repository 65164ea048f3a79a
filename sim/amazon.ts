/**
 * A simulated Amazon Selling Partner API for one seller and app: Login with Amazon's token endpoint, the Orders API
 * (v2026-01-01 searchOrders and getOrder, v0 confirmShipment), Listings Items (patchListingsItem), Feeds
 * (JSON_LISTINGS_FEED, ./amazon-feeds.ts), Notifications (getSubscription, and ORDER_CHANGE sent as an EventBridge
 * API destination would), and Sellers (getMarketplaceParticipations). Written from Amazon's published models, which
 * it vendors in ./contracts/amazon/ and checks every request against (./openapi-contract.ts): a request that breaks
 * them is answered 400 with Amazon's error list and kept in `violations`. It enforces what Amazon enforces: an LWA
 * access token on every call (403 when missing, wrong or expired), each operation's usage plan with
 * x-amzn-RateLimit-Limit and 429 (./amazon-plans.ts), x-amzn-RequestId on every answer, paging by token over a
 * window fixed at the first page. Demo and test use only: nothing on the production path imports it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FeedDesk, type SimFeed } from './amazon-feeds.ts';
import { Listings } from './amazon-listings.ts';
import {
  makeSimOrder,
  renderOrder,
  type MakeOrderOptions,
  type SimItemInput,
  type SimOrder,
} from './amazon-orders.ts';
import {
  AMAZON_OPERATIONS,
  Bucket,
  LISTINGS_FEED_LIMIT,
  UsagePlans,
  type AmazonSimOperation,
  type SimUsagePlan,
} from './amazon-plans.ts';
import { loadContract, readContractFile, type OpenApiContract } from './openapi-contract.ts';
import { newGeneratorContext } from './order-generator.ts';
import { closeServer, listen, readBody } from './shared.ts';

export type { SimOrder, SimItemInput, MakeOrderOptions } from './amazon-orders.ts';
export type { AmazonSimOperation, SimUsagePlan } from './amazon-plans.ts';

export interface AmazonSimOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The seller's merchant token; default A1WAYBILLSELLER. */
  sellerId?: string;
  /** Default ATVPDKIKX0DER (amazon.com), in USD. */
  marketplaceId?: string;
  currency?: string;
  seed?: number;
  /** Plans other than Amazon's defaults (a seller granted more, as x-amzn-RateLimit-Limit then says). */
  usagePlans?: Partial<Record<AmazonSimOperation, SimUsagePlan>>;
  /** The JSON_LISTINGS_FEED type's own limit instead of Amazon's five per five minutes. */
  listingsFeedLimit?: SimUsagePlan;
  /** How long Amazon takes over a feed; default 50 ms. */
  feedProcessingMs?: number;
  /** An access token's life; default 3600 s, as LWA's. */
  accessTokenSeconds?: number;
  port?: number;
}

export interface AmazonCall {
  operation: AmazonSimOperation | 'lwa' | 'document' | null;
  method: string;
  path: string;
  status: number;
}

export interface AmazonViolation {
  operation: string | null;
  where: string;
  message: string;
}

export interface AmazonSim {
  /** The SP-API endpoint (the channel's `endpoint`). */
  url: string;
  /** The LWA token endpoint (the channel's `lwaUrl`). */
  lwaUrl: string;
  sellerId: string;
  marketplaceId: string;
  calls: AmazonCall[];
  /** Requests that broke Amazon's published contract: a test asserts there are none. */
  violations: AmazonViolation[];
  /** Makes and keeps order i (placed i seconds after the simulator's epoch). */
  makeOrder(i: number, items: readonly SimItemInput[], options?: MakeOrderOptions): SimOrder;
  order(orderId: string): SimOrder | undefined;
  /** Keeps this copy of an order as it is, lastUpdatedTime and all (a stale replica answering, in a test). */
  keep(order: SimOrder): SimOrder;
  /** Changes an order as Amazon would (a payment authorised, a cancellation): its lastUpdatedTime moves on. */
  update(orderId: string, change: (order: SimOrder) => void): SimOrder;
  /**
   * From now on the order is served changed by `alter` (a field missing, an amount Amazon's model does not allow):
   * an answer off the model, that a client must cope with. Not checked against the contract.
   */
  alterServed(orderId: string, alter: (wire: Record<string, unknown>) => void): void;
  seedCatalog(skus: readonly string[], available: number): void;
  onStock(listener: (sku: string, available: number) => void): () => void;
  stock(sku: string): number | undefined;
  /** Amazon refuses every stock update of this SKU from now on, saying `message`. */
  refuseListing(sku: string, message: string): void;
  feeds(): SimFeed[];
  /**
   * The JSON_LISTINGS_FEED submissions Amazon's limits allow now without waiting (the feed type's own bucket and
   * the createFeedDocument and createFeed usage plans each feed also takes), and how many seconds each further one
   * waits for the slowest of them to refill.
   */
  /**
   * What a JSON_LISTINGS_FEED takes from now: a call's token of each of these buckets (the feed type's own limit,
   * createFeedDocument's and createFeed's usage plans), each with what it holds and its refill a second.
   */
  listingsFeedQuota(): { name: string; tokens: number; rate: number }[];
  /** Whether the app has an ORDER_CHANGE subscription for the seller (default: yes). */
  setSubscription(active: boolean): void;
  /** POSTs an ORDER_CHANGE for the order as the seller's EventBridge API destination would; answers the status. */
  sendOrderChange(url: string, apiKey: string, orderId: string): Promise<number>;
  /** The next `times` calls of the operation are answered 429, whatever its plan says. */
  throttle(operation: AmazonSimOperation, times?: number): void;
  setUsagePlan(operation: AmazonSimOperation, plan: SimUsagePlan): void;
  /** The seller revoked the app: the refresh token is refused (invalid_grant) and its access tokens too. */
  revokeAuthorization(): void;
  close(): Promise<void>;
}

const CONTRACTS: readonly [string, string][] = [
  ['/orders/2026-01-01/', 'orders_2026-01-01.json'],
  ['/orders/v0/', 'ordersV0.json'],
  ['/feeds/2021-06-30/', 'feeds_2021-06-30.json'],
  ['/listings/2021-08-01/', 'listingsItems_2021-08-01.json'],
  ['/notifications/v1/', 'notifications.json'],
  ['/sellers/v1/', 'sellers.json'],
];
let loaded: { prefix: string; contract: OpenApiContract }[] | undefined;

/** Amazon's published contracts, loaded once per process. */
export function amazonContracts(): { prefix: string; contract: OpenApiContract }[] {
  loaded ??= CONTRACTS.map(([prefix, file]) => ({
    prefix,
    contract: loadContract(readContractFile(new URL(`./contracts/amazon/${file}`, import.meta.url).pathname)),
  }));
  return loaded;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startAmazonSim(options: AmazonSimOptions): Promise<AmazonSim> {
  const sellerId = options.sellerId ?? 'A1WAYBILLSELLER';
  const marketplaceId = options.marketplaceId ?? 'ATVPDKIKX0DER';
  const store = newGeneratorContext(
    { seed: options.seed ?? 1, currency: options.currency ?? 'USD' },
    800,
    Date.now(),
  );
  const plans = new UsagePlans(options.usagePlans);
  const listingsFeeds = new Bucket(options.listingsFeedLimit ?? LISTINGS_FEED_LIMIT, Date.now());
  const listings = new Listings();
  const orders = new Map<string, SimOrder>();
  const alterations = new Map<string, (wire: Record<string, unknown>) => void>();
  const tokens = new Map<string, number>();
  const faults = new Map<AmazonSimOperation, number>();
  const calls: AmazonCall[] = [];
  const violations: AmazonViolation[] = [];
  const searches = new Map<string, Search>();
  let revoked = false;
  let subscribed = true;
  let base = '';
  const feeds = new FeedDesk({
    baseUrl: () => base,
    now: Date.now,
    sellerId,
    processingMs: () => options.feedProcessingMs ?? 50,
    apply: (sku, quantity) => listings.apply(sku, quantity),
  });
  const api = new Api({
    sellerId,
    marketplaceId,
    orders,
    alterations,
    listings,
    feeds,
    searches,
    subscribed: () => subscribed,
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        answer(res, 500, { errors: [{ code: 'InternalFailure', message: String(error) }] });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const raw = await readBody(req, MAX_BODY_BYTES);
    const log = (operation: AmazonCall['operation'], status: number) =>
      calls.push({ operation, method: req.method ?? '', path: url.pathname, status });
    if (url.pathname === '/auth/o2/token' && req.method === 'POST') {
      const [status, body] = exchange(raw);
      log('lwa', status);
      return answer(res, status, body);
    }
    if (url.pathname.startsWith('/feed-documents/')) return transferDocument(req, res, url, raw, log);
    const body = raw.length ? tryJson(raw.toString('utf8')) : undefined;
    const contract = amazonContracts().find((c) => url.pathname.startsWith(c.prefix))?.contract;
    const check = contract?.checkRequest({
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
      body,
    });
    const operation = (check?.operationId ?? null) as AmazonSimOperation | null;
    if (!check || !operation) {
      violations.push({
        operation: null,
        where: 'path',
        message: `${req.method} ${url.pathname} is no operation of the contracts`,
      });
      log(null, 404);
      return answer(res, 404, {
        errors: [{ code: 'NotFound', message: 'Resource not found.', details: '' }],
      });
    }
    if (check.violations.length) {
      violations.push(...check.violations.map((v) => ({ operation, ...v })));
      log(operation, 400);
      const message = check.violations.map((v) => `${v.where}: ${v.message}`).join('; ');
      return answer(res, 400, errorBody('InvalidInput', message), rateHeader(operation));
    }
    const token = req.headers['x-amz-access-token'];
    const expiresAt = typeof token === 'string' ? tokens.get(token) : undefined;
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      log(operation, 403);
      const message =
        expiresAt === undefined
          ? 'Access to requested resource is denied.'
          : 'The access token you provided has expired.';
      return answer(res, 403, errorBody('Unauthorized', message));
    }
    const faulted = faults.get(operation) ?? 0;
    if (faulted > 0) faults.set(operation, faulted - 1);
    const feedType =
      operation === 'createFeed' && (body as { feedType?: unknown }).feedType === 'JSON_LISTINGS_FEED';
    if (
      faulted > 0 ||
      !plans.admit(operation, Date.now()) ||
      (feedType && !listingsFeeds.admit(Date.now()))
    ) {
      log(operation, 429);
      return answer(
        res,
        429,
        errorBody('QuotaExceeded', 'You exceeded your quota for the requested resource.'),
      );
    }
    const [status, result] = api.dispatch(operation, req.method ?? 'GET', url, body);
    log(operation, status);
    answer(res, status, result, status === 429 || status === 403 ? {} : rateHeader(operation));
  }

  function rateHeader(operation: AmazonSimOperation): Record<string, string> {
    return { 'x-amzn-RateLimit-Limit': String(plans.plan(operation).rate) };
  }

  /** LWA: form-encoded refresh_token grant; OAuth 2.0 errors (RFC 6749 §5.2) as LWA answers them. */
  function exchange(raw: Buffer): [number, unknown] {
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.get('grant_type') !== 'refresh_token')
      return [
        400,
        {
          error: 'unsupported_grant_type',
          error_description: 'The authorization grant type is not supported',
        },
      ];
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret)
      return [401, { error: 'invalid_client', error_description: 'Client authentication failed' }];
    if (revoked || form.get('refresh_token') !== options.refreshToken)
      return [
        400,
        {
          error: 'invalid_grant',
          error_description: 'The request has an invalid grant parameter : refresh_token',
        },
      ];
    const accessToken = `Atza|${randomBytes(24).toString('base64url')}`;
    const seconds = options.accessTokenSeconds ?? 3_600;
    tokens.set(accessToken, Date.now() + seconds * 1_000);
    return [
      200,
      {
        access_token: accessToken,
        refresh_token: options.refreshToken,
        token_type: 'bearer',
        expires_in: seconds,
      },
    ];
  }

  function transferDocument(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    raw: Buffer,
    log: (operation: AmazonCall['operation'], status: number) => void,
  ): void {
    const id = decodeURIComponent(url.pathname.slice('/feed-documents/'.length));
    const signature = url.searchParams.get('X-Amz-Signature');
    if (req.method === 'PUT') {
      const status = feeds.upload(id, signature, req.headers['content-type'], raw);
      log('document', status);
      res.writeHead(status, { 'x-amz-request-id': randomUUID() }).end();
      return;
    }
    const found = feeds.download(id, signature);
    log('document', found.status);
    res
      .writeHead(found.status, found.contentType ? { 'content-type': found.contentType } : {})
      .end(found.body);
  }

  const port = await listen(server, options.port ?? 0);
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    lwaUrl: `${base}/auth/o2/token`,
    sellerId,
    marketplaceId,
    calls,
    violations,
    listingsFeedQuota: () => {
      const now = Date.now();
      return [
        { name: 'JSON_LISTINGS_FEED', tokens: listingsFeeds.tokens(now), rate: listingsFeeds.plan.rate },
        ...(['createFeedDocument', 'createFeed'] as const).map((operation) => ({
          name: operation,
          tokens: plans.tokens(operation, now),
          rate: plans.plan(operation).rate,
        })),
      ];
    },
    makeOrder: (i, items, orderOptions) => {
      const order = makeSimOrder(store, marketplaceId, i, items, orderOptions);
      const now = Date.now();
      order.createdMs = Math.min(order.createdMs, now);
      order.updatedMs = now;
      orders.set(order.orderId, order);
      return order;
    },
    order: (orderId) => orders.get(orderId),
    keep: (order) => {
      orders.set(order.orderId, order);
      return order;
    },
    update: (orderId, change) => {
      const order = orders.get(orderId);
      if (!order) throw new Error(`no order ${orderId}`);
      change(order);
      order.updatedMs = Math.max(Date.now(), order.updatedMs + 1);
      return order;
    },
    alterServed: (orderId, alter) => {
      alterations.set(orderId, alter);
    },
    seedCatalog: (skus, available) => listings.seed(skus, available),
    onStock: (listener) => listings.onStock(listener),
    stock: (sku) => listings.quantity(sku),
    refuseListing: (sku, message) => listings.refuse(sku, message),
    feeds: () => [...feeds.feeds.values()],
    setSubscription: (active) => {
      subscribed = active;
    },
    sendOrderChange: (url, apiKey, orderId) => sendOrderChange(url, apiKey, orders.get(orderId), sellerId),
    throttle: (operation, times = 1) => {
      faults.set(operation, (faults.get(operation) ?? 0) + times);
    },
    setUsagePlan: (operation, plan) => plans.set(operation, plan),
    revokeAuthorization: () => {
      revoked = true;
      tokens.clear();
    },
    close: async () => {
      feeds.close();
      await closeServer(server);
    },
  };
}

/** A search's window and the orders in it, fixed at its first page; its token serves the later pages for a day. */
interface Search {
  parameters: string;
  ids: string[];
  before: number;
  offset: number;
  createdMs: number;
}

const SEARCH_FILTERS = [
  'createdAfter',
  'createdBefore',
  'lastUpdatedAfter',
  'lastUpdatedBefore',
  'fulfillmentStatuses',
  'marketplaceIds',
  'fulfilledBy',
];
const TOKEN_LIFETIME_MS = 24 * 60 * 60_000;

/** Each operation's behaviour, once the request kept the contract, carried a token and had its plan's leave. */
class Api {
  constructor(
    private readonly state: {
      sellerId: string;
      marketplaceId: string;
      orders: Map<string, SimOrder>;
      alterations: Map<string, (wire: Record<string, unknown>) => void>;
      listings: Listings;
      feeds: FeedDesk;
      searches: Map<string, Search>;
      subscribed: () => boolean;
    },
  ) {}

  private render(order: SimOrder, datasets: ReadonlySet<string>): Record<string, unknown> {
    const wire = renderOrder(order, datasets);
    this.state.alterations.get(order.orderId)?.(wire);
    return wire;
  }

  dispatch(operation: AmazonSimOperation, _method: string, url: URL, body: unknown): [number, unknown] {
    const segments = url.pathname.split('/').map(decodeURIComponent);
    const datasets = new Set((url.searchParams.get('includedData') ?? '').split(',').filter(Boolean));
    switch (operation) {
      case 'searchOrders':
        return this.searchOrders(url.searchParams, datasets);
      case 'getOrder': {
        const order = this.state.orders.get(segments[4]!);
        return order ? [200, { order: this.render(order, datasets) }] : notFound(`order ${segments[4]}`);
      }
      case 'confirmShipment':
        return this.confirmShipment(segments[4]!, body as ShipmentBody);
      case 'patchListingsItem': {
        if (segments[4] !== this.state.sellerId)
          return [
            403,
            { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] },
          ];
        if (url.searchParams.get('marketplaceIds') !== this.state.marketplaceId)
          return [
            400,
            {
              errors: [{ code: 'InvalidInput', message: 'marketplaceIds: not a marketplace of the seller' }],
            },
          ];
        return [200, this.state.listings.patch(segments[5]!, body as Parameters<Listings['patch']>[1])];
      }
      case 'createFeedDocument':
        return [201, this.state.feeds.createDocument((body as { contentType: string }).contentType)];
      case 'createFeed': {
        const created = this.state.feeds.createFeed(
          body as { feedType: string; marketplaceIds: string[]; inputFeedDocumentId: string },
        );
        return typeof created === 'string'
          ? [400, { errors: [{ code: 'InvalidInput', message: created }] }]
          : [202, { feedId: created.feedId }];
      }
      case 'getFeed': {
        const feed = this.state.feeds.feeds.get(segments[4]!);
        return feed ? [200, feedView(feed)] : notFound(`feed ${segments[4]}`);
      }
      case 'getFeedDocument': {
        const document = this.state.feeds.reportDocument(segments[4]!);
        return document ? [200, document] : notFound(`feed document ${segments[4]}`);
      }
      case 'getSubscription':
        return segments[4] === 'ORDER_CHANGE' && this.state.subscribed()
          ? [
              200,
              {
                payload: {
                  subscriptionId: 'sub-order-change-0001',
                  payloadVersion: '1.0',
                  destinationId: 'dest-eventbridge-0001',
                },
              },
            ]
          : [404, { errors: [{ code: 'NotFound', message: `no ${segments[4]} subscription` }] }];
      case 'getMarketplaceParticipations':
        return [200, { payload: [participation(this.state.marketplaceId)] }];
    }
    return notFound(operation);
  }

  searchOrders(query: URLSearchParams, datasets: ReadonlySet<string>): [number, unknown] {
    const now = Date.now();
    const perPage = Number(query.get('maxResultsPerPage') ?? '100');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
      return invalid('maxResultsPerPage must be between 1 and 100');
    const parameters = SEARCH_FILTERS.map((name) => `${name}=${query.get(name) ?? ''}`).join('&');
    const token = query.get('paginationToken');
    let search: Search | undefined;
    if (token) {
      search = this.state.searches.get(token);
      if (!search || now - search.createdMs > TOKEN_LIFETIME_MS)
        return invalid('paginationToken is not valid or has expired');
      if (search.parameters !== parameters)
        return invalid('paginationToken was made for other search parameters');
      this.state.searches.delete(token);
    } else {
      const made = this.newSearch(query, parameters, now);
      if (typeof made === 'string') return invalid(made);
      search = made;
    }
    const page = search.ids.slice(search.offset, search.offset + perPage);
    const rendered = page
      .map((id) => this.state.orders.get(id)!)
      // An order changed since the window was fixed has left it: the next search finds it.
      .filter((order) => order.updatedMs < search.before)
      .map((order) => this.render(order, datasets));
    const answer: Record<string, unknown> = {
      orders: rendered,
      lastUpdatedBefore: new Date(search.before).toISOString(),
    };
    if (search.offset + perPage < search.ids.length) {
      const next = randomBytes(18).toString('base64url');
      this.state.searches.set(next, { ...search, offset: search.offset + perPage });
      answer.pagination = { nextToken: next };
    }
    return [200, answer];
  }

  newSearch(query: URLSearchParams, parameters: string, now: number): Search | string {
    const after = query.get('lastUpdatedAfter');
    const createdAfter = query.get('createdAfter');
    if ((after === null) === (createdAfter === null))
      return 'exactly one of createdAfter and lastUpdatedAfter is required';
    const marketplaces = query.get('marketplaceIds')?.split(',');
    if (marketplaces?.some((m) => m !== this.state.marketplaceId))
      return 'marketplaceIds: not a marketplace of the seller';
    const statuses = query.get('fulfillmentStatuses')?.split(',');
    const fulfilledBy = query.get('fulfilledBy')?.split(',');
    const from = Date.parse(after ?? createdAfter!);
    // The window ends with this request: what changed in this very millisecond is in it.
    const before = now + 1;
    const ids = [...this.state.orders.values()]
      .filter((o) => (after ? o.updatedMs >= from : o.createdMs >= from) && o.updatedMs < before)
      .filter((o) => !statuses || statuses.includes(o.status))
      .filter(() => !fulfilledBy || fulfilledBy.includes('MERCHANT'))
      .sort((a, b) => a.updatedMs - b.updatedMs)
      .map((o) => o.orderId);
    return { parameters, ids, before, offset: 0, createdMs: now };
  }

  confirmShipment(orderId: string, body: ShipmentBody): [number, unknown] {
    const order = this.state.orders.get(orderId);
    if (!order) return [404, { errors: [{ code: 'NotFound', message: `order ${orderId} not found` }] }];
    const refuse = (message: string): [number, unknown] => [
      400,
      { errors: [{ code: 'InvalidInput', message }] },
    ];
    if (body.marketplaceId !== order.marketplaceId) return refuse("marketplaceId is not the order's");
    if (order.status === 'CANCELLED' || order.status === 'PENDING' || order.status === 'PENDING_AVAILABILITY')
      return refuse(`order ${orderId} is ${order.status}: it cannot be shipped`);
    const detail = body.packageDetail;
    if (!/^[1-9]\d*$/.test(detail.packageReferenceId))
      return refuse('packageReferenceId must be a positive number');
    if (order.packages.some((p) => p.packageReferenceId === detail.packageReferenceId))
      return refuse(`package ${detail.packageReferenceId} is already confirmed on order ${orderId}`);
    if (detail.carrierCode === 'Other' && !detail.carrierName)
      return refuse('carrierName is required when carrierCode is Other');
    for (const line of detail.orderItems) {
      const item = order.items.find((i) => i.orderItemId === line.orderItemId);
      if (!item) return refuse(`orderItemId ${line.orderItemId} is not an item of order ${orderId}`);
      if (line.quantity < 1 || line.quantity > item.quantity - item.quantityFulfilled)
        return refuse(`quantity ${line.quantity} of item ${line.orderItemId} exceeds what is left to ship`);
    }
    for (const line of detail.orderItems)
      order.items.find((i) => i.orderItemId === line.orderItemId)!.quantityFulfilled += line.quantity;
    order.packages.push({
      packageReferenceId: detail.packageReferenceId,
      carrier: detail.carrierName ?? detail.carrierCode,
      ...(detail.shippingMethod ? { shippingService: detail.shippingMethod } : {}),
      trackingNumber: detail.trackingNumber,
      shipTime: detail.shipDate,
      items: detail.orderItems.map((l) => ({ orderItemId: l.orderItemId, quantity: l.quantity })),
    });
    order.status = order.items.every((i) => i.quantityFulfilled === i.quantity)
      ? 'SHIPPED'
      : 'PARTIALLY_SHIPPED';
    order.updatedMs = Math.max(Date.now(), order.updatedMs + 1);
    return [204, undefined];
  }
}

interface ShipmentBody {
  marketplaceId: string;
  packageDetail: {
    packageReferenceId: string;
    carrierCode: string;
    carrierName?: string;
    shippingMethod?: string;
    trackingNumber: string;
    shipDate: string;
    orderItems: { orderItemId: string; quantity: number }[];
  };
}

function feedView(feed: SimFeed): Record<string, unknown> {
  return {
    feedId: feed.feedId,
    feedType: feed.feedType,
    marketplaceIds: feed.marketplaceIds,
    createdTime: new Date(feed.createdMs).toISOString(),
    processingStatus: feed.status,
    ...(feed.startedMs ? { processingStartTime: new Date(feed.startedMs).toISOString() } : {}),
    ...(feed.endedMs ? { processingEndTime: new Date(feed.endedMs).toISOString() } : {}),
    ...(feed.resultDocumentId ? { resultFeedDocumentId: feed.resultDocumentId } : {}),
  };
}

function participation(marketplaceId: string) {
  return {
    marketplace: {
      id: marketplaceId,
      name: 'Amazon.com',
      countryCode: 'US',
      defaultCurrencyCode: 'USD',
      defaultLanguageCode: 'en_US',
      domainName: 'www.amazon.com',
    },
    participation: { isParticipating: true, hasSuspendedListings: false },
  };
}

/** The v0 OrderStatus names ORDER_CHANGE still uses. */
const V0_STATUS: Readonly<Record<SimOrder['status'], string>> = {
  PENDING_AVAILABILITY: 'PendingAvailability',
  PENDING: 'Pending',
  UNSHIPPED: 'Unshipped',
  PARTIALLY_SHIPPED: 'PartiallyShipped',
  SHIPPED: 'Shipped',
  CANCELLED: 'Canceled',
};

/** An EventBridge event with an ORDER_CHANGE notification (schemas/notifications/OrderChangeNotification.json) in `detail`. */
async function sendOrderChange(
  url: string,
  apiKey: string,
  order: SimOrder | undefined,
  sellerId: string,
): Promise<number> {
  if (!order) throw new Error('no such order');
  const now = new Date().toISOString();
  const buyerAsked = order.items.some((i) => i.buyerCancelReason);
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ORDER_CHANGE',
    source: 'aws.partner/sellingpartnerapi.amazon.com/amzn1.sellerapps.app.waybill-sim',
    account: '123456789012',
    time: now,
    region: 'us-east-1',
    resources: [],
    detail: {
      NotificationVersion: '1.0',
      NotificationType: 'ORDER_CHANGE',
      PayloadVersion: '1.0',
      EventTime: now,
      Payload: {
        OrderChangeNotification: {
          NotificationLevel: 'OrderLevel',
          SellerId: sellerId,
          AmazonOrderId: order.orderId,
          OrderChangeType: buyerAsked ? 'BuyerRequestedChange' : 'OrderStatusChange',
          OrderChangeTrigger: {
            TimeOfOrderChange: new Date(order.updatedMs).toISOString(),
            ChangeReason: buyerAsked ? 'Buyer Requested Cancel' : 'Order status changed',
          },
          Summary: {
            MarketplaceId: order.marketplaceId,
            OrderStatus: V0_STATUS[order.status],
            PurchaseDate: new Date(order.createdMs).toISOString(),
            DestinationPostalCode: order.address.postalCode,
            FulfillmentType: 'MFN',
            OrderType: 'StandardOrder',
            OrderItems: order.items.map((i) => ({
              OrderItemId: i.orderItemId,
              SellerSKU: i.sku,
              Quantity: i.quantity,
              QuantityShipped: i.quantityFulfilled,
              IsBuyerRequestedCancel: Boolean(i.buyerCancelReason),
            })),
          },
        },
      },
      NotificationMetadata: {
        ApplicationId: 'amzn1.sellerapps.app.waybill-sim',
        SubscriptionId: 'sub-order-change-0001',
        PublishTime: now,
        NotificationId: randomUUID(),
      },
    },
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(5_000),
  });
  await response.text();
  return response.status;
}

/** Every SP-API model answers an error as `{ errors: [{ code, message, details }] }`. */
function errorBody(code: string, message: string): unknown {
  return { errors: [{ code, message, details: '' }] };
}

function invalid(message: string): [number, unknown] {
  return [400, { errors: [{ code: 'InvalidInput', message, details: '' }] }];
}

function notFound(what: string): [number, unknown] {
  return [404, { errors: [{ code: 'NotFound', message: `${what} not found`, details: '' }] }];
}

function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const common = { 'x-amzn-RequestId': randomUUID(), ...headers };
  if (body === undefined) res.writeHead(status, common).end();
  else res.writeHead(status, { ...common, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export { AMAZON_OPERATIONS };
