/**
 * A simulated WooCommerce store for the demo and the tests (never the production path). It builds orders shaped like
 * the REST API v3 order that the order.* webhooks carry, and delivers them the way WooCommerce's WC_Webhook does:
 * the body as PHP's json_encode writes it, signed with the webhook's secret, the X-WC-Webhook-* headers, a delivery
 * id hashed from the webhook id and the current second, one attempt per event, and a webhook that turns itself off
 * after repeated failures. It also answers the part of the REST API v3 a hub writes back to (startRest): order notes,
 * status and meta_data of the orders it announced, products and variations looked up by SKU and their managed stock
 * set in batches, behind HTTP Basic auth with a consumer key pair. Written from WooCommerce's documentation and its
 * own code (WC_Webhook, the REST controllers), not from src/, so that the simulator catches a hub that drifts from
 * what WooCommerce really sends and accepts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  attemptLimits,
  hmacBase64,
  jsonText,
  postOnce,
  postUntilAccepted,
  type WebhookPost,
} from './delivery.ts';
import { formatMinor } from './money.ts';
import {
  drawBuyer,
  draftOrder,
  exampleEmail,
  lineOrdinal,
  MAX_LINES_PER_ORDER,
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
  queueRepeated,
  readBody,
  seededRandom,
} from './shared.ts';
import { listOrders } from './woocommerce-listing.ts';
import { RefundDesk, type WooRefund } from './woocommerce-refunds.ts';
import {
  localDate,
  ORDER_STATUSES,
  pageOf,
  wcDate,
  wpError,
  wpSpecialcharsDecode,
  type Reply,
} from './woocommerce-wire.ts';

export type { WooRefund, WooRefundLine } from './woocommerce-refunds.ts';

export type WooResource = 'order' | 'product' | 'customer' | 'coupon';
export type WooEvent = 'created' | 'updated' | 'deleted' | 'restored';
export type WooTopic = `${WooResource}.${WooEvent}`;

export interface WooCommerceSimOptions {
  /** The store's address (WordPress's home URL). */
  storeUrl: string;
  /** Waybill's POST /webhooks/woocommerce/{channelId}: the delivery URL of every webhook of the store. */
  webhookUrl: string;
  /** The secret set on the store's webhooks, as WooCommerce stores it; decoded into the key of X-WC-Webhook-Signature. */
  secret: string;
  /** Default 1. */
  seed?: number;
  /** Default 'USD'. */
  currency?: string;
  /** The store's clock in ms (default Date.now): a delivery id hashes the webhook id with its current second. */
  now?: () => number;
  /** The `woocommerce_max_webhook_delivery_failures` filter; default 5. See WebhookState. */
  maxDeliveryFailures?: number;
  /** Default '10.2.2'; shown in the User-Agent and each order's `version`. */
  wooCommerceVersion?: string;
}

export interface WooMeta {
  id: number;
  key: string;
  /** Any JSON: WordPress stores arrays and objects serialized and gives them back as they were. */
  value: unknown;
}

export interface WooAddress {
  first_name: string;
  last_name: string;
  company: string;
  address_1: string;
  address_2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  phone: string;
}

export interface WooBilling extends WooAddress {
  email: string;
}

/** One tax rate's share of a line, keyed by the rate's id. */
export interface WooLineTax {
  id: number;
  total: string;
  subtotal: string;
}

export interface WooLineItem {
  id: number;
  name: string;
  product_id: number;
  /** 0 when the product has no variations. */
  variation_id: number;
  quantity: number;
  tax_class: string;
  /** Before discounts, excluding tax. */
  subtotal: string;
  subtotal_tax: string;
  /** After discounts, excluding tax. */
  total: string;
  total_tax: string;
  taxes: WooLineTax[];
  meta_data: WooMeta[];
  /** The product's SKU now; null when the product is gone, '' when it has none. */
  sku: string | null;
  /** A JSON number: total ÷ quantity, as PHP divides (after discounts; may not be a whole number of cents). */
  price: number;
  image: { id: number; src: string };
  parent_name: string | null;
}

export interface WooTaxLine {
  id: number;
  rate_code: string;
  rate_id: number;
  label: string;
  compound: boolean;
  tax_total: string;
  shipping_tax_total: string;
  rate_percent: number;
  meta_data: WooMeta[];
}

export interface WooShippingLine {
  id: number;
  method_title: string;
  method_id: string;
  instance_id: string;
  total: string;
  total_tax: string;
  taxes: WooLineTax[];
  meta_data: WooMeta[];
}

export interface WooCouponLine {
  id: number;
  code: string;
  discount: string;
  discount_tax: string;
  meta_data: WooMeta[];
  discount_type: 'percent' | 'fixed_cart' | 'fixed_product';
  nominal_amount: number;
  free_shipping: boolean;
}

/**
 * `checkout-draft` is the block checkout's cart kept as an order (with its items) until the customer pays: WooCommerce
 * Blocks registers it among wc_get_order_statuses, so it is listed in `any` and its saves fire order.created and
 * order.updated (WC_Webhook::is_valid_resource skips only draft, auto-draft and new).
 */
export type WooOrderStatus =
  | 'pending'
  | 'processing'
  | 'on-hold'
  | 'completed'
  | 'cancelled'
  | 'refunded'
  | 'failed'
  | 'trash'
  | 'checkout-draft';

/** The REST API v3 order (the body of order.created and order.updated), as far as this simulator fills it. */
export interface WooOrder {
  id: number;
  parent_id: number;
  status: WooOrderStatus;
  currency: string;
  version: string;
  prices_include_tax: boolean;
  /** The site's local time, without an offset. */
  date_created: string;
  date_modified: string;
  discount_total: string;
  discount_tax: string;
  shipping_total: string;
  shipping_tax: string;
  cart_tax: string;
  total: string;
  total_tax: string;
  /** 0 for a guest. */
  customer_id: number;
  order_key: string;
  billing: WooBilling;
  shipping: WooAddress;
  payment_method: string;
  payment_method_title: string;
  transaction_id: string;
  customer_ip_address: string;
  customer_user_agent: string;
  created_via: string;
  customer_note: string;
  date_completed: string | null;
  date_paid: string | null;
  cart_hash: string;
  /** A string: plugins may renumber orders. */
  number: string;
  meta_data: WooMeta[];
  line_items: WooLineItem[];
  tax_lines: WooTaxLine[];
  shipping_lines: WooShippingLine[];
  fee_lines: never[];
  coupon_lines: WooCouponLine[];
  refunds: { id: number; reason: string; total: string }[];
  payment_url: string;
  is_editable: boolean;
  needs_payment: boolean;
  needs_processing: boolean;
  /** UTC, also without an offset. */
  date_created_gmt: string;
  date_modified_gmt: string;
  date_completed_gmt: string | null;
  date_paid_gmt: string | null;
  currency_symbol: string;
  _links: Record<string, { href: string }[]>;
}

export interface WooOrderItem {
  sku: string | null;
  productId: number;
  /** Default 0: a simple product. */
  variationId?: number;
  /** A decimal string in the store currency, e.g. "12.99", excluding tax. */
  price: string;
  name?: string;
}

export interface DeliverOptions {
  /** Default: WooCommerce's own, the webhook id and the current second hashed. */
  deliveryId?: string;
  /**
   * Default 1: WooCommerce itself sends each event once and never retries. More model an at-least-once relay in
   * between that resends the same bytes, headers and delivery id on a non-2xx answer or a timeout.
   */
  maxAttempts?: number;
  /** Per attempt, covering the whole exchange; default 60 000, WooCommerce's own. */
  timeoutMs?: number;
  /** Signs with this instead of the sim's secret (a wrong or forged secret). */
  secret?: string;
  /** Sends exactly these bytes (UTF-8) instead of the payload's JSON, still signed correctly. */
  rawBody?: string;
}

export interface DeliveryResult {
  /** False when the webhook is disabled: WooCommerce sends nothing at all then, and the event is lost. */
  sent: boolean;
  /** The last answer's status; 0 when there was no answer (refused, reset, timed out) or nothing was sent. */
  status: number;
  /** '' when nothing was sent. */
  deliveryId: string;
  attempts: number;
  /** The last answer's body ('' without an answer). */
  body: string;
}

export interface PingResult {
  status: number;
  body: string;
  /** WooCommerce accepts exactly 200; anything else is shown as an error when the webhook is saved. */
  ok: boolean;
}

/**
 * One webhook of the store (one per topic). WooCommerce counts consecutive failed deliveries (anything but 2xx, 301
 * or 302) and resets the count on a success. A failure that finds the count already above maxDeliveryFailures
 * disables the webhook instead of counting: with the default 5 that is the 7th failure in a row. A disabled webhook
 * sends nothing until it is activated again; what happens meanwhile is never delivered.
 */
