/**
 * A simulated Shopify store for the demo and the tests (never the production path). It builds orders shaped like
 * the REST Order resource that the `orders/*` webhooks carry, and delivers them the way Shopify does: a JSON body
 * signed with the app's client secret, the X-Shopify-* headers, and a webhook id that stays the same when a
 * delivery is retried or duplicated. Written from shopify.dev ("Webhooks delivery structure", "Verify webhook
 * deliveries", the September 2024 retry changelog, the REST Order resource), not from src/, so that the simulator
 * catches a hub that drifts from what Shopify really sends. It also answers the shop's Admin GraphQL API for the
 * orders it delivered (startAdmin): fulfillment orders per location, fulfillments, a cost-based throttle; and for
 * the variants a test adds (addVariant): their inventory items, `available` per location, inventorySetQuantities
 * with its compare-and-set check; variant prices with productVariantsBulkUpdate (./shopify-prices.ts); and the
 * orders as the GraphQL API lists them, their payments and refunds (suggestedRefund, refundCreate, refunds/create
 * webhooks) and the app's webhook subscriptions (./shopify-sales.ts); and the app as a fulfillment service: its
 * registration and location, the merchant's fulfillment and cancellation requests with their signed
 * fulfillment_order_notification, assignedFulfillmentOrders and the app's accept/reject answers
 * (./shopify-fulfillment-service.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  attemptLimits,
  hmacBase64,
  jsonText,
  postOnce,
  postUntilAccepted,
  type WebhookPost,
} from './delivery.ts';
import { parseMinor } from './money.ts';
import {
  drawBuyer,
  draftOrder,
  exampleEmail,
  lineOrdinal,
  newGeneratorContext,
  orderOrdinal,
  sumOf,
  US_DESTINATIONS,
  wholeSecondsLater,
  type GeneratorContext,
  type PricedLine as OrderLine,
  type UsDestination,
} from './order-generator.ts';
import {
  closeServer,
  deriveSeed,
  headerValue,
  isRecord,
  listen,
  parseJson,
  pick,
  queueRepeated,
  readBody,
  sendJson,
} from './shared.ts';
import {
  connection,
  GraphqlError,
  gid,
  idOf,
  inputArray,
  moneyFormat,
  MUTATION_COST,
  nonNegativeInteger,
  pageSize,
  shopTime,
  type AdminOperation as CommonAdminOperation,
  type MoneyFormat,
} from './shopify-common.ts';
import {
  FulfillmentServices,
  fulfillmentServiceOperations,
  type FulfillmentNotificationKind,
  type NotifyOptions,
  type SimFulfillmentOrderAnswer,
  type SimFulfillmentOrderRequestStatus,
  type SimFulfillmentService,
} from './shopify-fulfillment-service.ts';
import { BulkExports, bulkOperations, type BulkControl } from './shopify-bulk.ts';
import { checkRequest, NEWEST_SCHEMA, schemaOf, servedVersion } from './shopify-graphql.ts';
import { IdempotencyKeys, idempotencyOf, type IdempotentCall } from './shopify-idempotency.ts';
import { priceNode, priceOperations, type PriceCatalog, type SimPriceUpdate } from './shopify-prices.ts';
import {
  adminRefund,
  DEFAULT_WEBHOOK_TOPICS,
  isFullOrder,
  SalesBook,
  salesOperations,
  type SalesBookContext,
  type SimRefund,
  type SimWebhookSubscription,
} from './shopify-sales.ts';

export type {
  NotifyOptions,
  SimFulfillmentOrderAnswer,
  SimFulfillmentOrderAnswerKind,
  SimFulfillmentOrderRequestStatus,
  SimFulfillmentService,
} from './shopify-fulfillment-service.ts';
export type { SimPriceUpdate, VariantsBulkUserError } from './shopify-prices.ts';
export type { SimRefund, SimTransaction, SimWebhookSubscription } from './shopify-sales.ts';

export type ShopifyTopic = 'orders/create' | 'orders/updated' | 'orders/cancelled' | 'refunds/create';

export interface ShopifySimOptions {
  shopDomain: string;
  /** Waybill's POST /webhooks/shopify/{channelId}. */
  webhookUrl: string;
  /** The app's client secret: the key of X-Shopify-Hmac-Sha256. */
  secret: string;
  /** The webhooks' version (X-Shopify-API-Version of each delivery); default '2026-10'. */
  apiVersion?: string;
  /** Default 1. */
  seed?: number;
  /** Default 'USD'. */
  currency?: string;
  /**
   * The shop's locations, by name. Line item n of an order is fulfilled from location n mod count unless its item
   * names one, so with the default two an order of two or more items has two fulfillment orders.
   */
  locations?: string[];
  /**
   * Refunds made through the Admin API (refundCreate) are told to webhookUrl as a signed refunds/create delivery,
   * as Shopify does; default false. `settled()` waits for those deliveries.
   */
  refundWebhooks?: boolean;
}

export interface ShopifyMoney {
  amount: string;
  currency_code: string;
}

/** A MoneyBag: the amount in the shop currency and in the currency the buyer saw (the same one here). */
export interface ShopifyMoneySet {
  shop_money: ShopifyMoney;
  presentment_money: ShopifyMoney;
}

export interface ShopifyTaxLine {
  price: string;
  price_set: ShopifyMoneySet;
  rate: number;
  title: string;
}

export interface ShopifyDiscountAllocation {
  amount: string;
  amount_set: ShopifyMoneySet;
  discount_application_index: number;
}

export interface ShopifyDiscountApplication {
  type: 'discount_code';
  code: string;
  title: string;
  value: string;
  value_type: 'percentage' | 'fixed_amount';
  allocation_method: 'across' | 'each' | 'one';
  target_selection: 'all' | 'entitled' | 'explicit';
  target_type: 'line_item' | 'shipping_line';
}

export interface ShopifyDiscountCode {
  code: string;
  amount: string;
  type: 'percentage' | 'fixed_amount' | 'shipping';
}

export interface ShopifyCustomer {
  id: number;
  admin_graphql_api_id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
}

export interface ShopifyAddress {
  first_name: string;
  last_name: string;
  name: string;
  company: string | null;
  address1: string;
  address2: string | null;
  city: string;
  province: string;
  province_code: string;
  zip: string;
  country: string;
  country_code: string;
  phone: string | null;
}

export interface ShopifyLineItem {
  id: number;
  admin_graphql_api_id: string;
  variant_id: number | null;
  product_id: number | null;
  sku: string | null;
  title: string;
  name: string;
  variant_title: string | null;
  vendor: string | null;
  quantity: number;
  /** The quantity after order edits and refunds (REST Order, line_items[].current_quantity). */
  current_quantity: number;
  fulfillable_quantity: number;
  fulfillment_service: string;
  fulfillment_status: 'fulfilled' | 'partial' | null;
  price: string;
  price_set: ShopifyMoneySet;
  total_discount: string;
  total_discount_set: ShopifyMoneySet;
  discount_allocations: ShopifyDiscountAllocation[];
  tax_lines: ShopifyTaxLine[];
  requires_shipping: boolean;
  taxable: boolean;
  gift_card: boolean;
}

export interface ShopifyShippingLine {
  id: number;
  title: string;
  code: string;
  source: string;
  price: string;
  price_set: ShopifyMoneySet;
  discounted_price: string;
  discounted_price_set: ShopifyMoneySet;
  tax_lines: ShopifyTaxLine[];
  discount_allocations: ShopifyDiscountAllocation[];
}

/** The subset of the REST Order resource (the body of the orders/* webhooks) this simulator produces. */
export interface ShopifyOrder {
  id: number;
  admin_graphql_api_id: string;
  name: string;
  order_number: number;
  email: string;
  created_at: string;
  updated_at: string;
  processed_at: string;
  currency: string;
  presentment_currency: string;
  financial_status:
    'pending' | 'authorized' | 'paid' | 'partially_paid' | 'partially_refunded' | 'refunded' | 'voided';
  fulfillment_status: 'fulfilled' | 'partial' | 'restocked' | null;
  test: boolean;
  taxes_included: boolean;
  source_name: string;
  note: string | null;
  tags: string;
  total_line_items_price: string;
  total_line_items_price_set: ShopifyMoneySet;
  subtotal_price: string;
  subtotal_price_set: ShopifyMoneySet;
  total_discounts: string;
  total_discounts_set: ShopifyMoneySet;
  total_tax: string;
  total_tax_set: ShopifyMoneySet;
  total_shipping_price_set: ShopifyMoneySet;
  total_price: string;
  total_price_set: ShopifyMoneySet;
  customer: ShopifyCustomer;
  shipping_address: ShopifyAddress;
  line_items: ShopifyLineItem[];
  shipping_lines: ShopifyShippingLine[];
  tax_lines: ShopifyTaxLine[];
  discount_codes: ShopifyDiscountCode[];
  discount_applications: ShopifyDiscountApplication[];
  cancelled_at: string | null;
  cancel_reason: 'customer' | 'fraud' | 'inventory' | 'declined' | 'other' | null;
}

export interface ShopifyOrderItem {
  sku: string | null;
  variantId: number;
  /** A decimal string in the shop currency, e.g. "12.99". */
  price: string;
  title?: string;
  /** The location (by name) whose fulfillment order holds this line; default: see ShopifySimOptions.locations. */
  location?: string;
}

export interface DeliverOptions {
  /** Default: a new UUID. Pass an earlier one to model Shopify sending the same delivery again. */
  webhookId?: string;
  /** Default: a new UUID. */
  eventId?: string;
  /** Default: now. */
  triggeredAt?: Date;
  /** Default 1 (tests); Shopify itself makes 1 + 8 retries. */
  maxAttempts?: number;
  /** Per attempt, covering the whole exchange; default 5000, Shopify's own limit. */
  timeoutMs?: number;
  /** Signs with this instead of the sim's secret (a rotated or forged secret). */
  secret?: string;
  /** Sends exactly these bytes (UTF-8) instead of JSON of the payload, still signed correctly. */
  rawBody?: string;
}

export interface DeliveryResult {
  /** The last answer's status; 0 when there was no answer at all (refused, reset, timed out). */
  status: number;
  webhookId: string;
  attempts: number;
  /** The last answer's body ('' without an answer). */
  body: string;
}

