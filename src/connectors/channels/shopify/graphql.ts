import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { costOf, describeCost, retryThrottled, ShopifyThrottledError, throttleWaitMs } from './throttle.ts';
import { postGraphql, type AdminEndpoint } from './transport.ts';

/**
 * What Waybill says to the Admin GraphQL API (version pinned in credentials.ts) and what it reads back. Each
 * operation is named, so Shopify's logs and the simulator (sim/shopify.ts) can tell them apart, and takes its page
 * sizes as variables. Page sizes keep every query's requested cost well under Shopify's single-query limit of 1000
 * points (a connection costs 2 + first × the cost of one node), so none is refused for its size.
 */
export interface Operation<T> {
  name: string;
  query: string;
  data: z.ZodType<T>;
}

export const PAGE = {
  /** Fulfillment orders per page, each with its first `fulfillmentOrderLines` line items (~400 points requested). */
  fulfillmentOrders: 5,
  fulfillmentOrderLines: 25,
  /** Further line items of one fulfillment order, or of one fulfillment. */
  lines: 100,
  /** Order.fulfillments is a plain list, not a connection: this many is all Waybill looks at. */
  fulfillments: 50,
  /** SKUs per productVariants search: the search string stays short, and one page of `variants` holds the matches. */
  skusPerSearch: 50,
  /** Variants per page, each with its product and inventory item (~300 points requested). */
  variants: 100,
  /** Inventory items read per nodes(ids:) call, each with its level at one location (~300 points requested). */
  inventoryItems: 100,
} as const;

const id = z.string().min(1);

/** The numeric order id the webhooks carry (Waybill's externalId) → the order's GraphQL id. */
export function orderGid(externalId: string): string {
  if (!/^\d+$/.test(externalId)) throw new PermanentError(`order ${externalId} is not a Shopify order id`);
  return `gid://shopify/Order/${externalId}`;
}
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

const fulfillmentOrderLine = z.object({
  id,
  remainingQuantity: z.number().int(),
  lineItem: z.object({ id, sku: z.string().nullable(), variant: z.object({ id }).nullable() }),
});
const fulfillmentOrderLines = z.object({ pageInfo, nodes: z.array(fulfillmentOrderLine) });
export type FulfillmentOrderLine = z.infer<typeof fulfillmentOrderLine>;

const fulfillmentOrder = z.object({
  id,
  status: z.string(),
  /** Where a request to a fulfillment service stands (UNSUBMITTED for every other location). */
  requestStatus: z.string(),
  // The location is null when it has been deleted; the name is kept.
  assignedLocation: z.object({ name: z.string().nullable(), location: z.object({ id }).nullable() }),
  lineItems: fulfillmentOrderLines,
});
export type FulfillmentOrderNode = z.infer<typeof fulfillmentOrder>;

const LINE_FIELDS =
  'pageInfo { hasNextPage endCursor } nodes { id remainingQuantity lineItem { id sku variant { id } } }';

export const fulfillmentOrdersQuery: Operation<{
  order: { fulfillmentOrders: { pageInfo: z.infer<typeof pageInfo>; nodes: FulfillmentOrderNode[] } } | null;
}> = {
  name: 'WaybillFulfillmentOrders',
  query: `query WaybillFulfillmentOrders($orderId: ID!, $first: Int!, $after: String, $linesFirst: Int!) {
  order(id: $orderId) {
    id
    fulfillmentOrders(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id status requestStatus assignedLocation { name location { id } } lineItems(first: $linesFirst) { ${LINE_FIELDS} } }
    }
  }
}`,
  data: z.object({
    order: z
      .object({ fulfillmentOrders: z.object({ pageInfo, nodes: z.array(fulfillmentOrder) }) })
      .nullable(),
  }),
};

export const fulfillmentOrderLinesQuery: Operation<{
  fulfillmentOrder: { lineItems: z.infer<typeof fulfillmentOrderLines> } | null;
}> = {
  name: 'WaybillFulfillmentOrderLineItems',
  query: `query WaybillFulfillmentOrderLineItems($fulfillmentOrderId: ID!, $first: Int!, $after: String) {
  fulfillmentOrder(id: $fulfillmentOrderId) { lineItems(first: $first, after: $after) { ${LINE_FIELDS} } }
}`,
  data: z.object({ fulfillmentOrder: z.object({ lineItems: fulfillmentOrderLines }).nullable() }),
};

const fulfillmentSummary = z.object({
  id,
  status: z.string(),
  trackingInfo: z.array(z.object({ number: z.string().nullable() })),
});
export type FulfillmentSummary = z.infer<typeof fulfillmentSummary>;

export const orderFulfillmentsQuery: Operation<{ order: { fulfillments: FulfillmentSummary[] } | null }> = {
  name: 'WaybillOrderFulfillments',
  query: `query WaybillOrderFulfillments($orderId: ID!, $first: Int!) {
  order(id: $orderId) { id fulfillments(first: $first) { id status trackingInfo(first: 5) { number } } }
}`,
  data: z.object({ order: z.object({ fulfillments: z.array(fulfillmentSummary) }).nullable() }),
};

