import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { startTestHub, type TestHub } from '../test/support/hub.ts';
import { loadContract, readContractFile, type ContractRequest } from './openapi-contract.ts';

// Two small documents in the two dialects the simulators' platforms publish, shaped as those platforms write them:
// Swagger 2.0 (Amazon SP-API's models, Magento's schema) and OpenAPI 3.0 (eBay's, BigCommerce's).

const swagger = {
  swagger: '2.0',
  info: { title: 'Orders', version: 'v0' },
  basePath: '/api',
  paths: {
    '/orders/v0/orders': {
      get: {
        operationId: 'getOrders',
        parameters: [
          {
            name: 'MarketplaceIds',
            in: 'query',
            required: true,
            type: 'array',
            items: { type: 'string' },
            collectionFormat: 'csv',
            maxItems: 3,
          },
          { name: 'CreatedAfter', in: 'query', type: 'string', format: 'date-time' },
          { name: 'MaxResultsPerPage', in: 'query', type: 'integer', minimum: 1, maximum: 100 },
          {
            name: 'OrderStatuses',
            in: 'query',
            type: 'array',
            items: { type: 'string', enum: ['Pending', 'Shipped'] },
            collectionFormat: 'multi',
          },
          { name: 'IsPrime', in: 'query', type: 'boolean' },
          { name: 'x-amz-access-token', in: 'header', required: true, type: 'string' },
        ],
        responses: {
          '200': { description: 'ok', schema: { $ref: '#/definitions/GetOrdersResponse' } },
          '400': { $ref: '#/responses/Failed' },
        },
      },
    },
    '/orders/v0/orders/count': {
      get: { operationId: 'countOrders', responses: { '200': { description: 'ok' } } },
    },
    '/orders/v0/orders/{orderId}': {
      parameters: [
        { name: 'orderId', in: 'path', required: true, type: 'string', pattern: '^\\d{3}-\\d{7}-\\d{7}$' },
      ],
      get: {
        operationId: 'getOrder',
        responses: { '200': { description: 'ok', schema: { $ref: '#/definitions/Order' } } },
      },
    },
    '/orders/v0/orders/{orderId}/shipment': {
      post: {
        operationId: 'updateShipmentStatus',
        parameters: [
          { name: 'orderId', in: 'path', required: true, type: 'string' },
          {
            name: 'body',
            in: 'body',
            required: true,
            schema: { $ref: '#/definitions/UpdateShipmentStatusRequest' },
          },
        ],
        responses: { '204': { description: 'done' }, default: { $ref: '#/responses/Failed' } },
      },
    },
    '/V1/orders': {
      get: {
        operationId: 'salesOrderRepositoryV1GetListGet',
        parameters: [
          { name: 'searchCriteria[filter_groups][0][filters][0][field]', in: 'query', type: 'string' },
          { name: 'searchCriteria[filter_groups][0][filters][0][value]', in: 'query', type: 'string' },
          { name: 'searchCriteria[pageSize]', in: 'query', type: 'integer' },
        ],
        responses: { '200': { description: 'ok' } },
      },
    },
    '/items/{id}': {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'id', in: 'path', required: true, type: 'integer', format: 'int32' }],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
  responses: { Failed: { description: 'failed', schema: { $ref: '#/definitions/ErrorList' } } },
  definitions: {
    GetOrdersResponse: {
      type: 'object',
      properties: {
        payload: {
          type: 'object',
          properties: { Orders: { type: 'array', items: { $ref: '#/definitions/Order' } } },
        },
      },
    },
    Order: {
      type: 'object',
      required: ['AmazonOrderId', 'PurchaseDate'],
      properties: {
        AmazonOrderId: { type: 'string' },
        PurchaseDate: { type: 'string', format: 'date-time', readOnly: true },
        Asin: { type: 'string', format: 'amazon-asin' },
        Note: { type: 'string', 'x-nullable': true },
      },
    },
    UpdateShipmentStatusRequest: {
      type: 'object',
      required: ['marketplaceId', 'shipmentStatus'],
      properties: {
        marketplaceId: { type: 'string', minLength: 1 },
        shipmentStatus: { type: 'string', enum: ['ReadyForPickup', 'PickedUp', 'RefusedPickup'] },
        orderItems: { type: 'array', items: { $ref: '#/definitions/OrderItem' } },
      },
    },
    OrderItem: {
      type: 'object',
      required: ['orderItemId'],
      additionalProperties: false,
      properties: {
        orderItemId: { type: 'string' },
        quantity: { type: 'integer', minimum: 0, exclusiveMinimum: true },
      },
    },
    ErrorList: {
      type: 'object',
      required: ['errors'],
      properties: {
        errors: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' } } } },
      },
    },
  },
};

