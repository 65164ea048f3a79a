import type { ChannelId } from '../../../domain/ids.ts';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../../sim/shared.ts';
import { createWooCommerceSim, type WooCommerceSim, type WooRest } from '../../../../sim/woocommerce.ts';
import type { SalesChannel } from '../sales-channel.ts';
import { woocommerce } from './index.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SECRET = `cs_${'2'.repeat(40)}`;
const WEBHOOK_SECRET = 'woo-webhook-secret-0123456789';
const ITEMS = [{ sku: 'MUG-BLUE', productId: 41, price: '12.99' }];

let shop: WooCommerceSim;
let api: WooRest;
let hub: Server;
let hubUrl: string;
let KEY: string;
const run = { signal: AbortSignal.timeout(20_000), now: new Date('2025-11-03T15:00:00Z') };

beforeEach(async () => {
  KEY = `ck_${randomBytes(20).toString('hex')}`;
  // A hub that is down: every delivery answers 503.
  hub = createServer((_req, res) => res.writeHead(503).end());
  hubUrl = `http://127.0.0.1:${await listen(hub)}/webhooks/woocommerce/woo_1`;
  shop = createWooCommerceSim({
    storeUrl: 'https://shop.example.com',
    webhookUrl: hubUrl,
    secret: WEBHOOK_SECRET,
    seed: 3,
  });
  api = await shop.startRest({ consumerKey: KEY, consumerSecret: SECRET });
});
afterEach(async () => {
  await api.close();
  await closeServer(hub);
});

function channel(withKeys = true): SalesChannel {
  const secrets = withKeys
    ? { webhookSecret: WEBHOOK_SECRET, consumerKey: KEY, consumerSecret: SECRET }
    : { webhookSecret: WEBHOOK_SECRET };
  return woocommerce.open(TEST_CHANNEL, { storeUrl: api.url }, secrets);
}

describe('woocommerce.webhookHealth against the simulated store', () => {
  it('reports a webhook WooCommerce disabled after failed deliveries, an active one, and a topic with none', async () => {
    // The 7th failure in a row disables order.updated; order.created stays active.
    const order = shop.makeOrder(1, ITEMS);
    for (let i = 0; i < 7; i++) await shop.deliver('order.updated', shop.updateOf(order, (i + 1) * 1_000));
    shop.reactivate('order.created');
    expect(shop.webhook('order.updated').disabled).toBe(true);

    const health = await channel().webhookHealth!({ ...run, deliveryUrl: hubUrl });
    expect(health).toEqual([
      { topic: 'order.created', status: 'active', id: String(shop.webhook('order.created').id) },
      { topic: 'order.updated', status: 'disabled', id: String(shop.webhook('order.updated').id) },
      { topic: 'order.deleted', status: 'missing', id: null },
    ]);
    const query = new URLSearchParams(api.calls.at(-1)!.query);
    expect([query.get('status'), query.get('per_page')]).toEqual(['all', '100']);
  });

  it('reports a paused webhook, and hooks that deliver elsewhere as missing', async () => {
    shop.pause('order.deleted');
    shop.reactivate('order.created');
    const health = await channel().webhookHealth!({ ...run, deliveryUrl: hubUrl });
    expect(health.map((h) => [h.topic, h.status])).toEqual([
      ['order.created', 'active'],
      ['order.updated', 'missing'],
      ['order.deleted', 'paused'],
    ]);
    const elsewhere = await channel().webhookHealth!({
      ...run,
      deliveryUrl: 'https://hub.example.com/webhooks/woocommerce/woo_1',
    });
    expect(elsewhere.every((h) => h.status === 'missing' && h.id === null)).toBe(true);
  });

  it('a store without a key pair is not asked', () => {
    expect(channel(false).webhookHealth).toBeUndefined();
  });

  it('order.deleted carries no order: ignored, the catch-up poll reads the status', () => {
    expect(
      woocommerce.webhook!.interpret(
        'woo_1' as never,
        'order.deleted',
        { id: 4750 },
        { storeUrl: 'https://shop.example' },
      ),
    ).toEqual({ kind: 'ignored', reason: "order.deleted: the catch-up poll reads the order's status" });
  });
});
