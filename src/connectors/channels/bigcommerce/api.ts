import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { ApiCall, ApiRequest } from './transport.ts';

/**
 * The calls Waybill makes to a store's REST API and the part of each answer it reads (zod keeps only the fields
 * named here). The contracts: sim/contracts/bigcommerce/ (BigCommerce's own OpenAPI documents, dev-docs/reference).
 */
const id = z.number().int().positive();

/** A money figure: the v2 API writes decimal strings ("12.3400"); a few fields are documented as number or string. */
export const figure = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .refine((text) => /^-?\d+(\.\d+)?$/.test(text), 'must be a decimal amount');

/** RFC 2822 with a numeric zone, as the v2 API writes every date ("Tue, 05 Mar 2019 21:40:11 +0000"). */
export const rfc2822 = z
  .string()
  .regex(
    /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/,
    'must be an RFC 2822 date like "Tue, 05 Mar 2019 21:40:11 +0000"',
  )
  .refine((text) => !Number.isNaN(Date.parse(text)), 'is not a date');

const text = z.string().nullish();
const address = z.object({
  first_name: text,
  last_name: text,
  company: text,
  street_1: text,
  street_2: text,
  city: text,
  state: text,
  zip: z.union([z.string(), z.number()]).nullish(),
  country: text,
  country_iso2: text,
  phone: text,
  email: text,
});

/** An order as GET /v2/orders and /v2/orders/{id} give it (the `order_Resp` schema). */
export const orderSchema = z.object({
  id,
  date_created: rfc2822,
  date_modified: rfc2822,
  status_id: z.number().int().min(0),
  status: z.string().optional(),
  subtotal_ex_tax: figure,
  subtotal_inc_tax: figure,
  subtotal_tax: figure,
  shipping_cost_ex_tax: figure,
  shipping_cost_inc_tax: figure,
  shipping_cost_tax: figure,
  handling_cost_ex_tax: figure,
  handling_cost_inc_tax: figure,
  handling_cost_tax: figure,
  wrapping_cost_ex_tax: figure,
  wrapping_cost_inc_tax: figure,
  wrapping_cost_tax: figure,
  total_ex_tax: figure,
  total_inc_tax: figure,
  total_tax: figure,
  discount_amount: figure,
  coupon_discount: figure,
  /** The transactional currency: what the shopper pays in, and what every figure of the order is in. */
  default_currency_code: z.string(),
  /** The display currency the storefront showed prices in; may differ from the transactional one. */
  currency_code: z.string().optional(),
  store_default_currency_code: z.string().optional(),
  shipping_address_count: z.number().int().min(0).optional(),
  is_deleted: z.boolean().optional(),
  billing_address: address,
});
export type BigCommerceOrder = z.infer<typeof orderSchema>;

const appliedDiscount = z.object({ id: z.string().optional(), amount: figure, code: text, name: text });

/** A line of an order (`orderProducts`): order_address_id says which of its shipping addresses it goes to. */
export const orderProductSchema = z.object({
  id,
  order_address_id: z.number().int().min(0),
  product_id: z.number().int().min(0).optional(),
  variant_id: z.number().int().min(0).nullish(),
  name: z.string().optional(),
  sku: z.string().nullish(),
  type: z.string().optional(),
  quantity: z.number().int().min(0),
  price_ex_tax: figure,
  price_inc_tax: figure,
  total_ex_tax: figure,
  total_inc_tax: figure,
  total_tax: figure,
  quantity_shipped: z.number().int().min(0).optional(),
  quantity_refunded: z.number().int().min(0).optional(),
  applied_discounts: z.array(appliedDiscount).default([]),
});
export type BigCommerceOrderProduct = z.infer<typeof orderProductSchema>;

/** A shipping address of an order (`orderShippingAddress`), with its shipping and handling cost. */
export const shippingAddressSchema = address.extend({
  id,
  shipping_method: text,
  cost_ex_tax: figure,
  cost_inc_tax: figure,
  cost_tax: figure,
});
export type BigCommerceShippingAddress = z.infer<typeof shippingAddressSchema>;

const shipmentSchema = z.object({
  id,
  order_address_id: z.number().int().min(0),
  tracking_number: z.string().nullish(),
  comments: z.string().nullish(),
  items: z.array(z.object({ order_product_id: z.number().int(), quantity: z.number().int() })).default([]),
});
export type BigCommerceShipment = z.infer<typeof shipmentSchema>;

