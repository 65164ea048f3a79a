import { afterEach, describe, expect, it } from 'vitest';
import { ebayContracts, startEbaySim, type EbaySim } from './ebay.ts';

const CLIENT = {
  clientId: 'Waybill-Test-PRD-0123456789',
  clientSecret: 'PRD-secret-0123456789',
  refreshToken: 'v^1.1#i^1#refresh-token-0123456789',
};
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99' },
  { sku: 'LAMP-OAK', price: '89.00' },
];
const sims: EbaySim[] = [];
afterEach(async () => Promise.all(sims.splice(0).map((s) => s.close())));

async function start(overrides = {}): Promise<EbaySim> {
  const sim = await startEbaySim({ ...CLIENT, ...overrides });
  sims.push(sim);
  return sim;
}

async function token(sim: EbaySim, body: Record<string, string>, secret = CLIENT.clientSecret) {
  const response = await fetch(`${sim.url}/identity/v1/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(body).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const grant = {
  grant_type: 'refresh_token',
  refresh_token: CLIENT.refreshToken,
  scope: 'https://api.ebay.com/oauth/api_scope/sell.fulfillment',
};

async function api(
  sim: EbaySim,
  path: string,
  init: { method?: string; body?: unknown; bearer?: string } = {},
) {
  const bearer = init.bearer ?? ((await token(sim, grant)).body.access_token as string);
  const response = await fetch(`${sim.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

describe('the simulated eBay token endpoint', () => {
  it('mints a two-hour User access token from the refresh token, and refuses as eBay does', async () => {
    const sim = await start();
    expect(await token(sim, grant)).toMatchObject({
      status: 200,
      body: { expires_in: 7200, token_type: 'User Access Token' },
    });
    expect(await token(sim, grant, 'wrong-secret')).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(
      await token(sim, { ...grant, scope: 'https://api.ebay.com/oauth/api_scope/commerce.identity' }),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    sim.revokeRefreshToken();
    expect(await token(sim, grant)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses an access token it did not mint, or one that expired', async () => {
    const sim = await start();
    expect((await api(sim, '/sell/fulfillment/v1/order', { bearer: 'made-up' })).status).toBe(401);
    const minted = (await token(sim, grant)).body.access_token as string;
    expect((await api(sim, '/sell/fulfillment/v1/order', { bearer: minted })).status).toBe(200);
    sim.expireAccessTokens();
    expect((await api(sim, '/sell/fulfillment/v1/order', { bearer: minted })).body.errors[0].errorId).toBe(
      1001,
    );
  });
});

describe('the simulated Fulfillment and Inventory APIs', () => {
  it("answers getOrders by lastmodifieddate, paged, in the contract's shape; eBay's collected tax only with TAX_BREAKDOWN", async () => {
    const sim = await start();
    const orders = Array.from({ length: 5 }, (_, i) => sim.keep(sim.makeOrder(i, ITEMS)));
    const from = orders[0]!.lastModifiedDate;
    const path = (extra: string) =>
      `/sell/fulfillment/v1/order?filter=${encodeURIComponent(`lastmodifieddate:[${from}..]`)}&limit=2${extra}`;
    const first = await api(sim, path('&fieldGroups=TAX_BREAKDOWN'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect(first.body.orders).toHaveLength(2);
    expect(ebayContracts().fulfillment.checkResponse('getOrders', 200, first.body)).toEqual([]);
    const withTax = first.body.orders[0];
    const plain = (await api(sim, path(''))).body.orders[0];
    const taxed = withTax.lineItems.reduce(
      (n: number, l: any) => n + (l.ebayCollectAndRemitTaxes?.length ?? 0),
      0,
    );
    if (taxed)
      expect(Number(plain.pricingSummary.total.value)).toBeLessThan(
        Number(withTax.pricingSummary.total.value),
      );
    expect((await api(sim, path('&offset=4'))).body.orders).toHaveLength(1);
    expect((await api(sim, '/sell/fulfillment/v1/order?limit=201')).body.errors[0].errorId).toBe(31100);
    expect(
      (
        await api(
          sim,
          `/sell/fulfillment/v1/order?filter=${encodeURIComponent('lastmodifieddate:[2026-01-01..]')}`,
        )
      ).body.errors[0].errorId,
    ).toBe(30810);
    expect((await api(sim, '/sell/fulfillment/v1/order?sort=asc')).status).toBe(400);
    expect(sim.violations.map((v) => v.where)).toEqual(['query.sort']);
  });

  it('ships line items once, refunds within what is left, and checks its answers against the contract', async () => {
    const sim = await start();
    const order = sim.keep(sim.makeOrder(1, ITEMS, { quantities: [2, 1] }));
    const [mug] = order.lineItems;
    const base = `/sell/fulfillment/v1/order/${order.orderId}`;
    const ship = {
      lineItems: [{ lineItemId: mug!.lineItemId, quantity: 2 }],
      shippingCarrierCode: 'USPS',
      trackingNumber: '9400111899223197428490',
      shippedDate: new Date().toISOString(),
    };
    const created = await api(sim, `${base}/shipping_fulfillment`, { method: 'POST', body: ship });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/shipping_fulfillment\/9400111899223197428490$/);
    expect((await api(sim, `${base}/shipping_fulfillment`, { method: 'POST', body: ship })).status).toBe(409);
    const listed = await api(sim, `${base}/shipping_fulfillment`);
    expect(ebayContracts().fulfillment.checkResponse('getShippingFulfillments', 200, listed.body)).toEqual(
      [],
    );
    expect(sim.order(order.orderId)!.orderFulfillmentStatus).toBe('IN_PROGRESS');

    const refund = {
      reasonForRefund: 'OTHER',
      comment: 'out of stock',
      refundItems: [{ lineItemId: mug!.lineItemId, refundAmount: { value: '1.00', currency: 'USD' } }],
    };
    const finances = { ...grant, scope: 'https://api.ebay.com/oauth/api_scope/sell.finances' };
    const bearer = (await token(sim, finances)).body.access_token as string;
    expect((await api(sim, `${base}/issue_refund`, { method: 'POST', body: refund })).status).toBe(403);
    const made = await api(sim, `${base}/issue_refund`, { method: 'POST', body: refund, bearer });
    expect(made.body).toMatchObject({ refundStatus: 'PENDING' });
    expect(ebayContracts().fulfillment.checkResponse('issueRefund', 200, made.body)).toEqual([]);
    const tooMuch = {
      ...refund,
      refundItems: [{ ...refund.refundItems[0], refundAmount: { value: '999.00', currency: 'USD' } }],
    };
    expect(
      (await api(sim, `${base}/issue_refund`, { method: 'POST', body: tooMuch, bearer })).body.errors[0]
        .errorId,
    ).toBe(34924);
    const got = await api(sim, `${base}?fieldGroups=TAX_BREAKDOWN`);
    expect(ebayContracts().fulfillment.checkResponse('getOrder', 200, got.body)).toEqual([]);
    expect(got.body.orderPaymentStatus).toBe('PARTIALLY_REFUNDED');
    expect(sim.violations).toEqual([]);
  });

  it('sets ship-to-home quantities 25 at a time, an unknown SKU refused on its own, and tells onStock', async () => {
    const sim = await start();
    sim.seedCatalog(['A', 'B'], 3);
    const applied: [string, number][] = [];
    sim.onStock((sku, n) => applied.push([sku, n]));
    const inventoryToken = (
      await token(sim, { ...grant, scope: 'https://api.ebay.com/oauth/api_scope/sell.inventory' })
    ).body.access_token as string;
    const push = (skus: string[]) =>
      api(sim, '/sell/inventory/v1/bulk_update_price_quantity', {
        method: 'POST',
        bearer: inventoryToken,
        body: { requests: skus.map((sku) => ({ sku, shipToLocationAvailability: { quantity: 7 } })) },
      });
    const answer = await push(['A', 'NOPE', 'B']);
    expect(answer.status).toBe(207);
    expect(answer.body.responses.map((r: any) => [r.sku, r.statusCode])).toEqual([
      ['A', 200],
      ['NOPE', 400],
      ['B', 200],
    ]);
    expect(ebayContracts().inventory.checkResponse('bulkUpdatePriceQuantity', 207, answer.body)).toEqual([]);
    expect(applied).toEqual([
      ['A', 7],
      ['B', 7],
    ]);
    expect((await push(Array.from({ length: 26 }, () => 'A'))).status).toBe(400);
    sim.throttle(1);
    expect((await push(['A'])).status).toBe(429);
    expect((await push(['A'])).status).toBe(200);
    expect(sim.violations).toEqual([]);
  });

  it("lists a SKU's offers with getOffers and prices them by offerId, each offer answered on its own", async () => {
    const sim = await start();
    sim.seedCatalog(['A', 'B'], 3);
    sim.listOffer('B', 'EBAY_GB', '8.50');
    const bearer = (
      await token(sim, { ...grant, scope: 'https://api.ebay.com/oauth/api_scope/sell.inventory.readonly' })
    ).body.access_token as string;
    const get = (query: string) => api(sim, `/sell/inventory/v1/offer${query}`, { bearer });
    const offers = await get('?sku=B&marketplace_id=EBAY_US');
    expect(offers.status).toBe(200);
    expect(ebayContracts().inventory.checkResponse('getOffers', 200, offers.body)).toEqual([]);
    expect(offers.body).toMatchObject({
      total: 1,
      size: 1,
      offers: [{ sku: 'B', marketplaceId: 'EBAY_US' }],
    });
    expect((await get('?sku=B')).body.total).toBe(2);
    expect((await get('?sku=NOPE')).status).toBe(404);
    expect((await get('')).status).toBe(400);

    const [a] = sim.offers('A');
    const price = (offerId: string, value: string, currency = 'USD') => ({
      offers: [{ offerId, price: { value, currency } }],
    });
    const answer = await api(sim, '/sell/inventory/v1/bulk_update_price_quantity', {
      method: 'POST',
      bearer: (await token(sim, { ...grant, scope: 'https://api.ebay.com/oauth/api_scope/sell.inventory' }))
        .body.access_token as string,
      body: {
        requests: [
          price(a!.offerId, '14.99'),
          price('404404', '1.00'),
          price(offers.body.offers[0].offerId, '3.00', 'EUR'),
        ],
      },
    });
    expect(answer.status).toBe(207);
    expect(ebayContracts().inventory.checkResponse('bulkUpdatePriceQuantity', 207, answer.body)).toEqual([]);
    expect(answer.body.responses.map((r: any) => [r.offerId, r.sku, r.statusCode])).toEqual([
      [a!.offerId, 'A', 200],
      ['404404', undefined, 400],
      [offers.body.offers[0].offerId, 'B', 400],
    ]);
    expect(sim.offers('A')[0]!.pricingSummary.price).toEqual({ value: '14.99', currency: 'USD' });
    expect(sim.offers('B').map((o) => o.pricingSummary.price.value)).toEqual(['10.00', '8.50']);
    expect(sim.violations).toEqual([]);
  });
});
