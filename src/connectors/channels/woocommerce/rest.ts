import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RestCall, RestListCall, RestRequest } from './transport.ts';

/**
 * The calls Waybill makes to the REST API v3 and the part of each answer it reads (zod keeps only the fields named
 * here). Paths are relative to /wp-json/wc/v3 (./transport.ts).
 */
const id = z.number().int().positive();

const metaEntry = z.object({ id: z.number().int().optional(), key: z.string(), value: z.unknown() });
export type MetaEntry = z.infer<typeof metaEntry>;

/** A decimal string as WooCommerce writes money ("12.99", "-3.00"). */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');

const lineItem = z.object({ id, sku: z.string().nullish(), quantity: z.number().int(), total: decimal });
const order = z.object({
  id,
  status: z.string(),
  currency: z.string().optional(),
  meta_data: z.array(metaEntry),
  line_items: z.array(lineItem).default([]),
});
export type OrderView = z.infer<typeof order>;

/** A refund of an order (https://woocommerce.github.io/woocommerce-rest-api-docs/#order-refund-properties). */
const refund = z.object({
  id,
  amount: decimal,
  reason: z.string().nullish(),
  refunded_payment: z.boolean().optional(),
  meta_data: z.array(metaEntry),
});
export type RefundView = z.infer<typeof refund>;

const note = z.object({ id, note: z.string(), customer_note: z.boolean() });
export type OrderNote = z.infer<typeof note>;

/** A product or, when looked up by SKU, a variation (type `variation`, parent_id its variable product). */
const product = z.object({
  id,
  parent_id: z.number().int().nonnegative().default(0),
  sku: z.string(),
  type: z.string().optional(),
});
export type ProductView = z.infer<typeof product>;

/** A batch answers 200 with one entry per item: the object written, or `{ id, error }` for an item refused. */
const batchItem = z.union([
  z.object({ id: z.number().int(), error: z.object({ code: z.string(), message: z.string() }) }),
  z.object({ id }),
]);
const batchAnswer = z.object({ update: z.array(batchItem).default([]) });
export type BatchItem = z.infer<typeof batchItem>;

/** The REST API's own limit on create + update + delete in one batch (filter woocommerce_rest_batch_items_limit). */
export const BATCH_LIMIT = 100;
/** per_page may be at most 100. */
const PAGE_LIMIT = 100;

export function getOrder(call: RestCall, orderId: number): Promise<OrderView> {
  return read(call, { method: 'GET', path: `/orders/${orderId}` }, order, 'an order');
}

/** The notes the customer sees (not paginated by WooCommerce), newest first. */
export function customerNotes(call: RestCall, orderId: number): Promise<OrderNote[]> {
  return read(
    call,
    { method: 'GET', path: `/orders/${orderId}/notes`, query: { type: 'customer' } },
    z.array(note),
    'a list of order notes',
  );
}

/** A note shown on the customer's order page and e-mailed to them (WooCommerce's "Customer note" e-mail). */
export function addCustomerNote(call: RestCall, orderId: number, text: string): Promise<OrderNote> {
  return read(
    call,
    { method: 'POST', path: `/orders/${orderId}/notes`, body: { note: text, customer_note: true } },
    note,
    'an order note',
  );
}

/** Sets what is given: a meta_data entry without an id replaces the value of its key (WC_Data::update_meta_data). */
export function updateOrder(
  call: RestCall,
  orderId: number,
  changes: { status?: string; meta_data?: { key: string; value: unknown }[] },
): Promise<OrderView> {
  return read(call, { method: 'PUT', path: `/orders/${orderId}`, body: changes }, order, 'an order');
}

/**
 * Products and variations whose SKU is one of `skus` (the `sku` filter takes a comma-separated list and searches
 * variations too). The caller keeps each list short enough that every match fits on one page.
 */
export function productsBySku(call: RestCall, skus: readonly string[]): Promise<ProductView[]> {
  if (skus.length > PAGE_LIMIT) throw new RangeError(`at most ${PAGE_LIMIT} SKUs per lookup`);
  const query = { sku: skus.join(','), per_page: String(PAGE_LIMIT) };
  return read(call, { method: 'GET', path: '/products', query }, z.array(product), 'a list of products');
}

/**
 * The product and variation fields Waybill writes: managed stock, and the prices (decimal strings; '' clears a
 * sale price). See https://woocommerce.github.io/woocommerce-rest-api-docs/#product-properties.
 */
export interface ProductFields {
  manage_stock?: boolean;
  stock_quantity?: number;
  regular_price?: string;
  sale_price?: string;
}