/** `orderShipment_Post`: a shipment of some of an order's products to one of its addresses. */
export interface ShipmentRequest {
  order_address_id: number;
  tracking_number: string;
  /** A value of BigCommerce's tracking-carrier list (assets/csv/tracking_carrier_values.csv), or ''. */
  tracking_carrier: string;
  shipping_method: string;
  comments: string;
  items: { order_product_id: number; quantity: number }[];
}

/** A payment option of a refund method (`PaymentOption`); a method is a list of them, used together. */
const paymentOption = z.object({
  provider_id: z.string(),
  provider_description: z.string().optional(),
  amount: z.number(),
  offline: z.boolean(),
  offline_provider: z.boolean().optional(),
  offline_reason: z.string().optional(),
});
export type PaymentOption = z.infer<typeof paymentOption>;

const refundQuoteSchema = z.object({
  data: z.object({
    order_id: z.number().int().optional(),
    total_refund_amount: z.number(),
    total_refund_tax_amount: z.number().optional(),
    refund_methods: z.array(z.array(paymentOption)).default([]),
  }),
});
export type RefundQuote = z.infer<typeof refundQuoteSchema>['data'];

const refundSchema = z.object({
  id,
  order_id: z.number().int().optional(),
  reason: z.string().nullish(),
  total_amount: z.number(),
  payments: z
    .array(z.object({ provider_id: z.string(), amount: z.number(), is_declined: z.boolean().optional() }))
    .default([]),
});
export type BigCommerceRefund = z.infer<typeof refundSchema>;

/**
 * A refund as GET /v3/orders/payment_actions/refunds lists it (`Refund`), what the poll reads of one: when, why, its
 * total, and its items (`item_id` is the order product's id for PRODUCT and GIFT_WRAPPING items, the address's for
 * SHIPPING and HANDLING, the order's for ORDER; `quantity` only for PRODUCT).
 */
export const listedRefundSchema = z.object({
  id,
  order_id: id,
  created: z.iso.datetime({ offset: true }),
  reason: z.string().nullish(),
  total_amount: z.number().min(0),
  items: z
    .array(
      z.object({
        item_type: z.string(),
        item_id: z.number().int(),
        quantity: z.number().int().min(0).nullish(),
      }),
    )
    .default([]),
});
export type BigCommerceListedRefund = z.infer<typeof listedRefundSchema>;

/** An item of a list that does not read as documented: its ids when that much reads, the field and why. */
export interface Unreadable {
  id: string | null;
  /** A refund's order (`order_id`). */
  orderId: string | null;
  field: string;
  message: string;
}

/** Each item of a list read on its own, so that one the client cannot read does not hide the others. */
export type Listed<T> = { ok: true; value: T } | ({ ok: false } & Unreadable);

/**
 * A 2xx whose part is not what BigCommerce documents: a PermanentError that names the field, so that a caller
 * reading one order among many can pass that order over, naming it, instead of failing them all.
 */
export class UnreadableAnswer extends PermanentError {
  constructor(
    message: string,
    readonly field: string,
    readonly issue: string,
  ) {
    super(message);
  }
}

/** A refund item by quantity (`QuantityBoundItem`): the order product's id and how many of its units. */
export interface RefundItem {
  item_type: 'PRODUCT';
  item_id: number;
  quantity: number;
}

const pagination = z.object({
  pagination: z
    .object({ total_pages: z.number().int().min(0), current_page: z.number().int().min(0) })
    .partial(),
});

const variantSchema = z.object({ id, product_id: z.number().int().optional(), sku: z.string() });
export type VariantView = z.infer<typeof variantSchema>;

const hookSchema = z.object({
  id,
  scope: z.string(),
  destination: z.string(),
  is_active: z.boolean(),
  headers: z.record(z.string(), z.unknown()).nullish(),
});
export type HookView = z.infer<typeof hookSchema>;

const storeSchema = z.object({
  name: z.string(),
  currency: z.string().optional(),
  is_price_entered_with_tax: z.boolean().optional(),
});

/** The v2 collections' page size at most; v3 collections take the same. */
export const PAGE_LIMIT = 250;
/** The documented batch size of PUT /v3/catalog/variants ("At the time of writing, the limit is 50 variants"). */
export const VARIANT_BATCH_LIMIT = 50;
/**
 * How long the POST of a refund may take: BigCommerce answers once the payment gateway has, which takes seconds,
 * at worst tens of seconds; below the refund job's own timeout.
 */
const REFUND_TIMEOUT_MS = 120_000;

export function getStore(call: ApiCall): Promise<z.infer<typeof storeSchema>> {
  return read(call, { method: 'GET', path: '/v2/store' }, storeSchema, 'store information');
}

