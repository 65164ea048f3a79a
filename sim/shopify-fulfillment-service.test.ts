import { describe, expect, it } from 'vitest';
import { base64Hmac, closedAfterEach, postAdminGraphql, startReceiver, type Receiver } from './testing.ts';
import { createShopifySim, type ShopifyAdmin, type ShopifyOrder } from './shopify.ts';
import {
  acceptCancellationRequestMutation,
  acceptFulfillmentRequestMutation,
  assignedFulfillmentOrdersQuery,
  fulfillmentServiceCreateMutation,
  fulfillmentServicesQuery,
  fulfillmentServiceUpdateMutation,
  rejectCancellationRequestMutation,
  rejectFulfillmentRequestMutation,
} from '../src/connectors/channels/shopify/fulfillment-service.ts';
import {
  fulfillmentCreateMutation,
  fulfillmentOrderLinesQuery,
} from '../src/connectors/channels/shopify/graphql.ts';

const SECRET = 'shpss_fulfillment_service_secret';
const SHOP = 'service-shop.myshopify.com';
const TOKEN = 'shpat_sim_fulfillment_service';
const SERVICE = 'Waybill Fulfillment';
const TEXT_OK = { contentType: 'text/plain', body: 'ok' };
const GID = (kind: string) => new RegExp(`^gid://shopify/${kind}/\\d+$`);

// The documents Waybill sends (checked against Shopify's schema by src/connectors/channels/shopify/documents.test.ts).
const SERVICES = fulfillmentServicesQuery.query;
const SERVICE_CREATE = fulfillmentServiceCreateMutation.query;
const SERVICE_UPDATE = fulfillmentServiceUpdateMutation.query;
const ASSIGNED = assignedFulfillmentOrdersQuery.query;
const FO_LINES = fulfillmentOrderLinesQuery.query;
const ACCEPT = acceptFulfillmentRequestMutation.query;
const REJECT = rejectFulfillmentRequestMutation.query;
const ACCEPT_CANCEL = acceptCancellationRequestMutation.query;
const REJECT_CANCEL = rejectCancellationRequestMutation.query;
const CREATE = fulfillmentCreateMutation.query;

const open = closedAfterEach();

/** The app's callback endpoint: records what arrives and answers `ok` with `status`. */
async function callbackServer(status = 200): Promise<Receiver> {
  const callback = await startReceiver('/shopify/fulfillment', () => ({ status }), TEXT_OK);
  open.push(callback);
  return callback;
}

/** Written from the docs, not through the simulator: base64 HMAC-SHA256 of the bytes as received. */
function hmacOf(raw: Buffer, secret = SECRET): string {
  return base64Hmac(secret, raw);
}

async function setup() {
  const callback = await callbackServer();
  const shop = createShopifySim({
    shopDomain: SHOP,
    webhookUrl: 'http://127.0.0.1:9/webhooks',
    secret: SECRET,
    seed: 3,
  });
  const admin = await shop.startAdmin({ accessToken: TOKEN });
  open.push(admin);
  const gql = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => {
    const { status, body } = await postAdminGraphql(admin.url, TOKEN, query, variables);
    expect(status).toBe(200);
    return body;
  };
  const register = async (name = SERVICE, callbackUrl: string = callback.url) =>
    (await gql(SERVICE_CREATE, { name, callbackUrl })).data.fulfillmentServiceCreate;
  /** An order with one line at the service's location and one at an ordinary location, recorded in the shop. */
  const order = (i: number, serviceQuantity = 2): ShopifyOrder => {
    const made = shop.makeOrder(
      i,
      [
        { sku: 'MUG', variantId: 501, price: '12.00', location: SERVICE },
        { sku: 'TEE', variantId: 502, price: '20.00', location: 'East warehouse' },
        { sku: 'CAP', variantId: 503, price: '8.00', location: SERVICE },
      ],
      [serviceQuantity, 1, 1],
    );
    shop.recordOrder(made);
    return made;
  };
  const assigned = async (status: string | null, first = 10, after: string | null = null, linesFirst = 10) =>
    gql(ASSIGNED, { status, first, after, linesFirst });
  return { shop, admin, callback, gql, register, order, assigned };
}