const openapi = {
  openapi: '3.0.3',
  info: { title: 'Fulfillment', version: 'v1' },
  servers: [
    { url: 'https://api.ebay.com{basePath}', variables: { basePath: { default: '/sell/fulfillment/v1' } } },
  ],
  paths: {
    '/order': {
      get: {
        operationId: 'getOrders',
        parameters: [
          {
            name: 'orderIds',
            in: 'query',
            style: 'form',
            explode: false,
            schema: { type: 'array', maxItems: 2, items: { type: 'string' } },
          },
          {
            name: 'fieldGroups',
            in: 'query',
            schema: { type: 'array', items: { type: 'string', enum: ['TAX_BREAKDOWN'] } },
          },
          { name: 'limit', in: 'query', schema: { $ref: '#/components/schemas/Limit' } },
          { name: 'Authorization', in: 'header', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'ok',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/OrderSearchPagedCollection' } },
            },
          },
          '4XX': { $ref: '#/components/responses/Failed' },
        },
      },
    },
    '/order/{orderId}/shipping_fulfillment': {
      post: {
        operationId: 'createShippingFulfillment',
        parameters: [
          { name: 'orderId', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'X-EBAY-C-MARKETPLACE-ID',
            in: 'header',
            required: true,
            schema: { type: 'string', enum: ['EBAY_US', 'EBAY_GB'] },
          },
        ],
        requestBody: { $ref: '#/components/requestBodies/Fulfillment' },
        responses: {
          '201': { description: 'created' },
          default: { $ref: '#/components/responses/Failed' },
        },
      },
    },
    '/inventory_item': {
      get: {
        operationId: 'getInventoryItems',
        parameters: [
          {
            name: 'filter',
            in: 'query',
            style: 'deepObject',
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { status: { type: 'string', enum: ['ACTIVE'] }, min: { type: 'integer' } },
            },
          },
        ],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
  components: {
    requestBodies: {
      Fulfillment: {
        required: true,
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/ShippingFulfillmentDetails' } },
        },
      },
    },
    responses: {
      Failed: {
        description: 'failed',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
      },
    },
    schemas: {
      Limit: { type: 'integer', minimum: 1, maximum: 200 },
      ShippingFulfillmentDetails: {
        type: 'object',
        required: ['lineItems', 'fulfillmentId'],
        properties: {
          fulfillmentId: { type: 'string', readOnly: true },
          lineItems: { type: 'array', items: { $ref: '#/components/schemas/LineItemReference' } },
          shippedDate: { type: 'string', format: 'date-time' },
          trackingNumber: { type: 'string', nullable: true },
          shippingCarrierCode: { type: 'string' },
          shipTo: { $ref: '#/components/schemas/Address' },
          signature: { type: 'string', writeOnly: true },
          parcel: {
            oneOf: [{ $ref: '#/components/schemas/Box' }, { $ref: '#/components/schemas/Envelope' }],
          },
        },
      },
      LineItemReference: {
        type: 'object',
        properties: { lineItemId: { type: 'string' }, quantity: { type: 'integer', format: 'int32' } },
      },
      Address: {
        type: 'object',
        nullable: true,
        additionalProperties: false,
        properties: { city: { type: 'string' }, countryCode: { type: 'string', minLength: 2, maxLength: 2 } },
      },
      Box: {
        type: 'object',
        required: ['depth'],
        properties: { depth: { type: 'number' } },
        additionalProperties: false,
      },
      Envelope: {
        type: 'object',
        required: ['size'],
        properties: { size: { type: 'string' } },
        additionalProperties: false,
      },
      OrderSearchPagedCollection: {
        type: 'object',
        properties: {
          total: { type: 'integer' },
          orders: { type: 'array', items: { $ref: '#/components/schemas/Order' } },
        },
      },
      Order: {
        type: 'object',
        required: ['orderId'],
        properties: {
          orderId: { type: 'string', readOnly: true },
          buyerCheckoutNotes: { type: 'string', nullable: true },
        },
      },
      ErrorResponse: { type: 'object', properties: { errors: { type: 'array', items: { type: 'object' } } } },
    },
  },
};

const amazon = loadContract(swagger);
const ebay = loadContract(openapi);

const GOOD_ORDERS: ContractRequest = {
  method: 'GET',
  path: '/api/orders/v0/orders',
  query: { MarketplaceIds: 'ATVPDKIKX0DER,A2EUQ1WTGCTBG2' },
  headers: { 'x-amz-access-token': 'Atza|token' },
};

const SHIPMENT = {
  marketplaceId: 'ATVPDKIKX0DER',
  shipmentStatus: 'PickedUp',
  orderItems: [{ orderItemId: '1', quantity: 2 }],
};
const FULFILLMENT_HEADERS = { 'x-ebay-c-marketplace-id': 'EBAY_US' };
const FULFILLMENT = {
  lineItems: [{ lineItemId: '10', quantity: 1 }],
  shippedDate: '2026-12-02T10:00:00Z',
  trackingNumber: '1Z999',
};

function violations(contract: typeof amazon, request: ContractRequest) {
  return contract.checkRequest(request).violations;
}

