/**
 * The app as a fulfillment service of the simulated shop. Written from shopify.dev (the 2026-10 FulfillmentService
 * object with fulfillmentServiceCreate and fulfillmentServiceUpdate, FulfillmentOrder.requestStatus and its
 * FulfillmentOrderRequestStatus values, the assignedFulfillmentOrders query with FulfillmentOrderAssignmentStatus,
 * the four mutations that accept or reject a fulfillment or cancellation request, FulfillmentOrderRejectionReason,
 * and the notification POSTed to `<callbackUrl>/fulfillment_order_notification`), not from src/.
 *
 * Registering a service opens a location of the same name. Order lines stocked there get fulfillment orders that are
 * assigned to the service: the merchant requests fulfillment (or its cancellation), the shop tells the service with
 * a signed notification, and the app lists what is assigned to it and answers each fulfillment order. Whether a
 * location belongs to a service is looked up when it matters, not when an order is recorded, so a test may register
 * the service before or after it makes the order. Sending the notification is the store's part (./shopify.ts): this
 * file moves the fulfillment orders and says which services to tell.
 */
import type { SimFulfillmentOrder, SimFulfillmentOrderLine, SimLocation } from './shopify.ts';
import {
  connection,
  GraphqlError,
  gid,
  inputArray,
  MUTATION_COST,
  pageSize,
  type AdminOperation,
  type Variables,
} from './shopify-common.ts';

export type SimFulfillmentOrderRequestStatus =
  | 'UNSUBMITTED'
  | 'SUBMITTED'
  | 'ACCEPTED'
  | 'REJECTED'
  | 'CANCELLATION_REQUESTED'
  | 'CANCELLATION_ACCEPTED'
  | 'CANCELLATION_REJECTED'
  | 'CLOSED';

export type SimFulfillmentOrderAnswerKind =
  'accept-fulfillment' | 'reject-fulfillment' | 'accept-cancellation' | 'reject-cancellation';

/** What the app answered to a request on one of its fulfillment orders. */
export interface SimFulfillmentOrderAnswer {
  kind: SimFulfillmentOrderAnswerKind;
  message: string | null;
  /** reject-fulfillment only: the FulfillmentOrderRejectionReason given, or null. */
  reason?: string | null;
  /** reject-fulfillment only: the lines the app named, each with its own message ([] when it named none). */
  lineItems?: { fulfillmentOrderLineItemId: string; message: string | null }[];
}

export interface SimFulfillmentService {
  /** gid://shopify/FulfillmentService/… */
  id: string;
  serviceName: string;
  /** Where the shop sends `/fulfillment_order_notification`; null when the service was registered without one. */
  callbackUrl: string | null;
  /** The location the service owns, named exactly serviceName. */
  location: SimLocation;
}

/** How a notification to a fulfillment service is sent. */
export interface NotifyOptions {
  /** Signs with this instead of the sim's secret (a forged notification). */
  secret?: string;
}

/** The body of a fulfillment_order_notification: `{"kind":"…"}`. */
export type FulfillmentNotificationKind = 'FULFILLMENT_REQUEST' | 'CANCELLATION_REQUEST';

/** What the services need of the shop around them. */
export interface FulfillmentServicesContext {
  /** The location of this name, opened on first mention. */
  location(name: string): SimLocation;
  nextId(): number;
  /** Every fulfillment order of the shop, oldest first (the records themselves, not copies). */
  fulfillmentOrders(): SimFulfillmentOrder[];
  /** The order's fulfillment orders (the records themselves); undefined for an order the shop does not have. */
  fulfillmentOrdersOf(orderId: number): SimFulfillmentOrder[] | undefined;
}

interface UserError {
  field: string[] | null;
  message: string;
}

/** assignmentStatus → the request status it selects. */
const ASSIGNMENT_STATUSES: Readonly<Record<string, SimFulfillmentOrderRequestStatus>> = {
  FULFILLMENT_REQUESTED: 'SUBMITTED',
  FULFILLMENT_ACCEPTED: 'ACCEPTED',
  FULFILLMENT_UNSUBMITTED: 'UNSUBMITTED',
  CANCELLATION_REQUESTED: 'CANCELLATION_REQUESTED',
};

