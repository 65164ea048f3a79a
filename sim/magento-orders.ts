/**
 * The simulated Magento store's sales documents, shaped as its REST API serves them (sales-data-order-interface and
 * friends in sim/contracts/magento/admin-schema-2.4.8.json; Adobe's order, shipment and refund tutorials), made like
 * the other simulators' orders (sim/order-generator.ts), never from Waybill's client: orders in the order currency
 * with their base-currency figures beside them, configurable products as a parent line and its child, virtual items;
 * invoices, shipments with tracks and credit memos as Magento computes them. As Magento's DataObjectProcessor writes
 * them, a field whose getter may return null is left out when null, and a field it must return is written even null.
 * Demo and test use only.
 */
import { formatMinor } from './money.ts';
import {
  draftOrder,
  drawBuyer,
  exampleEmail,
  lineOrdinal,
  orderOrdinal,
  US_DESTINATIONS,
  type GeneratorContext,
  type PricedLine,
} from './order-generator.ts';

export interface MagentoItemSeed {
  sku: string;
  /** In the order currency, a decimal string ("12.99"), excluding tax. */
  price: string;
  name?: string;
  /** A configurable product: the parent line with the child's SKU and the money, the child under it with none. */
  configurable?: boolean;
  /** Needs no shipping (a virtual product). */
  virtual?: boolean;
}

export type MagentoState =
  'new' | 'pending_payment' | 'payment_review' | 'processing' | 'complete' | 'closed' | 'canceled' | 'holded';

export interface MagentoOrderOptions {
  quantities?: number[];
  /** Default processing (paid: invoiced, captured). */
  state?: MagentoState;
  /** Default braintree for paid orders, checkmo for new ones. */
  paymentMethod?: string;
  /** The currency the customer chose (order_currency_code); default the store's base currency. */
  currency?: string;
  /** Whether the holded order had been paid (invoiced) before it was held; default false. */
  paid?: boolean;
}

export type Json = Record<string, unknown>;

export interface SimItem extends Json {
  item_id: number;
  sku: string;
  qty_ordered: number;
  qty_invoiced: number;
  qty_shipped: number;
  qty_refunded: number;
  qty_canceled: number;
  row_total: number;
  tax_amount: number;
  discount_amount: number;
  parent_item_id?: number;
}

export interface SimOrder extends Json {
  entity_id: number;
  increment_id: string;
  state: MagentoState;
  status: string;
  updated_at: string;
  order_currency_code: string;
  grand_total: number;
  items: SimItem[];
}

export const STATUS_OF: Record<MagentoState, string> = {
  new: 'pending',
  pending_payment: 'pending_payment',
  payment_review: 'payment_review',
  processing: 'processing',
  complete: 'complete',
  closed: 'closed',
  canceled: 'canceled',
  holded: 'holded',
};

const NAMES = {
  first: ['Ann', 'Bea', 'Chidi', 'Dana', 'Émile', 'Farah', 'Goran', 'Hana'],
  last: ['Lee', 'Novak', 'Okafor', 'Rossi', 'Dubois', 'Haddad', 'Petrov', 'Sato'],
};
/** Rates from the base currency (USD) to the currencies a customer may choose. */
const RATES: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.36, JPY: 151 };
const ONLINE_METHODS = new Set(['braintree', 'paypal_express', 'authorizenet_acceptjs']);
/** Magento's Flat Rate default: this much per item, in the order currency's major unit. */
const FLAT_RATE_PER_ITEM = 5;