/** The order's fulfillment order at the service location, and the one at the ordinary location. */
function split(admin: ShopifyAdmin, order: ShopifyOrder) {
  const fos = admin.fulfillmentOrders(order.id);
  const service = fos.find((fo) => fo.location.name === SERVICE);
  const ordinary = fos.find((fo) => fo.location.name === 'East warehouse');
  if (!service || !ordinary) throw new Error('the order has no fulfillment order at both locations');
  return { service, ordinary };
}

function fulfillAll(foId: string) {
  return {
    fulfillment: { lineItemsByFulfillmentOrder: [{ fulfillmentOrderId: foId }], notifyCustomer: false },
  };
}

describe('shopify simulator: fulfillment services', () => {
  it("registers a service with a location of its own name, and lists only the app's services", async () => {
    const { shop, admin, callback, gql, register } = await setup();
    expect((await gql(SERVICES)).data).toEqual({ shop: { fulfillmentServices: [] } });
    const created = await register();
    expect(created.userErrors).toEqual([]);
    expect(created.fulfillmentService).toEqual({
      id: expect.stringMatching(GID('FulfillmentService')),
      serviceName: SERVICE,
      callbackUrl: callback.url,
      location: { id: shop.locationId(SERVICE), name: SERVICE },
    });
    expect(created.fulfillmentService.location.id).toMatch(GID('Location'));
    const listed = await gql(SERVICES);
    expect(listed.data.shop.fulfillmentServices).toEqual([created.fulfillmentService]);
    expect(shop.fulfillmentServices()).toEqual([created.fulfillmentService]);
    shop.fulfillmentServices()[0]!.serviceName = 'changed';
    expect(shop.fulfillmentServices()[0]!.serviceName).toBe(SERVICE);
    expect(admin.calls.map((c) => [c.operationName, c.outcome])).toEqual([
      ['WaybillFulfillmentServices', 'ok'],
      ['WaybillFulfillmentServiceCreate', 'ok'],
      ['WaybillFulfillmentServices', 'ok'],
    ]);
  });

  it('reuses a location that already has the name', async () => {
    const { shop, register } = await setup();
    const before = shop.locationId(SERVICE);
    expect((await register()).fulfillmentService.location.id).toBe(before);
  });

  it('refuses a blank name, a name taken, and a callback URL that is not absolute http(s)', async () => {
    const { shop, admin, gql, register } = await setup();
    await register();
    const taken = await register();
    expect(taken).toEqual({
      fulfillmentService: null,
      userErrors: [{ field: ['name'], message: 'Name has already been taken' }],
    });
    expect((await register(SERVICE.toUpperCase())).userErrors[0].field).toEqual(['name']);
    expect((await register('   ')).userErrors).toEqual([{ field: ['name'], message: "Name can't be blank" }]);
    for (const url of ['/relative/path', 'ftp://files.example.com/x', 'not a url']) {
      const refused = await register('Other service', url);
      expect(refused.fulfillmentService).toBeNull();
      expect(refused.userErrors).toEqual([{ field: ['callbackUrl'], message: expect.any(String) }]);
    }
    expect(shop.fulfillmentServices()).toHaveLength(1);
    expect(admin.calls.filter((c) => c.outcome === 'user-errors')).toHaveLength(6);
    const wrongType = await gql(SERVICE_CREATE, { name: 5, callbackUrl: 'https://app.example.com' });
    expect(wrongType.errors[0].message).toContain('$name');
    expect(wrongType.extensions).toBeUndefined();
  });

  it('fulfillmentServiceUpdate moves the callback URL; an unknown id or a bad URL is a user error', async () => {
    const { shop, gql, register } = await setup();
    const { fulfillmentService: service } = await register();
    const moved = await gql(SERVICE_UPDATE, { id: service.id, callbackUrl: 'https://app.example.com/fs' });
    expect(moved.data.fulfillmentServiceUpdate).toEqual({
      fulfillmentService: { ...service, callbackUrl: 'https://app.example.com/fs' },
      userErrors: [],
    });
    expect(shop.fulfillmentServices()[0]!.callbackUrl).toBe('https://app.example.com/fs');
    const unknown = await gql(SERVICE_UPDATE, {
      id: 'gid://shopify/FulfillmentService/1',
      callbackUrl: 'https://x.example',
    });
    expect(unknown.data.fulfillmentServiceUpdate).toEqual({
      fulfillmentService: null,
      userErrors: [{ field: ['id'], message: 'Fulfillment service could not be found' }],
    });
    const bad = await gql(SERVICE_UPDATE, { id: service.id, callbackUrl: 'mailto:ops@example.com' });
    expect(bad.data.fulfillmentServiceUpdate.userErrors[0].field).toEqual(['callbackUrl']);
    expect(shop.fulfillmentServices()[0]!.callbackUrl).toBe('https://app.example.com/fs');
  });
});

