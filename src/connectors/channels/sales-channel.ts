import type { ChannelId } from '../../domain/ids.ts';
import type { IncomingOrder } from '../../domain/order.ts';
import type { z } from 'zod';

/** A shipment, told to the channel the order came from. */
export interface FulfilmentNotice {
  /** Stable per shipment: the channel's idempotency key. */
  eventId: string;
  orderId: string;
  externalId: string;
  orderState: string;
  createdAt: Date;
  shipment: { id: string; carrier: string; trackingNumber: string; lines: { sku: string; quantity: number }[] };
}

/**
 * What Waybill tells a sales channel. Orders come in through each channel's own HTTP routes (http/); this is the
 * outbound half. Must be safe to repeat: `eventId` is the idempotency key.
 *
 * @example
 * await storefront.create({ notifyUrl }, { notifySecret }).notifyFulfilment(notice, { signal, now });
 */
export interface SalesChannel {
  notifyFulfilment(notice: FulfilmentNotice, options: { signal: AbortSignal; now: Date }): Promise<void>;
  /**
   * Sets the channel's sellable quantity of these SKUs (already coalesced: one value per SKU). Absent when the
   * channel kind does not take stock from Waybill yet. `batchKey` is the same when the same batch is sent again
   * (the idempotency key); `maxStockBatch` is the most SKUs one call may carry. SKUs the channel could not take
   * are reported in the outcome instead of failing the others.
   */
  pushStock?(levels: readonly StockUpdate[], options: { signal: AbortSignal; now: Date; batchKey: string }): Promise<StockPushOutcome | void>;
  readonly maxStockBatch?: number;
}

export interface StockUpdate {
  sku: string;
  available: number;
}

/** What a push left undone: the rest of its levels were set. */
export interface StockPushOutcome {
  /** SKUs left as they were on the channel, each with why (the channel has no such SKU, say). */
  skipped: SkippedStock[];
}

export interface SkippedStock {
  sku: string;
  reason: string;
}

/** What a channel's webhook delivery means to Waybill, once verified and read. */
export type ChannelMessage =
  | { kind: 'order'; incoming: IncomingOrder; sourceUpdatedAt: Date; cancelled: boolean }
  | { kind: 'ignored'; reason: string };

export interface SalesChannelAdapter<C = unknown, S = unknown> {
  readonly kind: string;
  readonly config: z.ZodType<C>;
  readonly secrets: z.ZodType<S>;
  create(config: C, secrets: S): SalesChannel;
  /**
   * Reads a stored webhook delivery (channels that push webhooks). Pure: no I/O. Throws a ZodError naming the field
   * when the payload is not what the channel documents.
   */
  interpretWebhook?(channelId: ChannelId, topic: string, payload: unknown): ChannelMessage;
}
