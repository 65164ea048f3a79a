/**
 * The orders of the simulated BigCommerce store (sim/bigcommerce.ts): made like every simulated store's
 * (order-generator.ts: buyer, quantities, a coupon for a third of them, each destination's sales tax), kept in minor
 * units, and written as the v2 Orders API writes them (reference/orders.v2.oas2.yml in bigcommerce/dev-docs): the
 * order (`order_Resp`), its products (`orderProducts`), its shipping addresses (`orderShippingAddress`) and its
 * shipments (`orderShipment`), money as decimal strings with four decimals, dates in RFC 2822. A product's
 * `total_ex_tax` is before discounts, its `applied_discounts` the coupon's share, its `total_tax` the tax on the
 * discounted price (the reference: `(price_ex_tax - discount)*tax_rate=total_tax`). Demo and test use only.
 */
import { createHash } from 'node:crypto';
import { formatMinor, ofBasisPoints } from './money.ts';
import {
  drawBuyer,
  draftOrder,
  exampleEmail,
  lineOrdinal,
  orderOrdinal,
  US_DESTINATIONS,
  type GeneratorContext,
  type UsDestination,
} from './order-generator.ts';

/** Order statuses (GET /v2/order_statuses). */
export const ORDER_STATUS: Readonly<Record<number, string>> = {
  0: 'Incomplete',
  1: 'Pending',
  2: 'Shipped',
  3: 'Partially Shipped',
  4: 'Refunded',
  5: 'Cancelled',
  6: 'Declined',
  7: 'Awaiting Payment',
  8: 'Awaiting Pickup',
  9: 'Awaiting Shipment',
  10: 'Completed',
  11: 'Awaiting Fulfillment',
  12: 'Manual Verification Required',
  13: 'Disputed',
  14: 'Partially Refunded',
};

/** An item a test orders: its SKU, its price as the store lists it, excluding tax. */
export interface BigCommerceItem {
  sku: string;
  price: string;
  name?: string;
  /** A download: no shipping address needed for it, never shipped. */
  digital?: boolean;
}

export interface OrderOptions {
  /** Default 11 (Awaiting Fulfillment: paid); 7 Awaiting Payment, 1 Pending, 0 Incomplete are unpaid. */
  statusId?: number;
  quantities?: number[];
  /** How the shopper paid: by card through the store's gateway (default), or by bank deposit (offline only). */
  payment?: 'card' | 'bank-deposit';
  /** A second shipping address, the last item going there (BigCommerce's multi-address checkout). */
  splitShipping?: boolean;
}

export interface SimProduct {
  id: number;
  addressId: number;
  sku: string;
  name: string;
  digital: boolean;
  quantity: number;
  unit: number;
  unitTax: number;
  gross: number;
  discount: number;
  tax: number;
  shipped: number;
  refunded: number;
}

export interface SimAddress {
  id: number;
  first: string;
  last: string;
  street: string;
  apartment: string | null;
  destination: UsDestination;
  phone: string;
  email: string;
  method: string;
  cost: number;
  costTax: number;
}

export interface SimShipment {
  id: number;
  addressId: number;
  createdMs: number;
  trackingNumber: string;
  trackingCarrier: string;
  shippingMethod: string;
  comments: string;
  items: { order_product_id: number; quantity: number }[];
}

export interface SimOrder {
  id: number;
  createdMs: number;
  modifiedMs: number;
  statusId: number;
  currency: string;
  digits: number;
  payment: 'card' | 'bank-deposit';
  coupon: { code: string; bp: number } | null;
  billing: SimAddress;
  addresses: SimAddress[];
  products: SimProduct[];
  shipments: SimShipment[];
  archived: boolean;
  /** Fields another app wrote through the API, answered as given over the store's own (BigCommerceSim.writeFields). */
  written?: { order?: Record<string, unknown>; products?: Record<string, unknown> };
}

const NAMES = {
  first: ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'José', 'Zoë'],
  last: ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Muñoz', 'Øster'],
};
const COUPON = { code: 'SAVE10', bp: 1_000 } as const;
/** Flat shipping per address, taxed at the destination's rate; a 50.00 order ships free. */
const SHIPPING = { flatUnits: 800, freeFromUnits: 5_000 } as const;