describe('shopify simulator: fulfillment requests', () => {
  it('puts lines at the service location on a fulfillment order of their own, registered before or after makeOrder', async () => {
    const { shop, admin, register } = await setup();
    const early = shop.makeOrder(0, [
      { sku: 'MUG', variantId: 501, price: '12.00', location: SERVICE },
      { sku: 'TEE', variantId: 502, price: '20.00', location: 'East warehouse' },
    ]);
    await register();
    shop.recordOrder(early);
    const late = shop.makeOrder(1, [{ sku: 'MUG', variantId: 501, price: '12.00', location: SERVICE }]);
    await shop.deliver('orders/create', late);
    for (const order of [early, late]) {
      const service = admin.fulfillmentOrders(order.id).find((fo) => fo.location.name === SERVICE);
      expect(service).toMatchObject({
        status: 'OPEN',
        requestStatus: 'UNSUBMITTED',
        merchantMessage: null,
        answers: [],
        location: { id: shop.locationId(SERVICE) },
        lineItems: [{ sku: 'MUG' }],
      });
    }
    expect(admin.fulfillmentOrders(early.id).map((fo) => fo.location.name)).toEqual([
      SERVICE,
      'East warehouse',
    ]);
  });

  it("requestFulfillment submits the service's fulfillment orders and POSTs a signed notification to the callback", async () => {
    const { shop, admin, callback, register, order } = await setup();
    await register();
    const placed = order(0);
    const result = await shop.requestFulfillment(placed.id, { message: 'Gift wrap, please' });
    expect(result).toEqual({ status: 200, webhookId: '', attempts: 1, body: 'ok' });
    expect(callback.received).toHaveLength(1);
    const [note] = callback.received;
    expect(note!.method).toBe('POST');
    expect(note!.path).toBe('/shopify/fulfillment/fulfillment_order_notification');
    expect(note!.raw.toString('utf8')).toBe('{"kind":"FULFILLMENT_REQUEST"}');
    expect(note!.headers['x-shopify-hmac-sha256']).toBe(hmacOf(note!.raw));
    expect(note!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-shopify-shop-domain': SHOP,
      'x-shopify-api-version': '2026-10',
      'user-agent': 'Shopify-Captain-Hook',
    });
    const { service, ordinary } = split(admin, placed);
    expect(service).toMatchObject({
      status: 'OPEN',
      requestStatus: 'SUBMITTED',
      merchantMessage: 'Gift wrap, please',
    });
    expect(ordinary).toMatchObject({ status: 'OPEN', requestStatus: 'UNSUBMITTED', merchantMessage: null });
    // Nothing is left to request: no second notification.
    expect(await shop.requestFulfillment(placed.id)).toBeNull();
    expect(callback.received).toHaveLength(1);
  });

  it('signs with another secret when told (a forged notification)', async () => {
    const { shop, callback, register, order } = await setup();
    await register();
    expect((await shop.requestFulfillment(order(0).id, { secret: 'not-the-secret' }))?.status).toBe(200);
    const [note] = callback.received;
    expect(note!.headers['x-shopify-hmac-sha256']).toBe(hmacOf(note!.raw, 'not-the-secret'));
    expect(note!.headers['x-shopify-hmac-sha256']).not.toBe(hmacOf(note!.raw));
  });

  it('tries a failing or unreachable callback once, and never retries', async () => {
    const { shop, gql, register, order } = await setup();
    const { fulfillmentService: service } = await register();
    const failing = await callbackServer(503);
    await gql(SERVICE_UPDATE, { id: service.id, callbackUrl: failing.url });
    expect(await shop.requestFulfillment(order(0).id)).toEqual({
      status: 503,
      webhookId: '',
      attempts: 1,
      body: 'ok',
    });
    expect(failing.received).toHaveLength(1);
    await gql(SERVICE_UPDATE, { id: service.id, callbackUrl: 'http://127.0.0.1:9/gone' });
    expect(await shop.requestFulfillment(order(1).id)).toEqual({
      status: 0,
      webhookId: '',
      attempts: 1,
      body: '',
    });
    expect(failing.received).toHaveLength(1);
  });

  it('does not touch an order with nothing at a service location, and names an order the shop does not have', async () => {
    const { shop, admin, callback, register } = await setup();
    await register();
    const plain = shop.makeOrder(0, [{ sku: 'TEE', variantId: 502, price: '20.00' }]);
    shop.recordOrder(plain);
    expect(await shop.requestFulfillment(plain.id)).toBeNull();
    expect(admin.fulfillmentOrders(plain.id).map((fo) => fo.requestStatus)).toEqual(['UNSUBMITTED']);
    expect(callback.received).toEqual([]);
    await expect(shop.requestFulfillment(123)).rejects.toThrow(/no order 123/);
  });
});

