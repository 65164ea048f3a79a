import { afterEach, expect, it } from 'vitest';
import type { Logger } from '../src/app/context.ts';
import { createShopifySim, type ShopifyAdmin } from '../sim/shopify.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, SUPPLIER_TOKENS, startTestHub, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';
import { fakeClock } from './support/fake-clock.ts';

const SHOP = 'version-shop.myshopify.com';
const WEBHOOK_SECRET = 'shpss_version_client_secret_01';
const TOKEN = 'shpat_version_admin_token_0123456789';
const SERVED_ANOTHER = 'Shopify answers with another API version than Waybill asks for';

function recordingLog(): Logger & {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, ...(fields && { fields }) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describeEachDatabase('the Shopify Admin API version in the channel status', (dialect) => {
  let t: TestHub | undefined;
  let admin: ShopifyAdmin | undefined;
  afterEach(async () => {
    await admin?.close();
    await t?.close();
  });

  async function connect(hub: TestHub, adminUrl: string): Promise<void> {
    const answer = await hub.api('/api/v1/setup', {
      body: {
        apiVersion: 'waybill/v1',
        channels: [
          {
            id: 'shop',
            kind: 'shopify',
            name: 'Shopify',
            currency: 'USD',
            shopDomain: SHOP,
            webhookSecret: WEBHOOK_SECRET,
            accessToken: TOKEN,
            adminUrl,
          },
        ],
        suppliers: [
          {
            id: 'prompt',
            name: 'Prompt',
            currency: 'USD',
            apiToken: SUPPLIER_TOKENS.prompt,
            transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
          },
        ],
        products: [
          {
            sku: 'MUG-BLUE',
            name: 'Mug',
            offers: [
              { supplier: 'prompt', supplierSku: 'P-MUG', cost: { amount: 100, currency: 'USD' }, stock: 4 },
            ],
          },
        ],
      },
    });
    expect(answer.status).toBe(200);
  }
  const versionOf = async (hub: TestHub) =>
    (await hub.api('/api/v1/channels')).body.channels.find((c: any) => c.id === 'shop').apiVersion;

  it('says once, in the status and the log, that Shopify answered with another version than asked', async () => {
    // 2026-10 left support on 2027-10-01 at 17:00 UTC: Shopify answers its calls with the oldest supported, 2027-01.
    const clock = fakeClock('2027-10-02T09:00:00Z');
    const log = recordingLog();
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 }, clock, log });
    const shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: WEBHOOK_SECRET,
      seed: 3,
    });
    shop.addVariant({ sku: 'MUG-BLUE', available: 0 });
    admin = await shop.startAdmin({ accessToken: TOKEN, now: clock.now });
    await connect(t, admin.url);
    await until('the stock to reach Shopify', () => admin?.available('MUG-BLUE') === 4);
    const hub = t;
    await until(
      'the status to name the version served',
      async () => (await versionOf(hub)).served === '2027-01',
    );
    expect(await versionOf(t)).toEqual({
      requested: '2026-10',
      supportedUntil: '2027-10-01T17:00:00Z',
      served: '2027-01',
      servedSince: '2027-10-02T09:00:00.000Z',
      warnings: [
        'Shopify answers with Admin API version 2027-01, not 2026-10 as Waybill asks: update Waybill',
        "Admin API version 2026-10 left Shopify's support on 2027-10-01: update Waybill",
      ],
    });
    expect(admin.calls.length).toBeGreaterThan(2);
    expect(admin.calls.every((c) => c.apiVersion === '2026-10' && c.servedVersion === '2027-01')).toBe(true);
    // More calls, still one line; it names the shop's host and the versions, nothing secret.
    const before = admin.calls.length;
    shop.setAvailable('MUG-BLUE', 1);
    await t.api('/api/v1/setup', {
      body: {
        apiVersion: 'waybill/v1',
        products: [
          {
            sku: 'MUG-BLUE',
            name: 'Mug',
            offers: [
              { supplier: 'prompt', supplierSku: 'P-MUG', cost: { amount: 100, currency: 'USD' }, stock: 5 },
            ],
          },
        ],
      },
    });
    await until(
      'the next sync to reach Shopify',
      () => admin?.available('MUG-BLUE') === 5 && admin.calls.length > before,
    );
    const told = log.lines.filter((l) => l.message === SERVED_ANOTHER);
    expect(told).toEqual([
      {
        level: 'warn',
        message: SERVED_ANOTHER,
        fields: { channel: 'shop', requested: '2026-10', served: '2027-01' },
      },
    ]);
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('warns in the status from 90 days before the pinned version leaves support, and not before', async () => {
    const clock = fakeClock('2027-07-03T16:59:59Z');
    t = await startTestHub(dialect, { clock });
    await connect(t, 'http://127.0.0.1:9');
    expect(await versionOf(t)).toEqual({
      requested: '2026-10',
      supportedUntil: '2027-10-01T17:00:00Z',
      served: null,
      servedSince: null,
      warnings: [],
    });
    clock.set('2027-07-03T17:00:00Z');
    expect((await versionOf(t)).warnings).toEqual([
      "Admin API version 2026-10 leaves Shopify's support on 2027-10-01: update Waybill before then",
    ]);
    // Other kinds have no API version to show.
    await t.api('/api/v1/setup', {
      body: {
        apiVersion: 'waybill/v1',
        channels: [{ id: 'own', kind: 'storefront', name: 'Own', currency: 'USD' }],
      },
    });
    expect(
      (await t.api('/api/v1/channels')).body.channels.find((c: any) => c.id === 'own').apiVersion,
    ).toBeNull();
  });
});