/** Order i of the store: the same every time for the same seed, items and options. */
export function makeOrder(
  store: GeneratorContext,
  i: number,
  items: readonly BigCommerceItem[],
  opts: OrderOptions = {},
): SimOrder {
  const draft = draftOrder(
    store,
    { i, items, ...(opts.quantities ? { quantities: opts.quantities } : {}) },
    { pickBuyer: (r) => drawBuyer(r, NAMES, US_DESTINATIONS), discountBp: COUPON.bp },
  );
  const { buyer } = draft;
  const id = 100 + orderOrdinal(store, i);
  const person = {
    first: buyer.first,
    last: buyer.last,
    street: buyer.destination.street,
    apartment: buyer.apartment,
    destination: buyer.destination,
    phone: `512-555-${buyer.phoneLine}`,
    email: exampleEmail(buyer.first, buyer.last),
  };
  const addressOf = (n: number): SimAddress => ({
    ...person,
    id: id * 10 + n,
    method: 'Flat Rate',
    cost: 0,
    costTax: 0,
  });
  const addresses = [addressOf(1), ...(opts.splitShipping ? [addressOf(2)] : [])];
  const products = draft.lines.map((line, index) => ({
    id: lineOrdinal(store, i, index) + 1,
    addressId: opts.splitShipping && index === draft.lines.length - 1 ? addresses[1]!.id : addresses[0]!.id,
    sku: line.item.sku,
    name: line.item.name ?? line.item.sku,
    digital: line.item.digital === true,
    quantity: line.quantity,
    unit: line.unit,
    unitTax: ofBasisPoints(line.unit, buyer.destination.taxBp),
    gross: line.gross,
    discount: line.discount,
    tax: line.tax,
    shipped: 0,
    refunded: 0,
  }));
  for (const address of addresses) {
    const goods = products.filter((p) => p.addressId === address.id && !p.digital);
    const net = goods.reduce((n, p) => n + p.gross - p.discount, 0);
    address.cost = goods.length === 0 || net >= SHIPPING.freeFromUnits ? 0 : SHIPPING.flatUnits;
    address.costTax = ofBasisPoints(address.cost, buyer.destination.taxBp);
  }
  return {
    id,
    createdMs: draft.createdMs,
    modifiedMs: draft.createdMs,
    statusId: opts.statusId ?? 11,
    currency: store.currency,
    digits: store.digits,
    payment: opts.payment ?? 'card',
    coupon: draft.discountBp ? COUPON : null,
    billing: addresses[0]!,
    // An order of downloads only has no shipping address.
    addresses: products.every((p) => p.digital) ? [] : addresses,
    products,
    shipments: [],
    archived: false,
  };
}

/** The order's figures in minor units: what its lines, addresses and coupon add up to. */
export function figuresOf(order: SimOrder) {
  const sum = (f: (p: SimProduct) => number) => order.products.reduce((n, p) => n + f(p), 0);
  const subtotalEx = sum((p) => p.gross);
  const subtotalTax = sum((p) => p.tax);
  const discounts = sum((p) => p.discount);
  const shipping = order.addresses.reduce((n, a) => n + a.cost, 0);
  const shippingTax = order.addresses.reduce((n, a) => n + a.costTax, 0);
  const totalEx = subtotalEx + shipping - discounts;
  const totalTax = subtotalTax + shippingTax;
  return {
    subtotalEx,
    subtotalTax,
    discounts,
    shipping,
    shippingTax,
    totalEx,
    totalTax,
    totalInc: totalEx + totalTax,
  };
}

/** Money as the v2 API writes it: a decimal string with four decimals ("12.3400"). */
export function v2Money(units: number, digits: number): string {
  return formatMinor(units * 10 ** (4 - digits), 4);
}