export interface WebhookState {
  id: number;
  topic: WooTopic;
  status: 'active' | 'paused' | 'disabled';
  disabled: boolean;
  failureCount: number;
}

export interface WooCommerceSim {
  /**
   * A realistic order.created payload ('processing': paid). Everything follows from seed and i except what a store
   * makes unique per run: the ids (a fresh block per sim instance, so reruns against one database do not collide),
   * the order key and the dates (the instance's start + i seconds).
   */
  makeOrder(i: number, items: WooOrderItem[], quantities?: number[]): WooOrder;
  /** One event through the topic's webhook, unless that webhook is disabled. */
  deliver(topic: WooTopic, payload: unknown, opts?: DeliverOptions): Promise<DeliveryResult>;
  /**
   * The order as the store now has it (new or updated, newest date_modified wins), its webhook lost on the way: the
   * REST API serves it, nothing is delivered. What a catch-up poll is for.
   */
  keepWithoutWebhook(order: WooOrder): void;
  /** The same delivery again: same delivery id, signature and body bytes (a relay's replay, or a duplicate). */
  redeliver(previous: DeliveryResult): Promise<DeliveryResult>;
  /** What saving a webhook as active sends: form-encoded `webhook_id=<id>`, unsigned, without X-WC-* headers. */
  ping(topic?: WooTopic): Promise<PingResult>;
  /** An order.updated payload: date_modified(_gmt) later by laterMs (rounded up to whole seconds), changes applied. */
  updateOf(order: WooOrder, laterMs: number, changes?: Partial<WooOrder>): WooOrder;
  webhook(topic: WooTopic): WebhookState;
  /** What the store's admin does after fixing the cause: the webhook active again, its failure count cleared. */
  reactivate(topic: WooTopic): void;
  /** The admin sets the webhook to Paused: nothing is delivered until it is active again. */
  pause(topic: WooTopic): void;
  setWebhookUrl(url: string): void;
  /**
   * Starts the store's REST API v3 on 127.0.0.1 (its url is the store's address for a hub). It knows every order
   * delivered through order.created or order.updated (the newest state of each) and the products given.
   */
  startRest(opts: WooRestOptions): Promise<WooRest>;
  /**
   * The store sells each of these SKUs: a simple product each (ids from 1,000,000 up, clear of the products a test
   * names), managing its stock at `available`. Seen by every REST server of the store, started before or after.
   * Made for large catalogues (100,000 SKUs): lookups by SKU are indexed.
   */
  seedCatalog(skus: readonly string[], available: number): void;
  /**
   * Calls `listener` with the SKU and the new `stock_quantity` each time the REST API sets a managed quantity (the
   * batch endpoints); returns what stops it.
   */
  onStock(listener: (sku: string, available: number) => void): () => void;
}

export function createWooCommerceSim(opts: WooCommerceSimOptions): WooCommerceSim {
  return new WooCommerceStore(opts);
}

// ---------------------------------------------------------------------------------------------------------------
// Delivery

const DEFAULT_WC_VERSION = '10.2.2';
const WP_VERSION = '6.8.3';
const DEFAULT_MAX_FAILURES = 5;
/** WC_Webhook::deliver waits up to a minute for an answer. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** The ping goes through wp_safe_remote_post and its 5 s default. */
const PING_TIMEOUT_MS = 5_000;
/** A relay's retries, compressed to milliseconds. */
const RETRY_BACKOFF_CAP_MS = 1_000;

/** Everything needed to send a delivery again byte for byte. */
interface PreparedDelivery extends WebhookPost {
  topic: WooTopic;
  deliveryId: string;
}

interface Webhook {
  id: number;
  topic: WooTopic;
  status: 'active' | 'paused' | 'disabled';
  failureCount: number;
}

class WooCommerceStore implements WooCommerceSim {
  private webhookUrl: string;
  private readonly store: StoreContext;
  private readonly now: () => number;
  /** The store's auth salt: WooCommerce's delivery ids are keyed hashes (wp_hash). */
  private readonly salt = randomBytes(32);
  private readonly webhooks = new Map<WooTopic, Webhook>();
  /** Keyed by the result object handed out, so nothing is kept once the caller lets go of it. */
  private readonly sent = new WeakMap<DeliveryResult, PreparedDelivery>();
  /** The orders the store announced, as its REST API serves them. */
  private readonly orders = new Map<number, WooOrder>();
  /** The catalogue seeded with seedCatalog, and the back offices of the REST servers started. */
  private readonly seeded: WooProductSeed[] = [];
  private readonly offices: BackOffice[] = [];
  private readonly stockListeners = new Set<(sku: string, available: number) => void>();

  constructor(private readonly opts: WooCommerceSimOptions) {
    this.webhookUrl = opts.webhookUrl;
    this.store = newStoreContext(opts);
    this.now = opts.now ?? Date.now;
  }

  setWebhookUrl(url: string): void {
    this.webhookUrl = url;
  }

  makeOrder(i: number, items: WooOrderItem[], quantities?: number[]): WooOrder {
    return buildOrder(this.store, i, items, quantities);
  }

  updateOf(order: WooOrder, laterMs: number, changes: Partial<WooOrder> = {}): WooOrder {
    return updatedOrder(order, laterMs, changes, this.store.utcOffsetMinutes);
  }

  webhook(topic: WooTopic): WebhookState {
    const hook = this.hook(topic);
    return { ...hook, disabled: hook.status === 'disabled' };
  }

  reactivate(topic: WooTopic): void {
    const hook = this.hook(topic);
    hook.status = 'active';
    hook.failureCount = 0;
  }

  pause(topic: WooTopic): void {
    this.hook(topic).status = 'paused';
  }

  /** The webhooks as GET /webhooks shows them: every one points at the sim's current webhook URL. */
  private webhookViews(): WooWebhook[] {
    const created = wcDate(this.store.epochMs);
    return [...this.webhooks.values()].map((hook) => {
      const [resource = '', event = ''] = hook.topic.split('.');
      return {
        id: hook.id,
        name: `Waybill ${hook.topic}`,
        status: hook.status,
        topic: hook.topic,
        resource,
        event,
        hooks: [],
        delivery_url: this.webhookUrl,
        date_created: localDate(this.store.epochMs, this.store.utcOffsetMinutes),
        date_created_gmt: created,
      };
    });
  }

  async deliver(topic: WooTopic, payload: unknown, opts: DeliverOptions = {}): Promise<DeliveryResult> {
    // The order exists in the store whatever becomes of the webhook.
    if (opts.rawBody === undefined) this.keep(topic, payload);
    if (this.hook(topic).status !== 'active')
      return { sent: false, status: 0, deliveryId: '', attempts: 0, body: '' };
    return this.send(this.prepare(topic, payload, opts));
  }

  keepWithoutWebhook(order: WooOrder): void {
    this.keep('order.updated', order);
  }

  /** Goes to the current webhook URL, so a test may move the hub between a delivery and its duplicate. */
  async redeliver(previous: DeliveryResult): Promise<DeliveryResult> {
    const earlier = this.sent.get(previous);
    if (!earlier)
      throw new Error('redeliver takes a sent result returned by deliver or redeliver of this simulator');
    if (this.hook(earlier.topic).status !== 'active') {
      return { sent: false, status: 0, deliveryId: earlier.deliveryId, attempts: 0, body: '' };
    }
    return this.send({ ...earlier, url: this.webhookUrl });
  }

  async ping(topic: WooTopic = 'order.created'): Promise<PingResult> {
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': this.userAgent() };
    const body = Buffer.from(`webhook_id=${this.hook(topic).id}`, 'utf8');
    // Unlike a delivery, the ping follows redirects (wp_safe_remote_post's defaults) and is not counted as a failure.
    const answer = await postOnce(
      { url: this.webhookUrl, headers, body, timeoutMs: PING_TIMEOUT_MS },
      'follow',
    );
    return { ...answer, ok: answer.status === 200 };
  }

  seedCatalog(skus: readonly string[], available: number): void {
    const seeds = skus.map((sku, i) => ({
      id: FIRST_SEEDED_ID + this.seeded.length + i,
      sku,
      name: `Product ${sku}`,
      manageStock: true,
      stockQuantity: available,
    }));
    this.seeded.push(...seeds);
    for (const office of this.offices) for (const seed of seeds) office.addProduct(seed);
  }

  onStock(listener: (sku: string, available: number) => void): () => void {
    this.stockListeners.add(listener);
    return () => this.stockListeners.delete(listener);
  }

