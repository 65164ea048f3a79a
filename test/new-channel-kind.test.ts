import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { salesChannels } from '../src/connectors/channels/registry.ts';
import { closeServer, listen, readBody } from '../sim/shared.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { exampleMarket, signExample } from './support/example-channel/index.ts';
import { startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';
import { fakeClock } from './support/fake-clock.ts';
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

  let marketplace: ExampleMarketplace;

  beforeEach(async () => {
    marketplace = new ExampleMarketplace();
    account = createServer((req, res) => void marketplace.answer(req, res));
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

  function notify(body: string, signature = signExample(body, WEBHOOK_SECRET)) {
    return t.api('/webhooks/example-market/acme/notifications', {
      rawBody: body,
      headers: { 'x-example-signature': signature, 'x-example-topic': 'order.changed' },
      key: null,
    });
  }

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

  it('a signed notification wakes its order poll, which takes in the order it names', async () => {
    const nextPoll = async () =>
      (
        await t.hub.store.db
          .selectFrom('jobs')
          .select(['run_at', 'state'])
          .where('key', '=', 'channel.catch-up:acme')
          .executeTakeFirst()
      )?.run_at;
    // After its first run the poll is due again as the channel asked: an hour on, not the default five minutes.
    await until('the first poll done', async () => ((await nextPoll()) ?? 0) > Date.now() + 30 * 60_000);
    expect(Number(await nextPoll()) - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(marketplace.polls).toBe(1);
    marketplace.orders.push(order('P-200'));
    const body = JSON.stringify({ orderId: 'P-200' });
    expect((await notify(body, signExample('{"orderId":"other"}', WEBHOOK_SECRET))).status).toBe(401);
    expect((await notify('{"order":"P-200"}')).status).toBe(400);
    // The poll runs an hour apart: only the notification brings it forward.
    expect(await notify(body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    await until('the order found by the woken poll', async () => {
      const { body: listed } = await t.api('/api/v1/orders?channelId=acme');
      return listed.orders.some((o: { externalId: string }) => o.externalId === 'P-200');
    });
    await until('its PO delivered', () => suppliers.prompt.received.size === 1);
  });

  it('a poll passes over an order it cannot read, naming it, and takes in the rest and their refunds', async () => {
    await until('the first poll', () => marketplace.polls > 0);
    marketplace.orders.push({ ...order('P-301'), buyer: { name: 'No Email' } }, order('P-300'));
    await notify(JSON.stringify({ orderId: 'P-300' }));
    await until('the readable order taken in', async () => {
      const { body: listed } = await t.api('/api/v1/orders?channelId=acme');
      return listed.orders.some((o: { externalId: string }) => o.externalId === 'P-300');
    });
    const refused = async () =>
      await t.hub.store.db
        .selectFrom('jobs')
        .select(['state', 'last_error'])
        .where('kind', '=', 'channel.delivery')
        .where('state', '=', 'dead')
        .execute();
    await until('the unreadable order reported', async () => (await refused()).length === 1);
    expect((await refused())[0]!.last_error).toContain('order P-301 cannot be read: buyer.email');

    // A refund made at the market, found by the next poll (twice: stored once).
    marketplace.refunds.push({
      id: 'R-1',
      orderId: 'P-300',
      at: '2026-12-02T10:00:00Z',
      items: [{ sku: 'MUG-BLUE', qty: 1 }],
      cents: 1299,
      currency: 'USD',
    });
    const polls = marketplace.polls;
    await notify(JSON.stringify({ orderId: 'P-300' }));
    await until('polled again', () => marketplace.polls > polls);
    await notify(JSON.stringify({ orderId: 'P-300' }));
    await until('polled a third time', () => marketplace.polls > polls + 1);
    const refundedEvents = async () =>
      await t.hub.store.db
        .selectFrom('events')
        .select('data')
        .where('type', '=', 'order.refunded_at_channel')
        .execute();
    await until('the refund applied', async () => (await refundedEvents()).length > 0);
    expect((await refundedEvents()).map((e) => JSON.parse(e.data).refundId)).toEqual(['R-1']);
    // Still one dead delivery: the unreadable order found by every poll is reported once.
    expect(await refused()).toHaveLength(1);
  });

  it('a refund found with its order waits for the order to be in, then is applied once', async () => {
    await until('the first poll', () => marketplace.polls > 0);
    marketplace.orders.push(order('P-400'));
    marketplace.refunds.push({
      id: 'R-4',
      orderId: 'P-400',
      at: '2026-12-02T11:00:00Z',
      items: [{ sku: 'MUG-BLUE', qty: 2 }],
      cents: 2598,
      currency: 'USD',
    });
    const inbox = async (topic: string) =>
      (
        await t.hub.store.db
          .selectFrom('channel_deliveries')
          .select('delivery_id')
          .where('channel_id', '=', 'acme')
          .where('topic', '=', topic)
          .execute()
      ).map((d) => d.delivery_id);
    const polls = marketplace.polls;
    await notify(JSON.stringify({ orderId: 'P-400' }));
    await until(
      'the order stored by the poll that found both',
      async () => (await inbox('waybill/polled-order')).length === 1,
    );
    await until('that poll done', () => marketplace.polls > polls);
    // Its refund is left for a later poll: processed first, it would find no order and be lost.
    expect(await inbox('waybill/polled-refund')).toEqual([]);
    await until('the order taken in', async () => {
      const { body: listed } = await t.api('/api/v1/orders?channelId=acme');
      return listed.orders.some((o: { externalId: string }) => o.externalId === 'P-400');
    });
    await notify(JSON.stringify({ orderId: 'P-400' }));
    const refundedEvents = async () =>
      await t.hub.store.db
        .selectFrom('events')
        .select('data')
        .where('type', '=', 'order.refunded_at_channel')
        .execute();
    await until('the refund applied', async () => (await refundedEvents()).length > 0);
    expect(await inbox('waybill/polled-refund')).toEqual(['poll-refund:R-4']);
  });
});

/**
 * A stock push the market processes later: its levels count as told when sent, a report the market finishes later
 * rejects one SKU, which is reported and sent again by the next full pass, the others are not.
 */
describeEachDatabase('a new channel kind: stock the platform processes later', (dialect) => {
  let t: TestHub;
  let account: Server;
  let marketplace: ExampleMarketplace;
  const clock = fakeClock('2027-03-01T09:00:00.500Z');

  beforeEach(async () => {
    clock.set('2027-03-01T09:00:00.500Z');
    marketplace = new ExampleMarketplace();
    account = createServer((req, res) => void marketplace.answer(req, res));
    const apiUrl = `http://127.0.0.1:${await listen(account)}`;
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      clock,
      channels: salesChannels.with(exampleMarket),
    });
    const setup = testSetup({ prompt: 'http://127.0.0.1:9', flaky: 'http://127.0.0.1:9' });
    // Stock the suppliers report: channels are told levels of bounded SKUs only.
    const products = setup.products.map((p, i) => ({
      ...p,
      offers: p.offers.map((o) => ({ ...o, stock: 10 + i })),
    }));
    const market = {
      id: 'acme',
      kind: 'example-market',
      name: 'Acme on Example Market',
      currency: 'USD',
      apiUrl,
      webhookSecret: WEBHOOK_SECRET,
      apiKey: API_KEY,
    };
    await t.apply({ ...setup, products, channels: [...setup.channels, market] });
  });

  afterEach(async () => {
    await Promise.all([t.close(), closeServer(account)]);
  });

  const toldToAcme = async () =>
    (
      await t.hub.store.db
        .selectFrom('channel_stock')
        .select('sku')
        .where('channel_id', '=', 'acme')
        .orderBy('sku')
        .execute()
    ).map((r) => r.sku);
  const skippedEvents = async () =>
    (
      await t.hub.store.db.selectFrom('events').select('data').where('type', '=', 'stock.skipped').execute()
    ).map((e) => JSON.parse(e.data) as { channelId: string; skipped: { sku: string; reason: string }[] });
  /** Time goes on a second at each look, as the sync's runs need. */
  const after = (what: string, check: () => boolean | Promise<boolean>) =>
    until(what, async () => {
      clock.advance(1_000);
      return check();
    });

  it('levels a report rejects are reported and sent again; accepted ones stay told', async () => {
    await after('every SKU uploaded and told', async () => (await toldToAcme()).length === 3);
    expect(marketplace.uploadedSkus()).toEqual(['LAMP-OAK', 'MUG-BLUE', 'TEE-RED-M']);
    expect(await toldToAcme()).toEqual(['LAMP-OAK', 'MUG-BLUE', 'TEE-RED-M']);
    const uploads = marketplace.uploads.length;
    marketplace.reject.set('LAMP-OAK', 'no listing with this SKU');
    marketplace.finish();

    await after('the rejection reported', async () => (await skippedEvents()).length > 0);
    expect(await skippedEvents()).toEqual([
      { channelId: 'acme', skipped: [{ sku: 'LAMP-OAK', reason: 'no listing with this SKU' }] },
    ]);
    expect(await toldToAcme()).toEqual(['MUG-BLUE', 'TEE-RED-M']);
    expect(await t.hub.store.db.selectFrom('channel_stock_reports').select('report_id').execute()).toEqual(
      [],
    );
    // Nothing changed since: only the rejected SKU goes out again, at the next full pass (every five minutes).
    marketplace.reject.clear();
    clock.advance(5 * 60_000);
    await after('the rejected SKU sent again', () => marketplace.uploads.length > uploads);
    expect(marketplace.uploads.slice(uploads).flatMap((u) => u.levels.map((l) => l.sku))).toEqual([
      'LAMP-OAK',
    ]);
  });
});

/** The example market's API: its account, its orders to poll, and stock uploads it reports on when told to finish. */
class ExampleMarketplace {
  readonly orders: unknown[] = [];
  readonly refunds: unknown[] = [];
  readonly uploads: { id: string; levels: { sku: string; available: number }[]; done: boolean }[] = [];
  readonly reject = new Map<string, string>();
  polls = 0;

  uploadedSkus(): string[] {
    return [...new Set(this.uploads.flatMap((u) => u.levels.map((l) => l.sku)))].sort();
  }

  /** Every upload so far is processed; its report lists the SKUs rejected now. */
  finish(): void {
    for (const upload of this.uploads) upload.done = true;
  }

  async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return send(401, { error: 'bad key' });
    const url = new URL(req.url ?? '/', 'http://market');
    if (url.pathname === '/account') return send(200, { name: 'Acme Outlet' });
    if (url.pathname === '/orders') {
      this.polls++;
      return send(200, this.orders);
    }
    if (url.pathname === '/refunds') return send(200, this.refunds);
    if (url.pathname === '/stock' && req.method === 'POST') {
      const { levels } = JSON.parse((await readBody(req)).toString()) as {
        levels: { sku: string; available: number }[];
      };
      const id = `upload-${this.uploads.length + 1}`;
      this.uploads.push({ id, levels, done: false });
      return send(200, { id });
    }
    if (url.pathname === '/reports') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return send(
        200,
        this.uploads
          .filter((u) => ids.includes(u.id))
          .map((u) => ({
            id: u.id,
            status: u.done ? 'done' : 'processing',
            rejected: u.done
              ? u.levels
                  .filter((l) => this.reject.has(l.sku))
                  .map((l) => ({ sku: l.sku, why: this.reject.get(l.sku) }))
              : [],
          })),
      );
    }
    return send(404, { error: 'no such path' });
  }
}
