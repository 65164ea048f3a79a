import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { salesChannels } from '../src/connectors/channels/registry.ts';
import { closeServer, listen } from '../sim/shared.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { exampleMarket, signExample } from './support/example-channel/index.ts';
import { startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const WEBHOOK_SECRET = 'example-webhook-secret-0001';
const API_KEY = 'example-api-key-0001';

/**
 * A channel kind Waybill does not ship joins with its folder (test/support/example-channel) and one registry line:
 * the setup document takes its entry, its secrets are sealed and never shown, its webhooks have their route, its
 * orders are taken in, and its connection test runs. Nothing outside its folder names it.
 */
describeEachDatabase('a new channel kind: its folder and one registry line', (dialect) => {
  let t: TestHub;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
  let account: Server;
  let apiUrl: string;

  beforeEach(async () => {
    account = createServer((req, res) => {
      const ok = req.url === '/account' && req.headers.authorization === `Bearer ${API_KEY}`;
      res
        .writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
        .end(ok ? '{"name":"Acme Outlet"}' : '{"error":"bad key"}');
    });
    apiUrl = `http://127.0.0.1:${await listen(account)}`;
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      channels: salesChannels.with(exampleMarket),
    });
    suppliers = await startTestSuppliers(t.url);
    const setup = testSetup({ prompt: suppliers.prompt.url, flaky: suppliers.flaky.url });
    const market = {
      id: 'acme',
      kind: 'example-market',
      name: 'Acme on Example Market',
      currency: 'USD',
      apiUrl,
      webhookSecret: WEBHOOK_SECRET,
      apiKey: API_KEY,
    };
    await t.apply({ ...setup, channels: [...setup.channels, market] });
  });

  afterEach(async () => {
    await Promise.all([t.close(), suppliers.prompt.close(), suppliers.flaky.close(), closeServer(account)]);
  });

  const order = (id: string) => ({
    id,
    placed: '2026-12-01T10:00:00Z',
    currency: 'USD',
    buyer: { email: 'ann@example.com', name: 'Ann Smith' },
    shipTo: { name: 'Ann Smith', street: '1 Main St', city: 'Springfield', zip: '62701', country: 'US' },
    items: [{ sku: 'MUG-BLUE', qty: 2, priceCents: 1299 }],
  });

  function deliver(body: string, signature = signExample(body, WEBHOOK_SECRET), deliveryId = 'd-1') {
    return t.api('/webhooks/example-market/acme', {
      rawBody: body,
      headers: {
        'x-example-signature': signature,
        'x-example-delivery': deliveryId,
        'x-example-topic': 'order.placed',
      },
      key: null,
    });
  }

  it('its setup entry is applied, its settings shown and its secrets never', async () => {
    const { body } = await t.api('/api/v1/channels');
    const acme = (body.channels as { id: string }[]).find((c) => c.id === 'acme');
    expect(acme).toMatchObject({ kind: 'example-market', settings: { apiUrl, region: 'eu' } });
    expect(JSON.stringify(body)).not.toContain(WEBHOOK_SECRET);
    expect(JSON.stringify(body)).not.toContain(API_KEY);
    const wrong = await t.api('/api/v1/setup', {
      body: {
        apiVersion: 'waybill/v1',
        channels: [
          {
            id: 'acme',
            kind: 'example-market',
            name: 'Acme',
            currency: 'USD',
            apiUrl,
            webhookSecret: 'short',
            apiKey: API_KEY,
          },
        ],
      },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toContain('channels[0].webhookSecret');
  });

  it('a signed order webhook is taken in, once; an altered one is refused', async () => {
    const body = JSON.stringify(order('A-100'));
    expect(await deliver(body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(await deliver(body)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(
      (await deliver(body.replace('A-100', 'A-101'), signExample(body, WEBHOOK_SECRET), 'd-2')).status,
    ).toBe(401);
    await until('the order taken in, its PO delivered', () => suppliers.prompt.received.size === 1);
    const { body: listed } = await t.api('/api/v1/orders?channelId=acme');
    expect(listed.orders).toHaveLength(1);
    expect(listed.orders[0]).toMatchObject({ externalId: 'A-100' });
  });

  it('its connection test runs through the API, and its webhook route is documented', async () => {
    expect((await t.api('/api/v1/channels/acme/test', { method: 'POST' })).body).toMatchObject({
      ok: true,
      detail: 'account Acme Outlet',
    });
    const { body: openapi } = await t.api('/openapi.json');
    expect(Object.keys(openapi.paths)).toContain('/webhooks/example-market/{channelId}');
  });
});
