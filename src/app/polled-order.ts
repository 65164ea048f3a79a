import { z } from 'zod';
import type { ChannelId, Sku } from '../domain/ids.ts';
import { money } from '../domain/money.ts';
import type { OrderMessage } from '../connectors/channels/sales-channel.ts';

/** The inbox topic of an order found by the catch-up poll: its payload is the order as Waybill reads it. */
export const POLLED_TOPIC = 'waybill/polled-order';

const polledOrder = z.object({
  kind: z.literal('order'),
  sourceUpdatedAt: z.coerce.date(),
  cancelled: z.boolean(),
  awaitingPayment: z.boolean(),
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
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive(), unitPrice: z.object({ amount: z.number().int(), currency: z.string() }) })),
  }),
});

/** An inbox entry the poll stored, read back (JSON turned the dates into strings). */
export function readPolledOrder(channelId: string, payload: unknown): OrderMessage {
  const m = polledOrder.parse(payload);
  const { incoming } = m;
  return {
    ...m,
    incoming: {
      ...incoming,
      channelId: channelId as ChannelId,
      currency: money(0, incoming.currency).currency,
      lines: incoming.lines.map((l) => ({ sku: l.sku as Sku, quantity: l.quantity, unitPrice: money(l.unitPrice.amount, l.unitPrice.currency) })),
    },
  };
}

