import { z } from 'zod';
import type { ChannelId, Sku } from '../domain/ids.ts';
import { money, type Money } from '../domain/money.ts';
import type { OrderMessage, RefundMessage } from '../connectors/channels/sales-channel.ts';

/** The inbox topic of an order found by the catch-up poll: its payload is the order as Waybill reads it. */
export const POLLED_TOPIC = 'waybill/polled-order';
/** The inbox topic of a refund made at the channel that the poll found (a channel without refund webhooks). */
export const POLLED_REFUND_TOPIC = 'waybill/polled-refund';
/** The inbox topic of an order the poll found but the channel's adapter could not read: never taken in, reported. */
export const POLLED_REFUSED_TOPIC = 'waybill/polled-refused';

// JSON turned each Money into a plain object and each date into a string: read back into their types.
const storedMoney = z
  .object({ amount: z.number().int(), currency: z.string() })
  .transform((m): Money => money(m.amount, m.currency));
const taxLine = z.object({
  title: z.string(),
  rate: z.string().nullable(),
  id: z.string().nullish(),
  amount: storedMoney,
});
const lineCharges = z.object({
  subtotal: storedMoney,
  discount: storedMoney,
  taxes: z.array(taxLine),
  total: storedMoney,
});
const orderCharges = z.object({
  taxesIncluded: z.boolean(),
  shipping: z.array(
    z.object({ title: z.string(), price: storedMoney, discount: storedMoney, taxes: z.array(taxLine) }),
  ),
  fees: z.array(z.object({ title: z.string(), amount: storedMoney, taxes: z.array(taxLine) })),
  discounts: storedMoney,
  taxTotal: storedMoney,
  total: storedMoney,
  presentment: z.object({ currency: z.string(), total: storedMoney }).nullable(),
});

const polledOrder = z.object({
  kind: z.literal('order'),
  sourceUpdatedAt: z.coerce.date(),
  cancelled: z.boolean(),
  awaitingPayment: z.boolean(),
  hold: z.string().optional(),
  incoming: z.object({
    channelId: z.string(),
    externalId: z.string(),
    placedAt: z.coerce.date(),
    currency: z.string(),
    customer: z.object({ email: z.string(), name: z.string().optional(), phone: z.string().optional() }),
    shippingAddress: z.object({
      name: z.string(),
      line1: z.string(),
      line2: z.string().optional(),
      city: z.string(),
      region: z.string().optional(),
      postalCode: z.string(),
      country: z.string(),
      phone: z.string().optional(),
    }),
    lines: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number().int().positive(),
        unitPrice: storedMoney,
        channelLineId: z.string().optional(),
        title: z.string().optional(),
        requiresShipping: z.boolean().optional(),
        charges: lineCharges.optional(),
      }),
    ),
    charges: orderCharges.optional(),
  }),
});

/** An inbox entry the poll stored, read back. */
export function readPolledOrder(channelId: string, payload: unknown): OrderMessage {
  const m = polledOrder.parse(payload);
  const { incoming } = m;
  return {
    ...m,
    incoming: {
      ...incoming,
      channelId: channelId as ChannelId,
      currency: money(0, incoming.currency).currency,
      lines: incoming.lines.map((l) => ({ ...l, sku: l.sku as Sku })),
      charges: incoming.charges && {
        ...incoming.charges,
        presentment: incoming.charges.presentment && {
          currency: incoming.charges.presentment.total.currency,
          total: incoming.charges.presentment.total,
        },
      },
    },
  };
}

const polledRefund = z.object({
  kind: z.literal('refund'),
  externalOrderId: z.string(),
  refundId: z.string(),
  createdAt: z.coerce.date(),
  lines: z.array(
    z.object({
      channelLineId: z.string().nullable(),
      sku: z.string(),
      quantity: z.number().int().positive(),
    }),
  ),
  amount: storedMoney,
});

/** A refund the poll stored, read back. */
export function readPolledRefund(payload: unknown): RefundMessage {
  return polledRefund.parse(payload);
}

/** Why a refused order the poll stored can never be taken in, to dead-letter its processing with. */
export function refusedOrderReason(payload: unknown): string {
  const refused = z.object({ externalId: z.string(), reason: z.string() }).parse(payload);
  return `order ${refused.externalId} cannot be read: ${refused.reason}`;
}