/** The one violation a request breaks, to see both where it is and what it says. */
function onlyViolation(contract: typeof amazon, request: ContractRequest) {
  const found = violations(contract, request);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('matching a request to its operation', () => {
  it('finds the operation by method and path template, under the base path, and a known-good request passes', () => {
    expect(amazon.checkRequest(GOOD_ORDERS)).toEqual({ operationId: 'getOrders', violations: [] });
    expect(amazon.checkRequest({ method: 'get', path: '/api/orders/v0/orders/902-3159896-1390916' })).toEqual(
      {
        operationId: 'getOrder',
        violations: [],
      },
    );
  });

  it('prefers a literal segment to a template (orders/count is not an order id)', () => {
    expect(amazon.checkRequest({ method: 'GET', path: '/api/orders/v0/orders/count' }).operationId).toBe(
      'countOrders',
    );
  });

  it('refuses an unknown path, a path without the base path, and a method the path does not have', () => {
    expect(onlyViolation(amazon, { method: 'GET', path: '/api/orders/v0/order' })).toEqual({
      where: 'path',
      message: '/api/orders/v0/order matches no path of the contract',
    });
    expect(onlyViolation(amazon, { ...GOOD_ORDERS, path: '/orders/v0/orders' }).where).toBe('path');
    expect(onlyViolation(amazon, { ...GOOD_ORDERS, method: 'DELETE' })).toEqual({
      where: 'method',
      message: 'DELETE is not an operation of /api/orders/v0/orders',
    });
    expect(amazon.checkRequest({ ...GOOD_ORDERS, method: 'DELETE' }).operationId).toBeNull();
  });

  it("honours the OpenAPI server URL's path, variables included, and a basePath option instead", () => {
    const path = '/sell/fulfillment/v1/order';
    expect(ebay.checkRequest({ method: 'GET', path }).operationId).toBe('getOrders');
    expect(onlyViolation(ebay, { method: 'GET', path: '/order' }).where).toBe('path');
    const rebased = loadContract(openapi, { basePath: '/stores/{store_hash}/v3' });
    expect(rebased.checkRequest({ method: 'GET', path: '/stores/abc123/v3/order' }).operationId).toBe(
      'getOrders',
    );
    expect(violations(rebased, { method: 'GET', path })[0]!.where).toBe('path');
    expect(
      loadContract(swagger, { basePath: '' }).checkRequest({ ...GOOD_ORDERS, path: '/orders/v0/orders' }),
    ).toEqual({
      operationId: 'getOrders',
      violations: [],
    });
  });

  it('names path values by the operation found, where templates of one shape name them differently', () => {
    const api = loadContract({
      openapi: '3.0.0',
      info: {},
      paths: {
        '/order/{orderId}/shipping_fulfillment': {
          get: {
            operationId: 'getShippingFulfillments',
            parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
            responses: {},
          },
        },
        '/order/{order_id}/issue_refund': {
          post: {
            operationId: 'issueRefund',
            parameters: [
              { name: 'order_id', in: 'path', required: true, schema: { type: 'string', minLength: 3 } },
            ],
            responses: {},
          },
        },
      },
    });
    expect(api.checkRequest({ method: 'POST', path: '/order/12-345/issue_refund' })).toEqual({
      operationId: 'issueRefund',
      violations: [],
    });
    expect(violations(api, { method: 'POST', path: '/order/12/issue_refund' })).toEqual([
      { where: 'path.order_id', message: 'must be at least 3 characters long, not 2' },
    ]);
    expect(violations(api, { method: 'GET', path: '/order/12/shipping_fulfillment' })).toEqual([]);
  });

  it('routes a template that carries a query of its own by its path', () => {
    const api = loadContract({
      swagger: '2.0',
      info: {},
      paths: {
        '/email/export?filename={filename}': {
          get: {
            operationId: 'exportEmails',
            parameters: [{ name: 'filename', in: 'query', required: true, type: 'string' }],
            responses: {},
          },
        },
      },
    });
    expect(api.checkRequest({ method: 'GET', path: '/email/export?filename=a.csv' })).toEqual({
      operationId: 'exportEmails',
      violations: [],
    });
  });

  it('reads a query string left on the path', () => {
    const request = {
      ...GOOD_ORDERS,
      query: undefined,
      path: '/api/orders/v0/orders?MarketplaceIds=A1&Bogus=1',
    };
    expect(onlyViolation(amazon, request).where).toBe('query.Bogus');
    // Given both, `query` is the whole query: the path's copy of it is not counted twice.
    expect(violations(amazon, { ...GOOD_ORDERS, path: `${GOOD_ORDERS.path}?MarketplaceIds=A1` })).toEqual([]);
  });

  it('names operations without an operationId by method and path, and lists every operation', () => {
    const anonymous = loadContract({
      openapi: '3.0.0',
      info: {},
      paths: { '/ping': { get: { responses: {} } } },
    });
    expect(anonymous.operationIds).toEqual(['GET /ping']);
    expect(anonymous.checkRequest({ method: 'GET', path: '/ping' }).operationId).toBe('GET /ping');
    expect(amazon.operationIds).toEqual([
      'getOrders',
      'countOrders',
      'getOrder',
      'updateShipmentStatus',
      'salesOrderRepositoryV1GetListGet',
      'getItem',
    ]);
  });
});

describe('path parameters', () => {
  it("checks a path parameter's pattern and type", () => {
    expect(onlyViolation(amazon, { method: 'GET', path: '/api/orders/v0/orders/12345' })).toEqual({
      where: 'path.orderId',
      message: 'must match the pattern ^\\d{3}-\\d{7}-\\d{7}$, not "12345"',
    });
    expect(violations(amazon, { method: 'GET', path: '/api/items/42' })).toEqual([]);
    expect(onlyViolation(amazon, { method: 'GET', path: '/api/items/abc' })).toEqual({
      where: 'path.id',
      message: 'must be an integer, not "abc"',
    });
    expect(onlyViolation(amazon, { method: 'GET', path: '/api/items/99999999999' }).message).toMatch(/int32/);
  });
});

describe('query parameters', () => {
  const orders = (query: Record<string, string | string[]>) =>
    violations(amazon, { ...GOOD_ORDERS, query: { MarketplaceIds: 'A1', ...query } });

  it('checks types, formats, enums and bounds, naming the parameter', () => {
    expect(
      orders({ MaxResultsPerPage: '50', CreatedAfter: '2026-11-01T00:00:00Z', IsPrime: 'true' }),
    ).toEqual([]);
    expect(orders({ MaxResultsPerPage: 'ten' })).toEqual([
      { where: 'query.MaxResultsPerPage', message: 'must be an integer, not "ten"' },
    ]);
    expect(orders({ MaxResultsPerPage: '101' })).toEqual([
      { where: 'query.MaxResultsPerPage', message: 'must be at most 100, not 101' },
    ]);
    expect(orders({ MaxResultsPerPage: '0' })[0]!.message).toBe('must be at least 1, not 0');
    expect(orders({ CreatedAfter: '2026-11-01' })).toEqual([
      { where: 'query.CreatedAfter', message: 'must be a valid date-time, not "2026-11-01"' },
    ]);
    expect(orders({ IsPrime: 'yes' })[0]!.message).toBe('must be a boolean, not "yes"');
    expect(orders({ OrderStatuses: ['Pending', 'Cancelled'] })).toEqual([
      { where: 'query.OrderStatuses[1]', message: 'must be one of "Pending" or "Shipped", not "Cancelled"' },
    ]);
  });

  it('refuses a missing required parameter', () => {
    expect(onlyViolation(amazon, { ...GOOD_ORDERS, query: {} })).toEqual({
      where: 'query.MarketplaceIds',
      message: 'is required by getOrders but missing',
    });
  });

  it("splits Swagger's csv arrays and repeats multi ones", () => {
    expect(orders({ MarketplaceIds: 'A,B,C,D' })).toEqual([
      { where: 'query.MarketplaceIds', message: 'must have at most 3 items, not 4' },
    ]);
    expect(orders({ MarketplaceIds: 'A,B,C' })).toEqual([]);
    // multi: each repetition is one item, so a comma stays inside the value.
    expect(orders({ OrderStatuses: 'Pending,Shipped' })[0]!.where).toBe('query.OrderStatuses[0]');
    expect(orders({ OrderStatuses: ['Pending', 'Shipped'] })).toEqual([]);
  });

  it("reads OpenAPI's form style: exploded as repetitions, not exploded as commas", () => {
    const search = (query: URLSearchParams) =>
      violations(ebay, { method: 'GET', path: '/sell/fulfillment/v1/order', query });
    expect(
      search(new URLSearchParams('orderIds=1,2&fieldGroups=TAX_BREAKDOWN&fieldGroups=TAX_BREAKDOWN&limit=5')),
    ).toEqual([]);
    expect(search(new URLSearchParams('orderIds=1,2,3'))[0]).toEqual({
      where: 'query.orderIds',
      message: 'must have at most 2 items, not 3',
    });
    expect(search(new URLSearchParams('orderIds=1&orderIds=2'))[0]).toEqual({
      where: 'query.orderIds',
      message: 'is given 2 times; the contract takes one list separated by ","',
    });
    expect(search(new URLSearchParams('fieldGroups=TAX_BREAKDOWN,TAX_BREAKDOWN'))[0]!.where).toBe(
      'query.fieldGroups[0]',
    );
    // The parameter's schema is a $ref: its type still says how to read the text.
    expect(search(new URLSearchParams('limit=500'))).toEqual([
      { where: 'query.limit', message: 'must be at most 200, not 500' },
    ]);
  });

  it('refuses a parameter given twice when it takes one value', () => {
    expect(orders({ MaxResultsPerPage: ['1', '2'] })).toEqual([
      { where: 'query.MaxResultsPerPage', message: 'is given 2 times; the contract takes one value' },
    ]);
  });

  it('refuses an undeclared parameter (a typo in the client)', () => {
    expect(orders({ MarketplaceId: 'A1' })).toEqual([
      { where: 'query.MarketplaceId', message: 'is not a query parameter of getOrders' },
    ]);
  });

  it("matches Magento's bracketed names literally, any array index standing for the documented one", () => {
    const list = (query: Record<string, string>) =>
      violations(amazon, { method: 'GET', path: '/api/V1/orders', query });
    expect(
      list({
        'searchCriteria[filter_groups][0][filters][0][field]': 'increment_id',
        'searchCriteria[filter_groups][0][filters][0][value]': '000000001',
        'searchCriteria[filter_groups][1][filters][0][field]': 'status',
        'searchCriteria[pageSize]': '20',
      }),
    ).toEqual([]);
    expect(list({ 'searchCriteria[pageSize]': 'all' })).toEqual([
      { where: 'query.searchCriteria[pageSize]', message: 'must be an integer, not "all"' },
    ]);
    expect(list({ 'searchCriteria[filter_groups][0][filter][0][field]': 'status' })[0]!.message).toBe(
      'is not a query parameter of salesOrderRepositoryV1GetListGet',
    );
  });

  it("reads OpenAPI's deepObject style into the object its schema describes", () => {
    const items = (query: string) =>
      violations(ebay, {
        method: 'GET',
        path: '/sell/fulfillment/v1/inventory_item',
        query: new URLSearchParams(query),
      });
    expect(items('filter[status]=ACTIVE&filter[min]=3')).toEqual([]);
    expect(items('filter[min]=three')).toEqual([
      { where: 'query.filter.min', message: 'must be an integer, not "three"' },
    ]);
    expect(items('filter[colour]=red')).toEqual([
      { where: 'query.filter.colour', message: 'is not a property the contract allows here' },
    ]);
  });
});

describe('headers', () => {
  it('requires a declared required header, in any case', () => {
    expect(onlyViolation(amazon, { ...GOOD_ORDERS, headers: {} })).toEqual({
      where: 'header.x-amz-access-token',
      message: 'is required by getOrders but missing',
    });
    expect(violations(amazon, { ...GOOD_ORDERS, headers: { 'X-Amz-Access-Token': 'Atza|t' } })).toEqual([]);
  });

  it('checks a header against its schema, leaving its value out of the message (a header may carry a credential)', () => {
    const request = {
      method: 'POST',
      path: '/sell/fulfillment/v1/order/1/shipping_fulfillment',
      body: FULFILLMENT,
    };
    expect(violations(ebay, { ...request, headers: FULFILLMENT_HEADERS })).toEqual([]);
    expect(onlyViolation(ebay, { ...request, headers: { 'X-EBAY-C-MARKETPLACE-ID': 'EBAY_XX' } })).toEqual({
      where: 'header.X-EBAY-C-MARKETPLACE-ID',
      message: 'must be one of "EBAY_US" or "EBAY_GB", not the value sent',
    });
  });

  it('does not require security headers, even one OpenAPI 3 declares as a parameter (the spec ignores it)', () => {
    expect(violations(ebay, { method: 'GET', path: '/sell/fulfillment/v1/order' })).toEqual([]);
  });
});

describe('request bodies', () => {
  const shipment = (body: unknown) =>
    violations(amazon, { method: 'POST', path: '/api/orders/v0/orders/1/shipment', body });
  const fulfillment = (body: unknown) =>
    violations(ebay, {
      method: 'POST',
      path: '/sell/fulfillment/v1/order/1/shipping_fulfillment',
      headers: FULFILLMENT_HEADERS,
      body,
    });

  it("checks Swagger's body parameter through its $refs, naming the field", () => {
    expect(shipment(SHIPMENT)).toEqual([]);
    expect(shipment({ ...SHIPMENT, orderItems: [{ orderItemId: '1', quantity: 'two' }] })).toEqual([
      { where: 'body.orderItems[0].quantity', message: 'must be an integer, not "two"' },
    ]);
    expect(shipment({ marketplaceId: 'A1' })).toEqual([
      { where: 'body.shipmentStatus', message: 'is required but missing' },
    ]);
  });

  it("reads draft 4's boolean exclusiveMinimum", () => {
    expect(shipment({ ...SHIPMENT, orderItems: [{ orderItemId: '1', quantity: 0 }] })).toEqual([
      { where: 'body.orderItems[0].quantity', message: 'must be more than 0, not 0' },
    ]);
  });

  it('refuses a missing required body, and a body where the operation takes none', () => {
    expect(shipment(undefined)).toEqual([
      { where: 'body', message: 'is required by updateShipmentStatus but missing' },
    ]);
    expect(fulfillment(undefined)).toEqual([
      { where: 'body', message: 'is required by createShippingFulfillment but missing' },
    ]);
    expect(violations(amazon, { ...GOOD_ORDERS, body: {} })).toEqual([
      { where: 'body', message: 'getOrders takes no request body' },
    ]);
  });

  it("checks OpenAPI's application/json request body through components", () => {
    expect(fulfillment(FULFILLMENT)).toEqual([]);
    expect(fulfillment({ ...FULFILLMENT, shippedDate: 'yesterday' })).toEqual([
      { where: 'body.shippedDate', message: 'must be a valid date-time, not "yesterday"' },
    ]);
  });

  it('takes null only where the document says nullable (3.0) or x-nullable (Swagger)', () => {
    expect(fulfillment({ ...FULFILLMENT, trackingNumber: null, shipTo: null })).toEqual([]);
    expect(fulfillment({ ...FULFILLMENT, shippingCarrierCode: null })).toEqual([
      { where: 'body.shippingCarrierCode', message: 'must be a string, not null' },
    ]);
    expect(
      amazon.checkResponse('getOrder', 200, {
        AmazonOrderId: '1',
        PurchaseDate: '2026-11-01T00:00:00Z',
        Note: null,
      }),
    ).toEqual([]);
    expect(
      amazon.checkResponse('getOrder', 200, { AmazonOrderId: null, PurchaseDate: '2026-11-01T00:00:00Z' }),
    ).toEqual([{ where: 'body.AmazonOrderId', message: 'must be a string, not null' }]);
  });

  it('refuses a readOnly property in a request, and does not require it there', () => {
    expect(fulfillment({ ...FULFILLMENT, fulfillmentId: 'F1' })).toEqual([
      { where: 'body.fulfillmentId', message: 'is read-only: the contract allows it in responses only' },
    ]);
  });

  it('keeps additionalProperties as the document says: open unless it says false', () => {
    expect(fulfillment({ ...FULFILLMENT, somethingNew: 1 })).toEqual([]);
    expect(fulfillment({ ...FULFILLMENT, shipTo: { city: 'Leeds', county: 'West Yorkshire' } })).toEqual([
      { where: 'body.shipTo.county', message: 'is not a property the contract allows here' },
    ]);
    expect(shipment({ ...SHIPMENT, orderItems: [{ orderItemId: '1', sku: 'X' }] })[0]!.where).toBe(
      'body.orderItems[0].sku',
    );
  });

  it('says which alternative of a oneOf came nearest', () => {
    expect(fulfillment({ ...FULFILLMENT, parcel: { depth: 2 } })).toEqual([]);
    expect(fulfillment({ ...FULFILLMENT, parcel: { depth: 'deep' } })).toEqual([
      {
        where: 'body.parcel',
        message:
          'matches none of the shapes oneOf allows here (nearest miss: body.parcel.depth must be a number, not "deep")',
      },
    ]);
  });

  it('leaves a format the document invents unchecked, and checks the standard ones', () => {
    const order = { AmazonOrderId: '1', PurchaseDate: '2026-11-01T00:00:00Z', Asin: 'anything at all' };
    expect(amazon.checkResponse('getOrder', 200, order)).toEqual([]);
    expect(amazon.checkResponse('getOrder', 200, { ...order, PurchaseDate: 'Monday' })[0]!.where).toBe(
      'body.PurchaseDate',
    );
  });
});

describe('responses', () => {
  const order = { orderId: 'O1', buyerCheckoutNotes: null };

  it('checks the body against the response for its status, allowing readOnly properties', () => {
    expect(ebay.checkResponse('getOrders', 200, { total: 1, orders: [order] })).toEqual([]);
    expect(ebay.checkResponse('getOrders', 200, { total: 1, orders: [{ buyerCheckoutNotes: 'x' }] })).toEqual(
      [{ where: 'body.orders[0].orderId', message: 'is required but missing' }],
    );
  });

  it("falls back to the status's range, then to default, and refuses an undocumented status", () => {
    expect(ebay.checkResponse('getOrders', 404, { errors: 'none' })).toEqual([
      { where: 'body.errors', message: 'must be an array, not "none"' },
    ]);
    expect(ebay.checkResponse('createShippingFulfillment', 500, { errors: [] })).toEqual([]);
    expect(ebay.checkResponse('createShippingFulfillment', 500, { errors: {} })[0]!.where).toBe(
      'body.errors',
    );
    expect(ebay.checkResponse('getOrders', 503, {})).toEqual([
      { where: 'status', message: '503 is not a status getOrders documents' },
    ]);
    expect(amazon.checkResponse('getOrders', 400, {})).toEqual([
      { where: 'body.errors', message: 'is required but missing' },
    ]);
  });

  it('takes any body where the response declares none, and names an unknown operation', () => {
    expect(ebay.checkResponse('createShippingFulfillment', 201, undefined)).toEqual([]);
    expect(ebay.checkResponse('getOrderz', 200, {})).toEqual([
      { where: 'operationId', message: 'the contract has no operation getOrderz' },
    ]);
  });

  it('refuses a writeOnly property in a response', () => {
    const api = loadContract({
      ...openapi,
      paths: {
        '/f': {
          get: {
            operationId: 'getF',
            responses: {
              '200': {
                description: '',
                content: {
                  'application/json': { schema: { $ref: '#/components/schemas/ShippingFulfillmentDetails' } },
                },
              },
            },
          },
        },
      },
    });
    expect(api.checkResponse('getF', 200, { fulfillmentId: 'F', lineItems: [], signature: 's' })).toEqual([
      { where: 'body.signature', message: 'is write-only: the contract allows it in requests only' },
    ]);
  });
});

describe('composed schemas', () => {
  const api = loadContract({
    openapi: '3.0.1',
    info: { title: 'Catalog', version: '3' },
    paths: {
      '/products': {
        post: {
          operationId: 'createProduct',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ProductPost' } } },
          },
          responses: {
            '200': {
              description: '',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ProductPost' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Base: {
          type: 'object',
          properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string' } },
        },
        ProductPost: {
          allOf: [{ $ref: '#/components/schemas/Base' }, { type: 'object', required: ['id', 'name'] }],
          required: ['id'],
          properties: {
            brand: { allOf: [{ $ref: '#/components/schemas/Brand' }], nullable: true },
            maker: { $ref: '#/components/schemas/Brand', nullable: true },
            option: { $ref: '#/components/schemas/Option' },
          },
        },
        Brand: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
        Option: {
          oneOf: [{ $ref: '#/components/schemas/Swatch' }, { $ref: '#/components/schemas/Dropdown' }],
          discriminator: { propertyName: 'type', mapping: { swatch: '#/components/schemas/Swatch' } },
        },
        Swatch: {
          type: 'object',
          required: ['type', 'colour'],
          properties: { type: { type: 'string' }, colour: { type: 'string' } },
        },
        Dropdown: {
          type: 'object',
          required: ['type', 'values'],
          properties: { type: { type: 'string' }, values: { type: 'array' } },
        },
      },
    },
  });
  const create = (body: unknown) => violations(api, { method: 'POST', path: '/products', body });

  it('does not require in a request a readOnly property that an allOf member declares', () => {
    expect(create({ name: 'Mug' })).toEqual([]);
    expect(create({})).toEqual([{ where: 'body.name', message: 'is required but missing' }]);
    expect(api.checkResponse('createProduct', 200, { name: 'Mug' })).toEqual([
      { where: 'body.id', message: 'is required but missing' },
    ]);
    expect(create({ name: 'Mug', id: 1 })).toEqual([
      { where: 'body.id', message: 'is read-only: the contract allows it in responses only' },
    ]);
  });

  it("reports a nullable composition's mismatch in the terms of the schema it wraps", () => {
    expect(create({ name: 'Mug', brand: null, maker: null })).toEqual([]);
    expect(create({ name: 'Mug', maker: 'Acme' })).toEqual([
      { where: 'body.maker', message: 'must be an object or null, not "Acme"' },
    ]);
    expect(create({ name: 'Mug', brand: {} })).toEqual([
      { where: 'body.brand.code', message: 'is required but missing' },
    ]);
  });

  it("checks a discriminated oneOf against the schema the discriminator's value names, by mapping or by name", () => {
    expect(create({ name: 'Mug', option: { type: 'swatch', colour: 'red' } })).toEqual([]);
    expect(create({ name: 'Mug', option: { type: 'Dropdown', values: [] } })).toEqual([]);
    expect(create({ name: 'Mug', option: { type: 'swatch', values: [] } })).toEqual([
      { where: 'body.option.colour', message: 'is required but missing' },
    ]);
    expect(create({ name: 'Mug', option: { type: 'radio' } })).toEqual([
      { where: 'body.option.type', message: 'must be one of "swatch" or "Dropdown", not "radio"' },
    ]);
    expect(create({ name: 'Mug', option: { colour: 'red' } })).toEqual([
      { where: 'body.option.type', message: 'is required but missing' },
    ]);
  });
});

describe('OpenAPI 3.1', () => {
  const api = loadContract({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/products': {
        post: {
          operationId: 'createProduct',
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    price: { type: 'number', exclusiveMinimum: 0 },
                    brand: { type: ['string', 'null'] },
                    sku: { $ref: '#/components/schemas/Sku', maxLength: 4 },
                  },
                },
              },
            },
          },
          responses: { '200': { description: 'ok' } },
        },
      },
    },
    components: { schemas: { Sku: { type: 'string', pattern: '^[A-Z]+$' } } },
  });
  const create = (body: unknown) => violations(api, { method: 'POST', path: '/products', body });

  it("reads 2020-12's numeric exclusiveMinimum, type lists, and a $ref's siblings", () => {
    expect(create({ price: 1, brand: null, sku: 'ABC' })).toEqual([]);
    expect(create({ price: 0 })[0]!.message).toBe('must be more than 0, not 0');
    expect(create({ brand: 1 })[0]!.message).toBe('must be a string or null, not 1');
    expect(create({ sku: 'ABCDE' })[0]!.message).toBe('must be at most 4 characters long, not 5');
    expect(create({ sku: 'abc' })[0]!.where).toBe('body.sku');
  });
});

