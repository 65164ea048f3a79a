/**
 * A simulated WooCommerce store for the demo and the tests (never the production path). It builds orders shaped like
 * the REST API v3 order that the order.* webhooks carry, and delivers them the way WooCommerce's WC_Webhook does:
 * the body as PHP's json_encode writes it, signed with the webhook's secret, the X-WC-Webhook-* headers, a delivery
 * id hashed from the webhook id and the current second, one attempt per event, and a webhook that turns itself off
 * after repeated failures. Written from WooCommerce's webhook documentation and WC_Webhook itself, not from src/,
 * so that the simulator catches a hub that drifts from what WooCommerce really sends.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { backoffMs, deriveSeed, pick, seededRandom } from './shared.ts';

export type WooResource = 'order' | 'product' | 'customer' | 'coupon';
export type WooEvent = 'created' | 'updated' | 'deleted' | 'restored';
export type WooTopic = `${WooResource}.${WooEvent}`;

export interface WooCommerceSimOptions {
  /** The store's address (WordPress's home URL). */
  storeUrl: string;
  /** Waybill's POST /webhooks/woocommerce/{channelId}: the delivery URL of every webhook of the store. */
  webhookUrl: string;
  /** The secret set on the store's webhooks: the key of X-WC-Webhook-Signature. */
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
  value: string;
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

export type WooOrderStatus =
  'pending' | 'processing' | 'on-hold' | 'completed' | 'cancelled' | 'refunded' | 'failed' | 'trash';

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
  status: 'active' | 'disabled';
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
  /** The same delivery again: same delivery id, signature and body bytes (a relay's replay, or a duplicate). */
  redeliver(previous: DeliveryResult): Promise<DeliveryResult>;
  /** What saving a webhook as active sends: form-encoded `webhook_id=<id>`, unsigned, without X-WC-* headers. */
  ping(topic?: WooTopic): Promise<PingResult>;
  /** An order.updated payload: date_modified(_gmt) later by laterMs (rounded up to whole seconds), changes applied. */
  updateOf(order: WooOrder, laterMs: number, changes?: Partial<WooOrder>): WooOrder;
  webhook(topic: WooTopic): WebhookState;
  /** What the store's admin does after fixing the cause: the webhook active again, its failure count cleared. */
  reactivate(topic: WooTopic): void;
  setWebhookUrl(url: string): void;
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
interface PreparedDelivery {
  topic: WooTopic;
  url: string;
  deliveryId: string;
  headers: Record<string, string>;
  body: Buffer;
  maxAttempts: number;
  timeoutMs: number;
}

interface Answer {
  status: number;
  body: string;
}

interface Webhook {
  id: number;
  topic: WooTopic;
  status: 'active' | 'disabled';
  failureCount: number;
}

const NO_ANSWER: Answer = { status: 0, body: '' };

class WooCommerceStore implements WooCommerceSim {
  private webhookUrl: string;
  private readonly store: StoreContext;
  private readonly now: () => number;
  /** The store's auth salt: WooCommerce's delivery ids are keyed hashes (wp_hash). */
  private readonly salt = randomBytes(32);
  private readonly webhooks = new Map<WooTopic, Webhook>();
  /** Keyed by the result object handed out, so nothing is kept once the caller lets go of it. */
  private readonly sent = new WeakMap<DeliveryResult, PreparedDelivery>();

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