export interface ShopifySim {
  /**
   * A realistic orders/create payload. Everything follows from seed and i except what Shopify makes unique per
   * store and time: the ids (order, line item, customer, shipping line; a fresh block per sim instance, so reruns
   * against the same database do not collide) and created_at (the instance's start + i seconds).
   */
  makeOrder(i: number, items: ShopifyOrderItem[], quantities?: number[]): ShopifyOrder;
  /** POSTs one delivery, retrying like Shopify (same webhook id, same bytes) on a non-2xx answer or a timeout. */
  deliver(topic: ShopifyTopic, payload: unknown, opts?: DeliverOptions): Promise<DeliveryResult>;
  /** The same delivery again (at-least-once): same webhook id, event id, triggered-at and body bytes. */
  redeliver(previous: DeliveryResult): Promise<DeliveryResult>;
  /** An orders/updated payload: updated_at later by laterMs (rounded up to whole seconds), changes applied. */
  updateOf(order: ShopifyOrder, laterMs: number, changes?: Partial<ShopifyOrder>): ShopifyOrder;
  setWebhookUrl(url: string): void;
  /**
   * The shop's Admin GraphQL API, over the orders this simulator delivered with orders/* webhooks (or recorded with
   * recordOrder). It may be started more than once; every server sees the same orders and fulfillments.
   */
  startAdmin(opts: ShopifyAdminOptions): Promise<ShopifyAdmin>;
  /** The shop has this order (placed at the checkout): its fulfillment orders exist from now on. */
  recordOrder(order: RecordableOrder): void;
  /**
   * A product variant for sale in the shop, with the inventory item that tracks its stock. It is stocked at
   * `locations` (by name; default the primary location, the first of ShopifySimOptions.locations) with
   * `available` units at each (default 0); an empty list stocks it nowhere.
   */
  addVariant(variant: SimVariantInput): SimVariant;
  /** A change made on Shopify's side (a sale at the counter, the merchant's edit): the SKU's `available` at a location. */
  setAvailable(sku: string, quantity: number, location?: string): void;
  /**
   * The shop sells each of these SKUs: a variant of its own (a product each), stocked at the primary location with
   * `available` units. Made for large catalogues (100,000 SKUs): lookups by SKU and inventory item are indexed.
   */
  seedCatalog(skus: readonly string[], available: number): void;
  /**
   * Calls `listener` with the SKU and the new `available` each time the shop applies a quantity (an
   * inventorySetQuantities call, or setAvailable), at whichever location; returns what stops it.
   */
  onStock(listener: (sku: string, available: number) => void): () => void;
  /** The merchant gives a variant (by gid) another SKU, or none. */
  setVariantSku(variantId: string, sku: string | null): void;
  /** The merchant deletes a variant (by gid), and its inventory item with it. */
  deleteVariant(variantId: string): void;
  /** A location's gid, as the merchant would copy it from Shopify's admin (the location opens if it is new). */
  locationId(name: string): string;
  /**
   * The merchant refunds units of an order (by SKU) in Shopify's admin: the suggested amount goes back to the
   * payment, nothing is restocked, and the signed refunds/create webhook is delivered. Returns its payload too.
   */
  refundInAdmin(
    orderId: number,
    lines: { sku: string; quantity: number }[],
    opts?: { note?: string } & DeliverOptions,
  ): Promise<{ payload: unknown; delivery: DeliveryResult }>;
  /** The deliveries the shop made on its own (refunds/create after refundCreate), once they have all ended. */
  settled(): Promise<DeliveryResult[]>;
  /** The app's webhook subscriptions: at first one per order and refund topic, to webhookUrl. Copies. */
  webhookSubscriptions(): SimWebhookSubscription[];
  /** Shopify deletes a subscription whose deliveries keep failing (or the merchant uninstalls part of the app). */
  deleteWebhookSubscription(topic: string): void;
  addWebhookSubscription(topic: string, uri: string): SimWebhookSubscription;
  /** The fulfillment services the app registered (fulfillmentServiceCreate), oldest first. Copies. */
  fulfillmentServices(): SimFulfillmentService[];
  /**
   * The merchant requests fulfillment of an order: its OPEN, UNSUBMITTED fulfillment orders at service locations
   * become SUBMITTED (keeping the message as merchantMessage), and each service concerned is told with one signed
   * POST of `{"kind":"FULFILLMENT_REQUEST"}` to `<callbackUrl>/fulfillment_order_notification` (one attempt, no
   * retries, 5 s). Returns the last of those POSTs; null when nothing changed (or no service has a callback URL).
   */
  requestFulfillment(
    orderId: number,
    opts?: { message?: string } & NotifyOptions,
  ): Promise<DeliveryResult | null>;
  /**
   * The merchant asks to cancel an order's fulfillment: ACCEPTED fulfillment orders at service locations become
   * CANCELLATION_REQUESTED and their services are told (`{"kind":"CANCELLATION_REQUEST"}`, as requestFulfillment);
   * SUBMITTED ones nobody accepted yet are closed at once (status and request status CLOSED) without a notification.
   */
  requestCancellation(
    orderId: number,
    opts?: { message?: string } & NotifyOptions,
  ): Promise<DeliveryResult | null>;
}

export function createShopifySim(opts: ShopifySimOptions): ShopifySim {
  return new ShopifyStore(opts);
}

// ---------------------------------------------------------------------------------------------------------------
// Delivery

const DEFAULT_API_VERSION = '2026-10';
const DEFAULT_TIMEOUT_MS = 5_000;
/** Shopify spreads its retries over 4 hours; a simulator compresses that to milliseconds. */
const RETRY_BACKOFF_CAP_MS = 1_000;
/** The user agent Shopify's webhook sender identifies itself with. */
const USER_AGENT = 'Shopify-Captain-Hook';

/** Everything needed to send a delivery again byte for byte. */
interface PreparedDelivery extends WebhookPost {
  webhookId: string;
}

class ShopifyStore implements ShopifySim {
  private webhookUrl: string;
  private readonly store: StoreContext;
  /** Keyed by the result object handed out, so nothing is kept once the caller lets go of it. */
  private readonly sent = new WeakMap<DeliveryResult, PreparedDelivery>();
  /** Which location each line item made by makeOrder is fulfilled from, by line item id. */
  private readonly lineLocations = new Map<number, string>();
  private readonly backOffice: BackOffice;
  private readonly ownDeliveries: Promise<DeliveryResult>[] = [];

  constructor(private readonly opts: ShopifySimOptions) {
    this.webhookUrl = opts.webhookUrl;
    this.store = newStoreContext(opts);
    const names = opts.locations?.length ? opts.locations : DEFAULT_LOCATIONS;
    this.backOffice = new BackOffice(this.store, names[0] ?? 'Shop location');
    for (const topic of DEFAULT_WEBHOOK_TOPICS) this.backOffice.sales.subscribe(topic, opts.webhookUrl);
    this.backOffice.sales.onApiRefund = (payload) => {
      if (opts.refundWebhooks) this.ownDeliveries.push(this.deliver('refunds/create', payload));
    };
  }

  async refundInAdmin(
    orderId: number,
    lines: { sku: string; quantity: number }[],
    opts: { note?: string } & DeliverOptions = {},
  ): Promise<{ payload: unknown; delivery: DeliveryResult }> {
    const { sales, salesContext } = this.backOffice;
    const payload = adminRefund(sales, salesContext, orderId, lines, opts.note ?? null);
    return { payload, delivery: await this.deliver('refunds/create', payload, opts) };
  }

  settled(): Promise<DeliveryResult[]> {
    return Promise.all(this.ownDeliveries);
  }

  webhookSubscriptions(): SimWebhookSubscription[] {
    return this.backOffice.sales.webhookSubscriptions();
  }

  deleteWebhookSubscription(topic: string): void {
    this.backOffice.sales.unsubscribe(topic);
  }

  addWebhookSubscription(topic: string, uri: string): SimWebhookSubscription {
    return this.backOffice.sales.subscribe(topic, uri);
  }

  fulfillmentServices(): SimFulfillmentService[] {
    return this.backOffice.services.list();
  }

  async requestFulfillment(
    orderId: number,
    opts: { message?: string } & NotifyOptions = {},
  ): Promise<DeliveryResult | null> {
    const told = this.backOffice.services.requestFulfillment(orderId, opts.message ?? null);
    return this.notify(told, 'FULFILLMENT_REQUEST', opts);
  }

  async requestCancellation(
    orderId: number,
    opts: { message?: string } & NotifyOptions = {},
  ): Promise<DeliveryResult | null> {
    const told = this.backOffice.services.requestCancellation(orderId, opts.message ?? null);
    return this.notify(told, 'CANCELLATION_REQUEST', opts);
  }

  /** One signed POST per service, one attempt each: Shopify does not retry these notifications. */
  private async notify(
    services: SimFulfillmentService[],
    kind: FulfillmentNotificationKind,
    opts: NotifyOptions,
  ): Promise<DeliveryResult | null> {
    let last: DeliveryResult | null = null;
    for (const { callbackUrl } of services) {
      if (callbackUrl === null) continue;
      const body = Buffer.from(JSON.stringify({ kind }), 'utf8');
      const headers = {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'X-Shopify-Hmac-Sha256': signBody(opts.secret ?? this.opts.secret, body),
        'X-Shopify-Shop-Domain': this.opts.shopDomain,
        'X-Shopify-API-Version': this.opts.apiVersion ?? DEFAULT_API_VERSION,
      };
      const url = `${callbackUrl}/fulfillment_order_notification`;
      const answer = await postOnce({ url, headers, body, timeoutMs: DEFAULT_TIMEOUT_MS });
      last = { status: answer.status, webhookId: '', attempts: 1, body: answer.body };
    }
    return last;
  }

  addVariant(variant: SimVariantInput): SimVariant {
    return this.backOffice.inventory.add(variant);
  }

  setAvailable(sku: string, quantity: number, location?: string): void {
    this.backOffice.inventory.setAvailable(sku, quantity, location);
  }

  seedCatalog(skus: readonly string[], available: number): void {
    for (const sku of skus) this.backOffice.inventory.add({ sku, available });
  }

  onStock(listener: (sku: string, available: number) => void): () => void {
    return this.backOffice.inventory.listen(listener);
  }

  setVariantSku(variantId: string, sku: string | null): void {
    this.backOffice.inventory.rename(variantId, sku);
  }

  deleteVariant(variantId: string): void {
    this.backOffice.inventory.delete(variantId);
  }

  locationId(name: string): string {
    return this.backOffice.location(name).id;
  }

  startAdmin(opts: ShopifyAdminOptions): Promise<ShopifyAdmin> {
    return startAdminServer(this.backOffice, opts);
  }

  recordOrder(order: RecordableOrder): void {
    if (isFullOrder(order)) this.backOffice.sales.record(order);
    const names = this.opts.locations?.length ? this.opts.locations : DEFAULT_LOCATIONS;
    this.backOffice.record(
      order,
      (line, index) => this.lineLocations.get(line.id) ?? names[index % names.length] ?? 'Shop location',
    );
  }

  setWebhookUrl(url: string): void {
    // The app moved its endpoint, and its subscriptions with it.
    this.backOffice.sales.moveSubscriptions(this.webhookUrl, url);
    this.webhookUrl = url;
  }

  makeOrder(i: number, items: ShopifyOrderItem[], quantities?: number[]): ShopifyOrder {
    const order = buildOrder(this.store, i, items, quantities);
    order.line_items.forEach((line, index) => {
      const location = items[index]?.location;
      if (location) this.lineLocations.set(line.id, location);
    });
    return order;
  }

  updateOf(order: ShopifyOrder, laterMs: number, changes: Partial<ShopifyOrder> = {}): ShopifyOrder {
    return updatedOrder(order, laterMs, changes);
  }

  deliver(topic: ShopifyTopic, payload: unknown, opts: DeliverOptions = {}): Promise<DeliveryResult> {
    // The order exists in the shop whether or not the hub takes the webhook; a payload that is no order is skipped.
    if (topic.startsWith('orders/') && looksLikeOrder(payload)) this.recordOrder(payload);
    return this.send(this.prepare(topic, payload, opts));
  }