/** Updates products in one batch: `/products/batch`, or `/products/{parent}/variations/batch`. */
export async function batchUpdate(
  call: RestCall,
  path: string,
  update: readonly ({ id: number } & ProductFields)[],
): Promise<BatchItem[]> {
  if (update.length > BATCH_LIMIT) throw new RangeError(`at most ${BATCH_LIMIT} items per batch`);
  // Every product or variation comes back whole (tens of fields each): read only when one was refused.
  const request = { method: 'POST', path, body: { update }, readIfIncludes: '"error"' } as const;
  const answer = await call(request);
  return answer === undefined ? [] : parsed(request, batchAnswer.safeParse(answer), 'a batch answer').update;
}

/**
 * POST /orders/{id}/refunds. `line_items` name the order's items by id with the quantity and the amount (excluding
 * tax) each gives back; `api_refund` asks the payment gateway to return the money, `api_restock` to put the items
 * back in stock (WC_REST_Order_Refunds_Controller, RestApiUtil::adjust_create_refund_request_parameters).
 */
export interface RefundRequest {
  amount: string;
  reason: string;
  api_refund: boolean;
  api_restock: boolean;
  meta_data: { key: string; value: unknown }[];
  /**
   * Per item: the units, the money after discounts excluding tax (`refund_total`) and each tax by its rate id
   * (`refund_tax`), as wc_create_refund reads them (includes/wc-order-functions.php, wc_create_refund: line_items).
   */
  line_items: {
    id: number;
    quantity: number;
    refund_total: string;
    refund_tax: { id: number; refund_total: string }[];
  }[];
}

/**
 * How long the POST of a refund may take: WooCommerce answers only once the payment gateway has (wc_refund_payment
 * runs inside the request, includes/wc-order-functions.php), and a gateway's API takes seconds, at worst tens of
 * seconds. Well above that (the 10 s of other calls would cut a slow refund off midway), and below the refund job's
 * own 180 s (app/refund-at-channel.ts).
 */
export const REFUND_TIMEOUT_MS = 120_000;

export function createRefund(call: RestCall, orderId: number, request: RefundRequest): Promise<RefundView> {
  return read(
    call,
    { method: 'POST', path: `/orders/${orderId}/refunds`, body: request, timeoutMs: REFUND_TIMEOUT_MS },
    refund,
    'a refund',
  );
}

/** Every refund of the order (per_page 100, following X-WP-TotalPages). */
export function refundsOf(list: RestListCall, orderId: number): Promise<RefundView[]> {
  return readAll(list, { method: 'GET', path: `/orders/${orderId}/refunds` }, refund, 'a list of refunds');
}

/** A webhook subscription (https://woocommerce.github.io/woocommerce-rest-api-docs/#webhook-properties). */
const webhook = z.object({ id, status: z.string(), topic: z.string(), delivery_url: z.string() });
export type WebhookView = z.infer<typeof webhook>;

/** Every webhook of the store, whatever its status (per_page 100, following X-WP-TotalPages). */
export function webhooksOf(list: RestListCall): Promise<WebhookView[]> {
  return readAll(
    list,
    { method: 'GET', path: '/webhooks', query: { status: 'all' } },
    webhook,
    'a list of webhooks',
  );
}

/** Reads every page of a collection. A page without X-WP-TotalPages (a proxy dropped it) ends the walk when short. */
export async function readAll<T>(
  list: RestListCall,
  request: RestRequest,
  schema: z.ZodType<T>,
  what: string,
  maxPages = 100,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const { items: found, more } = await readPage(
      list,
      { ...request, query: { ...request.query, per_page: String(PAGE_LIMIT), page: String(page) } },
      schema,
      what,
    );
    items.push(...found);
    if (!more) return items;
  }
  throw new PermanentError(
    `WooCommerce answered ${request.method} ${request.path} with more than ${maxPages} pages of ${PAGE_LIMIT}`,
  );
}

/** One page of a collection, and whether another follows. */
export async function readPage<T>(
  list: RestListCall,
  request: RestRequest,
  schema: z.ZodType<T>,
  what: string,
): Promise<{ items: T[]; more: boolean }> {
  const { body, totalPages } = await list(request);
  const items = parsed(request, z.array(schema).safeParse(body), what);
  const page = Number(request.query?.page ?? '1');
  const perPage = Number(request.query?.per_page ?? '10');
  return { items, more: totalPages === undefined ? items.length >= perPage : page < totalPages };
}

/** A 2xx whose JSON is not what WooCommerce documents will be the same on a retry: a plugin reshapes answers. */
async function read<T>(call: RestCall, request: RestRequest, schema: z.ZodType<T>, what: string): Promise<T> {
  return parsed(request, schema.safeParse(await call(request)), what);
}

function parsed<T>(request: RestRequest, result: z.ZodSafeParseResult<T>, what: string): T {
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new PermanentError(
    `WooCommerce answered ${request.method} ${request.path} with something that is not ${what}${where}: ${issue?.message ?? 'unreadable'}`,
  );
}
