import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { channelKind } from '../../../src/connectors/channels/channel-adapter.ts';
import { failedConnection } from '../../../src/connectors/shared/connection-test.ts';
import { answeredWith } from '../../../src/connectors/shared/http-failure.ts';
import type { CurrencyCode } from '../../../src/domain/money.ts';
import type { ChannelId, Sku } from '../../../src/domain/ids.ts';
import type { OrderMessage } from '../../../src/connectors/channels/sales-channel.ts';

/**
 * A channel kind that Waybill does not ship, written as a new adapter would be: this folder, and one line where the
 * hub's registry is built (the test's `salesChannels.with(exampleMarket)`). Nothing else in Waybill knows of it; the
 * setup document, the webhook route, the connection test and the order intake come from what it declares here.
 *
 * Its wire format: orders pushed as JSON, signed with a hex HMAC-SHA256 of the body in X-Example-Signature; an
 * account endpoint (GET {apiUrl}/account with a bearer key) to test the connection.
 */
const config = z.object({
  apiUrl: z.url({ protocol: /^https?$/ }),
  region: z.enum(['eu', 'us']).default('eu'),
});
const secrets = z.object({
  webhookSecret: z.string().min(16, 'must be at least 16 characters'),
  apiKey: z.string().min(8),
});

const order = z.object({
  id: z.string().min(1),
  placed: z.iso.datetime(),
  currency: z.string().length(3),
  buyer: z.object({ email: z.email(), name: z.string() }),
  shipTo: z.object({
    name: z.string(),
    street: z.string(),
    city: z.string(),
    zip: z.string(),
    country: z.string().length(2),
  }),
  items: z
    .array(
      z.object({
        sku: z.string(),
        qty: z.number().int().positive(),
        priceCents: z.number().int().nonnegative(),
      }),
    )
    .min(1),
});

type ExampleOrder = z.infer<typeof order>;