  async startRest(opts: WooRestOptions): Promise<WooRest> {
    const { utcOffsetMinutes, digits } = this.store;
    const products = [...this.seeded, ...(opts.products ?? [])];
    const office = new BackOffice(this.orders, this.now, utcOffsetMinutes, digits, products);
    office.stockSet = (sku, available) => {
      for (const listener of this.stockListeners) listener(sku, available);
    };
    this.offices.push(office);
    office.webhooks = () => this.webhookViews();
    office.systemStatus = () => systemStatusOf(this.store);
    office.gatewayRefunds = opts.gatewayRefunds ?? true;
    const server = new RestServer(office, opts);
    await server.start();
    return server;
  }

  /** An older update (by date_modified_gmt) does not replace what the store holds, REST changes included. */
  private keep(topic: WooTopic, payload: unknown): void {
    if ((topic !== 'order.created' && topic !== 'order.updated') || !isWooOrder(payload)) return;
    const held = this.orders.get(payload.id);
    if (held && held.date_modified_gmt > payload.date_modified_gmt) return;
    this.orders.set(payload.id, structuredClone(payload));
  }

  /** Webhooks come into being on first use, numbered like a store's: 1, 2, 3 … */
  private hook(topic: WooTopic): Webhook {
    let hook = this.webhooks.get(topic);
    if (!hook) {
      hook = { id: this.webhooks.size + 1, topic, status: 'active', failureCount: 0 };
      this.webhooks.set(topic, hook);
    }
    return hook;
  }

  private userAgent(): string {
    return `WooCommerce/${this.store.version} Hookshot (WordPress/${WP_VERSION})`;
  }

  private prepare(topic: WooTopic, payload: unknown, opts: DeliverOptions): PreparedDelivery {
    const hook = this.hook(topic);
    const body = Buffer.from(opts.rawBody ?? phpJsonEncode(payload).trim(), 'utf8');
    const deliveryId = opts.deliveryId ?? this.newDeliveryId(hook.id);
    const [resource = '', event = ''] = topic.split('.');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': this.userAgent(),
      'X-WC-Webhook-Source': this.store.homeUrl,
      'X-WC-Webhook-Topic': topic,
      'X-WC-Webhook-Resource': resource,
      'X-WC-Webhook-Event': event,
      'X-WC-Webhook-Signature': signBody(opts.secret ?? this.opts.secret, body),
      'X-WC-Webhook-ID': String(hook.id),
      'X-WC-Webhook-Delivery-ID': deliveryId,
    };
    const limits = attemptLimits(opts, DEFAULT_TIMEOUT_MS);
    return { topic, url: this.webhookUrl, deliveryId, headers, body, ...limits };
  }

  /** wp_hash(webhook id . current unix second): the same for two deliveries of one webhook within a second. */
  private newDeliveryId(webhookId: number): string {
    const second = Math.floor(this.now() / 1000);
    return createHmac('md5', this.salt).update(`${webhookId}${second}`).digest('hex');
  }

  /** A relay in between resends on anything but 2xx; WooCommerce itself judges the last answer (countOutcome). */
  private async send(delivery: PreparedDelivery): Promise<DeliveryResult> {
    const { answer, attempts } = await postUntilAccepted(delivery, RETRY_BACKOFF_CAP_MS);
    this.countOutcome(this.hook(delivery.topic), answer.status);
    const result: DeliveryResult = {
      sent: true,
      status: answer.status,
      deliveryId: delivery.deliveryId,
      attempts,
      body: answer.body,
    };
    this.sent.set(result, delivery);
    return result;
  }

  /** WC_Webhook's failure tracking: 2xx, 301 and 302 are successes (a redirect is not followed, yet counts). */
  private countOutcome(hook: Webhook, status: number): void {
    if (status >= 200 && status < 303) {
      hook.failureCount = 0;
    } else if (hook.failureCount > (this.opts.maxDeliveryFailures ?? DEFAULT_MAX_FAILURES)) {
      hook.status = 'disabled';
    } else {
      hook.failureCount++;
    }
  }
}

/**
 * Base64 HMAC-SHA256 of the exact body bytes, keyed with the webhook's secret as WC_Webhook::generate_signature
 * decodes it: wp_specialchars_decode(secret, ENT_QUOTES), so a stored `&amp;` keys as `&`.
 */
function signBody(secret: string, body: Buffer): string {
  return hmacBase64(wpSpecialcharsDecode(secret), body);
}

/**
 * The body as wp_json_encode writes it (PHP's json_encode without flags): "/" escaped as "\/" and everything
 * outside ASCII as \uXXXX, surrogate pairs included. Both occur only inside strings, so escaping the text is safe.
 * The signature covers these bytes, not a re-serialisation of the parsed JSON.
 */
