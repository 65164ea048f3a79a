import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEbaySim, type EbaySim, type EbaySimOrder } from '../../../../sim/ebay.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage, RefundMessage, SalesChannel } from '../sales-channel.ts';
import { ebay } from './index.ts';
import { pollOrderPage } from './poll.ts';
import { forgetAccessTokens } from './token.ts';

const CHANNEL = 'ebay' as ChannelId;
const SECRETS = { clientSecret: 'PRD-0123456789abcdef', refreshToken: 'v^1.1#i^1#r^1#refresh-0123456789' };
const MUG = { sku: 'MUG-BLUE', price: '12.99' };
const LAMP = { sku: 'LAMP-OAK', price: '89.00' };

let sim: EbaySim;
let channel: SalesChannel;

beforeEach(async () => {
  forgetAccessTokens();
  sim = await startEbaySim({ clientId: 'Waybill-Test-PRD', ...SECRETS, seed: 5 });
  channel = ebay.open(
    CHANNEL,
    { apiUrl: sim.url, clientId: 'Waybill-Test-PRD', marketplaceId: 'EBAY_US' },
    SECRETS,
  );
});
afterEach(async () => {
  expect(sim.violations).toEqual([]);
  await sim.close();
});

function placed(i: number, items = [MUG, LAMP], quantities = [2, 1]): EbaySimOrder {
  const at = new Date(Date.now() - 5_000 + i).toISOString();
  return sim.keep({ ...sim.makeOrder(i, items, { quantities }), creationDate: at, lastModifiedDate: at });
}

/** Every page of a poll of the last minute, read up to a moment from now (the simulator stamps changes ahead). */
async function pollEverything(): Promise<Required<Omit<OrderPage, 'next'>>> {
  const all = {
    orders: [] as OrderMessage[],
    refunds: [] as RefundMessage[],
    refused: [] as OrderPage['refused'] & {},
  };
  let cursor: string | null = null;
  do {
    const page: OrderPage = await channel.pollOrders!(
      { updatedAfter: new Date(Date.now() - 60_000), cursor },
      { signal: AbortSignal.timeout(20_000), now: new Date(Date.now() + 1_000) },
    );
    all.orders.push(...page.orders);
    all.refunds.push(...(page.refunds ?? []));
    all.refused.push(...(page.refused ?? []));
    cursor = page.next;
  } while (cursor);
  return all;
}

const minor = (value: string) => Math.round(Number(value) * 100);

describe('the eBay poll, order by order', () => {
  it('passes over the orders it cannot read, naming each and the field, and returns the rest of the page', async () => {
    const good = placed(0);
    const inexact = placed(1);
    sim.change(inexact.orderId, (o) => (o.pricingSummary.total = { value: '120.999', currency: 'USD' }));
    const mistyped = placed(2);
    sim.change(mistyped.orderId, (o) => ((o.lineItems[1] as { quantity: unknown }).quantity = 'one'));
    const unknownCurrency = placed(3);
    sim.change(unknownCurrency.orderId, (o) => (o.pricingSummary.total!.currency = 'ZZZ'));
    const otherCurrency = placed(4);
    sim.change(otherCurrency.orderId, (o) => (o.lineItems[0]!.lineItemCost.currency = 'EUR'));

    const { orders, refused } = await pollEverything();
    expect(orders.map((o) => o.incoming.externalId)).toEqual([good.orderId]);
    expect(refused).toEqual(
      expect.arrayContaining([
        {
          externalId: inexact.orderId,
          reason: expect.stringMatching(/^pricingSummary\.total: .*more decimals/),
        },
        { externalId: mistyped.orderId, reason: expect.stringMatching(/^lineItems\.1\.quantity: .*number/) },
        {
          externalId: unknownCurrency.orderId,
          reason: 'pricingSummary.total.currency: not an ISO 4217 currency code: ZZZ',
        },
        {
          externalId: otherCurrency.orderId,
          reason: expect.stringMatching(/^lineItems\.0\.lineItemCost: an amount in EUR on an order in USD/),
        },
      ]),
    );
    expect(refused).toHaveLength(4);
  });

  it('still refuses the whole answer when it is not an order collection', async () => {
    const call = async () => ({ status: 200, body: { orders: 'none' } });
    const failure = await pollOrderPage(
      call as never,
      CHANNEL,
      { updatedAfter: new Date(Date.now() - 60_000), cursor: null },
      new Date(),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermanentError);
    expect(String(failure)).toMatch(/not an order collection/);
  });

  it("reports refunds made at eBay once each by eBay's id, lines by lineItemId, units the amount covers, money exact", async () => {
    const order = placed(0);
    const [mug, lamp] = order.lineItems;
    const mugNet = minor((mug!.discountedLineItemCost ?? mug!.lineItemCost).value);
    // One mug of two back (half the line, as the seller typed it), and a goodwill sum on the lamp: one refund.
    const lineRefund = sim.refundAtEbay(order.orderId, {
      lineItems: [
        { lineItemId: mug!.lineItemId, value: (mugNet / 2 / 100).toFixed(2) },
        { lineItemId: lamp!.lineItemId, value: '5.00' },
      ],
    });
    const wholeRefund = sim.refundAtEbay(order.orderId, { wholeOrder: '2.50' });

    const { orders, refunds } = await pollEverything();
    expect(orders).toHaveLength(1);
    expect(refunds).toEqual([
      {
        kind: 'refund',
        externalOrderId: order.orderId,
        refundId: lineRefund,
        createdAt: expect.any(Date),
        lines: [{ channelLineId: mug!.lineItemId, sku: 'MUG-BLUE', quantity: 1 }],
        amount: { amount: mugNet / 2 + 500, currency: 'USD' },
      },
      {
        kind: 'refund',
        externalOrderId: order.orderId,
        refundId: wholeRefund,
        createdAt: expect.any(Date),
        lines: [],
        amount: { amount: 250, currency: 'USD' },
      },
    ]);
    // Polled again: the same refunds under the same ids (the app stores each once by it).
    expect((await pollEverything()).refunds.map((r) => r.refundId)).toEqual([lineRefund, wholeRefund]);
  });

  it("answers eBay's id for a refund Waybill made, the id the poll then reports it by", async () => {
    const order = placed(0, [LAMP], [1]);
    const lamp = order.lineItems[0]!;
    const net = minor((lamp.discountedLineItemCost ?? lamp.lineItemCost).value);
    const usd = (amount: number) => money(amount, 'USD');
    const share = { net: usd(net), taxes: [], total: usd(net) };
    const made = await channel.refund!(
      {
        refundId: 'rf_1_op1',
        orderId: 'ord_1',
        externalId: order.orderId,
        reason: 'No longer made',
        lines: [{ lineNumber: 1, channelLineId: lamp.lineItemId, sku: 'LAMP-OAK', quantity: 1, share }],
        amount: usd(net),
        notifyCustomer: true,
      },
      { signal: AbortSignal.timeout(20_000), now: new Date() },
    );
    const { refunds } = await pollEverything();
    expect(made).toEqual({ channelRefundId: expect.any(String) });
    expect(refunds).toEqual([
      expect.objectContaining({
        refundId: made!.channelRefundId,
        lines: [{ channelLineId: lamp.lineItemId, sku: 'LAMP-OAK', quantity: 1 }],
        amount: { amount: net, currency: 'USD' },
      }),
    ]);
  });
});