  /** Goes to the current webhook URL, so a test may move the hub between a delivery and its duplicate. */
  async redeliver(previous: DeliveryResult): Promise<DeliveryResult> {
    const earlier = this.sent.get(previous);
    if (!earlier)
      throw new Error('redeliver takes a result returned by deliver or redeliver of this simulator');
    return this.send({ ...earlier, url: this.webhookUrl });
  }

  private prepare(topic: ShopifyTopic, payload: unknown, opts: DeliverOptions): PreparedDelivery {
    const body = Buffer.from(opts.rawBody ?? jsonText(payload), 'utf8');
    const webhookId = opts.webhookId ?? randomUUID();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      'X-Shopify-Topic': topic,
      'X-Shopify-Hmac-Sha256': signBody(opts.secret ?? this.opts.secret, body),
      'X-Shopify-Shop-Domain': this.opts.shopDomain,
      'X-Shopify-API-Version': this.opts.apiVersion ?? DEFAULT_API_VERSION,
      'X-Shopify-Webhook-Id': webhookId,
      'X-Shopify-Event-Id': opts.eventId ?? randomUUID(),
      'X-Shopify-Triggered-At': (opts.triggeredAt ?? new Date()).toISOString(),
    };
    // The URL is fixed now: Shopify sends retries to the address configured when the webhook was triggered.
    return { url: this.webhookUrl, webhookId, headers, body, ...attemptLimits(opts, DEFAULT_TIMEOUT_MS) };
  }

  /** Shopify counts anything but a 2xx answer, a redirect too, as a failed attempt. */
  private async send(delivery: PreparedDelivery): Promise<DeliveryResult> {
    const { answer, attempts } = await postUntilAccepted(delivery, RETRY_BACKOFF_CAP_MS);
    const result: DeliveryResult = {
      status: answer.status,
      webhookId: delivery.webhookId,
      attempts,
      body: answer.body,
    };
    this.sent.set(result, delivery);
    return result;
  }
}