describe('shopify simulator: assignedFulfillmentOrders', () => {
  it("lists the service's fulfillment orders by request status, oldest first, a page at a time", async () => {
    const { shop, admin, register, order, assigned } = await setup();
    await register();
    const orders = [0, 1, 2].map((i) => order(i));
    await shop.requestFulfillment(orders[0]!.id);
    await shop.requestFulfillment(orders[2]!.id);
    const ids = (answer: any) => answer.data.assignedFulfillmentOrders.nodes.map((fo: any) => fo.id);
    const serviceFo = (o: ShopifyOrder) => split(admin, o).service.id;
    expect(ids(await assigned('FULFILLMENT_REQUESTED'))).toEqual([
      serviceFo(orders[0]!),
      serviceFo(orders[2]!),
    ]);
    expect(ids(await assigned('FULFILLMENT_UNSUBMITTED'))).toEqual([serviceFo(orders[1]!)]);
    expect(ids(await assigned('FULFILLMENT_ACCEPTED'))).toEqual([]);
    expect(ids(await assigned('CANCELLATION_REQUESTED'))).toEqual([]);
    expect(ids(await assigned(null))).toEqual(orders.map(serviceFo));

    const first = await assigned(null, 2);
    expect(first.data.assignedFulfillmentOrders.pageInfo).toEqual({
      hasNextPage: true,
      endCursor: expect.any(String),
    });
    const rest = await assigned(null, 2, first.data.assignedFulfillmentOrders.pageInfo.endCursor);
    expect(rest.data.assignedFulfillmentOrders.pageInfo.hasNextPage).toBe(false);
    expect([...ids(first), ...ids(rest)]).toEqual(orders.map(serviceFo));
    expect(first.extensions.cost.requestedQueryCost).toBe(3 + 2 * (5 + 10 * 3));
    expect(first.extensions.cost.actualQueryCost).toBe(3 + 2 * 5 + 4 * 3);
  });

  it('answers each node with its order, location and a page of lines', async () => {
    const { shop, admin, register, order, assigned, gql } = await setup();
    await register();
    const placed = order(0, 3);
    await shop.requestFulfillment(placed.id);
    const { service } = split(admin, placed);
    const answer = await assigned('FULFILLMENT_REQUESTED', 5, null, 1);
    const [node] = answer.data.assignedFulfillmentOrders.nodes;
    const [mug, cap] = service.lineItems;
    expect(node).toEqual({
      id: service.id,
      status: 'OPEN',
      requestStatus: 'SUBMITTED',
      order: { id: `gid://shopify/Order/${placed.id}`, legacyResourceId: String(placed.id) },
      assignedLocation: { name: SERVICE, location: { id: shop.locationId(SERVICE) } },
      lineItems: {
        pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
        nodes: [
          {
            id: mug!.id,
            remainingQuantity: 3,
            totalQuantity: 3,
            lineItem: {
              id: placed.line_items[0]!.admin_graphql_api_id,
              sku: 'MUG',
              variant: { id: 'gid://shopify/ProductVariant/501' },
            },
          },
        ],
      },
    });
    const more = await gql(FO_LINES, {
      fulfillmentOrderId: service.id,
      first: 5,
      after: node.lineItems.pageInfo.endCursor,
    });
    expect(more.data.fulfillmentOrder.lineItems.nodes.map((l: any) => [l.id, l.lineItem.sku])).toEqual([
      [cap!.id, 'CAP'],
    ]);
  });

  it('refuses an unknown status and a query over 1000 points, and shows nothing before a service exists', async () => {
    const { register, order, assigned } = await setup();
    order(0);
    // The location is an ordinary one until a service owns it.
    expect((await assigned(null)).data.assignedFulfillmentOrders.nodes).toEqual([]);
    await register();
    expect((await assigned(null)).data.assignedFulfillmentOrders.nodes).toHaveLength(1);
    const unknown = await assigned('SUBMITTED');
    expect(unknown.errors[0].message).toContain('$status');
    expect(unknown.data).toBeUndefined();
    const huge = await assigned(null, 50, null, 50);
    expect(huge.errors[0].extensions.code).toBe('MAX_COST_EXCEEDED');
  });
});

