import { z } from 'zod';
import type { FulfilmentRefusal } from '../../../domain/fulfilment-request.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentAnswer, FulfilmentRequest, FulfilmentService } from '../sales-channel.ts';
import {
  fulfillmentOrderLinesQuery,
  PAGE,
  type AdminClient,
  type FulfillmentOrderLine,
  type Operation,
} from './graphql.ts';

/**
 * Waybill as a Shopify fulfillment service (shopify.dev, "Build for fulfillment services", Admin GraphQL 2026-10).
 * fulfillmentServiceCreate makes a location named after the service; lines stocked there get fulfillment orders
 * assigned to Waybill. When the merchant requests fulfillment (or cancellation), Shopify POSTs a bare
 * `{"kind": …}` to `<callbackUrl>/fulfillment_order_notification` (http/routes/webhooks.ts): a nudge, no more, and
 * not retried, so Waybill lists its assigned fulfillment orders by assignment status itself, on the nudge and on a
 * timer, and answers each with fulfillmentOrderAccept/RejectFulfillmentRequest or Accept/RejectCancellationRequest.
 */

const id = z.string().min(1);
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const userErrors = z.array(
  z.object({ field: z.array(z.string()).nullable().optional(), message: z.string() }),
);
const service = z.object({
  id,
  serviceName: z.string(),
  callbackUrl: z.string().nullable(),
  location: z.object({ id, name: z.string() }).nullable(),
});
type ServiceNode = z.infer<typeof service>;
const SERVICE_FIELDS = 'id serviceName callbackUrl location { id name }';

export const fulfillmentServicesQuery: Operation<{ shop: { fulfillmentServices: ServiceNode[] } }> = {
  name: 'WaybillFulfillmentServices',
  query: `query WaybillFulfillmentServices { shop { fulfillmentServices { ${SERVICE_FIELDS} } } }`,
  data: z.object({ shop: z.object({ fulfillmentServices: z.array(service) }) }),
};

type ServicePayload = {
  fulfillmentService: ServiceNode | null;
  userErrors: z.infer<typeof userErrors>;
} | null;
const servicePayload = z.object({ fulfillmentService: service.nullable(), userErrors }).nullable();

export const fulfillmentServiceCreateMutation: Operation<{ fulfillmentServiceCreate: ServicePayload }> = {
  name: 'WaybillFulfillmentServiceCreate',
  // Waybill tells Shopify of tracking itself (fulfillmentCreate) and sets stock itself (inventorySetQuantities).
  query: `mutation WaybillFulfillmentServiceCreate($name: String!, $callbackUrl: URL!) {
  fulfillmentServiceCreate(name: $name, callbackUrl: $callbackUrl, trackingSupport: false, inventoryManagement: false) {
    fulfillmentService { ${SERVICE_FIELDS} } userErrors { field message }
  }
}`,
  data: z.object({ fulfillmentServiceCreate: servicePayload }),
};

export const fulfillmentServiceUpdateMutation: Operation<{ fulfillmentServiceUpdate: ServicePayload }> = {
  name: 'WaybillFulfillmentServiceUpdate',
  query: `mutation WaybillFulfillmentServiceUpdate($id: ID!, $callbackUrl: URL!) {
  fulfillmentServiceUpdate(id: $id, callbackUrl: $callbackUrl) { fulfillmentService { ${SERVICE_FIELDS} } userErrors { field message } }
}`,
  data: z.object({ fulfillmentServiceUpdate: servicePayload }),
};

const assignedLine = z.object({
  id,
  remainingQuantity: z.number().int(),
  lineItem: z.object({ id, sku: z.string().nullable() }),
});
const assignedOrder = z.object({
  id,
  status: z.string(),
  requestStatus: z.string(),
  order: z.object({ id, legacyResourceId: z.string() }),
  lineItems: z.object({ pageInfo, nodes: z.array(assignedLine) }),
});
type AssignedOrder = z.infer<typeof assignedOrder>;

export const assignedFulfillmentOrdersQuery: Operation<{
  assignedFulfillmentOrders: { pageInfo: z.infer<typeof pageInfo>; nodes: AssignedOrder[] };
}> = {
  name: 'WaybillAssignedFulfillmentOrders',
  query: `query WaybillAssignedFulfillmentOrders($status: FulfillmentOrderAssignmentStatus, $first: Int!, $after: String, $linesFirst: Int!) {
  assignedFulfillmentOrders(first: $first, after: $after, assignmentStatus: $status) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id status requestStatus order { id legacyResourceId }
      lineItems(first: $linesFirst) { pageInfo { hasNextPage endCursor } nodes { id remainingQuantity lineItem { id sku } } }
    }
  }
}`,
  data: z.object({ assignedFulfillmentOrders: z.object({ pageInfo, nodes: z.array(assignedOrder) }) }),
};

