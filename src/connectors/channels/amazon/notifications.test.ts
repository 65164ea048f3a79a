import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAmazonSim, type AmazonSim } from '../../../../sim/amazon.ts';
import { closeServer, listen, readBody } from '../../../../sim/shared.ts';
import { amazonNotifications, orderChangeOf, sameKey } from './notifications.ts';

const KEY = 'eventbridge-api-key-0000000000000001';
const sims: AmazonSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

/** What the simulated seller's EventBridge API destination POSTs for one order's change, as received. */
async function forwarded(): Promise<{ body: unknown; apiKey: string | undefined; orderId: string }> {
  const sim = await startAmazonSim({
    clientId: 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef',
    clientSecret: 'amzn1.oa2-cs.v1.notifications-secret-0001',
    refreshToken: 'Atzr|notifications-refresh-token-0001',
  });
  sims.push(sim);
  const order = sim.makeOrder(1, [{ sku: 'MUG-BLUE', price: '12.99' }], { buyerCancel: true });
  let received: { body: unknown; apiKey: string | undefined } | undefined;
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      received = {
        body: JSON.parse(raw.toString('utf8')),
        apiKey: req.headers['x-api-key'] as string | undefined,
      };
      res.writeHead(200).end();
    });
  });
  const port = await listen(server);
  try {
    expect(await sim.sendOrderChange(`http://127.0.0.1:${port}/order-change`, KEY, order.orderId)).toBe(200);
  } finally {
    await closeServer(server);
  }
  return { ...received!, orderId: order.orderId };
}

describe('ORDER_CHANGE notifications through an EventBridge API destination', () => {
  it('reads the notification in the event EventBridge forwards, or passed on alone', async () => {
    const { body, orderId } = await forwarded();
    expect(orderChangeOf(body)?.Payload.OrderChangeNotification.AmazonOrderId).toBe(orderId);
    const detail = (body as { detail: unknown }).detail;
    expect(orderChangeOf(detail)?.Payload.OrderChangeNotification.AmazonOrderId).toBe(orderId);
    const [nudge] = amazonNotifications.nudges!;
    expect(nudge!.wakes).toBe('order-poll');
    expect(nudge!.accepts(body)).toBe(true);
    expect(nudge!.accepts({ detail: { NotificationType: 'ANY_OFFER_CHANGED' } })).toBe(false);
  });

  it('takes the API key the destination sends, compared in constant time, and no other', async () => {
    const { apiKey } = await forwarded();
    const keys = amazonNotifications.signingSecrets({
      clientId: 'amzn1.application-oa2-client.x',
      clientSecret: 'amzn1.oa2-cs.v1.0000000000',
      refreshToken: 'Atzr|0000000000000000',
      notificationApiKey: KEY,
    });
    expect(amazonNotifications.isSigned(Buffer.from('{}'), apiKey, keys)).toBe(true);
    expect(sameKey(`${KEY}x`, keys)).toBe(false);
    expect(sameKey(undefined, keys)).toBe(false);
    // A channel without a key takes no notification at all.
    expect(sameKey(KEY, [])).toBe(false);
  });
});
