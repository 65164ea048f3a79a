import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { searchCriteriaQuery, type SearchCriteria } from './search-criteria.ts';
import type { MagentoCall, MagentoRequest } from './transport.ts';

/**
 * The calls Waybill makes to Magento's REST API (paths under /rest/{store}/V1) and the part of each answer it reads;
 * zod keeps only the fields named here. Magento leaves out the fields that are null.
 * Reference: https://developer.adobe.com/commerce/webapi/rest/ (the schema of 2.4.8 is vendored in
 * sim/contracts/magento/).
 */
const id = z.number().int().positive();
const amount = z.number();

/** An order item (sales-data-order-item-interface). */
export const magentoOrderItem = z.object({
  item_id: id,
  sku: z.string(),
  name: z.string().optional(),
  product_type: z.string().optional(),
  parent_item_id: z.number().int().optional(),
  is_virtual: z.number().int().optional(),
  qty_ordered: z.number(),
  qty_shipped: z.number().optional(),
  qty_refunded: z.number().optional(),
  qty_canceled: z.number().optional(),
  price: amount.optional(),
  row_total: amount.optional(),
  discount_amount: amount.optional(),
  discount_tax_compensation_amount: amount.optional(),
  tax_amount: amount.optional(),
  tax_percent: amount.optional(),
  amount_refunded: amount.optional(),
  discount_refunded: amount.optional(),
  tax_refunded: amount.optional(),
  discount_tax_compensation_refunded: amount.optional(),
});
export type MagentoOrderItem = z.infer<typeof magentoOrderItem>;

const address = z.object({
  firstname: z.string().optional(),
  lastname: z.string().optional(),
  company: z.string().optional(),
  street: z.array(z.string()).optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  region_code: z.string().optional(),
  postcode: z.string().optional(),
  country_id: z.string().optional(),
  telephone: z.string().optional(),
  email: z.string().optional(),
});
export type MagentoAddress = z.infer<typeof address>;

const appliedTax = z.object({
  code: z.string().optional(),
  title: z.string().optional(),
  percent: amount.optional(),
  amount,
});

/** "2025-11-03 14:05:09": Magento's timestamps are UTC and carry no zone. */
export const magentoDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'must be a Magento date-time like 2025-11-03 14:05:09')
  .refine((text) => !Number.isNaN(Date.parse(`${text.replace(' ', 'T')}Z`)), 'is not a date');

export function magentoDate(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}