type AnswerPayload = {
  fulfillmentOrder: { id: string; status: string; requestStatus: string } | null;
  userErrors: z.infer<typeof userErrors>;
} | null;
const answerPayload = z
  .object({
    fulfillmentOrder: z.object({ id, status: z.string(), requestStatus: z.string() }).nullable(),
    userErrors,
  })
  .nullable();

function answerMutation<R extends string>(
  name: string,
  root: R,
  args: string,
  params: string,
): Operation<Record<R, AnswerPayload>> {
  return {
    name,
    query: `mutation ${name}(${params}) { ${root}(${args}) { fulfillmentOrder { id status requestStatus } userErrors { field message } } }`,
    data: z.object({ [root]: answerPayload }) as unknown as z.ZodType<Record<R, AnswerPayload>>,
  };
}

export const acceptFulfillmentRequestMutation = answerMutation(
  'WaybillAcceptFulfillmentRequest',
  'fulfillmentOrderAcceptFulfillmentRequest',
  'id: $id, message: $message',
  '$id: ID!, $message: String',
);
export const rejectFulfillmentRequestMutation = answerMutation(
  'WaybillRejectFulfillmentRequest',
  'fulfillmentOrderRejectFulfillmentRequest',
  'id: $id, reason: $reason, message: $message, lineItems: $lineItems',
  '$id: ID!, $reason: FulfillmentOrderRejectionReason, $message: String, $lineItems: [IncomingRequestLineItemInput!]',
);
export const acceptCancellationRequestMutation = answerMutation(
  'WaybillAcceptCancellationRequest',
  'fulfillmentOrderAcceptCancellationRequest',
  'id: $id, message: $message',
  '$id: ID!, $message: String',
);
export const rejectCancellationRequestMutation = answerMutation(
  'WaybillRejectCancellationRequest',
  'fulfillmentOrderRejectCancellationRequest',
  'id: $id, message: $message',
  '$id: ID!, $message: String',
);

/** Shopify's FulfillmentOrderRejectionReason (2026-10) for each of Waybill's refusals. */
const REJECTION_REASON: Readonly<Record<FulfilmentRefusal, string>> = {
  out_of_stock: 'INVENTORY_OUT_OF_STOCK',
  no_supplier: 'INELIGIBLE_PRODUCT',
  unknown_sku: 'INVALID_SKU',
  cancelled: 'OTHER',
};

/** Shopify keeps request messages short in its admin; longer ones are cut, not refused. */
const MESSAGE_LIMIT = 255;

/** Finds the service by name (made by an earlier run, or by hand) or creates it; moves its callback if it changed. */
export async function registerFulfillmentService(
  client: AdminClient,
  name: string,
  callbackUrl: string,
): Promise<FulfilmentService> {
  const { shop } = await client(fulfillmentServicesQuery, {});
  const known = shop.fulfillmentServices.find((s) => s.serviceName === name);
  if (known && known.callbackUrl === callbackUrl) return described(known, 'fulfillmentServices');
  const payload = known
    ? (await client(fulfillmentServiceUpdateMutation, { id: known.id, callbackUrl })).fulfillmentServiceUpdate
    : (await client(fulfillmentServiceCreateMutation, { name, callbackUrl })).fulfillmentServiceCreate;
  const what = known ? 'fulfillmentServiceUpdate' : 'fulfillmentServiceCreate';
  refuseOnUserErrors(what, payload);
  if (!payload?.fulfillmentService) throw new Error(`${what} answered without the service`);
  return described(payload.fulfillmentService, what);
}

function described(node: ServiceNode, what: string): FulfilmentService {
  if (!node.location)
    throw new PermanentError(`${what}: the fulfillment service ${node.serviceName} has no location`);
  return {
    id: node.id,
    name: node.serviceName,
    locationId: node.location.id,
    callbackUrl: node.callbackUrl ?? '',
  };
}

/** Pages of assigned fulfillment orders per run: a backlog larger than this is read by the next run. */
const MAX_PAGES = 20;
const STATUSES = [
  { status: 'FULFILLMENT_REQUESTED', kind: 'fulfilment' },
  { status: 'CANCELLATION_REQUESTED', kind: 'cancellation' },
] as const;

