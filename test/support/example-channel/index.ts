import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { channelKind } from '../../../src/connectors/channels/channel-adapter.ts';
import { failedConnection } from '../../../src/connectors/shared/connection-test.ts';
import { answeredWith } from '../../../src/connectors/shared/http-failure.ts';
import type { CurrencyCode } from '../../../src/domain/money.ts';
import type { Sku } from '../../../src/domain/ids.ts';

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

export const exampleMarket = channelKind({
  kind: 'example-market',
  label: 'Example Market',
  config,
  secrets,
  create: () => ({ notifyFulfilment: async () => undefined }),
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
    interpret: (channelId, topic, payload) => {
      if (topic !== 'order.placed') return { kind: 'ignored', reason: `topic ${topic} is not handled` };
      const o = order.parse(payload);
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
    },
  },
});

/** How the example market signs a delivery. */
export function signExample(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
