import type { Money } from '../../domain/money.ts';
import type { FulfilmentRefusal } from '../../domain/fulfilment-request.ts';
import type { IncomingOrder } from '../../domain/order.ts';
import type { RefundShare } from '../../domain/refund-share.ts';

/** A shipment, told to the channel the order came from. */
export interface FulfilmentNotice {
  /** Stable per shipment: the channel's idempotency key. */
  eventId: string;
  orderId: string;
  externalId: string;
  orderState: string;
  createdAt: Date;
  shipment: {
    id: string;
    carrier: string;
    trackingNumber: string;
    lines: { sku: string; quantity: number }[];
  };
}

/**
 * What Waybill tells a sales channel: the outbound half (orders come in through the channel's webhooks, read by its
 * adapter's `webhook`, or through the operator API). Must be safe to repeat: `eventId` is the idempotency key.
 *
 * @example
 * await storefront.create({ notifyUrl, timeoutMs: 5000 }, { notifySecret }, { id }).notifyFulfilment(notice, { signal, now });
 */
export interface SalesChannel {
  notifyFulfilment(notice: FulfilmentNotice, options: { signal: AbortSignal; now: Date }): Promise<void>;
  /**
   * Sets the channel's sellable quantity of these SKUs (already coalesced: one value per SKU). Absent when the
   * channel kind does not take stock from Waybill yet. `batchKey` is the same when the same batch is sent again
   * (the idempotency key); `maxStockBatch` is the most SKUs one call may carry. SKUs the channel could not take
   * are reported in the outcome instead of failing the others.
   */
  pushStock?(
    levels: readonly StockUpdate[],
    options: { signal: AbortSignal; now: Date; batchKey: string },
  ): Promise<StockPushOutcome | void>;
  readonly maxStockBatch?: number;
  /**
   * How many pushStock batches may be in flight at once (default 1): for platforms whose batches are small (eBay's 25
   * SKUs) and whose limits allow calls side by side. The adapter still keeps to the platform's rate limits itself.
   */
  readonly stockPushesInFlight?: number;
  /**
   * What became of pushes the platform took to process later (`StockPushOutcome.pending`, Amazon's listings feeds),
   * asked again until each is done, each with the SKUs it carried (a platform that aborts a whole submission may not
   * name them). SKUs a done report rejected are reported and pushed again by a later pass.
   */
  stockReports?(
    reports: readonly { reportId: string; skus: readonly string[] }[],
    options: { signal: AbortSignal; now: Date },
  ): Promise<StockReport[]>;
  /**
   * Sets the channel's selling price of these SKUs (one value per SKU, in the channel's currency). Same contract as
   * pushStock: safe to repeat, SKUs the channel could not take reported in the outcome. Absent when not supported.
   */
  pushPrices?(
    prices: readonly PriceUpdate[],
    options: { signal: AbortSignal; now: Date; batchKey: string },
  ): Promise<StockPushOutcome | void>;
  readonly maxPriceBatch?: number;
  /**
   * Refunds lines of an order at the channel (lines Waybill cancelled: no stock, cancelled at a supplier) and tells
   * the customer why. Safe to repeat: `refundId` is the idempotency key, and a refund the channel already holds
   * under it is not made twice. Absent when the channel kind cannot refund. A channel whose poll reports the refunds
   * made at it by the channel's own id (`OrderPage.refunds`), and that keeps no key of Waybill's on a refund (eBay),
   * answers that id: Waybill records its refund under it, so the poll finding it applies nothing twice.
   */
  refund?(notice: RefundNotice, options: { signal: AbortSignal; now: Date }): Promise<RefundMade | void>;
  /**
   * One page of the orders changed at the channel since `updatedAfter` (oldest change first), for the catch-up poll
   * that finds orders whose webhooks never came. `cursor` is what the previous page returned as `next` (null for the
   * first page); `next` is null on the last page.
   */
  pollOrders?(
    query: { updatedAfter: Date; cursor: string | null },
    options: { signal: AbortSignal; now: Date },
  ): Promise<OrderPage>;
  /**
   * How often the catch-up poll asks this channel for changed orders (default five minutes). A channel whose orders
   * come only by polling (no webhooks: Amazon, eBay, Magento) sets it short: the poll is its intake.
   */
  readonly pollEveryMs?: number;
  /** The channel's webhook subscriptions that point at Waybill, so the operator hears when one is disabled or gone. */
  webhookHealth?(options: { signal: AbortSignal; now: Date; deliveryUrl: string }): Promise<WebhookHealth[]>;
  /**
   * Registers Waybill as the channel's fulfilment service (Shopify's fulfillmentServiceCreate), so that the
   * channel asks Waybill to ship what is assigned to it. Safe to repeat: a service of the same name is reused, its
   * callback moved to `callbackUrl` if it changed. Absent when the channel does not use Waybill as one.
   */
  registerFulfilmentService?(options: {
    signal: AbortSignal;
    now: Date;
    callbackUrl: string;
  }): Promise<FulfilmentService>;
  /** The channel's open requests to Waybill as its fulfilment service (to ship, to cancel), oldest first. */
  fulfilmentRequests?(options: { signal: AbortSignal; now: Date }): Promise<FulfilmentRequest[]>;
  /** Accepts or rejects one request. A request already answered is no longer listed, so a retry answers none twice. */
  answerFulfilmentRequest?(
    request: FulfilmentRequest,
    answer: FulfilmentAnswer,
    options: { signal: AbortSignal; now: Date },
  ): Promise<void>;
}

