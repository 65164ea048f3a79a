import { afterEach, describe, expect, it } from 'vitest';
import { startAmazonSim, type AmazonSim, type AmazonSimOptions } from '../../../../sim/amazon.ts';
import { until } from '../../../../test/support/until.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice, SalesChannel } from '../sales-channel.ts';
import { amazon } from './index.ts';
import { amazonEndpoint } from './credentials.ts';
import { submitStockFeed } from './feeds.ts';
import { awaitFeedTypeLimit, spApi, AmazonThrottledError } from './transport.ts';
import { bucketOf, LISTINGS_FEED_LATE_MS } from './usage-plan.ts';

const SECRETS = {
  clientId: 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef',
  clientSecret: 'amzn1.oa2-cs.v1.adapter-secret-000000000001',
  refreshToken: 'Atzr|adapter-refresh-token-0000000000001',
};
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99', title: 'Blue mug' },
  { sku: 'LAMP-OAK', price: '89.00', title: 'Oak lamp' },
];
const options = () => ({ signal: AbortSignal.timeout(20_000), now: new Date() });

const sims: AmazonSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

/** A simulator with the plans a test can wait out, and the channel's settings pointing at it. */
async function connect(plans: AmazonSimOptions['usagePlans'] = {}) {
  const sim = await startAmazonSim({ ...SECRETS, feedProcessingMs: 10, usagePlans: plans });
  sims.push(sim);
  const config = {
    region: 'NA',
    marketplaceIds: [sim.marketplaceId],
    sellerId: sim.sellerId,
    endpoint: sim.url,
    lwaUrl: sim.lwaUrl,
  };
  const channel: SalesChannel = amazon.open('amz' as ChannelId, config, SECRETS);
  return { sim, config, channel };
}

async function pollAll(channel: SalesChannel, updatedAfter: Date) {
  const pages = [];
  let cursor: string | null = null;
  do {
    const page = await channel.pollOrders!({ updatedAfter, cursor }, options());
    pages.push(page.orders);
    cursor = page.next;
  } while (cursor);
  return pages;
}