// A real OpenAPI 3.1 document from another generator: the one Waybill's hub publishes from its zod schemas. The hub
// validates requests itself (Fastify with zod), so its verdict is an independent one for the checker's to agree with.
// SQLite only: the database is not what is under test here.
describe("Waybill's own OpenAPI 3.1 document, against the hub that serves it", () => {
  let hub: TestHub;
  let contract: ReturnType<typeof loadContract>;
  beforeAll(async () => {
    hub = await startTestHub('sqlite');
    contract = loadContract((await hub.api('/openapi.json', { key: null })).body);
  });
  afterAll(() => hub?.close());

  const preview = (quantity: number) => ({
    order: {
      shipTo: { country: 'GB' },
      lines: [{ sku: 'MUG', quantity, unitPrice: { amount: 900, currency: 'GBP' } }],
    },
  });
  const cases: { request: ContractRequest; violations: { where: string; message: string }[] }[] = [
    { request: { method: 'GET', path: '/api/v1/stock', query: { limit: '1000' } }, violations: [] },
    {
      request: { method: 'GET', path: '/api/v1/stock', query: { limit: '1001' } },
      violations: [{ where: 'query.limit', message: 'must be at most 1000, not 1001' }],
    },
    {
      request: { method: 'GET', path: '/api/v1/stock', query: { limit: 'ten' } },
      violations: [{ where: 'query.limit', message: 'must be an integer, not "ten"' }],
    },
    {
      request: { method: 'POST', path: '/api/v1/keys', body: { role: 'operator', label: 'ci' } },
      violations: [],
    },
    {
      request: { method: 'POST', path: '/api/v1/keys', body: { role: 'owner' } },
      violations: [
        { where: 'body.role', message: 'must be one of "admin", "operator" or "read-only", not "owner"' },
      ],
    },
    {
      request: { method: 'POST', path: '/api/v1/keys', body: { label: '' } },
      violations: [
        { where: 'body.role', message: 'is required but missing' },
        { where: 'body.label', message: 'must be at least 1 characters long, not 0' },
      ],
    },
    { request: { method: 'POST', path: '/api/v1/routing/preview', body: preview(1) }, violations: [] },
    {
      request: { method: 'POST', path: '/api/v1/routing/preview', body: preview(0) },
      violations: [{ where: 'body.order.lines[0].quantity', message: 'must be more than 0, not 0' }],
    },
  ];

  it.each(cases)(
    '$request.method $request.path $request.query $request.body',
    async ({ request, violations }) => {
      const query = new URLSearchParams(request.query as Record<string, string>).toString();
      const answer = await hub.api(`${request.path}${query ? `?${query}` : ''}`, {
        method: request.method,
        body: request.body,
      });
      const check = contract.checkRequest(request);
      expect(check.violations).toEqual(violations);
      expect(answer.status < 300, `the hub answered ${answer.status}`).toBe(violations.length === 0);
      expect(contract.checkResponse(check.operationId!, answer.status, answer.body)).toEqual([]);
    },
  );
});