const fulfillmentLines = z.object({
  pageInfo,
  nodes: z.array(
    z.object({ quantity: z.number().int(), lineItem: z.object({ id, sku: z.string().nullable() }) }),
  ),
});

export const fulfillmentLinesQuery: Operation<{
  fulfillment: { fulfillmentLineItems: z.infer<typeof fulfillmentLines> } | null;
}> = {
  name: 'WaybillFulfillmentLineItems',
  query: `query WaybillFulfillmentLineItems($fulfillmentId: ID!, $first: Int!, $after: String) {
  fulfillment(id: $fulfillmentId) {
    fulfillmentLineItems(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { quantity lineItem { id sku } } }
  }
}`,
  data: z.object({ fulfillment: z.object({ fulfillmentLineItems: fulfillmentLines }).nullable() }),
};

/** FulfillmentInput: the fulfillment orders must all belong to one order and be assigned to one location. */
export interface FulfillmentInput {
  lineItemsByFulfillmentOrder: {
    fulfillmentOrderId: string;
    fulfillmentOrderLineItems: { id: string; quantity: number }[];
  }[];
  trackingInfo: { company: string; number: string };
  notifyCustomer: boolean;
}

const userError = z.object({ field: z.array(z.string()).nullable().optional(), message: z.string() });

export const fulfillmentCreateMutation: Operation<{
  fulfillmentCreate: {
    fulfillment: { id: string; status: string } | null;
    userErrors: z.infer<typeof userError>[];
  } | null;
}> = {
  name: 'WaybillFulfillmentCreate',
  query: `mutation WaybillFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } }
}`,
  data: z.object({
    fulfillmentCreate: z
      .object({
        fulfillment: z.object({ id, status: z.string() }).nullable(),
        userErrors: z.array(userError),
      })
      .nullable(),
  }),
};

export const stockLocationQuery: Operation<{
  location: { id: string; name: string; isActive: boolean } | null;
}> = {
  name: 'WaybillStockLocation',
  // Without an id, Shopify answers with the shop's primary location.
  query: `query WaybillStockLocation($id: ID) { location(id: $id) { id name isActive } }`,
  data: z.object({ location: z.object({ id, name: z.string(), isActive: z.boolean() }).nullable() }),
};

const variant = z.object({
  id,
  sku: z.string().nullable(),
  product: z.object({ id }),
  inventoryItem: z.object({ id }),
});
export type VariantNode = z.infer<typeof variant>;

export interface VariantPage {
  pageInfo: z.infer<typeof pageInfo>;
  nodes: VariantNode[];
}

export const variantsBySkuQuery: Operation<{ productVariants: VariantPage }> = {
  name: 'WaybillVariantsBySku',
  query: `query WaybillVariantsBySku($query: String!, $first: Int!, $after: String) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id sku product { id } inventoryItem { id } }
  }
}`,
  data: z.object({ productVariants: z.object({ pageInfo, nodes: z.array(variant) }) }),
};

/**
 * What a bulk export of the shop's variants selects (./variant-refresh.ts): one JSONL line per variant. A bulk query
 * takes no page arguments and costs nothing of the query budget; it is a string here, run by Shopify, and checked
 * against the schema in documents.test.ts like the named operations.
 */
export const VARIANTS_EXPORT_QUERY = `{ productVariants { edges { node { id sku product { id } inventoryItem { id } } } } }`;

const bulkOperation = z.object({
  id,
  status: z.enum(['CANCELED', 'CANCELING', 'COMPLETED', 'CREATED', 'EXPIRED', 'FAILED', 'RUNNING']),
});

export const variantsExportMutation: Operation<{
  bulkOperationRunQuery: {
    bulkOperation: z.infer<typeof bulkOperation> | null;
    userErrors: { code?: string | null; field?: string[] | null; message: string }[];
  } | null;
}> = {
  name: 'WaybillVariantsExport',
  // groupObjects: false: nothing nested is a connection, and ungrouped files come faster (Shopify's 2026-01 default).
  query: `mutation WaybillVariantsExport($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) { bulkOperation { id status } userErrors { code field message } }
}`,
  data: z.object({
    bulkOperationRunQuery: z
      .object({
        bulkOperation: bulkOperation.nullable(),
        userErrors: z.array(
          z.object({
            code: z.string().nullable().optional(),
            field: z.array(z.string()).nullable().optional(),
            message: z.string(),
          }),
        ),
      })
      .nullable(),
  }),
};

export type BulkOperationState = z.infer<typeof bulkOperation> & {
  errorCode: string | null;
  objectCount: string;
  url: string | null;
};