/** Base64 HMAC-SHA256 of the exact body bytes, keyed with the client secret (what X-Shopify-Hmac-Sha256 holds). */
function signBody(secret: string, body: Buffer): string {
  return hmacBase64(secret, body);
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

const RUN_SLOTS = 1_000_000;

interface StoreContext extends GeneratorContext {
  shopDomain: string;
  vendor: string;
  money: MoneyFormat;
}

function newStoreContext(opts: ShopifySimOptions): StoreContext {
  const generator = newGeneratorContext(opts, RUN_SLOTS, Date.now());
  return {
    ...generator,
    shopDomain: opts.shopDomain,
    vendor: opts.shopDomain.split('.')[0] ?? opts.shopDomain,
    money: moneyFormat(generator.currency, generator.digits),
  };
}

/** Shopify ids are global: each kind has its own range, and each run its own block in it (see orderOrdinal). */
const ids = {
  order: (s: StoreContext, i: number) => 5_000_000_000_000 + orderOrdinal(s, i),
  customer: (s: StoreContext, i: number) => 7_000_000_000_000 + orderOrdinal(s, i),
  shippingLine: (s: StoreContext, i: number) => 4_000_000_000_000 + orderOrdinal(s, i),
  line: (s: StoreContext, i: number, index: number) => 10_000_000_000_000 + lineOrdinal(s, i, index),
  /** A product follows from its variant alone: the same variant is the same product in every order. */
  product: (variantId: number) => 8_000_000_000_000 + (deriveSeed(0, `product:${variantId}`) % 1_000_000_000),
};

const NAMES = {
  first: ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara'],
  last: ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov'],
} as const;
const DISCOUNT = { code: 'WELCOME10', basisPoints: 1_000, value: '10.0' } as const;
/** In minor units of whatever the currency is: a simulator needs plausible amounts, not exchange rates. */
const SHIPPING = {
  rates: [
    { title: 'Standard', code: 'STANDARD', units: 599 },
    { title: 'Express', code: 'EXPRESS', units: 1_499 },
  ],
  free: { title: 'Free Shipping', code: 'FREE', units: 0 },
  freeFromUnits: 7_500,
} as const;

interface Buyer {
  customer: ShopifyCustomer;
  address: ShopifyAddress;
  destination: UsDestination;
}

type PricedLine = OrderLine<ShopifyOrderItem>;

function buildOrder(
  store: StoreContext,
  i: number,
  items: ShopifyOrderItem[],
  quantities: number[] | undefined,
): ShopifyOrder {
  const { random, buyer, discountBp, lines, createdMs } = draftOrder(
    store,
    { i, items, quantities },
    { pickBuyer: (stream) => pickBuyer(stream, store, i), discountBp: DISCOUNT.basisPoints },
  );
  const createdAt = shopTime(createdMs);
  return {
    ...orderHeader(store, i, createdAt, buyer),
    ...orderMoney(store, random, i, lines, buyer.destination),
    line_items: lines.map((line, index) => lineItem(store, i, index, line, buyer.destination)),
    discount_codes: discountBp ? [discountCode(store, lines)] : [],
    discount_applications: discountBp ? [discountApplication()] : [],
  };
}

function pickBuyer(random: () => number, store: StoreContext, i: number): Buyer {
  const { first, last, destination, phoneLine, apartment } = drawBuyer(random, NAMES, US_DESTINATIONS);
  // E.164, in the 555 exchange: +1 555 555 01xx.
  const phone = `+1555555${phoneLine}`;
  const id = ids.customer(store, i);
  return {
    customer: {
      id,
      admin_graphql_api_id: gid('Customer', id),
      email: exampleEmail(first, last),
      first_name: first,
      last_name: last,
      phone,
    },
    address: {
      first_name: first,
      last_name: last,
      name: `${first} ${last}`,
      company: null,
      address1: destination.street,
      address2: apartment,
      city: destination.city,
      province: destination.state,
      province_code: destination.stateCode,
      zip: destination.zip,
      country: 'United States',
      country_code: 'US',
      phone,
    },
    destination,
  };
}

function taxLines(store: StoreContext, destination: UsDestination, units: number): ShopifyTaxLine[] {
  if (destination.taxBp === 0) return [];
  return [
    {
      price: store.money.text(units),
      price_set: store.money.set(units),
      // A rate is a plain JSON number in Shopify's payload; it is only shown, never used in the sums.
      rate: destination.taxBp / 10_000,
      title: `${destination.stateCode} State Tax`,
    },
  ];
}

function lineItem(
  store: StoreContext,
  i: number,
  index: number,
  line: PricedLine,
  destination: UsDestination,
): ShopifyLineItem {
  const id = ids.line(store, i, index);
  const title = line.item.title ?? `Item ${line.item.sku ?? line.item.variantId}`;
  const allocations = line.discount
    ? [
        {
          amount: store.money.text(line.discount),
          amount_set: store.money.set(line.discount),
          discount_application_index: 0,
        },
      ]
    : [];
  return {
    id,
    admin_graphql_api_id: gid('LineItem', id),
    variant_id: line.item.variantId,
    product_id: ids.product(line.item.variantId),
    sku: line.item.sku,
    title,
    name: title,
    variant_title: null,
    vendor: store.vendor,
    quantity: line.quantity,
    current_quantity: line.quantity,
    fulfillable_quantity: line.quantity,
    fulfillment_service: 'manual',
    fulfillment_status: null,
    price: store.money.text(line.unit),
    price_set: store.money.set(line.unit),
    total_discount: store.money.text(line.discount),
    total_discount_set: store.money.set(line.discount),
    discount_allocations: allocations,
    tax_lines: taxLines(store, destination, line.tax),
    requires_shipping: true,
    taxable: true,
    gift_card: false,
  };
}

type OrderHeader = Pick<
  ShopifyOrder,
  | 'id'
  | 'admin_graphql_api_id'
  | 'name'
  | 'order_number'
  | 'email'
  | 'created_at'
  | 'updated_at'
  | 'processed_at'
  | 'currency'
  | 'presentment_currency'
  | 'financial_status'
  | 'fulfillment_status'
  | 'test'
  | 'taxes_included'
  | 'source_name'
  | 'note'
  | 'tags'
  | 'customer'
  | 'shipping_address'
  | 'cancelled_at'
  | 'cancel_reason'
>;

function orderHeader(store: StoreContext, i: number, createdAt: string, buyer: Buyer): OrderHeader {
  const id = ids.order(store, i);
  return {
    id,
    admin_graphql_api_id: gid('Order', id),
    name: `#${1001 + i}`,
    order_number: 1001 + i,
    email: buyer.customer.email,
    created_at: createdAt,
    updated_at: createdAt,
    processed_at: createdAt,
    currency: store.currency,
    presentment_currency: store.currency,
    financial_status: 'paid',
    fulfillment_status: null,
    test: false,
    taxes_included: false,
    source_name: 'web',
    note: null,
    tags: '',
    customer: buyer.customer,
    shipping_address: buyer.address,
    cancelled_at: null,
    cancel_reason: null,
  };
}

type OrderMoney = Pick<
  ShopifyOrder,
  | 'total_line_items_price'
  | 'total_line_items_price_set'
  | 'subtotal_price'
  | 'subtotal_price_set'
  | 'total_discounts'
  | 'total_discounts_set'
  | 'total_tax'
  | 'total_tax_set'
  | 'total_shipping_price_set'
  | 'total_price'
  | 'total_price_set'
  | 'shipping_lines'
  | 'tax_lines'
>;

/** subtotal = Σ gross − discounts; total = subtotal + tax + shipping (shipping is not taxed here). */
function orderMoney(
  store: StoreContext,
  random: () => number,
  i: number,
  lines: PricedLine[],
  destination: UsDestination,
): OrderMoney {
  const gross = sumOf(lines, 'gross');
  const discounts = sumOf(lines, 'discount');
  const tax = sumOf(lines, 'tax');
  const subtotal = sumOf(lines, 'net');
  const shipping = shippingLine(store, random, i, subtotal);
  const total = subtotal + tax + shipping.units;
  const m = store.money;
  return {
    total_line_items_price: m.text(gross),
    total_line_items_price_set: m.set(gross),
    subtotal_price: m.text(subtotal),
    subtotal_price_set: m.set(subtotal),
    total_discounts: m.text(discounts),
    total_discounts_set: m.set(discounts),
    total_tax: m.text(tax),
    total_tax_set: m.set(tax),
    total_shipping_price_set: m.set(shipping.units),
    total_price: m.text(total),
    total_price_set: m.set(total),
    shipping_lines: [shipping.line],
    tax_lines: taxLines(store, destination, tax),
  };
}

function shippingLine(
  store: StoreContext,
  random: () => number,
  i: number,
  subtotal: number,
): { units: number; line: ShopifyShippingLine } {
  // Drawn even when shipping turns out free, so the stream stays aligned whatever the prices are.
  const paid = pick(random, SHIPPING.rates);
  const rate = subtotal >= SHIPPING.freeFromUnits ? SHIPPING.free : paid;
  const m = store.money;
  const line: ShopifyShippingLine = {
    id: ids.shippingLine(store, i),
    title: rate.title,
    code: rate.code,
    source: 'shopify',
    price: m.text(rate.units),
    price_set: m.set(rate.units),
    discounted_price: m.text(rate.units),
    discounted_price_set: m.set(rate.units),
    tax_lines: [],
    discount_allocations: [],
  };
  return { units: rate.units, line };
}

function discountCode(store: StoreContext, lines: PricedLine[]): ShopifyDiscountCode {
  return { code: DISCOUNT.code, amount: store.money.text(sumOf(lines, 'discount')), type: 'percentage' };
}

function discountApplication(): ShopifyDiscountApplication {
  return {
    type: 'discount_code',
    code: DISCOUNT.code,
    title: DISCOUNT.code,
    value: DISCOUNT.value,
    value_type: 'percentage',
    allocation_method: 'across',
    target_selection: 'all',
    target_type: 'line_item',
  };
}

/**
 * A copy with the changes and a later updated_at. Shopify's timestamps have whole seconds, so laterMs is rounded
 * up to the next second: any positive laterMs really moves updated_at forward.
 */
function updatedOrder(order: ShopifyOrder, laterMs: number, changes: Partial<ShopifyOrder>): ShopifyOrder {
  const later = wholeSecondsLater(laterMs);
  const previous = Date.parse(order.updated_at);
  if (Number.isNaN(previous)) throw new RangeError(`updated_at ${order.updated_at} is not a date`);
  const updatedAt = shopTime(previous + later);
  return structuredClone({ ...order, ...changes, updated_at: updatedAt });
}

// ---------------------------------------------------------------------------------------------------------------
// Admin GraphQL API
//
// Written from shopify.dev ("GraphQL Admin API rate limits", the FulfillmentOrder and Fulfillment objects,
// fulfillmentCreate and FulfillmentInput, "Shopify API access tokens"), not from src/. Every request is first checked
// as Shopify's server would (./shopify-graphql.ts): the version in the URL against the support window on the shop's
// clock (X-Shopify-API-Version names the version that answers), the document validated and its variables coerced
// against Shopify's published schema of that version. It is not a GraphQL executor: it then recognises the operations
// Waybill sends by their operation name (the request's `operationName`, else the name in the document), reads their
// `variables`, and answers with the fields those documents select. An operation it does not know is answered with a
// GraphQL error that names it, so a hub that starts sending something new fails loudly here rather than being
// answered wrongly.
//
// Costs follow Shopify's rules in a simplified form: an object costs 1, a connection 2 + first × one node, a
// mutation 10. The bucket is charged the requested cost and refunded the difference to the actual cost; a call
// the bucket cannot cover is THROTTLED and not run. A single call may not request more than 1000 points.

export interface ShopifyAdminOptions {
  /** The app's Admin API access token: X-Shopify-Access-Token must be exactly this. */
  accessToken: string;
  /** The bucket's size; default 2000 points. */
  maximumAvailable?: number;
  /** Points restored a second; default 100 (the Standard plan). */
  restoreRate?: number;
  /** The HTTP status of a THROTTLED answer: 200 (default, with the error in the body) or 429. */
  throttledStatus?: 200 | 429;
  /** Default: any free port. */
  port?: number;
  /** The shop's clock, which decides the API versions it supports (see ./shopify-graphql.ts); default the wall clock. */
  now?: () => Date;
  /**
   * The access scopes the app's token was granted (currentAppInstallation.accessScopes); default those of an app
   * that fulfils, sets stock and prices, refunds and is a fulfillment service.
   */
  accessScopes?: readonly string[];
}

/** What a merchant grants an order-hub app that does everything Waybill does with a shop. */
export const FULL_ACCESS_SCOPES: readonly string[] = [
  'read_orders',
  'write_orders',
  'write_merchant_managed_fulfillment_orders',
  'write_assigned_fulfillment_orders',
  'write_fulfillments',
  'write_inventory',
  'write_products',
  'read_locations',
];

/** Something to go wrong with the next call(s) of one operation. */
export type AdminFault =
  /** Carried out, then the connection drops before the answer: a timeout after Shopify committed. */
  | { kind: 'lose-answer' }
  /** Answered with this HTTP status and not carried out (a 500, a 503 during an incident). */
  | { kind: 'status'; status: number }
  /** A mutation refused with this user error and not carried out. */
  | { kind: 'user-error'; message: string };

export interface AdminCall {
  operationName: string;
  /** The version in the request's URL. */
  apiVersion: string;
  /** The version that answered (X-Shopify-API-Version): another one when the asked one is out of support. */
  servedVersion: string;
  variables: Record<string, unknown>;
  /** 0 when the answer was lost on purpose. */
  status: number;
  /** `invalid`: the document or its variables do not fit the served version's schema. */
  outcome: 'ok' | 'throttled' | 'user-errors' | 'unauthorized' | 'error' | 'invalid' | 'lost';
}

export interface SimLocation {
  id: string;
  name: string;
}

export type SimFulfillmentOrderStatus = 'OPEN' | 'IN_PROGRESS' | 'CLOSED' | 'CANCELLED';

export interface SimFulfillmentOrderLine {
  id: string;
  lineItemId: number;
  lineItemGid: string;
  sku: string | null;
  variantId: number | null;
  totalQuantity: number;
  remainingQuantity: number;
}

export interface SimFulfillmentOrder {
  id: string;
  orderId: number;
  status: SimFulfillmentOrderStatus;
  /** Where the merchant's request to a fulfillment service stands; UNSUBMITTED at any other location. */
  requestStatus: SimFulfillmentOrderRequestStatus;
  /** The message of the merchant's latest fulfillment or cancellation request (requestFulfillment), if any. */
  merchantMessage: string | null;
  /** What the app answered as the fulfillment service, oldest first. */
  answers: SimFulfillmentOrderAnswer[];
  location: SimLocation;
  lineItems: SimFulfillmentOrderLine[];
}

export interface SimFulfillment {
  id: string;
  orderId: number;
  status: 'SUCCESS';
  location: SimLocation;
  trackingInfo: { company: string | null; number: string | null; url: string | null };
  notifyCustomer: boolean;
  lineItems: {
    fulfillmentOrderId: string;
    fulfillmentOrderLineItemId: string;
    lineItemId: number;
    sku: string | null;
    quantity: number;
  }[];
  createdAt: string;
}

export interface ShopifyAdmin {
  /** The base URL Waybill's channel config takes as adminUrl (the API is under /admin/api/{version}/graphql.json). */
  url: string;
  /** Every call, in arrival order. The token is never recorded. */
  calls: AdminCall[];
  /** Copies: changing them changes nothing in the shop. */
  fulfillmentOrders(orderId: number): SimFulfillmentOrder[];
  fulfillments(orderId: number): SimFulfillment[];
  /** The app's bulk query operations: held, failed, listed; their files' downloads. */
  bulk: BulkControl;
  /** Changes the bucket now; `currentlyAvailable: 0` empties it, so the next calls are THROTTLED until it refills. */
  setThrottle(change: {
    currentlyAvailable?: number;
    maximumAvailable?: number;
    restoreRate?: number;
    status?: 200 | 429;
  }): void;
  /** The next `times` calls of the operation go wrong this way (default once). */
  fault(operationName: string, fault: AdminFault, times?: number): void;
  /**
   * Runs `hook` just before each of the next `times` calls of the operation is carried out (default once): something
   * that happens in the shop between two of Waybill's calls, such as a sale between reading a quantity and setting it.
   */
  before(operationName: string, hook: () => void, times?: number): void;
  /** The SKU's `available` at a location (default the primary one); undefined when it is not stocked there. */
  available(sku: string, location?: string): number | undefined;
  /** Every inventorySetQuantities call the shop received, applied or refused, in order. Copies. */
  inventorySets(): SimInventorySet[];
  /** The SKU's price and compare-at price (decimal strings, as Shopify answers them). */
  variantPrices(sku: string): { price: string; compareAtPrice: string | null };
  /** Every productVariantsBulkUpdate call the shop received, in order. Copies. */
  priceUpdates(): SimPriceUpdate[];
  /** The order's refunds, oldest first. Copies. */
  refunds(orderId: number): SimRefund[];
  /** The order as the shop has it now (refunds move its financial status and updated_at). A copy. */
  order(orderId: number): ShopifyOrder | undefined;
  close(): Promise<void>;
}

export interface SimVariantInput {
  sku: string | null;
  /** The numeric id in the variant's gid, to match the variant_id of orders made with makeOrder; default: a new id. */
  variantId?: number;
  /**
   * The numeric id in the product's gid: variants given the same one are options of one product. Default: the
   * product that orders made with makeOrder name for this variant id.
   */
  productId?: number;
  /** A decimal string in the shop currency; default "10.00" (in the currency's digits). */
  price?: string;
  /** The "was" price; default none. */
  compareAtPrice?: string | null;
  /** Location names; default: the primary location. */
  locations?: string[];
  /** Units available at each of those locations; default 0. */
  available?: number;
}

export interface SimVariant {
  /** gid://shopify/ProductVariant/… */
  id: string;
  sku: string | null;
  /** gid://shopify/Product/… */
  productId: string;
  /** gid://shopify/InventoryItem/… */
  inventoryItemId: string;
}

export interface SimInventorySet {
  name: string;
  reason: string;
  referenceDocumentUri: string | null;
  quantities: {
    inventoryItemId: string;
    /** The item's SKU when the call came in (null for an unknown item). */
    sku: string | null;
    locationId: string;
    quantity: number;
    /** null: set without the compare-and-set check. */
    changeFromQuantity: number | null;
  }[];
  /** Shopify applies every quantity of a call or none of them. */
  outcome: 'applied' | 'refused';
  userErrors: InventoryUserError[];
}

export interface InventoryUserError {
  code: string;
  field: string[];
  message: string;
}

/** What recordOrder reads of an order: a ShopifyOrder has all of it. */
export interface RecordableOrder {
  id: number;
  cancelled_at: string | null;
  line_items: Pick<
    ShopifyLineItem,
    'id' | 'admin_graphql_api_id' | 'sku' | 'variant_id' | 'quantity' | 'requires_shipping'
  >[];
}

const DEFAULT_LOCATIONS = ['East warehouse', 'West warehouse'] as const;
const MAX_QUERY_COST = 1_000;
const INVALID_TOKEN = '[API] Invalid API key or access token (unrecognized login or wrong password)';
const RATE_LIMIT_DOCS = 'https://shopify.dev/api/usage/rate-limits';

function looksLikeOrder(payload: unknown): payload is RecordableOrder {
  if (!isRecord(payload) || !Number.isSafeInteger(payload.id) || !Array.isArray(payload.line_items))
    return false;
  return payload.line_items.every(
    (line: unknown) =>
      isRecord(line) &&
      Number.isSafeInteger(line.id) &&
      Number.isInteger(line.quantity) &&
      Number(line.quantity) > 0,
  );
}

/** The shop's own records: fulfillment orders made when an order is placed, and the fulfillments made since. */
class BackOffice {
  private readonly orders = new Map<
    number,
    { fulfillmentOrders: SimFulfillmentOrder[]; fulfillments: SimFulfillment[] }
  >();
  private readonly locations = new Map<string, SimLocation>();
  /** The same locations by gid: every quantity of an inventorySetQuantities names one. */
  private readonly locationsById = new Map<string, SimLocation>();
  private lastId: number;
  /** The shop's catalogue and stock: variants, their inventory items, and what is available where. */
  readonly inventory: Inventory;
  /** Orders as the GraphQL API shows them, their payments, refunds, and the app's webhook subscriptions. */
  readonly sales: SalesBook;
  readonly salesContext: SalesBookContext;
  /** The app's fulfillment services, their locations, and the requests on the fulfillment orders there. */
  readonly services: FulfillmentServices;
  /** The app's bulk query operations and their result files (./shopify-bulk.ts). */
  readonly exports: BulkExports;
  /** The shop as `shop` answers, and what the app's token may do (set by the Admin server it answers through). */
  readonly shop: { name: string; myshopifyDomain: string };
  accessScopes: readonly string[] = FULL_ACCESS_SCOPES;

  constructor(
    store: StoreContext,
    private readonly primaryName: string,
  ) {
    // A block of its own per run, like the other ids: Shopify ids are global.
    this.lastId = 3_000_000_000_000 + orderOrdinal(store, 0);
    this.shop = { name: store.vendor, myshopifyDomain: store.shopDomain };
    this.inventory = new Inventory(this, store.currency, store.digits);
    const { currency, digits, money } = store;
    this.salesContext = { currency, digits, money, nextId: () => this.nextId() };
    this.sales = new SalesBook(this.salesContext);
    this.services = new FulfillmentServices({
      location: (name) => this.location(name),
      nextId: () => this.nextId(),
      fulfillmentOrders: () => [...this.orders.values()].flatMap((o) => o.fulfillmentOrders),
      fulfillmentOrdersOf: (orderId) => this.orders.get(orderId)?.fulfillmentOrders,
    });
    this.exports = new BulkExports(
      () => this.inventory.search(null),
      () => this.nextId(),
      // The bulk query is checked against the newest schema the simulator has, as the request that carries it.
      () => schemaOf(NEWEST_SCHEMA)!,
    );
  }

  /** The shop's primary location: where an online order's stock comes from unless the merchant says otherwise. */
  primaryLocation(): SimLocation {
    return this.location(this.primaryName);
  }

  locationById(locationGid: unknown): SimLocation | undefined {
    return typeof locationGid === 'string' ? this.locationsById.get(locationGid) : undefined;
  }

  /** One fulfillment order per location holding any of the order's shippable lines; a later cancel cancels them. */
  record(
    order: RecordableOrder,
    locationOf: (line: RecordableOrder['line_items'][number], index: number) => string,
  ): void {
    const known = this.orders.get(order.id);
    if (known) {
      if (order.cancelled_at)
        for (const fo of known.fulfillmentOrders) if (fo.status === 'OPEN') fo.status = 'CANCELLED';
      return;
    }
    const byLocation = new Map<string, SimFulfillmentOrderLine[]>();
    order.line_items.forEach((line, index) => {
      if (line.requires_shipping === false) return;
      const name = locationOf(line, index);
      byLocation.set(name, [...(byLocation.get(name) ?? []), this.fulfillmentOrderLine(line)]);
    });
    const fulfillmentOrders = [...byLocation].map(([name, lineItems]): SimFulfillmentOrder => ({
      id: gid('FulfillmentOrder', this.nextId()),
      orderId: order.id,
      status: order.cancelled_at ? 'CANCELLED' : 'OPEN',
      requestStatus: 'UNSUBMITTED',
      merchantMessage: null,
      answers: [],
      location: this.location(name),
      lineItems,
    }));
    this.orders.set(order.id, { fulfillmentOrders, fulfillments: [] });
  }

  order(
    orderGid: unknown,
  ): { fulfillmentOrders: SimFulfillmentOrder[]; fulfillments: SimFulfillment[] } | undefined {
    const id = idOf(orderGid, 'Order');
    return id === undefined ? undefined : this.orders.get(id);
  }

  fulfillmentOrder(foGid: unknown): SimFulfillmentOrder | undefined {
    for (const order of this.orders.values()) {
      const found = order.fulfillmentOrders.find((fo) => fo.id === foGid);
      if (found) return found;
    }
    return undefined;
  }

  fulfillment(fulfillmentGid: unknown): SimFulfillment | undefined {
    for (const order of this.orders.values()) {
      const found = order.fulfillments.find((f) => f.id === fulfillmentGid);
      if (found) return found;
    }
    return undefined;
  }

  fulfillmentOrdersOf(orderId: number): SimFulfillmentOrder[] {
    return structuredClone(this.orders.get(orderId)?.fulfillmentOrders ?? []);
  }

  fulfillmentsOf(orderId: number): SimFulfillment[] {
    return structuredClone(this.orders.get(orderId)?.fulfillments ?? []);
  }

  /** Applies a checked request: remaining quantities go down, fulfillment orders move on, the fulfillment is kept. */
  fulfil(request: CheckedFulfillment): SimFulfillment {
    for (const { line, quantity } of request.lines) line.remainingQuantity -= quantity;
    for (const fo of request.fulfillmentOrders) {
      fo.status = fo.lineItems.every((l) => l.remainingQuantity === 0) ? 'CLOSED' : 'IN_PROGRESS';
    }
    const first = request.fulfillmentOrders[0];
    if (!first) throw new Error('a checked fulfillment has fulfillment orders');
    const fulfillment: SimFulfillment = {
      id: gid('Fulfillment', this.nextId()),
      orderId: first.orderId,
      status: 'SUCCESS',
      location: first.location,
      trackingInfo: request.trackingInfo,
      notifyCustomer: request.notifyCustomer,
      lineItems: request.lines.map(({ fulfillmentOrder, line, quantity }) => ({
        fulfillmentOrderId: fulfillmentOrder.id,
        fulfillmentOrderLineItemId: line.id,
        lineItemId: line.lineItemId,
        sku: line.sku,
        quantity,
      })),
      createdAt: new Date().toISOString(),
    };
    this.orders.get(first.orderId)?.fulfillments.push(fulfillment);
    return fulfillment;
  }

  private fulfillmentOrderLine(line: RecordableOrder['line_items'][number]): SimFulfillmentOrderLine {
    return {
      id: gid('FulfillmentOrderLineItem', this.nextId()),
      lineItemId: line.id,
      lineItemGid: line.admin_graphql_api_id ?? gid('LineItem', line.id),
      sku: line.sku,
      variantId: line.variant_id,
      totalQuantity: line.quantity,
      remainingQuantity: line.quantity,
    };
  }

  /** The location of this name, opened on first mention. */
  location(name: string): SimLocation {
    const known = this.locations.get(name);
    if (known) return known;
    const location = { id: gid('Location', this.nextId()), name };
    this.locations.set(name, location);
    this.locationsById.set(location.id, location);
    return location;
  }

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }
}