describe('reading a vendored document', () => {
  const folder = mkdtempSync(join(tmpdir(), 'contract-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads .json, .json.gz and .yaml alike', () => {
    writeFileSync(join(folder, 'a.json'), JSON.stringify(openapi));
    writeFileSync(join(folder, 'a.json.gz'), gzipSync(JSON.stringify(swagger)));
    writeFileSync(join(folder, 'a.yaml'), stringifyYaml(openapi));
    expect(readContractFile(join(folder, 'a.json'))).toEqual(openapi);
    expect(readContractFile(join(folder, 'a.json.gz'))).toEqual(swagger);
    expect(readContractFile(join(folder, 'a.yaml'))).toEqual(openapi);
  });

  it('refuses a document of neither dialect, and a $ref to nothing', () => {
    expect(() => loadContract({ swagger: '1.2' })).toThrow(/neither Swagger 2.0 nor OpenAPI/);
    const broken = { ...openapi, components: { ...openapi.components, schemas: {} } };
    expect(() => loadContract(broken)).toThrow(/#\/components\/schemas\/\w+ names nothing/);
  });
});

// Every vendored contract under sim/contracts/<platform>/ (the simulators' own), loaded and checked with a request
// made from the document itself: the first operation whose required parameters and body can be written from their
// schemas. Files that are not Swagger/OpenAPI documents (a feed's JSON Schema, a README) are passed over.
const CONTRACTS = fileURLToPath(new URL('./contracts/', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function vendoredDocuments(): { file: string; doc: any }[] {
  if (!existsSync(CONTRACTS)) return [];
  const files = readdirSync(CONTRACTS, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(json|json\.gz|ya?ml)$/.test(name))
    .sort();
  return files
    .map((name) => ({ file: name, doc: readContractFile(join(CONTRACTS, name)) as any }))
    .filter(({ doc }) => doc.swagger !== undefined || doc.openapi !== undefined);
}

/** A schema or an example the sample maker cannot satisfy for sure (a pattern, `not`): that operation is skipped. */
class CannotSample extends Error {}

function pointer(doc: any, ref: string): any {
  return ref
    .slice(2)
    .split('/')
    .reduce((node, key) => node?.[decodeURIComponent(key).replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

function follow(doc: any, node: any): any {
  for (let hops = 0; node?.$ref && hops < 20; hops++) node = pointer(doc, node.$ref);
  return node;
}

/** The smallest value a schema takes, made from its constraints (an `example` only where a pattern asks for one). */
function sample(doc: any, raw: any, direction: 'request' | 'response', depth = 0): any {
  const schema = follow(doc, raw) ?? {};
  if (depth > 12 || schema.not !== undefined) throw new CannotSample();
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((v: unknown) => v !== null);
  if (schema.allOf)
    return Object.assign({}, ...schema.allOf.map((s: any) => sample(doc, s, direction, depth + 1)));
  if (schema.oneOf || schema.anyOf)
    return sample(doc, (schema.oneOf ?? schema.anyOf)[0], direction, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  if (type === 'object' || (type === undefined && schema.properties)) {
    const object: Record<string, unknown> = {};
    for (const name of schema.required ?? []) {
      const property = follow(doc, schema.properties?.[name]) ?? {};
      if (property.readOnly && direction === 'request') continue;
      object[name] = sample(doc, property, direction, depth + 1);
    }
    if ((schema.minProperties ?? 0) > Object.keys(object).length) throw new CannotSample();
    return object;
  }
  if (type === 'array') {
    if ((schema.minItems ?? 0) > 1 && schema.uniqueItems) throw new CannotSample();
    return Array.from({ length: schema.minItems ?? 0 }, () =>
      sample(doc, schema.items, direction, depth + 1),
    );
  }
  if (type === 'integer' || type === 'number') return number(schema);
  if (type === 'boolean') return true;
  if (schema.pattern !== undefined) {
    if (typeof schema.example === 'string' && new RegExp(schema.pattern).test(schema.example))
      return schema.example;
    throw new CannotSample();
  }
  const formats: Record<string, string> = {
    'date-time': '2026-12-01T10:00:00Z',
    date: '2026-12-01',
    email: 'buyer@example.com',
    uri: 'https://example.com/',
    url: 'https://example.com/',
    uuid: '0b4f2d3c-1e5a-4c6b-9d7e-8f9a0b1c2d3e',
  };
  if (typeof schema.format === 'string' && formats[schema.format]) return formats[schema.format];
  if (schema.maxLength === 0) return '';
  return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
}

function number(schema: any): number {
  const step = schema.multipleOf ?? 1;
  let value = typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (schema.exclusiveMinimum === true || typeof schema.exclusiveMinimum === 'number')
    value = (typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : value) + step;
  value = Math.ceil(value / step) * step;
  if (typeof schema.maximum === 'number' && value > schema.maximum) throw new CannotSample();
  return value;
}

/** The path every request of the document starts with: its basePath, or its first server's path. */
function basePathOf(doc: any): string {
  if (doc.swagger) return (doc.basePath ?? '').replace(/\/$/, '');
  const server = doc.servers?.[0];
  if (!server) return '';
  const url = String(server.url).replace(/\{([^}]+)\}/g, (_: string, name: string) =>
    String(server.variables?.[name]?.default ?? 'x'),
  );
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\/$/, '');
}

interface Sampled {
  request: ContractRequest;
  /** A required parameter or body the request carries, to leave out. */
  required: { where: string; drop: (request: ContractRequest) => ContractRequest } | null;
}

/** A request that keeps the operation's contract, with only what it requires. */
function sampleRequest(doc: any, template: string, method: string): Sampled {
  const item = follow(doc, doc.paths[template]);
  const operation = item[method];
  const byKey = new Map<string, any>();
  for (const node of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
    const parameter = follow(doc, node);
    byKey.set(`${parameter.in} ${parameter.name}`, parameter);
  }
  const text = (parameter: any): string | string[] => {
    const schema = follow(doc, doc.swagger ? parameter : (parameter.schema ?? {}));
    if (schema.type === 'array') {
      const count = Math.max(schema.minItems ?? 1, 1);
      const items = Array.from({ length: count }, () => String(sample(doc, schema.items, 'request')));
      const exploded = doc.swagger
        ? parameter.collectionFormat === 'multi'
        : (parameter.explode ?? (parameter.style ?? 'form') === 'form');
      return exploded && parameter.in === 'query' ? items : items.join(',');
    }
    const value = sample(doc, schema, 'request');
    if (typeof value === 'object' && value !== null) throw new CannotSample();
    return String(value);
  };
  let path = template;
  const query: Record<string, string | string[]> = {};
  const headers: Record<string, string> = {};
  let required: Sampled['required'] = null;
  for (const parameter of byKey.values()) {
    if (parameter.in === 'path')
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(text(parameter))));
    if (!parameter.required) continue;
    if (parameter.in === 'formData' || parameter.in === 'cookie') throw new CannotSample();
    if (parameter.in === 'query') {
      query[parameter.name] = text(parameter);
      required ??= {
        where: `query.${parameter.name}`,
        drop: (r) => ({
          ...r,
          query: Object.fromEntries(Object.entries(query).filter(([k]) => k !== parameter.name)),
        }),
      };
    }
    if (parameter.in === 'header') headers[parameter.name] = String(text(parameter));
  }
  const bodyParameter = [...byKey.values()].find((p) => p.in === 'body');
  const requestBody = follow(doc, operation.requestBody);
  const json = requestBody?.content
    ? Object.entries<any>(requestBody.content).find(([type]) => /json/.test(type))?.[1]
    : undefined;
  let body: unknown;
  if (bodyParameter?.required) body = sample(doc, bodyParameter.schema, 'request');
  else if (requestBody?.required) {
    if (!json) throw new CannotSample();
    body = sample(doc, json.schema ?? {}, 'request');
  }
  if (body !== undefined) required ??= { where: 'body', drop: (r) => ({ ...r, body: undefined }) };
  return {
    request: { method: method.toUpperCase(), path: basePathOf(doc) + path, query, headers, body },
    required,
  };
}

/** The first operation of the document a request can be made for, in the document's order. */
function firstSampled(doc: any): (Sampled & { operationId: string | null }) | null {
  for (const [template, item] of Object.entries<any>(doc.paths ?? {}))
    for (const method of METHODS) {
      if (!follow(doc, item)?.[method]) continue;
      try {
        return {
          ...sampleRequest(doc, template, method),
          operationId: follow(doc, item)[method].operationId ?? null,
        };
      } catch (error) {
        if (!(error instanceof CannotSample)) throw error;
      }
    }
  return null;
}

describe('the vendored contracts under sim/contracts', () => {
  const documents = vendoredDocuments();
  if (documents.length === 0) it.skip('none vendored yet', () => {});

  for (const { file, doc } of documents) {
    describe(file, () => {
      const contract = loadContract(doc);

      it('compiles every operation, and lists them all', () => {
        let count = 0;
        for (const [template, item] of Object.entries<any>(doc.paths ?? {}))
          for (const method of METHODS) {
            const operation = follow(doc, item)?.[method];
            if (!operation) continue;
            count++;
            const path = basePathOf(doc) + template.replace(/\{[^}]+\}/g, 'x');
            const id = contract.checkRequest({ method, path, body: {} }).operationId;
            expect(id, `${method} ${template}`).not.toBeNull();
            for (const status of Object.keys(operation.responses ?? {}))
              contract.checkResponse(
                id!,
                status === 'default' ? 599 : Number(status.replace(/x/gi, '0')),
                {},
              );
          }
        expect(contract.operationIds).toHaveLength(count);
      });

      it('passes a known-good request and refuses known-bad ones', () => {
        const sampled = firstSampled(doc);
        expect(sampled, 'no operation of the document takes a request made from its schemas').not.toBeNull();
        const { request, required } = sampled!;
        const good = contract.checkRequest(request);
        expect(good.violations, JSON.stringify(request)).toEqual([]);
        if (sampled!.operationId) expect(good.operationId).toBe(sampled!.operationId);
        expect(
          contract.checkRequest({ ...request, query: { ...request.query, contractProbe: '1' } }).violations,
        ).toEqual([
          { where: 'query.contractProbe', message: `is not a query parameter of ${good.operationId}` },
        ]);
        expect(
          contract.checkRequest({ ...request, path: `${request.path}/contract-probe/x/y` }).violations[0]!
            .where,
        ).toBe('path');
        if (required)
          expect(contract.checkRequest(required.drop(request)).violations.map((v) => v.where)).toContain(
            required.where,
          );
      });
    });
  }
});
