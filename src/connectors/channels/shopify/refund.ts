import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundNotice } from '../sales-channel.ts';
import { idempotencyKey, orderGid, type AdminClient, type Operation } from './graphql.ts';
import { skuOf } from './variants.ts';

/**
 * Refunds lines of an order at Shopify the documented way
 * (https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/refundCreate): Shopify's own `suggestedRefund` for
 * those line items says how much goes back and to which payment (tax and discounts included, shipping not), and
 * refundCreate makes it, with nothing restocked (drop-ship: no unit comes back to a Shopify location).
 *
 * Safe to repeat, twice over: the refund's note ends with a marker holding Waybill's refundId, and an order that
 * already has a refund carrying it is left alone; and refundCreate carries `@idempotent(key:)` (required from
 * 2026-04), derived from the refundId and the input, so a retry after a lost answer is answered by Shopify with the
 * refund it made, not a second one.
 */
export const REFUND_PAGE = {
  /** Order.refunds is a plain list: this many is all Waybill reads, and an order with more is refused loudly. */
  refunds: 50,
  lines: 100,
} as const;

const id = z.string().min(1);
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string');
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const refundableLine = z.object({ id, sku: z.string().nullable(), refundableQuantity: z.number().int() });
type RefundableLine = z.infer<typeof refundableLine>;
const refundableLines = z.object({ pageInfo, nodes: z.array(refundableLine) });
const LINES = 'pageInfo { hasNextPage endCursor } nodes { id sku refundableQuantity }';

export const orderRefundsQuery: Operation<{
  order: {
    refunds: { id: string; note: string | null }[];
    lineItems: z.infer<typeof refundableLines>;
  } | null;
}> = {
  name: 'WaybillOrderRefunds',
  query: `query WaybillOrderRefunds($orderId: ID!, $refundsFirst: Int!, $linesFirst: Int!) {
  order(id: $orderId) { id refunds(first: $refundsFirst) { id note createdAt } lineItems(first: $linesFirst) { ${LINES} } }
}`,
  data: z.object({
    order: z
      .object({ refunds: z.array(z.object({ id, note: z.string().nullable() })), lineItems: refundableLines })
      .nullable(),
  }),
};

export const refundableLineItemsQuery: Operation<{
  order: { lineItems: z.infer<typeof refundableLines> } | null;
}> = {
  name: 'WaybillRefundableLineItems',
  query: `query WaybillRefundableLineItems($orderId: ID!, $first: Int!, $after: String) {
  order(id: $orderId) { id lineItems(first: $first, after: $after) { ${LINES} } }
}`,
  data: z.object({ order: z.object({ lineItems: refundableLines }).nullable() }),
};

const bag = z.object({ presentmentMoney: z.object({ amount: decimal, currencyCode: z.string() }) });
const suggestedTransaction = z.object({
  gateway: z.string(),
  amountSet: bag,
  parentTransaction: z.object({ id }).nullable(),
});

export const suggestedRefundQuery: Operation<{
  order: {
    suggestedRefund: {
      amountSet: z.infer<typeof bag>;
      suggestedTransactions: z.infer<typeof suggestedTransaction>[];
    };
  } | null;
}> = {
  name: 'WaybillSuggestedRefund',
  query: `query WaybillSuggestedRefund($orderId: ID!, $refundLineItems: [RefundLineItemInput!]) {
  order(id: $orderId) {
    id
    suggestedRefund(refundLineItems: $refundLineItems, refundShipping: false) {
      amountSet { presentmentMoney { amount currencyCode } }
      suggestedTransactions { gateway kind amountSet { presentmentMoney { amount currencyCode } } parentTransaction { id } }
    }
  }
}`,
  data: z.object({
    order: z
      .object({
        suggestedRefund: z.object({ amountSet: bag, suggestedTransactions: z.array(suggestedTransaction) }),
      })
      .nullable(),
  }),
};

const userError = z.object({ field: z.array(z.string()).nullable().optional(), message: z.string() });

export const refundCreateMutation: Operation<{
  refundCreate: { refund: { id: string } | null; userErrors: z.infer<typeof userError>[] } | null;
}> = {
  name: 'WaybillRefundCreate',
  query: `mutation WaybillRefundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) { refund { id note } userErrors { field message } }
}`,
  data: z.object({
    refundCreate: z
      .object({
        refund: z.object({ id }).nullable().optional().default(null),
        userErrors: z.array(userError),
      })
      .nullable(),
  }),
};

/** What a refund's note carries so that Waybill can find it again: stays put when someone edits the text around it. */
export function refundMarker(refundId: string): string {
  return `[waybill ${refundId}]`;
}

