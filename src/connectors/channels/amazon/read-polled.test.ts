import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAmazonSim, type AmazonSim } from '../../../../sim/amazon.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage, SalesChannel } from '../sales-channel.ts';
import { amazon } from './index.ts';
import { amazonEndpoint } from './credentials.ts';
import { pollOrderPage } from './poll.ts';

const SECRETS = {
  clientId: 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef',
  clientSecret: 'amzn1.oa2-cs.v1.adapter-secret-000000000001',
  refreshToken: 'Atzr|adapter-refresh-token-0000000000001',
};
const MUG = { sku: 'MUG-BLUE', price: '12.99', title: 'Blue mug' };

let sim: AmazonSim;
let channel: SalesChannel;
let config: Record<string, unknown>;
beforeEach(async () => {
  sim = await startAmazonSim({ ...SECRETS, usagePlans: { searchOrders: { rate: 50, burst: 20 } } });
  config = {
    region: 'NA',
    marketplaceIds: [sim.marketplaceId],
    sellerId: sim.sellerId,
    endpoint: sim.url,
    lwaUrl: sim.lwaUrl,
  };
  channel = amazon.open('amz' as ChannelId, config, SECRETS);
});
afterEach(async () => {
  expect(sim.violations).toEqual([]);
  await sim.close();
});

async function pollEverything(): Promise<{ orders: OrderMessage[]; refused: OrderPage['refused'] & {} }> {
  const all = { orders: [] as OrderMessage[], refused: [] as OrderPage['refused'] & {} };
  let cursor: string | null = null;
  do {
    const page: OrderPage = await channel.pollOrders!(
      { updatedAfter: new Date(Date.now() - 60_000), cursor },
      { signal: AbortSignal.timeout(20_000), now: new Date() },
    );
    all.orders.push(...page.orders);
    all.refused.push(...(page.refused ?? []));
    expect(page.refunds).toBeUndefined();
    cursor = page.next;
  } while (cursor);
  return all;
}

type Wire = { orderItems: { proceeds: { breakdowns: { subtotal: { amount: string } }[] } }[] } & Record<
  string,
  unknown
>;

describe('the Amazon poll, order by order', () => {
  it('passes over the orders it cannot read, naming each and the field, and returns the rest of the page', async () => {
    const good = sim.makeOrder(0, [MUG]);
    const inexact = sim.makeOrder(1, [MUG]);
    sim.alterServed(inexact.orderId, (wire) => {
      (wire as Wire).orderItems[0]!.proceeds.breakdowns[0]!.subtotal.amount = '12.995';
    });
    const mistyped = sim.makeOrder(2, [MUG]);
    sim.alterServed(mistyped.orderId, (wire) => {
      (wire as { orderItems: Record<string, unknown>[] }).orderItems[0]!.quantityOrdered = 'one';
    });
    const unknownCurrency = sim.makeOrder(3, [MUG]);
    sim.update(unknownCurrency.orderId, (o) => (o.currency = 'ZZZ'));

    const { orders, refused } = await pollEverything();
    expect(orders.map((o) => o.incoming.externalId)).toEqual([good.orderId]);
    expect(refused).toEqual(
      expect.arrayContaining([
        {
          externalId: inexact.orderId,
          reason: expect.stringMatching(
            /^orderItems\[0\]\.proceeds\.breakdowns\[0\]\.subtotal\.amount: 12\.995 has more decimals/,
          ),
        },
        {
          externalId: mistyped.orderId,
          reason: expect.stringMatching(/^orderItems\[0\]\.quantityOrdered: .*number/),
        },
        {
          externalId: unknownCurrency.orderId,
          reason: 'proceeds.grandTotal.currencyCode: not an ISO 4217 currency code: ZZZ',
        },
      ]),
    );
    expect(refused).toHaveLength(3);
  });

  it('still refuses the whole answer when it is not a list of orders', async () => {
    const call = async () => ({ status: 200, body: { orders: 'none' }, headers: {} });
    const failure = await pollOrderPage(
      call as never,
      amazonEndpoint(config as never, SECRETS),
      'amz' as ChannelId,
      { updatedAfter: new Date(Date.now() - 60_000), cursor: null },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermanentError);
    expect(String(failure)).toMatch(/not a list of orders/);
  });
});
