import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiKey } from '../src/app/api-keys.ts';
import { freePort } from '../sim/shared.ts';
import { createShopifySim, type ShopifyAdmin } from '../sim/shopify.ts';
import { startStorefrontSim, type StorefrontSim } from '../sim/storefront.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';

describeEachDatabase(
  'connection tests: POST /api/v1/channels/{id}/test and /api/v1/suppliers/{id}/test',
  (dialect) => {
    let t: TestHub;
    let storefront: StorefrontSim;
    let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
    let admin: ShopifyAdmin;

    beforeEach(async () => {
      t = await startTestHub(dialect);
      suppliers = await startTestSuppliers(t.url);
      storefront = await startStorefrontSim({
        hubUrl: t.url,
        apiKey: 'unused',
        channelId: 'storefront',
        notifySecret: SECRETS.storefront,
      });
      admin = await createShopifySim({
        shopDomain: 'tested-shop.myshopify.com',
        webhookUrl: `${t.url}/webhooks/shopify/shop`,
        secret: 'shopify-webhook-secret-0001',
      }).startAdmin({ accessToken: 'shpat_tested_token_00000000000001' });
      const setup = testSetup({
        notifyUrl: storefront.notifyUrl,
        prompt: suppliers.prompt.url,
        flaky: `http://127.0.0.1:${await freePort()}/gone`,
      });
      const shop = {
        id: 'shop',
        kind: 'shopify',
        name: 'Shop',
        currency: 'USD',
        shopDomain: 'tested-shop.myshopify.com',
        adminUrl: admin.url,
        webhookSecret: 'shopify-webhook-secret-0001',
        accessToken: 'shpat_tested_token_00000000000001',
      };
      await t.apply({ ...setup, channels: [...setup.channels, shop] });
    });

    afterEach(async () => {
      await Promise.all([
        t.close(),
        storefront.close(),
        suppliers.prompt.close(),
        suppliers.flaky.close(),
        admin.close(),
      ]);
    });

    it('tests a channel with its stored settings and secrets, and says what answered', async () => {
      const shop = await t.api('/api/v1/channels/shop/test', { method: 'POST' });
      expect(shop.status).toBe(200);
      expect(shop.body).toEqual({
        ok: true,
        detail: expect.stringContaining('tested-shop.myshopify.com'),
        checkedAt: expect.any(String),
      });
      const own = await t.api('/api/v1/channels/storefront/test', { method: 'POST' });
      expect(own.body).toMatchObject({ ok: true, detail: expect.stringContaining('ping') });
    });

    it('names the reason a channel fails: credentials the platform refuses', async () => {
      const setup = testSetup({
        notifyUrl: storefront.notifyUrl,
        prompt: suppliers.prompt.url,
        flaky: suppliers.flaky.url,
      });
      setup.channels[0] = { ...setup.channels[0]!, notifySecret: 'a-rotated-notify-secret-0001' };
      await t.apply(setup);
      const { status, body } = await t.api('/api/v1/channels/storefront/test', { method: 'POST' });
      expect(status).toBe(200);
      expect(body).toMatchObject({
        ok: false,
        reason: 'unauthorized',
        detail: expect.stringContaining('401'),
      });
      expect(JSON.stringify(body)).not.toContain('a-rotated-notify-secret-0001');
    });

    it('tests a supplier: a signed ping its endpoint takes, no purchase order; one that does not answer is unreachable', async () => {
      const prompt = await t.api('/api/v1/suppliers/prompt/test', { method: 'POST' });
      expect(prompt.body).toMatchObject({ ok: true });
      expect(suppliers.prompt.pings).toBe(1);
      expect(suppliers.prompt.received.size).toBe(0);
      const gone = await t.api('/api/v1/suppliers/flaky/test', { method: 'POST' });
      expect(gone.body).toMatchObject({ ok: false, reason: 'unreachable' });
    });

    it("never shows an address's credentials: not in the settings listed, not in what a test found", async () => {
      const setup = testSetup({
        prompt: `http://bob:proxy-pass-0001@127.0.0.1:${await freePort()}/po`,
        flaky: suppliers.flaky.url,
      });
      const shop = {
        id: 'proxied',
        kind: 'shopify',
        name: 'Proxied',
        currency: 'USD',
        shopDomain: 'tested-shop.myshopify.com',
        adminUrl: 'http://ann:proxy-pass-0002@127.0.0.1:9',
        webhookSecret: 'shopify-webhook-secret-0001',
        accessToken: 'shpat_tested_token_00000000000001',
      };
      await t.apply({ ...setup, channels: [...setup.channels, shop] });
      const shown = JSON.stringify([
        (await t.api('/api/v1/channels')).body,
        (await t.api('/api/v1/suppliers')).body,
      ]);
      expect(shown).toContain('http://***@127.0.0.1:9');
      const tested = JSON.stringify([
        (await t.api('/api/v1/channels/proxied/test', { method: 'POST' })).body,
        (await t.api('/api/v1/suppliers/prompt/test', { method: 'POST' })).body,
      ]);
      expect(tested).toContain('"ok":false');
      for (const secret of ['proxy-pass-0001', 'proxy-pass-0002'])
        expect(shown + tested).not.toContain(secret);
    });

    it('404 for a channel or supplier that does not exist; a read-only key may not run a test', async () => {
      const missing = await t.api('/api/v1/channels/nope/test', { method: 'POST' });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
      expect((await t.api('/api/v1/suppliers/nope/test', { method: 'POST' })).status).toBe(404);
      const { key } = await createApiKey(t.hub.ctx, 'read-only');
      expect((await t.api('/api/v1/channels/shop/test', { method: 'POST', key })).status).toBe(403);
    });
  },
);