// --- Inventory --------------------------------------------------------------------------------------------------
//
// Written from shopify.dev (ProductVariant, InventoryItem, InventoryLevel and its quantities, Location, the 2026-10
// inventorySetQuantities mutation with InventorySetQuantitiesUserErrorCode, "Shopify API limits"). Only the
// `available` quantity is kept, per inventory item and location; orders placed here do not take from it (a test
// moves it with setAvailable, as a sale or an edit on Shopify's side would).

interface StockedVariant extends SimVariant {
  /** `available` by location gid; a location is in the map when the item is stocked there. */
  levels: Map<string, number>;
  /** The order variants were added in: searches answer in it. */
  seq: number;
  /** Minor units of the shop currency. */
  price: number;
  compareAtPrice: number | null;
}

/** Reasons inventorySetQuantities takes for a change; Shopify shows them in the item's inventory history. */
const SET_REASONS = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'other',
  'promotion',
  'quality_control',
  'received',
  'restock',
  'safety_stock',
  'shrinkage',
]);
/** Shopify's ceiling for one quantity. */
const MAX_INVENTORY_QUANTITY = 1_000_000_000;
const INVALID_SET_INPUT = 'Variable $input of type InventorySetQuantitiesInput! was provided invalid value';
const INVALID_IDS = 'Variables $ids of type [ID!]! and $locationId of type ID! were provided invalid values';

interface SetQuantity {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  changeFromQuantity: number | null;
}

interface SetRequest {
  name: string;
  reason: string;
  referenceDocumentUri: string | null;
  quantities: SetQuantity[];
}

class Inventory implements PriceCatalog {
  private readonly variants = new Map<string, StockedVariant>();
  /** Indexes, so a catalogue of 100,000 variants answers as fast as one of three: by inventory item, by folded SKU. */
  private readonly byItem = new Map<string, StockedVariant>();
  private readonly bySkuFolded = new Map<string, StockedVariant[]>();
  private readonly listeners = new Set<(sku: string, available: number) => void>();
  private added = 0;
  private readonly sets: SimInventorySet[] = [];
  readonly priceUpdates: SimPriceUpdate[] = [];

  constructor(
    private readonly office: BackOffice,
    readonly currency: string,
    readonly digits: number,
  ) {}

  add(input: SimVariantInput): SimVariant {
    const variantId = input.variantId ?? this.office.nextId();
    const id = gid('ProductVariant', variantId);
    if (this.variants.has(id)) throw new RangeError(`the shop has a variant ${id} already`);
    const available = nonNegativeInteger(input.available ?? 0, 'available');
    const places = input.locations
      ? input.locations.map((name) => this.office.location(name))
      : [this.office.primaryLocation()];
    const inventoryItemId = gid('InventoryItem', this.office.nextId());
    const productId = gid('Product', input.productId ?? ids.product(variantId));
    const levels = new Map(places.map((l) => [l.id, available]));
    const price = parseMinor(input.price ?? '10', this.digits);
    const compareAtPrice = input.compareAtPrice ? parseMinor(input.compareAtPrice, this.digits) : null;
    const seq = this.added++;
    const variant = { id, sku: input.sku, productId, inventoryItemId, levels, price, compareAtPrice, seq };
    this.variants.set(id, variant);
    this.byItem.set(inventoryItemId, variant);
    this.index(variant);
    return { id, sku: input.sku, productId, inventoryItemId };
  }

  /** The merchant gives a variant another SKU, or none. */
  rename(variantGid: string, sku: string | null): void {
    const variant = this.known(variantGid);
    this.unindex(variant);
    variant.sku = sku;
    this.index(variant);
  }

