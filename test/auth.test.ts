import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiKey } from '../src/app/api-keys.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, SECRETS, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';

const ORDERS = '/api/v1/channels/storefront/orders';
const URLS = {
  notifyUrl: 'http://127.0.0.1:9/events',
  prompt: 'http://127.0.0.1:9/prompt',
  flaky: 'http://127.0.0.1:9/flaky',
};
const ALL_SECRETS = [...Object.values(SECRETS), ...Object.values(SUPPLIER_TOKENS)];

type Answer = { status: number; body: any; headers: Headers };

describeEachDatabase('who may do what: API keys, supplier tokens and secrets', (dialect) => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub(dialect);
    await t.apply(testSetup(URLS));
  });
  afterEach(async () => {
    await t?.close();
  });

  const count = async (table: 'orders' | 'purchase_orders' | 'events' | 'jobs') => {
    const row = await t.hub.store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  /** A request to the supplier API with the given bearer token (null: no Authorization header). */
  async function supplierApi(token: string | null, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${t.url}/supplier-api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  function expectUnauthorized(answer: Answer) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(401);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(answer.body).toMatchObject({ status: 401, code: 'unauthorized' });
  }

  function expectForbidden(answer: Answer) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 403 });
  }

  async function placeOrder(
    externalId: string,
    lines: { sku: string; quantity: number }[] = [{ sku: 'MUG-BLUE', quantity: 1 }],
  ) {
    const created = await t.api(ORDERS, { body: orderBody(externalId, lines) });
    expect(created.status).toBe(201);
    return created.body;
  }

  // ── The operator API ──────────────────────────────────────────────────────────────────────────────────────────

  it('no key, a wrong key or a malformed Authorization header → 401 with WWW-Authenticate: Bearer', async () => {
    const wrongKey = 'wb_notarealkeynotarealkeynotarealkey00';
    const headers: (Record<string, string> | undefined)[] = [
      undefined,
      { authorization: `Bearer ${wrongKey}` },
      { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${t.adminKey} extra` },
      { authorization: t.adminKey },
    ];
    for (const h of headers) {
      expectUnauthorized(await t.api('/api/v1/orders', { key: null, ...(h ? { headers: h } : {}) }));
      expectUnauthorized(await t.api('/api/v1/suppliers', { key: null, ...(h ? { headers: h } : {}) }));
      expectUnauthorized(
        await t.api(ORDERS, {
          key: null,
          body: orderBody(`anon-${Math.random()}`),
          ...(h ? { headers: h } : {}),
        }),
      );
    }
    expect(await count('orders')).toBe(0);
  });

  it('authentication comes before input validation: an unauthenticated bad body gets 401, not a validation report', async () => {
    expectUnauthorized(await t.api(ORDERS, { key: null, body: { nonsense: true } }));
    expectUnauthorized(
      await t.api(ORDERS, { key: 'wb_wrongwrongwrongwrongwrongwrong', body: { nonsense: true } }),
    );
    expectUnauthorized(await t.api('/api/v1/setup', { key: null, body: { apiVersion: 'nope' } }));
    expectUnauthorized(await supplierApi(null, '/purchase-orders/PO-X/acknowledgement', { nonsense: true }));
  });

  it('a read-only key may read but not take orders or apply a setup (403), and nothing changes', async () => {
    const { key } = await createApiKey(t.hub.ctx, 'read-only');
    const list = await t.api('/api/v1/orders', { key });
    expect(list.status).toBe(200);
    expect(list.body.orders).toEqual([]);
    expect((await t.api('/api/v1/suppliers', { key })).status).toBe(200);

    expectForbidden(await t.api(ORDERS, { key, body: orderBody('ro-1') }));
    expect(await count('orders')).toBe(0);

    const renamed = { ...testSetup(URLS), retailer: { name: 'Renamed by read-only' } };
    expectForbidden(await t.api('/api/v1/setup', { key, body: renamed }));
    expectForbidden(await t.api('/api/v1/setup', { key, body: { apiVersion: 'nope' } }));
    const retailer = await t.hub.store.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'retailer.name')
      .executeTakeFirst();
    expect(retailer?.value).toBe('Test Retailer');
    // The admin key is allowed the same request (so the 403 above is about the role, not the request).
    expect((await t.api('/api/v1/setup?dryRun=true', { body: renamed })).status).toBe(200);
  });

  it('an operator key may take orders', async () => {
    const { key } = await createApiKey(t.hub.ctx, 'operator');
    const created = await t.api(ORDERS, { key, body: orderBody('op-1') });
    expect(created.status).toBe(201);
    const listed = await t.api('/api/v1/orders', { key });
    expect(listed.status).toBe(200);
    expect(listed.body.orders.map((o: any) => o.externalId)).toEqual(['op-1']);
  });

  it('changing the setup (which sets credentials) takes an admin key; an operator key gets 403', async () => {
    const { key } = await createApiKey(t.hub.ctx, 'operator');
    const doc = { apiVersion: 'waybill/v1', retailer: { name: 'Renamed by an operator' } };
    const refused = await t.api('/api/v1/setup', { key, body: doc });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await t.api('/api/v1/setup', { body: doc })).status).toBe(200);
  });

  it('API keys are stored as hashes only: no key text anywhere in api_keys', async () => {
    const keys = [
      t.adminKey,
      (await createApiKey(t.hub.ctx, 'operator')).key,
      (await createApiKey(t.hub.ctx, 'read-only', 'dashboard')).key,
    ];
    for (const key of keys) expect((await t.api('/api/v1/orders', { key })).status).toBe(200);
    const rows = await t.hub.store.db.selectFrom('api_keys').selectAll().execute();
    expect(rows).toHaveLength(3);
    const stored = JSON.stringify(rows);
    for (const key of keys) {
      const secretPart = key.replace(/^wb_/, '');
      expect(secretPart.length).toBeGreaterThanOrEqual(24);
      expect(stored).not.toContain(secretPart);
      expect(stored).not.toContain(Buffer.from(key).toString('base64'));
    }
  });

  // ── The supplier API ──────────────────────────────────────────────────────────────────────────────────────────

  it("a supplier's token reaches its own purchase orders", async () => {
    const order = await placeOrder('s-1');
    const po = order.purchaseOrders[0];
    expect(po.supplierId).toBe('prompt');
    const got = await supplierApi(SUPPLIER_TOKENS.prompt, `/purchase-orders/${po.poNumber}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ poNumber: po.poNumber, supplierId: 'prompt' });
    const ack = await supplierApi(SUPPLIER_TOKENS.prompt, `/purchase-orders/${po.poNumber}/acknowledgement`, {
      lines: [{ lineNumber: 1, status: 'accepted' }],
    });
    expect(ack.status).toBe(200);
    expect(ack.body.state).toBe('accepted');
  });

  it("another supplier's token gets 404 on a PO that is not its own, exactly as for a PO that does not exist", async () => {
    const order = await placeOrder('s-2');
    const { poNumber } = order.purchaseOrders[0];
    const missing = 'PO-00000000000000000000000000-PROMPT';
    const ack = { lines: [{ lineNumber: 1, status: 'accepted' }] };
    const ship = {
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      lines: [{ lineNumber: 1, quantity: 1 }],
    };
    for (const [suffix, body] of [
      ['', undefined],
      ['/acknowledgement', ack],
      ['/shipments', ship],
    ] as const) {
      const foreign = await supplierApi(SUPPLIER_TOKENS.flaky, `/purchase-orders/${poNumber}${suffix}`, body);
      const absent = await supplierApi(SUPPLIER_TOKENS.flaky, `/purchase-orders/${missing}${suffix}`, body);
      expect(foreign.status, `${suffix}: ${JSON.stringify(foreign.body)}`).toBe(404);
      expect(foreign.headers.get('content-type')).toContain('application/problem+json');
      // Nothing tells the two apart but the number itself.
      const scrub = (b: any, n: string) => JSON.parse(JSON.stringify(b).replaceAll(n, '<po>'));
      expect(scrub(foreign.body, poNumber)).toEqual(scrub(absent.body, missing));
      expect(absent.status).toBe(404);
    }
    // The foreign acknowledgement and shipment changed nothing.
    const po = await supplierApi(SUPPLIER_TOKENS.prompt, `/purchase-orders/${poNumber}`);
    expect(po.body.state).toBe('pending');
    expect(po.body.acknowledgedAt).toBeNull();
    expect(po.body.lines[0]).toMatchObject({ status: 'open', shippedQuantity: 0 });
  });

  it('the list shows a supplier its own purchase orders only', async () => {
    const order = await placeOrder('s-3', [
      { sku: 'MUG-BLUE', quantity: 1 },
      { sku: 'LAMP-OAK', quantity: 1 },
    ]);
    await placeOrder('s-4', [{ sku: 'MUG-BLUE', quantity: 2 }]);
    const byId = Object.fromEntries(order.purchaseOrders.map((po: any) => [po.supplierId, po.poNumber]));
    expect(Object.keys(byId).sort()).toEqual(['flaky', 'prompt']);

    const prompt = await supplierApi(SUPPLIER_TOKENS.prompt, '/purchase-orders');
    const flaky = await supplierApi(SUPPLIER_TOKENS.flaky, '/purchase-orders');
    expect(prompt.status).toBe(200);
    expect(flaky.status).toBe(200);
    expect(prompt.body.purchaseOrders).toHaveLength(2);
    expect(prompt.body.purchaseOrders.every((po: any) => po.supplierId === 'prompt')).toBe(true);
    expect(flaky.body.purchaseOrders.map((po: any) => po.poNumber)).toEqual([byId.flaky]);
    expect(JSON.stringify(flaky.body)).not.toContain(byId.prompt);
  });

  it('an API key is not a supplier token, a supplier token is not an API key, and no token is 401', async () => {
    const order = await placeOrder('s-5');
    const { poNumber } = order.purchaseOrders[0];
    expectUnauthorized(await supplierApi(t.adminKey, '/purchase-orders'));
    expectUnauthorized(await supplierApi(t.adminKey, `/purchase-orders/${poNumber}`));
    expectUnauthorized(await supplierApi(null, '/purchase-orders'));
    expectUnauthorized(
      await supplierApi(null, `/purchase-orders/${poNumber}/acknowledgement`, {
        lines: [{ lineNumber: 1, status: 'accepted' }],
      }),
    );
    expectUnauthorized(await supplierApi('prompt-token-wrong-0123456789', '/purchase-orders'));
    expectUnauthorized(await t.api('/api/v1/orders', { key: SUPPLIER_TOKENS.prompt }));
    expect((await supplierApi(SUPPLIER_TOKENS.prompt, `/purchase-orders/${poNumber}`)).body.state).toBe(
      'pending',
    );
  });

  // ── Secrets ───────────────────────────────────────────────────────────────────────────────────────────────────

  it('no secret or token is returned by the API', async () => {
    for (const path of ['/api/v1/suppliers', '/api/v1/channels', '/api/v1/products']) {
      const answer = await t.api(path);
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.body);
      for (const secret of ALL_SECRETS) expect(text, `${path} shows ${secret}`).not.toContain(secret);
    }
    // The listings do show the partners (so the checks above looked at something).
    expect((await t.api('/api/v1/suppliers')).body.suppliers.map((s: any) => s.id)).toEqual([
      'flaky',
      'prompt',
    ]);
    expect((await t.api('/api/v1/channels')).body.channels).toEqual([
      expect.objectContaining({ id: 'storefront', notifyUrl: URLS.notifyUrl }),
    ]);
  });

  it('secrets are stored encrypted and supplier tokens as hashes', async () => {
    const suppliers = await t.hub.store.db.selectFrom('suppliers').selectAll().execute();
    const channels = await t.hub.store.db.selectFrom('channels').selectAll().execute();
    expect(suppliers).toHaveLength(2);
    expect(channels).toHaveLength(1);
    const raw = JSON.stringify([suppliers, channels]);
    for (const secret of ALL_SECRETS) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain(Buffer.from(secret).toString('base64'));
      expect(raw).not.toContain(Buffer.from(secret).toString('base64url'));
      expect(raw).not.toContain(Buffer.from(secret).toString('hex'));
    }
    for (const s of suppliers) {
      expect(s.secrets, `${s.id} has a sealed signing secret`).toEqual(expect.any(String));
      expect(s.secrets!.length).toBeGreaterThan(20);
      expect(s.api_token_hash).toEqual(expect.any(String));
      expect(s.api_token_hash).not.toBe(SUPPLIER_TOKENS[s.id as keyof typeof SUPPLIER_TOKENS]);
    }
    expect(channels[0]!.secrets).toEqual(expect.any(String));
  });
});
