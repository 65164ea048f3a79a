import { PermanentError } from '../../../domain/permanent-error.ts';
import { channelKind, type ChannelKind } from '../channel-adapter.ts';
import type { FulfilmentNotice, SalesChannel } from '../sales-channel.ts';
import { checkShopifySetup, shopifyConfig, shopifySecrets, type ShopifyConfig } from './credentials.ts';
import { testShopifyConnection } from './connection.ts';
import { shopifyWebhook } from './webhook.ts';
import {
  adminClient,
  fulfillmentCreateMutation,
  fulfillmentLinesQuery,
  fulfillmentOrderLinesQuery,
  fulfillmentOrdersQuery,
  orderFulfillmentsQuery,
  orderGid,
  PAGE,
  type AdminClient,
  type FulfillmentInput,
  type FulfillmentOrderLine,
  type FulfillmentOrderNode,
} from './graphql.ts';
import {
  answerFulfillmentRequest,
  listFulfillmentRequests,
  registerFulfillmentService,
} from './fulfillment-service.ts';
import { pollShopifyOrders } from './poll.ts';
import { MAX_PRICE_BATCH, pushShopifyPrices } from './prices.ts';
import { refundShopifyOrder } from './refund.ts';
import { shopifyWebhookHealth } from './webhook-health.ts';
import { MAX_STOCK_BATCH, pushShopifyStock } from './stock.ts';
import { VariantMemory } from './variants.ts';
import { adminBase, adminEndpoint, downloadExport, type AdminEndpoint } from './transport.ts';
import { shopifyApiVersioning, watchServedVersion } from './api-version.ts';

/**
 * A Shopify store. Orders come in through webhooks (./webhook.ts: verified, keyed and mapped with ./map.ts).
 * Shipments go back out through the Admin GraphQL API (./graphql.ts over ./transport.ts): each becomes
 * fulfillments of the order's fulfillment orders, carrying the carrier and tracking number. Stock goes out the same
 * way (./stock.ts): `available` at one location set to what Waybill can promise, by compare-and-set; prices with
 * productVariantsBulkUpdate (./prices.ts); refunds with suggestedRefund + refundCreate (./refund.ts). The catch-up
 * poll reads the `orders` connection (./poll.ts, mapped by ./map-graphql.ts into the webhook's shape), and
 * ./webhook-health.ts lists the app's webhook subscriptions. Optionally Waybill is the shop's fulfillment service
 * (./fulfillment-service.ts): it registers itself and answers fulfillment and cancellation requests. The
 * connection test (./connection.ts) reads the shop's name and the token's scopes.
 *
 * Each adapter remembers which variant each SKU is (./variants.ts), per shop, for as long as it lives; channels are created
 * afresh for every job, so the memory is the adapter's (given by a test that watches it). A large shop's is confirmed
 * by a bulk export every few minutes (./variant-refresh.ts).
 */
export function createShopifyAdapter(memory = new VariantMemory()): ChannelKind {
  return channelKind({
    kind: 'shopify',
    label: 'Shopify',
    config: shopifyConfig,
    secrets: shopifySecrets,
    check: checkShopifySetup,
    create: (config, secrets, channel) => {
      // Every answer says which version served it: Waybill hears once when it is not the one asked for.
      const endpoint = () => adminEndpoint(config, secrets, watchServedVersion(channel.servedVersion));
      return {
        notifyFulfilment: async (notice, options) =>
          fulfilShipment(config, endpoint(), notice, options.signal),
        // Without an Admin API token the channel only sends orders in, and takes no stock.
        ...(secrets.accessToken && {
          maxStockBatch: MAX_STOCK_BATCH,
          pushStock: (levels, options) => {
            const push = {
              client: adminClient(endpoint(), options.signal),
              memory: memory.of(adminBase(config)),
              locationId: config.locationId,
              batchKey: options.batchKey,
              now: options.now.getTime(),
              exporter: {
                client: (signal: AbortSignal) => adminClient(endpoint(), signal),
                download: downloadExport,
              },
            };
            return pushShopifyStock(push, levels);
          },
          maxPriceBatch: MAX_PRICE_BATCH,
          pushPrices: (prices, options) => {
            return pushShopifyPrices(
              {
                client: adminClient(endpoint(), options.signal),
                memory: memory.of(adminBase(config)),
                now: options.now.getTime(),
              },
              prices,
            );
          },
          refund: (notice, options) => refundShopifyOrder(adminClient(endpoint(), options.signal), notice),
          pollOrders: (query, options) =>
            pollShopifyOrders(
              adminClient(endpoint(), options.signal),
              channel.id,
              query,
              config.releaseWhen ?? 'authorized',
            ),
          webhookHealth: (options) =>
            shopifyWebhookHealth(adminClient(endpoint(), options.signal), options.deliveryUrl),
          ...(config.fulfillmentService && fulfillmentServiceCalls(endpoint, config.fulfillmentService.name)),
        }),
      };
    },
    test: (config, secrets, { signal }) =>
      testShopifyConnection(() => adminClient(adminEndpoint(config, secrets), signal), config, secrets),
    apiVersion: shopifyApiVersioning,
    webhook: shopifyWebhook,
  });
}