  listen(listener: (sku: string, available: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  hasProduct(productGid: unknown): boolean {
    return [...this.variants.values()].some((v) => v.productId === productGid);
  }

  /** The SKU's price and compare-at price as Shopify answers them (decimal strings). */
  prices(sku: string): { price: string; compareAtPrice: string | null } {
    const { price, compareAtPrice } = priceNode(this, this.bySku(sku));
    return { price, compareAtPrice };
  }

  variant(variantGid: unknown): StockedVariant | undefined {
    return typeof variantGid === 'string' ? this.variants.get(variantGid) : undefined;
  }

  /** The variant a test names, which must exist. */
  known(variantGid: string): StockedVariant {
    const found = this.variant(variantGid);
    if (!found) throw new RangeError(`the shop has no variant ${variantGid}`);
    return found;
  }

  delete(variantGid: string): void {
    const variant = this.known(variantGid);
    this.variants.delete(variant.id);
    this.byItem.delete(variant.inventoryItemId);
    this.unindex(variant);
  }

  item(itemGid: unknown): StockedVariant | undefined {
    return typeof itemGid === 'string' ? this.byItem.get(itemGid) : undefined;
  }

  /** Variants with one of these SKUs, ignoring case as Shopify's search does; every variant for null. */
  search(skus: readonly string[] | null): StockedVariant[] {
    if (!skus) return [...this.variants.values()];
    const found = new Set(skus.flatMap((sku) => this.bySkuFolded.get(sku.toLowerCase()) ?? []));
    return [...found].sort((a, b) => a.seq - b.seq);
  }

  available(sku: string, locationName?: string): number | undefined {
    return this.bySku(sku).levels.get(this.place(locationName).id);
  }

  setAvailable(sku: string, quantity: number, locationName?: string): void {
    const location = this.place(locationName);
    const variant = this.bySku(sku);
    if (!variant.levels.has(location.id)) throw new RangeError(`${sku} is not stocked at ${location.name}`);
    variant.levels.set(location.id, nonNegativeInteger(quantity, 'quantity'));
    this.told(variant, quantity);
  }

  history(): SimInventorySet[] {
    return structuredClone(this.sets);
  }

  /** inventorySetQuantities: every quantity is checked first, and one refusal means nothing is set. */
  set(request: SetRequest): InventoryUserError[] {
    // Each quantity's item looked up once: a call sets up to 250.
    const items = request.quantities.map((q) => this.item(q.inventoryItemId));
    const userErrors = this.check(request, items);
    const quantities = request.quantities.map((q, i) => ({
      inventoryItemId: q.inventoryItemId,
      sku: items[i]?.sku ?? null,
      locationId: q.locationId,
      quantity: q.quantity,
      changeFromQuantity: q.changeFromQuantity,
    }));
    if (userErrors.length === 0) {
      request.quantities.forEach((q, i) => {
        const item = items[i];
        item?.levels.set(q.locationId, q.quantity);
        if (item) this.told(item, q.quantity);
      });
    }
    const { name, reason, referenceDocumentUri } = request;
    const outcome = userErrors.length === 0 ? 'applied' : 'refused';
    this.sets.push({ name, reason, referenceDocumentUri, quantities, outcome, userErrors });
    return userErrors;
  }

  private check(request: SetRequest, items: readonly (StockedVariant | undefined)[]): InventoryUserError[] {
    const errors: InventoryUserError[] = [];
    const refuse = (code: string, field: string[], message: string) => errors.push({ code, field, message });
    if (request.name !== 'available')
      refuse('INVALID_NAME', ['input', 'name'], 'The quantity name is not valid.');
    if (!SET_REASONS.has(request.reason))
      refuse('INVALID_REASON', ['input', 'reason'], 'The reason is not valid.');
    if (request.referenceDocumentUri !== null && !isReferenceUri(request.referenceDocumentUri)) {
      refuse(
        'INVALID_REFERENCE_DOCUMENT',
        ['input', 'referenceDocumentUri'],
        'The reference document URI is not valid.',
      );
    }
    // The items already given at each location (an item is one inventoryItemId).
    const seen = new Map<string, Set<StockedVariant>>();
    request.quantities.forEach((q, i) => {
      const error = this.checkQuantity(q, items[i], seen);
      if (error) refuse(error.code, ['input', 'quantities', String(i), error.field], error.message);
    });
    return errors;
  }

  private checkQuantity(
    q: SetQuantity,
    item: StockedVariant | undefined,
    seen: Map<string, Set<StockedVariant>>,
  ): { code: string; field: string; message: string } | undefined {
    if (!item)
      return { code: 'INVALID_INVENTORY_ITEM', field: 'inventoryItemId', message: 'No such inventory item.' };
    if (!this.office.locationById(q.locationId)) {
      return { code: 'INVALID_LOCATION', field: 'locationId', message: 'No such location.' };
    }
    let atLocation = seen.get(q.locationId);
    if (!atLocation) seen.set(q.locationId, (atLocation = new Set()));
    if (atLocation.has(item)) {
      return {
        code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
        field: 'inventoryItemId',
        message: 'Given twice.',
      };
    }
    atLocation.add(item);
    const current = item.levels.get(q.locationId);
    if (current === undefined) {
      return {
        code: 'ITEM_NOT_STOCKED_AT_LOCATION',
        field: 'locationId',
        message: 'Not stocked at this location.',
      };
    }
    if (q.quantity < 0) return { code: 'INVALID_QUANTITY_NEGATIVE', field: 'quantity', message: 'Negative.' };
    if (q.quantity > MAX_INVENTORY_QUANTITY) {
      return { code: 'INVALID_QUANTITY_TOO_HIGH', field: 'quantity', message: 'Over 1,000,000,000.' };
    }
    // 2026-04 on: null opts out of the check, and the field must be there (readSetQuantity refuses it missing).
    if (q.changeFromQuantity === null || q.changeFromQuantity === current) return undefined;
    const message = `The shop has ${current}, not the changeFromQuantity ${q.changeFromQuantity}: it changed since it was read.`;
    return { code: 'CHANGE_FROM_QUANTITY_STALE', field: 'changeFromQuantity', message };
  }

  private place(name?: string): SimLocation {
    return name === undefined ? this.office.primaryLocation() : this.office.location(name);
  }

  private told(variant: StockedVariant, available: number): void {
    if (variant.sku !== null) for (const listener of this.listeners) listener(variant.sku, available);
  }

  private index(variant: StockedVariant): void {
    if (variant.sku === null) return;
    const folded = variant.sku.toLowerCase();
    this.bySkuFolded.set(folded, [...(this.bySkuFolded.get(folded) ?? []), variant]);
  }

  private unindex(variant: StockedVariant): void {
    if (variant.sku === null) return;
    const folded = variant.sku.toLowerCase();
    const rest = (this.bySkuFolded.get(folded) ?? []).filter((v) => v !== variant);
    if (rest.length) this.bySkuFolded.set(folded, rest);
    else this.bySkuFolded.delete(folded);
  }

  /** The one variant with exactly this SKU: what a test means by a SKU. */
  private bySku(sku: string): StockedVariant {
    const found = (this.bySkuFolded.get(sku.toLowerCase()) ?? []).filter((v) => v.sku === sku);
    const [only] = found;
    if (!only || found.length > 1)
      throw new RangeError(`the shop has ${found.length} variants with SKU ${sku}`);
    return only;
  }
}

/** A URI with a scheme; a gid needs its app, its entity type and its id. */
function isReferenceUri(uri: string): boolean {
  if (uri.startsWith('gid://')) return /^gid:\/\/[^/\s]+\/[^/\s]+\/\S+$/.test(uri);
  return /^[a-z][a-z0-9+.-]*:\S+$/i.test(uri);
}

/** The input's types, as GraphQL coerces variables: a mismatch refuses the whole request. */
function readSetInput(input: unknown): SetRequest {
  if (!isRecord(input) || typeof input.name !== 'string' || typeof input.reason !== 'string') {
    throw new GraphqlError(INVALID_SET_INPUT);
  }
  const { referenceDocumentUri: uri } = input;
  if (uri !== undefined && uri !== null && typeof uri !== 'string') throw new GraphqlError(INVALID_SET_INPUT);
  if (input.name === 'on_hand') {
    throw new GraphqlError(
      'The Shopify simulator keeps only the available quantity: on_hand is not simulated',
    );
  }
  return {
    name: input.name,
    reason: input.reason,
    referenceDocumentUri: uri ?? null,
    quantities: inputArray(input.quantities, INVALID_SET_INPUT).map(readSetQuantity),
  };
}

function readSetQuantity(value: unknown): SetQuantity {
  if (
    !isRecord(value) ||
    typeof value.inventoryItemId !== 'string' ||
    typeof value.locationId !== 'string' ||
    !Number.isInteger(value.quantity)
  ) {
    throw new GraphqlError(INVALID_SET_INPUT);
  }
  // "This field is mandatory: you must explicitly pass in a value, even if that value is null" (InventoryQuantityInput).
  if (!('changeFromQuantity' in value)) {
    throw new GraphqlError(
      `${INVALID_SET_INPUT}: changeFromQuantity is required on every quantity (null to set without comparing)`,
    );
  }
  const from = value.changeFromQuantity;
  if (from !== null && !Number.isInteger(from)) throw new GraphqlError(INVALID_SET_INPUT);
  return {
    inventoryItemId: value.inventoryItemId,
    locationId: value.locationId,
    quantity: value.quantity as number,
    changeFromQuantity: from as number | null,
  };
}

const SKU_TERM = /\bsku:(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|((?:[^\s"'()\\]|\\.)+))/g;

/** The SKUs of a productVariants `query` made of sku: terms joined by OR; null without a query (every variant). */
function skusSearched(query: unknown): string[] | null {
  if (query === undefined || query === null || query === '') return null;
  if (typeof query !== 'string')
    throw new GraphqlError('Variable $query of type String was provided invalid value');
  const skus = [...query.matchAll(SKU_TERM)].map((m) => (m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  const rest = query
    .replace(SKU_TERM, ' ')
    .replace(/\bOR\b/g, ' ')
    .trim();
  if (rest)
    throw new GraphqlError(
      `The Shopify simulator searches variants by sku: terms joined with OR, not "${rest}"`,
    );
  return skus;
}

/** One InventoryItem of nodes(ids:) with its level at the location; null for an id the shop does not have. */
function inventoryItemNode(office: BackOffice, itemGid: string, locationId: string) {
  const item = office.inventory.item(itemGid);
  if (!item) return null;
  const available = item.levels.get(locationId);
  const inventoryLevel =
    available === undefined ? null : { quantities: [{ name: 'available', quantity: available }] };
  return { id: item.inventoryItemId, sku: item.sku, inventoryLevel };
}

// --- The leaky bucket -------------------------------------------------------------------------------------------

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

class LeakyBucket {
  private available: number;
  private at = Date.now();

  constructor(
    private maximum: number,
    private rate: number,
  ) {
    this.available = maximum;
  }

  /** Takes the points if the bucket holds them; false (taking nothing) if not. */
  take(points: number): boolean {
    this.refill();
    if (this.available < points) return false;
    this.available -= points;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.maximum, this.available + Math.max(0, points));
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.maximum,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.rate,
    };
  }

  set(change: { currentlyAvailable?: number; maximumAvailable?: number; restoreRate?: number }): void {
    this.refill();
    this.maximum = change.maximumAvailable ?? this.maximum;
    this.rate = change.restoreRate ?? this.rate;
    this.available = Math.min(this.maximum, change.currentlyAvailable ?? this.available);
  }

  private refill(): void {
    const now = Date.now();
    this.available = Math.min(this.maximum, this.available + ((now - this.at) / 1_000) * this.rate);
    this.at = now;
  }
}

// --- Operations -------------------------------------------------------------------------------------------------

type AdminOperation = CommonAdminOperation<BackOffice>;

function fulfillmentOrderLineNode(line: SimFulfillmentOrderLine) {
  return {
    id: line.id,
    remainingQuantity: line.remainingQuantity,
    totalQuantity: line.totalQuantity,
    lineItem: {
      id: line.lineItemGid,
      sku: line.sku,
      variant: line.variantId === null ? null : { id: gid('ProductVariant', line.variantId) },
    },
  };
}

/** Costs per node of the documents Waybill sends (see the section comment for the rules). */
const NODE_COST = {
  fulfillmentOrderLine: 3, // the line, its lineItem, the variant
  fulfillmentOrder: 5, // the order, assignedLocation, location, and the lineItems connection's own 2
  fulfillmentSummary: 6, // the fulfillment and trackingInfo(first: 5)
  fulfillmentLine: 2, // the line and its lineItem
  variant: 3, // the variant, its product and its inventoryItem
  inventoryItemLevel: 3, // the item, its inventoryLevel and that level's quantities
} as const;

const OPERATIONS: Readonly<Record<string, AdminOperation>> = {
  ...priceOperations((office: BackOffice) => office.inventory),
  ...salesOperations<BackOffice>(),
  ...fulfillmentServiceOperations((office: BackOffice) => office.services, fulfillmentOrderLineNode),
  ...bulkOperations((office: BackOffice) => office.exports),
  /** shop { name myshopifyDomain } currentAppInstallation { accessScopes { handle } }: an object each, cost 1 each. */
  WaybillConnectionTest: {
    requestedCost: () => 2,
    run: (office) => {
      const data = {
        shop: office.shop,
        currentAppInstallation: { accessScopes: office.accessScopes.map((handle) => ({ handle })) },
      };
      return { data, actualCost: 2, userErrors: false };
    },
  },
  /** location(id) { id name isActive }: the shop's primary location when no id is given. */
  WaybillStockLocation: {
    requestedCost: () => 1,
    run: (office, v) => {
      const location =
        v.id === undefined || v.id === null ? office.primaryLocation() : office.locationById(v.id);
      const data = { location: location ? { id: location.id, name: location.name, isActive: true } : null };
      return { data, actualCost: 1, userErrors: false };
    },
  },
  /** productVariants(first, after, query: "sku:… OR sku:…") { pageInfo … nodes { id sku inventoryItem { id } } } */
  WaybillVariantsBySku: {
    requestedCost: (v) => 2 + pageSize(v, 'first') * NODE_COST.variant,
    run: (office, v) => {
      const found = office.inventory.search(skusSearched(v.query)).map((variant) => ({
        id: variant.id,
        sku: variant.sku,
        product: { id: variant.productId },
        inventoryItem: { id: variant.inventoryItemId },
      }));
      const page = connection(found, pageSize(v, 'first'), v.after);
      return {
        data: { productVariants: page },
        actualCost: 2 + page.nodes.length * NODE_COST.variant,
        userErrors: false,
      };
    },
  },
  /** nodes(ids) { … on InventoryItem { id sku inventoryLevel(locationId) { quantities(names: ["available"]) … } } } */
  WaybillInventoryLevels: {
    requestedCost: (v) => inputArray(v.ids, INVALID_IDS).length * NODE_COST.inventoryItemLevel,
    run: (office, v) => {
      const ids = inputArray(v.ids, INVALID_IDS);
      if (!ids.every((id) => typeof id === 'string') || typeof v.locationId !== 'string') {
        throw new GraphqlError(INVALID_IDS);
      }
      const locationId = v.locationId;
      const nodes = (ids as string[]).map((id) => inventoryItemNode(office, id, locationId));
      return { data: { nodes }, actualCost: ids.length * NODE_COST.inventoryItemLevel, userErrors: false };
    },
  },
  /** inventorySetQuantities(input) { inventoryAdjustmentGroup { id } userErrors { code field message } } */
  WaybillInventorySet: {
    requestedCost: () => MUTATION_COST,
    run: (office, v) => {
      const userErrors = office.inventory.set(readSetInput(v.input));
      const group = userErrors.length === 0 ? { id: gid('InventoryAdjustmentGroup', office.nextId()) } : null;
      return {
        data: { inventorySetQuantities: { inventoryAdjustmentGroup: group, userErrors } },
        actualCost: MUTATION_COST,
        userErrors: userErrors.length > 0,
      };
    },
  },
  /** order(id) { fulfillmentOrders(first, after) { id status requestStatus … lineItems(first: $linesFirst) { … } } } */
  WaybillFulfillmentOrders: {
    requestedCost: (v) =>
      3 +
      pageSize(v, 'first') *
        (NODE_COST.fulfillmentOrder + pageSize(v, 'linesFirst') * NODE_COST.fulfillmentOrderLine),
    run: (office, v) => {
      const order = office.order(v.orderId);
      if (!order) return { data: { order: null }, actualCost: 1, userErrors: false };
      const page = connection(order.fulfillmentOrders, pageSize(v, 'first'), v.after);
      const linesFirst = pageSize(v, 'linesFirst');
      const nodes = page.nodes.map((fo) => ({
        id: fo.id,
        status: fo.status,
        requestStatus: fo.requestStatus,
        assignedLocation: { name: fo.location.name, location: { id: fo.location.id } },
        lineItems: connection(fo.lineItems.map(fulfillmentOrderLineNode), linesFirst, null),
      }));
      const lines = nodes.reduce((sum, fo) => sum + fo.lineItems.nodes.length, 0);
      const actualCost =
        3 + nodes.length * NODE_COST.fulfillmentOrder + lines * NODE_COST.fulfillmentOrderLine;
      return {
        data: { order: { id: v.orderId, fulfillmentOrders: { pageInfo: page.pageInfo, nodes } } },
        actualCost,
        userErrors: false,
      };
    },
  },
  /** fulfillmentOrder(id) { lineItems(first, after) { … } } */
  WaybillFulfillmentOrderLineItems: {
    requestedCost: (v) => 3 + pageSize(v, 'first') * NODE_COST.fulfillmentOrderLine,
    run: (office, v) => {
      const fo = office.fulfillmentOrder(v.fulfillmentOrderId);
      if (!fo) return { data: { fulfillmentOrder: null }, actualCost: 1, userErrors: false };
      const lineItems = connection(fo.lineItems.map(fulfillmentOrderLineNode), pageSize(v, 'first'), v.after);
      return {
        data: { fulfillmentOrder: { lineItems } },
        actualCost: 3 + lineItems.nodes.length * NODE_COST.fulfillmentOrderLine,
        userErrors: false,
      };
    },
  },
  /** order(id) { fulfillments(first) { id status trackingInfo(first: 5) { number } } }: a list, not a connection. */
  WaybillOrderFulfillments: {
    requestedCost: (v) => 1 + pageSize(v, 'first') * NODE_COST.fulfillmentSummary,
    run: (office, v) => {
      const order = office.order(v.orderId);
      if (!order) return { data: { order: null }, actualCost: 1, userErrors: false };
      const fulfillments = order.fulfillments.slice(0, pageSize(v, 'first')).map((f) => ({
        id: f.id,
        status: f.status,
        trackingInfo: f.trackingInfo.number || f.trackingInfo.company ? [f.trackingInfo] : [],
      }));
      const actualCost = 1 + fulfillments.reduce((sum, f) => sum + 1 + f.trackingInfo.length, 0);
      return { data: { order: { id: v.orderId, fulfillments } }, actualCost, userErrors: false };
    },
  },
  /** fulfillment(id) { fulfillmentLineItems(first, after) { … quantity lineItem { id sku } } } */
  WaybillFulfillmentLineItems: {
    requestedCost: (v) => 3 + pageSize(v, 'first') * NODE_COST.fulfillmentLine,
    run: (office, v) => {
      const fulfillment = office.fulfillment(v.fulfillmentId);
      if (!fulfillment) return { data: { fulfillment: null }, actualCost: 1, userErrors: false };
      const page = connection(fulfillmentLineNodes(fulfillment), pageSize(v, 'first'), v.after);
      return {
        data: { fulfillment: { fulfillmentLineItems: page } },
        actualCost: 3 + page.nodes.length * NODE_COST.fulfillmentLine,
        userErrors: false,
      };
    },
  },
  /** fulfillmentCreate(fulfillment: FulfillmentInput!) { fulfillment { id status } userErrors { field message } } */
  WaybillFulfillmentCreate: {
    requestedCost: () => MUTATION_COST,
    run: (office, v) => {
      const checked = checkFulfillment(office, readFulfillmentInput(v.fulfillment));
      if ('userErrors' in checked) {
        return {
          data: { fulfillmentCreate: { fulfillment: null, userErrors: checked.userErrors } },
          actualCost: MUTATION_COST,
          userErrors: true,
        };
      }
      const created = office.fulfil(checked);
      return {
        data: {
          fulfillmentCreate: { fulfillment: { id: created.id, status: created.status }, userErrors: [] },
        },
        actualCost: MUTATION_COST,
        userErrors: false,
      };
    },
  },
};

/** A fulfillment's line items, one per order line item (a line split over fulfillment orders adds up). */
function fulfillmentLineNodes(fulfillment: SimFulfillment) {
  const byLine = new Map<number, { quantity: number; lineItem: { id: string; sku: string | null } }>();
  for (const line of fulfillment.lineItems) {
    const node = byLine.get(line.lineItemId) ?? {
      quantity: 0,
      lineItem: { id: gid('LineItem', line.lineItemId), sku: line.sku },
    };
    node.quantity += line.quantity;
    byLine.set(line.lineItemId, node);
  }
  return [...byLine.values()];
}

// --- fulfillmentCreate ------------------------------------------------------------------------------------------

interface FulfillmentRequest {
  orders: { fulfillmentOrderId: string; lines: { id: string; quantity: number }[] | null }[];
  trackingInfo: SimFulfillment['trackingInfo'];
  notifyCustomer: boolean;
}

interface CheckedFulfillment {
  fulfillmentOrders: SimFulfillmentOrder[];
  lines: { fulfillmentOrder: SimFulfillmentOrder; line: SimFulfillmentOrderLine; quantity: number }[];
  trackingInfo: SimFulfillment['trackingInfo'];
  notifyCustomer: boolean;
}

interface UserError {
  field: string[];
  message: string;
}

const INVALID_INPUT = 'Variable $fulfillment of type FulfillmentInput! was provided invalid value';

/** The input's types, as GraphQL coerces variables: a mismatch refuses the whole request. */
function readFulfillmentInput(input: unknown): FulfillmentRequest {
  if (!isRecord(input) || !Array.isArray(input.lineItemsByFulfillmentOrder))
    throw new GraphqlError(INVALID_INPUT);
  const orders = input.lineItemsByFulfillmentOrder.map((entry: unknown) => {
    if (!isRecord(entry) || typeof entry.fulfillmentOrderId !== 'string')
      throw new GraphqlError(INVALID_INPUT);
    const given = entry.fulfillmentOrderLineItems;
    if (given === undefined || given === null)
      return { fulfillmentOrderId: entry.fulfillmentOrderId, lines: null };
    if (!Array.isArray(given)) throw new GraphqlError(INVALID_INPUT);
    const lines = given.map((line: unknown) => {
      if (!isRecord(line) || typeof line.id !== 'string' || !Number.isInteger(line.quantity)) {
        throw new GraphqlError(INVALID_INPUT);
      }
      return { id: line.id, quantity: line.quantity as number };
    });
    return { fulfillmentOrderId: entry.fulfillmentOrderId, lines };
  });
  const tracking = isRecord(input.trackingInfo) ? input.trackingInfo : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    orders,
    trackingInfo: { company: text(tracking.company), number: text(tracking.number), url: text(tracking.url) },
    notifyCustomer: input.notifyCustomer === true,
  };
}

/** Shopify's rules for one fulfillment: one order, one location, fulfillable orders, quantities within what is left. */
function checkFulfillment(
  office: BackOffice,
  request: FulfillmentRequest,
): CheckedFulfillment | { userErrors: UserError[] } {
  const errors: UserError[] = [];
  const fulfillmentOrders: SimFulfillmentOrder[] = [];
  const lines: CheckedFulfillment['lines'] = [];
  if (request.orders.length === 0)
    errors.push({
      field: ['fulfillment', 'lineItemsByFulfillmentOrder'],
      message: 'Line items by fulfillment order must not be empty.',
    });
  request.orders.forEach((entry, i) => {
    const field = ['fulfillment', 'lineItemsByFulfillmentOrder', String(i)];
    const fo = office.fulfillmentOrder(entry.fulfillmentOrderId);
    if (!fo)
      return errors.push({
        field: [...field, 'fulfillmentOrderId'],
        message: 'Fulfillment order does not exist.',
      });
    if (fulfillmentOrders.includes(fo))
      return errors.push({
        field: [...field, 'fulfillmentOrderId'],
        message: 'Fulfillment order is given more than once.',
      });
    fulfillmentOrders.push(fo);
    if (fo.status !== 'OPEN' && fo.status !== 'IN_PROGRESS') {
      return errors.push({
        field: [...field, 'fulfillmentOrderId'],
        message: `Fulfillment order ${fo.id} has an unfulfillable status= ${fo.status.toLowerCase()}.`,
      });
    }
    const refusal = office.services.fulfillmentRefusal(fo);
    if (refusal) return errors.push({ field: ['fulfillment'], message: refusal });
    errors.push(...checkLines(fo, entry.lines, field, lines));
  });
  if (new Set(fulfillmentOrders.map((fo) => fo.orderId)).size > 1) {
    errors.push({ field: ['fulfillment'], message: 'All fulfillment orders must belong to the same order.' });
  }
  if (new Set(fulfillmentOrders.map((fo) => fo.location.id)).size > 1) {
    errors.push({
      field: ['fulfillment'],
      message: 'All fulfillment orders must be assigned to the same location.',
    });
  }
  if (errors.length > 0) return { userErrors: errors };
  return {
    fulfillmentOrders,
    lines,
    trackingInfo: request.trackingInfo,
    notifyCustomer: request.notifyCustomer,
  };
}

/** No line items given means every line with something left (the documented default). */
function checkLines(
  fo: SimFulfillmentOrder,
  given: { id: string; quantity: number }[] | null,
  field: string[],
  into: CheckedFulfillment['lines'],
): UserError[] {
  const wanted =
    given ??
    fo.lineItems
      .filter((l) => l.remainingQuantity > 0)
      .map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
  if (wanted.length === 0)
    return [{ field, message: 'Fulfillment order has no line items left to fulfill.' }];
  const errors: UserError[] = [];
  wanted.forEach((want, j) => {
    const lineField = [...field, 'fulfillmentOrderLineItems', String(j)];
    const line = fo.lineItems.find((l) => l.id === want.id);
    if (!line)
      return errors.push({
        field: [...lineField, 'id'],
        message: 'Fulfillment order line item does not exist.',
      });
    const already = into.filter((t) => t.line === line).reduce((sum, t) => sum + t.quantity, 0);
    if (want.quantity < 1 || already + want.quantity > line.remainingQuantity) {
      return errors.push({
        field: [...lineField, 'quantity'],
        message: 'Invalid fulfillment order line item quantity requested.',
      });
    }
    into.push({ fulfillmentOrder: fo, line, quantity: want.quantity });
  });
  return errors;
}

// --- The HTTP server --------------------------------------------------------------------------------------------

class AdminServer implements ShopifyAdmin {
  url = '';
  readonly calls: AdminCall[] = [];
  private readonly bucket: LeakyBucket;
  private throttledStatus: 200 | 429;
  private readonly faults = new Map<string, AdminFault[]>();
  private readonly hooks = new Map<string, (() => void)[]>();
  private readonly server: Server;
  private readonly replays = new IdempotencyKeys();
  private readonly now: () => Date;

  constructor(
    private readonly office: BackOffice,
    private readonly opts: ShopifyAdminOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.bucket = new LeakyBucket(opts.maximumAvailable ?? 2_000, opts.restoreRate ?? 100);
    this.throttledStatus = opts.throttledStatus ?? 200;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { errors: `simulator failure: ${String(error)}` });
      });
    });
  }