export const bulkOperationQuery: Operation<{ bulkOperation: BulkOperationState | null }> = {
  name: 'WaybillBulkOperation',
  query: `query WaybillBulkOperation($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount url } }`,
  data: z.object({
    bulkOperation: bulkOperation
      .extend({
        errorCode: z.string().nullable(),
        // UnsignedInt64: a string on the wire.
        objectCount: z.string(),
        // Null until COMPLETED, and when the export found nothing.
        url: z.string().nullable(),
      })
      .nullable(),
  }),
};

const inventoryItemLevel = z.object({
  id,
  sku: z.string().nullable(),
  // Null when the item is not stocked at the location.
  inventoryLevel: z
    .object({ quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })) })
    .nullable(),
});
export type InventoryItemLevel = z.infer<typeof inventoryItemLevel>;

export const inventoryLevelsQuery: Operation<{ nodes: (InventoryItemLevel | null)[] }> = {
  name: 'WaybillInventoryLevels',
  query: `query WaybillInventoryLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) { ... on InventoryItem { id sku inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } } } }
}`,
  // A deleted item is null.
  data: z.object({ nodes: z.array(inventoryItemLevel.nullable()) }),
};

/**
 * InventorySetQuantitiesInput (2026-10): absolute quantities, each applied only if the shop still has its
 * `changeFromQuantity` (which must be given, null opting out of the check; no quantity Waybill sends opts out).
 */
export interface InventorySetInput {
  name: 'available';
  reason: string;
  referenceDocumentUri: string;
  quantities: { inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity: number }[];
}

const inventoryUserError = z.object({
  code: z.string().nullable().optional(),
  field: z.array(z.string()).nullable().optional(),
  message: z.string(),
});
export type InventoryUserError = z.infer<typeof inventoryUserError>;

export const inventorySetMutation: Operation<{
  inventorySetQuantities: { userErrors: InventoryUserError[] } | null;
}> = {
  name: 'WaybillInventorySet',
  // @idempotent is required on inventorySetQuantities from 2026-04 (https://shopify.dev/docs/api/usage/implementing-idempotency).
  query: `mutation WaybillInventorySet($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) { inventoryAdjustmentGroup { id } userErrors { code field message } }
}`,
  data: z.object({
    inventorySetQuantities: z.object({ userErrors: z.array(inventoryUserError) }).nullable(),
  }),
};

/**
 * The `@idempotent(key:)` of one request: the same for the same request sent again (a retry after a lost answer
 * is answered what the first got, and nothing is done twice), another for any other request, as Shopify asks
 * ("distinct requests need different keys"): a hash of what the request is for (a batch, a refund) and its
 * variables, shaped as the UUID Shopify recommends.
 */
export function idempotencyKey(purpose: string, variables: unknown): string {
  const hex = createHash('sha256')
    .update(`${purpose}\n${JSON.stringify(variables)}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const graphqlError = z.object({
  message: z.string(),
  extensions: z.object({ code: z.string().optional() }).optional(),
});
const envelope = z.object({ data: z.unknown().optional(), errors: z.array(graphqlError).optional() });

/**
 * Reads a 200 answer: top-level `errors` mean the whole operation was refused. THROTTLED is sat out by the caller;
 * INTERNAL_SERVER_ERROR may pass; anything else (ACCESS_DENIED for a missing scope, MAX_COST_EXCEEDED, a query
 * that does not fit the schema) will not heal by itself. `data` not shaped as selected is a permanent mismatch too.
 */
export function readAnswer<T>(operation: Operation<T>, body: unknown): T {
  const answer = envelope.safeParse(body);
  if (!answer.success) throw new PermanentError(`${operation.name}: the answer is not a GraphQL response`);
  const errors = answer.data.errors ?? [];
  if (errors.length > 0) throw refusal(operation, errors, body);
  const data = operation.data.safeParse(answer.data.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    throw new PermanentError(
      `${operation.name}: unexpected answer at data.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return data.data;
}

function refusal(
  operation: Operation<unknown>,
  errors: z.infer<typeof graphqlError>[],
  body: unknown,
): Error {
  const codes = errors.map((e) => e.extensions?.code);
  const text = errors
    .map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message))
    .join('; ');
  if (codes.includes('THROTTLED'))
    return new ShopifyThrottledError(throttleWaitMs(costOf(body)), describeCost(costOf(body)));
  if (codes.every((c) => c === 'INTERNAL_SERVER_ERROR')) return new Error(`${operation.name}: ${text}`);
  return new PermanentError(`${operation.name} refused: ${text}`);
}

/** Runs one operation against a shop, sitting out throttling within the call (see throttle.ts). */
export type AdminClient = <T>(operation: Operation<T>, variables: Record<string, unknown>) => Promise<T>;

const THROTTLE = { attempts: 5, maxWaitMs: 10_000 } as const;

export function adminClient(endpoint: AdminEndpoint, signal: AbortSignal): AdminClient {
  return (operation, variables) =>
    retryThrottled(
      async () =>
        readAnswer(
          operation,
          await postGraphql(
            endpoint,
            { operationName: operation.name, query: operation.query, variables },
            signal,
          ),
        ),
      {
        ...THROTTLE,
        signal,
      },
    );
}