export const shopify = createShopifyAdapter();

/** Waybill as the shop's fulfillment service (./fulfillment-service.ts): only when the channel's config names one. */
function fulfillmentServiceCalls(
  endpoint: () => AdminEndpoint,
  name: string,
): Pick<SalesChannel, 'registerFulfilmentService' | 'fulfilmentRequests' | 'answerFulfilmentRequest'> {
  const client = (signal: AbortSignal) => adminClient(endpoint(), signal);
  return {
    registerFulfilmentService: (options) =>
      registerFulfillmentService(client(options.signal), name, options.callbackUrl),
    fulfilmentRequests: (options) => listFulfillmentRequests(client(options.signal)),
    answerFulfilmentRequest: (request, answer, options) =>
      answerFulfillmentRequest(client(options.signal), request, answer),
  };
}

/**
 * Tells Shopify of one shipment. Safe to repeat: what Shopify already holds under this tracking number is subtracted
 * first, so a retry after a lost answer (Shopify did create the fulfillment) or after a partial run (one location
 * of two done) sends only what is missing, and a full repeat sends nothing.
 */
async function fulfilShipment(
  config: ShopifyConfig,
  endpoint: AdminEndpoint,
  notice: FulfilmentNotice,
  signal: AbortSignal,
): Promise<void> {
  const client = adminClient(endpoint, signal);
  const orderId = orderGid(notice.externalId);
  const { carrier, trackingNumber, lines } = notice.shipment;
  const wanted = subtract(quantitiesBySku(lines), await fulfilledUnder(client, orderId, trackingNumber));
  if (wanted.size === 0) return;
  const calls = planFulfilments(
    await openLines(client, orderId, wanted, config.fulfillmentService?.name ?? null),
    wanted,
  );
  // fulfillmentCreate takes the fulfillment orders of one location per call.
  for (const call of calls)
    await createFulfilment(client, call, { company: carrier, number: trackingNumber });
}

/** Fulfillments that no longer stand do not count as sent. */
const DEAD_FULFILLMENT = new Set(['CANCELLED', 'ERROR', 'FAILURE']);
/** Only these fulfillment orders take fulfillments; the others are closed, cancelled, on hold or scheduled. */
const FULFILLABLE = new Set(['OPEN', 'IN_PROGRESS']);
/**
 * Fulfillment orders at Waybill's own service location are Waybill's to fulfil once it accepted the request (and
 * while a cancellation is asked or was refused); before that they wait for the merchant's request and Waybill's answer.
 */
const ACCEPTED_REQUEST = new Set(['ACCEPTED', 'CANCELLATION_REQUESTED', 'CANCELLATION_REJECTED']);
const UNANSWERED_REQUEST = new Set(['UNSUBMITTED', 'SUBMITTED']);

/** Quantities per SKU that Shopify already has under this tracking number (none on the first try). */
async function fulfilledUnder(
  client: AdminClient,
  orderId: string,
  trackingNumber: string,
): Promise<Map<string, number>> {
  const { order } = await client(orderFulfillmentsQuery, { orderId, first: PAGE.fulfillments });
  if (!order) throw missingOrder(orderId);
  const ours = order.fulfillments.filter(
    (f) => !DEAD_FULFILLMENT.has(f.status) && f.trackingInfo.some((t) => t.number === trackingNumber),
  );
  const sent = new Map<string, number>();
  for (const fulfillment of ours) {
    const lines = await allPages((after) => fulfillmentLinePage(client, fulfillment.id, after));
    for (const line of lines) addTo(sent, skuOf(line.lineItem.sku), line.quantity);
  }
  return sent;
}