export function getOrder(call: ApiCall, orderId: number): Promise<BigCommerceOrder> {
  return read(call, { method: 'GET', path: `/v2/orders/${orderId}` }, orderSchema, 'an order');
}

/**
 * One page of the orders modified at or after `since`, oldest change first. The v2 reference lists
 * `date_modified` among the sort fields without a direction; ascending is the default.
 */
export async function ordersModifiedSince(
  call: ApiCall,
  since: Date,
  page: number,
  limit: number,
): Promise<Listed<BigCommerceOrder>[]> {
  const query = {
    min_date_modified: rfc3339(since),
    sort: 'date_modified',
    limit: String(limit),
    page: String(page),
  };
  const items = await readList(call, { method: 'GET', path: '/v2/orders', query }, z.unknown(), 'a list');
  return items.map((item) => readEach(orderSchema, item));
}

/**
 * One page of the store's refunds created from `from` to `to` (both inclusive; `to` null: until now), every order's,
 * in ascending refund id: a refund created meanwhile comes after the ones read, so paging by number loses none.
 */
export async function refundsCreatedBetween(
  call: ApiCall,
  window: { from: Date; to: Date | null },
  page: number,
): Promise<{ items: Listed<BigCommerceListedRefund>[]; more: boolean }> {
  const query = {
    'created:min': rfc3339(window.from),
    ...(window.to ? { 'created:max': rfc3339(window.to) } : {}),
    page: String(page),
    limit: String(PAGE_LIMIT),
  };
  const request = { method: 'GET', path: '/v3/orders/payment_actions/refunds', query } as const;
  const { items, more } = await readV3Page(call, request, z.unknown());
  return { items: items.map((item) => readEach(listedRefundSchema, item)), more };
}

/** UTC with whole seconds and an offset, as BigCommerce's date filters take it: 2025-11-03T14:05:09+00:00. */
function rfc3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function orderProducts(call: ApiCall, orderId: number): Promise<BigCommerceOrderProduct[]> {
  return readAllV2(call, `/v2/orders/${orderId}/products`, orderProductSchema, 'a list of order products');
}

export function shippingAddresses(call: ApiCall, orderId: number): Promise<BigCommerceShippingAddress[]> {
  return readAllV2(
    call,
    `/v2/orders/${orderId}/shipping_addresses`,
    shippingAddressSchema,
    'a list of shipping addresses',
  );
}

export function orderShipments(call: ApiCall, orderId: number): Promise<BigCommerceShipment[]> {
  return readAllV2(call, `/v2/orders/${orderId}/shipments`, shipmentSchema, 'a list of shipments');
}

export function createShipment(
  call: ApiCall,
  orderId: number,
  shipment: ShipmentRequest,
): Promise<BigCommerceShipment> {
  return read(
    call,
    { method: 'POST', path: `/v2/orders/${orderId}/shipments`, body: shipment },
    shipmentSchema,
    'a shipment',
  );
}

export async function refundQuote(call: ApiCall, orderId: number, items: RefundItem[]): Promise<RefundQuote> {
  const request = {
    method: 'POST',
    path: `/v3/orders/${orderId}/payment_actions/refund_quotes`,
    body: { order_id: orderId, items },
  } as const;
  return (await read(call, request, refundQuoteSchema, 'a refund quote')).data;
}

export async function createRefund(
  call: ApiCall,
  orderId: number,
  body: {
    items: RefundItem[];
    reason: string;
    payments: { provider_id: string; amount: number; offline: boolean }[];
  },
): Promise<BigCommerceRefund> {
  const request = {
    method: 'POST',
    path: `/v3/orders/${orderId}/payment_actions/refunds`,
    body,
    timeoutMs: REFUND_TIMEOUT_MS,
  } as const;
  return (await read(call, request, z.object({ data: refundSchema }), 'a refund')).data;
}

/** Every refund of the order, oldest first (GET /v3/orders/{id}/payment_actions/refunds is not paginated). */
export async function orderRefunds(call: ApiCall, orderId: number): Promise<BigCommerceRefund[]> {
  const request = { method: 'GET', path: `/v3/orders/${orderId}/payment_actions/refunds` } as const;
  return (await read(call, request, z.object({ data: z.array(refundSchema) }), 'a list of refunds')).data;
}

/** The variants with this SKU (the `sku` filter matches one SKU exactly). */
export async function variantsWithSku(call: ApiCall, sku: string): Promise<VariantView[]> {
  const query = { sku, include_fields: 'sku,product_id' };
  return (await readV3Page(call, { method: 'GET', path: '/v3/catalog/variants', query }, variantSchema))
    .items;
}