/** Waybill as a channel's fulfilment service: the channel's ids of it and of the location it ships from. */
export interface FulfilmentService {
  id: string;
  name: string;
  locationId: string;
  callbackUrl: string;
}

/** The channel asks Waybill to ship these lines of an order, or to cancel them. */
export interface FulfilmentRequest {
  kind: 'fulfilment' | 'cancellation';
  /** The channel's id of what is asked (Shopify: the fulfillment order). */
  id: string;
  externalOrderId: string;
  /** The channel's lines: `id` is the channel's own, SKUs are trimmed. */
  lines: { id: string; sku: string; quantity: number }[];
}

export type FulfilmentAnswer =
  | { accept: true; message: string }
  /** `lines`: the channel's line ids that cannot be shipped, each with why. */
  | { accept: false; reason: FulfilmentRefusal; message: string; lines: { id: string; message: string }[] };

export interface PriceUpdate {
  sku: string;
  price: Money;
  /** The "was" price shown struck through; null clears it. */
  compareAtPrice: Money | null;
}

/** Lines to refund, told to the channel the order came from. */
export interface RefundNotice {
  /** Stable per refund: the channel's idempotency key. */
  refundId: string;
  orderId: string;
  externalId: string;
  /** Shown to the customer (and in the channel's admin): why these lines are refunded. */
  reason: string;
  /**
   * The units refunded of each line, and what the customer paid for them (`share`: after discounts, pro rata per
   * unit, taxes by the channel's tax id). The channel finds its line by `channelLineId` (a SKU may have changed or
   * gone with its product since the order); SKU only for orders taken in before lines carried their id.
   */
  lines: {
    lineNumber: number;
    channelLineId: string | null;
    sku: string;
    quantity: number;
    share: RefundShare;
  }[];
  /** What goes back to the customer: the sum of the lines' shares. */
  amount: Money;
  notifyCustomer: boolean;
}

/** The channel's own id of a refund Waybill made there, where its poll reports refunds by that id. */
export interface RefundMade {
  channelRefundId: string;
}

export interface OrderPage {
  orders: OrderMessage[];
  /** Refunds made at the channel that this page tells of (a channel whose refunds come only by polling: eBay). */
  refunds?: RefundMessage[];
  /**
   * Orders on this page that can never be read as the platform documents them, each with why: reported to the
   * operator and passed over, so that one bad order does not stop the channel's intake.
   */
  refused?: { externalId: string; reason: string }[];
  next: string | null;
}

export interface WebhookHealth {
  topic: string;
  /** `disabled`: the channel stopped delivering (WooCommerce after repeated failures); `missing`: none for this topic. */
  status: 'active' | 'paused' | 'disabled' | 'missing';
  /** The channel's own id of the subscription, for the operator. */
  id: string | null;
}

export interface StockUpdate {
  sku: string;
  available: number;
  /**
   * The level Waybill last told this channel of the SKU: what the channel should still hold unless something else
   * changed it (a sale there, the merchant's edit). Null or absent: not known (never told). A channel that sets
   * stock by compare-and-set may compare with it instead of reading the level first.
   */
  told?: number | null;
}

/** What a push left undone: the rest of its levels were set, or were taken to be set later (`pending`). */
export interface StockPushOutcome {
  /** SKUs left as they were on the channel, each with why (the channel has no such SKU, say). */
  skipped: SkippedStock[];
  /**
   * Levels the platform took to apply later (a feed it processes in the background), by the platform's id of the
   * submission: Waybill asks `stockReports` what became of them until each is done.
   */
  pending?: { reportId: string; skus: string[] }[];
}

/** What the platform made of a pending push: still processing, or done with these SKUs rejected. */
export interface StockReport {
  reportId: string;
  status: 'pending' | 'done';
  /** Empty while pending. */
  skipped: SkippedStock[];
}

export interface SkippedStock {
  sku: string;
  reason: string;
}

/** What a channel's webhook delivery means to Waybill, once verified and read. */
export type ChannelMessage = OrderMessage | RefundMessage | { kind: 'ignored'; reason: string };

/** An order as the channel has it now: new, updated, cancelled. */
export interface OrderMessage {
  kind: 'order';
  incoming: IncomingOrder;
  /** The channel's last-modified time of the order: updates are applied newest-wins, whatever order they arrive in. */
  sourceUpdatedAt: Date;
  cancelled: boolean;
  /**
   * Not paid yet (Shopify financial_status pending/authorized-less; WooCommerce pending, on-hold): stock is held
   * but nothing is sent to suppliers until an update says it is paid.
   */
  awaitingPayment: boolean;
  /** Why nothing of the order may go to a supplier until a person decides (Shopify `expired`, `voided` payments). */
  hold?: string | undefined;
}

/** A refund made at the channel (Shopify refunds/create). */
export interface RefundMessage {
  kind: 'refund';
  externalOrderId: string;
  /** The channel's id of the refund: the same refund told twice is applied once. */
  refundId: string;
  createdAt: Date;
  /** Refunded quantities per line: the channel's line id where it gives one (a SKU can change with its product). */
  lines: { channelLineId: string | null; sku: string; quantity: number }[];
  amount: Money;
}