describe('shopify simulator: answering fulfillment requests', () => {
  it('accept: IN_PROGRESS and ACCEPTED, the answer recorded; then fulfillmentCreate works; a second accept is refused', async () => {
    const { shop, admin, gql, register, order, assigned } = await setup();
    await register();
    const placed = order(0);
    await shop.requestFulfillment(placed.id);
    const { service } = split(admin, placed);
    const accepted = await gql(ACCEPT, { id: service.id, message: 'Ships tomorrow' });
    expect(accepted.data.fulfillmentOrderAcceptFulfillmentRequest).toEqual({
      fulfillmentOrder: { id: service.id, status: 'IN_PROGRESS', requestStatus: 'ACCEPTED' },
      userErrors: [],
    });
    expect(accepted.extensions.cost.actualQueryCost).toBe(10);
    expect(split(admin, placed).service).toMatchObject({
      status: 'IN_PROGRESS',
      requestStatus: 'ACCEPTED',
      answers: [{ kind: 'accept-fulfillment', message: 'Ships tomorrow' }],
    });
    expect((await assigned('FULFILLMENT_ACCEPTED')).data.assignedFulfillmentOrders.nodes[0].id).toBe(
      service.id,
    );
    const twice = await gql(ACCEPT, { id: service.id });
    expect(twice.data.fulfillmentOrderAcceptFulfillmentRequest).toEqual({
      fulfillmentOrder: null,
      userErrors: [{ field: null, message: expect.stringContaining('Cannot accept fulfillment request') }],
    });
    expect(admin.calls.at(-1)?.outcome).toBe('user-errors');
    const created = await gql(CREATE, fulfillAll(service.id));
    expect(created.data.fulfillmentCreate.userErrors).toEqual([]);
    expect(split(admin, placed).service).toMatchObject({ status: 'CLOSED', requestStatus: 'ACCEPTED' });
    expect(admin.fulfillments(placed.id)).toMatchObject([{ location: { name: SERVICE } }]);
    expect((await assigned(null)).data.assignedFulfillmentOrders.nodes).toEqual([]);
  });

  it("refuses fulfillmentCreate on a service's fulfillment order before it is accepted; ordinary locations need no request", async () => {
    const { shop, admin, gql, register, order } = await setup();
    await register();
    const placed = order(0);
    const { service, ordinary } = split(admin, placed);
    const early = await gql(CREATE, fulfillAll(service.id));
    expect(early.data.fulfillmentCreate).toEqual({
      fulfillment: null,
      userErrors: [
        {
          field: ['fulfillment'],
          message: expect.stringContaining('must be accepted before fulfillments can be created'),
        },
      ],
    });
    await shop.requestFulfillment(placed.id);
    expect((await gql(CREATE, fulfillAll(service.id))).data.fulfillmentCreate.userErrors[0].field).toEqual([
      'fulfillment',
    ]);
    expect(admin.fulfillments(placed.id)).toEqual([]);
    expect((await gql(CREATE, fulfillAll(ordinary.id))).data.fulfillmentCreate.userErrors).toEqual([]);
    expect(split(admin, placed).ordinary).toMatchObject({ status: 'CLOSED', requestStatus: 'UNSUBMITTED' });
  });

  it("reject: REJECTED with the reason and each line's message recorded, the fulfillment order still OPEN", async () => {
    const { shop, admin, gql, register, order, assigned } = await setup();
    await register();
    const placed = order(0);
    await shop.requestFulfillment(placed.id);
    const { service } = split(admin, placed);
    const [mug] = service.lineItems;
    const lineItems = [{ fulfillmentOrderLineItemId: mug!.id, message: 'No mugs until May' }];
    const rejected = await gql(REJECT, {
      id: service.id,
      reason: 'INVENTORY_OUT_OF_STOCK',
      message: 'Out of stock',
      lineItems,
    });
    expect(rejected.data.fulfillmentOrderRejectFulfillmentRequest).toEqual({
      fulfillmentOrder: { id: service.id, status: 'OPEN', requestStatus: 'REJECTED' },
      userErrors: [],
    });
    expect(split(admin, placed).service.answers).toEqual([
      { kind: 'reject-fulfillment', message: 'Out of stock', reason: 'INVENTORY_OUT_OF_STOCK', lineItems },
    ]);
    expect((await assigned('FULFILLMENT_REQUESTED')).data.assignedFulfillmentOrders.nodes).toEqual([]);
    expect(
      (await gql(ACCEPT, { id: service.id })).data.fulfillmentOrderAcceptFulfillmentRequest.userErrors,
    ).toHaveLength(1);
    expect((await gql(CREATE, fulfillAll(service.id))).data.fulfillmentCreate.fulfillment).toBeNull();
  });

  it('reject: a reason outside the enum is refused by the schema; a line of another order, or an unsubmitted one, is a user error', async () => {
    const { shop, admin, gql, register, order } = await setup();
    await register();
    const placed = order(0);
    const other = order(1);
    const { service } = split(admin, placed);
    const unsubmitted = await gql(REJECT, { id: service.id, reason: 'OTHER' });
    expect(unsubmitted.data.fulfillmentOrderRejectFulfillmentRequest).toEqual({
      fulfillmentOrder: null,
      userErrors: [{ field: null, message: expect.stringContaining('Cannot reject fulfillment request') }],
    });
    await shop.requestFulfillment(placed.id);
    const badReason = await gql(REJECT, { id: service.id, reason: 'TOO_BUSY' });
    expect(badReason.errors[0].message).toContain('$reason');
    expect(badReason.data).toBeUndefined();
    const badLines = await gql(REJECT, { id: service.id, lineItems: 'all of them' });
    expect(badLines.errors[0].message).toContain('$lineItems');
    const stranger = split(admin, other).service.lineItems[0]!.id;
    const wrongLine = await gql(REJECT, {
      id: service.id,
      lineItems: [{ fulfillmentOrderLineItemId: stranger }],
    });
    expect(wrongLine.data.fulfillmentOrderRejectFulfillmentRequest).toEqual({
      fulfillmentOrder: null,
      userErrors: [{ field: ['lineItems'], message: expect.stringContaining(stranger) }],
    });
    expect(split(admin, placed).service).toMatchObject({ requestStatus: 'SUBMITTED', answers: [] });
    const plain = await gql(REJECT, { id: service.id });
    expect(plain.data.fulfillmentOrderRejectFulfillmentRequest.fulfillmentOrder.requestStatus).toBe(
      'REJECTED',
    );
    expect(split(admin, placed).service.answers).toEqual([
      { kind: 'reject-fulfillment', message: null, reason: null, lineItems: [] },
    ]);
  });

  it('answers an unknown id, or one at an ordinary location, with "does not exist"; a user-error fault keeps the payload\'s shape', async () => {
    const { admin, gql, register, order } = await setup();
    await register();
    const { ordinary } = split(admin, order(0));
    const mutations = [
      [ACCEPT, 'fulfillmentOrderAcceptFulfillmentRequest'],
      [REJECT, 'fulfillmentOrderRejectFulfillmentRequest'],
      [ACCEPT_CANCEL, 'fulfillmentOrderAcceptCancellationRequest'],
      [REJECT_CANCEL, 'fulfillmentOrderRejectCancellationRequest'],
    ] as const;
    for (const [query, root] of mutations) {
      for (const id of ['gid://shopify/FulfillmentOrder/1', ordinary.id]) {
        expect((await gql(query, { id })).data[root]).toEqual({
          fulfillmentOrder: null,
          userErrors: [{ field: ['id'], message: 'Fulfillment order does not exist.' }],
        });
      }
    }
    expect((await gql(ACCEPT, { id: 42 })).errors[0].message).toContain('$id');
    admin.fault('WaybillAcceptFulfillmentRequest', { kind: 'user-error', message: 'Try again later.' });
    const faulted = await gql(ACCEPT, { id: ordinary.id });
    expect(faulted.data).toEqual({
      fulfillmentOrderAcceptFulfillmentRequest: {
        fulfillmentOrder: null,
        userErrors: [{ field: null, message: 'Try again later.' }],
      },
    });
    admin.fault('WaybillFulfillmentServiceCreate', { kind: 'user-error', message: 'Busy.' });
    expect((await gql(SERVICE_CREATE, { name: 'Second', callbackUrl: 'https://x.example' })).data).toEqual({
      fulfillmentServiceCreate: { fulfillmentService: null, userErrors: [{ field: null, message: 'Busy.' }] },
    });
  });
});