/** Refunds the notice's lines, once. */
export async function refundShopifyOrder(client: AdminClient, notice: RefundNotice): Promise<void> {
  const orderId = orderGid(notice.externalId);
  const marker = refundMarker(notice.refundId);
  const { refunds, lines } = await refundState(client, orderId);
  if (refunds.some((r) => r.note?.includes(marker))) return;
  const refundLineItems = planRefund(lines, notice.lines);
  const suggested = await client(suggestedRefundQuery, { orderId, refundLineItems });
  if (!suggested.order) throw missingOrder(orderId);
  const { suggestedTransactions } = suggested.order.suggestedRefund;
  const transactions = suggestedTransactions.map((t) => ({
    orderId,
    parentId: t.parentTransaction?.id ?? null,
    gateway: t.gateway,
    kind: 'REFUND',
    amount: t.amountSet.presentmentMoney.amount,
  }));
  const input = {
    orderId,
    note: `${notice.reason} ${marker}`,
    notify: notice.notifyCustomer,
    refundLineItems: refundLineItems.map((l) => ({ ...l, restockType: 'NO_RESTOCK' })),
    transactions,
    // The presentment currency: what the customer paid in, and what Shopify requires when it is not the shop's.
    ...(suggestedTransactions[0] && {
      currency: suggestedTransactions[0].amountSet.presentmentMoney.currencyCode,
    }),
  };
  const { refundCreate } = await client(refundCreateMutation, {
    input,
    idempotencyKey: idempotencyKey(`refund ${notice.refundId}`, input),
  });
  // Not documented; the retry's marker check will see whether the refund was made.
  if (!refundCreate)
    throw new Error(`refundCreate for order ${notice.externalId} answered without a payload`);
  if (refundCreate.userErrors.length > 0) {
    const reasons = refundCreate.userErrors
      .map((e) => (e.field?.length ? `${e.field.join('.')}: ${e.message}` : e.message))
      .join('; ');
    throw new PermanentError(
      `Shopify refused the refund ${notice.refundId} of order ${notice.externalId}: ${reasons}`,
    );
  }
}

async function refundState(
  client: AdminClient,
  orderId: string,
): Promise<{ refunds: { note: string | null }[]; lines: RefundableLine[] }> {
  const { order } = await client(orderRefundsQuery, {
    orderId,
    refundsFirst: REFUND_PAGE.refunds,
    linesFirst: REFUND_PAGE.lines,
  });
  if (!order) throw missingOrder(orderId);
  if (order.refunds.length >= REFUND_PAGE.refunds) {
    throw new PermanentError(
      `Shopify order ${orderId} has ${REFUND_PAGE.refunds} refunds or more: Waybill cannot tell whether this one is among them`,
    );
  }
  const lines = [...order.lineItems.nodes];
  let page = order.lineItems.pageInfo;
  while (page.hasNextPage && page.endCursor) {
    const more = await client(refundableLineItemsQuery, {
      orderId,
      first: REFUND_PAGE.lines,
      after: page.endCursor,
    });
    if (!more.order) throw missingOrder(orderId);
    lines.push(...more.order.lineItems.nodes);
    page = more.order.lineItems.pageInfo;
  }
  return { refunds: order.refunds, lines };
}

/**
 * Matches each refunded line to the order's line item: by Shopify's line item id where Waybill has it (a product's
 * SKU may have changed since the order), else by SKU among the items with units left to refund (first come, first
 * taken). Throws PermanentError when Shopify has fewer refundable than asked: someone refunded or edited the order
 * in Shopify, and a person has to decide what is still owed.
 */
export function planRefund(
  lines: readonly RefundableLine[],
  wanted: readonly { channelLineId?: string | null; sku: string; quantity: number }[],
): { lineItemId: string; quantity: number }[] {
  const left = new Map(lines.map((l) => [l.id, l.refundableQuantity]));
  const taken: { lineItemId: string; quantity: number }[] = [];
  const short: string[] = [];
  const take = (line: RefundableLine, units: number): number => {
    const refundable = left.get(line.id) ?? 0;
    const count = Math.min(units, refundable);
    if (count <= 0) return 0;
    const same = taken.find((t) => t.lineItemId === line.id);
    if (same) same.quantity += count;
    else taken.push({ lineItemId: line.id, quantity: count });
    left.set(line.id, refundable - count);
    return count;
  };
  for (const want of wanted) {
    const byId = want.channelLineId
      ? lines.find((l) => l.id === lineItemGid(want.channelLineId!))
      : undefined;
    let missing = want.quantity;
    if (byId) missing -= take(byId, missing);
    else if (!want.channelLineId)
      for (const line of lines)
        if (missing > 0 && skuOf(line.sku) === skuOf(want.sku)) missing -= take(line, missing);
    const what = want.channelLineId ? `line item ${want.channelLineId} (${want.sku})` : want.sku;
    if (missing > 0) short.push(`${what}: ${want.quantity} to refund, ${want.quantity - missing} refundable`);
  }
  if (short.length > 0)
    throw new PermanentError(
      `Shopify has fewer units left to refund than Waybill asked (${short.join('; ')}): the order was refunded or edited in Shopify`,
    );
  return taken;
}

/** The webhooks' numeric line item id as the Admin API's global id. */
function lineItemGid(id: string): string {
  return id.startsWith('gid://') ? id : `gid://shopify/LineItem/${id}`;
}

function missingOrder(orderId: string): PermanentError {
  return new PermanentError(`Shopify has no order ${orderId} that this app can read`);
}