/** FulfillmentOrderRejectionReason, 2026-10. */
const REJECTION_REASONS = new Set([
  'INCORRECT_ADDRESS',
  'INCORRECT_PRODUCT_INFO',
  'INELIGIBLE_PRODUCT',
  'INTERNATIONAL_SHIPPING_UNAVAILABLE',
  'INVALID_CONTACT_INFORMATION',
  'INVALID_SKU',
  'INVENTORY_OUT_OF_STOCK',
  'MERCHANT_BLOCKED_OR_SUSPENDED',
  'MISSING_CUSTOMS_INFO',
  'ORDER_TOO_LARGE',
  'OTHER',
  'PACKAGE_PREFERENCE_NOT_SET',
  'PAYMENT_DECLINED',
  'UNDELIVERABLE_DESTINATION',
]);

/** Each answer: the request status it answers, the one it leaves, and the status the fulfillment order moves to. */
const TRANSITIONS: Readonly<
  Record<
    SimFulfillmentOrderAnswerKind,
    {
      from: SimFulfillmentOrderRequestStatus;
      to: SimFulfillmentOrderRequestStatus;
      status: SimFulfillmentOrder['status'] | null;
      refusal: string;
    }
  >
> = {
  'accept-fulfillment': {
    from: 'SUBMITTED',
    to: 'ACCEPTED',
    status: 'IN_PROGRESS',
    refusal: 'Cannot accept fulfillment request for the fulfillment order.',
  },
  'reject-fulfillment': {
    from: 'SUBMITTED',
    to: 'REJECTED',
    status: null,
    refusal: 'Cannot reject fulfillment request for the fulfillment order.',
  },
  'accept-cancellation': {
    from: 'CANCELLATION_REQUESTED',
    to: 'CANCELLATION_ACCEPTED',
    status: 'CLOSED',
    refusal: 'Cannot accept cancellation request for the fulfillment order.',
  },
  'reject-cancellation': {
    from: 'CANCELLATION_REQUESTED',
    to: 'CANCELLATION_REJECTED',
    status: null,
    refusal: 'Cannot reject cancellation request for the fulfillment order.',
  },
};

/** The request statuses in which a fulfillment service's fulfillment order takes fulfillments. */
const FULFILLABLE_REQUEST_STATUSES = new Set<SimFulfillmentOrderRequestStatus>([
  'ACCEPTED',
  'CANCELLATION_REJECTED',
]);

