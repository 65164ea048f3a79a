/**
 * The operations the simulated BigCommerce store answers (sim/bigcommerce.ts), one handler per operationId of the
 * vendored contracts (sim/contracts/bigcommerce/), each written from BigCommerce's reference and guides in
 * bigcommerce/dev-docs: paging (`page`, `limit` up to 250, 50 by default), the v2 orders' filters and sort, what a
 * shipment needs (an address of the order, unshipped units of its products there), the refund quote and refund, the
 * store's refunds by creation time, the variants batch (50 at most, 413 beyond; an unknown variant refuses the
 * batch, 422) and the hooks list. Each handler gets the request as parsed and returns the status and the JSON body.
 * Demo and test use only.
 */
import {
  addressResource,
  orderResource,
  productResource,
  shipmentResource,
  type SimOrder,
} from './bigcommerce-orders.ts';
import {
  makeRefund,
  quoteUnits,
  refundMethods,
  refundResource,
  RefundRefused,
  type SimRefund,
} from './bigcommerce-refunds.ts';
import { hookResource, type HookDispatcher } from './bigcommerce-hooks.ts';
import { formatMinor } from './money.ts';
import { isRecord } from './shared.ts';

export interface Variant {
  id: number;
  productId: number;
  sku: string;
  level: number;
}

/** What the handlers work on: the store's state and what it does when something changes. */
export interface StoreState {
  hash: string;
  name: string;
  currency: string;
  digits: number;
  base: () => string;
  now: () => number;
  orders: Map<number, SimOrder>;
  refunds: Map<number, SimRefund[]>;
  variants: { list: Variant[]; bySku: Map<string, Variant>; byId: Map<number, Variant> };
  hooks: HookDispatcher;
  nextId: (what: 'shipment' | 'refund' | 'payment') => number;
  declineRefunds: boolean;
  /** Stamps a change of the order (date_modified) and tells its hooks. */
  changed(order: SimOrder, previousStatus: number): void;
  /** Keeps a refund made of the order, stamps the change and tells the hooks (store/order/refund/created too). */
  refunded(order: SimOrder, refund: SimRefund, previousStatus: number): void;
  stockSet(variant: Variant): void;
}

export interface ApiInput {
  path: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
}

type Handler = (state: StoreState, input: ApiInput) => ApiAnswer;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 250;
/** updateVariantsBatch: "At the time of writing, the limit is 50 variants." */
export const VARIANT_BATCH_LIMIT = 50;

const notFound = (what = 'The requested resource was not found.'): ApiAnswer => ({
  status: 404,
  body: [{ status: 404, message: what }],
});
const v2Refused = (message: string): ApiAnswer => ({ status: 400, body: [{ status: 400, message }] });
const v3Error = (status: number, title: string, errors: Record<string, string> = {}): ApiAnswer => ({
  status,
  body: { status, title, type: '/api-docs/getting-started/api-status-codes', errors },
});