  async start(): Promise<void> {
    this.url = `http://127.0.0.1:${await listen(this.server, this.opts.port ?? 0)}`;
    this.office.exports.base = this.url;
  }

  get bulk(): BulkControl {
    return this.office.exports;
  }

  fulfillmentOrders(orderId: number): SimFulfillmentOrder[] {
    return this.office.fulfillmentOrdersOf(orderId);
  }

  fulfillments(orderId: number): SimFulfillment[] {
    return this.office.fulfillmentsOf(orderId);
  }

  setThrottle(change: Parameters<ShopifyAdmin['setThrottle']>[0]): void {
    this.bucket.set(change);
    this.throttledStatus = change.status ?? this.throttledStatus;
  }

  fault(operationName: string, fault: AdminFault, times = 1): void {
    queueRepeated(this.faults, operationName, fault, times);
  }

  before(operationName: string, hook: () => void, times = 1): void {
    queueRepeated(this.hooks, operationName, hook, times);
  }

  available(sku: string, location?: string): number | undefined {
    return this.office.inventory.available(sku, location);
  }

  inventorySets(): SimInventorySet[] {
    return this.office.inventory.history();
  }

  variantPrices(sku: string): { price: string; compareAtPrice: string | null } {
    return this.office.inventory.prices(sku);
  }