/** An answer as the app sends it, its types already checked. */
export interface AnswerInput {
  id: string;
  message: string | null;
  reason?: string | null;
  lineItems?: { fulfillmentOrderLineItemId: string; message: string | null }[];
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export class FulfillmentServices {
  private readonly services: SimFulfillmentService[] = [];

  constructor(private readonly ctx: FulfillmentServicesContext) {}

  /** The services the app registered, oldest first. Copies. */
  list(): SimFulfillmentService[] {
    return structuredClone(this.services);
  }

  /** The service that owns the location: a fulfillment order there is assigned to it. */
  serviceAt(location: SimLocation): SimFulfillmentService | undefined {
    return this.services.find((s) => s.location.id === location.id);
  }

  /** fulfillmentServiceCreate: a unique, non-blank name and an absolute http(s) callback URL (or none). */
  create(name: string, callbackUrl: string | null): SimFulfillmentService | UserError[] {
    const serviceName = name.trim();
    const errors: UserError[] = [];
    if (serviceName === '') errors.push({ field: ['name'], message: "Name can't be blank" });
    else if (this.services.some((s) => s.serviceName.toLowerCase() === serviceName.toLowerCase())) {
      errors.push({ field: ['name'], message: 'Name has already been taken' });
    }
    if (callbackUrl !== null && !isHttpUrl(callbackUrl)) {
      errors.push({ field: ['callbackUrl'], message: 'Callback url is not a valid absolute http(s) URL' });
    }
    if (errors.length > 0) return errors;
    const service: SimFulfillmentService = {
      id: gid('FulfillmentService', this.ctx.nextId()),
      serviceName,
      callbackUrl,
      location: this.ctx.location(serviceName),
    };
    this.services.push(service);
    return service;
  }

  /** fulfillmentServiceUpdate: a new callback URL; undefined (not given) leaves it as it is. */
  update(id: string, callbackUrl: string | undefined): SimFulfillmentService | UserError[] {
    const service = this.services.find((s) => s.id === id);
    if (!service) return [{ field: ['id'], message: 'Fulfillment service could not be found' }];
    if (callbackUrl !== undefined && !isHttpUrl(callbackUrl)) {
      return [{ field: ['callbackUrl'], message: 'Callback url is not a valid absolute http(s) URL' }];
    }
    if (callbackUrl !== undefined) service.callbackUrl = callbackUrl;
    return service;
  }

  /** The fulfillment orders at the app's locations, oldest first: of one request status, or all but the closed. */
  assigned(requestStatus: SimFulfillmentOrderRequestStatus | null): SimFulfillmentOrder[] {
    return this.ctx
      .fulfillmentOrders()
      .filter((fo) => this.serviceAt(fo.location))
      .filter((fo) => (requestStatus === null ? fo.status !== 'CLOSED' : fo.requestStatus === requestStatus));
  }

  /** fulfillmentCreate's extra rule: a service's fulfillment order takes fulfillments only once it is accepted. */
  fulfillmentRefusal(fo: SimFulfillmentOrder): string | undefined {
    if (!this.serviceAt(fo.location) || FULFILLABLE_REQUEST_STATUSES.has(fo.requestStatus)) return undefined;
    return `Fulfillment order ${fo.id} must be accepted before fulfillments can be created (its request status is ${fo.requestStatus}).`;
  }

  /**
   * The merchant requests fulfillment: the order's open, unsubmitted fulfillment orders at service locations are
   * submitted. Returns the services to tell, in the order they were registered (none when nothing changed).
   */
  requestFulfillment(orderId: number, message: string | null): SimFulfillmentService[] {
    const changed = this.ofOrder(orderId).filter(
      (fo) => fo.status === 'OPEN' && fo.requestStatus === 'UNSUBMITTED',
    );
    for (const fo of changed) {
      fo.requestStatus = 'SUBMITTED';
      fo.merchantMessage = message;
    }
    return this.toTell(changed);
  }

  /**
   * The merchant asks to cancel: accepted fulfillment orders at service locations wait for the service's answer;
   * submitted ones nobody accepted yet are closed at once, without telling the service. Returns the services to tell.
   */
  requestCancellation(orderId: number, message: string | null): SimFulfillmentService[] {
    const changed: SimFulfillmentOrder[] = [];
    for (const fo of this.ofOrder(orderId)) {
      if (fo.status === 'CLOSED' || fo.status === 'CANCELLED') continue;
      if (fo.requestStatus === 'SUBMITTED') {
        fo.status = 'CLOSED';
        fo.requestStatus = 'CLOSED';
      } else if (fo.requestStatus === 'ACCEPTED') {
        fo.requestStatus = 'CANCELLATION_REQUESTED';
        fo.merchantMessage = message;
        changed.push(fo);
      }
    }
    return this.toTell(changed);
  }

  /** The app's answer to a request on one of its fulfillment orders, or why it is refused. */
  answer(
    kind: SimFulfillmentOrderAnswerKind,
    input: AnswerInput,
  ): { fulfillmentOrder: SimFulfillmentOrder | null; userErrors: UserError[] } {
    // A fulfillment order that is not assigned to one of the app's services is not the app's to see.
    const fo = this.ctx.fulfillmentOrders().find((f) => f.id === input.id && this.serviceAt(f.location));
    if (!fo)
      return {
        fulfillmentOrder: null,
        userErrors: [{ field: ['id'], message: 'Fulfillment order does not exist.' }],
      };
    const rule = TRANSITIONS[kind];
    const answersFulfillment = kind === 'accept-fulfillment' || kind === 'reject-fulfillment';
    if (fo.requestStatus !== rule.from || (answersFulfillment && fo.status !== 'OPEN')) {
      return { fulfillmentOrder: null, userErrors: [{ field: null, message: rule.refusal }] };
    }
    const lineItems = input.lineItems ?? [];
    const strangers = lineItems.filter(
      (l) => !fo.lineItems.some((line) => line.id === l.fulfillmentOrderLineItemId),
    );
    if (strangers.length > 0) {
      const ids = strangers.map((l) => l.fulfillmentOrderLineItemId).join(', ');
      const message = `Fulfillment order line items ${ids} are not line items of the fulfillment order.`;
      return { fulfillmentOrder: null, userErrors: [{ field: ['lineItems'], message }] };
    }
    fo.requestStatus = rule.to;
    if (rule.status) fo.status = rule.status;
    fo.answers.push(
      kind === 'reject-fulfillment'
        ? {
            kind,
            message: input.message,
            reason: input.reason ?? null,
            lineItems: structuredClone(lineItems),
          }
        : { kind, message: input.message },
    );
    return { fulfillmentOrder: fo, userErrors: [] };
  }

  private ofOrder(orderId: number): SimFulfillmentOrder[] {
    const fulfillmentOrders = this.ctx.fulfillmentOrdersOf(orderId);
    if (!fulfillmentOrders) throw new RangeError(`the shop has no order ${orderId}`);
    return fulfillmentOrders.filter((fo) => this.serviceAt(fo.location));
  }

  private toTell(changed: readonly SimFulfillmentOrder[]): SimFulfillmentService[] {
    return this.services.filter((s) => changed.some((fo) => fo.location.id === s.location.id));
  }
}

// --- Operations -------------------------------------------------------------------------------------------------

/** A mutation whose payload holds one object beside userErrors: a user-error fault answers it null. */
export interface PayloadOperation<O> extends AdminOperation<O> {
  payloadObject?: string;
}

/** Costs per node, by the simulator's rules (an object 1, a connection 2 + first × one node). */
const NODE_COST = {
  fulfillmentOrder: 5, // the order, assignedLocation, location, and the lineItems connection's own 2
  fulfillmentOrderLine: 3, // the line, its lineItem, the variant
  service: 2, // the service and its location
} as const;
/** shop { fulfillmentServices }: a list, not a connection, of at most a handful. */
const SERVICES_REQUESTED_COST = 10;

const invalid = (name: string, type: string) =>
  new GraphqlError(`Variable $${name} of type ${type} was provided invalid value`);

function optionalString(value: unknown, name: string, type = 'String'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(name, type);
  return value;
}

function requiredId(value: unknown): string {
  if (typeof value !== 'string') throw invalid('id', 'ID!');
  return value;
}

/** $status as GraphQL coerces it: a FulfillmentOrderAssignmentStatus, or null for everything but the closed. */
function assignmentStatus(value: unknown): SimFulfillmentOrderRequestStatus | null {
  if (value === undefined || value === null) return null;
  const status = typeof value === 'string' ? ASSIGNMENT_STATUSES[value] : undefined;
  if (!status) throw invalid('status', 'FulfillmentOrderAssignmentStatus');
  return status;
}

function readAnswer(kind: SimFulfillmentOrderAnswerKind, v: Variables): AnswerInput {
  const input: AnswerInput = { id: requiredId(v.id), message: optionalString(v.message, 'message') };
  if (kind !== 'reject-fulfillment') return input;
  const reason = optionalString(v.reason, 'reason', 'FulfillmentOrderRejectionReason');
  if (reason !== null && !REJECTION_REASONS.has(reason))
    throw invalid('reason', 'FulfillmentOrderRejectionReason');
  const type = '[IncomingRequestLineItemInput!]';
  const lineItems =
    v.lineItems === undefined || v.lineItems === null
      ? []
      : inputArray(v.lineItems, `Variable $lineItems of type ${type} was provided invalid value`).map(
          (raw) => {
            const line = raw as Record<string, unknown> | null;
            if (
              typeof line !== 'object' ||
              line === null ||
              typeof line.fulfillmentOrderLineItemId !== 'string'
            ) {
              throw invalid('lineItems', type);
            }
            return {
              fulfillmentOrderLineItemId: line.fulfillmentOrderLineItemId,
              message: optionalString(line.message, 'lineItems', type),
            };
          },
        );
  return { ...input, reason, lineItems };
}

function serviceNode(service: SimFulfillmentService) {
  const { id, serviceName, callbackUrl, location } = service;
  return { id, serviceName, callbackUrl, location: { id: location.id, name: location.name } };
}

function serviceAnswer(root: string, result: SimFulfillmentService | UserError[]) {
  const userErrors = Array.isArray(result) ? result : [];
  const fulfillmentService = Array.isArray(result) ? null : serviceNode(result);
  return {
    data: { [root]: { fulfillmentService, userErrors } },
    actualCost: MUTATION_COST,
    userErrors: userErrors.length > 0,
  };
}

/** One of fulfillmentOrder{Accept,Reject}{Fulfillment,Cancellation}Request(id, …) { fulfillmentOrder { id status requestStatus } userErrors } */
function answerOperation<O>(
  servicesOf: (office: O) => FulfillmentServices,
  kind: SimFulfillmentOrderAnswerKind,
  root: string,
): PayloadOperation<O> {
  return {
    requestedCost: () => MUTATION_COST,
    userErrorRoot: root,
    payloadObject: 'fulfillmentOrder',
    run: (office, v) => {
      const { fulfillmentOrder: fo, userErrors } = servicesOf(office).answer(kind, readAnswer(kind, v));
      const fulfillmentOrder = fo && { id: fo.id, status: fo.status, requestStatus: fo.requestStatus };
      return {
        data: { [root]: { fulfillmentOrder, userErrors } },
        actualCost: MUTATION_COST,
        userErrors: userErrors.length > 0,
      };
    },
  };
}

/**
 * The fulfillment-service operations, over whatever holds the services. `lineNode` answers one fulfillment order
 * line as every fulfillment-order document of the simulator selects it.
 */
export function fulfillmentServiceOperations<O>(
  servicesOf: (office: O) => FulfillmentServices,
  lineNode: (line: SimFulfillmentOrderLine) => unknown,
): Record<string, PayloadOperation<O>> {
  return {
    /** shop { fulfillmentServices { id serviceName callbackUrl location { id name } } } */
    WaybillFulfillmentServices: {
      requestedCost: () => SERVICES_REQUESTED_COST,
      run: (office) => {
        const fulfillmentServices = servicesOf(office).list().map(serviceNode);
        return {
          data: { shop: { fulfillmentServices } },
          actualCost: 1 + fulfillmentServices.length * NODE_COST.service,
          userErrors: false,
        };
      },
    },
    /** fulfillmentServiceCreate(name, callbackUrl, trackingSupport: false, inventoryManagement: false) { … } */
    WaybillFulfillmentServiceCreate: {
      requestedCost: () => MUTATION_COST,
      userErrorRoot: 'fulfillmentServiceCreate',
      payloadObject: 'fulfillmentService',
      run: (office, v) => {
        if (typeof v.name !== 'string') throw invalid('name', 'String!');
        const callbackUrl = optionalString(v.callbackUrl, 'callbackUrl', 'URL');
        return serviceAnswer('fulfillmentServiceCreate', servicesOf(office).create(v.name, callbackUrl));
      },
    },
    /** fulfillmentServiceUpdate(id, callbackUrl) { fulfillmentService { … } userErrors { field message } } */
    WaybillFulfillmentServiceUpdate: {
      requestedCost: () => MUTATION_COST,
      userErrorRoot: 'fulfillmentServiceUpdate',
      payloadObject: 'fulfillmentService',
      run: (office, v) => {
        const id = requiredId(v.id);
        const callbackUrl = optionalString(v.callbackUrl, 'callbackUrl', 'URL') ?? undefined;
        return serviceAnswer('fulfillmentServiceUpdate', servicesOf(office).update(id, callbackUrl));
      },
    },
    /** assignedFulfillmentOrders(first, after, assignmentStatus: $status) { … lineItems(first: $linesFirst) { … } } */
    WaybillAssignedFulfillmentOrders: {
      requestedCost: (v) => {
        assignmentStatus(v.status);
        const perOrder =
          NODE_COST.fulfillmentOrder + pageSize(v, 'linesFirst') * NODE_COST.fulfillmentOrderLine;
        return 3 + pageSize(v, 'first') * perOrder;
      },
      run: (office, v) => {
        const all = servicesOf(office).assigned(assignmentStatus(v.status));
        const page = connection(all, pageSize(v, 'first'), v.after);
        const linesFirst = pageSize(v, 'linesFirst');
        const nodes = page.nodes.map((fo) => ({
          id: fo.id,
          status: fo.status,
          requestStatus: fo.requestStatus,
          order: { id: gid('Order', fo.orderId), legacyResourceId: String(fo.orderId) },
          assignedLocation: { name: fo.location.name, location: { id: fo.location.id } },
          lineItems: connection(fo.lineItems.map(lineNode), linesFirst, null),
        }));
        const lines = nodes.reduce((sum, fo) => sum + fo.lineItems.nodes.length, 0);
        return {
          data: { assignedFulfillmentOrders: { pageInfo: page.pageInfo, nodes } },
          actualCost: 3 + nodes.length * NODE_COST.fulfillmentOrder + lines * NODE_COST.fulfillmentOrderLine,
          userErrors: false,
        };
      },
    },
    WaybillAcceptFulfillmentRequest: answerOperation(
      servicesOf,
      'accept-fulfillment',
      'fulfillmentOrderAcceptFulfillmentRequest',
    ),
    WaybillRejectFulfillmentRequest: answerOperation(
      servicesOf,
      'reject-fulfillment',
      'fulfillmentOrderRejectFulfillmentRequest',
    ),
    WaybillAcceptCancellationRequest: answerOperation(
      servicesOf,
      'accept-cancellation',
      'fulfillmentOrderAcceptCancellationRequest',
    ),
    WaybillRejectCancellationRequest: answerOperation(
      servicesOf,
      'reject-cancellation',
      'fulfillmentOrderRejectCancellationRequest',
    ),
  };
}