describe('Amazon adapter against the simulated SP-API', () => {
  it('polls every merchant-fulfilled order changed since, a hundred a page, oldest change first, none skipped', async () => {
    const { sim, channel } = await connect({ searchOrders: { rate: 50, burst: 20 } });
    const made = Array.from({ length: 150 }, (_, i) => sim.makeOrder(i, ITEMS.slice(0, 1 + (i % 2))));
    const pages = await pollAll(channel, new Date(Date.now() - 60_000));
    expect(pages.map((p) => p.length)).toEqual([100, 50]);
    const ids = pages.flat().map((m) => m.incoming.externalId);
    expect(new Set(ids)).toEqual(new Set(made.map((o) => o.orderId)));
    const times = pages.flat().map((m) => m.sourceUpdatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(sim.calls.filter((c) => c.operation === 'lwa')).toHaveLength(1);
    expect(sim.violations).toEqual([]);
  });

  it('waits out 429s and keeps to the plan Amazon states in x-amzn-RateLimit-Limit', async () => {
    const { sim, config } = await connect({ getOrder: { rate: 20, burst: 3 } });
    const order = sim.makeOrder(1, ITEMS);
    sim.throttle('getOrder', 2);
    const call = spApi(amazonEndpoint(config as never, SECRETS), AbortSignal.timeout(10_000), {
      maxWaitMs: 5_000,
    });
    const request = {
      operation: 'getOrder' as const,
      method: 'GET' as const,
      path: `/orders/2026-01-01/orders/${order.orderId}`,
    };
    expect((await call(request)).status).toBe(200);
    expect(sim.calls.filter((c) => c.operation === 'getOrder').map((c) => c.status)).toEqual([429, 429, 200]);
    // The adapter now paces getOrder at the 20 a second Amazon stated, not the model's 0.5: five more need no 429.
    const started = Date.now();
    for (let i = 0; i < 5; i++) await call(request);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sim.calls.filter((c) => c.operation === 'getOrder' && c.status === 429)).toHaveLength(2);
  });

  it('does not send a call whose plan has no token within the wait allowed, and says when there will be one', async () => {
    const { sim, config } = await connect({ getMarketplaceParticipations: { rate: 0.016, burst: 15 } });
    const call = spApi(amazonEndpoint(config as never, SECRETS), AbortSignal.timeout(10_000), {
      maxWaitMs: 1_000,
    });
    const request = {
      operation: 'getMarketplaceParticipations' as const,
      method: 'GET' as const,
      path: '/sellers/v1/marketplaceParticipations',
    };
    for (let i = 0; i < 15; i++) await call(request);
    const refused = await call(request).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AmazonThrottledError);
    expect(String(refused)).toMatch(
      /getMarketplaceParticipations \(0\.016 requests a second\) has no request left for \d+ s/,
    );
    expect(sim.calls.filter((c) => c.operation === 'getMarketplaceParticipations')).toHaveLength(15);
  });

  it('confirms a shipment with its carrier and tracking once, however often it is told', async () => {
    const { sim, channel } = await connect();
    const order = sim.makeOrder(2, ITEMS, { quantities: [2, 1] });
    const notice = (
      eventId: string,
      sku: string,
      quantity: number,
      carrier: string,
      tracking: string,
    ): FulfilmentNotice => ({
      eventId,
      orderId: 'ord_1',
      externalId: order.orderId,
      orderState: 'partially_fulfilled',
      createdAt: new Date(),
      shipment: { id: eventId, carrier, trackingNumber: tracking, lines: [{ sku, quantity }] },
    });
    await channel.notifyFulfilment(notice('evt_a', 'MUG-BLUE', 2, 'ups', '1Z999AA10123456784'), options());
    await channel.notifyFulfilment(notice('evt_a', 'MUG-BLUE', 2, 'ups', '1Z999AA10123456784'), options());
    await channel.notifyFulfilment(notice('evt_b', 'LAMP-OAK', 1, 'Speedy Couriers', 'SC-77'), options());
    const shipped = sim.order(order.orderId)!;
    expect(shipped.status).toBe('SHIPPED');
    expect(shipped.packages.map((p) => [p.carrier, p.trackingNumber, p.items[0]!.quantity])).toEqual([
      ['UPS', '1Z999AA10123456784', 2],
      ['Speedy Couriers', 'SC-77', 1],
    ]);
    expect(sim.calls.filter((c) => c.operation === 'confirmShipment')).toHaveLength(2);
    const unknown = await channel
      .notifyFulfilment(notice('evt_c', 'TEE-RED-M', 1, 'UPS', '1Z1'), options())
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PermanentError);
    expect(String(unknown)).toMatch(/no 1 unshipped unit\(s\) of SKU TEE-RED-M/);
    expect(sim.violations).toEqual([]);
  });

  it('sets a few SKUs by patch, many by a feed whose report names every SKU Amazon refused', async () => {
    const { sim, channel } = await connect();
    const bulk = Array.from({ length: 40 }, (_, i) => `BULK-${i}`);
    sim.seedCatalog(['MUG-BLUE', ...bulk], 0);
    sim.refuseListing('BULK-7', 'Restricted Products Policy Violation');
    const few = await channel.pushStock!(
      [
        { sku: 'MUG-BLUE', available: 4 },
        { sku: 'NOT-LISTED', available: 1 },
      ],
      { ...options(), batchKey: 'k1' },
    );
    expect(sim.stock('MUG-BLUE')).toBe(4);
    expect(few).toEqual({
      skipped: [{ sku: 'NOT-LISTED', reason: expect.stringContaining('not in the seller') }],
    });

    const many = await channel.pushStock!(
      bulk.map((sku, i) => ({ sku, available: i })),
      { ...options(), batchKey: 'k2' },
    );
    expect(many?.skipped).toEqual([]);
    const [pending] = many!.pending!;
    expect(pending!.skus).toEqual(bulk);
    let report: Awaited<ReturnType<NonNullable<SalesChannel['stockReports']>>> = [];
    await until('the feed report', async () => {
      report = await channel.stockReports!([pending!], options());
      return report[0]?.status === 'done';
    });
    expect(report[0]!.skipped).toEqual([
      { sku: 'BULK-7', reason: expect.stringContaining('Restricted Products Policy Violation') },
    ]);
    expect(sim.stock('BULK-39')).toBe(39);
    expect(sim.stock('BULK-7')).toBe(0);
    expect(sim.violations).toEqual([]);
  });

  it("keeps to the listings feed type's five submissions per five minutes, making no document for a sixth", async () => {
    const { sim, channel } = await connect();
    const skus = Array.from({ length: 30 }, (_, i) => `FEED-${i}`);
    sim.seedCatalog(skus, 0);
    const push = (n: number) =>
      channel.pushStock!(
        skus.map((sku) => ({ sku, available: n })),
        { ...options(), batchKey: `b${n}` },
      );
    for (let n = 1; n <= 5; n++) expect((await push(n))!.pending).toHaveLength(1);
    const sixth = await push(6).catch((error: unknown) => error);
    expect(sixth).toBeInstanceOf(AmazonThrottledError);
    expect(String(sixth)).toMatch(/JSON_LISTINGS_FEED/);
    expect(sim.calls.filter((c) => c.operation === 'createFeedDocument')).toHaveLength(5);
    expect(sim.calls.filter((c) => c.status === 429)).toEqual([]);
  });

  it("reads a createFeed 429 while createFeed has calls left as the feed type's limit, not createFeed's", async () => {
    const { sim, config } = await connect();
    const skus = Array.from({ length: 30 }, (_, i) => `FEED-${i}`);
    sim.seedCatalog(skus, 0);
    const endpoint = amazonEndpoint(config as never, SECRETS);
    const signal = AbortSignal.timeout(20_000);
    // Waybill's clock for its buckets: moved on below, so that its count of the feed type's refill runs ahead of
    // Amazon's, as it did by the time a feed took to reach createFeed after a large initial sync.
    let clock = Date.now();
    const pacing = { maxWaitMs: 30_000, now: () => clock };
    const push = (n: number) =>
      submitStockFeed(
        spApi(endpoint, signal, pacing),
        endpoint,
        skus.map((sku) => ({ sku, available: n })),
        signal,
        () => awaitFeedTypeLimit(endpoint, signal, pacing),
      );
    for (let n = 1; n <= 5; n++) await push(n);
    clock += 60_000 + LISTINGS_FEED_LATE_MS;
    const sixth = await push(6).catch((error: unknown) => error);
    expect(sim.calls.filter((c) => c.operation === 'createFeed').map((c) => c.status)).toEqual([
      202, 202, 202, 202, 202, 429,
    ]);
    expect(sixth).toBeInstanceOf(AmazonThrottledError);
    expect((sixth as AmazonThrottledError).operation).toBe('JSON_LISTINGS_FEED');
    expect((sixth as AmazonThrottledError).waitMs).toBeLessThanOrEqual(60_000);
    // createFeed's own plan (ten calls left) is not taken for empty: the next feed waits for the feed type alone.
    expect(bucketOf(endpoint.key, 'createFeed', clock).waitFor(clock)).toBe(0);
  });

  it('its connection test names the marketplaces, and says what to fix for a refused refresh token without echoing it', async () => {
    const { sim, config } = await connect();
    const test = (secrets: typeof SECRETS, settings: object = config) =>
      amazon.test(settings, secrets, options());
    expect(await test(SECRETS)).toEqual({
      ok: true,
      detail: `Amazon seller ${sim.sellerId} in Amazon.com (USD)`,
    });
    expect(await test(SECRETS, { ...config, marketplaceIds: ['A1PA6795UKMFR9'] })).toMatchObject({
      ok: false,
      reason: 'refused',
      detail: expect.stringContaining("check the channel's marketplaceIds"),
    });
    const revoked = await test({ ...SECRETS, refreshToken: 'Atzr|a-revoked-refresh-token-000001' });
    expect(revoked).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringMatching(/invalid_grant.*authorise Waybill's app again/),
    });
    expect(JSON.stringify(revoked)).not.toContain('a-revoked-refresh-token');
    const client = await test({ ...SECRETS, clientSecret: 'amzn1.oa2-cs.v1.not-the-secret-0000000' });
    expect(client).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringContaining('clientId and clientSecret'),
    });
  });

  it('reports the ORDER_CHANGE subscription when the seller forwards notifications', async () => {
    const { sim, config } = await connect();
    const notified = amazon.open('amz' as ChannelId, config, {
      ...SECRETS,
      notificationApiKey: 'k'.repeat(32),
    });
    const health = () =>
      notified.webhookHealth!({ ...options(), deliveryUrl: 'https://hub.example.com/webhooks/amazon/amz' });
    expect(await health()).toEqual([
      { topic: 'ORDER_CHANGE', status: 'active', id: 'sub-order-change-0001' },
    ]);
    sim.setSubscription(false);
    expect(await health()).toEqual([{ topic: 'ORDER_CHANGE', status: 'missing', id: null }]);
    expect(amazon.open('amz' as ChannelId, config, SECRETS).webhookHealth).toBeUndefined();
  });
});