function phpJsonEncode(payload: unknown): string {
  return jsonText(payload)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Money: decimal strings on the wire, integer minor units inside (./money.ts), never a float in between (except
// `price`, which WooCommerce itself computes as a float).

/** The symbol as the REST API shows it (HTML entities decoded): "$", "€", "¥". */
function currencySymbol(currency: string): string {
  const parts = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
  return parts.formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency;
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

const RUN_SLOTS = 1_000;

/** epochMs is date_created of order 0. */
interface StoreContext extends GeneratorContext {
  storeUrl: string;
  /** home_url('/'): the store's address with a trailing slash, as X-WC-Webhook-Source carries it. */
  homeUrl: string;
  version: string;
  /** The WordPress time zone, a fixed offset (no DST) so the output stays stable. */
  utcOffsetMinutes: number;
  /** Order keys are random per store; fixed per instance so makeOrder(i) is stable. */
  keySalt: string;
}

/**
 * A few of the fields of GET /system_status (WC_REST_System_Status_V2_Controller::get_item_schema): `environment`
 * (home_url, site_url, version, wp_version) and `settings` (currency, its symbol, api_enabled). The rest of the
 * answer (database, active_plugins, theme, pages, …) is left out.
 */
function systemStatusOf(store: StoreContext) {
  return {
    environment: {
      home_url: store.homeUrl.replace(/\/$/, ''),
      site_url: store.storeUrl,
      version: store.version,
      wp_version: WP_VERSION,
    },
    settings: {
      api_enabled: true,
      currency: store.currency,
      currency_symbol: currencySymbol(store.currency),
    },
  };
}

function newStoreContext(opts: WooCommerceSimOptions): StoreContext {
  const storeUrl = opts.storeUrl.replace(/\/+$/, '');
  return {
    ...newGeneratorContext(opts, RUN_SLOTS, (opts.now ?? Date.now)()),
    storeUrl,
    homeUrl: `${storeUrl}/`,
    version: opts.wooCommerceVersion ?? DEFAULT_WC_VERSION,
    utcOffsetMinutes: -5 * 60,
    keySalt: randomBytes(8).toString('hex'),
  };
}

/** Post ids of the run's block (see orderOrdinal); order item ids counted from 1; customers a store's few. */
const ids = {
  order: (s: StoreContext, i: number) => 10_000 + orderOrdinal(s, i),
  customer: (s: StoreContext, i: number) => 100 + (i % 5_000),
  line: (s: StoreContext, i: number, index: number) => lineOrdinal(s, i, index) + 1,
};

/** rateId: the store's tax rate for the state, numbered as the merchant added them. */
interface Destination extends UsDestination {
  rateId: number;
}

/** Diacritics on purpose: PHP's json_encode writes them as \u escapes, which the signature covers. */
const NAMES = {
  first: ['Zoë', 'José', 'Ada', 'Chloé', 'Søren', 'Grace', 'Linus', 'Margaret'],
  last: ['Müller', 'Lovelace', 'Núñez', 'Hopper', 'Brontë', 'Turing', 'Ødegaard', 'Hamilton'],
} as const;
/** The store ships to four of the states (not to Washington). */
const DESTINATIONS: readonly Destination[] = US_DESTINATIONS.filter((d) => d.stateCode !== 'WA').map(
  (destination, index) => ({ ...destination, rateId: index + 1 }),
);
const COUPON = { code: 'welcome10', basisPoints: 1_000, nominal: 10 } as const;
/** In minor units of whatever the currency is: a simulator needs plausible amounts, not exchange rates. */
const SHIPPING = { flatUnits: 599, freeFromUnits: 7_500 } as const;

interface Buyer {
  customerId: number;
  billing: WooBilling;
  shipping: WooAddress;
  destination: Destination;
}

/**
 * A line's money as WooCommerce names it: subtotal is gross and total is net (both excluding tax), subtotal_tax
 * is grossTax and total_tax is tax.
 */
type PricedLine = OrderLine<WooOrderItem>;

function buildOrder(
  store: StoreContext,
  i: number,
  items: WooOrderItem[],
  quantities: number[] | undefined,
): WooOrder {
  const { buyer, discountBp, lines, createdMs } = draftOrder(
    store,
    { i, items, quantities },
    { pickBuyer: (stream) => pickBuyer(stream, store, i), discountBp: COUPON.basisPoints },
  );
  return inFieldOrder({
    ...orderHeader(store, i, createdMs),
    ...orderMoney(store, i, lines, buyer.destination, discountBp),
    line_items: lines.map((line, index) => lineItem(store, i, index, line, buyer.destination)),
    ...orderTrailer(store, i, createdMs, buyer),
  });
}

/** The order of the fields in WooCommerce's own JSON; a payload's bytes should look like the real thing's. */
const FIELD_ORDER: readonly (keyof WooOrder)[] = [
  'id',
  'parent_id',
  'status',
  'currency',
  'version',
  'prices_include_tax',
  'date_created',
  'date_modified',
  'discount_total',
  'discount_tax',
  'shipping_total',
  'shipping_tax',
  'cart_tax',
  'total',
  'total_tax',
  'customer_id',
  'order_key',
  'billing',
  'shipping',
  'payment_method',
  'payment_method_title',
  'transaction_id',
  'customer_ip_address',
  'customer_user_agent',
  'created_via',
  'customer_note',
  'date_completed',
  'date_paid',
  'cart_hash',
  'number',
  'meta_data',
  'line_items',
  'tax_lines',
  'shipping_lines',
  'fee_lines',
  'coupon_lines',
  'refunds',
  'payment_url',
  'is_editable',
  'needs_payment',
  'needs_processing',
  'date_created_gmt',
  'date_modified_gmt',
  'date_completed_gmt',
  'date_paid_gmt',
  'currency_symbol',
  '_links',
];

function inFieldOrder(order: WooOrder): WooOrder {
  return Object.fromEntries(FIELD_ORDER.map((key) => [key, order[key]])) as unknown as WooOrder;
}

function pickBuyer(random: () => number, store: StoreContext, i: number): Buyer {
  const { first, last, destination, phoneLine, apartment } = drawBuyer(random, NAMES, DESTINATIONS);
  // As a US checkout form writes it.
  const phone = `(555) 555-${phoneLine}`;
  const guest = random() < 0.4;
  const { street: address_1, city, stateCode: state, zip: postcode } = destination;
  const where = { company: '', address_1, address_2: apartment ?? '', city, state, postcode, country: 'US' };
  const person = { first_name: first, last_name: last };
  return {
    customerId: guest ? 0 : ids.customer(store, i),
    billing: { ...person, ...where, email: exampleEmail(first, last), phone },
    // The shipping phone is optional at checkout; left empty now and then.
    shipping: { ...person, ...where, phone: random() < 0.5 ? phone : '' },
    destination,
  };
}

function lineItem(
  store: StoreContext,
  i: number,
  index: number,
  line: PricedLine,
  destination: Destination,
): WooLineItem {
  const text = (units: number) => formatMinor(units, store.digits);
  const name = line.item.name ?? `Item ${line.item.sku ?? line.item.productId}`;
  const taxes = destination.taxBp
    ? [{ id: destination.rateId, total: text(line.tax), subtotal: text(line.grossTax) }]
    : [];
  return {
    id: ids.line(store, i, index),
    name,
    product_id: line.item.productId,
    variation_id: line.item.variationId ?? 0,
    quantity: line.quantity,
    tax_class: '',
    subtotal: text(line.gross),
    subtotal_tax: text(line.grossTax),
    total: text(line.net),
    total_tax: text(line.tax),
    taxes,
    meta_data: [],
    sku: line.item.sku,
    // PHP's division of the stored total by the quantity: a float, and after the discount.
    price: Number(text(line.net)) / line.quantity,
    image: { id: 0, src: '' },
    parent_name: line.item.variationId ? name : null,
  };
}

type OrderHeader = Pick<
  WooOrder,
  | 'id'
  | 'parent_id'
  | 'status'
  | 'currency'
  | 'version'
  | 'prices_include_tax'
  | 'date_created'
  | 'date_modified'
>;

function orderHeader(store: StoreContext, i: number, createdMs: number): OrderHeader {
  const local = localDate(createdMs, store.utcOffsetMinutes);
  return {
    id: ids.order(store, i),
    parent_id: 0,
    status: 'processing',
    currency: store.currency,
    version: store.version,
    prices_include_tax: false,
    date_created: local,
    date_modified: local,
  };
}

type OrderMoney = Pick<
  WooOrder,
  | 'discount_total'
  | 'discount_tax'
  | 'shipping_total'
  | 'shipping_tax'
  | 'cart_tax'
  | 'total'
  | 'total_tax'
  | 'tax_lines'
  | 'shipping_lines'
  | 'coupon_lines'
>;

/** total = Σ line totals + shipping + tax; shipping is flat, free from a threshold, and not taxed here. */
function orderMoney(
  store: StoreContext,
  i: number,
  lines: PricedLine[],
  destination: Destination,
  discountBp: number,
): OrderMoney {
  const text = (units: number) => formatMinor(units, store.digits);
  const net = sumOf(lines, 'net');
  const discount = sumOf(lines, 'gross') - net;
  const discountTax = sumOf(lines, 'grossTax') - sumOf(lines, 'tax');
  const shipping = net >= SHIPPING.freeFromUnits ? 0 : SHIPPING.flatUnits;
  const tax = sumOf(lines, 'tax');
  return {
    discount_total: text(discount),
    discount_tax: text(discountTax),
    shipping_total: text(shipping),
    shipping_tax: text(0),
    cart_tax: text(tax),
    total: text(net + shipping + tax),
    total_tax: text(tax),
    tax_lines: destination.taxBp ? [taxLine(store, i, destination, tax)] : [],
    shipping_lines: [shippingLine(store, i, shipping)],
    coupon_lines: discountBp ? [couponLine(store, i, discount, discountTax)] : [],
  };
}

function taxLine(store: StoreContext, i: number, destination: Destination, units: number): WooTaxLine {
  return {
    id: ids.line(store, i, MAX_LINES_PER_ORDER - 3),
    rate_code: `US-${destination.stateCode}-STATE TAX-1`,
    rate_id: destination.rateId,
    label: 'State Tax',
    compound: false,
    tax_total: formatMinor(units, store.digits),
    shipping_tax_total: formatMinor(0, store.digits),
    // A plain JSON number in WooCommerce's payload; shown, never summed.
    rate_percent: destination.taxBp / 100,
    meta_data: [],
  };
}

function shippingLine(store: StoreContext, i: number, units: number): WooShippingLine {
  const free = units === 0;
  return {
    id: ids.line(store, i, MAX_LINES_PER_ORDER - 2),
    method_title: free ? 'Free shipping' : 'Flat rate',
    method_id: free ? 'free_shipping' : 'flat_rate',
    instance_id: free ? '2' : '1',
    total: formatMinor(units, store.digits),
    total_tax: formatMinor(0, store.digits),
    taxes: [],
    meta_data: [],
  };
}

function couponLine(store: StoreContext, i: number, discount: number, discountTax: number): WooCouponLine {
  return {
    id: ids.line(store, i, MAX_LINES_PER_ORDER - 1),
    code: COUPON.code,
    discount: formatMinor(discount, store.digits),
    discount_tax: formatMinor(discountTax, store.digits),
    meta_data: [],
    discount_type: 'percent',
    nominal_amount: COUPON.nominal,
    free_shipping: false,
  };
}

type OrderTrailer = Omit<WooOrder, keyof OrderHeader | keyof OrderMoney | 'line_items'>;

/** Who paid how, the links and the GMT dates. */
function orderTrailer(store: StoreContext, i: number, createdMs: number, buyer: Buyer): OrderTrailer {
  const id = ids.order(store, i);
  const orderKey = `wc_order_${randomKey(seededRandom(deriveSeed(store.seed, `key:${store.keySalt}:${i}`)), 13)}`;
  const api = `${store.storeUrl}/wp-json/wc/v3`;
  return {
    customer_id: buyer.customerId,
    order_key: orderKey,
    billing: buyer.billing,
    shipping: buyer.shipping,
    payment_method: 'woocommerce_payments',
    payment_method_title: 'Credit card / debit card',
    transaction_id: `pi_${String(id).padStart(24, '0')}`,
    customer_ip_address: `203.0.113.${1 + (i % 254)}`,
    customer_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
    created_via: 'checkout',
    customer_note: i % 4 === 0 ? 'Please leave it at the side gate / back door' : '',
    date_completed: null,
    date_paid: localDate(createdMs, store.utcOffsetMinutes),
    cart_hash: deriveSeed(store.seed, `cart:${i}`).toString(16).padStart(32, '0'),
    number: String(id),
    meta_data: [],
    fee_lines: [],
    refunds: [],
    payment_url: `${store.storeUrl}/checkout/order-pay/${id}/?pay_for_order=true&key=${orderKey}`,
    is_editable: false,
    needs_payment: false,
    needs_processing: true,
    date_created_gmt: wcDate(createdMs),
    date_modified_gmt: wcDate(createdMs),
    date_completed_gmt: null,
    date_paid_gmt: wcDate(createdMs),
    currency_symbol: currencySymbol(store.currency),
    _links: {
      self: [{ href: `${api}/orders/${id}` }],
      collection: [{ href: `${api}/orders` }],
      ...(buyer.customerId ? { customer: [{ href: `${api}/customers/${buyer.customerId}` }] } : {}),
    },
  };
}

const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Letters and digits, like wp_generate_password(n, false) behind an order key. */
function randomKey(random: () => number, length: number): string {
  return Array.from({ length }, () => KEY_CHARS[Math.floor(random() * KEY_CHARS.length)]).join('');
}

/**
 * A copy with the changes and later modification dates. WooCommerce's dates have whole seconds, so laterMs is
 * rounded up to the next second: any positive laterMs really moves date_modified forward.
 */
function updatedOrder(
  order: WooOrder,
  laterMs: number,
  changes: Partial<WooOrder>,
  offsetMinutes: number,
): WooOrder {
  const later = wholeSecondsLater(laterMs);
  const previous = Date.parse(`${order.date_modified_gmt}Z`);
  if (Number.isNaN(previous))
    throw new RangeError(`date_modified_gmt ${order.date_modified_gmt} is not a date`);
  const modifiedMs = previous + later;
  const dates = {
    date_modified: localDate(modifiedMs, offsetMinutes),
    date_modified_gmt: wcDate(modifiedMs),
  };
  return structuredClone({ ...order, ...changes, ...dates });
}

// ---------------------------------------------------------------------------------------------------------------
// The REST API v3: what a hub writes back (order notes, status and meta_data; managed stock)

export interface WooVariationSeed {
  id: number;
  sku: string;
  /** Default false: a new variation does not manage its own stock. */
  manageStock?: boolean;
  stockQuantity?: number | null;
  /** Decimal strings; default '' (no price yet). */
  regularPrice?: string;
  salePrice?: string;
}

export interface WooProductSeed {
  id: number;
  /** '' for none (a variable product often has none of its own). */
  sku: string;
  name?: string;
  manageStock?: boolean;
  stockQuantity?: number | null;
  regularPrice?: string;
  salePrice?: string;
  /** Makes it a variable product. */
  variations?: WooVariationSeed[];
}

/** At most `requests` requests per window of `windowMs`; the rest are answered 429 with Retry-After. */
export interface WooRateLimit {
  requests: number;
  windowMs: number;
}

export interface WooRestOptions {
  consumerKey: string;
  consumerSecret: string;
  /** The key's permissions; default 'read_write'. A read key is refused every write, as WooCommerce does. */
  permissions?: 'read' | 'write' | 'read_write';
  products?: WooProductSeed[];
  /** Default: none (WooCommerce itself does not limit REST v3; hosts and firewalls in front of it do). */
  rateLimit?: WooRateLimit;
  /** Default true. False: the orders' payment gateway cannot refund (cheque, bank transfer), see setGatewayRefunds. */
  gatewayRefunds?: boolean;
  /**
   * A web server that drops the Authorization header before PHP sees it (PHP as CGI/FastCGI without the rewrite
   * that passes it on): HTTP Basic never arrives, and only consumer_key/consumer_secret in the query authenticate.
   */
  stripsAuthorization?: boolean;
  port?: number;
}

/** The part of a REST API v3 product the simulator keeps. A variation has type 'variation' and its parent_id. */
export interface WooProduct {
  id: number;
  name: string;
  type: 'simple' | 'variable' | 'variation';
  status: 'publish';
  sku: string;
  parent_id: number;
  manage_stock: boolean;
  stock_quantity: number | null;
  stock_status: 'instock' | 'outofstock';
  /** What the customer pays: sale_price while on sale, else regular_price ('' for a variable product). */
  price: string;
  /** The price without a sale; '' when none is set. */
  regular_price: string;
  /** '' when not on sale. */
  sale_price: string;
  on_sale: boolean;
  variations: number[];
  meta_data: WooMeta[];
}

/** A webhook as GET /webhooks lists it (https://woocommerce.github.io/woocommerce-rest-api-docs/#webhook-properties). */
export interface WooWebhook {
  id: number;
  name: string;
  /** `disabled`: turned off by WooCommerce after repeated failed deliveries; `paused`: by the admin. */
  status: 'active' | 'paused' | 'disabled';
  topic: WooTopic;
  resource: string;
  event: string;
  hooks: string[];
  delivery_url: string;
  date_created: string;
  date_created_gmt: string;
}

export interface WooOrderNote {
  id: number;
  author: string;
  date_created: string;
  date_created_gmt: string;
  note: string;
  customer_note: boolean;
}

export type WooRestRoute =
  | 'GET /orders'
  | 'GET /orders/:id'
  | 'PUT /orders/:id'
  | 'GET /orders/:id/notes'
  | 'POST /orders/:id/notes'
  | 'GET /orders/:id/refunds'
  | 'POST /orders/:id/refunds'
  | 'GET /products'
  | 'POST /products/batch'
  | 'POST /products/:id/variations/batch'
  | 'GET /webhooks'
  | 'GET /system_status';

export interface WooRestCall {
  method: string;
  path: string;
  /** The query string as sent ('' or '?…'). */
  query: string;
  /** null when no route matched (or the call was refused before routing). */
  route: WooRestRoute | null;
  /** 0 when the answer was lost. */
  status: number;
  outcome: 'ok' | 'refused' | 'unauthorized' | 'rate-limited' | 'fault' | 'lost';
  /** How the call carried its keys. */
  auth: 'basic' | 'query' | 'none';
}

/** A write the store applied (answered 2xx, or applied and its answer lost), in order. */
export interface WooRestWrite {
  route: WooRestRoute;
  path: string;
  body: unknown;
}

/** A payment gateway's process_refund for one refund; resolves when the money went back. */
export type WooGateway = (refund: { orderId: number; amount: string; reason: string }) => Promise<void>;

/**
 * `status`: answered so, nothing applied. `lose-answer`: applied, then the connection is dropped unanswered.
 * `proxy-timeout`: a proxy in front of WordPress (nginx, a CDN) gives up and answers 504 at once, while PHP carries
 * the request on to its end (a refund waiting on a slow gateway, say) and applies it.
 */
export type WooRestFault =
  { kind: 'status'; status: number } | { kind: 'lose-answer' } | { kind: 'proxy-timeout' };

export interface WooRest {
  /** http://127.0.0.1:{port}: the store's address; the API is under /wp-json/wc/v3. */
  url: string;
  /** Every request, in order of arrival. */
  calls: WooRestCall[];
  writes: WooRestWrite[];
  order(id: number): WooOrder | undefined;
  /** Newest first, as WooCommerce lists them. */
  notes(orderId: number): WooOrderNote[];
  /** Newest first, as WooCommerce lists them. */
  refunds(orderId: number): WooRefund[];
  /**
   * Whether the orders' payment gateway can refund through its API (api_refund). When it cannot, WooCommerce
   * refuses such a refund whole with a 500 saying so, and creates nothing.
   */
  setGatewayRefunds(supported: boolean): void;
  /**
   * The payment gateway's process_refund (default: the money goes back at once). A refund is listed, without its
   * meta_data, from before this is called until after it resolves; a rejection is the gateway's refusal, and
   * WooCommerce then deletes the refund and answers 500 with its message. null restores the default.
   */
  setGateway(process: WooGateway | null): void;
  /** The product or variation with exactly this SKU. */
  product(sku: string): WooProduct | undefined;
  /** Deletes the product or variation with exactly this SKU, as an admin would: its id is no longer valid. */
  remove(sku: string): void;
  setRateLimit(limit: WooRateLimit | null): void;
  /** The next `times` (default 1) calls to the route meet the fault. */
  fault(route: WooRestRoute, fault: WooRestFault, times?: number): void;
  close(): Promise<void>;
}

const API_ROOT = '/wp-json/wc/v3';
/** wc_get_order_status_name, for the note a status change leaves. */
const STATUS_NAMES: Record<WooOrderStatus, string> = {
  pending: 'Pending payment',
  processing: 'Processing',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  failed: 'Failed',
  trash: 'Trash',
  'checkout-draft': 'Draft',
};
/** The woocommerce_rest_batch_items_limit default: create + update + delete together. */
const BATCH_ITEMS_LIMIT = 100;
/** Products made by seedCatalog are numbered from here. */
const FIRST_SEEDED_ID = 1_000_000;

function isWooOrder(payload: unknown): payload is WooOrder {
  return (
    isRecord(payload) &&
    typeof payload.id === 'number' &&
    typeof payload.date_modified_gmt === 'string' &&
    Array.isArray(payload.line_items) &&
    Array.isArray(payload.meta_data)
  );
}

/** The store's data behind the REST API; each method is one endpoint and answers as WooCommerce would. */
class BackOffice {
  readonly products = new Map<number, WooProduct>();
  /** Products and variations by SKU folded to lower case (as MySQL's collation compares), in the order added. */
  private readonly bySkuFolded = new Map<string, WooProduct[]>();
  private readonly positions = new WeakMap<WooProduct, number>();
  private added = 0;
  /** Told each managed quantity the REST API sets. */
  stockSet: (sku: string, available: number) => void = () => {};
  readonly refunds: RefundDesk;
  gatewayRefunds = true;
  gateway: WooGateway | null = null;
  webhooks: () => WooWebhook[] = () => [];
  /** GET /system_status: the parts of WC_REST_System_Status_V2_Controller's answer a client reads. */
  systemStatus: () => unknown = () => ({});
  private readonly notesByOrder = new Map<number, WooOrderNote[]>();
  /** Note and meta ids: one sequence, like WordPress's comment and meta tables are each one sequence. */
  private lastId = 9_000;

  constructor(
    readonly orders: Map<number, WooOrder>,
    private readonly now: () => number,
    readonly offsetMinutes: number,
    digits: number,
    seeds: readonly WooProductSeed[],
  ) {
    for (const seed of seeds) this.addProduct(seed);
    this.refunds = new RefundDesk({
      digits,
      offsetMinutes,
      now,
      nextId: () => ++this.lastId,
      gatewayCanRefund: () => this.gatewayRefunds,
      processRefund: async (order, amount, reason) => this.gateway?.({ orderId: order.id, amount, reason }),
      product: (id) => this.products.get(id),
      note: (orderId, text, customer) => this.note(orderId, text, customer),
      changeStatus: (order, to) => this.changeStatus(order, to),
      touch: (order) => this.touch(order),
    });
  }

  notes(orderId: number): WooOrderNote[] {
    return [...(this.notesByOrder.get(orderId) ?? [])].reverse();
  }

  getOrder(id: number): Reply {
    const order = this.orders.get(id);
    if (!order) return wpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 404);
    return { status: 200, body: order };
  }

  /** Checks everything before changing anything: a refused update leaves the order as it was. */
  updateOrder(id: number, body: Record<string, unknown>): Reply {
    const order = this.orders.get(id);
    if (!order) return wpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 400);
    const status = body.status;
    if (status !== undefined && !ORDER_STATUSES.includes(status as WooOrderStatus)) {
      return wpError('rest_invalid_param', 'Invalid parameter(s): status', 400);
    }
    const meta = body.meta_data;
    if (meta !== undefined && !(Array.isArray(meta) && meta.every(isMetaInput))) {
      return wpError('rest_invalid_param', 'Invalid parameter(s): meta_data', 400);
    }
    for (const entry of meta ?? []) order.meta_data = updateMeta(order.meta_data, entry, () => ++this.lastId);
    if (status !== undefined && status !== order.status) this.changeStatus(order, status as WooOrderStatus);
    this.touch(order);
    return { status: 200, body: order };
  }

  listNotes(orderId: number, query: URLSearchParams): Reply {
    if (!this.orders.has(orderId))
      return wpError('woocommerce_rest_order_invalid_id', 'Invalid order ID.', 404);
    const type = query.get('type') ?? 'any';
    if (!['any', 'customer', 'internal'].includes(type))
      return wpError('rest_invalid_param', 'Invalid parameter(s): type', 400);
    const notes = this.notes(orderId).filter(
      (n) => type === 'any' || n.customer_note === (type === 'customer'),
    );
    return { status: 200, body: notes };
  }

  addNote(orderId: number, body: Record<string, unknown>): Reply {
    if (!this.orders.has(orderId))
      return wpError('woocommerce_rest_order_invalid_id', 'Invalid order ID.', 404);
    if (body.note === undefined)
      return wpError('rest_missing_callback_param', 'Missing parameter(s): note', 400);
    if (typeof body.note !== 'string' || body.note.trim() === '') {
      return wpError(
        'woocommerce_rest_invalid_order_note',
        'Cannot create order note, please provide a note.',
        400,
      );
    }
    const customer = body.customer_note ?? false;
    if (typeof customer !== 'boolean')
      return wpError('rest_invalid_param', 'Invalid parameter(s): customer_note', 400);
    return { status: 201, body: this.note(orderId, body.note, customer) };
  }

  /** GET /webhooks: newest first, `status` all (default), active, paused or disabled. */
  listWebhooks(query: URLSearchParams): Reply {
    const status = query.get('status') ?? 'all';
    if (!['all', 'active', 'paused', 'disabled'].includes(status))
      return wpError('rest_invalid_param', 'Invalid parameter(s): status', 400);
    const hooks = this.webhooks().filter((h) => status === 'all' || h.status === status);
    return pageOf(
      hooks.sort((a, b) => b.id - a.id),
      query,
    );
  }

  /** The `sku` filter: comma-separated, variations included, matched as MySQL does (case-insensitively). */
  listProducts(query: URLSearchParams): Reply {
    const sku = query.get('sku');
    if (!sku)
      return pageOf(
        [...this.products.values()].filter((p) => p.type !== 'variation'),
        query,
      );
    const found = new Set([...skuPieces(sku)].flatMap((piece) => this.bySkuFolded.get(piece) ?? []));
    // In the order the store has them, as the unfiltered list is.
    const position = (p: WooProduct) => this.positions.get(p) ?? 0;
    return pageOf(
      [...found].sort((a, b) => position(a) - position(b)),
      query,
    );
  }

  /** The product or variation with exactly this SKU. */
  bySku(sku: string): WooProduct | undefined {
    return this.bySkuFolded.get(sku.toLowerCase())?.find((p) => p.sku === sku);
  }

  /** An admin deletes a product or variation: its id is no longer valid. */
  remove(gone: WooProduct): void {
    this.products.delete(gone.id);
    this.unindex(gone);
    const parent = this.products.get(gone.parent_id);
    if (parent) parent.variations = parent.variations.filter((id) => id !== gone.id);
  }

  /** POST /products/batch (parentId undefined) or /products/{parentId}/variations/batch: `update` only. */
  batch(body: Record<string, unknown>, parentId?: number): Reply {
    const lists = ['create', 'update', 'delete'].map((key) => body[key] ?? []);
    if (!lists.every(Array.isArray))
      return wpError('rest_invalid_param', 'Invalid parameter(s): update', 400);
    const total = (lists as unknown[][]).reduce((sum, list) => sum + list.length, 0);
    if (total > BATCH_ITEMS_LIMIT) {
      const message = `Unable to accept more than ${BATCH_ITEMS_LIMIT} items for this request.`;
      return wpError('woocommerce_rest_request_entity_too_large', message, 413);
    }
    const [create = [], update = [], remove = []] = lists as unknown[][];
    if (create.length > 0 || remove.length > 0) {
      return wpError('woocommerce_rest_simulator', 'The simulator only updates in batches.', 501);
    }
    return { status: 200, body: { update: update.map((item) => this.updateProduct(item, parentId)) } };
  }

  /** One batch item: managed stock and prices, each checked before anything of the item is changed. */
  private updateProduct(item: unknown, parentId: number | undefined): unknown {
    const id = isRecord(item) && Number.isInteger(item.id) ? (item.id as number) : 0;
    const product = this.products.get(id);
    // Stricter than WooCommerce, which may take a variation at /products/batch: a hub should use its parent's route.
    const fits = parentId === undefined ? product?.type !== 'variation' : product?.parent_id === parentId;
    if (!product || !fits || !isRecord(item)) {
      const code =
        parentId === undefined
          ? 'woocommerce_rest_product_invalid_id'
          : 'woocommerce_rest_product_variation_invalid_id';
      return itemError(id, code, 'Invalid ID.');
    }
    const { manage_stock: manage, stock_quantity: quantity, regular_price: regular, sale_price: sale } = item;
    if (manage !== undefined && typeof manage !== 'boolean')
      return itemError(id, 'rest_invalid_param', 'Invalid parameter(s): manage_stock');
    if (quantity !== undefined && quantity !== null && !Number.isInteger(quantity)) {
      return itemError(id, 'rest_invalid_param', 'Invalid parameter(s): stock_quantity');
    }
    // The schema types both prices as strings: a JSON number is refused, as WordPress validates the request.
    if (regular !== undefined && !isPriceText(regular))
      return itemError(id, 'rest_invalid_param', 'Invalid parameter(s): regular_price');
    if (sale !== undefined && !isPriceText(sale))
      return itemError(id, 'rest_invalid_param', 'Invalid parameter(s): sale_price');
    if (manage !== undefined) product.manage_stock = manage;
    if (quantity !== undefined) product.stock_quantity = quantity as number | null;
    if (product.manage_stock)
      product.stock_status = (product.stock_quantity ?? 0) > 0 ? 'instock' : 'outofstock';
    if (product.manage_stock && quantity !== undefined && quantity !== null)
      this.stockSet(product.sku, quantity as number);
    // WC_Product_Variable ignores prices set on the parent: its price comes from its variations.
    if (product.type !== 'variable')
      setPrices(product, regular as string | undefined, sale as string | undefined);
    return product;
  }

  addProduct(seed: WooProductSeed): void {
    const variations = seed.variations ?? [];
    const name = seed.name ?? `Product ${seed.id}`;
    const type = variations.length > 0 ? 'variable' : 'simple';
    this.keep(product(seed.id, name, type, seed.sku, 0, seed));
    for (const v of variations)
      this.keep(product(v.id, `${name} - ${v.sku}`, 'variation', v.sku, seed.id, v));
    this.products.get(seed.id)!.variations = variations.map((v) => v.id);
  }

  private keep(made: WooProduct): void {
    const replaced = this.products.get(made.id);
    if (replaced) this.unindex(replaced);
    this.products.set(made.id, made);
    this.positions.set(made, this.added++);
    if (made.sku === '') return;
    const folded = made.sku.toLowerCase();
    this.bySkuFolded.set(folded, [...(this.bySkuFolded.get(folded) ?? []), made]);
  }

  private unindex(gone: WooProduct): void {
    const folded = gone.sku.toLowerCase();
    const rest = (this.bySkuFolded.get(folded) ?? []).filter((p) => p !== gone);
    if (rest.length) this.bySkuFolded.set(folded, rest);
    else this.bySkuFolded.delete(folded);
  }

  /** WC_Order::update_status: the change leaves a private note, and completing dates the order. */
  private changeStatus(order: WooOrder, to: WooOrderStatus): void {
    this.note(
      order.id,
      `Order status changed from ${STATUS_NAMES[order.status]} to ${STATUS_NAMES[to]}.`,
      false,
    );
    order.status = to;
    if (to === 'completed') {
      order.date_completed = localDate(this.now(), this.offsetMinutes);
      order.date_completed_gmt = wcDate(this.now());
    }
  }

  private note(orderId: number, text: string, customer: boolean): WooOrderNote {
    const ms = this.now();
    const note: WooOrderNote = {
      id: ++this.lastId,
      author: 'system',
      date_created: localDate(ms, this.offsetMinutes),
      date_created_gmt: wcDate(ms),
      note: text,
      customer_note: customer,
    };
    this.notesByOrder.set(orderId, [...(this.notesByOrder.get(orderId) ?? []), note]);
    return note;
  }

  private touch(order: WooOrder): void {
    order.date_modified = localDate(this.now(), this.offsetMinutes);
    order.date_modified_gmt = wcDate(this.now());
  }
}

function product(
  id: number,
  name: string,
  type: WooProduct['type'],
  sku: string,
  parentId: number,
  seed: WooVariationSeed | WooProductSeed,
): WooProduct {
  const quantity = seed.stockQuantity ?? null;
  const made: WooProduct = {
    id,
    name,
    type,
    status: 'publish',
    sku,
    parent_id: parentId,
    manage_stock: seed.manageStock ?? false,
    stock_quantity: quantity,
    stock_status: seed.manageStock && (quantity ?? 0) <= 0 ? 'outofstock' : 'instock',
    price: '',
    regular_price: '',
    sale_price: '',
    on_sale: false,
    variations: [],
    meta_data: [],
  };
  if (type !== 'variable') setPrices(made, seed.regularPrice, seed.salePrice);
  return made;
}

/** A decimal string as wc_format_decimal keeps it ("12.99", "12"), or '' for none. */
function isPriceText(value: unknown): value is string {
  return typeof value === 'string' && /^(\d+(\.\d+)?)?$/.test(value.trim());
}

/**
 * WC_Product's price props: what is given replaces what was there ('' clears a sale), and `price` follows, the sale
 * price while it is below the regular price (WC_Product::is_on_sale), otherwise the regular price.
 */
function setPrices(product: WooProduct, regular: string | undefined, sale: string | undefined): void {
  if (regular !== undefined) product.regular_price = regular.trim();
  if (sale !== undefined) product.sale_price = sale.trim();
  const { regular_price: r, sale_price: s } = product;
  product.on_sale = s !== '' && (r === '' || decimalBelow(s, r));
  product.price = product.on_sale ? s : r;
}

/** a < b for decimal strings, compared as integers (never as floats). */
function decimalBelow(a: string, b: string): boolean {
  const [aWhole = '0', aFraction = ''] = a.split('.');
  const [bWhole = '0', bFraction = ''] = b.split('.');
  const digits = Math.max(aFraction.length, bFraction.length);
  return BigInt(aWhole + aFraction.padEnd(digits, '0')) < BigInt(bWhole + bFraction.padEnd(digits, '0'));
}

/** The SKUs a `sku` filter asks for, folded: the whole value is one SKU too when it has commas (WooCommerce adds it to the pieces). */
function skuPieces(value: string): Set<string> {
  const pieces = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (pieces.length > 1) pieces.push(value.trim());
  return new Set(pieces.map((s) => s.toLowerCase()));
}

function itemError(id: number, code: string, message: string): unknown {
  return { id, error: { code, message, data: { status: 400 } } };
}

function isMetaInput(entry: unknown): entry is { id?: number; key: string; value: unknown } {
  return (
    isRecord(entry) &&
    typeof entry.key === 'string' &&
    'value' in entry &&
    (entry.id === undefined || Number.isInteger(entry.id))
  );
}

/**
 * WC_Data::update_meta_data: an entry with a known id changes that entry; otherwise the key's first entry takes the
 * value and its other entries go, or a new entry is added.
 */
function updateMeta(
  meta: WooMeta[],
  entry: { id?: number; key: string; value: unknown },
  nextId: () => number,
): WooMeta[] {
  const byId = entry.id === undefined ? undefined : meta.find((m) => m.id === entry.id);
  if (byId) return meta.map((m) => (m === byId ? { ...m, key: entry.key, value: entry.value } : m));
  const first = meta.find((m) => m.key === entry.key);
  if (!first) return [...meta, { id: nextId(), key: entry.key, value: entry.value }];
  return meta
    .filter((m) => m.key !== entry.key || m === first)
    .map((m) => (m === first ? { ...m, value: entry.value } : m));
}

interface RouteMatch {
  route: WooRestRoute;
  run: (office: BackOffice, query: URLSearchParams, body: Record<string, unknown>) => Reply | Promise<Reply>;
}

/** WordPress's EDITABLE methods (POST, PUT, PATCH) all update an order. */
function matchRoute(method: string, path: string): RouteMatch | undefined {
  const id = (pattern: RegExp) => Number(pattern.exec(path)?.[1] ?? Number.NaN);
  const order = id(/^\/orders\/(\d+)$/);
  const notes = id(/^\/orders\/(\d+)\/notes$/);
  const refunds = id(/^\/orders\/(\d+)\/refunds$/);
  const variations = id(/^\/products\/(\d+)\/variations\/batch$/);
  if (method === 'GET' && path === '/orders') {
    return { route: 'GET /orders', run: (o, q) => listOrders(o.orders.values(), q, o.offsetMinutes) };
  }
  if (method === 'GET' && order > 0) return { route: 'GET /orders/:id', run: (o) => o.getOrder(order) };
  if (['POST', 'PUT', 'PATCH'].includes(method) && order > 0) {
    return { route: 'PUT /orders/:id', run: (o, _q, body) => o.updateOrder(order, body) };
  }
  if (method === 'GET' && notes > 0)
    return { route: 'GET /orders/:id/notes', run: (o, q) => o.listNotes(notes, q) };
  if (method === 'POST' && notes > 0)
    return { route: 'POST /orders/:id/notes', run: (o, _q, b) => o.addNote(notes, b) };
  if (method === 'GET' && refunds > 0) {
    return { route: 'GET /orders/:id/refunds', run: (o, q) => o.refunds.list(o.orders.get(refunds), q) };
  }
  if (method === 'POST' && refunds > 0) {
    return {
      route: 'POST /orders/:id/refunds',
      run: (o, _q, b) => o.refunds.create(o.orders.get(refunds), b),
    };
  }
  if (method === 'GET' && path === '/system_status')
    return { route: 'GET /system_status', run: (o) => ({ status: 200, body: o.systemStatus() }) };
  if (method === 'GET' && path === '/webhooks')
    return { route: 'GET /webhooks', run: (o, q) => o.listWebhooks(q) };
  if (method === 'GET' && path === '/products')
    return { route: 'GET /products', run: (o, q) => o.listProducts(q) };
  if (method === 'POST' && path === '/products/batch')
    return { route: 'POST /products/batch', run: (o, _q, b) => o.batch(b) };
  if (method === 'POST' && variations > 0) {
    return { route: 'POST /products/:id/variations/batch', run: (o, _q, b) => o.batch(b, variations) };
  }
  return undefined;
}

/** What WooCommerce answers a request that arrived without any credentials, by what it asked for. */
function notAllowed(route: WooRestRoute): Reply {
  if (route.startsWith('GET'))
    return wpError('woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.', 401);
  if (route.endsWith('batch')) {
    return wpError(
      'woocommerce_rest_cannot_batch',
      'Sorry, you are not allowed to batch manipulate this resource.',
      401,
    );
  }
  if (route.startsWith('PUT'))
    return wpError('woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.', 401);
  return wpError('woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.', 401);
}

interface Credentials {
  key: string;
  secret: string;
  via: 'basic' | 'query';
}

/**
 * WC_REST_Authentication::perform_basic_authentication: consumer_key and consumer_secret in the query first, when
 * both are non-empty, else HTTP Basic (key as user, secret as password). The simulator's plain http stands for the
 * TLS a real store needs for either (is_ssl()); a server that strips Authorization leaves only the query.
 */
function readCredentials(
  req: IncomingMessage,
  url: URL,
  stripsAuthorization: boolean,
): Credentials | undefined {
  const key = url.searchParams.get('consumer_key');
  const secret = url.searchParams.get('consumer_secret');
  if (key && secret) return { key, secret, via: 'query' };
  const header = stripsAuthorization ? undefined : headerValue(req, 'authorization');
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1), via: 'basic' };
  }
  return undefined;
}