/** "2025-11-03 14:05:09": UTC, no zone, as Magento writes timestamps. */
export function magentoTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseMagentoTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** Order i of the store, placed at the store's epoch + i seconds. */
export function buildOrder(
  store: GeneratorContext & { baseCurrency: string },
  i: number,
  seeds: readonly MagentoItemSeed[],
  options: MagentoOrderOptions = {},
): SimOrder {
  const code = options.currency ?? store.baseCurrency;
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
    .maximumFractionDigits!;
  const rate = (RATES[code] ?? 1) / (RATES[store.baseCurrency] ?? 1);
  const amount = (minor: number) => Number(formatMinor(minor, digits));
  const base = (minor: number) => Number((amount(minor) / rate).toFixed(2));
  const draft = draftOrder(
    { ...store, currency: code, digits },
    { i, items: seeds, ...(options.quantities ? { quantities: options.quantities } : {}) },
    { pickBuyer: (random) => drawBuyer(random, NAMES, US_DESTINATIONS), discountBp: 1_000 },
  );
  const { buyer, lines } = draft;
  const entityId = orderOrdinal(store, i) + 1;
  const state = options.state ?? 'processing';
  const paid =
    state === 'processing' || state === 'complete' || (state === 'holded' && options.paid === true);
  const method = options.paymentMethod ?? (paid ? 'braintree' : 'checkmo');
  const shippable = lines.filter((l) => !l.item.virtual).reduce((n, l) => n + l.quantity, 0);
  const shipping = shippable * FLAT_RATE_PER_ITEM * 10 ** digits;
  const subtotal = sum(lines, 'gross');
  const discount = sum(lines, 'discount');
  const tax = sum(lines, 'tax');
  const grand = subtotal + shipping + tax - discount;
  const created = magentoTime(draft.createdMs);
  const items = lines.flatMap((line, index) =>
    itemsOf(
      line,
      lineOrdinal(store, i, index) + 1,
      entityId,
      created,
      amount,
      base,
      buyer.destination.taxBp,
      paid,
    ),
  );
  const address = (type: 'billing' | 'shipping') => ({
    address_type: type,
    city: buyer.destination.city,
    country_id: 'US',
    email: exampleEmail(buyer.first, buyer.last),
    entity_id: entityId * 2 + (type === 'billing' ? 0 : 1),
    firstname: buyer.first,
    lastname: buyer.last,
    parent_id: entityId,
    postcode: buyer.destination.zip,
    region: buyer.destination.state,
    region_code: buyer.destination.stateCode,
    street: buyer.apartment ? [buyer.destination.street, buyer.apartment] : [buyer.destination.street],
    telephone: `415-555-${buyer.phoneLine}`,
  });
  const order: SimOrder = {
    entity_id: entityId,
    increment_id: String(entityId).padStart(9, '0'),
    state,
    status: STATUS_OF[state],
    created_at: created,
    updated_at: created,
    store_id: 1,
    customer_email: exampleEmail(buyer.first, buyer.last),
    customer_firstname: buyer.first,
    customer_lastname: buyer.last,
    customer_is_guest: 1,
    order_currency_code: code,
    base_currency_code: store.baseCurrency,
    global_currency_code: store.baseCurrency,
    store_currency_code: store.baseCurrency,
    base_to_order_rate: rate,
    subtotal: amount(subtotal),
    base_subtotal: base(subtotal),
    discount_amount: -amount(discount),
    base_discount_amount: -base(discount),
    ...(discount ? { discount_description: 'WAYBILL10' } : {}),
    discount_tax_compensation_amount: 0,
    shipping_amount: amount(shipping),
    base_shipping_amount: base(shipping),
    shipping_discount_amount: 0,
    shipping_discount_tax_compensation_amount: 0,
    shipping_tax_amount: 0,
    shipping_incl_tax: amount(shipping),
    shipping_description: 'Flat Rate - Fixed',
    tax_amount: amount(tax),
    base_tax_amount: base(tax),
    grand_total: amount(grand),
    base_grand_total: base(grand),
    total_qty_ordered: lines.reduce((n, l) => n + l.quantity, 0),
    ...(paid
      ? { total_paid: amount(grand), base_total_paid: base(grand), total_invoiced: amount(grand) }
      : {}),
    total_due: paid ? 0 : amount(grand),
    items,
    billing_address: address('billing'),
    payment: {
      // Required by the interface: written even when null.
      account_status: null,
      additional_information: [ONLINE_METHODS.has(method) ? 'Credit Card' : 'Check / Money order'],
      amount_ordered: amount(grand),
      base_amount_ordered: base(grand),
      ...(paid ? { amount_paid: amount(grand), base_amount_paid: base(grand) } : {}),
      cc_last4: null,
      entity_id: entityId,
      method,
      parent_id: entityId,
      shipping_amount: amount(shipping),
    },
    status_histories: [],
    extension_attributes: {
      shipping_assignments: [
        {
          shipping: {
            address: address('shipping'),
            method: 'flatrate_flatrate',
            total: { shipping_amount: amount(shipping) },
          },
          items: structuredClone(items),
        },
      ],
    },
  };
  return order;
}

function itemsOf(
  line: PricedLine<MagentoItemSeed>,
  itemId: number,
  orderId: number,
  created: string,
  amount: (minor: number) => number,
  base: (minor: number) => number,
  taxBp: number,
  paid: boolean,
): SimItem[] {
  const { item, quantity } = line;
  const common = {
    order_id: orderId,
    created_at: created,
    updated_at: created,
    name: item.name ?? item.sku,
    qty_ordered: quantity,
    qty_invoiced: paid ? quantity : 0,
    qty_shipped: 0,
    qty_refunded: 0,
    qty_canceled: 0,
    is_virtual: item.virtual ? 1 : 0,
    store_id: 1,
  };
  const parent: SimItem = {
    ...common,
    item_id: itemId,
    sku: item.sku,
    product_type: item.configurable ? 'configurable' : item.virtual ? 'virtual' : 'simple',
    price: amount(line.unit),
    base_price: base(line.unit),
    original_price: amount(line.unit),
    row_total: amount(line.gross),
    base_row_total: base(line.gross),
    discount_amount: amount(line.discount),
    base_discount_amount: base(line.discount),
    discount_percent: line.discount ? 10 : 0,
    tax_amount: amount(line.tax),
    base_tax_amount: base(line.tax),
    tax_percent: taxBp / 100,
    price_incl_tax: amount(line.unit) + amount(Math.round((line.unit * taxBp) / 10_000)),
    row_total_incl_tax: amount(line.gross + line.grossTax),
    discount_tax_compensation_amount: 0,
    amount_refunded: 0,
    tax_refunded: 0,
    discount_refunded: 0,
  };
  if (!item.configurable) return [parent];
  const child: SimItem = {
    ...common,
    item_id: itemId + 50,
    parent_item_id: itemId,
    sku: item.sku,
    name: `${item.name ?? item.sku}-child`,
    product_type: 'simple',
    price: 0,
    row_total: 0,
    tax_amount: 0,
    discount_amount: 0,
  };
  return [parent, child];
}

function sum(lines: readonly PricedLine<unknown>[], field: 'gross' | 'discount' | 'tax'): number {
  return lines.reduce((n, l) => n + l[field], 0);
}