export const HANDLERS: Readonly<Record<string, Handler>> = {
  getStore: (state) => ({
    status: 200,
    body: {
      id: state.hash,
      domain: `${state.hash}.example.com`,
      secure_URL: `https://${state.hash}.example.com`,
      control_panel_base_url: `https://store-${state.hash}.mybigcommerce.com`,
      name: state.name,
      first_name: 'Sim',
      last_name: 'Merchant',
      address: '1 Example Way',
      country: 'United States',
      phone: '',
      admin_email: 'owner@example.com',
      order_email: 'orders@example.com',
      language: 'en',
      currency: state.currency,
      currency_symbol: '$',
      decimal_separator: '.',
      thousands_separator: ',',
      decimal_places: state.digits,
      currency_symbol_location: 'left',
      weight_units: 'Ounces',
      dimension_units: 'Inches',
      dimension_decimal_places: 2,
      dimension_decimal_token: '.',
      plan_name: 'Standard',
      plan_level: 'Standard',
      industry: '',
      is_price_entered_with_tax: false,
      active_comparison_modules: [],
      features: {
        stencil_enabled: true,
        sitewidehttps_enabled: 'true',
        facebook_catalog_id: '',
        checkout_type: 'optimized',
      },
    },
  }),

  getAllOrders: (state, { query }) => {
    const min = dateParam(query.get('min_date_modified'));
    const max = dateParam(query.get('max_date_modified'));
    const status = query.get('status_id');
    const deleted = query.get('is_deleted') === 'true';
    const [field = 'id', direction = 'asc'] = (query.get('sort') ?? 'id').split(':');
    const key = (o: SimOrder) =>
      field === 'date_modified'
        ? o.modifiedMs
        : field === 'date_created'
          ? o.createdMs
          : field === 'status_id'
            ? o.statusId
            : o.id;
    const orders = [...state.orders.values()]
      .filter((o) => o.archived === deleted)
      .filter((o) => (min === null || o.modifiedMs >= min) && (max === null || o.modifiedMs <= max))
      .filter((o) => status === null || String(o.statusId) === status)
      .sort((a, b) => (key(a) - key(b) || a.id - b.id) * (direction === 'desc' ? -1 : 1));
    return {
      status: 200,
      body: pageOf(orders, query).map((o) => orderResource(o, state.hash, state.base())),
    };
  },

  getAnOrder: (state, { path }) => {
    const order = state.orders.get(Number(path.order_id));
    return order ? { status: 200, body: orderResource(order, state.hash, state.base()) } : notFound();
  },

  getAllOrderProducts: (state, { path, query }) => {
    const order = state.orders.get(Number(path.order_id));
    if (!order) return notFound();
    return { status: 200, body: pageOf(order.products, query).map((p) => productResource(order, p)) };
  },

  getAllShippingAddresses: (state, { path, query }) => {
    const order = state.orders.get(Number(path.order_id));
    if (!order) return notFound();
    return {
      status: 200,
      body: pageOf(order.addresses, query).map((a) => addressResource(order, a, state.base())),
    };
  },

  getAllOrderShipments: (state, { path, query }) => {
    const order = state.orders.get(Number(path.order_id));
    if (!order) return notFound();
    return { status: 200, body: pageOf(order.shipments, query).map((s) => shipmentResource(order, s)) };
  },

  createOrderShipments: (state, { path, body }) => {
    const order = state.orders.get(Number(path.order_id));
    if (!order) return notFound();
    if (!isRecord(body)) return v2Refused('The request body is not a shipment.');
    const address = order.addresses.find((a) => a.id === body.order_address_id);
    if (!address) return v2Refused('The field order_address_id is not an address of this order.');
    const items = Array.isArray(body.items)
      ? (body.items as { order_product_id: number; quantity: number }[])
      : [];
    if (items.length === 0) return v2Refused('The field items is required.');
    for (const item of items) {
      const product = order.products.find(
        (p) => p.id === item.order_product_id && p.addressId === address.id,
      );
      if (!product || product.digital)
        return v2Refused(`Order product ${item.order_product_id} is not shippable to address ${address.id}.`);
      if (!(item.quantity >= 1) || product.shipped + item.quantity > product.quantity)
        return v2Refused(`The quantity of order product ${product.id} exceeds what is left to ship.`);
    }
    for (const item of items)
      order.products.find((p) => p.id === item.order_product_id)!.shipped += item.quantity;
    const shipment = {
      id: state.nextId('shipment'),
      addressId: address.id,
      createdMs: state.now(),
      trackingNumber: typeof body.tracking_number === 'string' ? body.tracking_number : '',
      trackingCarrier: typeof body.tracking_carrier === 'string' ? body.tracking_carrier : '',
      shippingMethod: typeof body.shipping_method === 'string' ? body.shipping_method : '',
      comments: typeof body.comments === 'string' ? body.comments : '',
      items: items.map((item) => ({ order_product_id: item.order_product_id, quantity: item.quantity })),
    };
    order.shipments.push(shipment);
    const previous = order.statusId;
    const physical = order.products.filter((p) => !p.digital);
    order.statusId = physical.every((p) => p.shipped === p.quantity) ? 2 : 3;
    state.changed(order, previous);
    return { status: 201, body: shipmentResource(order, shipment) };
  },

  postrefundquote: (state, { path, body }) => {
    const order = state.orders.get(Number(path.order_id));
    if (!order) return v3Error(404, `Order ${path.order_id} not found`);
    try {
      const items = isRecord(body) && Array.isArray(body.items) ? body.items : [];
      const quote = quoteUnits(order, items as never);
      const amount = Number(formatMinor(quote.total, order.digits));
      return {
        status: 201,
        body: {
          data: {
            order_id: order.id,
            total_refund_amount: amount,
            total_refund_tax_amount: Number(formatMinor(quote.tax, order.digits)),
            rounding: 0,
            adjustment: 0,
            tax_inclusive: true,
            refund_methods: refundMethods(order, quote.total),
          },
          meta: {},
        },
      };
    } catch (error) {
      if (error instanceof RefundRefused) return v3Error(422, error.message);
      throw error;
    }
  },

  postrefund: (state, { path, body }) => {
    const order = state.orders.get(Number(path.order_id));
    if (!order) return v3Error(404, `Order ${path.order_id} not found`);
    try {
      const previous = order.statusId;
      const refund = makeRefund(
        order,
        body as never,
        { refund: state.nextId('refund'), payment: () => state.nextId('payment') },
        state.now(),
        state.declineRefunds,
      );
      state.refunded(order, refund, previous);
      return { status: 201, body: { data: refundResource(refund, order.digits), meta: {} } };
    } catch (error) {
      if (error instanceof RefundRefused) return v3Error(422, error.message);
      throw error;
    }
  },

  getorderrefunds: (state, { path }) => {
    const order = state.orders.get(Number(path.order_id));
    const refunds = order ? (state.refunds.get(order.id) ?? []) : [];
    return { status: 200, body: { data: refunds.map((r) => refundResource(r, order!.digits)), meta: {} } };
  },

  getrefunds: (state, { query }) => {
    const orders = idsParam(query.get('order_id:in'));
    const ids = idsParam(query.get('id:in'));
    const min = dateParam(query.get('created:min'));
    const max = dateParam(query.get('created:max'));
    // BigCommerce keeps whole seconds; both bounds are inclusive. Ascending refund id, as the reference says.
    const created = (r: SimRefund) => Math.floor(r.createdMs / 1000) * 1000;
    const refunds = [...state.refunds.values()]
      .flat()
      .filter((r) => (orders === null || orders.has(r.orderId)) && (ids === null || ids.has(r.id)))
      .filter((r) => (min === null || created(r) >= min) && (max === null || created(r) <= max))
      .sort((a, b) => a.id - b.id);
    const page = pageOf(refunds, query);
    return {
      status: 200,
      body: {
        data: page.map((r) => refundResource(r, state.orders.get(r.orderId)!.digits)),
        meta: { pagination: paginationOf(refunds.length, page.length, query) },
      },
    };
  },

  getVariants: (state, { query }) => {
    const { list, bySku, byId } = state.variants;
    const sku = query.get('sku');
    const id = query.get('id');
    const found = sku !== null ? [bySku.get(sku)] : id !== null ? [byId.get(Number(id))] : null;
    const all = found ? found.filter((v): v is Variant => v !== undefined) : list;
    const page = pageOf(all, query);
    return {
      status: 200,
      body: {
        data: page.map((v) => variantResource(v, query.get('include_fields'))),
        meta: { pagination: paginationOf(all.length, page.length, query) },
      },
    };
  },

  updateVariantsBatch: (state, { body }) => {
    const batch = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
    if (batch.length > VARIANT_BATCH_LIMIT)
      return v3Error(
        413,
        `The request payload is too large. The maximum items allowed in the array is ${VARIANT_BATCH_LIMIT}`,
      );
    // Each variant looked up once, for the checks and then the update.
    const variants = batch.map((item) => state.variants.byId.get(Number(item.id)));
    const errors = batch.flatMap((item, i) => {
      const variant = variants[i];
      if (!variant)
        return [
          {
            status: 422,
            title: `Variant ${String(item.id)} not found`,
            type: '',
            errors: { [`${i}.id`]: 'not found' },
          },
        ];
      const level = item.inventory_level;
      if (level !== undefined && !(Number.isInteger(level) && (level as number) >= 0))
        return [
          {
            status: 422,
            title: 'Invalid inventory level',
            type: '',
            errors: { [`${i}.inventory_level`]: 'must be a whole number, 0 or more' },
          },
        ];
      return [];
    });
    if (errors.length) return { status: 422, body: { batch_errors: errors } };
    const updated = batch.map((item, i) => {
      const variant = variants[i]!;
      if (typeof item.inventory_level === 'number') {
        variant.level = item.inventory_level;
        state.stockSet(variant);
      }
      return variantResource(variant, null);
    });
    return { status: 200, body: { data: updated, meta: {} } };
  },

  getAllWebhooks: (state, { query }) => {
    const active = query.get('is_active');
    const hooks = [...state.hooks.hooks.values()]
      .filter((h) => active === null || String(h.isActive) === active)
      .filter((h) => query.get('scope') === null || h.scope === query.get('scope'))
      .filter((h) => query.get('destination') === null || h.destination === query.get('destination'));
    const page = pageOf(hooks, query);
    return {
      status: 200,
      body: {
        data: page.map((h) => hookResource(h, state.hash)),
        meta: { pagination: paginationOf(hooks.length, page.length, query) },
      },
    };
  },
};

