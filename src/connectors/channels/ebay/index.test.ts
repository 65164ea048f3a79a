import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEbaySim, type EbaySim } from '../../../../sim/ebay.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, SalesChannel } from '../sales-channel.ts';
import { ebay } from './index.ts';
import { forgetAccessTokens } from './token.ts';

const CHANNEL = 'ebay' as ChannelId;
const SECRETS = { clientSecret: 'PRD-0123456789abcdef', refreshToken: 'v^1.1#i^1#r^1#refresh-0123456789' };
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99' },
  { sku: 'LAMP-OAK', price: '89.00' },
];

let sim: EbaySim;
let channel: SalesChannel;
const options = () => ({ signal: AbortSignal.timeout(20_000), now: new Date() });

beforeEach(async () => {
  forgetAccessTokens();
  sim = await startEbaySim({ clientId: 'Waybill-Test-PRD', ...SECRETS, seed: 3 });
  channel = ebay.open(
    CHANNEL,
    { apiUrl: sim.url, clientId: 'Waybill-Test-PRD', marketplaceId: 'EBAY_US' },
    SECRETS,
  );
});
afterEach(() => sim.close());

/** Order i as eBay has it, last modified `msAgo` before now (the simulator dates order i i seconds after its start). */
function placed(i: number, msAgo: number, items = ITEMS) {
  const order = sim.makeOrder(i, items);
  const at = new Date(Date.now() - msAgo).toISOString();
  return sim.keep({ ...order, creationDate: at, lastModifiedDate: at });
}

/** Every page of one poll, as the catch-up job reads them; `between` runs after each page. */
async function pollAll(
  updatedAfter: Date,
  between: (page: number, read: OrderMessage[]) => void = () => {},
): Promise<OrderMessage[]> {
  const found: OrderMessage[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result = await channel.pollOrders!({ updatedAfter, cursor }, options());
    found.push(...result.orders);
    cursor = result.next;
    if (!cursor) return found;
    between(page, result.orders);
  }
  throw new Error('the poll did not end');
}