async function fulfillmentLinePage(client: AdminClient, fulfillmentId: string, after: string | null) {
  const { fulfillment } = await client(fulfillmentLinesQuery, { fulfillmentId, first: PAGE.lines, after });
  if (!fulfillment) throw new Error(`fulfillment ${fulfillmentId} disappeared while it was read`);
  return fulfillment.fulfillmentLineItems;
}

/** A fulfillment-order line item with something left to fulfil, and where it is fulfilled from. */
export interface OpenLine {
  fulfillmentOrderId: string;
  /** The location's id (its name when the location was deleted): what one fulfillmentCreate call may not mix. */
  locationKey: string;
  locationName: string;
  id: string;
  sku: string;
  remaining: number;
}

/**
 * `serviceLocation`: the name of Waybill's fulfillment-service location (Shopify names it after the service, and
 * location names are unique in a shop), or null when Waybill is not the shop's fulfillment service.
 */
async function openLines(
  client: AdminClient,
  orderId: string,
  wanted: ReadonlyMap<string, number>,
  serviceLocation: string | null,
): Promise<OpenLine[]> {
  const orders = await allPages(async (after) => {
    const { order } = await client(fulfillmentOrdersQuery, {
      orderId,
      first: PAGE.fulfillmentOrders,
      after,
      linesFirst: PAGE.fulfillmentOrderLines,
    });
    if (!order) throw missingOrder(orderId);
    return order.fulfillmentOrders;
  });
  const open: OpenLine[] = [];
  for (const fo of orders.filter((o) => FULFILLABLE.has(o.status))) {
    const ours = serviceLocation !== null && fo.assignedLocation.name === serviceLocation;
    // Another fulfillment service's work: not Waybill's to fulfil.
    if (!ours && fo.requestStatus !== 'UNSUBMITTED') continue;
    if (ours && !ACCEPTED_REQUEST.has(fo.requestStatus)) {
      const lines = await allLinesOf(client, fo);
      // The merchant's request and Waybill's answer (within a minute) may come after the supplier shipped: retried.
      if (
        UNANSWERED_REQUEST.has(fo.requestStatus) &&
        lines.some((line) => line.remainingQuantity > 0 && wanted.has(skuOf(line.lineItem.sku)))
      ) {
        throw new Error(
          `fulfillment order ${fo.id} (${fo.requestStatus}) waits for the merchant's fulfillment request and for Waybill to accept it`,
        );
      }
      continue;
    }
    for (const line of await allLinesOf(client, fo))
      if (line.remainingQuantity > 0) open.push(openLine(fo, line));
  }
  return open;
}

/** The line items the first page carried, and the rest when a fulfillment order has more than one page of them. */
async function allLinesOf(client: AdminClient, fo: FulfillmentOrderNode): Promise<FulfillmentOrderLine[]> {
  if (!fo.lineItems.pageInfo.hasNextPage) return fo.lineItems.nodes;
  const rest = await allPages(async (after) => {
    const { fulfillmentOrder } = await client(fulfillmentOrderLinesQuery, {
      fulfillmentOrderId: fo.id,
      first: PAGE.lines,
      after,
    });
    if (!fulfillmentOrder) throw new Error(`fulfillment order ${fo.id} disappeared while it was read`);
    return fulfillmentOrder.lineItems;
  }, fo.lineItems.pageInfo.endCursor);
  return [...fo.lineItems.nodes, ...rest];
}

function openLine(fo: FulfillmentOrderNode, line: FulfillmentOrderLine): OpenLine {
  const locationName = fo.assignedLocation.name ?? 'an unnamed location';
  return {
    fulfillmentOrderId: fo.id,
    locationKey: fo.assignedLocation.location?.id ?? `name:${locationName}`,
    locationName,
    id: line.id,
    sku: skuOf(line.lineItem.sku),
    remaining: line.remainingQuantity,
  };
}

interface Page<N> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: N[];
}

