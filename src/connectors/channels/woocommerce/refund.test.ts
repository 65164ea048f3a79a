import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWooCommerceSim,
  type WooCommerceSim,
  type WooOrder,
  type WooRest,
} from '../../../../sim/woocommerce.ts';
import { money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { refundShare } from '../../../domain/refund-share.ts';
import type { RefundNotice, SalesChannel } from '../sales-channel.ts';
import { until } from '../../../../test/support/until.ts';
import { fromWooCommerceOrder, wooCommerceOrder } from './map.ts';
import { woocommerce } from './index.ts';
import { refundRequest } from './refund.ts';
import { createRefund, REFUND_TIMEOUT_MS } from './rest.ts';
import type { RestRequest } from './transport.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SECRET = `cs_${'2'.repeat(40)}`;
const WEBHOOK_SECRET = 'woo-webhook-secret-0123456789';
const ITEMS = [
  { sku: 'MUG-BLUE', productId: 41, price: '12.99' },
  { sku: 'LAMP-OAK-L', productId: 42, variationId: 77, price: '80.00' },
];
const PRODUCTS = [
  { id: 41, sku: 'MUG-BLUE', manageStock: true, stockQuantity: 5 },
  { id: 42, sku: '', variations: [{ id: 77, sku: 'LAMP-OAK-L', manageStock: true, stockQuantity: 2 }] },
];

let shop: WooCommerceSim;
let api: WooRest;
let KEY: string;
let order: WooOrder;
const run = { signal: AbortSignal.timeout(20_000), now: new Date('2025-11-03T15:00:00Z') };

beforeEach(async () => {
  KEY = `ck_${randomBytes(20).toString('hex')}`;
  shop = createWooCommerceSim({
    storeUrl: 'https://shop.example.com',
    webhookUrl: 'http://127.0.0.1:9/webhooks',
    secret: WEBHOOK_SECRET,
    seed: 3,
  });
  api = await shop.startRest({ consumerKey: KEY, consumerSecret: SECRET, products: PRODUCTS });
  order = shop.makeOrder(1, ITEMS, [3, 1]);
  await shop.deliver('order.created', order);
});
afterEach(async () => {
  await api.close();
});

function channel(withKeys = true): SalesChannel {
  const secrets = withKeys
    ? { webhookSecret: WEBHOOK_SECRET, consumerKey: KEY, consumerSecret: SECRET }
    : { webhookSecret: WEBHOOK_SECRET };
  return woocommerce.open(TEST_CHANNEL, { storeUrl: api.url }, secrets);
}

const usd = (cents: number) => money(cents, 'USD');

/** Units of the order's lines, priced as Waybill prices a refund: the line as charged, pro rata per unit (tax included). */
function linesOf(
  wanted: { sku: string; quantity: number; alreadyRefunded?: number; byId?: boolean }[],
): RefundNotice['lines'] {
  const mapped = fromWooCommerceOrder('woo' as ChannelId, wooCommerceOrder.parse(order)).incoming;
  return wanted.map(({ sku, quantity, alreadyRefunded = 0, byId = true }) => {
    const index = mapped.lines.findIndex((l) => l.sku === sku);
    const line = mapped.lines[index] ?? {
      sku,
      quantity,
      channelLineId: 'none',
      charges: { subtotal: usd(100 * quantity), discount: usd(0), taxes: [], total: usd(100 * quantity) },
    };
    const share = refundShare(line.charges!, {
      quantity: Math.max(line.quantity, quantity + alreadyRefunded),
      alreadyRefunded,
      units: quantity,
      taxesIncluded: false,
    });
    return {
      lineNumber: index + 1,
      channelLineId: byId ? (line.channelLineId ?? null) : null,
      sku,
      quantity,
      share,
    };
  });
}
function notice(overrides: Partial<RefundNotice> = {}): RefundNotice {
  const lines = overrides.lines ?? linesOf([{ sku: 'MUG-BLUE', quantity: 2 }]);
  return {
    refundId: 'rfd_1',
    orderId: 'ord_1',
    externalId: String(order.id),
    reason: 'The blue mug is out of stock at our supplier.',
    lines,
    amount: usd(lines.reduce((n, l) => n + l.share.total.amount, 0)),
    notifyCustomer: false,
    ...overrides,
  };
}
const lineId = (sku: string) => order.line_items.find((l) => l.sku === sku)!.id;
const customerNotes = () =>
  api
    .notes(order.id)
    .filter((n) => n.customer_note)
    .map((n) => n.note);

describe('woocommerce.refund against the simulated store', () => {
  it('refunds the lines by their item id through the gateway, tax with them, leaves stock alone, records the refund id; a repeat makes no second refund', async () => {
    // 3 mugs at 12.99 with 2.83 tax: two of them give back 25.98 and 1.88 of the tax (the third takes the remainder).
    expect(order.line_items[0]).toMatchObject({
      sku: 'MUG-BLUE',
      quantity: 3,
      total: '38.97',
      total_tax: '2.83',
    });
    await channel().refund!(notice(), run);
    const refunds = api.refunds(order.id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      amount: '27.86',
      reason: 'The blue mug is out of stock at our supplier.',
      refunded_payment: true,
      meta_data: [{ key: '_waybill_refund_id', value: 'rfd_1' }],
      line_items: [
        {
          quantity: -2,
          total: '-25.98',
          total_tax: '-1.88',
          sku: 'MUG-BLUE',
          meta_data: [{ key: '_refunded_item_id', value: String(lineId('MUG-BLUE')) }],
        },
      ],
    });
    expect(api.writes.map((w) => w.body)).toEqual([
      // Before the refund, the order records the refunds it had (none): see the slow-gateway tests below.
      { meta_data: [{ key: '_waybill_refund_attempt_rfd_1', value: '' }] },
      {
        amount: '27.86',
        reason: 'The blue mug is out of stock at our supplier.',
        api_refund: true,
        api_restock: false,
        meta_data: [{ key: '_waybill_refund_id', value: 'rfd_1' }],
        line_items: [
          {
            id: lineId('MUG-BLUE'),
            quantity: 2,
            refund_total: '25.98',
            refund_tax: [{ id: 1, refund_total: '1.88' }],
          },
        ],
      },
    ]);
    // Drop-ship: nothing comes back to the store's shelf.
    expect(api.product('MUG-BLUE')?.stock_quantity).toBe(5);
    expect(api.order(order.id)!.status).toBe('processing');

    await channel().refund!(notice(), run);
    expect(api.refunds(order.id)).toHaveLength(1);
    expect(api.writes).toHaveLength(2);
  });

  it('a refund whose answer was lost is found by its refund id and not made again', async () => {
    api.fault('POST /orders/:id/refunds', { kind: 'lose-answer' });
    const first = channel().refund!(notice(), run);
    await expect(first).rejects.toThrow(/no answer from WooCommerce/);
    await expect(first).rejects.not.toBeInstanceOf(PermanentError);
    await channel().refund!(notice(), run);
    expect(api.refunds(order.id)).toHaveLength(1);
    // A different refund of the same order is its own.
    await channel().refund!(
      notice({ refundId: 'rfd_2', lines: linesOf([{ sku: 'LAMP-OAK-L', quantity: 1 }]) }),
      run,
    );
    expect(api.refunds(order.id).map((r) => r.amount)).toEqual(['85.80', '27.86']);
    expect(api.refunds(order.id)[0]!.line_items[0]).toMatchObject({ variation_id: 77, quantity: -1 });
  });

  describe('while the payment gateway is slow (WooCommerce lists the refund before it writes its meta_data)', () => {
    /** A gateway that answers when told: `release()` returns the money, `refuse(message)` does not. */
    function slowGateway() {
      const waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
      api.setGateway(() => new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })));
      return {
        asked: () => waiting.length,
        release: () => waiting.shift()!.resolve(),
        refuse: (message: string) => waiting.shift()!.reject(new Error(message)),
      };
    }
    const posts = () => api.calls.filter((c) => c.route === 'POST /orders/:id/refunds').length;
    /** The first attempt, cut off (as the job's timeout would) once WooCommerce has saved the refund. */
    async function cutOffFirstAttempt(gateway: ReturnType<typeof slowGateway>): Promise<void> {
      const job = new AbortController();
      const first = channel().refund!(notice(), { ...run, signal: job.signal });
      await until(
        'the refund saved and the gateway asked',
        () => gateway.asked() === 1 && api.refunds(order.id).length === 1,
      );
      expect(api.refunds(order.id)[0]).toMatchObject({ refunded_payment: false, meta_data: [] });
      job.abort(new Error('job timed out'));
      await expect(first).rejects.toThrow(/no answer from WooCommerce/);
    }

    it('a retry finds the unmarked refund made since its first attempt and holds it for the operator instead of refunding again', async () => {
      const gateway = slowGateway();
      await cutOffFirstAttempt(gateway);
      const retry = await channel().refund!(notice(), run).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(retry).toBeInstanceOf(PermanentError);
      const held = api.refunds(order.id)[0]!;
      expect(retry!.message).toContain(
        `refund rfd_1 held: WooCommerce order ${order.id} has refund #${held.id} of $27.86`,
      );
      expect(retry!.message).toContain('nothing more is refunded');
      expect(posts()).toBe(1);
      // The gateway finishes; WooCommerce writes the marker last; the operator's retry finds the refund made.
      gateway.release();
      await until('the marker written', () =>
        api.refunds(order.id)[0]!.meta_data.some((m) => m.key === '_waybill_refund_id'),
      );
      expect(api.refunds(order.id)[0]).toMatchObject({
        refunded_payment: true,
        meta_data: [{ key: '_waybill_refund_id', value: 'rfd_1' }],
      });
      await channel().refund!(notice(), run);
      expect([posts(), api.refunds(order.id).length]).toEqual([1, 1]);
    });

    it('a refund the gateway then refused is gone (WooCommerce deletes it), so the retry refunds', async () => {
      const gateway = slowGateway();
      await cutOffFirstAttempt(gateway);
      gateway.refuse(
        'An error occurred while attempting to create the refund using the payment gateway API.',
      );
      await until('the refused refund deleted', () => api.refunds(order.id).length === 0);
      api.setGateway(null);
      await channel().refund!(notice(), run);
      expect([posts(), api.refunds(order.id).length]).toEqual([2, 1]);
      expect(api.refunds(order.id)[0]).toMatchObject({
        refunded_payment: true,
        meta_data: [{ key: '_waybill_refund_id', value: 'rfd_1' }],
      });
    });

    it('a refund that was there before the first attempt, or another amount or reason, is not taken for Waybill’s', async () => {
      // The merchant refunded the same amount by hand earlier, with Waybill's very words.
      const manual = await fetch(`${api.url}/wp-json/wc/v3/orders/${order.id}/refunds`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
        },
        body: JSON.stringify({ amount: '27.86', reason: notice().reason, api_refund: false }),
      });
      expect(manual.status).toBe(201);
      api.fault('POST /orders/:id/refunds', { kind: 'status', status: 503 });
      await expect(channel().refund!(notice(), run)).rejects.toThrow(/503/);
      await channel().refund!(notice(), run);
      expect(api.refunds(order.id).map((r) => r.meta_data.map((m) => m.value))).toEqual([['rfd_1'], []]);
    });

    it('the refund call may take far longer than other calls: a gateway slower than 10 s is waited for', async () => {
      expect(REFUND_TIMEOUT_MS).toBeGreaterThanOrEqual(45_000);
      // Below the refund job's own 180 s (app/refund-at-channel.ts), so the call, not the job, gives up first.
      expect(REFUND_TIMEOUT_MS).toBeLessThan(180_000);
      const sent: RestRequest[] = [];
      const call = async (request: RestRequest) => {
        sent.push(request);
        return { id: 1, amount: '1.00', reason: '', meta_data: [] };
      };
      await createRefund(call, 1, refundRequest(api.order(order.id)!, notice()));
      expect(sent[0]!.timeoutMs).toBe(REFUND_TIMEOUT_MS);
    });
  });

  it('a gateway that cannot refund is permanent, tells the operator to refund by hand, and leaves no refund', async () => {
    api.setGatewayRefunds(false);
    const error = await channel().refund!(notice(), run).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error!.message).toContain('does not support automatic refunds');
    expect(error!.message).toContain('return the money to the customer by hand');
    expect(error!.message).toContain('$27.86');
    expect(api.refunds(order.id)).toEqual([]);
  });

  it('more than is left to refund is permanent and says so; a transient failure is retried', async () => {
    const tooMuch = await channel().refund!(notice({ amount: usd(99_999_00) }), run).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(tooMuch).toBeInstanceOf(PermanentError);
    expect(tooMuch!.message).toContain('more than is left to refund');
    api.fault('POST /orders/:id/refunds', { kind: 'status', status: 503 });
    await expect(channel().refund!(notice(), run)).rejects.not.toBeInstanceOf(PermanentError);
    await channel().refund!(notice(), run);
    expect(api.refunds(order.id)).toHaveLength(1);
  });

  it("tells the customer the reason once, also when the note's answer was lost", async () => {
    api.fault('POST /orders/:id/notes', { kind: 'lose-answer' });
    await expect(channel().refund!(notice({ notifyCustomer: true }), run)).rejects.toThrow(/no answer/);
    await channel().refund!(notice({ notifyCustomer: true }), run);
    await channel().refund!(notice({ notifyCustomer: true }), run);
    expect(customerNotes()).toEqual([
      'We have refunded $27.86: The blue mug is out of stock at our supplier.',
    ]);
    expect(api.order(order.id)!.meta_data.map((m) => m.key)).toContain('_waybill_refund_note_rfd_1');
    expect(api.refunds(order.id)).toHaveLength(1);
  });

  it('refuses, for good, a line the order lacks, more units than it has, or another currency', async () => {
    const noSku = notice({ lines: linesOf([{ sku: 'NOT-ORDERED', quantity: 1, byId: false }]) });
    await expect(channel().refund!(noSku, run)).rejects.toThrow(/has 0 of the 1 units of SKU NOT-ORDERED/);
    const noItem = notice({ lines: linesOf([{ sku: 'NOT-ORDERED', quantity: 1 }]) });
    await expect(channel().refund!(noItem, run)).rejects.toThrow(/has 0 of the 1 units of line item none/);
    const tooMany = notice({ lines: linesOf([{ sku: 'MUG-BLUE', quantity: 4 }]) });
    await expect(channel().refund!(tooMany, run)).rejects.toThrow(PermanentError);
    await expect(channel().refund!(notice({ amount: money(2598, 'EUR') }), run)).rejects.toThrow(
      /in USD at WooCommerce/,
    );
    expect(api.refunds(order.id)).toEqual([]);
  });

  it("finds the line by WooCommerce's line item id when the product's SKU changed or went since the order", async () => {
    // WooCommerce serialises line_items[].sku from the product as it is now: renamed here, gone for the lamp.
    const stored = api.order(order.id)!;
    stored.line_items[0]!.sku = 'MUG-BLUE-2025';
    stored.line_items[1]!.sku = null;
    await channel().refund!(
      notice({
        lines: linesOf([
          { sku: 'MUG-BLUE', quantity: 3 },
          { sku: 'LAMP-OAK-L', quantity: 1 },
        ]),
      }),
      run,
    );
    const [made] = api.refunds(order.id);
    // Every unit of both lines: exactly what was charged for them, 38.97 + 2.83 and 80.00 + 5.80.
    expect(made!.amount).toBe('127.60');
    expect(made!.line_items.map((l) => [l.quantity, l.total, l.total_tax])).toEqual([
      [-3, '-38.97', '-2.83'],
      [-1, '-80.00', '-5.80'],
    ]);
  });

  it('a store without a key pair cannot refund', () => {
    expect(channel(false).refund).toBeUndefined();
  });
});