describe('the eBay channel against the simulated seller account', () => {
  it('declares its polling, its batch of 25, its stock pushes in flight and its price batch', () => {
    expect(channel).toMatchObject({
      pollEveryMs: 60_000,
      maxStockBatch: 25,
      stockPushesInFlight: 8,
      maxPriceBatch: 500,
    });
  });

  it('polls every order changed since, oldest window first, and skips none changed while it pages', async () => {
    const start = new Date(Date.now() - 60_000);
    // 450 orders in one second: more than two pages, so the windows must narrow.
    const orders = Array.from({ length: 450 }, (_, i) => placed(i, 5_000 - i, ITEMS.slice(0, 1 + (i % 2))));
    const changed: string[] = [];
    const found = await pollAll(start, (page) => {
      // While paging, orders already read and orders not yet read change: each must still be found, newest.
      if (page > 1) return;
      for (const order of [orders[page]!, orders[300 + page]!]) {
        sim.change(order.orderId, (o) => (o.buyer.username = `changed-${page}`));
        changed.push(order.orderId);
      }
    });
    const ids = new Set(found.map((m) => m.incoming.externalId));
    // Every order is found: those changed meanwhile either in this poll or, changed after it began, in the next.
    const unchanged = orders.filter((o) => !changed.includes(o.orderId)).map((o) => o.orderId);
    expect(unchanged.filter((id) => !ids.has(id))).toEqual([]);
    // eBay lists newest created first; Waybill's windows come oldest change first, so pages never go back in time.
    const firstOfPages = found.map((m) => m.sourceUpdatedAt.getTime());
    expect(firstOfPages).toEqual([...firstOfPages].sort((a, b) => a - b));
    const pages = sim.calls.filter((c) => c.operationId === 'getOrders');
    expect(pages.length).toBeLessThan(30);
    // Changes made after the poll began are the next poll's, from its watermark: found there, newest.
    const next = await pollAll(new Date(Math.max(...found.map((m) => m.sourceUpdatedAt.getTime())) - 1));
    for (const id of changed) expect(next.map((m) => m.incoming.externalId)).toContain(id);
    expect(sim.violations).toEqual([]);
  });

  it('pages a single crowded millisecond by offset, stepping back by the orders that left it meanwhile', async () => {
    const at = new Date(Date.now() - 3_000).toISOString();
    const orders = Array.from({ length: 450 }, (_, i) =>
      sim.keep({ ...sim.makeOrder(i, ITEMS), creationDate: at, lastModifiedDate: at }),
    );
    const changed = new Set<string>();
    const found = await pollAll(new Date(Date.now() - 60_000), (_page, read) => {
      // Orders eBay listed on the first page change: the rest move up, and none may be passed over.
      if (changed.size === 0)
        for (const message of read.slice(0, 5)) {
          sim.change(message.incoming.externalId, (o) => (o.buyer.username = 'changed'));
          changed.add(message.incoming.externalId);
        }
    });
    const ids = new Set(found.map((m) => m.incoming.externalId));
    expect(orders.filter((o) => !changed.has(o.orderId) && !ids.has(o.orderId))).toEqual([]);
    expect(sim.violations).toEqual([]);
  });

  it('mints one access token for many calls, and renews one eBay refused', async () => {
    placed(1, 1_000);
    await pollAll(new Date(Date.now() - 60_000));
    await pollAll(new Date(Date.now() - 60_000));
    expect(sim.tokensIssued()).toBe(1);
    sim.expireAccessTokens();
    expect(await pollAll(new Date(Date.now() - 60_000))).toHaveLength(1);
    expect(sim.tokensIssued()).toBe(2);
  });

  it('waits out 429s and carries on; a revoked refresh token fails for good, saying the seller must consent again', async () => {
    placed(1, 1_000);
    sim.throttle(2);
    expect(await pollAll(new Date(Date.now() - 60_000))).toHaveLength(1);
    expect(sim.calls.filter((c) => c.status === 429)).toHaveLength(2);
    forgetAccessTokens();
    sim.revokeRefreshToken();
    const failure = await pollAll(new Date(Date.now() - 60_000)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentError);
    expect(String(failure)).toMatch(/refresh token .*revoked or has expired.*consent again/);
    expect(String(failure)).not.toContain(SECRETS.refreshToken);
  });

  it('tells a shipment once, by its tracking number, however often the notice runs', async () => {
    const order = sim.keep(sim.makeOrder(2, ITEMS, { quantities: [2, 1] }));
    const notice = {
      eventId: 'evt-1',
      orderId: 'o-1',
      externalId: order.orderId,
      orderState: 'partially_fulfilled',
      createdAt: new Date(),
      shipment: {
        id: 's-1',
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        lines: [{ sku: 'MUG-BLUE', quantity: 2 }],
      },
    };
    await channel.notifyFulfilment(notice, options());
    await channel.notifyFulfilment(notice, options());
    expect(sim.fulfillments(order.orderId)).toEqual([
      expect.objectContaining({
        shipmentTrackingNumber: '1Z999AA10123456784',
        shippingCarrierCode: 'UPS',
        lineItems: [{ lineItemId: order.lineItems[0]!.lineItemId, quantity: 2 }],
      }),
    ]);
  });

  it('sends a tracking number written with spaces and hyphens as the letters and digits eBay takes', async () => {
    const order = sim.keep(sim.makeOrder(2, ITEMS));
    const notice = {
      eventId: 'evt-2',
      orderId: 'o-2',
      externalId: order.orderId,
      orderState: 'fulfilled',
      createdAt: new Date(),
      shipment: {
        id: 's-2',
        carrier: 'UPS',
        trackingNumber: '1Z 999 AA1-0123 4567 84',
        lines: [{ sku: 'MUG-BLUE', quantity: 1 }],
      },
    };
    await channel.notifyFulfilment(notice, options());
    await channel.notifyFulfilment(notice, options());
    expect(sim.fulfillments(order.orderId)).toEqual([
      expect.objectContaining({ shipmentTrackingNumber: '1Z999AA10123456784' }),
    ]);
  });

  it('pushes stock 25 at a time, reporting the SKUs eBay does not have as skipped', async () => {
    sim.seedCatalog(['A', 'B'], 0);
    const outcome = await channel.pushStock!(
      [
        { sku: 'A', available: 4 },
        { sku: 'GHOST', available: 1 },
        { sku: 'B', available: 0 },
      ],
      { ...options(), batchKey: 'k' },
    );
    expect([sim.stock('A'), sim.stock('B')]).toEqual([4, 0]);
    expect(outcome).toEqual({
      skipped: [{ sku: 'GHOST', reason: expect.stringMatching(/25702 SKU GHOST is not available/) }],
    });
  });

  it("prices each SKU's offer in the channel's marketplace 25 a call, found once, and skips what it cannot price", async () => {
    const skus = Array.from({ length: 30 }, (_, i) => `P-${String(i).padStart(2, '0')}`);
    sim.seedCatalog([...skus, 'GB-ONLY'], 0);
    sim.removeOffers('GB-ONLY');
    sim.listOffer('GB-ONLY', 'EBAY_GB');
    const usd = (sku: string, amount: number, currency = 'USD') => ({
      sku,
      price: money(amount, currency),
      compareAtPrice: null,
    });
    const prices = [
      ...skus.map((sku, i) => usd(sku, 1000 + i)),
      usd('GB-ONLY', 500),
      usd('GHOST', 500),
      usd('P-00', 700, 'EUR'),
    ];
    const outcome = await channel.pushPrices!(prices, { ...options(), batchKey: 'k' });
    expect(sim.offers('P-01')[0]!.pricingSummary.price).toEqual({ value: '10.01', currency: 'USD' });
    expect(sim.offers('P-29')[0]!.pricingSummary.price.value).toBe('10.29');
    expect(outcome!.skipped).toEqual([
      { sku: 'P-00', reason: 'priced in EUR, but eBay lists on EBAY_US in USD' },
      { sku: 'GB-ONLY', reason: 'eBay has no offer of it on EBAY_US' },
      { sku: 'GHOST', reason: 'eBay has no offer of it on EBAY_US' },
    ]);
    const calls = (op: string) => sim.calls.filter((c) => c.operationId === op);
    expect(calls('bulkUpdatePriceQuantity').map((c) => c.skus)).toEqual(expect.arrayContaining([25, 5]));
    expect(calls('getOffers')).toHaveLength(32);

    // Again: the offer ids are remembered; an offer gone since is refused, forgotten, and found afresh next time.
    sim.removeOffers('P-05');
    const relisted = sim.listOffer('P-05', 'EBAY_US');
    const again = await channel.pushPrices!([usd('P-04', 444), usd('P-05', 555)], {
      ...options(),
      batchKey: 'k2',
    });
    expect(calls('getOffers')).toHaveLength(32);
    expect(again!.skipped).toEqual([
      {
        sku: 'P-05',
        reason: expect.stringMatching(/^eBay refused its price \(400 25713 This Offer is not available/),
      },
    ]);
    const third = await channel.pushPrices!([usd('P-05', 555)], { ...options(), batchKey: 'k3' });
    expect(third).toEqual({ skipped: [] });
    expect(sim.offers('P-05')[0]).toMatchObject({
      offerId: relisted.offerId,
      pricingSummary: { price: { value: '5.55' } },
    });
    expect(sim.violations).toEqual([]);
  });

  it('its connection test names what to fix, never the secret', async () => {
    const config = { apiUrl: sim.url, clientId: 'Waybill-Test-PRD', marketplaceId: 'EBAY_US' };
    const test = (secrets: typeof SECRETS) => ebay.test(config, secrets, options());
    expect(await test(SECRETS)).toMatchObject({ ok: true });
    const wrongSecret = await test({ ...SECRETS, clientSecret: 'PRD-not-the-secret' });
    expect(wrongSecret).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringMatching(/clientId and clientSecret/),
    });
    sim.revokeRefreshToken();
    const revoked = await test(SECRETS);
    expect(revoked).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringMatching(/consent again/),
    });
    expect(JSON.stringify([wrongSecret, revoked])).not.toMatch(/PRD-0123456789abcdef|refresh-0123456789/);
  });
});