  priceUpdates(): SimPriceUpdate[] {
    return structuredClone(this.office.inventory.priceUpdates);
  }

  refunds(orderId: number): SimRefund[] {
    return this.office.sales.refunds(orderId);
  }

  order(orderId: number): ShopifyOrder | undefined {
    return this.office.sales.order(orderId);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A bulk operation's file, at its signed URL (Shopify's storage, not the Admin API).
    if (this.office.exports.serve(req, res)) return;
    const match = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(
      new URL(req.url ?? '/', 'http://sim').pathname,
    );
    const served = match ? servedVersion(match[1] ?? '', this.now()) : null;
    if (!match || !served || req.method !== 'POST') return sendJson(res, 404, { errors: 'Not Found' });
    // On every answer, as Shopify does: the version that answered, which differs from the URL's when it fell forward.
    res.setHeader('x-shopify-api-version', served);
    const raw = await readBody(req);
    const body = parseJson(raw);
    const request = isRecord(body) ? body : {};
    const call: AdminCall = {
      operationName: operationNameOf(request),
      apiVersion: match[1] ?? '',
      servedVersion: served,
      variables: isRecord(request.variables) ? request.variables : {},
      status: 0,
      outcome: 'error',
    };
    this.calls.push(call);
    const answer = (status: number, outcome: AdminCall['outcome'], payload: unknown) => {
      Object.assign(call, { status, outcome });
      sendJson(res, status, payload);
    };
    if (headerValue(req, 'x-shopify-access-token') !== this.opts.accessToken) {
      return answer(401, 'unauthorized', { errors: INVALID_TOKEN });
    }
    if (typeof request.query !== 'string') {
      return answer(400, 'error', { errors: { query: 'Required parameter missing or invalid' } });
    }
    const schema = schemaOf(served);
    if (!schema) {
      // Not Shopify's answer: the simulator checks documents against 2026-10's schema and later versions only.
      return answer(200, 'invalid', {
        errors: [{ message: `The Shopify simulator has no schema of Admin API version ${served}` }],
      });
    }
    const checked = checkRequest(
      schema,
      request.query,
      typeof request.operationName === 'string' && request.operationName ? request.operationName : undefined,
      call.variables,
    );
    if (!checked.ok) return answer(200, 'invalid', { errors: checked.errors });
    try {
      const idempotent = idempotencyOf(schema, checked.operation, checked.variables);
      if (idempotent && 'refusal' in idempotent) throw new GraphqlError(idempotent.refusal, 'BAD_REQUEST');
      this.execute(call, res, answer, idempotent);
    } catch (error) {
      if (!(error instanceof GraphqlError)) throw error;
      const extensions = error.code ? { code: error.code } : {};
      answer(200, 'error', { errors: [{ message: error.message, extensions }] });
    }
  }

  private execute(
    call: AdminCall,
    res: ServerResponse,
    answer: (status: number, outcome: AdminCall['outcome'], payload: unknown) => void,
    idempotent: IdempotentCall | undefined,
  ): void {
    const replay = idempotent && this.replays.answer(idempotent, call.variables);
    if (replay) return answer(200, replay.outcome, replay.payload);
    const operation = OPERATIONS[call.operationName];
    if (!operation)
      throw new GraphqlError(
        `The Shopify simulator does not implement the operation "${call.operationName}"`,
      );
    const requested = operation.requestedCost(call.variables);
    if (requested > MAX_QUERY_COST) {
      const message = `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`;
      throw new GraphqlError(message, 'MAX_COST_EXCEEDED');
    }
    const fault = this.faults.get(call.operationName)?.shift();
    if (fault?.kind === 'status') return answer(fault.status, 'error', { errors: 'Internal Server Error' });
    if (!this.bucket.take(requested))
      return answer(this.throttledStatus, 'throttled', this.throttled(requested));
    if (fault?.kind === 'user-error') {
      const root = operation.userErrorRoot ?? 'fulfillmentCreate';
      const userErrors = [
        { field: root === 'fulfillmentCreate' ? ['fulfillment'] : null, message: fault.message },
      ];
      const object =
        'payloadObject' in operation
          ? operation.payloadObject
          : root === 'fulfillmentCreate' && 'fulfillment';
      return answer(200, 'user-errors', {
        data: { [root]: { ...(typeof object === 'string' && { [object]: null }), userErrors } },
        extensions: { cost: this.cost(requested, requested) },
      });
    }
    // After the throttle, as with everything that really reaches the shop.
    this.hooks.get(call.operationName)?.shift()?.();
    const ran = operation.run(this.office, call.variables);
    this.bucket.refund(requested - ran.actualCost);
    const outcome = ran.userErrors ? 'user-errors' : 'ok';
    const payload = { data: ran.data, extensions: { cost: this.cost(requested, ran.actualCost) } };
    // Kept before the answer can be lost: the retry with the same key is answered this, and nothing runs twice.
    if (idempotent) this.replays.keep(idempotent, call.variables, outcome, payload);
    if (fault?.kind === 'lose-answer') {
      Object.assign(call, { status: 0, outcome: 'lost' });
      res.destroy();
      return;
    }
    answer(200, outcome, payload);
  }

  private cost(requested: number, actual: number | null) {
    return { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: this.bucket.status() };
  }

  /** Shopify's THROTTLED answer: nothing ran, so there is no data and no actual cost. */
  private throttled(requested: number) {
    return {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: RATE_LIMIT_DOCS } }],
      extensions: { cost: this.cost(requested, null) },
    };
  }
}

/** The request's operationName, else the name of the document's first operation. */
function operationNameOf(request: Record<string, unknown>): string {
  if (typeof request.operationName === 'string' && request.operationName) return request.operationName;
  const named =
    typeof request.query === 'string'
      ? /\b(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(request.query)
      : null;
  return named?.[1] ?? '(anonymous)';
}

async function startAdminServer(office: BackOffice, opts: ShopifyAdminOptions): Promise<ShopifyAdmin> {
  if (opts.accessScopes) office.accessScopes = opts.accessScopes;
  const server = new AdminServer(office, opts);
  await server.start();
  return server;
}