/** Fulfillment orders waiting for Waybill's answer: requested to be fulfilled, or to be cancelled. */
export async function listFulfillmentRequests(client: AdminClient): Promise<FulfilmentRequest[]> {
  const requests: FulfilmentRequest[] = [];
  for (const { status, kind } of STATUSES) {
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer: {
        assignedFulfillmentOrders: { pageInfo: z.infer<typeof pageInfo>; nodes: AssignedOrder[] };
      } = await client(assignedFulfillmentOrdersQuery, {
        status,
        first: PAGE.fulfillmentOrders,
        after,
        linesFirst: PAGE.fulfillmentOrderLines,
      });
      const found = answer.assignedFulfillmentOrders;
      for (const fo of found.nodes)
        requests.push({
          kind,
          id: fo.id,
          externalOrderId: fo.order.legacyResourceId,
          lines: await requestLines(client, fo),
        });
      if (!found.pageInfo.hasNextPage || !found.pageInfo.endCursor) break;
      after = found.pageInfo.endCursor;
    }
  }
  return requests;
}

/** The lines still to fulfil, the first page's and the rest when a fulfillment order has more. */
async function requestLines(client: AdminClient, fo: AssignedOrder): Promise<FulfilmentRequest['lines']> {
  const nodes: {
    id: string;
    remainingQuantity: number;
    lineItem: Pick<FulfillmentOrderLine['lineItem'], 'sku'>;
  }[] = [...fo.lineItems.nodes];
  let { hasNextPage, endCursor } = fo.lineItems.pageInfo;
  while (hasNextPage && endCursor) {
    const { fulfillmentOrder } = await client(fulfillmentOrderLinesQuery, {
      fulfillmentOrderId: fo.id,
      first: PAGE.lines,
      after: endCursor,
    });
    if (!fulfillmentOrder) throw new Error(`fulfillment order ${fo.id} disappeared while it was read`);
    nodes.push(...fulfillmentOrder.lineItems.nodes);
    ({ hasNextPage, endCursor } = fulfillmentOrder.lineItems.pageInfo);
  }
  return nodes
    .filter((n) => n.remainingQuantity > 0)
    .map((n) => ({ id: n.id, sku: (n.lineItem.sku ?? '').trim(), quantity: n.remainingQuantity }));
}

/** One answer. A user error (the request was withdrawn or answered meanwhile) is permanent for this request. */
export async function answerFulfillmentRequest(
  client: AdminClient,
  request: FulfilmentRequest,
  answer: FulfilmentAnswer,
): Promise<void> {
  const message = answer.message.slice(0, MESSAGE_LIMIT);
  if (request.kind === 'fulfilment' && answer.accept) {
    refuseOnUserErrors(
      'fulfillmentOrderAcceptFulfillmentRequest',
      (await client(acceptFulfillmentRequestMutation, { id: request.id, message }))
        .fulfillmentOrderAcceptFulfillmentRequest,
    );
  } else if (request.kind === 'fulfilment' && !answer.accept) {
    const lineItems = answer.lines.map((l) => ({
      fulfillmentOrderLineItemId: l.id,
      message: l.message.slice(0, MESSAGE_LIMIT),
    }));
    const variables = { id: request.id, reason: REJECTION_REASON[answer.reason], message, lineItems };
    refuseOnUserErrors(
      'fulfillmentOrderRejectFulfillmentRequest',
      (await client(rejectFulfillmentRequestMutation, variables)).fulfillmentOrderRejectFulfillmentRequest,
    );
  } else if (answer.accept) {
    refuseOnUserErrors(
      'fulfillmentOrderAcceptCancellationRequest',
      (await client(acceptCancellationRequestMutation, { id: request.id, message }))
        .fulfillmentOrderAcceptCancellationRequest,
    );
  } else {
    refuseOnUserErrors(
      'fulfillmentOrderRejectCancellationRequest',
      (await client(rejectCancellationRequestMutation, { id: request.id, message }))
        .fulfillmentOrderRejectCancellationRequest,
    );
  }
}

function refuseOnUserErrors(what: string, payload: { userErrors: z.infer<typeof userErrors> } | null): void {
  if (!payload) throw new Error(`${what} answered without a payload`);
  if (payload.userErrors.length === 0) return;
  const reasons = payload.userErrors
    .map((e) => (e.field?.length ? `${e.field.join('.')}: ${e.message}` : e.message))
    .join('; ');
  throw new PermanentError(`Shopify refused ${what}: ${reasons}`);
}