/** Calls the market's API with the key: the parsed JSON answer, or an error the job worker classifies. */
async function call(apiUrl: string, apiKey: string, path: string, signal: AbortSignal, body?: unknown) {
  const response = await fetch(`${apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!response.ok)
    throw answeredWith(new Error(`${apiUrl}${path} answered ${response.status}`), response.status);
  return (await response.json()) as unknown;
}

const refund = z.object({
  id: z.string(),
  orderId: z.string(),
  at: z.iso.datetime(),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })),
  cents: z.number().int().nonnegative(),
  currency: z.string().length(3),
});

const report = z.object({
  id: z.string(),
  status: z.enum(['processing', 'done']),
  rejected: z.array(z.object({ sku: z.string(), why: z.string() })),
});

export const exampleMarket = channelKind({
  kind: 'example-market',
  label: 'Example Market',
  config,
  secrets,
  // Orders also by polling (an hour apart: its notifications wake the poll sooner); stock as uploads the market
  // processes later, with a report per upload.
  create: (settings, keys, { id }) => ({
    notifyFulfilment: async () => undefined,
    pollEveryMs: 60 * 60_000,
    pollOrders: async (_query, { signal }) => {
      const listed = z.array(z.unknown()).parse(await call(settings.apiUrl, keys.apiKey, '/orders', signal));
      const refunds = z.array(refund).parse(await call(settings.apiUrl, keys.apiKey, '/refunds', signal));
      const orders: OrderMessage[] = [];
      const refused: { externalId: string; reason: string }[] = [];
      // An order that does not read as documented is passed over, named, instead of stopping the whole poll.
      for (const item of listed) {
        const read = order.safeParse(item);
        if (read.success) orders.push(toMessage(id, read.data));
        else
          refused.push({
            externalId: String((item as { id?: unknown }).id),
            reason: `${read.error.issues[0]?.path.join('.')}: ${read.error.issues[0]?.message}`,
          });
      }
      return {
        orders,
        refused,
        refunds: refunds.map((r) => ({
          kind: 'refund' as const,
          externalOrderId: r.orderId,
          refundId: r.id,
          createdAt: new Date(r.at),
          lines: r.items.map((i) => ({ channelLineId: null, sku: i.sku, quantity: i.qty })),
          amount: { amount: r.cents, currency: r.currency as CurrencyCode },
        })),
        next: null,
      };
    },
    maxStockBatch: 2,
    pushStock: async (levels, { signal }) => {
      const { id: reportId } = z
        .object({ id: z.string() })
        .parse(await call(settings.apiUrl, keys.apiKey, '/stock', signal, { levels }));
      return { skipped: [], pending: [{ reportId, skus: levels.map((l) => l.sku) }] };
    },
    stockReports: async (pending, { signal }) => {
      const reportIds = pending.map((r) => r.reportId);
      const reports = z
        .array(report)
        .parse(await call(settings.apiUrl, keys.apiKey, `/reports?ids=${reportIds.join(',')}`, signal));
      return reports.map((r) => ({
        reportId: r.id,
        status: r.status === 'done' ? ('done' as const) : ('pending' as const),
        skipped: r.rejected.map((x) => ({ sku: x.sku, reason: x.why })),
      }));
    },
  }),
  test: async (settings, keys, { signal }) => {
    try {
      const response = await fetch(`${settings.apiUrl}/account`, {
        headers: { authorization: `Bearer ${keys.apiKey}` },
        signal,
      });
      if (!response.ok)
        throw answeredWith(
          new Error(`${settings.apiUrl}/account answered ${response.status}`),
          response.status,
        );
      return { ok: true, detail: `account ${((await response.json()) as { name: string }).name}` };
    } catch (error) {
      return failedConnection(error);
    }
  },
  webhook: {
    summary: 'Example Market order webhooks, verified with X-Example-Signature',
    description:
      'A channel kind the tests add to show that a new adapter is its folder and one registry line.',
    headers: { signature: 'x-example-signature', deliveryId: 'x-example-delivery', topic: 'x-example-topic' },
    signingSecrets: (keys) => [keys.webhookSecret],
    isSigned: (raw, signature, signing) => {
      const given = Buffer.from(signature ?? '', 'hex');
      const expected = createHmac('sha256', signing[0] ?? '')
        .update(raw)
        .digest();
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    triggeredAt: () => null,
    inboxId: (deliveryId) => deliveryId,
    nudges: [
      {
        path: 'notifications',
        summary: 'Example Market change notifications: they wake the order poll',
        description: 'Signed like the order webhooks; the body names the order that changed.',
        accepts: (payload) => typeof payload === 'object' && payload !== null && 'orderId' in payload,
        invalid: 'a notification names the order that changed in orderId',
        wakes: 'order-poll',
      },
    ],
    interpret: (channelId, topic, payload) => {
      if (topic !== 'order.placed') return { kind: 'ignored', reason: `topic ${topic} is not handled` };
      return toMessage(channelId, order.parse(payload));
    },
  },
});

function toMessage(channelId: ChannelId, o: ExampleOrder): OrderMessage {
  const currency = o.currency as CurrencyCode;
  return {
    kind: 'order',
    sourceUpdatedAt: new Date(o.placed),
    cancelled: false,
    awaitingPayment: false,
    incoming: {
      channelId,
      externalId: o.id,
      placedAt: new Date(o.placed),
      currency,
      customer: o.buyer,
      shippingAddress: {
        name: o.shipTo.name,
        line1: o.shipTo.street,
        city: o.shipTo.city,
        postalCode: o.shipTo.zip,
        country: o.shipTo.country,
      },
      lines: o.items.map((item) => ({
        sku: item.sku as Sku,
        quantity: item.qty,
        unitPrice: { amount: item.priceCents, currency },
      })),
    },
  };
}

/** How the example market signs a delivery. */
export function signExample(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