/** RFC 2822 in UTC, as the v2 API writes dates: "Tue, 05 Mar 2019 21:40:11 +0000". */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** GET /v2/orders/{id}: the `order_Resp` of the order, with the links to its sub-resources. */
export function orderResource(order: SimOrder, storeHash: string, base: string) {
  const m = (units: number) => v2Money(units, order.digits);
  const f = figuresOf(order);
  const link = (what: string) => ({
    url: `${base}/v2/orders/${order.id}/${what}`,
    resource: `/orders/${order.id}/${what}`,
  });
  const items = order.products.reduce((n, p) => n + p.quantity, 0);
  return {
    id: order.id,
    customer_id: 0,
    date_created: rfc2822(order.createdMs),
    date_modified: rfc2822(order.modifiedMs),
    date_shipped: order.shipments.length ? rfc2822(order.shipments.at(-1)!.createdMs) : '',
    status_id: order.statusId,
    status: ORDER_STATUS[order.statusId] ?? 'Incomplete',
    custom_status: ORDER_STATUS[order.statusId] ?? 'Incomplete',
    subtotal_ex_tax: m(f.subtotalEx),
    subtotal_inc_tax: m(f.subtotalEx + f.subtotalTax),
    subtotal_tax: m(f.subtotalTax),
    base_shipping_cost: m(f.shipping),
    shipping_cost_ex_tax: m(f.shipping),
    shipping_cost_inc_tax: m(f.shipping + f.shippingTax),
    shipping_cost_tax: m(f.shippingTax),
    shipping_cost_tax_class_id: 2,
    base_handling_cost: m(0),
    handling_cost_ex_tax: m(0),
    handling_cost_inc_tax: m(0),
    handling_cost_tax: m(0),
    handling_cost_tax_class_id: 2,
    base_wrapping_cost: m(0),
    wrapping_cost_ex_tax: m(0),
    wrapping_cost_inc_tax: m(0),
    wrapping_cost_tax: m(0),
    wrapping_cost_tax_class_id: 3,
    total_ex_tax: m(f.totalEx),
    total_inc_tax: m(f.totalInc),
    total_tax: m(f.totalTax),
    items_total: items,
    items_shipped: order.products.reduce((n, p) => n + p.shipped, 0),
    payment_method: order.payment === 'card' ? 'Credit Card' : 'Manual',
    payment_provider_id: order.payment === 'card' ? `txn-${order.id}` : '',
    payment_status: order.statusId === 7 || order.statusId <= 1 ? 'pending' : 'captured',
    refunded_amount: m(0),
    order_is_digital: order.products.every((p) => p.digital),
    store_credit_amount: m(0),
    gift_certificate_amount: m(0),
    ip_address: '192.0.2.10',
    ip_address_v6: '',
    geoip_country: 'United States',
    geoip_country_iso2: 'US',
    currency_id: 1,
    currency_code: order.currency,
    currency_exchange_rate: '1.0000000000',
    default_currency_id: 1,
    default_currency_code: order.currency,
    store_default_currency_code: order.currency,
    store_default_to_transactional_exchange_rate: '1.0000000000',
    staff_notes: '',
    customer_message: '',
    discount_amount: m(0),
    coupon_discount: m(f.discounts),
    shipping_address_count: order.addresses.length,
    is_deleted: order.archived,
    ebay_order_id: '0',
    cart_id: `cart-${order.id}`,
    billing_address: { ...addressFields(order.billing), form_fields: [] },
    is_email_opt_in: false,
    credit_card_type: null,
    order_source: 'www',
    channel_id: 1,
    external_source: null,
    consignments: link('consignments'),
    products: link('products'),
    shipping_addresses: link('shipping_addresses'),
    coupons: link('coupons'),
    external_id: null,
    external_merchant_id: null,
    tax_provider_id: 'BasicTaxProvider',
    customer_locale: 'en',
    external_order_id: '',
    store_id: storeHash,
    ...order.written?.order,
  };
}

function addressFields(a: SimAddress) {
  return {
    first_name: a.first,
    last_name: a.last,
    company: '',
    street_1: a.street,
    street_2: a.apartment ?? '',
    city: a.destination.city,
    state: a.destination.state,
    zip: a.destination.zip,
    country: 'United States',
    country_iso2: 'US',
    phone: a.phone,
    email: a.email,
  };
}