/** Follows a connection's cursor to its end. */
async function allPages<N>(
  fetchPage: (after: string | null) => Promise<Page<N>>,
  startAfter: string | null = null,
): Promise<N[]> {
  const nodes: N[] = [];
  let after = startAfter;
  for (;;) {
    const page = await fetchPage(after);
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** One fulfillmentCreate call: fulfillment orders of one location. */
export interface FulfilmentCall {
  locationName: string;
  lineItemsByFulfillmentOrder: FulfillmentInput['lineItemsByFulfillmentOrder'];
}

/**
 * Matches shipped quantities by SKU to open fulfillment-order line items (first come, first taken) and groups them
 * into one call per location. Throws PermanentError when Shopify has less open than was shipped: someone edited
 * or fulfilled the order in Shopify, and a person has to decide what the customer is told.
 */
export function planFulfilments(
  open: readonly OpenLine[],
  wanted: ReadonlyMap<string, number>,
): FulfilmentCall[] {
  const byLocation = new Map<
    string,
    { locationName: string; byOrder: Map<string, { id: string; quantity: number }[]> }
  >();
  for (const { line, quantity } of allocate(open, wanted)) {
    const group = byLocation.get(line.locationKey) ?? { locationName: line.locationName, byOrder: new Map() };
    byLocation.set(line.locationKey, group);
    const items = group.byOrder.get(line.fulfillmentOrderId) ?? [];
    group.byOrder.set(line.fulfillmentOrderId, [...items, { id: line.id, quantity }]);
  }
  return [...byLocation.values()].map(({ locationName, byOrder }) => ({
    locationName,
    lineItemsByFulfillmentOrder: [...byOrder].map(([fulfillmentOrderId, fulfillmentOrderLineItems]) => ({
      fulfillmentOrderId,
      fulfillmentOrderLineItems,
    })),
  }));
}

function allocate(
  open: readonly OpenLine[],
  wanted: ReadonlyMap<string, number>,
): { line: OpenLine; quantity: number }[] {
  const taken: { line: OpenLine; quantity: number }[] = [];
  const short: string[] = [];
  for (const [sku, quantity] of wanted) {
    let missing = quantity;
    for (const line of open) {
      if (missing === 0) break;
      if (line.sku !== sku || line.remaining <= 0) continue;
      const take = Math.min(missing, line.remaining);
      taken.push({ line, quantity: take });
      missing -= take;
    }
    if (missing > 0) short.push(`${sku}: ${quantity} shipped, ${quantity - missing} open`);
  }
  if (short.length > 0) {
    throw new PermanentError(
      `Shopify's fulfillment orders have less open than was shipped (${short.join('; ')}): the order was changed or fulfilled in Shopify`,
    );
  }
  return taken;
}

async function createFulfilment(
  client: AdminClient,
  call: FulfilmentCall,
  trackingInfo: FulfillmentInput['trackingInfo'],
): Promise<void> {
  const fulfillment: FulfillmentInput = {
    lineItemsByFulfillmentOrder: call.lineItemsByFulfillmentOrder,
    trackingInfo,
    notifyCustomer: true,
  };
  const { fulfillmentCreate } = await client(fulfillmentCreateMutation, { fulfillment });
  // No payload and no errors is not something Shopify documents; the retry's tracking check will see what happened.
  if (!fulfillmentCreate)
    throw new Error(`fulfillmentCreate from ${call.locationName} answered without a payload`);
  if (fulfillmentCreate.userErrors.length > 0) {
    const reasons = fulfillmentCreate.userErrors
      .map((e) => (e.field?.length ? `${e.field.join('.')}: ${e.message}` : e.message))
      .join('; ');
    throw new PermanentError(`Shopify refused the fulfillment from ${call.locationName}: ${reasons}`);
  }
}

function quantitiesBySku(lines: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of lines) addTo(totals, skuOf(line.sku), line.quantity);
  return totals;
}

function subtract(
  wanted: ReadonlyMap<string, number>,
  sent: ReadonlyMap<string, number>,
): Map<string, number> {
  const left = new Map<string, number>();
  for (const [sku, quantity] of wanted) {
    const rest = quantity - (sent.get(sku) ?? 0);
    if (rest > 0) left.set(sku, rest);
  }
  return left;
}

function addTo(totals: Map<string, number>, sku: string, quantity: number): void {
  totals.set(sku, (totals.get(sku) ?? 0) + quantity);
}

/** Waybill keeps SKUs trimmed (./map.ts); Shopify's are compared the same way. */
function skuOf(sku: string | null): string {
  return (sku ?? '').trim();
}

function missingOrder(orderId: string): PermanentError {
  return new PermanentError(`Shopify has no order ${orderId} that this app can read`);
}