/** A fixed window per server. Wall time, not the store's clock: rate limits are a property of the host. */
class FixedWindow {
  private started = 0;
  private used = 0;

  constructor(public limit: WooRateLimit | null) {}

  /** Seconds to wait, or 0 when the request may go ahead. */
  take(): number {
    if (!this.limit) return 0;
    const now = Date.now();
    if (now - this.started >= this.limit.windowMs) {
      this.started = now;
      this.used = 0;
    }
    if (this.used < this.limit.requests) {
      this.used++;
      return 0;
    }
    return Math.max(1, Math.ceil((this.started + this.limit.windowMs - now) / 1000));
  }
}

class RestServer implements WooRest {
  url = '';
  readonly calls: WooRestCall[] = [];
  readonly writes: WooRestWrite[] = [];
  private readonly faults = new Map<WooRestRoute, WooRestFault[]>();
  private readonly window: FixedWindow;
  private readonly server: Server;

  constructor(
    private readonly office: BackOffice,
    private readonly opts: WooRestOptions,
  ) {
    this.window = new FixedWindow(opts.rateLimit ?? null);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          send(res, wpError('internal_server_error', `simulator failure: ${String(error)}`, 500));
      });
    });
  }

  async start(): Promise<void> {
    this.url = `http://127.0.0.1:${await listen(this.server, this.opts.port ?? 0)}`;
  }

  order(id: number): WooOrder | undefined {
    return this.office.orders.get(id);
  }

  notes(orderId: number): WooOrderNote[] {
    return this.office.notes(orderId);
  }

  refunds(orderId: number): WooRefund[] {
    return this.office.refunds.refunds(orderId);
  }

  setGatewayRefunds(supported: boolean): void {
    this.office.gatewayRefunds = supported;
  }

  setGateway(process: WooGateway | null): void {
    this.office.gateway = process;
  }

  product(sku: string): WooProduct | undefined {
    return this.office.bySku(sku);
  }

  remove(sku: string): void {
    const gone = this.product(sku);
    if (!gone) throw new Error(`no product with SKU ${sku}`);
    this.office.remove(gone);
  }

  setRateLimit(limit: WooRateLimit | null): void {
    this.window.limit = limit;
  }

  fault(route: WooRestRoute, fault: WooRestFault, times = 1): void {
    queueRepeated(this.faults, route, fault, times);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const credentials = readCredentials(req, url, this.opts.stripsAuthorization ?? false);
    const call: WooRestCall = {
      method,
      path: url.pathname,
      query: url.search,
      route: null,
      status: 0,
      outcome: 'refused',
      auth: credentials?.via ?? 'none',
    };
    this.calls.push(call);
    const raw = await readBody(req);
    const answer = (reply: Reply, outcome: WooRestCall['outcome']) => {
      Object.assign(call, { status: reply.status, outcome });
      send(res, reply);
    };
    const wait = this.window.take();
    if (wait > 0) return answer(rateLimited(wait), 'rate-limited');
    // A wrong secret or permission is refused before routing (WC_REST_Authentication runs first). An unknown key
    // authenticates no one and sets no error (perform_basic_authentication returns false): refused by the route,
    // as if no keys had come.
    const known = credentials?.key === this.opts.consumerKey ? credentials : undefined;
    const refused = known && this.checkKeys(known, method);
    if (refused) return answer(refused, 'unauthorized');
    const match = url.pathname.startsWith(API_ROOT)
      ? matchRoute(method, url.pathname.slice(API_ROOT.length))
      : undefined;
    if (!match) {
      return answer(
        wpError('rest_no_route', 'No route was found matching the URL and request method.', 404),
        'refused',
      );
    }
    call.route = match.route;
    if (!known) return answer(notAllowed(match.route), 'unauthorized');
    await this.run(match, url, raw, call, res, answer);
  }

  private async run(
    match: RouteMatch,
    url: URL,
    raw: Buffer,
    call: WooRestCall,
    res: ServerResponse,
    answer: (reply: Reply, outcome: WooRestCall['outcome']) => void,
  ): Promise<void> {
    const fault = this.faults.get(match.route)?.shift();
    if (fault?.kind === 'status') return answer(faultReply(fault.status), 'fault');
    const body = raw.length > 0 ? parseJson(raw) : {};
    if (!isRecord(body))
      return answer(wpError('rest_invalid_json', 'Invalid JSON body passed.', 400), 'refused');
    const running = Promise.resolve(match.run(this.office, url.searchParams, body));
    const applied = running.then((reply) => {
      if (!match.route.startsWith('GET') && reply.status < 300)
        this.writes.push(appliedWrite(match.route, url.pathname, raw));
      return reply;
    });
    if (fault?.kind === 'proxy-timeout') {
      answer(faultReply(504), 'fault');
      await applied;
      return;
    }
    const reply = await applied;
    if (fault?.kind === 'lose-answer') {
      Object.assign(call, { status: 0, outcome: 'lost' });
      res.destroy();
      return;
    }
    answer(reply, reply.status < 300 ? 'ok' : 'refused');
  }

  /** WC_REST_Authentication's answers for a known key: the secret, then the key's permissions. */
  private checkKeys(given: Credentials, method: string): Reply | undefined {
    const fail = (message: string) => wpError('woocommerce_rest_authentication_error', message, 401);
    if (given.secret !== this.opts.consumerSecret) return fail('Consumer secret is invalid.');
    const permissions = this.opts.permissions ?? 'read_write';
    if (method === 'GET' && permissions === 'write')
      return fail('The API key provided does not have read permissions.');
    if (method !== 'GET' && permissions === 'read')
      return fail('The API key provided does not have write permissions.');
    return undefined;
  }
}

/**
 * A write as the store applied it, its body read again from the request's bytes when asked for (by a test) rather
 * than copied at every call: copying every batch cost the bench more than applying it.
 */
function appliedWrite(route: WooRestRoute, path: string, raw: Buffer): WooRestWrite {
  let body: unknown;
  return {
    route,
    path,
    get body() {
      return (body ??= raw.length > 0 ? parseJson(raw) : {});
    },
  };
}

function rateLimited(waitSeconds: number): Reply {
  const reply = wpError('rate_limit_exceeded', 'Too many requests. Please wait and try again.', 429);
  return { ...reply, headers: { 'retry-after': String(waitSeconds) } };
}

function faultReply(status: number): Reply {
  const reply = wpError('simulated_fault', `The simulator was told to answer ${status}.`, status);
  return status === 429 ? { ...reply, headers: { 'retry-after': '1' } } : reply;
}

function send(res: ServerResponse, reply: Reply): void {
  res
    .writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', ...reply.headers })
    .end(JSON.stringify(reply.body));
}