/** GET /v2/orders/{id}/products: an `orderProducts` per line. */
export function productResource(order: SimOrder, p: SimProduct) {
  const m = (units: number) => v2Money(units, order.digits);
  return {
    id: p.id,
    order_id: order.id,
    product_id: 1000 + (p.id % 1000),
    variant_id: 5000 + (p.id % 1000),
    order_pickup_method_id: 0,
    order_address_id: p.digital ? 0 : p.addressId,
    name: p.name,
    name_customer: p.name,
    name_merchant: p.name,
    sku: p.sku,
    upc: '',
    type: p.digital ? 'digital' : 'physical',
    base_price: m(p.unit),
    price_ex_tax: m(p.unit),
    price_inc_tax: m(p.unit + p.unitTax),
    price_tax: m(p.unitTax),
    base_total: m(p.gross),
    total_ex_tax: m(p.gross),
    total_inc_tax: m(p.gross + p.tax),
    total_tax: m(p.tax),
    weight: '1.0000',
    quantity: p.quantity,
    base_cost_price: m(0),
    cost_price_inc_tax: m(0),
    cost_price_ex_tax: m(0),
    cost_price_tax: m(0),
    is_refunded: p.refunded === p.quantity,
    quantity_refunded: p.refunded,
    refund_amount: m(0),
    return_id: 0,
    wrapping_name: '',
    base_wrapping_cost: m(0),
    wrapping_cost_ex_tax: m(0),
    wrapping_cost_inc_tax: m(0),
    wrapping_cost_tax: m(0),
    wrapping_message: '',
    quantity_shipped: p.shipped,
    event_name: null,
    event_date: null,
    fixed_shipping_cost: m(0),
    ebay_item_id: '',
    ebay_transaction_id: '',
    option_set_id: null,
    parent_order_product_id: null,
    is_bundled_product: false,
    bin_picking_number: '',
    external_id: null,
    fulfillment_source: '',
    brand: '',
    applied_discounts: p.discount
      ? [
          {
            id: 'coupon',
            amount: m(p.discount),
            name: '10% off',
            code: order.coupon?.code ?? null,
            target: 'order',
          },
        ]
      : [],
    product_options: [],
    configurable_fields: [],
    gift_certificate_id: null,
    discounted_total_inc_tax: m(p.gross - p.discount + p.tax),
    ...order.written?.products,
  };
}

/** GET /v2/orders/{id}/shipping_addresses: an `orderShippingAddress` per address, with its shipping cost. */
export function addressResource(order: SimOrder, a: SimAddress, base: string) {
  const m = (units: number) => v2Money(units, order.digits);
  const mine = order.products.filter((p) => p.addressId === a.id);
  return {
    id: a.id,
    order_id: order.id,
    ...addressFields(a),
    items_total: mine.reduce((n, p) => n + p.quantity, 0),
    items_shipped: mine.reduce((n, p) => n + p.shipped, 0),
    shipping_method: a.method,
    base_cost: m(a.cost),
    cost_ex_tax: m(a.cost),
    cost_inc_tax: m(a.cost + a.costTax),
    cost_tax: m(a.costTax),
    cost_tax_class_id: 2,
    base_handling_cost: m(0),
    handling_cost_ex_tax: m(0),
    handling_cost_inc_tax: m(0),
    handling_cost_tax: m(0),
    handling_cost_tax_class_id: 2,
    shipping_zone_id: 1,
    shipping_zone_name: 'United States',
    shipping_quotes: {
      url: `${base}/v2/orders/${order.id}/shipping_addresses/${a.id}/shipping_quotes`,
      resource: `/orders/${order.id}/shipping_addresses/${a.id}/shipping_quotes`,
    },
    form_fields: [],
  };
}

/** GET and POST /v2/orders/{id}/shipments: an `orderShipment`. */
export function shipmentResource(order: SimOrder, s: SimShipment) {
  const address = order.addresses.find((a) => a.id === s.addressId) ?? order.billing;
  const productOf = (id: number) => 1000 + (id % 1000);
  return {
    id: s.id,
    order_id: order.id,
    customer_id: 0,
    order_address_id: s.addressId,
    date_created: rfc2822(s.createdMs),
    tracking_number: s.trackingNumber,
    merchant_shipping_cost: v2Money(0, order.digits),
    shipping_method: s.shippingMethod,
    comments: s.comments,
    shipping_provider: '',
    tracking_carrier: s.trackingCarrier,
    tracking_link: '',
    billing_address: addressFields(order.billing),
    shipping_address: { ...addressFields(address), shipping_method: address.method },
    items: s.items.map((item) => ({ ...item, product_id: productOf(item.order_product_id) })),
    generated_tracking_link: s.trackingCarrier
      ? `https://track.example/${s.trackingCarrier}/${s.trackingNumber}`
      : '',
  };
}

/** A callback's `hash`: the SHA-1 of its `data` JSON-encoded (webhook-events.mdx, "Callback structure"). */
export function callbackHash(data: unknown): string {
  return createHash('sha1').update(JSON.stringify(data)).digest('hex');
}