describe('shopify simulator: cancellation requests', () => {
  async function accepted() {
    const ctx = await setup();
    await ctx.register();
    const placed = ctx.order(0);
    await ctx.shop.requestFulfillment(placed.id);
    const { service } = split(ctx.admin, placed);
    await ctx.gql(ACCEPT, { id: service.id });
    return { ...ctx, placed, service };
  }

  it('requestCancellation notifies the service; accepting closes the fulfillment order', async () => {
    const { shop, admin, callback, gql, placed, service, assigned } = await accepted();
    const result = await shop.requestCancellation(placed.id, { message: 'Customer changed their mind' });
    expect(result?.status).toBe(200);
    const note = callback.received.at(-1)!;
    expect(note.raw.toString('utf8')).toBe('{"kind":"CANCELLATION_REQUEST"}');
    expect(note.path).toBe('/shopify/fulfillment/fulfillment_order_notification');
    expect(note.headers['x-shopify-hmac-sha256']).toBe(hmacOf(note.raw));
    expect(split(admin, placed).service).toMatchObject({
      status: 'IN_PROGRESS',
      requestStatus: 'CANCELLATION_REQUESTED',
      merchantMessage: 'Customer changed their mind',
    });
    expect(split(admin, placed).ordinary.requestStatus).toBe('UNSUBMITTED');
    expect((await assigned('CANCELLATION_REQUESTED')).data.assignedFulfillmentOrders.nodes[0].id).toBe(
      service.id,
    );
    expect((await gql(CREATE, fulfillAll(service.id))).data.fulfillmentCreate.userErrors[0].field).toEqual([
      'fulfillment',
    ]);
    const done = await gql(ACCEPT_CANCEL, { id: service.id, message: 'Cancelled' });
    expect(done.data.fulfillmentOrderAcceptCancellationRequest).toEqual({
      fulfillmentOrder: { id: service.id, status: 'CLOSED', requestStatus: 'CANCELLATION_ACCEPTED' },
      userErrors: [],
    });
    expect(split(admin, placed).service.answers.map((a) => [a.kind, a.message])).toEqual([
      ['accept-fulfillment', null],
      ['accept-cancellation', 'Cancelled'],
    ]);
    expect((await assigned(null)).data.assignedFulfillmentOrders.nodes).toEqual([]);
    const again = await gql(REJECT_CANCEL, { id: service.id });
    expect(again.data.fulfillmentOrderRejectCancellationRequest.userErrors).toEqual([
      { field: null, message: expect.stringContaining('Cannot reject cancellation request') },
    ]);
    expect(await shop.requestCancellation(placed.id)).toBeNull();
  });

  it('rejecting a cancellation keeps the fulfillment order IN_PROGRESS, and it takes fulfillments again', async () => {
    const { shop, admin, gql, placed, service } = await accepted();
    expect(
      (await gql(ACCEPT_CANCEL, { id: service.id })).data.fulfillmentOrderAcceptCancellationRequest
        .userErrors,
    ).toHaveLength(1);
    await shop.requestCancellation(placed.id);
    const kept = await gql(REJECT_CANCEL, { id: service.id, message: 'Already packed' });
    expect(kept.data.fulfillmentOrderRejectCancellationRequest).toEqual({
      fulfillmentOrder: { id: service.id, status: 'IN_PROGRESS', requestStatus: 'CANCELLATION_REJECTED' },
      userErrors: [],
    });
    expect(split(admin, placed).service.answers.at(-1)).toEqual({
      kind: 'reject-cancellation',
      message: 'Already packed',
    });
    expect((await gql(CREATE, fulfillAll(service.id))).data.fulfillmentCreate.userErrors).toEqual([]);
    expect(split(admin, placed).service).toMatchObject({
      status: 'CLOSED',
      requestStatus: 'CANCELLATION_REJECTED',
    });
  });

  it('closes a submitted fulfillment order nobody accepted yet at once, without a notification', async () => {
    const { shop, admin, callback, gql, register, order } = await setup();
    await register();
    const placed = order(0);
    await shop.requestFulfillment(placed.id);
    expect(callback.received).toHaveLength(1);
    expect(await shop.requestCancellation(placed.id)).toBeNull();
    expect(callback.received).toHaveLength(1);
    const { service, ordinary } = split(admin, placed);
    expect(service).toMatchObject({ status: 'CLOSED', requestStatus: 'CLOSED' });
    expect(ordinary).toMatchObject({ status: 'OPEN', requestStatus: 'UNSUBMITTED' });
    expect(
      (await gql(ACCEPT, { id: service.id })).data.fulfillmentOrderAcceptFulfillmentRequest.userErrors[0]
        .field,
    ).toBeNull();
  });
});