  async deliver(topic: WooTopic, payload: unknown, opts: DeliverOptions = {}): Promise<DeliveryResult> {
    if (this.hook(topic).status !== 'active')
      return { sent: false, status: 0, deliveryId: '', attempts: 0, body: '' };
    return this.send(this.prepare(topic, payload, opts));
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
    const answer = await postOnce(this.webhookUrl, headers, body, PING_TIMEOUT_MS, 'follow');
    return { ...answer, ok: answer.status === 200 };
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
    const maxAttempts = positiveInteger(opts.maxAttempts ?? 1, 'maxAttempts');
    const timeoutMs = positiveInteger(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
    return { topic, url: this.webhookUrl, deliveryId, headers, body, maxAttempts, timeoutMs };
  }

  /** wp_hash(webhook id . current unix second): the same for two deliveries of one webhook within a second. */
  private newDeliveryId(webhookId: number): string {
    const second = Math.floor(this.now() / 1000);
    return createHmac('md5', this.salt).update(`${webhookId}${second}`).digest('hex');
  }

  private async send(delivery: PreparedDelivery): Promise<DeliveryResult> {
    let answer = NO_ANSWER;
    let attempts = 0;
    while (attempts < delivery.maxAttempts) {
      if (attempts > 0) await delay(backoffMs(attempts - 1, RETRY_BACKOFF_CAP_MS));
      attempts++;
      answer = await postOnce(delivery.url, delivery.headers, delivery.body, delivery.timeoutMs, 'manual');
      if (answer.status >= 200 && answer.status < 300) break;
    }
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

/** One attempt, covering the whole exchange. */
async function postOnce(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
  redirect: RequestRedirect,
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: new Uint8Array(body),
      redirect,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read inside the timeout too, and reading frees the connection.
    return { status: res.status, body: await res.text() };
  } catch {
    return NO_ANSWER;
  }
}

/** Base64 HMAC-SHA256 of the exact body bytes, keyed with the webhook's secret. */
function signBody(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * The body as wp_json_encode writes it (PHP's json_encode without flags): "/" escaped as "\/" and everything
 * outside ASCII as \uXXXX, surrogate pairs included. Both occur only inside strings, so escaping the text is safe.
 * The signature covers these bytes, not a re-serialisation of the parsed JSON.
 */
function phpJsonEncode(payload: unknown): string {
  const text = JSON.stringify(payload);
  if (text === undefined) throw new TypeError('the payload has no JSON form; pass rawBody to send raw bytes');
  return text
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Money: decimal strings on the wire, integer minor units inside, never a float in between (except `price`, which
// WooCommerce itself computes as a float).

/** Minor-unit digits (USD 2, JPY 0, KWD 3) from the runtime's ISO 4217 data; also refuses a malformed code. */
function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** The symbol as the REST API shows it (HTML entities decoded): "$", "€", "¥". */
function currencySymbol(currency: string): string {
  const parts = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
  return parts.formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency;
}

function parseMinor(amount: string, digits: number): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) throw new RangeError(`price ${JSON.stringify(amount)} is not a decimal string like "12.99"`);
  const [, whole = '0', fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > digits)
    throw new RangeError(`price ${amount} has more than ${digits} decimals`);
  const units = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || '0');
  if (!Number.isSafeInteger(units)) throw new RangeError(`price ${amount} is too large`);
  return units;
}

/** wc_format_decimal with the store's price decimals (the currency's, here). */
function formatMinor(units: number, digits: number): string {
  const text = String(Math.abs(units)).padStart(digits + 1, '0');
  const sign = units < 0 ? '-' : '';
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** units × basisPoints / 10 000, rounded half up, in integers only. */
function ofBasisPoints(units: number, basisPoints: number): number {
  const scaled = units * basisPoints;
  const remainder = scaled % 10_000;
  return (scaled - remainder) / 10_000 + (remainder * 2 >= 10_000 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

const MAX_ORDERS_PER_RUN = 1_000_000;
const MAX_LINES_PER_ORDER = 100;
const RUN_SLOTS = 1_000;

interface StoreContext {
  seed: number;
  storeUrl: string;
  /** home_url('/'): the store's address with a trailing slash, as X-WC-Webhook-Source carries it. */
  homeUrl: string;
  version: string;
  currency: string;
  digits: number;
  /** The WordPress time zone, a fixed offset (no DST) so the output stays stable. */
  utcOffsetMinutes: number;
  /** Picks this run's id block, so a rerun does not reuse the last run's order ids. */
  runSlot: number;
  /** date_created of order 0, whole seconds, fixed at creation so makeOrder(i) is the same every time. */
  epochMs: number;
  /** Order keys are random per store; fixed per instance so makeOrder(i) is stable. */
  keySalt: string;
}

function newStoreContext(opts: WooCommerceSimOptions): StoreContext {
  const storeUrl = opts.storeUrl.replace(/\/+$/, '');
  const currency = opts.currency ?? 'USD';
  return {
    seed: opts.seed ?? 1,
    storeUrl,
    homeUrl: `${storeUrl}/`,
    version: opts.wooCommerceVersion ?? DEFAULT_WC_VERSION,
    currency,
    digits: minorDigits(currency),
    utcOffsetMinutes: -5 * 60,
    runSlot: randomInt(RUN_SLOTS),
    epochMs: Math.floor((opts.now ?? Date.now)() / 1000) * 1000,
    keySalt: randomBytes(8).toString('hex'),
  };
}

const ids = {
  order: (s: StoreContext, i: number) => 10_000 + s.runSlot * MAX_ORDERS_PER_RUN + i,
  customer: (s: StoreContext, i: number) => 100 + (i % 5_000),
  line: (s: StoreContext, i: number, index: number) =>
    (s.runSlot * MAX_ORDERS_PER_RUN + i) * MAX_LINES_PER_ORDER + index + 1,
};

/** WooCommerce's date format: no offset, whole seconds. */
function wcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function localDate(ms: number, offsetMinutes: number): string {
  return wcDate(ms + offsetMinutes * 60_000);
}

interface Destination {
  address_1: string;
  city: string;
  state: string;
  postcode: string;
  /** Sales tax in basis points; 0 where the state has none, to exercise an order without tax lines. */
  taxBp: number;
  rateId: number;
}

/** Diacritics on purpose: PHP's json_encode writes them as \u escapes, which the signature covers. */
const FIRST_NAMES = ['Zoë', 'José', 'Ada', 'Chloé', 'Søren', 'Grace', 'Linus', 'Margaret'] as const;
const LAST_NAMES = [
  'Müller',
  'Lovelace',
  'Núñez',
  'Hopper',
  'Brontë',
  'Turing',
  'Ødegaard',
  'Hamilton',
] as const;
const DESTINATIONS: readonly Destination[] = [
  {
    address_1: '2950 Mission St',
    city: 'San Francisco',
    state: 'CA',
    postcode: '94110',
    taxBp: 725,
    rateId: 1,
  },
  { address_1: '18 W 29th St', city: 'New York', state: 'NY', postcode: '10001', taxBp: 400, rateId: 2 },
  { address_1: '1100 Congress Ave', city: 'Austin', state: 'TX', postcode: '78701', taxBp: 625, rateId: 3 },
  { address_1: '1221 SW 4th Ave', city: 'Portland', state: 'OR', postcode: '97204', taxBp: 0, rateId: 4 },
];
const COUPON = { code: 'welcome10', basisPoints: 1_000, nominal: 10 } as const;
/** In minor units of whatever the currency is: a simulator needs plausible amounts, not exchange rates. */
const SHIPPING = { flatUnits: 599, freeFromUnits: 7_500 } as const;

interface Buyer {
  customerId: number;
  billing: WooBilling;
  shipping: WooAddress;
  destination: Destination;
}

/** One line's money in minor units, excluding tax: total = subtotal − discount; tax on each. */
interface PricedLine {
  item: WooOrderItem;
  quantity: number;
  subtotal: number;
  total: number;
  subtotalTax: number;
  totalTax: number;
}

function buildOrder(
  store: StoreContext,
  i: number,
  items: WooOrderItem[],
  quantities: number[] | undefined,
): WooOrder {
  checkOrderInput(i, items);
  const random = seededRandom(deriveSeed(store.seed, i));
  const buyer = pickBuyer(random, store, i);
  const discountBp = random() < 1 / 3 ? COUPON.basisPoints : 0;
  const counts = resolveQuantities(store, i, items.length, quantities);
  const lines = items.map((item, index) =>
    priceLine(store, item, counts[index] ?? 1, discountBp, buyer.destination.taxBp),
  );
  const createdMs = store.epochMs + i * 1_000;
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

function checkOrderInput(i: number, items: WooOrderItem[]): void {
  if (!Number.isInteger(i) || i < 0 || i >= MAX_ORDERS_PER_RUN) {
    throw new RangeError(`i must be an integer from 0 to ${MAX_ORDERS_PER_RUN - 1}`);
  }
  if (items.length === 0 || items.length > MAX_LINES_PER_ORDER) {
    throw new RangeError(`an order has 1 to ${MAX_LINES_PER_ORDER} items`);
  }
}

/** Given quantities win; the rest (1–3 each) come from their own stream, so they never shift the other fields. */
function resolveQuantities(store: StoreContext, i: number, count: number, given: number[] = []): number[] {
  const random = seededRandom(deriveSeed(store.seed, `quantities:${i}`));
  return Array.from({ length: count }, (_, index) => {
    const drawn = 1 + Math.floor(random() * 3);
    return positiveInteger(given[index] ?? drawn, `quantities[${index}]`);
  });
}

function pickBuyer(random: () => number, store: StoreContext, i: number): Buyer {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const destination = pick(random, DESTINATIONS);
  // 555-01xx: numbers reserved for fictional use.
  const phone = `(555) 555-01${String(Math.floor(random() * 100)).padStart(2, '0')}`;
  const address_2 = random() < 0.3 ? `Apt ${1 + Math.floor(random() * 40)}` : '';
  const guest = random() < 0.4;
  const { address_1, city, state, postcode } = destination;
  const where = { company: '', address_1, address_2, city, state, postcode, country: 'US' };
  const person = { first_name: first, last_name: last };
  return {
    customerId: guest ? 0 : ids.customer(store, i),
    billing: { ...person, ...where, email: `${ascii(first)}.${ascii(last)}@example.com`, phone },
    // The shipping phone is optional at checkout; left empty now and then.
    shipping: { ...person, ...where, phone: random() < 0.5 ? phone : '' },
    destination,
  };
}

function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function priceLine(
  store: StoreContext,
  item: WooOrderItem,
  quantity: number,
  discountBp: number,
  taxBp: number,
): PricedLine {
  const subtotal = parseMinor(item.price, store.digits) * quantity;
  const total = subtotal - ofBasisPoints(subtotal, discountBp);
  return {
    item,
    quantity,
    subtotal,
    total,
    subtotalTax: ofBasisPoints(subtotal, taxBp),
    totalTax: ofBasisPoints(total, taxBp),
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
    ? [{ id: destination.rateId, total: text(line.totalTax), subtotal: text(line.subtotalTax) }]
    : [];
  return {
    id: ids.line(store, i, index),
    name,
    product_id: line.item.productId,
    variation_id: line.item.variationId ?? 0,
    quantity: line.quantity,
    tax_class: '',
    subtotal: text(line.subtotal),
    subtotal_tax: text(line.subtotalTax),
    total: text(line.total),
    total_tax: text(line.totalTax),
    taxes,
    meta_data: [],
    sku: line.item.sku,
    // PHP's division of the stored total by the quantity: a float, and after the discount.
    price: Number(text(line.total)) / line.quantity,
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
  const sum = (field: 'subtotal' | 'total' | 'subtotalTax' | 'totalTax') =>
    lines.reduce((acc, line) => acc + line[field], 0);
  const discount = sum('subtotal') - sum('total');
  const discountTax = sum('subtotalTax') - sum('totalTax');
  const shipping = sum('total') >= SHIPPING.freeFromUnits ? 0 : SHIPPING.flatUnits;
  const tax = sum('totalTax');
  return {
    discount_total: text(discount),
    discount_tax: text(discountTax),
    shipping_total: text(shipping),
    shipping_tax: text(0),
    cart_tax: text(tax),
    total: text(sum('total') + shipping + tax),
    total_tax: text(tax),
    tax_lines: destination.taxBp ? [taxLine(store, i, destination, tax)] : [],
    shipping_lines: [shippingLine(store, i, shipping)],
    coupon_lines: discountBp ? [couponLine(store, i, discount, discountTax)] : [],
  };
}

function taxLine(store: StoreContext, i: number, destination: Destination, units: number): WooTaxLine {
  return {
    id: ids.line(store, i, MAX_LINES_PER_ORDER - 3),
    rate_code: `US-${destination.state}-STATE TAX-1`,
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
  if (!Number.isFinite(laterMs) || laterMs <= 0) throw new RangeError('laterMs must be a positive number');
  const previous = Date.parse(`${order.date_modified_gmt}Z`);
  if (Number.isNaN(previous))
    throw new RangeError(`date_modified_gmt ${order.date_modified_gmt} is not a date`);
  const modifiedMs = previous + Math.ceil(laterMs / 1_000) * 1_000;
  const dates = {
    date_modified: localDate(modifiedMs, offsetMinutes),
    date_modified_gmt: wcDate(modifiedMs),
  };
  return structuredClone({ ...order, ...changes, ...dates });
}