function variantResource(v: Variant, includeFields: string | null) {
  const full = {
    id: v.id,
    product_id: v.productId,
    sku: v.sku,
    sku_id: v.id,
    inventory_level: v.level,
    inventory_warning_level: 0,
    price: 10,
    calculated_price: 10,
    purchasing_disabled: false,
    option_values: [],
  };
  if (!includeFields) return full;
  const wanted = new Set(includeFields.split(',').map((f) => f.trim()));
  return Object.fromEntries(Object.entries(full).filter(([name]) => name === 'id' || wanted.has(name)));
}

function paging(query: URLSearchParams): { page: number; limit: number } {
  const page = Math.max(1, Math.floor(Number(query.get('page') ?? '1')) || 1);
  const limit = Math.min(
    MAX_LIMIT,
    Math.max(1, Math.floor(Number(query.get('limit') ?? DEFAULT_LIMIT)) || DEFAULT_LIMIT),
  );
  return { page, limit };
}

/** A v3 collection's `meta.pagination`. */
function paginationOf(total: number, count: number, query: URLSearchParams) {
  const { limit, page: current } = paging(query);
  return {
    total,
    count,
    per_page: limit,
    current_page: current,
    total_pages: Math.max(1, Math.ceil(total / limit)),
    links: { current: `?page=${current}&limit=${limit}` },
  };
}

/** A comma-separated `…:in` filter of ids (style form, explode false); null when absent. */
function idsParam(value: string | null): Set<number> | null {
  return value === null ? null : new Set(value.split(',').map(Number));
}

function pageOf<T>(items: readonly T[], query: URLSearchParams): T[] {
  const { page, limit } = paging(query);
  return items.slice((page - 1) * limit, page * limit);
}

/** The v2 date filters take RFC 2822 or ISO 8601; BigCommerce keeps whole seconds. */
function dateParam(value: string | null): number | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000) * 1000;
}