/** An order (sales-data-order-interface), as GET /V1/orders and GET /V1/orders/{id} give it. */
export const magentoOrder = z.object({
  entity_id: id,
  increment_id: z.string().optional(),
  state: z.string(),
  status: z.string().optional(),
  created_at: magentoDateTime,
  updated_at: magentoDateTime,
  order_currency_code: z.string(),
  base_currency_code: z.string().optional(),
  customer_email: z.string().optional(),
  customer_firstname: z.string().optional(),
  customer_lastname: z.string().optional(),
  grand_total: amount,
  subtotal: amount.optional(),
  discount_amount: amount.optional(),
  discount_tax_compensation_amount: amount.optional(),
  shipping_amount: amount.optional(),
  shipping_discount_amount: amount.optional(),
  shipping_discount_tax_compensation_amount: amount.optional(),
  shipping_tax_amount: amount.optional(),
  shipping_description: z.string().optional(),
  tax_amount: amount.optional(),
  total_paid: amount.optional(),
  total_refunded: amount.optional(),
  discount_refunded: amount.optional(),
  tax_refunded: amount.optional(),
  shipping_refunded: amount.optional(),
  shipping_tax_refunded: amount.optional(),
  items: z.array(magentoOrderItem),
  billing_address: address.optional(),
  payment: z.object({ method: z.string().optional() }).optional(),
  extension_attributes: z
    .object({
      shipping_assignments: z
        .array(z.object({ shipping: z.object({ address: address.optional() }).optional() }))
        .optional(),
      item_applied_taxes: z
        .array(
          z.object({
            type: z.string().optional(),
            item_id: z.number().int().optional(),
            applied_taxes: z.array(appliedTax).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
export type MagentoOrder = z.infer<typeof magentoOrder>;

const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item).default([]), total_count: z.number().int().nonnegative() });

export function getOrder(call: MagentoCall, orderId: number): Promise<MagentoOrder> {
  return read(call, { method: 'GET', path: `/orders/${orderId}` }, magentoOrder, 'an order');
}

/** A page of GET /V1/orders, each order read loosely: the poll names an order it cannot read. */
export function listOrders(
  call: MagentoCall,
  criteria: SearchCriteria,
): Promise<{ items: Record<string, unknown>[]; total_count: number }> {
  return read(
    call,
    { method: 'GET', path: '/orders', query: searchCriteriaQuery(criteria) },
    listOf(z.record(z.string(), z.unknown())),
    'a list of orders',
  );
}

const track = z.object({ track_number: z.string(), carrier_code: z.string().optional() });
const shipment = z.object({
  entity_id: id,
  order_id: z.number().int(),
  tracks: z.array(track).default([]),
});
export type MagentoShipment = z.infer<typeof shipment>;

/** Every shipment of an order (an order has a handful: one page of 100). */
export async function shipmentsOf(call: MagentoCall, orderId: number): Promise<MagentoShipment[]> {
  const criteria = byOrder(orderId);
  return (await read(call, listRequest('/shipments', criteria), listOf(shipment), 'a list of shipments'))
    .items;
}

/** Body of POST /V1/order/{orderId}/ship (sales-data-shipment-*-creation-interface). */
export interface ShipRequest {
  items: { order_item_id: number; qty: number }[];
  notify: boolean;
  tracks: { track_number: string; title: string; carrier_code: string }[];
  arguments?: { extension_attributes: { source_code: string } };
}

/** Creates a shipment; answers its id. */
export async function shipOrder(call: MagentoCall, orderId: number, request: ShipRequest): Promise<number> {
  return read(call, { method: 'POST', path: `/order/${orderId}/ship`, body: request }, id, 'a shipment id');
}

const comment = z.object({ comment: z.string() });
const creditmemo = z.object({
  entity_id: id,
  order_id: z.number().int(),
  grand_total: amount.optional(),
  comments: z.array(comment).default([]),
});
export type MagentoCreditmemo = z.infer<typeof creditmemo>;

/**
 * A credit memo as the poll reads it (sales-data-creditmemo-interface): when, in which currency, how much, and its
 * items by the order's item id (sales-data-creditmemo-item-interface), with the comments that mark Waybill's own.
 */
export const polledCreditmemo = creditmemo.extend({
  created_at: magentoDateTime.optional(),
  order_currency_code: z.string().optional(),
  items: z
    .array(z.object({ order_item_id: z.number().int(), sku: z.string().optional(), qty: z.number() }))
    .default([]),
});
export type PolledCreditmemo = z.infer<typeof polledCreditmemo>;

export async function creditmemosOf(call: MagentoCall, orderId: number): Promise<MagentoCreditmemo[]> {
  const criteria = byOrder(orderId);
  return (
    await read(call, listRequest('/creditmemos', criteria), listOf(creditmemo), 'a list of credit memos')
  ).items;
}

/** A page of GET /V1/creditmemos, each memo read loosely: the poll names a memo it cannot read. */
export function listCreditmemos(
  call: MagentoCall,
  criteria: SearchCriteria,
): Promise<{ items: Record<string, unknown>[]; total_count: number }> {
  return read(
    call,
    listRequest('/creditmemos', criteria),
    listOf(z.record(z.string(), z.unknown())),
    'a list of credit memos',
  );
}

const invoice = z.object({
  entity_id: id,
  order_id: z.number().int(),
  transaction_id: z.string().optional(),
  items: z.array(z.object({ order_item_id: z.number().int(), qty: z.number() })).default([]),
});
export type MagentoInvoice = z.infer<typeof invoice>;

export async function invoicesOf(call: MagentoCall, orderId: number): Promise<MagentoInvoice[]> {
  const criteria = byOrder(orderId);
  return (await read(call, listRequest('/invoices', criteria), listOf(invoice), 'a list of invoices')).items;
}

/** Body of the refund endpoints (sales-data-creditmemo-*-creation-interface). */
export interface RefundRequest {
  items: { order_item_id: number; qty: number }[];
  isOnline?: boolean;
  notify: boolean;
  appendComment: boolean;
  comment: { comment: string; is_visible_on_front: number };
  arguments: {
    shipping_amount: number;
    adjustment_positive: number;
    adjustment_negative: number;
    extension_attributes: { return_to_stock_items: number[] };
  };
}

/**
 * A payment gateway answers an online refund inside the request (Magento calls it before it saves the memo):
 * seconds, at worst tens of them. Well above that, below the refund job's own timeout.
 */
export const REFUND_TIMEOUT_MS = 120_000;

export function refundOrder(call: MagentoCall, orderId: number, request: RefundRequest): Promise<number> {
  const { isOnline: _online, ...offline } = request;
  return read(
    call,
    { method: 'POST', path: `/order/${orderId}/refund`, body: offline, timeoutMs: REFUND_TIMEOUT_MS },
    id,
    'a credit memo id',
  );
}

export function refundInvoice(call: MagentoCall, invoiceId: number, request: RefundRequest): Promise<number> {
  return read(
    call,
    { method: 'POST', path: `/invoice/${invoiceId}/refund`, body: request, timeoutMs: REFUND_TIMEOUT_MS },
    id,
    'a credit memo id',
  );
}

/** One source item (inventory-api-data-source-item-interface): status 1 in stock, 0 out of stock. */
export interface SourceItem {
  sku: string;
  source_code: string;
  quantity: number;
  status: 0 | 1;
}

/** POST /V1/inventory/source-items: answers an empty list (the service returns nothing). */
export async function saveSourceItems(call: MagentoCall, sourceItems: readonly SourceItem[]): Promise<void> {
  await call({ method: 'POST', path: '/inventory/source-items', body: { sourceItems } });
}

const source = z.object({
  source_code: z.string(),
  name: z.string().optional(),
  enabled: z.boolean().optional(),
});

export function getSource(call: MagentoCall, sourceCode: string): Promise<z.infer<typeof source>> {
  return read(
    call,
    { method: 'GET', path: `/inventory/sources/${encodeURIComponent(sourceCode)}` },
    source,
    'a source',
  );
}

function byOrder(orderId: number): SearchCriteria {
  return {
    groups: [[{ field: 'order_id', value: String(orderId), condition: 'eq' }]],
    pageSize: 100,
    currentPage: 1,
  };
}

function listRequest(path: string, criteria: SearchCriteria): MagentoRequest {
  return { method: 'GET', path, query: searchCriteriaQuery(criteria) };
}

/** A 2xx whose JSON is not what Magento documents will be the same on a retry (a module reshapes answers). */
async function read<T>(
  call: MagentoCall,
  request: MagentoRequest,
  schema: z.ZodType<T>,
  what: string,
): Promise<T> {
  const result = schema.safeParse(await call(request));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new PermanentError(
    `Magento answered ${request.method} ${request.path} with something that is not ${what}${where}: ${issue?.message ?? 'unreadable'}`,
  );
}
