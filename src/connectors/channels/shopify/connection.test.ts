import { afterEach, describe, expect, it } from 'vitest';
import { createShopifySim, FULL_ACCESS_SCOPES, type ShopifyAdmin } from '../../../../sim/shopify.ts';
import { shopify } from './index.ts';

const SHOP = 'scoped-shop.myshopify.com';
const SECRET = 'shopify-webhook-secret-0001';
const TOKEN = 'shpat_connection_test_token_00001';
const options = () => ({ signal: AbortSignal.timeout(10_000), now: new Date() });

describe('the Shopify connection test', () => {
  let admin: ShopifyAdmin | undefined;
  afterEach(async () => {
    await admin?.close();
  });

  async function adminWith(accessScopes: readonly string[], shopDomain = SHOP): Promise<ShopifyAdmin> {
    admin = await createShopifySim({
      shopDomain,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
    }).startAdmin({ accessToken: TOKEN, accessScopes });
    return admin;
  }

  it("names the shop and reads the token's scopes", async () => {
    const { url } = await adminWith(FULL_ACCESS_SCOPES);
    const result = await shopify.test(
      { shopDomain: SHOP, adminUrl: url },
      { webhookSecret: SECRET, accessToken: TOKEN },
      options(),
    );
    expect(result).toEqual({ ok: true, detail: expect.stringContaining(SHOP) });
    expect(admin!.calls.map((c) => c.operationName)).toEqual(['WaybillConnectionTest']);
  });

  it('names each scope the token lacks for what Waybill does (a write scope counts as its read scope)', async () => {
    const { url } = await adminWith([
      'write_orders',
      'write_merchant_managed_fulfillment_orders',
      'write_products',
      'read_locations',
    ]);
    const result = await shopify.test(
      { shopDomain: SHOP, adminUrl: url },
      { webhookSecret: SECRET, accessToken: TOKEN },
      options(),
    );
    expect(result).toMatchObject({ ok: false, reason: 'missing_scope' });
    expect(result.detail).toContain('write_inventory for stock');
    expect(result.detail).not.toMatch(/read_orders|write_products|fulfillmentCreate/);
  });

  it('asks for the fulfillment service scopes only when the channel is one', async () => {
    const scopes = FULL_ACCESS_SCOPES.filter((s) => s !== 'write_fulfillments');
    const { url } = await adminWith(scopes);
    const secrets = { webhookSecret: SECRET, accessToken: TOKEN };
    expect(await shopify.test({ shopDomain: SHOP, adminUrl: url }, secrets, options())).toMatchObject({
      ok: true,
    });
    const asService = await shopify.test(
      { shopDomain: SHOP, adminUrl: url, fulfillmentService: { name: 'Waybill' } },
      secrets,
      options(),
    );
    expect(asService).toMatchObject({
      ok: false,
      reason: 'missing_scope',
      detail: expect.stringContaining('write_fulfillments'),
    });
  });

  it("refuses a token of another shop than the channel's", async () => {
    const { url } = await adminWith(FULL_ACCESS_SCOPES, 'another-shop.myshopify.com');
    const result = await shopify.test(
      { shopDomain: SHOP, adminUrl: url },
      { webhookSecret: SECRET, accessToken: TOKEN },
      options(),
    );
    expect(result).toMatchObject({
      ok: false,
      reason: 'refused',
      detail: expect.stringContaining('another-shop.myshopify.com'),
    });
  });

  it('without an access token there is nothing to call: ok, and no request made', async () => {
    const { url } = await adminWith(FULL_ACCESS_SCOPES);
    expect(
      await shopify.test({ shopDomain: SHOP, adminUrl: url }, { webhookSecret: SECRET }, options()),
    ).toMatchObject({ ok: true });
    expect(admin!.calls).toEqual([]);
  });
});