/** One page of every variant of the catalog, for the SKU → variant index. */
export function variantsPage(call: ApiCall, page: number): Promise<{ items: VariantView[]; more: boolean }> {
  const query = { page: String(page), limit: String(PAGE_LIMIT), include_fields: 'sku,product_id' };
  return readV3Page(call, { method: 'GET', path: '/v3/catalog/variants', query }, variantSchema);
}

/** PUT /v3/catalog/variants: sets fields of up to VARIANT_BATCH_LIMIT variants, of any products, at once. */
export async function updateVariants(
  call: ApiCall,
  update: readonly { id: number; inventory_level: number }[],
): Promise<void> {
  if (update.length > VARIANT_BATCH_LIMIT)
    throw new RangeError(`at most ${VARIANT_BATCH_LIMIT} variants per batch`);
  await call({ method: 'PUT', path: '/v3/catalog/variants', body: update, unread: true });
}

/** Every hook of the store made with this token's API account (GET /v3/hooks, all pages). */
export async function storeHooks(call: ApiCall): Promise<HookView[]> {
  const hooks: HookView[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = { page: String(page), limit: String(PAGE_LIMIT) };
    const { items, more } = await readV3Page(call, { method: 'GET', path: '/v3/hooks', query }, hookSchema);
    hooks.push(...items);
    if (!more) return hooks;
  }
  throw new PermanentError(`BigCommerce answered GET /v3/hooks with more than ${MAX_PAGES} pages`);
}

const MAX_PAGES = 100;

/** Every page of a v2 collection: pages of PAGE_LIMIT until a short one (v2 answers 204 past the last). */
async function readAllV2<T>(call: ApiCall, path: string, schema: z.ZodType<T>, what: string): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = { page: String(page), limit: String(PAGE_LIMIT) };
    const found = await readList(call, { method: 'GET', path, query }, schema, what);
    items.push(...found);
    if (found.length < PAGE_LIMIT) return items;
  }
  throw new PermanentError(`BigCommerce answered GET ${path} with more than ${MAX_PAGES} pages`);
}

/** A v2 collection page: an array, or 204 (nothing) for an empty one. */
async function readList<T>(
  call: ApiCall,
  request: ApiRequest,
  schema: z.ZodType<T>,
  what: string,
): Promise<T[]> {
  const body = await call(request);
  return body === undefined ? [] : parsed(request, z.array(schema).safeParse(body), what);
}

/** A v3 collection page `{ data, meta: { pagination } }`, and whether another follows. */
async function readV3Page<T>(
  call: ApiCall,
  request: ApiRequest,
  schema: z.ZodType<T>,
): Promise<{ items: T[]; more: boolean }> {
  const envelope = z.object({ data: z.array(schema), meta: pagination.partial().optional() });
  const body = parsed(request, envelope.safeParse(await call(request)), 'a collection');
  const { current_page: current, total_pages: total } = body.meta?.pagination ?? {};
  const more =
    current !== undefined && total !== undefined ? current < total : body.data.length >= PAGE_LIMIT;
  return { items: body.data, more };
}

/** A 2xx whose JSON is not what BigCommerce documents will be the same on a retry. */
async function read<T>(call: ApiCall, request: ApiRequest, schema: z.ZodType<T>, what: string): Promise<T> {
  return parsed(request, schema.safeParse(await call(request)), what);
}

function parsed<T>(request: ApiRequest, result: z.ZodSafeParseResult<T>, what: string): T {
  if (result.success) return result.data;
  const { field, message } = firstIssue(result.error);
  throw new UnreadableAnswer(
    `BigCommerce answered ${request.method} ${request.path} with something that is not ${what}${field ? ` at ${field}` : ''}: ${message}`,
    field,
    message,
  );
}

function readEach<T>(schema: z.ZodType<T>, item: unknown): Listed<T> {
  const result = schema.safeParse(item);
  if (result.success) return { ok: true, value: result.data };
  const { id, order_id: orderId } = typeof item === 'object' && item !== null ? (item as IdFields) : {};
  return { ok: false, id: idText(id), orderId: idText(orderId), ...firstIssue(result.error) };
}

type IdFields = { id?: unknown; order_id?: unknown };

function idText(value: unknown): string | null {
  return typeof value === 'number' || (typeof value === 'string' && value !== '') ? String(value) : null;
}

function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  return { field: issue?.path.join('.') ?? '', message: issue?.message ?? 'unreadable' };
}
